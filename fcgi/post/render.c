/*
 * Rendering: Markdown to HTML with cmark, once, when a post is written.
 *
 * cmark runs in its safe mode (no CMARK_OPT_UNSAFE): raw HTML becomes a
 * comment and javascript:, vbscript:, file: and data: URLs (but data:
 * images) are blanked. Images written ![alt](media:ID) are replaced, after
 * the walk, by custom inline nodes holding HTML made here from escaped
 * pieces: an <img> with a srcset when Media knows the item, else a plain
 * link to the original with the alt text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark.h>

#include "post.h"
#include "util.h"

/* One distinct media item a post refers to. */
struct ref {
	char			 id[UUID_LEN + 1];	/* lowercase */
	enum media_result	 result;
	struct media_info	 info;
};

/* The media references of one document. */
struct refs {
	struct ref	 items[MEDIA_REFS_MAX];
	size_t		 n;
	cmark_node	**images;	/* image nodes to replace, in document order */
	size_t		 nimages, cap;
};

void
html_escape(struct buf *b, const char *s, size_t len)
{
	const char	*end = s + len;
	size_t		 run;

	while (s < end) {
		run = strcspn(s, "&<>\"'");
		if (run > (size_t)(end - s))
			run = (size_t)(end - s);
		buf_append(b, s, run);
		s += run;
		if (s >= end)
			break;
		switch (*s++) {
		case '&':	buf_puts(b, "&amp;"); break;
		case '<':	buf_puts(b, "&lt;"); break;
		case '>':	buf_puts(b, "&gt;"); break;
		case '"':	buf_puts(b, "&quot;"); break;
		default:	buf_puts(b, "&#39;"); break;
		}
	}
}

/*
 * Appends the plain text of node's descendants to b: text and code, a
 * space for each break and, with blocks, after each block.
 */
static void
plain_text(cmark_node *node, struct buf *b, bool blocks)
{
	cmark_iter	*it = cmark_iter_new(node);
	cmark_event_type ev;
	cmark_node	*n;
	cmark_node_type	 t;

	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		t = cmark_node_get_type(n);
		if (ev == CMARK_EVENT_EXIT) {
			if (blocks && t >= CMARK_NODE_FIRST_BLOCK && t <= CMARK_NODE_LAST_BLOCK)
				buf_puts(b, " ");
			continue;
		}
		switch (t) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			buf_puts(b, cmark_node_get_literal(n));
			break;
		case CMARK_NODE_CODE_BLOCK:
			if (blocks) {
				buf_puts(b, cmark_node_get_literal(n));
				buf_puts(b, " ");
			}
			break;
		case CMARK_NODE_SOFTBREAK:
		case CMARK_NODE_LINEBREAK:
		case CMARK_NODE_THEMATIC_BREAK:
			buf_puts(b, " ");
			break;
		default:
			break;
		}
	}
	cmark_iter_free(it);
}

/* Returns whether node has an ancestor of type t. */
static bool
has_ancestor(cmark_node *node, cmark_node_type t)
{
	for (node = cmark_node_parent(node); node != NULL; node = cmark_node_parent(node))
		if (cmark_node_get_type(node) == t)
			return true;
	return false;
}

/* Returns the id part of a media: URL (case-insensitive scheme), or NULL. */
static const char *
media_ref_id(const char *url)
{
	if (url == NULL || strncasecmp(url, "media:", 6) != 0)
		return NULL;
	return url + 6;
}

/* Returns the index of id among the references, adding it when new; -1 when full. */
static int
refs_add(struct refs *refs, const char *id)
{
	char	 lower[UUID_LEN + 1];
	size_t	 i;

	for (i = 0; i <= UUID_LEN; i++)
		lower[i] = (char)(id[i] >= 'A' && id[i] <= 'F' ? id[i] - 'A' + 'a' : id[i]);
	for (i = 0; i < refs->n; i++)
		if (strcmp(refs->items[i].id, lower) == 0)
			return (int)i;
	if (refs->n == MEDIA_REFS_MAX)
		return -1;
	memcpy(refs->items[refs->n].id, lower, sizeof(lower));
	refs->items[refs->n].result = MEDIA_SKIPPED;
	return (int)refs->n++;
}

