#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "log.h"
#include "times.h"

#define RECONNECT_USEC		1000000		/* an idle worker tries once a second */
#define RESYNC_FIRST_USEC	1000000		/* then 2, 4 … seconds after failures */
#define RESYNC_MAX_USEC		64000000

struct notify_sub {
	char			 channel[NOTIFY_CHANNEL_MAX + 1];
	notify_fn		 on_message;
	notify_resync_fn	 resync;
	void			*arg;
	bool			 due;		/* a resync is owed */
	int64_t			 not_before;	/* mono µs: the next attempt */
	int64_t			 backoff;	/* µs after the next failure */
};

struct notify {
	struct db		*db;
	struct notify_sub	 subs[NOTIFY_MAX_SUBS];
	size_t			 nsubs;
	bool			 pending;	/* some sub is due */
	unsigned		 connections;	/* connections that listened so far */
	unsigned		 watched_connection;
	int			 watched;	/* the socket in the epoll set, or -1 */
	int64_t			 reconnect_at;	/* mono µs */
};

/* Runs LISTEN channel on conn. Returns 0, or -1 (logged). */
static int
listen_on(PGconn *conn, const char *channel)
{
	char		 sql[NOTIFY_CHANNEL_MAX + 16];
	PGresult	*res;
	int		 rc = 0;

	/* The name is [a-z0-9_]: an identifier that needs no quoting. */
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		log_msg("LISTEN %s: %s", channel, PQresultErrorMessage(res));
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* Marks a subscription's resync due now. */
static void
owe_resync(struct notify *n, struct notify_sub *s)
{
	if (s->resync == NULL)
		return;
	s->due = true;
	s->not_before = 0;
	s->backoff = RESYNC_FIRST_USEC;
	n->pending = true;
}

/* The db handle's on_connect hook: LISTEN everything again, owe every resync. */
static int
on_connect(void *arg, PGconn *conn)
{
	struct notify	*n = arg;
	size_t		 i;

	for (i = 0; i < n->nsubs; i++)
		if (listen_on(conn, n->subs[i].channel) == -1)
			return -1;
	for (i = 0; i < n->nsubs; i++)
		owe_resync(n, &n->subs[i]);
	n->connections++;
	return 0;
}

struct notify *
notify_new(void)
{
	struct notify	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->watched = -1;
	return n;
}

void
notify_attach(struct notify *n, struct db *db)
{
	PGconn	*conn;
	size_t	 i;

	n->db = db;
	db_on_connect(db, on_connect, n);
	if ((conn = db_conn(db)) == NULL)
		return;
	/* A connection already open: listening twice to a channel is harmless. */
	for (i = 0; i < n->nsubs; i++)
		listen_on(conn, n->subs[i].channel);
	for (i = 0; i < n->nsubs; i++)
		owe_resync(n, &n->subs[i]);
	n->connections++;
}

void
notify_free(struct notify *n)
{
	free(n);
}

/* Returns whether s is 1 to NOTIFY_CHANNEL_MAX of [a-z0-9_]. */
static bool
channel_valid(const char *s)
{
	size_t	 len = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return len > 0 && len <= NOTIFY_CHANNEL_MAX && s[len] == '\0';
}

int
notify_subscribe(struct notify *n, const char *channel, notify_fn on_message,
    notify_resync_fn resync, void *arg)
{
	struct notify_sub	*s;
	PGconn			*conn;

	if (!channel_valid(channel) || n->nsubs == NOTIFY_MAX_SUBS) {
		log_msg("bug: cannot subscribe to channel '%s'", channel);
		return -1;
	}
	s = &n->subs[n->nsubs];
	memset(s, 0, sizeof(*s));
	memcpy(s->channel, channel, strlen(channel) + 1);
	s->on_message = on_message;
	s->resync = resync;
	s->arg = arg;
	if (n->db != NULL && (conn = db_conn(n->db)) != NULL) {
		if (listen_on(conn, channel) == -1)
			return -1;
		owe_resync(n, s);
	}
	n->nsubs++;
	return 0;
}

/* Hands every notification libpq holds to its subscriber. */
static void
dispatch(struct notify *n, PGconn *conn)
{
	PGnotify	*nt;
	size_t		 i;

	while ((nt = PQnotifies(conn)) != NULL) {
		for (i = 0; i < n->nsubs; i++)
			if (strcmp(n->subs[i].channel, nt->relname) == 0)
				n->subs[i].on_message(n->subs[i].arg, nt->extra);
		PQfreemem(nt);
	}
}

/* Runs the resyncs that are due and allowed at now; a failure waits longer. */
static void
run_resyncs(struct notify *n, int64_t now)
{
	struct notify_sub	*s;
	unsigned		 connection;
	size_t			 i;

	n->pending = false;
	for (i = 0; i < n->nsubs; i++) {
		s = &n->subs[i];
		if (!s->due)
			continue;
		/* Only while listening: what it learns must not go stale at once. */
		if (now < s->not_before || db_conn(n->db) == NULL) {
			n->pending = true;
			continue;
		}
		connection = n->connections;
		if (s->resync(s->arg) == 0) {
			/* A reconnection during the resync owes another. */
			if (connection == n->connections)
				s->due = false;
			else
				n->pending = true;
			continue;
		}
		s->not_before = now + s->backoff;
		if (s->backoff < RESYNC_MAX_USEC)
			s->backoff *= 2;
		n->pending = true;
	}
}

/* Keeps the connection's socket, and only it, in the epoll set ep. */
static void
watch(struct notify *n, int ep, PGconn *conn)
{
	struct epoll_event	 ev;
	int			 fd = conn != NULL ? PQsocket(conn) : -1;

	if (fd == n->watched && n->connections == n->watched_connection)
		return;
	/* A closed socket left the set by itself: ENOENT or EBADF are expected. */
	if (n->watched != -1)
		epoll_ctl(ep, EPOLL_CTL_DEL, n->watched, NULL);
	n->watched = -1;
	n->watched_connection = n->connections;
	if (fd == -1)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1 && errno != EEXIST) {
		log_msg("cannot wait on the database socket: %s", strerror(errno));
		return;
	}
	n->watched = fd;
}

