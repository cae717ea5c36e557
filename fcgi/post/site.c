/*
 * The page model: what each page type shows, as template data, rendered
 * through the theme. The names templates see are listed in theme/README.md
 * (keep it in sync). URLs are paths below the site, absolute in head; all
 * text is escaped by the engine, post.html alone being safe HTML.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "esc.h"
#include "site.h"
#include "times.h"

/* The width of the default theme's column, for an image's sizes. */
#define IMG_SIZES	"(min-width: 42.5rem) 40rem, calc(100vw - 2.5rem)"
#define OG_WIDTH	1280

static const char *const months[12] = {
	"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December"
};

/* One page's data being built: path building marks oom rather than returning. */
struct build {
	struct tmpl_data		*d;
	const struct site_settings	*s;
	const struct site_page		*p;
	struct buf			 b;	/* scratch */
	bool				 oom;
	bool				 img_shown;	/* the page has an image already */
};

int
site_path(const struct site_page *p, long long n, struct buf *b)
{
	int	 rc = 0;

	switch (p->kind) {
	case SITE_HOME:
		rc = buf_puts(b, "/");
		break;
	case SITE_POST:
	case SITE_PAGE:
		return buf_puts(b, "/") == -1 || esc_url_part(b, p->post->slug,
		    strlen(p->post->slug)) == -1 || buf_puts(b, "/") == -1 ? -1 : 0;
	case SITE_TAG:
		rc = buf_puts(b, "/tag/") == -1 || esc_url_part(b, p->tag->slug,
		    strlen(p->tag->slug)) == -1 || buf_puts(b, "/") == -1 ? -1 : 0;
		break;
	case SITE_AUTHOR:
		rc = buf_puts(b, "/author/") == -1 || esc_url_part(b, p->author,
		    strlen(p->author)) == -1 || buf_puts(b, "/") == -1 ? -1 : 0;
		break;
	case SITE_SEARCH:
		if (buf_puts(b, "/search/?q=") == -1 ||
		    esc_url_part(b, p->query, strlen(p->query)) == -1)
			return -1;
		return n > 1 ? buf_printf(b, "&page=%lld", n) : 0;
	case SITE_NOT_FOUND:
	case SITE_UNAVAILABLE:
		return 0;
	}
	if (rc == 0 && n > 1)
		rc = buf_printf(b, "page/%lld/", n);
	return rc;
}

/* Puts the scratch buffer's text as key of m and empties it. */
static void
put_scratch(struct build *bd, struct tmpl_val *m, const char *key)
{
	tmpl_put_textn(bd->d, m, key, buf_str(&bd->b), bd->b.len);
	buf_reset(&bd->b);
}

/* Puts prefix, seg as a URL part, and suffix as key of m. */
static void
put_seg_url(struct build *bd, struct tmpl_val *m, const char *key, const char *prefix,
    const char *seg, const char *suffix)
{
	if (buf_puts(&bd->b, prefix) == -1 || esc_url_part(&bd->b, seg, strlen(seg)) == -1 ||
	    buf_puts(&bd->b, suffix) == -1)
		bd->oom = true;
	put_scratch(bd, m, key);
}

/* Puts the absolute URL of path (relative to the site, or already absolute) as key of m. */
static void
put_abs_url(struct build *bd, struct tmpl_val *m, const char *key, const char *path)
{
	if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0)
		tmpl_put_text(bd->d, m, key, path);
	else
		tmpl_put_textf(bd->d, m, key, "%s%s", bd->s->public_url, path);
}

/* Puts key: {iso, date, display, year} of t (null when t cannot be shown). */
static void
put_time(struct build *bd, struct tmpl_val *m, const char *key, time_t t)
{
	struct tmpl_val	*v;
	struct tm	 tm;
	char		 iso[21];

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999) {
		tmpl_put_text(bd->d, m, key, NULL);
		return;
	}
	v = tmpl_put_map(bd->d, m, key);
	time_rfc3339(t, iso);
	tmpl_put_text(bd->d, v, "iso", iso);
	tmpl_put_textf(bd->d, v, "date", "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
	tmpl_put_textf(bd->d, v, "display", "%d %s %d", tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900);
	tmpl_put_int(bd->d, v, "year", tm.tm_year + 1900);
}

/* Returns whether a and b fall on different days (UTC). */
static bool
other_day(time_t a, time_t b)
{
	return a / 86400 != b / 86400;
}

