/*
 * The first image of a post, read back from its stored HTML: the <img> tag
 * render.c wrote for a media reference (src, srcset, width, height, alt),
 * or one cmark wrote for an image URL. The reader site shows it on cards
 * and in og:image without asking Media.
 */
#include <stdlib.h>
#include <string.h>

#include "nitems.h"
#include "post.h"
#include "text.h"

#define OG_VARIANT	"/w/1280."	/* the variant og:image names */

/* Appends s[0..len) to b with the entities cmark and render.c write decoded. */
static void
decode_entities(struct buf *b, const char *s, size_t len)
{
	static const struct { const char *name; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' },
		{ "&#39;", '\'' }, { "&#x27;", '\'' },
	};
	const char	*end = s + len;
	size_t		 i, n;

	while (s < end) {
		if (*s == '&') {
			for (i = 0; i < nitems(ents); i++) {
				n = strlen(ents[i].name);
				if ((size_t)(end - s) >= n && memcmp(s, ents[i].name, n) == 0)
					break;
			}
			if (i < nitems(ents)) {
				buf_append(b, &ents[i].c, 1);
				s += n;
				continue;
			}
		}
		buf_append(b, s, 1);
		s++;
	}
}

/* Returns the decoded value of attribute name of tag (to free), or NULL. */
static char *
attr(const char *tag, const char *name)
{
	struct buf	 b = BUF_INIT;
	const char	*p = tag, *end;
	size_t		 nlen = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if (p > tag && p[-1] == ' ' && strncmp(p + nlen, "=\"", 2) == 0)
			break;
		p += nlen;
	}
	if (p == NULL || (end = strchr(p + nlen + 2, '"')) == NULL)
		return NULL;
	p += nlen + 2;
	decode_entities(&b, p, (size_t)(end - p));
	if (buf_puts(&b, "") == -1) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

/* Returns whether url is a path of this site or an http(s) URL. */
static bool
url_ok(const char *url)
{
	return url != NULL && ((url[0] == '/' && url[1] != '/') ||
	    strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0);
}

/* Returns the URL of srcset to use as og:image (to free), or NULL. */
static char *
pick_large(const char *srcset)
{
	const char	*p = srcset, *end, *sp;
	char		*best = NULL;
	long long	 w, best_w = -1;
	size_t		 len;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		sp = memchr(p, ' ', len);
		w = 0;
		if (sp != NULL)
			w = strtoll(sp + 1, NULL, 10);
		if (sp == NULL)
			sp = p + len;
		if (memmem(p, (size_t)(sp - p), OG_VARIANT, strlen(OG_VARIANT)) != NULL)
			w = (long long)1 << 40;		/* the one og:image asks for */
		if (w > best_w) {
			free(best);
			best = strndup(p, (size_t)(sp - p));
			best_w = w;
		}
		p += len;
	}
	return best;
}

int
imgtag_parse(const char *tag, struct imgtag *out)
{
	char		*w, *h;
	long long	 n;

	memset(out, 0, sizeof(*out));
	if (tag == NULL || strncmp(tag, "<img ", 5) != 0)
		return -1;
	out->src = attr(tag, "src");
	if (!url_ok(out->src)) {
		imgtag_free(out);
		return -1;
	}
	out->srcset = attr(tag, "srcset");
	out->alt = attr(tag, "alt");
	w = attr(tag, "width");
	h = attr(tag, "height");
	if (w != NULL && text_parse_int(w, 1, 100000, &n) == 0)
		out->width = n;
	if (h != NULL && text_parse_int(h, 1, 100000, &n) == 0)
		out->height = n;
	free(w);
	free(h);
	if (out->srcset != NULL && (out->large = pick_large(out->srcset)) != NULL &&
	    !url_ok(out->large)) {
		free(out->large);
		out->large = NULL;
	}
	return 0;
}

void
imgtag_free(struct imgtag *t)
{
	free(t->src);
	free(t->srcset);
	free(t->alt);
	free(t->large);
	memset(t, 0, sizeof(*t));
}
