/*
 * Keeping the site directory in step: deleting the pages a change touched
 * (or all of them, then writing the 404 and 503 pages anew) once the change
 * committed (its transaction told the other nodes, site_nodes.c), rendering the
 * newest pages again after scheduled posts go live, emptying .trash after
 * each response, and readying the directory for a theme just loaded (its
 * assets, and every page again when the site's pages had another theme).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "nitems.h"
#include "pages.h"

/* What the site keeps through a settings change or a theme change (ALL). */
static const char *const kept[] = { "assets", "404.html", "503.html", "robots.txt" };

/* Writes the 404 and 503 pages with the settings now (after a change of them or the theme). */
static void
write_error_pages(struct ctx *ctx)
{
	static const struct { enum site_kind kind; int status; const char *rel; } pages[] = {
		{ SITE_NOT_FOUND, 404, "404.html" }, { SITE_UNAVAILABLE, 503, "503.html" },
	};
	struct build	 b;
	size_t		 i;

	for (i = 0; i < nitems(pages); i++) {
		memset(&b, 0, sizeof(b));
		b.ctx = ctx;
		b.a = ctx->app;
		/* Without the database, the stored pages stay as they are. */
		if (pages_state(&b) == 0 && pages_error(&b, pages[i].kind,
		    pages[i].status) == 0)
			pages_error_store(&b, pages[i].rel);
		pages_free(&b);
	}
}

void
site_apply(struct ctx *ctx, const struct inval *inv)
{
	struct post_app	*a = ctx->app;
	const char	*p, *nl;
	char		 rel[SITEDIR_REL_MAX];

	if (!a->site_ok || !inval_any(inv))
		return;
	/* After the commit, before any deletion (see sitedir.h). */
	if (sitedir_bump(&a->site) == -1)
		log_msg("cannot renew %s/.generation: %s", a->site.root, strerror(errno));
	if (inv->all) {
		if (sitedir_clear(&a->site, kept, nitems(kept)) == -1)
			log_msg("cannot clear %s: %s", a->site.root, strerror(errno));
		write_error_pages(ctx);
		return;
	}
	for (p = buf_str(&inv->paths); (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		snprintf(rel, sizeof(rel), "%.*s", (int)(nl - p), p);
		if (sitedir_remove(&a->site, rel) == -1)
			log_msg("cannot remove %s/%s: %s", a->site.root, rel, strerror(errno));
	}
}

void
site_forget(struct ctx *ctx, struct inval *inv)
{
	site_apply(ctx, inv);
	if (inv->changes > 0)
		site_changes_seen(ctx->app, inv->changes);
	buf_reset(&inv->paths);
	inv->all = false;
	inv->changes = 0;
}

/* Returns whether the lines of list before end hold line. */
static bool
line_before(const char *list, const char *end, const char *line)
{
	const char	*p, *nl;
	size_t		 len = strlen(line);

	for (p = list; p < end && (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if ((size_t)(nl - p) == len && memcmp(p, line, len) == 0)
			return true;
	return false;
}

void
site_warm(struct ctx *ctx, struct inval *inv)
{
	struct post_app	*a = ctx->app;
	struct site_req	 sr;
	struct build	 b;
	const char	*p, *nl;
	char		 path[SITE_PATH_MAX];

	for (p = buf_str(&inv->warm); a->site_ok && (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		snprintf(path, sizeof(path), "%.*s", (int)(nl - p), p);
		if (line_before(buf_str(&inv->warm), p, path))
			continue;
		site_route(path, &sr);
		memset(&b, 0, sizeof(b));
		b.ctx = ctx;
		b.a = a;
		pages_build(&b, &sr, NULL, NULL, 1);
		pages_free(&b);
	}
	buf_reset(&inv->warm);
}

void
site_after_response(struct ctx *ctx)
{
	struct post_app	*a = ctx->app;

	if (a->site_ok)
		sitedir_purge(&a->site);
}

/* Writes rel with data when it is missing. Returns 0 or -1. */
static int
write_missing(struct post_app *a, const char *rel, const char *data, size_t len)
{
	struct sitedir_stored	 st;
	struct buf		 gz = BUF_INIT;
	int			 rc = 0;

	if (sitedir_exists(&a->site, rel))
		return 0;
	if (sitedir_gzip(&a->site, data, len, &gz) == -1 || sitedir_store(&a->site, rel, data, len,
	    gz.data, gz.len, &st) == -1) {
		log_msg("cannot store %s/%s: %s", a->site.root, rel, strerror(errno));
		rc = -1;
	}
	buf_free(&gz);
	return rc;
}

int
site_theme_sync(struct ctx *ctx)
{
	struct post_app	*a = ctx->app;
	struct inval	 inv = { BUF_INIT, true, BUF_INIT, 0 };
	struct build	 b;
	PGresult	*res = NULL;
	size_t		 i;
	enum db_status	 st;

	if (a->theme == NULL || !a->site_ok)
		return 0;
	/* Assets first: a page naming one must find it. Fingerprinted: never rewritten. */
	for (i = 0; i < a->theme->nassets; i++)
		write_missing(a, a->theme->assets[i].url + 1, a->theme->assets[i].data.data,
		    a->theme->assets[i].data.len);
	memset(&b, 0, sizeof(b));
	b.ctx = ctx;
	b.a = a;
	pages_robots(&b);
	write_missing(a, "robots.txt", b.body.data, b.body.len);
	pages_free(&b);
	/* The claim and its NOTIFY in one transaction. */
	if ((st = db_begin(ctx->db)) != DB_OK ||
	    (st = DB_QUERY(ctx->db, S_THEME_CLAIM, &res, a->theme_hash)) != DB_OK ||
	    (PQntuples(res) == 1 && (st = site_tell(ctx, &inv)) != DB_OK) ||
	    (st = db_commit(ctx->db)) != DB_OK)
		goto out;
	if (PQntuples(res) == 1) {
		log_msg("theme %.12s: every stored page is made again", a->theme_hash);
		site_forget(ctx, &inv);
	} else if (!sitedir_exists(&a->site, "503.html") || !sitedir_exists(&a->site, "404.html"))
		write_error_pages(ctx);
out:
	db_rollback(ctx->db);
	inval_free(&inv);
	PQclear(res);
	return st == DB_OK ? 0 : -1;
}
