/*
 * The invalidation matrix: which stored pages a change of a post deletes,
 * so that the next request of each shows the change and nothing else is
 * rendered again.
 *
 *   P(s)  {s}/			the post or page
 *   H	   index.html, page/	the home list
 *   T(t)  tag/{t}/		a tag's pages and feed
 *   A(u)  author/{u}/		an author's pages
 *   F	   feed.atom		the site feed
 *   S	   sitemap.xml
 *
 * A page (kind) is in P and S only. A post: P, S, F and each tag's feed
 * always (they carry its content and dates); H, T and A when what a list
 * shows of it changes (it comes or goes, its title, excerpt, date, slug,
 * author, tags or first image). inval_post() is pure; inval_changed()
 * applies it to a write, whose transaction then tells every node
 * (site_tell(), delivered with its commit) and which deletes the pages on
 * its own node after the commit (site_forget() in site_keep.c).
 */
#include <string.h>

#include "post.h"
#include "text.h"

void
inval_snap(struct post_snap *s, PGresult *res, int row)
{
	memset(s, 0, sizeof(*s));
	s->visible = strcmp(PQgetvalue(res, row, DC_VISIBLE), "t") == 0;
	s->page = strcmp(PQgetvalue(res, row, DC_KIND), "page") == 0;
	s->slug = PQgetvalue(res, row, DC_SLUG);
	s->title = PQgetvalue(res, row, DC_TITLE);
	s->excerpt = PQgetvalue(res, row, DC_EXCERPT);
	s->author = PQgetvalue(res, row, DC_AUTHOR_NAME);
	s->published = PQgetvalue(res, row, DC_PUBLISHED);
	s->html = PQgetvalue(res, row, DC_HTML);
	s->tags = PQgetvalue(res, row, DC_TAGS);
	s->tag_slugs = PQgetvalue(res, row, DC_TAG_SLUGS);
}

void
inval_add(struct inval *inv, const char *rel)
{
	const char	*p = buf_str(&inv->paths);
	size_t		 len = strlen(rel);

	if (!sitedir_rel_ok(rel))
		return;
	while ((p = strstr(p, rel)) != NULL) {
		if ((p == buf_str(&inv->paths) || p[-1] == '\n') && p[len] == '\n')
			return;
		p += len;
	}
	buf_puts(&inv->paths, rel);
	buf_puts(&inv->paths, "\n");
}

bool
inval_any(const struct inval *inv)
{
	return inv->all || inv->paths.len > 0;
}

void
inval_free(struct inval *inv)
{
	buf_free(&inv->paths);
	buf_free(&inv->warm);
	inv->all = false;
}

/* Adds prefix, seg and suffix as one path. */
static void
add3(struct inval *inv, const char *prefix, const char *seg, const char *suffix)
{
	struct buf	 b = BUF_INIT;

	if (buf_printf(&b, "%s%s%s", prefix, seg, suffix) == 0)
		inval_add(inv, buf_str(&b));
	buf_free(&b);
}

/* Adds each tag of the JSON array slugs: its folder (whole) or only its feed. */
static void
add_tags(struct inval *inv, const char *slugs, bool whole)
{
	json_t	*a = json_loads(slugs != NULL ? slugs : "[]", 0, NULL), *t;
	size_t	 i;

	json_array_foreach(a, i, t)
		if (json_is_string(t))
			add3(inv, "tag/", json_string_value(t), whole ? "/" : "/feed.atom");
	json_decref(a);
}

/* Returns whether two strings (either may be NULL) differ. */
static bool
differ(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") != 0;
}

/* Returns the length of the first <img …> of html (0: none) and sets *start. */
static size_t
first_img(const char *html, const char **start)
{
	const char	*p = html != NULL ? strstr(html, "<img ") : NULL, *end;

	*start = p;
	if (p == NULL || (end = strchr(p, '>')) == NULL)
		return 0;
	return (size_t)(end - p + 1);
}

/* Returns whether what a list shows of the post differs between a and b (both shown). */
static bool
listed_change(const struct post_snap *a, const struct post_snap *b)
{
	const char	*ia, *ib;
	size_t		 la = first_img(a->html, &ia), lb = first_img(b->html, &ib);

	return differ(a->slug, b->slug) || differ(a->title, b->title) ||
	    differ(a->excerpt, b->excerpt) || differ(a->author, b->author) ||
	    differ(a->published, b->published) || differ(a->tags, b->tags) ||
	    la != lb || (la > 0 && memcmp(ia, ib, la) != 0);
}

void
inval_post(struct inval *inv, const struct post_snap *before, const struct post_snap *after)
{
	const struct post_snap	*b = before != NULL && before->visible ? before : NULL;
	const struct post_snap	*a = after != NULL && after->visible ? after : NULL;
	bool			 listed_b = b != NULL && !b->page, listed_a = a != NULL && !a->page;
	bool			 lists;

	if (b == NULL && a == NULL)
		return;
	if (b != NULL)
		add3(inv, "", b->slug, "/");
	if (a != NULL) {
		add3(inv, "", a->slug, "/");
		buf_printf(&inv->warm, "/%s/\n", a->slug);
	}
	inval_add(inv, "sitemap.xml");
	if (!listed_b && !listed_a)
		return;
	/* It came into the lists, left them, or shows otherwise in them. */
	lists = listed_b != listed_a || listed_change(b, a);
	inval_add(inv, "feed.atom");
	buf_puts(&inv->warm, lists ? "/feed.atom\n/\n" : "/feed.atom\n");
	if (listed_b)
		add_tags(inv, b->tag_slugs, lists);
	if (listed_a)
		add_tags(inv, a->tag_slugs, lists);
	if (!lists)
		return;
	inval_add(inv, "index.html");
	inval_add(inv, "page/");
	if (listed_b)
		add3(inv, "author/", b->author, "/");
	if (listed_a)
		add3(inv, "author/", a->author, "/");
}

void
inval_changed(struct req *r, struct inval *inv, PGresult *before, PGresult *after)
{
	struct post_snap	 b, a;
	long long		 when;

	if (before != NULL)
		inval_snap(&b, before, 0);
	if (after != NULL)
		inval_snap(&a, after, 0);
	inval_post(inv, before != NULL ? &b : NULL, after != NULL ? &a : NULL);
	if (after != NULL && strcmp(PQgetvalue(after, 0, DC_STATUS), "scheduled") == 0 &&
	    text_parse_int(PQgetvalue(after, 0, DC_PUBLISHED_EPOCH), 0, INT64_MAX, &when) == 0)
		schedule_wake(r->ctx, (time_t)when);
}

void
inval_author(struct inval *inv, const char *username, PGresult *res)
{
	int	 i;

	for (i = 0; res != NULL && i < PQntuples(res); i++) {
		add3(inv, "", PQgetvalue(res, i, 0), "/");
		if (strcmp(PQgetvalue(res, i, 1), "post") == 0)
			add_tags(inv, PQgetvalue(res, i, 2), true);
	}
	add3(inv, "author/", username, "/");
	inval_add(inv, "index.html");
	inval_add(inv, "page/");
	inval_add(inv, "feed.atom");
}
