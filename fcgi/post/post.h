/*
 * Internal declarations of the Post program (posts, rendering, Media, feeds,
 * the reader site). The site's own paths (/, /{slug}/, /tag/…) reach Post
 * only on a miss, through the fallback handler h_site (site_http.c).
 *
 * Routes (the table is post_routes in main.c): URL -> handler -> file
 *   GET    /posts                  h_posts_list      list.c
 *   POST   /posts                  h_post_create     write.c
 *   GET    /posts/feed.atom        h_feed            feed.c
 *   GET    /posts/health           srv_health        shared/dispatch.c
 *   GET    /posts/settings         h_settings_get    settings.c
 *   PATCH  /posts/settings         h_settings_patch  settings.c
 *   POST   /posts/preview          h_post_preview    preview.c
 *   GET    /posts/{id}             h_post_get        read.c
 *   PATCH  /posts/{id}             h_post_patch      write.c
 *   DELETE /posts/{id}             h_post_delete     write.c
 *   GET    /posts/{id}/revisions   h_revisions_list  revisions.c
 */
#ifndef QUIRE_POST_H
#define QUIRE_POST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "encode.h"
#include "http.h"
#include "input.h"
#include "site.h"
#include "sitedir.h"
#include "srv.h"

#define TITLE_MAX	300		/* characters */
#define BODY_MAX	1048576		/* bytes of Markdown: 413 past it */
#define TAGS_MAX	20
#define TAG_MAX		40		/* characters */
#define SLUG_MAX	120
#define SLUG_BASE_MAX	100		/* a generated slug, leaving room for "-N" */
#define EXCERPT_MAX	1000		/* characters of a given excerpt */
#define EXCERPT_AUTO	200		/* about this many characters of a generated one */
#define MEDIA_REFS_MAX	100		/* distinct media items one post refers to */
#define QUERY_MAX	256		/* characters of ?q= */
#define FEED_ENTRIES	20
#define ETAG_MAX	64
#define SETTINGS_NAV_MAX	20	/* links of the site's navigation */
#define SITE_CHANNEL		"quire_site"	/* NOTIFY of deleted pages (site_nodes.c) */
#define SITE_NODE_MAX		1200	/* bytes of a node's name: host:site_dir */

/* The [post] settings (see quire.conf(5) for each). */
struct post_conf {
	const char	*public_url;
	const char	*media_url;
	long long	 media_timeout;		/* milliseconds */
	long long	 media_breaker_failures;
	long long	 media_breaker_seconds;
	const char	*search_config;
	const char	*feed_title;		/* no longer read: the site's title is a setting */
	const char	*site_dir;		/* the stored reader pages */
	const char	*theme_dir;		/* the owner's theme files, taken first */
	const char	*theme_default_dir;	/* the shipped theme */
	long long	 page_max_bytes;	/* of one rendered page */
	long long	 page_max_steps;	/* template steps of one page */
	long long	 retry_after;		/* seconds, on the site's own 503 */
	long long	 render_budget;		/* milliseconds one rendering may take */
};

/*
 * A circuit breaker: after threshold failures in a row it opens and refuses
 * calls for interval; then one trial call is let through (half-open), whose
 * success closes it and whose failure opens it again. Times in microseconds.
 */
struct breaker {
	int		 failures;	/* in a row */
	int		 threshold;
	int64_t		 interval;
	int64_t		 open_until;	/* 0: closed */
	bool		 trial;		/* half-open: the one trial call is out */
};

struct media_client;

/* The Post program's state, built once at start-up. */
struct post_app {
	struct media_client	*media;
	struct breaker		 breaker;
	char			 public_url[512];	/* without a trailing '/' */
	char			 breaker_seconds[24];	/* the interval, as a statement parameter */
	/* The reader site */
	struct theme		*theme;		/* NULL: none loaded, the site answers 503 */
	char			 theme_hash[2 * 32 + 1];	/* fingerprint of templates and assets */
	bool			 theme_fresh;	/* loaded, not yet compared with the site's */
	struct sitedir		 site;
	bool			 site_ok;	/* the site directory can be written */
	char			 site_node[SITE_NODE_MAX];	/* host:site_dir (site_nodes.c) */
	struct tmpl_limits	 limits;
	int64_t			 next_tick;	/* time_mono_usec() of the next due-time check */
};

