/*
 * Every web node's site directory kept in step: a change made through one
 * node's Post deletes the stored pages it touches on every node within a
 * second (issue 11), whichever node's Post made it.
 *
 * Each node has its own site directory (site_dir), written by its own Post
 * and sent by its own web server. Every writer of what pages show (a post
 * written, deleted or healed, the settings, the scheduler's tick, an
 * author's name, a theme that replaces another) computes the pages its
 * change deletes inside its transaction and runs, as the transaction's last
 * statement, S_SITE_NOTIFY (site_tell): it counts the change in
 * post.site_state.changes and NOTIFYs SITE_CHANNEL with the list. PostgreSQL
 * delivers that notification when, and only when, the transaction commits:
 * no node hears of a change that rolled back, and a writer that dies after
 * its commit cannot leave the other nodes untold. After the commit the
 * writer deletes the pages on its own node (site_forget: after, so that the
 * generation guard of sitedir.h holds) and records the count. Every Post
 * instance on every node LISTENs on its primary connection (shared/notify.h)
 * and deletes the pages a notification names, unless the notification came
 * from its own node (host name and site directory), which deleted them
 * already (and may have rendered the newest again since). The bump of the
 * count also orders the writers of pages: the row lock on post.site_state
 * is held from that statement to the commit only.
 *
 * Notifications sent while a node did not listen (its connection lost,
 * PostgreSQL restarted or failed over, the node's Post not running) are
 * lost. So each node keeps in SITE/.changes the count of the last change it
 * applied or made (never before the change is committed and deleted here),
 * and after every connection the resync hook compares it
 * with post.site_state.changes: when they differ, the node missed some, and
 * deletes every page (ALL: the next requests render them again). The count
 * is written by whichever worker saw the change; workers racing may leave a
 * smaller count than the latest, which costs one needless ALL after a later
 * reconnection and is never stale.
 *
 * The theme is a node's own (its files, its SIGHUP): a theme reload is not
 * sent to the other nodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "post.h"
#include "text.h"

#define PAYLOAD_MAX	7999	/* bytes of a notification's payload (PostgreSQL: < 8000) */
#define PAYLOAD_COUNT	24	/* bytes of its count and two newlines, at most */

void
site_node_name(struct post_app *a, const char *site_dir)
{
	char	 host[256];

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(a->site_node, sizeof(a->site_node), "%s:%s", host, site_dir);
	/* The node's name is a line of the payload. */
	a->site_node[strcspn(a->site_node, "\n")] = '\0';
}

/* Returns the count of changes this node applied (SITE/.changes), 0 when none. */
static long long
changes_read(const struct post_app *a)
{
	char	 path[1100], text[32];
	long long n = 0;
	ssize_t	 len;
	int	 fd;

	snprintf(path, sizeof(path), "%s/.changes", a->site.root);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	text[len] = '\0';
	text[strcspn(text, "\n")] = '\0';
	if (text_parse_int(text, 0, LLONG_MAX, &n) == -1)
		return 0;
	return n;
}

/*
 * Records n as the count of changes this node applied (atomically: a
 * temporary file renamed over SITE/.changes). Logs a failure.
 */
static void
changes_write(const struct post_app *a, long long n)
{
	char	 path[1100], tmp[1200], text[32];
	int	 fd, len;
	bool	 ok;

	snprintf(path, sizeof(path), "%s/.changes", a->site.root);
	snprintf(tmp, sizeof(tmp), "%s/.tmp/changes-%ld", a->site.root, (long)getpid());
	len = snprintf(text, sizeof(text), "%lld\n", n);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) == -1) {
		log_msg("cannot record %s: %s", path, strerror(errno));
		return;
	}
	ok = write(fd, text, (size_t)len) == len;
	if (close(fd) == -1)
		ok = false;
	if (!ok || rename(tmp, path) == -1) {
		log_msg("cannot record %s: %s", path, strerror(errno));
		unlink(tmp);
	}
}

void
site_changes_seen(const struct post_app *a, long long n)
{
	if (a->site_ok && n > changes_read(a))
		changes_write(a, n);
}

