/*
 * Rendering: Markdown to HTML with cmark, once, when a post is written.
 *
 * cmark runs in its safe mode (no CMARK_OPT_UNSAFE): raw HTML becomes a
 * comment and javascript:, vbscript:, file: and data: URLs (but data:
 * images) are blanked. Images written ![alt](media:ID) are replaced by
 * custom inline nodes holding HTML made here from escaped pieces: an <img>
 * with a srcset when Media knows the item, else a plain link to the
 * original with the alt text.
 *
 * The cost of cmark is bounded whatever its version (0.30.2 is quadratic on
 * some inputs, CVE-2023-22486): the pure part (parse, the media references,
 * the excerpt, the HTML with one placeholder per media image) runs in a
 * child process under a budget (bound.h) and sends its result back as JSON;
 * this process then asks Media and puts each image in its placeholder. The
 * child is killed at the deadline: cmark is never interrupted in this
 * process, and no signal lands in the middle of malloc here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmark.h>

#include "bound.h"
#include "post.h"
#include "encode.h"
#include "secret.h"
#include "text.h"

#define NONCE_LEN	16	/* hex digits of a placeholder's nonce */

/* One distinct media item a post refers to. */
struct ref {
	char			 id[UUID_LEN + 1];	/* lowercase */
	enum media_result	 result;
	struct media_info	 info;
};

/* One media image of the document, in document order. */
struct image {
	cmark_node	*node;
	bool		 in_link;	/* inside a link: no link of its own */
};

/* The media references of one document. */
struct refs {
	struct ref	 items[MEDIA_REFS_MAX];
	size_t		 n;
	struct image	*images;
	size_t		 nimages, cap;
};

/* What the child renders: md[0..len), placeholders made with nonce. */
struct pure_job {
	const char	*md;
	size_t		 len;
	char		 nonce[NONCE_LEN + 1];
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
 * text) and their distinct ids. The open images and links are counted on
 * the way down, so a deep document costs no walk back up per image.
 * Returns 0, or -1 (bad input) or -2 (no memory) with err set.
 */