/*
 * Collects the media images of doc (not those inside another image's alt
 * text) and their distinct ids. Returns 0, or -1 (bad input) or -2 (no
 * memory) with err set.
 */
static int
refs_collect(cmark_node *doc, struct refs *refs, char *err, size_t errlen)
{
	cmark_iter	*it = cmark_iter_new(doc);
	cmark_event_type ev;
	cmark_node	*n, **p;
	const char	*id;
	int		 rc = 0;

	while (rc == 0 && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if (ev != CMARK_EVENT_EXIT || cmark_node_get_type(n) != CMARK_NODE_IMAGE ||
		    (id = media_ref_id(cmark_node_get_url(n))) == NULL ||
		    has_ancestor(n, CMARK_NODE_IMAGE))
			continue;
		if (!uuid_valid(id)) {
			snprintf(err, errlen, "body: \"media:%.40s\" is not a media reference: "
			    "write media: and the item's id (a UUID)", id);
			rc = -1;
		} else if (refs_add(refs, id) == -1) {
			snprintf(err, errlen, "body: a post refers to at most %d media items",
			    MEDIA_REFS_MAX);
			rc = -1;
		} else if (refs->nimages == refs->cap) {
			refs->cap = refs->cap ? refs->cap * 2 : 16;
			if ((p = realloc(refs->images, refs->cap * sizeof(*p))) == NULL) {
				snprintf(err, errlen, "out of memory");
				rc = -2;
			} else
				refs->images = p;
		}
		if (rc == 0)
			refs->images[refs->nimages++] = n;
	}
	cmark_iter_free(it);
	return rc;
}

/* Appends the <img> of a resolved reference to b. */
static void
img_html(struct buf *b, const struct ref *ref, const char *alt, const char *title)
{
	const struct media_info	*m = &ref->info;
	const char		*src = m->nvariants > 0 ? m->variants[m->nvariants - 1].url :
				    m->original;
	size_t			 i;

	buf_puts(b, "<img src=\"");
	html_escape(b, src, strlen(src));
	if (m->nvariants > 0) {
		buf_puts(b, "\" srcset=\"");
		for (i = 0; i < m->nvariants; i++) {
			if (i > 0)
				buf_puts(b, ", ");
			html_escape(b, m->variants[i].url, strlen(m->variants[i].url));
			/* A variant asked wider than the image is the image's own width. */
			buf_printf(b, " %lldw", m->variants[i].width < m->width ?
			    m->variants[i].width : m->width);
		}
	}
	buf_printf(b, "\" width=\"%lld\" height=\"%lld\" alt=\"", m->width, m->height);
	if (*alt == '\0' && m->alt != NULL)
		alt = m->alt;
	html_escape(b, alt, strlen(alt));
	if (title != NULL && *title != '\0') {
		buf_puts(b, "\" title=\"");
		html_escape(b, title, strlen(title));
	}
	buf_puts(b, "\" />");
}

/*
 * Appends what an unresolved reference becomes: a link to the original with
 * the alt text, or the alt text alone inside another link.
 */
static void
link_html(struct buf *b, const struct ref *ref, const char *alt, bool in_link)
{
	if (*alt == '\0')
		alt = "image";
	if (!in_link)
		buf_printf(b, "<a href=\"/media/%s/original\">", ref->id);
	html_escape(b, alt, strlen(alt));
	if (!in_link)
		buf_puts(b, "</a>");
}

/* Replaces image node n, a reference to ref, by a custom inline node. Returns 0 or -1. */
static int
replace_image(cmark_node *n, const struct ref *ref)
{
	struct buf	 alt = BUF_INIT, html = BUF_INIT;
	cmark_node	*custom;
	int		 rc = -1;

	plain_text(n, &alt, false);
	if (ref->result == MEDIA_FOUND)
		img_html(&html, ref, buf_str(&alt), cmark_node_get_title(n));
	else
		link_html(&html, ref, buf_str(&alt), has_ancestor(n, CMARK_NODE_LINK));
	if ((custom = cmark_node_new(CMARK_NODE_CUSTOM_INLINE)) != NULL &&
	    cmark_node_set_on_enter(custom, buf_str(&html)) &&
	    cmark_node_set_on_exit(custom, "") && cmark_node_insert_before(n, custom)) {
		cmark_node_free(n);	/* unlinks it */
		rc = 0;
	} else if (custom != NULL && cmark_node_parent(custom) == NULL)
		cmark_node_free(custom);
	buf_free(&alt);
	buf_free(&html);
	return rc;
}