/* Returns the milliseconds from now until at (at least 1), or -1 for never. */
static int
ms_until(int64_t at, int64_t now)
{
	int64_t	 ms;

	if (at == INT64_MAX)
		return -1;
	ms = (at - now + 999) / 1000;
	return ms < 1 ? 1 : ms > 60000 ? 60000 : (int)ms;
}

int
notify_tick(struct notify *n, int ep)
{
	PGconn	*conn;
	int64_t	 now, next = INT64_MAX;
	size_t	 i;

	if (n->nsubs == 0)
		return -1;
	conn = db_conn(n->db);
	/* The common case, on every request: connected, nothing owed. */
	if (conn != NULL && !n->pending && n->watched_connection == n->connections &&
	    n->watched != -1)
		return -1;
	now = time_mono_usec();
	if (conn == NULL && now >= n->reconnect_at) {
		n->reconnect_at = now + RECONNECT_USEC;
		if (db_ping(n->db) == DB_OK)
			log_msg("listening again after a lost database connection");
		conn = db_conn(n->db);
	}
	if (n->pending)
		run_resyncs(n, now);
	watch(n, ep, db_conn(n->db));
	if (db_conn(n->db) == NULL)
		next = n->reconnect_at;
	for (i = 0; n->pending && i < n->nsubs; i++)
		if (n->subs[i].due && n->subs[i].not_before < next)
			next = n->subs[i].not_before;
	return ms_until(next, now);
}

bool
notify_owns(const struct notify *n, int fd)
{
	return fd != -1 && fd == n->watched;
}

void
notify_read(struct notify *n)
{
	PGconn	*conn = db_conn(n->db);

	if (conn == NULL)
		return;
	/* On failure libpq closes the socket; notify_tick reconnects. */
	if (PQconsumeInput(conn) == 0) {
		log_msg("lost the database connection while idle: %.*s",
		    (int)strcspn(PQerrorMessage(conn), "\n"), PQerrorMessage(conn));
		return;
	}
	dispatch(n, conn);
}

void
notify_drain(struct notify *n)
{
	PGconn	*conn;

	if (n->nsubs > 0 && (conn = db_conn(n->db)) != NULL)
		dispatch(n, conn);
}

bool
notify_current(const struct notify *n)
{
	return n->nsubs == 0 || (!n->pending && db_conn(n->db) != NULL);
}

bool
notify_catch_up(struct notify *n)
{
	if (notify_current(n))
		return true;
	if (db_conn(n->db) == NULL)
		db_ping(n->db);
	if (n->pending)
		run_resyncs(n, time_mono_usec());
	return db_conn(n->db) != NULL;
}