static int
refs_collect(cmark_node *doc, struct refs *refs, char *err, size_t errlen)
{
	cmark_iter	*it = cmark_iter_new(doc);
	cmark_event_type ev;
	cmark_node	*n;
	cmark_node_type	 t;
	struct image	*p;
	const char	*id;
	size_t		 open_images = 0, open_links = 0;
	int		 rc = 0;

	while (rc == 0 && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		n = cmark_iter_get_node(it);
		if ((t = cmark_node_get_type(n)) == CMARK_NODE_LINK) {
			if (ev == CMARK_EVENT_ENTER)
				open_links++;
			else
				open_links--;
			continue;
		}
		if (t != CMARK_NODE_IMAGE)
			continue;
		if (ev == CMARK_EVENT_ENTER) {
			open_images++;
			continue;
		}
		if (--open_images > 0 || (id = media_ref_id(cmark_node_get_url(n))) == NULL)
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
		if (rc == 0) {
			refs->images[refs->nimages].node = n;
			refs->images[refs->nimages++].in_link = open_links > 0;
		}
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

/*
 * Replaces image node n by a custom inline node whose HTML is the
 * placeholder of image i. Returns 0 or -1.
 */
static int
replace_image(cmark_node *n, const char *nonce, size_t i)
{
	char		 mark[64];
	cmark_node	*custom;

	snprintf(mark, sizeof(mark), "<!--quire:%s:%zu-->", nonce, i);
	if ((custom = cmark_node_new(CMARK_NODE_CUSTOM_INLINE)) != NULL &&
	    cmark_node_set_on_enter(custom, mark) && cmark_node_set_on_exit(custom, "") &&
	    cmark_node_insert_before(n, custom)) {
		cmark_node_free(n);	/* unlinks it */
		return 0;
	}
	if (custom != NULL && cmark_node_parent(custom) == NULL)
		cmark_node_free(custom);
	return -1;
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

/*
 * Returns what a writer should know of the references (an array, empty when
 * all resolved): one "unknown_media" per id Media does not have, and one
 * "media_unavailable" naming the ids Media could not be asked about.
 */
static json_t *
refs_warnings(const struct refs *refs)
{
	json_t	*list = json_array(), *unasked = json_array();
	size_t	 i;

	for (i = 0; i < refs->n; i++)
		switch (refs->items[i].result) {
		case MEDIA_FOUND:
			break;
		case MEDIA_UNKNOWN:
			json_array_append_new(list, json_pack("{s:s, s:s, s:s++}", "code",
			    "unknown_media", "id", refs->items[i].id, "message", "Media has no item ",
			    refs->items[i].id, ": the image is shown as a link to it"));
			break;
		case MEDIA_FAILED:
		case MEDIA_SKIPPED:
			json_array_append_new(unasked, json_string(refs->items[i].id));
			break;
		}
	if (json_array_size(unasked) > 0)
		json_array_append_new(list, json_pack("{s:s, s:O, s:s}", "code",
		    "media_unavailable", "ids", unasked, "message", "Media could not be asked "
		    "about these items: they are shown as links until a read after Media is "
		    "back resolves them"));
	json_decref(unasked);
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

/* Returns a JSON string of s[0..len), or NULL. */
static json_t *
json_text(const char *s, size_t len)
{
	return s != NULL ? json_stringn(s, len) : json_null();
}

/*
 * The child's work (a bound_fn): parses job->md and appends to out either
 * {"invalid": why} or {"html", "excerpt", "refs": [id, …], "images":
 * [[ref, in_link, alt, title], …]}, the HTML with the placeholder
 * "<!--quire:NONCE:I-->" for image I. Returns 0, or -1.
 */
static int
render_pure(void *arg, struct buf *out)
{
	const struct pure_job	*job = arg;
	struct refs		*refs = calloc(1, sizeof(*refs));
	struct buf		 alt = BUF_INIT;
	cmark_node		*doc;
	json_t			*res = NULL, *ids, *images;
	const char		*title;
	char			 err[256], *excerpt, *html, *text;
	size_t			 i;
	int			 rc;

	if (refs == NULL ||
	    (doc = cmark_parse_document(job->md, job->len, CMARK_OPT_VALIDATE_UTF8)) == NULL)
		return -1;
	if ((rc = refs_collect(doc, refs, err, sizeof(err))) != 0) {
		if (rc == -2 || (res = json_pack("{s:s}", "invalid", err)) == NULL)
			return -1;
		goto send;
	}
	if ((excerpt = excerpt_of(doc)) == NULL || (ids = json_array()) == NULL ||
	    (images = json_array()) == NULL)
		return -1;
	for (i = 0; i < refs->n; i++)
		json_array_append_new(ids, json_string(refs->items[i].id));
	for (i = 0; i < refs->nimages; i++) {
		cmark_node *n = refs->images[i].node;

		buf_reset(&alt);
		plain_text(n, &alt, false);
		title = cmark_node_get_title(n);
		if (json_array_append_new(images, json_pack("[i, b, o, o]",
		    refs_add(refs, media_ref_id(cmark_node_get_url(n))), refs->images[i].in_link,
		    json_text(buf_str(&alt), alt.len),
		    json_text(title != NULL && *title != '\0' ? title : NULL,
		    title != NULL ? strlen(title) : 0))) == -1 ||
		    replace_image(n, job->nonce, i) == -1)
			return -1;
	}
	if ((html = cmark_render_html(doc, CMARK_OPT_DEFAULT)) == NULL ||
	    (res = json_pack("{s:o, s:o, s:o, s:o}", "html", json_text(html, strlen(html)),
	    "excerpt", json_text(excerpt, strlen(excerpt)), "refs", ids, "images", images)) ==
	    NULL)
		return -1;
send:
	if ((text = json_dumps(res, JSON_COMPACT)) == NULL || buf_puts(out, text) == -1)
		return -1;
	return 0;	/* the rest goes with the child */
}

/*
 * Appends html to b with each placeholder of job replaced by the HTML of its
 * image (images, from the child), given what Media said of each reference.
 * Returns 0, or -1 when the child's answer does not hold together.
 */
static int
fill_images(struct buf *b, const char *html, const struct pure_job *job, json_t *images,
    const struct refs *refs)
{
	char		 prefix[32];
	const char	*p = html, *m, *alt, *end_html = html + strlen(html);
	size_t		 plen, i;
	json_int_t	 k;
	json_t		*title;
	int		 in_link;
	char		*end;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "<!--quire:%s:", job->nonce);
	/* memmem, not strstr: no search runs to the end of the HTML each time. */
	while ((m = memmem(p, (size_t)(end_html - p), prefix, plen)) != NULL) {
		buf_append(b, p, (size_t)(m - p));
		i = strtoul(m + plen, &end, 10);
		if (strncmp(end, "-->", 3) != 0 || json_unpack(json_array_get(images, i),
		    "[I, b, s, o]", &k, &in_link, &alt, &title) == -1 || k < 0 ||
		    (size_t)k >= refs->n)
			return -1;
		if (refs->items[k].result == MEDIA_FOUND)
			img_html(b, &refs->items[k], alt, json_string_value(title));
		else
			link_html(b, &refs->items[k], alt, in_link);
		p = end + 3;
	}
	return buf_puts(b, p);
}

enum render_result
render_markdown(const char *md, size_t len, long long budget_ms, media_lookup_fn lookup,
    void *arg, struct render *out, char *err, size_t errlen)
{
	struct pure_job		 job = { md, len, "" };
	struct refs		*refs = NULL;
	struct buf		 raw = BUF_INIT, html = BUF_INIT;
	unsigned char		 nonce[NONCE_LEN / 2];
	json_t			*res = NULL, *ids;
	const char		*invalid, *excerpt, *text;
	enum render_result	 rc = RENDER_FAILED;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	if (secret_random(nonce, sizeof(nonce)) == -1) {
		snprintf(err, errlen, "no random bytes for the placeholders");
		return RENDER_FAILED;
	}
	hex_encode(nonce, sizeof(nonce), job.nonce);
	switch (bound_run(render_pure, &job, budget_ms, &raw, err, errlen)) {
	case BOUND_OK:
		break;
	case BOUND_OVER:
		snprintf(err, errlen, "body: this Markdown takes more than %lld ms to render "
		    "(render_budget): long runs of nested quotes, lists, brackets or images "
		    "are the usual cause", budget_ms);
		return RENDER_TOO_COSTLY;
	case BOUND_FAILED:
		return RENDER_FAILED;
	}
	if ((res = json_loadb(raw.data, raw.len, 0, NULL)) == NULL) {
		snprintf(err, errlen, "the renderer's answer is not JSON");
		goto out;
	}
	if (json_unpack(res, "{s:s}", "invalid", &invalid) == 0) {
		snprintf(err, errlen, "%s", invalid);
		rc = RENDER_INVALID;
		goto out;
	}
	if (json_unpack(res, "{s:s, s:s, s:o}", "html", &text, "excerpt", &excerpt, "refs",
	    &ids) == -1 || json_array_size(ids) > MEDIA_REFS_MAX ||
	    (refs = calloc(1, sizeof(*refs))) == NULL) {
		snprintf(err, errlen, "the renderer's answer is not the promised shape");
		goto out;
	}
	/* Lookups happen only for good input, each distinct id once. */
	for (i = 0; i < json_array_size(ids); i++) {
		const char *id = json_string_value(json_array_get(ids, i));

		if (id == NULL || !uuid_valid(id)) {
			snprintf(err, errlen, "the renderer's answer is not the promised shape");
			goto out;
		}
		memcpy(refs->items[i].id, id, UUID_LEN + 1);
		refs->items[i].result = lookup(arg, id, &refs->items[i].info);
		refs->n++;
		if (refs->items[i].result != MEDIA_FOUND)
			out->unresolved++;
	}
	if (fill_images(&html, text, &job, json_object_get(res, "images"), refs) == -1) {
		snprintf(err, errlen, "the renderer's answer is not the promised shape");
		goto out;
	}
	if ((out->excerpt = strdup(excerpt)) == NULL || (out->media = refs_json(refs)) == NULL ||
	    (out->warnings = refs_warnings(refs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	out->html = html.data;
	html = (struct buf)BUF_INIT;
	rc = RENDER_OK;
out:
	for (i = 0; refs != NULL && i < refs->n; i++)
		if (refs->items[i].result == MEDIA_FOUND)
			media_info_free(&refs->items[i].info);
	free(refs);
	json_decref(res);
	buf_free(&raw);
	buf_free(&html);
	if (rc != RENDER_OK)
		render_free(out);
	return rc;
}

enum render_result
post_render(struct req *r, const char *md, size_t len, bool read, struct render *out,
    char *err, size_t errlen)
{
	struct media_lookup	 look = { post_app(r), read, false, req_env(r, "HTTP_AUTHORIZATION") };

	return render_markdown(md, len, post_conf(r)->render_budget, media_lookup, &look, out,
	    err, errlen);
}

int
post_render_write(struct req *r, const char *md, size_t len, struct render *out)
{
	char	 err[300];

	switch (post_render(r, md, len, false, out, err, sizeof(err))) {
	case RENDER_OK:
		return 0;
	case RENDER_INVALID:
		resp_error(r, ERR_INVALID_FIELD, "%s", err);
		break;
	case RENDER_TOO_COSTLY:
		resp_error(r, ERR_BODY_TOO_COMPLEX, "%s", err);
		break;
	case RENDER_FAILED:
		resp_error(r, ERR_INTERNAL, "cannot render the body: %s", err);
		break;
	}
	return -1;
}

void
render_free(struct render *r)
{
	free(r->html);
	free(r->excerpt);
	json_decref(r->media);
	json_decref(r->warnings);
	memset(r, 0, sizeof(*r));
}
