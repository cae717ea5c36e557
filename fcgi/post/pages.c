/*
 * The reader site's pages: a miss of the web server (a page not in the site
 * directory) comes here as the fallback of Post's routes. The page is read
 * from the database (stored post HTML: no Markdown, no Media), rendered
 * through the theme, gzipped once, stored (sitedir.h) and answered with its
 * own bytes. Search pages and errors are never stored.
 *
 * A page is one statement: its data with the site's settings in front of
 * every row (a page without rows reads them alone). A stale render never
 * outlives the change that made it stale: see the generation in sitedir.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "pages.h"
#include "text.h"

/* Columns of S_SITE_LIST and S_SITE_POST after the settings (SITE_COLUMNS in stmts.c). */
enum site_col {
	SC_SLUG = STC_COUNT, SC_TITLE, SC_EXCERPT, SC_AUTHOR, SC_AUTHOR_NAME, SC_TAGS, SC_TAG_SLUGS,
	SC_PUBLISHED, SC_UPDATED, SC_IMAGE,
	SC_TOTAL, SC_TAG_NAME,		/* S_SITE_LIST */
	SC_HTML = SC_TOTAL, SC_KIND	/* S_SITE_POST */
};

/* Columns of S_SITEMAP after the settings. */
enum sitemap_col {
	SM_SLUG = STC_COUNT, SM_UPDATED
};

#define ERROR_PAGE_MAX	(1024 * 1024)	/* bytes of a stored 404 or 503 page */
#define SITEMAP_URLS	50000

/* One post of a page, with what its site_post points to. */
struct card {
	struct site_post	 post;
	struct site_tag		 tags[TAGS_MAX];
	struct site_image	 image;
	struct imgtag		 img;
	json_t			*names, *slugs;
};

/* Sets the answer to a plain-text status (no theme, or a page that failed). */
void
pages_plain(struct build *b, int status, const char *text)
{
	b->status = status;
	b->type = TYPE_TEXT;
	b->rel[0] = '\0';
	buf_reset(&b->body);
	buf_puts(&b->body, text);
}

/* Fills b->settings from b->conf. */
static void
settings_from_conf(struct build *b)
{
	b->settings.title = b->conf.title;
	b->settings.description = b->conf.description;
	b->settings.language = b->conf.language;
	b->settings.public_url = b->a->public_url;
	b->settings.nav = b->conf.nav;
	b->settings.nnav = b->conf.nnav;
}

/* Renders p into the body. Returns 0, or -1 with a 500 answer set (and logged). */
static int
render(struct build *b, const struct site_page *p, int status)
{
	char	 err[512];

	buf_reset(&b->body);
	if (b->a->theme == NULL) {
		pages_plain(b, 503, "The site has no theme: see quire-post's log.\n");
		return -1;
	}
	if (site_render(b->a->theme, &b->settings, p, &b->a->limits, &b->body, err,
	    sizeof(err)) == -1) {
		log_msg("page %s: %s", b->rel, err);
		pages_plain(b, 500, "This page could not be made: see quire-post's log.\n");
		return -1;
	}
	b->status = status;
	b->type = TYPE_HTML;
	return 0;
}

/*
 * Renders an error page (SITE_NOT_FOUND or SITE_UNAVAILABLE) with the
 * settings read, or a fresh database's. Returns 0 or -1 (answer set).
 */
int
pages_error(struct build *b, enum site_kind kind, int status)
{
	struct site_page	 p = { .kind = kind };

	if (!b->have_conf) {
		site_conf_default(&b->conf);
		b->have_conf = true;
		settings_from_conf(b);
	}
	return render(b, &p, status);
}

/*
 * Stores an error page the web server sends as it is (404.html, 503.html):
 * no .gz, and outside the generation's order (only settings and themes
 * change them, and those write them again after their change).
 */