/* Prepared statements; keep in sync with post_stmts in stmts.c. */
enum post_stmt {
	S_POST_BY_ID,
	S_POST_BY_SLUG,
	S_OLD_SLUG,
	S_POST_META,
	S_POST_FOR_WRITE,
	S_SLUG_FAMILY,
	S_SLUG_HOLDERS,
	S_SLUG_USED,
	S_POST_RENAME,
	S_POST_INSERT,
	S_POST_UPDATE,
	S_POST_SET_DOC,
	S_POST_DELETE,
	S_REVISION_INSERT,
	S_OLD_SLUG_ADD,
	S_OLD_SLUG_CLEAR,
	S_HEAL_CLAIM,
	S_HEAL_APPLY,
	S_HEAL_GIVE_UP,
	S_LIST_PUBLISHED,
	S_LIST_FILTERED,
	S_COUNT_FILTERED,
	S_REVISIONS,
	S_REVISION_COUNT,
	S_FEED,
	S_SITE_STATE,
	S_SITE_LIST,
	S_SITE_POST,
	S_SITEMAP,
	S_SETTINGS_UPDATE,
	S_THEME_CLAIM,
	S_TICK_LOCK,
	S_TICK_DUE,
	S_TICK_NEXT,
	S_TAGS_UNSLUGGED,
	S_TAGS_SET_SLUGS,
	S_SITE_NOTIFY,
	S_SITE_CHANGES,
	S_AUTHOR_KNOWN,
	S_AUTHOR_LEARN,
	S_AUTHOR_POSTS,
	S_AUTHOR_REDOC,
	S_POST_STMT_COUNT
};

extern const struct db_stmt post_stmts[S_POST_STMT_COUNT];

/* Columns of S_POST_BY_ID and S_POST_BY_SLUG; keep in sync with READ_COLUMNS. */
enum read_col {
	RC_DOC, RC_ETAG, RC_MODIFIED, RC_STATUS, RC_TIME_COME, RC_OWN, RC_UNRESOLVED
};

/* Columns every write returns to build the stored JSON; keep in sync with DOC_COLUMNS. */
enum doc_col {
	DC_ID, DC_SLUG, DC_TITLE, DC_BODY, DC_HTML, DC_EXCERPT, DC_AUTHOR, DC_AUTHOR_NAME,
	DC_TAGS, DC_MEDIA, DC_CREATED, DC_UPDATED, DC_PUBLISHED, DC_VERSION, DC_RENDITION,
	DC_STATUS, DC_VISIBLE, DC_UPDATED_EPOCH, DC_KIND, DC_TAG_SLUGS, DC_PUBLISHED_EPOCH,
	DC_AUTHOR_DISPLAY,	/* the display name Post knows, or NULL */
	/* S_POST_FOR_WRITE only */
	DC_EXCERPT_GIVEN, DC_STORED_STATUS
};

/*
 * The first columns of S_SITE_STATE and of every statement of the reader
 * site (SETTINGS_COLUMNS in stmts.c): the settings, and the site's theme.
 */
enum state_col {
	STC_TITLE, STC_DESCRIPTION, STC_LANGUAGE, STC_PER_PAGE, STC_NAVIGATION, STC_VERSION,
	STC_UPDATED, STC_THEME,
	STC_COUNT
};

/* Columns of S_POST_META. */
enum meta_col {
	MC_AUTHOR, MC_VISIBLE, MC_ETAG
};

static inline struct post_app *
post_app(const struct req *r)
{
	return r->ctx->app;
}

static inline const struct post_conf *
post_conf(const struct req *r)
{
	return r->ctx->app_conf;
}

/* breaker.c */
void	 breaker_init(struct breaker *, int threshold, int64_t interval);
/* Returns whether a call may be made at now (and takes the trial when half-open). */
bool	 breaker_allow(struct breaker *, int64_t now);
/* Returns whether breaker_allow() would let a call through at now, taking nothing. */
bool	 breaker_ready(const struct breaker *, int64_t now);
void	 breaker_success(struct breaker *);
void	 breaker_failure(struct breaker *, int64_t now);

/* media_client.c: GET {media_url}/media/{id} */
struct media_variant {
	long long	 width;
	char		*url;
};

/* What Post needs of a Media item to render it. */
struct media_info {
	long long		 width, height;
	char			*alt;		/* Media's alt text, or NULL */
	char			*original;	/* urls.original, or NULL */
	struct media_variant	*variants;	/* sorted by width */
	size_t			 nvariants;
};