int
site_images(const char *html, const char *sizes, bool *shown, struct buf *b)
{
	const char	*p = html, *img, *end;

	while ((img = strstr(p, "<img ")) != NULL) {
		img += 5;
		if ((end = strchr(img, '>')) == NULL)
			break;
		if (buf_append(b, p, (size_t)(img - p)) == -1 ||
		    (*shown && buf_puts(b, "loading=\"lazy\" ") == -1) ||
		    buf_puts(b, "decoding=\"async\" ") == -1)
			return -1;
		/* cmark's safe output escapes '>' in values: the tag ends at the first. */
		if (memmem(img, (size_t)(end - img), "srcset=\"", 8) != NULL &&
		    buf_printf(b, "sizes=\"%s\" ", sizes) == -1)
			return -1;
		*shown = true;
		p = img;
	}
	return buf_puts(b, p);
}

/* Puts the fields of post (html too when full) into m. */
static void
put_post(struct build *bd, struct tmpl_val *m, const struct site_post *post, bool full)
{
	struct tmpl_data	*d = bd->d;
	struct tmpl_val		*v, *list;
	size_t			 i;

	tmpl_put_text(d, m, "title", post->title);
	tmpl_put_text(d, m, "slug", post->slug);
	put_seg_url(bd, m, "url", "/", post->slug, "/");
	tmpl_put_text(d, m, "excerpt", post->excerpt);
	if (full && post->html != NULL) {
		if (site_images(post->html, IMG_SIZES, &bd->img_shown, &bd->b) == -1)
			bd->oom = true;
		tmpl_put_html(d, m, "html", buf_str(&bd->b));
		buf_reset(&bd->b);
	}
	v = tmpl_put_map(d, m, "author");
	tmpl_put_text(d, v, "name", post->author_name != NULL && *post->author_name != '\0' ?
	    post->author_name : post->author);
	tmpl_put_text(d, v, "username", post->author);
	put_seg_url(bd, v, "url", "/author/", post->author, "/");
	list = tmpl_put_list(d, m, "tags");
	for (i = 0; i < post->ntags; i++) {
		v = tmpl_add_map(d, list);
		tmpl_put_text(d, v, "name", post->tags[i].name);
		put_seg_url(bd, v, "url", "/tag/", post->tags[i].slug, "/");
	}
	tmpl_put_bool(d, m, "has_tags", post->ntags > 0);
	put_time(bd, m, "published", post->published);
	put_time(bd, m, "updated", post->updated);
	tmpl_put_bool(d, m, "was_updated", other_day(post->published, post->updated) &&
	    post->updated > post->published);
	if (post->image != NULL) {
		v = tmpl_put_map(d, m, "image");
		tmpl_put_text(d, v, "src", post->image->src);
		tmpl_put_text(d, v, "srcset", post->image->srcset);
		tmpl_put_text(d, v, "sizes", IMG_SIZES);
		tmpl_put_text(d, v, "alt", post->image->alt != NULL ? post->image->alt : "");
		tmpl_put_int(d, v, "width", post->image->width);
		tmpl_put_int(d, v, "height", post->image->height);
	}
}

/* Puts site: the settings, navigation marked current on path. */
static void
put_site(struct build *bd, struct tmpl_val *root, const char *path)
{
	const struct site_settings	*s = bd->s;
	struct tmpl_val			*site, *nav, *v;
	size_t				 i;

	site = tmpl_put_map(bd->d, root, "site");
	tmpl_put_text(bd->d, site, "title", s->title);
	tmpl_put_text(bd->d, site, "description", s->description);
	tmpl_put_text(bd->d, site, "language", s->language);
	tmpl_put_textf(bd->d, site, "url", "%s/", s->public_url);
	tmpl_put_text(bd->d, site, "home", "/");
	tmpl_put_text(bd->d, site, "feed", "/feed.atom");
	tmpl_put_text(bd->d, site, "search", "/search/");
	nav = tmpl_put_list(bd->d, site, "nav");
	for (i = 0; i < s->nnav; i++) {
		v = tmpl_add_map(bd->d, nav);
		tmpl_put_text(bd->d, v, "label", s->nav[i].label);
		tmpl_put_text(bd->d, v, "url", s->nav[i].url);
		tmpl_put_bool(bd->d, v, "current", *path != '\0' && strcmp(s->nav[i].url, path) == 0);
	}
	tmpl_put_bool(bd->d, site, "has_nav", s->nnav > 0);
}

/* Puts head.image and head.card from a post's first image. */
static void
put_og_image(struct build *bd, struct tmpl_val *head, const struct site_image *img)
{
	struct tmpl_val	*v;
	long long	 w, h;

	tmpl_put_text(bd->d, head, "card", img != NULL ? "summary_large_image" : "summary");
	if (img == NULL || img->width <= 0 || img->height <= 0)
		return;
	w = img->width < OG_WIDTH ? img->width : OG_WIDTH;
	h = img->height * w / img->width;
	v = tmpl_put_map(bd->d, head, "image");
	put_abs_url(bd, v, "url", img->large != NULL ? img->large : img->src);
	tmpl_put_int(bd->d, v, "width", w);
	tmpl_put_int(bd->d, v, "height", h > 0 ? h : 1);
	tmpl_put_text(bd->d, v, "alt", img->alt != NULL ? img->alt : "");
}