void
pages_error_store(struct build *b, const char *rel)
{
	struct sitedir_stored	 st;

	if (b->a->site_ok && b->theme_current && sitedir_store(&b->a->site, rel, b->body.data,
	    b->body.len, NULL, 0, &st) == -1)
		log_msg("cannot store %s/%s: %s", b->a->site.root, rel, strerror(errno));
}

/*
 * Makes b the stored error page name (404.html, 503.html) with status.
 * Returns 0, or -1 when there is none.
 */
static int
stored_error(struct build *b, const char *name, int status)
{
	b->rel[0] = '\0';
	buf_reset(&b->body);
	if (!b->a->site_ok || sitedir_read(&b->a->site, name, ERROR_PAGE_MAX, &b->body) == -1)
		return -1;
	b->status = status;
	b->type = TYPE_HTML;
	return 0;
}

/* Answers the theme's 404: the stored page, else one made now and stored. */
static void
not_found(struct build *b)
{
	if (stored_error(b, "404.html", 404) == 0)
		return;
	if (!b->have_conf && pages_state(b) == -1)
		return;
	if (pages_error(b, SITE_NOT_FOUND, 404) == 0)
		pages_error_store(b, "404.html");
}

/* Answers the theme's 503: the stored page, else one made with default settings. */
static void
unavailable(struct build *b)
{
	if (stored_error(b, "503.html", 503) == 0)
		return;
	pages_error(b, SITE_UNAVAILABLE, 503);
}

/*
 * Takes the settings from row 0 of res (any statement of the site), or, when
 * it has no row, reads them alone. Returns 0, or -1 with the answer set (503,
 * 500).
 */
static int
take_settings(struct build *b, PGresult *res)
{
	PGresult	*state = NULL;

	if (b->have_conf)
		return 0;
	if (res == NULL || PQntuples(res) == 0) {
		if (db_exec0(b->ctx->db, S_SITE_STATE, &state) != DB_OK ||
		    PQntuples(state) != 1) {
			PQclear(state);
			unavailable(b);
			return -1;
		}
		res = state;
	}
	/* A process still on another theme (a reload on its way) answers, but stores nothing. */
	b->theme_current = strcmp(PQgetvalue(res, 0, STC_THEME), b->a->theme_hash) == 0;
	if (site_conf_read(&b->conf, res) == -1) {
		PQclear(state);
		pages_plain(b, 500, "out of memory\n");
		return -1;
	}
	b->have_conf = true;
	settings_from_conf(b);
	PQclear(state);
	return 0;
}

int
pages_state(struct build *b)
{
	return take_settings(b, NULL);
}

/* Reads a time column (whole seconds since the epoch). */
static time_t
col_time(PGresult *res, int row, int col)
{
	long long	 t = 0;

	text_parse_int(PQgetvalue(res, row, col), INT32_MIN, (long long)1 << 40, &t);
	return (time_t)t;
}

/* Fills c from row of res (SITE_COLUMNS; with the HTML when full). Borrows from res. */
static void
card_read(struct card *c, PGresult *res, int row, bool full)
{
	struct site_post	*p = &c->post;
	json_t			*n, *sl;
	size_t			 i;

	memset(c, 0, sizeof(*c));
	p->slug = PQgetvalue(res, row, SC_SLUG);
	p->title = PQgetvalue(res, row, SC_TITLE);
	p->excerpt = PQgetvalue(res, row, SC_EXCERPT);
	p->author = PQgetvalue(res, row, SC_AUTHOR);
	p->author_name = PQgetisnull(res, row, SC_AUTHOR_NAME) ? NULL :
	    PQgetvalue(res, row, SC_AUTHOR_NAME);
	p->published = col_time(res, row, SC_PUBLISHED);
	p->updated = col_time(res, row, SC_UPDATED);
	if (full)
		p->html = PQgetvalue(res, row, SC_HTML);
	c->names = json_loads(PQgetvalue(res, row, SC_TAGS), 0, NULL);
	c->slugs = json_loads(PQgetvalue(res, row, SC_TAG_SLUGS), 0, NULL);
	json_array_foreach(c->names, i, n) {
		sl = json_array_get(c->slugs, i);
		if (i == TAGS_MAX || !json_is_string(n) || !json_is_string(sl))
			break;
		c->tags[i].name = json_string_value(n);
		c->tags[i].slug = json_string_value(sl);
		p->ntags = i + 1;
	}
	p->tags = c->tags;
	if (!PQgetisnull(res, row, SC_IMAGE) &&
	    imgtag_parse(PQgetvalue(res, row, SC_IMAGE), &c->img) == 0) {
		c->image.src = c->img.src;
		c->image.srcset = c->img.srcset;
		c->image.alt = c->img.alt;
		c->image.large = c->img.large;
		c->image.width = c->img.width;
		c->image.height = c->img.height;
		p->image = &c->image;
	}
}