enum media_result {
	MEDIA_FOUND,
	MEDIA_UNKNOWN,	/* Media answered: no such item (404, 400) */
	MEDIA_FAILED,	/* no answer, a timeout, a 5xx or a bad body: counts against the breaker */
	MEDIA_SKIPPED	/* not asked: the breaker is open */
};

/* Looks up one media id for the renderer. Fills *out on MEDIA_FOUND. */
typedef enum media_result (*media_lookup_fn)(void *arg, const char *id, struct media_info *out);

/*
 * Returns a client for base_url (http or https) with a timeout in
 * milliseconds, or NULL with err set. Free with media_client_free().
 */
struct media_client *media_client_new(const char *base_url, long long timeout_ms,
		    char *err, size_t errlen);
void		 media_client_free(struct media_client *);
/*
 * Asks Media for id, passing authorization (NULL: none) on as the request's
 * Authorization header: Media reads a writer's lookups on the primary, so a
 * post saved right after its image was uploaded finds it. Returns the
 * result; *out on MEDIA_FOUND (free with media_info_free).
 */
enum media_result media_client_get(struct media_client *, const char *id,
		    const char *authorization, struct media_info *out);
/*
 * Reads Media's metadata body (JSON). Returns 0 and fills *out (to free with
 * media_info_free), or -1 when it is not the promised shape.
 */
int		 media_info_parse(const char *json, size_t len, struct media_info *out);
void		 media_info_free(struct media_info *);

/* The lookup the renderer uses: the client behind the process's breaker. */
struct media_lookup {
	struct post_app	*app;
	bool		 stop_on_failure;	/* reads: one failure ends the attempt */
	bool		 failed;
	const char	*authorization;	/* the request's Authorization header, or NULL */
};
enum media_result media_lookup(void *arg, const char *id, struct media_info *out);

/* render.c: Markdown to HTML with cmark, media references resolved */
struct render {
	char	*html;		/* to free */
	char	*excerpt;	/* generated excerpt, to free */
	json_t	*media;		/* [{"id","state",…}], a reference to release */
	json_t	*warnings;	/* [{"code","message","id"|"ids"}] for the writer, a reference */
	size_t	 unresolved;
};

enum render_result {
	RENDER_OK,
	RENDER_INVALID,		/* bad input: a media: reference that is not a UUID, too many */
	RENDER_TOO_COSTLY,	/* over the budget: the body is refused, not stored */
	RENDER_FAILED		/* no memory, no process: the server's fault */
};

/*
 * Renders Markdown md[0..len) (valid UTF-8) in cmark's safe mode, in a child
 * process given budget_ms milliseconds (and as many CPU seconds, rounded
 * up). Each ![alt](media:ID) becomes an <img> with a srcset when lookup
 * finds ID, else a plain link to the original with its alt text. Lookups
 * happen in this process, only for good input, once per distinct id.
 * Returns RENDER_OK, or another result with why in err. Free out with
 * render_free() (nothing to free unless RENDER_OK).
 */
enum render_result render_markdown(const char *md, size_t len, long long budget_ms,
	    media_lookup_fn lookup, void *arg, struct render *out, char *err, size_t errlen);
/*
 * render_markdown() for a request of the Post program: its render_budget,
 * and Media behind the process's breaker (read: one failure ends the
 * lookups, for reads that must not wait).
 */
enum render_result post_render(struct req *, const char *md, size_t len, bool read,
	    struct render *out, char *err, size_t errlen);
/*
 * post_render() as a write (and its preview) does it: returns 0, or -1 with
 * the response set (400 invalid_field for a bad media reference, 422
 * body_too_complex over render_budget, 500). Free out with render_free().
 */
int	 post_render_write(struct req *, const char *md, size_t len, struct render *out);
void	 render_free(struct render *);
/* Appends s[0..len) to b with & < > " ' escaped for HTML text and attributes. */
void	 html_escape(struct buf *b, const char *s, size_t len);

/* slug.c */
/*
 * Writes a slug made from title into out (SLUG_BASE_MAX + 1 bytes): Latin,
 * Greek and Cyrillic letters transliterated, other characters dropped, runs
 * of separators one '-'. Returns its length, 0 when nothing was left.
 */
