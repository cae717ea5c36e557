/*
 * Scheduled posts appear at their time with no request and no write: every
 * worker runs this tick between requests (shared/srv.c), and when it is due
 * one of them — whichever takes the advisory lock first — marks the posts
 * whose time came (went_live) and tells every node of their pages
 * (site_tell) in one transaction, then deletes those pages here as a
 * publish would and renders the newest again. Each worker
 * then sleeps until the next scheduled post is due (at most a minute, the
 * worker loop's cap); a write that schedules a post wakes its own worker
 * at that time (schedule_wake), so no notification between processes is
 * needed. The same turn fills the tag slugs of posts written before they
 * existed, a batch at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "post.h"
#include "times.h"

#define TICK_IDLE_USEC		60000000LL	/* nothing scheduled: look again in a minute */
#define TICK_BUSY_USEC		1000000LL	/* another process holds the lock */
#define TICK_RETRY_USEC		5000000LL	/* the database did not answer */
#define TICK_MIN_USEC		50000LL		/* never sooner than this */

void
schedule_wake(struct ctx *ctx, time_t when)
{
	struct post_app	*a = ctx->app;
	int64_t		 at = time_mono_usec() + ((int64_t)when - (int64_t)time(NULL)) * 1000000;

	if (at < a->next_tick)
		a->next_tick = at;
}

/*
 * Fills the tag slugs of one batch of posts that have none. Returns how many
 * it filled, or -1 (the transaction is then to be rolled back).
 */
static int
backfill_tag_slugs(struct ctx *ctx)
{
	PGresult	*res = NULL;
	char		*slugs;
	int		 i, n = -1;

	if (db_exec0(ctx->db, S_TAGS_UNSLUGGED, &res) != DB_OK)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		if ((slugs = tag_slugs_json(PQgetvalue(res, i, 1))) == NULL)
			goto out;
		if (DB_QUERY(ctx->db, S_TAGS_SET_SLUGS, NULL, PQgetvalue(res, i, 0), slugs) !=
		    DB_OK) {
			free(slugs);
			goto out;
		}
		free(slugs);
	}
	n = PQntuples(res);
out:
	PQclear(res);
	return n;
}

/*
 * The due-time work, in one transaction under the advisory lock. Returns
 * the microseconds until it is due again.
 */
static int64_t
run_due(struct ctx *ctx)
{
	struct inval		 inv = { BUF_INIT, false, BUF_INIT, 0 };
	struct post_snap	 snap;
	struct db		*db = ctx->db;
	PGresult		*lock = NULL, *due = NULL, *next = NULL;
	int64_t			 wait = TICK_RETRY_USEC;
	double			 secs;
	int			 i, filled;

	if (db_begin(db) != DB_OK)
		return TICK_RETRY_USEC;
	if (db_exec0(db, S_TICK_LOCK, &lock) != DB_OK)
		goto fail;
	if (strcmp(PQgetvalue(lock, 0, 0), "t") != 0) {
		wait = TICK_BUSY_USEC;
		goto fail;
	}
	if (db_exec0(db, S_TICK_DUE, &due) != DB_OK || (filled = backfill_tag_slugs(ctx)) == -1)
		goto fail;
	for (i = 0; i < PQntuples(due); i++) {
		inval_snap(&snap, due, i);
		inval_post(&inv, NULL, &snap);
	}
	if (filled > 0)
		inval_add(&inv, "tag/");
	if (db_exec0(db, S_TICK_NEXT, &next) != DB_OK || site_tell(ctx, &inv) != DB_OK ||
	    db_commit(db) != DB_OK)
		goto fail;
	if (PQntuples(due) > 0)
		log_msg("%d scheduled post(s) went live", PQntuples(due));
	site_forget(ctx, &inv);
	site_warm(ctx, &inv);
	wait = TICK_IDLE_USEC;
	if (filled > 0)
		wait = TICK_MIN_USEC;		/* more may be left */
	else if (!PQgetisnull(next, 0, 0)) {
		secs = strtod(PQgetvalue(next, 0, 0), NULL);
		if (secs * 1e6 < (double)wait)
			wait = (int64_t)(secs * 1e6);
	}
	goto out;
fail:
	db_rollback(db);
out:
	PQclear(lock);
	PQclear(due);
	PQclear(next);
	inval_free(&inv);
	return wait < TICK_MIN_USEC ? TICK_MIN_USEC : wait;
}

long
post_tick(struct ctx *ctx)
{
	struct post_app	*a = ctx->app;
	int64_t		 now = time_mono_usec();

	if (a->theme_fresh && site_theme_sync(ctx) == 0)
		a->theme_fresh = false;
	if (now >= a->next_tick) {
		a->next_tick = now + run_due(ctx);
		site_after_response(ctx);
		now = time_mono_usec();
	}
	return a->next_tick > now ? (long)((a->next_tick - now + 999) / 1000) : 0;
}