static void
cards_free(struct build *b)
{
	size_t	 i;

	for (i = 0; i < b->ncards; i++) {
		imgtag_free(&b->cards[i].img);
		json_decref(b->cards[i].names);
		json_decref(b->cards[i].slugs);
	}
	free(b->cards);
	b->cards = NULL;
	b->ncards = 0;
}

/*
 * Reads the rows of res into b->cards (full: with the HTML). Returns 0, or
 * -1 with a 500 answer set.
 */
static int
cards_read(struct build *b, PGresult *res, bool full)
{
	int	 i, n = PQntuples(res);

	if (n > 0 && (b->cards = calloc((size_t)n, sizeof(*b->cards))) == NULL) {
		pages_plain(b, 500, "out of memory\n");
		return -1;
	}
	for (i = 0; i < n; i++)
		card_read(&b->cards[i], res, i, full);
	b->ncards = (size_t)n;
	return 0;
}

/*
 * A list page (home, tag, author, search): page n of the posts the filters
 * let by; a tag page learns its name from the rows, an author page its
 * author's display name. Answers 404 past the
 * last page (and for a tag or author without posts, when empty_ok is false).
 */
static void
list_page(struct build *b, struct site_page *p, const char *tag, const char *author,
    const char *q, long long n, bool empty_ok)
{
	struct site_list	 list;
	struct site_tag		 t;
	struct site_post	*posts = NULL;
	PGresult		*res = NULL;
	char			 page[24];
	long long		 total = 0, per;
	size_t			 i;

	snprintf(page, sizeof(page), "%lld", n);
	if (DB_QUERY(b->ctx->db, S_SITE_LIST, &res, tag, author, page, q,
	    ((const struct post_conf *)b->ctx->app_conf)->search_config) != DB_OK) {
		unavailable(b);
		return;
	}
	if (PQntuples(res) == 0 && (n > 1 || !empty_ok)) {
		not_found(b);
		goto out;
	}
	if (take_settings(b, res) == -1 || cards_read(b, res, false) == -1)
		goto out;
	if (PQntuples(res) > 0)
		text_parse_int(PQgetvalue(res, 0, SC_TOTAL), 0, INT64_MAX, &total);
	if (tag != NULL) {
		t.slug = tag;
		t.name = PQntuples(res) > 0 && !PQgetisnull(res, 0, SC_TAG_NAME) ?
		    PQgetvalue(res, 0, SC_TAG_NAME) : tag;
		p->tag = &t;
	}
	/* An author page shows the display name its posts carry. */
	if (author != NULL && b->ncards > 0)
		p->author_name = b->cards[0].post.author_name;
	if ((posts = calloc(b->ncards + 1, sizeof(*posts))) == NULL) {
		pages_plain(b, 500, "out of memory\n");
		goto out;
	}
	for (i = 0; i < b->ncards; i++)
		posts[i] = b->cards[i].post;
	per = b->conf.per_page;
	list = (struct site_list){ posts, b->ncards, n, total > 0 ? (total + per - 1) / per : 1 };
	p->list = &list;
	p->total = total;
	render(b, p, 200);
	p->list = NULL;
	p->tag = NULL;
out:
	free(posts);
	PQclear(res);
}