size_t	 slug_from_title(const char *title, char out[SLUG_BASE_MAX + 1]);
/* Returns NULL when s may be a post's slug, else a sentence saying why not. */
const char *slug_invalid(const char *s);
/* Returns whether s is made of slug characters (a-z, 0-9, '-'), 1 to SLUG_MAX of them. */
bool	 slug_shaped(const char *s);
/* Writes base, or base-n when n > 1, into out (SLUG_MAX + 1 bytes). */
void	 slug_candidate(const char *base, long long n, char out[SLUG_MAX + 1]);

/* slugs.c: slugs inside a write's transaction (see there for what they may reveal) */
/*
 * Picks a free slug of the family of base (base, base-2, base-3, …): the
 * smallest that no post the caller may read holds, current or old, and that
 * slug_invalid() allows. Returns 0, or -1 with the response set.
 */
int	 slug_pick(struct req *, const char *base, char out[SLUG_MAX + 1]);
/*
 * Makes slug free for post self (NULL: a new post): a post hidden from the
 * caller gives it way (renamed, or its redirect dropped); self's own old
 * slug is taken back. Returns 0 when it is free, 1 when a post the caller
 * may read holds it (nothing changed), or -1 with the response set.
 */
int	 slug_claim(struct req *, const char *slug, const char *self);

/* input.c: the fields of POST and PATCH bodies */
struct post_input {
	const char	*title, *body, *slug, *status, *excerpt, *kind;	/* borrowed; NULL: absent */
	bool		 excerpt_null;		/* "excerpt": null: back to a generated one */
	bool		 has_published_at;
	char		 published_at[21];	/* normalised UTC; "" when null */
	time_t		 published_time;
	json_t		*tags;			/* deduplicated array (a reference), or NULL */
};

/* The fields of a post body, for req_check_fields(). */
extern const struct field post_fields[8];

/*
 * Reads and checks the fields of body (types already checked) into *in.
 * On create, title and body are required. Returns 0, or -1 with e set.
 * Free in with post_input_free().
 */
int	 post_input_read(json_t *body, bool create, struct post_input *in, struct input_error *e);
/*
 * Checks a Markdown body (a JSON string) as a post's: at most BODY_MAX
 * bytes (413 body_too_large), no control characters but tab, LF and CR (400
 * control_character). Returns 0, or -1 with e set.
 */
int	 post_body_check(json_t *v, struct input_error *e);
void	 post_input_free(struct post_input *);
/*
 * Checks the status a write leaves: scheduled needs a published_at in the
 * future (now). status and published_at are the merged values ("" when none);
 * asked is whether the request gives either (a post scheduled long ago, now
 * public, may be edited otherwise). Returns 0, or -1 with e set.
 */
int	 post_status_check(const char *status, const char *published_at, time_t when, bool
	    asked, time_t now, struct input_error *e);

/* doc.c: the stored JSON and how it is sent */
/*
 * Builds the stored JSON of the post in row of res (DOC_COLUMNS): doc with
 * body and html, item without; neither holds "status". Returns 0 (both to
 * free), or -1.
 */
int	 post_doc_build(PGresult *res, int row, char **doc, char **item);
/* Appends {"status":status, …doc[1..len)} to b: a post as sent. */
void	 post_doc_emit(struct buf *b, const char *status, const char *doc, size_t len);
/* Answers http_status with the post whose stored JSON is doc[0..len). */
void	 post_doc_answer(struct req *, int http_status, const char *status, const char *doc,
	    size_t len);
/* Writes the ETag of a post ("\"id.version.rendition\"") into out. */
void	 post_etag(const char *id, const char *version, const char *rendition, char out[ETAG_MAX]);
/* Copies the post id a post_etag() ETag begins with into id. Returns 0, or -1 when it has none. */
int	 post_etag_id(const char *etag, char id[UUID_LEN + 1]);
/*
 * Returns the status a post shows: its stored one (draft, published,
 * scheduled) as of now, given whether its published_at has come.
 */
const char *post_status(const char *stored, bool time_come);
/*
 * Builds and stores the JSON, ETag and Last-Modified of the post written in
 * res (row 0), inside the caller's transaction (no commit), and fills etag
 * and modified. Returns 0, or -1 with the response set (500, 503).
 */
int	 post_doc_store(struct req *, PGresult *res, char etag[ETAG_MAX], char modified[30]);
/*
 * Builds and stores anew the JSON, ETag and Last-Modified of every post of
 * res (DOC_COLUMNS), inside the caller's transaction. Returns DB_OK, or the
 * first failure (DB_ERROR when out of memory). Sets no response.
 */
