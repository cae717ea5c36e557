/*
 * Coherence: every node's cache directory loses a deleted item's files
 * within a second, whichever node the deletion went through.
 *
 * A variant or original never changes while its item exists (the bytes of
 * an id are fixed at upload), so a cached file can only go stale one way:
 * its item is deleted. The deletion sends the item's id with NOTIFY
 * MEDIA_CHANNEL in its own statement (S_ITEM_DELETE), and every Media
 * instance, on every node, LISTENs on its primary connection
 * (shared/notify.h) and removes the item's directory when the deletion
 * commits. Notifications sent while an instance did not listen (its
 * connection lost, PostgreSQL restarted or failed over, the instance not
 * running) are lost: after every connection the resync hook checks each
 * item of the cache directory against the primary and removes those that
 * are gone. That costs a directory listing and one query per SWEEP_BATCH
 * items, and keeps every file still true, where dropping the whole cache
 * would make every image again, on every node, after each reconnection.
 *
 * The alt text is in no cached file (it is in the metadata, read from the
 * database on each request), so an alt change needs nothing here.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "media.h"
#include "encode.h"

#define SWEEP_BATCH	500	/* item ids asked about in one query */

/* notify_fn of MEDIA_CHANNEL: the id of an item just deleted. */
static void
on_deleted(struct ctx *ctx, const char *payload)
{
	const struct media_conf	*conf = ctx->app_conf;

	if (!uuid_valid(payload)) {
		log_msg("ignored a notification on %s that is not an item id", MEDIA_CHANNEL);
		return;
	}
	if (cache_remove_item(conf->cache_dir, payload) == -1)
		log_msg("cannot remove the cached files of %s: %s", payload, strerror(errno));
}

/*
 * Asks the primary which ids of the array ids ("{a,b,…}") no item has any
 * longer and removes their cached files, counting them in *removed.
 * Returns 0, or -1 (logged).
 */
static int
sweep_batch(struct ctx *ctx, const char *ids, size_t *removed)
{
	const struct media_conf	*conf = ctx->app_conf;
	PGresult		*res;
	enum db_status		 st;
	int			 i;

	if ((st = DB_QUERY(ctx->db, S_ITEMS_GONE, &res, ids)) != DB_OK) {
		log_msg("cache check: %s", db_last_error(ctx->db));
		return -1;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if (cache_remove_item(conf->cache_dir, PQgetvalue(res, i, 0)) == -1) {
			log_msg("cannot remove the cached files of %s: %s", PQgetvalue(res, i, 0),
			    strerror(errno));
			continue;
		}
		(*removed)++;
	}
	PQclear(res);
	return 0;
}

/*
 * The resync hook of MEDIA_CHANNEL: removes the cached files of every item
 * deleted while this instance did not listen. Returns 0, or -1 to be tried
 * again (logged).
 */
static int
sweep(struct ctx *ctx)
{
	const struct media_conf	*conf = ctx->app_conf;
	struct buf		 ids = BUF_INIT;
	struct dirent		*de;
	DIR			*d;
	char			 dir[PATH_MAX];
	size_t			 n = 0, checked = 0, removed = 0;
	int			 rc = -1;

	if (snprintf(dir, sizeof(dir), "%s/media", conf->cache_dir) >= (int)sizeof(dir))
		return -1;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		log_msg("cache check: %s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!uuid_valid(de->d_name))
			continue;
		if (buf_puts(&ids, n == 0 ? "{" : ",") == -1 || buf_puts(&ids, de->d_name) == -1)
			goto out;
		checked++;
		if (++n < SWEEP_BATCH)
			continue;
		if (buf_puts(&ids, "}") == -1 || sweep_batch(ctx, buf_str(&ids), &removed) == -1)
			goto out;
		buf_reset(&ids);
		n = 0;
	}
	if (n > 0 && (buf_puts(&ids, "}") == -1 ||
	    sweep_batch(ctx, buf_str(&ids), &removed) == -1))
		goto out;
	log_msg("cache checked after connecting: %zu item(s), %zu deleted meanwhile removed",
	    checked, removed);
	rc = 0;
out:
	closedir(d);
	buf_free(&ids);
	return rc;
}

const struct srv_channel media_channels[1] = {
	{ MEDIA_CHANNEL, on_deleted, sweep },
};