/* Answers a slug a post had before: 301 to its current page, or 404. */
static void
old_slug(struct build *b, const char *slug)
{
	PGresult	*res = NULL;

	b->rel[0] = '\0';
	if (DB_QUERY(b->ctx->db, S_OLD_SLUG, &res, slug) != DB_OK) {
		unavailable(b);
		return;
	}
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "t") == 0) {
		b->status = 301;
		snprintf(b->location, sizeof(b->location), "/%s/", PQgetvalue(res, 0, 0));
	} else
		not_found(b);
	PQclear(res);
}

/* /{slug}/: a post or a page; without the '/', or an old slug: 301. */
static void
post_page(struct build *b, const struct site_req *sr)
{
	struct site_page	 p = { .kind = SITE_POST };
	PGresult		*res = NULL;

	if (DB_QUERY(b->ctx->db, S_SITE_POST, &res, sr->arg) != DB_OK) {
		unavailable(b);
		return;
	}
	if (PQntuples(res) == 0)
		old_slug(b, sr->arg);
	else if (!sr->slash) {
		b->rel[0] = '\0';
		b->status = 301;
		snprintf(b->location, sizeof(b->location), "/%s/", sr->arg);
	} else if (take_settings(b, res) == 0 && cards_read(b, res, true) == 0) {
		if (strcmp(PQgetvalue(res, 0, SC_KIND), "page") == 0)
			p.kind = SITE_PAGE;
		p.post = &b->cards[0].post;
		render(b, &p, 200);
	}
	PQclear(res);
}

/* /feed.atom and /tag/{t}/feed.atom (404 for a tag without posts). */
static void
feed_page(struct build *b, const char *tag)
{
	struct feed_paths	 paths = { "/posts/feed.atom", "/feed.atom", "/" };
	PGresult		*entries = NULL, *state = NULL;
	char			 id[SITE_PATH_MAX], alt[SITE_PATH_MAX], title[1024];
	char			 etag[ETAG_MAX], version[24];
	time_t			 updated;

	if (feed_query(b->ctx->db, tag, &entries, &state) != DB_OK) {
		unavailable(b);
		return;
	}
	if (tag != NULL && PQntuples(entries) == 0)
		not_found(b);
	else if (take_settings(b, state != NULL ? state : entries) == 0) {
		snprintf(title, sizeof(title), "%s", b->conf.title);
		if (tag != NULL) {
			snprintf(id, sizeof(id), "/tag/%s/feed.atom", tag);
			snprintf(alt, sizeof(alt), "/tag/%s/", tag);
			paths = (struct feed_paths){ id, id, alt };
			snprintf(title, sizeof(title), "%s: %s", b->conf.title,
			    PQgetvalue(entries, 0, FC_TAG_NAME));
		}
		snprintf(version, sizeof(version), "%lld", b->conf.version);
		buf_reset(&b->body);
		feed_build(b->ctx, entries, title, version, &paths, &b->body, etag, &updated);
		b->status = 200;
		b->type = TYPE_ATOM;
	}
	PQclear(entries);
	PQclear(state);
}