enum db_status post_docs_restore(struct db *, PGresult *res);
/*
 * Stores doc and item for the post written in res (row 0), tells every node
 * of the pages of inv (site_tell; inv may be NULL), commits the caller's
 * transaction, deletes those pages here (site_forget), and answers status
 * with the post, an ETag and, when location, a Location header. Returns 0,
 * or -1 with the error response set and the transaction rolled back.
 */
struct inval;
int	 post_store_and_answer(struct req *, PGresult *res, int status, bool location,
	    struct inval *inv);
/*
 * Adds "warnings" (an array, borrowed) to the post answered in r, when it is
 * not empty.
 */
void	 post_answer_warnings(struct req *, json_t *warnings);
/* Sets Cache-Control, ETag and Last-Modified (an HTTP date) of a post answer. */
void	 post_cache_headers(struct req *, bool visible, const char *etag,
	    const char *last_modified);

/* read.c: GET /posts/{id-or-slug} */
void	 h_post_get(struct req *);
/*
 * Returns whether the caller may read a hidden post (a draft, a scheduled
 * one), change it and see its revisions: its author (own), an editor, an
 * admin.
 */
bool	 may_manage(const struct req *, bool own);
/* Returns whether the caller is the user author_id. */
bool	 is_author(const struct req *, const char *author_id);
/* heal.c: re-render after Media answers again */
/*
 * Re-renders the post read in res (row 0, READ_COLUMNS) whose media
 * references did not all resolve, when this process may ask Media and no
 * read tried within the breaker interval. Returns true when it answered the
 * request (the healed post, or an error), false when the caller answers
 * with what it read.
 */
bool	 heal_post(struct req *, PGresult *res);

/* preview.c: POST /posts/preview */
void	 h_post_preview(struct req *);
/* write.c: POST /posts, PATCH and DELETE /posts/{id} */
void	 h_post_create(struct req *);
void	 h_post_patch(struct req *);
void	 h_post_delete(struct req *);
/* list.c: GET /posts */
void	 h_posts_list(struct req *);
/* revisions.c: GET /posts/{id}/revisions */
void	 h_revisions_list(struct req *);
/* feed.c: GET /posts/feed.atom */
void	 h_feed(struct req *);
/* Appends s to b escaped for XML text and attributes; characters XML forbids become U+FFFD. */
void	 xml_escape(struct buf *b, const char *s);

/* One entry of the feed (all borrowed). */
struct feed_entry {
	const char	*id, *slug, *title, *excerpt, *html, *author;
	const char	*tags;			/* a JSON array of strings */
	const char	*published, *updated;	/* RFC 3339 */
};

/* Where a feed is, below public_url: its id, its own URL, and the page it is the feed of. */
struct feed_paths {
	const char	*id, *self, *alternate;
};

/* Appends the start of the feed of site base (no trailing '/') to b. */
void	 feed_open(struct buf *b, const char *base, const struct feed_paths *, const char *title,
	    const char *updated);
/* Appends one entry. */
void	 feed_add(struct buf *b, const char *base, const struct feed_entry *);
/* Appends the end of the feed. */
void	 feed_close(struct buf *b);
/* Columns of S_FEED after the settings; keep in sync with the statement in stmts.c. */
enum feed_col {
	FC_ID = STC_COUNT, FC_SLUG, FC_TITLE, FC_EXCERPT, FC_HTML, FC_AUTHOR, FC_TAGS,
	FC_PUBLISHED, FC_UPDATED, FC_VERSION, FC_RENDITION, FC_TAG_NAME
};
/*
 * Reads the FEED_ENTRIES latest posts (not pages) into *entries: all, or
 * those with tag slug tag. Without an entry there is no row to carry the
 * settings: *state gets them then (NULL otherwise). Returns DB_OK (the
 * caller PQclears both) or the failure.
 */
enum db_status feed_query(struct db *, const char *tag, PGresult **entries, PGresult **state);
/*
 * Builds the Atom feed of the rows of res (S_FEED) into xml, titled title;
 * the settings' version changes its ETag. Sets etag and *updated (the
 * newest entry's update).
 */
void	 feed_build(struct ctx *, PGresult *res, const char *title, const char *version,
	    const struct feed_paths *, struct buf *xml, char etag[ETAG_MAX], time_t *updated);