/* Puts head.article, the BlogPosting of a post page. */
static void
put_article(struct build *bd, struct tmpl_val *head, const struct site_post *post,
    const char *canonical)
{
	struct tmpl_val	*a = tmpl_put_map(bd->d, head, "article"), *kw;
	char		 iso[21];
	size_t		 i;

	tmpl_put_text(bd->d, a, "headline", post->title);
	tmpl_put_text(bd->d, a, "description", post->excerpt);
	time_rfc3339(post->published, iso);
	tmpl_put_text(bd->d, a, "published", iso);
	time_rfc3339(post->updated, iso);
	tmpl_put_text(bd->d, a, "modified", iso);
	tmpl_put_text(bd->d, a, "author", post->author_name != NULL && *post->author_name != '\0' ?
	    post->author_name : post->author);
	if (buf_puts(&bd->b, bd->s->public_url) == -1)
		bd->oom = true;
	put_seg_url(bd, a, "author_url", "/author/", post->author, "/");
	tmpl_put_text(bd->d, a, "url", canonical);
	if (post->image != NULL)
		put_abs_url(bd, a, "image", post->image->large != NULL ? post->image->large :
		    post->image->src);
	kw = tmpl_put_list(bd->d, a, "keywords");
	for (i = 0; i < post->ntags; i++)
		tmpl_add_text(bd->d, kw, post->tags[i].name);
}

/* Puts pagination and head.prev/next for a list page. */
static void
put_pagination(struct build *bd, struct tmpl_val *root, struct tmpl_val *head,
    const struct site_list *l)
{
	struct tmpl_val	*v = tmpl_put_map(bd->d, root, "pagination");

	tmpl_put_int(bd->d, v, "page", l->page);
	tmpl_put_int(bd->d, v, "pages", l->pages);
	tmpl_put_bool(bd->d, v, "has_pages", l->pages > 1);
	tmpl_put_bool(bd->d, v, "later", l->page > 1);
	if (l->page > 1) {
		if (site_path(bd->p, l->page - 1, &bd->b) == -1)
			bd->oom = true;
		put_abs_url(bd, head, "prev", buf_str(&bd->b));
		put_scratch(bd, v, "prev");
	}
	if (l->page < l->pages) {
		if (site_path(bd->p, l->page + 1, &bd->b) == -1)
			bd->oom = true;
		put_abs_url(bd, head, "next", buf_str(&bd->b));
		put_scratch(bd, v, "next");
	}
}

/* Puts page: the page's path and what kind it is. */
static void
put_page(struct build *bd, struct tmpl_val *root, const char *path)
{
	const struct site_page	*p = bd->p;
	struct tmpl_val		*v = tmpl_put_map(bd->d, root, "page");

	tmpl_put_text(bd->d, v, "path", path);
	tmpl_put_bool(bd->d, v, "is_front", p->kind == SITE_HOME && p->list->page == 1);
	tmpl_put_bool(bd->d, v, "is_home", p->kind == SITE_HOME);
	tmpl_put_bool(bd->d, v, "is_post", p->kind == SITE_POST);
	tmpl_put_bool(bd->d, v, "is_page", p->kind == SITE_PAGE);
	tmpl_put_bool(bd->d, v, "is_tag", p->kind == SITE_TAG);
	tmpl_put_bool(bd->d, v, "is_author", p->kind == SITE_AUTHOR);
	tmpl_put_bool(bd->d, v, "is_search", p->kind == SITE_SEARCH);
	tmpl_put_bool(bd->d, v, "is_not_found", p->kind == SITE_NOT_FOUND);
}