/* /sitemap.xml: the home page and every visible post and page, with lastmod. */
static void
sitemap_page(struct build *b)
{
	PGresult	*res = NULL;
	const char	*last = "";
	int		 i;

	if (db_exec0(b->ctx->db, S_SITEMAP, &res) != DB_OK) {
		unavailable(b);
		return;
	}
	if (take_settings(b, res) == -1) {
		PQclear(res);
		return;
	}
	for (i = 0; i < PQntuples(res); i++)
		if (strcmp(PQgetvalue(res, i, SM_UPDATED), last) > 0)
			last = PQgetvalue(res, i, SM_UPDATED);
	buf_reset(&b->body);
	buf_puts(&b->body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<url><loc>");
	xml_escape(&b->body, b->a->public_url);
	buf_puts(&b->body, "/</loc>");
	if (*last != '\0')
		buf_printf(&b->body, "<lastmod>%s</lastmod>", last);
	buf_puts(&b->body, "</url>\n");
	for (i = 0; i < PQntuples(res) && i < SITEMAP_URLS - 1; i++) {
		buf_puts(&b->body, "<url><loc>");
		xml_escape(&b->body, b->a->public_url);
		buf_puts(&b->body, "/");
		xml_escape(&b->body, PQgetvalue(res, i, SM_SLUG));
		buf_printf(&b->body, "/</loc><lastmod>%s</lastmod></url>\n",
		    PQgetvalue(res, i, SM_UPDATED));
	}
	if (buf_puts(&b->body, "</urlset>\n") == -1)
		pages_plain(b, 500, "out of memory\n");
	else {
		b->status = 200;
		b->type = TYPE_XML;
	}
	PQclear(res);
}

/* /robots.txt: everything may be crawled but search; where the sitemap is. */
void
pages_robots(struct build *b)
{
	buf_reset(&b->body);
	buf_printf(&b->body, "User-agent: *\nDisallow: /search/\n\nSitemap: %s/sitemap.xml\n",
	    b->a->public_url);
	b->status = 200;
	b->type = TYPE_TEXT;
}

/*
 * /search/?q=…&page=n: never stored. q is read by the caller: NULL when
 * absent; notice says why a given one is not run.
 */
static void
search_page(struct build *b, const char *q, const char *notice, long long n)
{
	struct site_page	 p = { .kind = SITE_SEARCH, .query = q != NULL ? q : "",
				    .notice = notice };

	b->rel[0] = '\0';
	b->no_store = true;
	if (q == NULL || *q == '\0') {
		struct site_list list = { NULL, 0, 1, 1 };

		if (pages_state(b) == -1)
			return;
		p.list = &list;
		render(b, &p, 200);
		return;
	}
	list_page(b, &p, NULL, NULL, q, n, true);
	if (b->status == 404) {
		/* Past the last page of results: the page without any. */
		struct site_list list = { NULL, 0, n, n };

		p.list = &list;
		render(b, &p, 200);
	}
}

/*
 * Writes where sr's page is stored into b->rel ("" for none: a redirect,
 * search, or a path no file may have).
 */
static void
store_path(struct build *b, const struct site_req *sr)
{
	char	 page[40] = "";
	int	 n = 0;

	if (sr->page > 1)
		snprintf(page, sizeof(page), "page/%lld/", sr->page);
	switch (sr->kind) {
	case SR_HOME:
		n = snprintf(b->rel, sizeof(b->rel), "%sindex.html", page);
		break;
	case SR_POST:
		n = snprintf(b->rel, sizeof(b->rel), "%s/index.html", sr->arg);
		break;
	case SR_TAG:
		n = snprintf(b->rel, sizeof(b->rel), "tag/%s/%sindex.html", sr->arg, page);
		break;
	case SR_TAG_FEED:
		n = snprintf(b->rel, sizeof(b->rel), "tag/%s/feed.atom", sr->arg);
		break;
	case SR_AUTHOR:
		n = snprintf(b->rel, sizeof(b->rel), "author/%s/%sindex.html", sr->arg, page);
		break;
	case SR_FEED:
		n = snprintf(b->rel, sizeof(b->rel), "feed.atom");
		break;
	case SR_SITEMAP:
		n = snprintf(b->rel, sizeof(b->rel), "sitemap.xml");
		break;
	case SR_ROBOTS:
		n = snprintf(b->rel, sizeof(b->rel), "robots.txt");
		break;
	case SR_SEARCH:
	case SR_REDIRECT:
	case SR_NOT_FOUND:
	case SR_API:
		b->rel[0] = '\0';
		break;
	}
	if (n < 0 || (size_t)n >= sizeof(b->rel) || (b->rel[0] != '\0' && !sitedir_rel_ok(b->rel)))
		b->rel[0] = '\0';
}

/*
 * Stores the answer at b->rel, with its gzip, then reads the generation
 * again: when it changed, a change may have deleted this page's data
 * meanwhile, and the file (not the answer) goes.
 */
static void
store(struct build *b)
{
	struct sitedir_stored	 st;
	struct sitedir_gen	 now;

	if (sitedir_gzip(&b->a->site, b->body.data, b->body.len, &b->gz) == -1) {
		pages_plain(b, 500, "out of memory\n");
		return;
	}
	if (b->rel[0] == '\0' || !b->a->site_ok || !b->theme_current)
		return;
	/* Every stored page has its gzip copy: a gzip client's hit is decided by it. */
	if (sitedir_store(&b->a->site, b->rel, buf_str(&b->body), b->body.len,
	    buf_str(&b->gz), b->gz.len, &st) == -1) {
		log_msg("cannot store %s/%s: %s", b->a->site.root, b->rel, strerror(errno));
		return;
	}
	sitedir_generation(&b->a->site, &now);
	if (!sitedir_gen_same(&now, &b->generation))
		sitedir_unstore(&b->a->site, b->rel, &st);
}

/*
 * Makes the page sr asks for into b (q, notice and n: the search's). Every
 * page but search, redirects and errors is stored.
 */
void
pages_build(struct build *b, const struct site_req *sr, const char *q, const char *notice,
    long long n)
{
	struct site_page	 p = { 0 };

	store_path(b, sr);
	/* Before any data is read (see sitedir.h). */
	if (b->a->site_ok)
		sitedir_generation(&b->a->site, &b->generation);
	switch (sr->kind) {
	case SR_REDIRECT:
		b->status = 301;
		b->keep_query = sr->keep_query;
		snprintf(b->location, sizeof(b->location), "%s", sr->location);
		return;
	case SR_NOT_FOUND:
	case SR_API:
		not_found(b);
		return;
	case SR_ROBOTS:
		b->theme_current = true;	/* the same whatever the theme */
		pages_robots(b);
		break;
	case SR_HOME:
	case SR_POST:
	case SR_TAG:
	case SR_TAG_FEED:
	case SR_AUTHOR:
	case SR_FEED:
	case SR_SITEMAP:
	case SR_SEARCH:
		switch (sr->kind) {
		case SR_HOME:
			p.kind = SITE_HOME;
			list_page(b, &p, NULL, NULL, NULL, sr->page, true);
			break;
		case SR_POST:
			post_page(b, sr);
			break;
		case SR_TAG:
			p.kind = SITE_TAG;
			list_page(b, &p, sr->arg, NULL, NULL, sr->page, false);
			break;
		case SR_TAG_FEED:
			feed_page(b, sr->arg);
			break;
		case SR_AUTHOR:
			p.kind = SITE_AUTHOR;
			p.author = sr->arg;
			list_page(b, &p, NULL, sr->arg, NULL, sr->page, false);
			break;
		case SR_FEED:
			feed_page(b, NULL);
			break;
		case SR_SITEMAP:
			sitemap_page(b);
			break;
		case SR_SEARCH:
			search_page(b, q, notice, n);
			break;
		case SR_ROBOTS:
		case SR_REDIRECT:
		case SR_NOT_FOUND:
		case SR_API:
			break;
		}
		break;
	}
	if (b->status == 200)
		store(b);
}

void
pages_free(struct build *b)
{
	cards_free(b);
	if (b->have_conf)
		site_conf_free(&b->conf);
	buf_free(&b->body);
	buf_free(&b->gz);
}
