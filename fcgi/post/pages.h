/*
 * The reader site's pages, inside the Post program: what pages.c (making a
 * page), site_http.c (answering a request with it) and site_keep.c (keeping
 * the site directory in step with changes) share.
 */
#ifndef QUIRE_PAGES_H
#define QUIRE_PAGES_H

#include "post.h"

#define TYPE_HTML	"text/html; charset=utf-8"
#define TYPE_ATOM	"application/atom+xml; charset=utf-8"
#define TYPE_XML	"application/xml; charset=utf-8"
#define TYPE_TEXT	"text/plain; charset=utf-8"

struct card;

/* One page being made, and what it answers. */
struct build {
	struct ctx		*ctx;
	struct post_app		*a;
	struct site_conf	 conf;
	bool			 have_conf;
	struct sitedir_gen	 generation;	/* before any data was read */
	bool			 theme_current;	/* this process's theme is the site's */
	struct site_settings	 settings;
	struct card		*cards;
	size_t			 ncards;

	int			 status;	/* 0: none yet */
	const char		*type;
	struct buf		 body, gz;
	char			 rel[SITEDIR_REL_MAX];	/* where to store it; "": nowhere */
	char			 location[SITE_PATH_MAX];
	bool			 no_store;	/* Cache-Control: no-store (search) */
	bool			 keep_query;	/* a redirect keeps the request's query */
};

/*
 * Makes the page sr asks for into b (q, notice and n: the search's), from
 * b->ctx (set by the caller, the rest zeroed): read from the database,
 * rendered, and stored when it is a page to keep. Leaves the answer in b
 * (b->status 0: none). Free with pages_free().
 */
void	 pages_build(struct build *b, const struct site_req *sr, const char *q,
	    const char *notice, long long n);
void	 pages_free(struct build *b);
/* Sets b's answer to a plain-text status (no theme, or a page that failed). */
void	 pages_plain(struct build *b, int status, const char *text);
/* Reads the settings (once). Returns 0, or -1 with the answer set (503, 500). */
int	 pages_state(struct build *b);
/*
 * Renders an error page (SITE_NOT_FOUND or SITE_UNAVAILABLE) with the
 * settings read, or a fresh database's. Returns 0 or -1 (answer set).
 */
int	 pages_error(struct build *b, enum site_kind kind, int status);
/*
 * Stores b's page at rel as the web server sends it (404.html, 503.html):
 * without a gzip copy, and outside the generation's order (only settings
 * and themes change them, and those write them again after their change).
 */
void	 pages_error_store(struct build *b, const char *rel);
/* Makes robots.txt into b. */
void	 pages_robots(struct build *b);

#endif