/* Puts what the page's kind shows, and the head fields that depend on it. */
static void
put_content(struct build *bd, struct tmpl_val *root, struct tmpl_val *head, const char *canonical)
{
	const struct site_page	*p = bd->p;
	const struct site_list	*l = p->list;
	struct tmpl_val		*v, *list;
	size_t			 i;

	tmpl_put_text(bd->d, head, "title", bd->s->title);
	tmpl_put_text(bd->d, head, "description", bd->s->description);
	tmpl_put_text(bd->d, head, "type", "website");
	switch (p->kind) {
	case SITE_POST:
	case SITE_PAGE:
		put_post(bd, tmpl_put_map(bd->d, root, "post"), p->post, true);
		tmpl_put_text(bd->d, head, "title", p->post->title);
		tmpl_put_text(bd->d, head, "description", p->post->excerpt);
		put_og_image(bd, head, p->post->image);
		if (p->kind == SITE_POST) {
			tmpl_put_text(bd->d, head, "type", "article");
			put_article(bd, head, p->post, canonical);
		}
		return;
	case SITE_TAG:
		v = tmpl_put_map(bd->d, root, "tag");
		tmpl_put_text(bd->d, v, "name", p->tag->name);
		put_seg_url(bd, v, "url", "/tag/", p->tag->slug, "/");
		put_seg_url(bd, v, "feed", "/tag/", p->tag->slug, "/feed.atom");
		tmpl_put_text(bd->d, head, "title", p->tag->name);
		break;
	case SITE_AUTHOR:
		v = tmpl_put_map(bd->d, root, "author");
		tmpl_put_text(bd->d, v, "name", p->author_name != NULL && *p->author_name != '\0' ?
		    p->author_name : p->author);
		tmpl_put_text(bd->d, v, "username", p->author);
		put_seg_url(bd, v, "url", "/author/", p->author, "/");
		tmpl_put_text(bd->d, head, "title", p->author_name != NULL &&
		    *p->author_name != '\0' ? p->author_name : p->author);
		break;
	case SITE_SEARCH:
		v = tmpl_put_map(bd->d, root, "search");
		tmpl_put_text(bd->d, v, "query", p->query);
		tmpl_put_text(bd->d, v, "notice", p->notice);
		tmpl_put_int(bd->d, v, "total", p->total);
		tmpl_put_bool(bd->d, v, "any", p->total > 0);
		tmpl_put_bool(bd->d, v, "one", p->total == 1);
		tmpl_put_bool(bd->d, head, "noindex", true);
		break;
	case SITE_HOME:
		break;
	case SITE_NOT_FOUND:
	case SITE_UNAVAILABLE:
		tmpl_put_bool(bd->d, head, "noindex", true);
		put_og_image(bd, head, NULL);
		return;
	}
	put_og_image(bd, head, NULL);
	list = tmpl_put_list(bd->d, root, "posts");
	for (i = 0; i < l->nposts; i++)
		put_post(bd, tmpl_add_map(bd->d, list), &l->posts[i], false);
	put_pagination(bd, root, head, l);
}

/* Puts head.feeds: the site's, and a tag page's own. */
static void
put_feeds(struct build *bd, struct tmpl_val *head)
{
	struct tmpl_val	*feeds = tmpl_put_list(bd->d, head, "feeds"), *v;

	v = tmpl_add_map(bd->d, feeds);
	tmpl_put_text(bd->d, v, "title", bd->s->title);
	tmpl_put_textf(bd->d, v, "url", "%s/feed.atom", bd->s->public_url);
	if (bd->p->kind != SITE_TAG)
		return;
	v = tmpl_add_map(bd->d, feeds);
	tmpl_put_textf(bd->d, v, "title", "%s: %s", bd->s->title, bd->p->tag->name);
	if (buf_puts(&bd->b, bd->s->public_url) == -1)
		bd->oom = true;
	put_seg_url(bd, v, "url", "/tag/", bd->p->tag->slug, "/feed.atom");
}

int
site_render(const struct theme *t, const struct site_settings *s, const struct site_page *p,
    const struct tmpl_limits *lim, struct buf *out, char *err, size_t errlen)
{
	struct build	 bd = { NULL, s, p, BUF_INIT, false, false };
	struct tmpl_val	*root, *assets, *head;
	const char	*name = theme_pages[p->kind];
	struct buf	 path = BUF_INIT, canonical = BUF_INIT;
	size_t		 i;
	int		 rc = -1;

	if ((bd.d = tmpl_data_new()) == NULL)
		goto oom;
	root = tmpl_data_root(bd.d);
	if (site_path(p, p->list != NULL ? p->list->page : 1, &path) == -1 ||
	    (path.len > 0 && buf_printf(&canonical, "%s%s", s->public_url, buf_str(&path)) == -1))
		goto oom;
	put_site(&bd, root, buf_str(&path));
	assets = tmpl_put_map(bd.d, root, "assets");
	for (i = 0; i < t->nassets; i++)
		tmpl_put_text(bd.d, assets, t->assets[i].key, t->assets[i].url);
	put_page(&bd, root, buf_str(&path));
	head = tmpl_put_map(bd.d, root, "head");
	if (canonical.len > 0)
		tmpl_put_text(bd.d, head, "canonical", buf_str(&canonical));
	put_feeds(&bd, head);
	put_content(&bd, root, head, buf_str(&canonical));
	if (bd.oom)
		goto oom;
	rc = tmpl_render(tmpl_set_get(t->set, name), bd.d, lim, out, err, errlen);
	goto out;
oom:
	snprintf(err, errlen, "%s.html:1: out of memory", name);
out:
	buf_free(&path);
	buf_free(&canonical);
	buf_free(&bd.b);
	tmpl_data_free(bd.d);
	return rc;
}
