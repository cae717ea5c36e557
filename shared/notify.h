/*
 * notify: PostgreSQL LISTEN/NOTIFY on a program's own database connection,
 * kept across reconnections.
 *
 * A module subscribes to a channel with two functions: one called with the
 * payload of each notification, and a resync hook. Every channel is
 * LISTENed on each connection the db handle opens (through its on_connect
 * hook: the first connection and every reconnection, since a new session
 * listens to nothing). Notifications sent while no connection listened are
 * lost, so after each of those connections every subscription's resync hook
 * runs, between requests, before the worker serves another one; a failed
 * resync is tried again after 1, 2, 4 … 64 seconds.
 *
 * The worker loop drives it (shared/proc.c): it waits on the connection's
 * socket beside the FastCGI listen socket (notify_tick keeps the socket in
 * its epoll set), reads what arrives while it is idle (notify_read), hands
 * out after each request what libpq queued during it (notify_drain, no
 * system call), and reconnects by itself when the server went away, so an
 * idle worker listens again within a second or two of PostgreSQL's return.
 * Nothing here costs a system call on a request while the connection is
 * up and every resync is done.
 *
 * Callbacks run in the worker between requests (never inside a handler's
 * transaction); a resync hook may use the db handle.
 */
#ifndef QUIRE_NOTIFY_H
#define QUIRE_NOTIFY_H

#include <stdbool.h>

#include "db.h"

#define NOTIFY_MAX_SUBS		8
#define NOTIFY_CHANNEL_MAX	63	/* [a-z0-9_], PostgreSQL's identifier limit */

/* Called with a notification's payload (borrowed; "" when none). */
typedef void	(*notify_fn)(void *arg, const char *payload);
/*
 * Brings the subscriber up to date after notifications may have been lost.
 * Returns 0, or -1 to be called again later (it logs why).
 */
typedef int	(*notify_resync_fn)(void *arg);

struct notify;

/* Returns an empty registry, or NULL when memory runs out. */
struct notify	*notify_new(void);
/*
 * Binds the registry to db (borrowed; it must outlive the registry), taking
 * its on_connect hook: the first thing to do before the worker loop, and
 * again after a reload (SIGHUP) made a new registry for a connection that
 * stays open, which then LISTENs again and owes every resync.
 */
void		 notify_attach(struct notify *, struct db *db);
/* Frees the registry; the db handle's hook is left for its next owner. */
void		 notify_free(struct notify *);

/*
 * Subscribes to channel (1 to NOTIFY_CHANNEL_MAX of [a-z0-9_]): on_message
 * for each notification, resync (may be NULL) after each connection. Made
 * before notify_attach or the first connection (at start-up), it takes
 * effect with them; made later, it LISTENs at once. Returns 0, or -1 (a bad name, too many
 * subscriptions, or the LISTEN failed).
 */
int		 notify_subscribe(struct notify *, const char *channel, notify_fn on_message,
		    notify_resync_fn resync, void *arg);

/*
 * The worker loop's turn, before each wait: reconnects an idle worker whose
 * connection was lost (at most once a second), runs the resyncs that are
 * due, and keeps the connection's socket, and only it, in the epoll set ep
 * (registered with data.fd set to the socket). Returns the wait's timeout in
 * milliseconds: -1 when nothing is due later.
 */
int		 notify_tick(struct notify *, int ep);

/* Returns whether fd is the socket notify_tick put in the epoll set. */
bool		 notify_owns(const struct notify *, int fd);

/* The socket is readable: reads it and hands out the notifications. */
void		 notify_read(struct notify *);

/* Hands out the notifications libpq read during a request. No system call. */
void		 notify_drain(struct notify *);

/*
 * Returns whether every subscription is current: a connection listens and
 * no resync is due. Always true without subscriptions. No system call.
 */
bool		 notify_current(const struct notify *);

/*
 * For a request that needs the subscriptions current (a token to check):
 * reconnects when the connection is lost (as often as the db handle allows)
 * and runs the resyncs that are due, now. Whatever fails stays due.
 * Returns whether a connection listens now (always true without
 * subscriptions): without one, what was sent meanwhile is unknown.
 */
bool		 notify_catch_up(struct notify *);

#endif