/* tags.c: the URL segments of tags */
/*
 * Writes the URL segment of tag into out: its slug as a title, or "t-" and 8
 * hex digits of its SHA-256 when nothing of it is left.
 */
void	 tag_slug(const char *tag, char out[SLUG_BASE_MAX + 1]);
/* Returns the JSON array of the slugs of tags (a JSON array of strings), to free; NULL on error. */
char	*tag_slugs_json(const char *tags);

/* site_route.c: which page a path of the reader site asks for */
#define SITE_PATH_MAX	1024	/* bytes of a site path Post looks at */

enum site_req_kind {
	SR_HOME,	/* page */
	SR_POST,	/* arg: the slug; slash: the path ended with '/' */
	SR_TAG,		/* arg: the tag slug; page */
	SR_TAG_FEED,	/* arg */
	SR_AUTHOR,	/* arg: the username; page */
	SR_FEED,
	SR_SITEMAP,
	SR_ROBOTS,
	SR_SEARCH,
	SR_REDIRECT,	/* location (keep_query: with the request's query string) */
	SR_NOT_FOUND,
	SR_API		/* a path under /posts: the JSON API's */
};

struct site_req {
	enum site_req_kind	 kind;
	char			 arg[SLUG_MAX + 1];
	long long		 page;
	bool			 slash;
	char			 location[SITE_PATH_MAX];
	bool			 keep_query;
};

/* Reads path (the request's, before '?'; still %-encoded) into *sr. Returns 0. */
int	 site_route(const char *path, struct site_req *sr);

/* imgtag.c: the first image of a post's stored HTML, for cards and og:image */
struct imgtag {
	char		*src, *srcset, *alt, *large;	/* decoded, to free; NULL: none */
	long long	 width, height;
};
/*
 * Reads an <img …> tag as cmark and render.c write it (double-quoted
 * values, entities escaped) into *out, keeping only src that are paths or
 * http(s) URLs; large is the 1280-pixel variant of srcset, else its widest.
 * Returns 0 (free with imgtag_free), or -1 when it is no usable image.
 */
int	 imgtag_parse(const char *tag, struct imgtag *out);
void	 imgtag_free(struct imgtag *);

/* authors.c: the authors' names, from their tokens */
/*
 * Records the username and display name of the claims of r (an authenticated
 * request) in post.authors; when the display name changed, tells every node
 * of the stored pages that show it in the same transaction, and deletes
 * them here after its commit. Never answers: a failure is
 * logged, and the name is learnt on a later request.
 */
void	 authors_learn(struct req *);

/* inval.c: which stored pages a change deletes (the invalidation matrix) */
/* What a post's pages show of it (borrowed); see inval_snap(). */
struct post_snap {
	bool		 visible;	/* published and its time has come */
	bool		 page;		/* kind page: its own URL and the sitemap only */
	const char	*slug, *title, *excerpt, *author, *published, *html;
	const char	*tags, *tag_slugs;	/* JSON arrays */
};

/* A list of site paths to delete ('\n'-separated, each once), or all of them. */
struct inval {
	struct buf	 paths;
	bool		 all;
	struct buf	 warm;		/* site paths worth rendering again afterwards */
	long long	 changes;	/* the count site_tell() gave the change; 0: none */
};

/* Fills *s from row of res (DOC_COLUMNS), borrowing its strings. */
void	 inval_snap(struct post_snap *, PGresult *res, int row);
/*
 * Adds what a change of a post deletes: before and after are what it was
 * and is (NULL: it did not exist / is gone). Nothing when neither shows.
 */
void	 inval_post(struct inval *, const struct post_snap *before, const struct post_snap *after);
/* Adds the relative path rel ("feed.atom", "tag/x/") once. */
void	 inval_add(struct inval *, const char *rel);
/*
 * Adds to inv the stored pages a write of a post changes (before and after:
 * row 0 of DOC_COLUMNS; NULL before: new, NULL after: deleted), and wakes
 * this process when the post is scheduled later (a wake for a write that
 * then rolls back only makes one tick early). The caller tells the other
 * nodes in its transaction (site_tell) and deletes after its commit
 * (site_forget).
 */
void	 inval_changed(struct req *, struct inval *, PGresult *before, PGresult *after);
/*
 * Adds to inv the pages that show the name of author username: their page,
 * each of their visible posts (res: S_AUTHOR_POSTS), the home list, the
 * pages and feeds of their posts' tags, and the site feed.
 */