enum db_status
site_tell(struct ctx *ctx, struct inval *inv)
{
	struct post_app	*a = ctx->app;
	const char	*body = buf_str(&inv->paths);
	PGresult	*res;
	enum db_status	 st;
	long long	 n;

	if (!inval_any(inv))
		return DB_OK;
	/* The node's name, the count and the paths in one payload. */
	if (inv->all || inv->paths.len + strlen(a->site_node) + PAYLOAD_COUNT > PAYLOAD_MAX)
		body = "ALL";
	if ((st = DB_QUERY(ctx->db, S_SITE_NOTIFY, &res, SITE_CHANNEL, a->site_node, body)) !=
	    DB_OK) {
		log_msg("the change of the site's pages cannot be sent to every node: %s",
		    db_last_error(ctx->db));
		return st;
	}
	if (PQntuples(res) == 1 && text_parse_int(PQgetvalue(res, 0, 0), 0, LLONG_MAX, &n) == 0)
		inv->changes = n;
	PQclear(res);
	return DB_OK;
}

/*
 * notify_fn of SITE_CHANNEL: "node\nchanges\nALL" or "node\nchanges\n" and
 * the deleted paths, one a line. Deletes them here unless this node sent it.
 */
static void
on_site_change(struct ctx *ctx, const char *payload)
{
	struct post_app	*a = ctx->app;
	struct inval	 inv = { BUF_INIT, false, BUF_INIT, 0 };
	const char	*nl, *count, *body;
	char		 text[32];
	size_t		 node_len;
	long long	 n;

	if ((nl = strchr(payload, '\n')) == NULL || (body = strchr(nl + 1, '\n')) == NULL ||
	    (size_t)(body - nl - 1) >= sizeof(text)) {
		log_msg("ignored a notification on %s that is not a change", SITE_CHANNEL);
		return;
	}
	node_len = (size_t)(nl - payload);
	count = nl + 1;
	snprintf(text, sizeof(text), "%.*s", (int)(body - count), count);
	body++;
	if (text_parse_int(text, 0, LLONG_MAX, &n) == -1) {
		log_msg("ignored a notification on %s that is not a change", SITE_CHANNEL);
		return;
	}
	if (node_len != strlen(a->site_node) || memcmp(payload, a->site_node, node_len) != 0) {
		if (strcmp(body, "ALL") == 0)
			inv.all = true;
		else if (buf_puts(&inv.paths, body) == -1 ||
		    (inv.paths.len > 0 && buf_str(&inv.paths)[inv.paths.len - 1] != '\n' &&
		    buf_puts(&inv.paths, "\n") == -1))
			inv.all = true;		/* out of memory: delete everything instead */
		site_apply(ctx, &inv);
		inval_free(&inv);
	}
	site_changes_seen(a, n);
}

/*
 * The resync hook of SITE_CHANNEL: when this node's count of changes is not
 * the database's, it missed notifications: every page is deleted. Returns 0,
 * or -1 to be tried again (logged).
 */
static int
site_resync(struct ctx *ctx)
{
	struct post_app	*a = ctx->app;
	struct inval	 inv = { BUF_INIT, true, BUF_INIT, 0 };
	PGresult	*res;
	long long	 n;

	if (!a->site_ok)
		return 0;
	if (db_exec0(ctx->db, S_SITE_CHANGES, &res) != DB_OK) {
		log_msg("site check: %s", db_last_error(ctx->db));
		return -1;
	}
	if (PQntuples(res) != 1 || text_parse_int(PQgetvalue(res, 0, 0), 0, LLONG_MAX, &n) == -1) {
		PQclear(res);
		log_msg("site check: no count of changes in post.site_state");
		return -1;
	}
	PQclear(res);
	if (n != changes_read(a)) {
		log_msg("site check: changes were missed while not listening; every page is "
		    "made again");
		site_apply(ctx, &inv);
		changes_write(a, n);
	}
	inval_free(&inv);
	return 0;
}

const struct srv_channel post_channels[1] = {
	{ SITE_CHANNEL, on_site_change, site_resync },
};
