/*
 * The reader site's URLs: which page a path asks for (pure: no database).
 *
 *   /  /page/{n}/				the home list (n >= 2; /page/1/ -> /)
 *   /{slug}/  /{slug}				a post or a page (without '/': 301 once found)
 *   /tag/{t}/  /tag/{t}/page/{n}/  /tag/{t}/feed.atom
 *   /author/{username}/  /author/{username}/page/{n}/
 *   /feed.atom  /sitemap.xml  /robots.txt  /search/
 * A list or tag path without its last '/' is redirected to it; a tag
 * segment that is not a tag slug is redirected to the slug of it ("C++"
 * -> "c"). Anything else, /assets/… included (the web server's), is not
 * found. Paths under /posts are the API's (SR_API).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "post.h"
#include "encode.h"
#include "text.h"

#define SEGS_MAX	6

/* One path split into its decoded segments. */
struct segs {
	char	 buf[SITE_PATH_MAX + 1];
	char	*seg[SEGS_MAX];
	size_t	 n;
	bool	 slash;		/* the path ends with '/' */
};

/*
 * Splits path ("/a/b/") into decoded segments. Returns 0, or -1 for a path
 * that names nothing: too long or deep, an empty segment ("//"), a bad
 * %-escape, or one decoding to '/' or NUL.
 */
static int
split(const char *path, struct segs *s)
{
	const char	*p = path + 1, *end;
	char		*out = s->buf;
	size_t		 len;
	long		 dlen;

	memset(s, 0, sizeof(*s));
	if (path[0] != '/' || strlen(path) > SITE_PATH_MAX)
		return -1;
	while (*p != '\0') {
		end = strchr(p, '/');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || s->n == SEGS_MAX ||
		    (dlen = percent_decode(p, len, out, false)) < 0 ||
		    memchr(out, '/', (size_t)dlen) != NULL)
			return -1;
		out[dlen] = '\0';
		s->seg[s->n++] = out;
		out += dlen + 1;
		p += len;
		if (*p == '/') {
			p++;
			s->slash = *p == '\0';
		}
	}
	return 0;
}

/* Reads a page number: 1 to 1000000, written without a leading zero. Returns it, or -1. */
static long long
page_number(const char *s)
{
	long long	 n;

	return s[0] != '0' && text_parse_int(s, 1, 1000000, &n) == 0 ? n : -1;
}

/* Sets a redirect to the formatted path. Returns 0. */
static int __attribute__((format(printf, 2, 3)))
redirect(struct site_req *sr, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(sr->location, sizeof(sr->location), fmt, ap);
	va_end(ap);
	sr->kind = n > 0 && (size_t)n < sizeof(sr->location) ? SR_REDIRECT : SR_NOT_FOUND;
	return 0;
}

/* Returns whether u may be a username (Auth's rule: 3 to 64 of a-z, 0-9, '_', '.', '-'). */
static bool
username_shaped(const char *u)
{
	size_t	 len = strlen(u);

	return len >= 3 && len <= 64 &&
	    strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == len;
}

/*
 * Reads what follows a list's base (s->seg[from..]): nothing, or page/{n}.
 * base is the list's path for redirects ("/", "/tag/x/"). Returns 0.
 */
static int
list_tail(const struct segs *s, size_t from, const char *base, struct site_req *sr)
{
	long long	 n;

	if (s->n == from) {
		if (!s->slash)
			return redirect(sr, "%s", base);
		sr->page = 1;
		return 0;
	}
	if (s->n != from + 2 || strcmp(s->seg[from], "page") != 0 ||
	    (n = page_number(s->seg[from + 1])) == -1) {
		sr->kind = SR_NOT_FOUND;
		return 0;
	}
	if (n == 1)
		return redirect(sr, "%s", base);
	if (!s->slash)
		return redirect(sr, "%spage/%lld/", base, n);
	sr->page = n;
	return 0;
}

/* The routes under /tag/{t}/. */
static int
tag_route(const struct segs *s, struct site_req *sr)
{
	char	 slug[SLUG_BASE_MAX + 1], base[SITE_PATH_MAX];

	tag_slug(s->seg[1], slug);
	if (strcmp(slug, s->seg[1]) != 0) {
		/* Another spelling: the same path with the tag's slug. */
		if (s->n == 2)
			return redirect(sr, "/tag/%s/", slug);
		if (s->n == 3 && strcmp(s->seg[2], "feed.atom") == 0)
			return redirect(sr, "/tag/%s/feed.atom", slug);
		if (s->n == 4 && strcmp(s->seg[2], "page") == 0 && page_number(s->seg[3]) > 1)
			return redirect(sr, "/tag/%s/page/%s/", slug, s->seg[3]);
		sr->kind = SR_NOT_FOUND;
		return 0;
	}
	snprintf(sr->arg, sizeof(sr->arg), "%s", slug);
	if (s->n == 3 && strcmp(s->seg[2], "feed.atom") == 0 && !s->slash) {
		sr->kind = SR_TAG_FEED;
		return 0;
	}
	sr->kind = SR_TAG;
	snprintf(base, sizeof(base), "/tag/%s/", slug);
	return list_tail(s, 2, base, sr);
}

int
site_route(const char *path, struct site_req *sr)
{
	struct segs	 s;
	char		 base[SITE_PATH_MAX];
	const char	*first;

	memset(sr, 0, sizeof(*sr));
	sr->kind = SR_NOT_FOUND;
	if (strcmp(path, "/posts") == 0 || strncmp(path, "/posts/", 7) == 0) {
		sr->kind = SR_API;
		return 0;
	}
	if (split(path, &s) == -1)
		return 0;
	if (s.n == 0) {
		sr->kind = SR_HOME;
		sr->page = 1;
		return 0;
	}
	first = s.seg[0];
	if (strcmp(first, "page") == 0) {
		if (s.n == 1)
			return 0;
		sr->kind = SR_HOME;
		return list_tail(&s, 0, "/", sr);
	}
	if (strcmp(first, "tag") == 0)
		return s.n >= 2 ? tag_route(&s, sr) : 0;
	if (strcmp(first, "author") == 0) {
		if (s.n < 2 || !username_shaped(s.seg[1]))
			return 0;
		snprintf(sr->arg, sizeof(sr->arg), "%s", s.seg[1]);
		snprintf(base, sizeof(base), "/author/%s/", s.seg[1]);
		sr->kind = SR_AUTHOR;
		return list_tail(&s, 2, base, sr);
	}
	if (s.n == 1 && strcmp(first, "search") == 0) {
		sr->kind = s.slash ? SR_SEARCH : SR_REDIRECT;
		if (!s.slash) {
			snprintf(sr->location, sizeof(sr->location), "/search/");
			sr->keep_query = true;
		}
		return 0;
	}
	if (s.n == 1 && !s.slash) {
		if (strcmp(first, "feed.atom") == 0)
			sr->kind = SR_FEED;
		else if (strcmp(first, "sitemap.xml") == 0)
			sr->kind = SR_SITEMAP;
		else if (strcmp(first, "robots.txt") == 0)
			sr->kind = SR_ROBOTS;
		if (sr->kind != SR_NOT_FOUND)
			return 0;
	}
	if (s.n == 1 && slug_shaped(first) && slug_invalid(first) == NULL) {
		sr->kind = SR_POST;
		sr->slash = s.slash;
		snprintf(sr->arg, sizeof(sr->arg), "%s", first);
	}
	return 0;
}
