/*
 * The reader site: a theme (templates and assets, loaded from a list of
 * folders, the first holding a file winning) and the page model (the data
 * of each page type, rendered through the theme). Pure: no database, no
 * clock; the caller fills the structs (see site.c for the names templates see).
 */
#ifndef QUIRE_SITE_H
#define QUIRE_SITE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "tmpl.h"

#define THEME_ASSETS_MAX	32
#define THEME_ASSET_MAX		(1024 * 1024)	/* bytes of one asset */
#define THEME_FINGERPRINT	10		/* hex digits of SHA-256 in an asset's name */

/* One file of the theme's assets folder. */
struct theme_asset {
	char		 name[64];	/* style.css */
	char		 key[64];	/* style_css: {{assets.style_css}} */
	char		 url[128];	/* /assets/style.0123456789.css */
	struct buf	 data;
};

/* A loaded theme: its templates, linked, and its assets. */
struct theme {
	struct tmpl_set		*set;
	struct theme_asset	 assets[THEME_ASSETS_MAX];
	size_t			 nassets;
	char			 hash[65];	/* SHA-256 of every file and the page model's version */
};

/* The page templates every theme has (NAME.html); keep in sync with enum site_kind. */
extern const char *const theme_pages[8];

/*
 * Loads the theme found in dirs[0..n) (the first folder holding a file
 * wins: an owner's folder before the shipped one): the page templates,
 * partials/NAME.html as {{>NAME}}, and assets/ fingerprinted. Returns 0 and
 * *out (free with theme_free), or -1 with "file:line: message" or a
 * sentence naming the file in err; the caller keeps its last good theme.
 */
int	 theme_load(const char *const *dirs, size_t n, struct theme **out, char *err,
	    size_t errlen);
void	 theme_free(struct theme *);

/* A link of the site's navigation. */
struct site_link {
	const char	*label, *url;	/* url: relative or http(s) */
};

/* The site settings a page shows. */
struct site_settings {
	const char		*title, *description;
	const char		*language;	/* BCP 47 */
	const char		*public_url;	/* without a trailing '/' */
	const struct site_link	*nav;
	size_t			 nnav;
};

/* A post's first image, as Media describes it. */
struct site_image {
	const char	*src, *srcset, *alt;	/* URLs relative to the site */
	const char	*large;			/* the 1280-pixel variant, for og:image */
	long long	 width, height;
};

struct site_tag {
	const char	*name;
	const char	*slug;		/* its URL segment: /tag/{slug}/ */
};

/* A post or a page (all borrowed). */
struct site_post {
	const char		*slug, *title, *excerpt;
	const char		*html;		/* stored HTML, made by cmark in safe mode */
	const char		*author, *author_name;	/* username, display name */
	const struct site_tag	*tags;
	size_t			 ntags;
	time_t			 published, updated;
	const struct site_image	*image;	/* the first image, or NULL */
};

/* One page of a list of posts. */
struct site_list {
	const struct site_post	*posts;
	size_t			 nposts;
	long long		 page, pages;	/* from 1; pages is at least 1 */
};

/* Keep in sync with theme_pages. */
enum site_kind {
	SITE_HOME,
	SITE_POST,
	SITE_PAGE,
	SITE_TAG,
	SITE_AUTHOR,
	SITE_SEARCH,
	SITE_NOT_FOUND,
	SITE_UNAVAILABLE
};

/* What one page shows (all borrowed). */
struct site_page {
	enum site_kind		 kind;
	const struct site_post	*post;		/* SITE_POST, SITE_PAGE */
	const struct site_list	*list;		/* SITE_HOME, SITE_TAG, SITE_AUTHOR, SITE_SEARCH */
	const struct site_tag	*tag;		/* SITE_TAG */
	const char		*author, *author_name;	/* SITE_AUTHOR */
	const char		*query;		/* SITE_SEARCH */
	const char		*notice;	/* SITE_SEARCH: why the query was not run, or NULL */
	long long		 total;		/* SITE_SEARCH: results in all */
};

/*
 * Appends the path of page number n (from 1) of p to b: "/", "/page/2/",
 * "/{slug}/", "/tag/{slug}/page/3/", "/author/{name}/", "/search/?q=…&page=2";
 * "" for the 404 and 503 pages, which have none. Returns 0 or -1.
 */
int	 site_path(const struct site_page *p, long long n, struct buf *b);

/*
 * Renders page p of site s through theme t, appending to out. Returns 0, or
 * -1 with "file:line: message" in err (see tmpl_render); out then holds
 * part of a page, to discard.
 */
int	 site_render(const struct theme *t, const struct site_settings *s,
	    const struct site_page *p, const struct tmpl_limits *lim, struct buf *out, char *err,
	    size_t errlen);

/*
 * Appends html (stored post HTML) to b with what the theme's layout adds to
 * each <img> of it: decoding="async", sizes when it has a srcset, and
 * loading="lazy" on every image after the first of the page (*shown says
 * whether the page has one already; set when html has one). Returns 0 or -1.
 */
int	 site_images(const char *html, const char *sizes, bool *shown, struct buf *b);

#endif