void	 inval_author(struct inval *inv, const char *username, PGresult *res);
/* Returns whether anything is to be deleted. */
bool	 inval_any(const struct inval *);
void	 inval_free(struct inval *);

/* site_http.c: the reader site's pages (made by pages.c, see pages.h) */
/*
 * The fallback of Post's routes: a site page (GET and HEAD; 405 otherwise),
 * stored in the site directory when it is one to keep, and answered with
 * its own bytes (gzip when the client takes it), ETag and Last-Modified;
 * 304; 301 (/page/1/, /{slug}, old slugs, tag spellings); the theme's 404
 * and 503 (with Retry-After). Paths under /posts: the API's JSON 404.
 */
void	 h_site(struct req *);

/* site_keep.c: the site directory kept in step with changes */
/*
 * After the commit of a change that site_tell() sent in its transaction:
 * deletes the stored pages of inv (all of them when inv->all, then writes
 * the 404 and 503 pages again) on this node, and records the change's count
 * (SITE/.changes). Empties its list. Never before the commit: see sitedir.h.
 */
void	 site_forget(struct ctx *, struct inval *);
/* Deletes the stored pages of inv on this node only (as site_forget does). */
void	 site_apply(struct ctx *, const struct inval *);

/* site_nodes.c: every web node's site directory kept in step */
/* Names this node (host:site_dir) in a->site_node. */
void	 site_node_name(struct post_app *, const char *site_dir);
/*
 * Inside the caller's transaction, once it knows what its change deletes:
 * counts the change in post.site_state and NOTIFYs SITE_CHANNEL with the
 * pages of inv (ALL when too many for a payload), which PostgreSQL delivers
 * to every node's Post when the transaction commits and never when it rolls
 * back. Sets inv->changes. Nothing when inv is empty. Returns DB_OK, or the
 * statement's failure (the transaction is then to be rolled back).
 */
enum db_status site_tell(struct ctx *, struct inval *);
/* Records n as a change count this node applied, when later than its own. */
void	 site_changes_seen(const struct post_app *, long long n);
/* The channels Post listens on: SITE_CHANNEL. */
extern const struct srv_channel post_channels[1];
/*
 * Renders and stores the pages of inv->warm again (the newest pages, after
 * a scheduled post went live: what readers ask next, and what an outage
 * keeps). Empties it.
 */
void	 site_warm(struct ctx *, struct inval *);
/* After each response: empties .trash. */
void	 site_after_response(struct ctx *);
/*
 * Readies the site directory for a theme just loaded: writes its assets
 * and, when the site's pages were made with another theme (or none), deletes
 * them all and writes the 404, 503 and robots.txt pages. Returns 0, or -1
 * (the database is unavailable: try again later).
 */
int	 site_theme_sync(struct ctx *);

/* settings.c: GET and PATCH /posts/settings */
void	 h_settings_get(struct req *);
void	 h_settings_patch(struct req *);
struct site_conf {
	char		*title, *description, *language;	/* to free */
	long long	 per_page;
	struct site_link nav[SETTINGS_NAV_MAX];
	size_t		 nnav;
	json_t		*nav_json;	/* owns the nav strings */
	long long	 version;
};
/*
 * Reads the settings columns of row 0 of res (S_SITE_STATE) into *c.
 * Returns 0 (free with site_conf_free), or -1 when memory runs out.
 */
int	 site_conf_read(struct site_conf *, PGresult *res);
/* The settings of a fresh database, for pages made without one (the 503 page). */
void	 site_conf_default(struct site_conf *);
void	 site_conf_free(struct site_conf *);
/*
 * Checks one field of a settings change (name, value) as PATCH does.
 * Returns NULL, or why not (a sentence naming the field, in msg).
 */
const char *settings_check(const char *name, json_t *value, char *msg, size_t len);

/* schedule.c: scheduled posts going live with no request */
/*
 * The worker's tick: the first time after a theme loads, site_theme_sync();
 * when due, in one transaction under an advisory lock (one process does
 * it), marks the scheduled posts whose time came and deletes their pages,
 * and fills missing tag slugs. Returns the milliseconds until it is due
 * again (the next scheduled post, at most a minute).
 */
long	 post_tick(struct ctx *);
/* After a write scheduled a post at when: this process wakes then. */
void	 schedule_wake(struct ctx *, time_t when);

#endif