/* Returns the "media" list of the references, in order of first appearance. */
static json_t *
refs_json(const struct refs *refs)
{
	json_t	*list = json_array(), *o;
	size_t	 i;

	for (i = 0; i < refs->n; i++) {
		const struct ref *ref = &refs->items[i];

		if (ref->result == MEDIA_FOUND)
			o = json_pack("{s:s, s:s, s:I, s:I}", "id", ref->id, "state", "resolved",
			    "width", (json_int_t)ref->info.width,
			    "height", (json_int_t)ref->info.height);
		else
			o = json_pack("{s:s, s:s}", "id", ref->id, "state", "unresolved");
		json_array_append_new(list, o);
	}
	return list;
}

/* Returns whether c is a blank of the excerpt's text. */
static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Returns the plain text of doc with blanks collapsed, cut after
 * EXCERPT_AUTO characters (back to a word boundary when one is near) with
 * "…". The caller frees it; NULL when memory runs out.
 */
static char *
excerpt_of(cmark_node *doc)
{
	struct buf	 text = BUF_INIT, out = BUF_INIT;
	const char	*s;
	char		*space;
	size_t		 chars = 0, i;

	plain_text(doc, &text, true);
	for (s = buf_str(&text); *s != '\0'; s++) {
		if (!blank(*s))
			buf_append(&out, s, 1);
		else if (out.len > 0 && out.data[out.len - 1] != ' ')
			buf_puts(&out, " ");
	}
	buf_free(&text);
	if (buf_puts(&out, "") == -1)
		return NULL;
	if (out.len > 0 && out.data[out.len - 1] == ' ')
		out.data[--out.len] = '\0';
	for (i = 0; i < out.len; i++) {
		if (((unsigned char)out.data[i] & 0xc0) == 0x80 || chars++ < EXCERPT_AUTO)
			continue;
		out.data[out.len = i] = '\0';
		space = strrchr(out.data, ' ');
		if (space != NULL && utf8_length(space) < EXCERPT_AUTO / 2)
			out.data[out.len = (size_t)(space - out.data)] = '\0';
		if (buf_puts(&out, "\xe2\x80\xa6") == -1) {
			buf_free(&out);
			return NULL;
		}
		break;
	}
	return out.data;
}

int
render_markdown(const char *md, size_t len, media_lookup_fn lookup, void *arg,
    struct render *out, char *err, size_t errlen)
{
	struct refs	*refs;
	cmark_node	*doc;
	size_t		 i;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((refs = calloc(1, sizeof(*refs))) == NULL ||
	    (doc = cmark_parse_document(md, len, CMARK_OPT_VALIDATE_UTF8)) == NULL) {
		free(refs);
		snprintf(err, errlen, "out of memory");
		return -2;
	}
	if ((rc = refs_collect(doc, refs, err, errlen)) != 0)
		goto out;
	if ((out->excerpt = excerpt_of(doc)) == NULL)
		goto nomem;
	for (i = 0; i < refs->n; i++)
		refs->items[i].result = lookup(arg, refs->items[i].id, &refs->items[i].info);
	for (i = 0; i < refs->nimages; i++) {
		int k = refs_add(refs, media_ref_id(cmark_node_get_url(refs->images[i])));

		if (replace_image(refs->images[i], &refs->items[k]) == -1)
			goto nomem;
	}
	for (i = 0; i < refs->n; i++)
		if (refs->items[i].result != MEDIA_FOUND)
			out->unresolved++;
	if ((out->html = cmark_render_html(doc, CMARK_OPT_DEFAULT)) == NULL ||
	    (out->media = refs_json(refs)) == NULL)
		goto nomem;
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -2;
out:
	for (i = 0; i < refs->n; i++)
		if (refs->items[i].result == MEDIA_FOUND)
			media_info_free(&refs->items[i].info);
	free(refs->images);
	free(refs);
	cmark_node_free(doc);
	if (rc != 0)
		render_free(out);
	return rc;
}

void
render_free(struct render *r)
{
	free(r->html);
	free(r->excerpt);
	json_decref(r->media);
	memset(r, 0, sizeof(*r));
}
