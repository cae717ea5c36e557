/*
 * srv: what makes a Quire program — its description (struct service), its
 * per-process context (struct ctx), and the FastCGI loop that serves it.
 *
 * A program's main() fills a struct service and calls srv_main(), which
 * serves FastCGI requests on fd 0 (spawned by a web server or systemd) or on
 * its own --listen socket, in one process or --workers pre-forked ones,
 * after reading the configuration and the token keys (as --user, when
 * given). SIGTERM finishes the requests in flight and exits; SIGHUP reads
 * the configuration file and the keys again between requests (in --workers
 * mode the master first, then its workers). Each worker also listens on its
 * database connection (ctx->notify) for what other programs publish,
 * revocations first (shared/revoke.h), and for the channels the program
 * itself declares (struct srv_channel).
 *
 * Reads and writes: ctx->db is the primary (database), which every write
 * and every request with a token uses; ctx->db_read, when database_read is
 * set, is a read-only connection (usually a hot standby) for the anonymous
 * reads handlers send there with srv_db_read().
 */
#ifndef QUIRE_SRV_H
#define QUIRE_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg.h"
#include "db.h"
#include "http.h"
#include "notify.h"
#include "revoke.h"
#include "route.h"
#include "tok.h"

struct ctx;

/* What every program reads from its section (or the global part) of the file. */
struct common_conf {
	const char	*database;		/* libpq connection string: the primary */
	const char	*database_read;		/* anonymous reads ("": the primary) */
	long long	 db_connect_timeout;	/* seconds */
	long long	 db_statement_timeout;	/* milliseconds */
	const char	*public_keys;		/* directory (or file) of PEM public keys */
	const char	*issuer;		/* expected iss */
	long long	 token_leeway;		/* seconds */
	long long	 token_cache;		/* verified tokens kept per process */
	const char	*auth_url;		/* where revocations are asked of Auth */
	long long	 auth_timeout;		/* milliseconds */
	long long	 max_body;		/* bytes of a JSON body */
};

/*
 * A channel a program LISTENs on (shared/notify.h): on_message for each
 * notification, resync (NULL: none) after every (re)connection, when some
 * may have been lost. Both get the context the worker serves with, and run
 * between requests.
 */
struct srv_channel {
	const char	*name;
	void		(*on_message)(struct ctx *, const char *payload);
	int		(*resync)(struct ctx *);	/* 0, or -1: again later */
};

struct srv_listener;

/* A program: its name, routes, statements, settings and hooks. */
struct service {
	const char		*name;		/* "auth": section, audience quire-auth */
	const struct route	*routes;
	size_t			 nroutes;
	const struct db_stmt	*stmts;
	size_t			 nstmts;
	const struct cfg_key	*keys;		/* the program's own settings */
	size_t			 nkeys;
	size_t			 conf_size;	/* size of the struct they fill */
	/* The program's default of the common max_body key; NULL: 65536 bytes. */
	const char		*max_body_default;
	/* Called once after the configuration is read. Returns 0 or -1 with err set. */
	int			(*init)(struct ctx *, char *err, size_t errlen);
	/*
	 * Called on SIGHUP instead of init, to make the program's state for the
	 * reloaded context fresh (its settings and keys read already; its
	 * database handle comes after) while old still serves; it may take over
	 * what must not be made twice. Returns 0 or -1 with err set (old is
	 * kept, fresh freed with fini). Optional.
	 */
	int			(*reload)(struct ctx *fresh, struct ctx *old, char *err,
				    size_t errlen);
	/* Frees what init made. Optional. */
	void			(*fini)(struct ctx *);
	/* Where revocations are loaded from after each (re)connection; NULL: none. */
	const struct revoke_source *revocations;
	/* The program's own channels. */
	const struct srv_channel *channels;
	size_t			 nchannels;
	/* Refuses database_read: the program has no read that may lag. */
	bool			 primary_only;
	/*
	 * Answers a request whose path no route matches, instead of 404 (Post:
	 * the reader site's pages). It must leave a response. Optional.
	 */
	void			(*fallback)(struct req *);
	/*
	 * Called by each worker before every wait for a request, to do the
	 * work that is due by time (Post: scheduled posts going live). Returns
	 * the milliseconds until it wants to be called again, or -1 for no
	 * wish; the worker calls it again then (at most a minute later), or
	 * after the next request. Optional.
	 */
	long			(*tick)(struct ctx *);
	/*
	 * Called by a worker after each response is sent, before it waits again:
	 * work the client need not wait for (Post: removing deleted pages).
	 * Optional.
	 */
	void			(*after_response)(struct ctx *);
	/*
	 * Called when a request's token has been verified (r->claims set), before
	 * its handler: what the program learns from the claims (Post: the
	 * author's display name). It must not answer. Optional.
	 */
	void			(*authenticated)(struct req *);
};

/* Everything one process of a program holds, built once at start-up. */
struct ctx {
	const struct service	*svc;
	const char		*config_path;
	struct cfg		*cfg;
	struct common_conf	 conf;
	void			*app_conf;	/* the program's settings, conf_size bytes */
	void			*app;		/* the program's state, set by init */
	struct db		*db;		/* the primary */
	struct db		*db_read;	/* database_read, or NULL */
	struct notify		*notify;	/* LISTEN on db's connection */
	struct srv_listener	*listeners;	/* one per svc->channels */
	struct revoke		*revoke;	/* revoked subjects, when tracked */
	struct tok_verifier	 tokens;
	char			 program[32];	/* "quire-auth" */
	char			 audience[32];	/* "quire-auth" */
};

/*
 * Builds a context for svc from the configuration file at path: settings,
 * keys, database handle (not yet connected), then svc->init. Returns 0, or -1
 * with a message in err. Free with srv_ctx_free().
 */
int	srv_ctx_open(struct ctx *, const struct service *svc, const char *path,
	    char *err, size_t errlen);
void	srv_ctx_free(struct ctx *);

/*
 * --print-config: writes to f every key svc reads, one line each, those
 * every program reads first (marked [*]), then svc's own ([name]), in
 * table order (cfg_print). Their defaults, or with path (not NULL) the
 * values of that file merged over them, read and checked as at start-up
 * but without the public keys, the database or the program's own start.
 * Returns 0, or -1 with a message in err.
 */
int	srv_print_config(const struct service *svc, const char *path, FILE *f, char *err,
	    size_t errlen);

/*
 * Returns the configuration path: --config's value if given, else
 * $QUIRE_CONFIG, else /etc/quire/quire.conf. Borrowed.
 */
const char *srv_config_path(const char *given);

/*
 * SIGHUP: reads the configuration file and the public keys again and makes
 * the program's state anew (svc->reload, else svc->init); the database
 * connection stays unless its settings changed. Returns 0, or -1 when
 * anything fails: then ctx is kept as it was and the reason logged.
 */
int	srv_ctx_reload(struct ctx *);

/*
 * Reads the request's bearer token, if any (only "Authorization: Bearer";
 * never the query string). Returns 0 (r->claims set, or NULL when there is
 * none) or -1 with 401 invalid_token set. Routes with a min_role call it
 * before the handler; a public route whose answer depends on who asks calls
 * it itself.
 */
int	srv_authenticate(struct req *);

/*
 * Handles one request: route (404, 405 with Allow), token check (401, 403),
 * then the handler. Leaves the response in r.
 */
void	srv_dispatch(struct req *r);

/*
 * The whole program: parses the command line (--config, --listen,
 * --socket-group, --user, --workers, --check-config, --print-config), builds
 * the context and serves until SIGTERM. Returns the exit status.
 */
int	srv_main(const struct service *, int argc, char **argv);

/*
 * Returns the handle for the request's reads: ctx->db_read for a request
 * without an Authorization header when database_read is set, else the
 * primary. Any request with a token is a writer's (or one made for a
 * writer, as Post's lookups in Media when it saves a post): it reads on the
 * primary, so that a standby behind it never shows a writer an older
 * version of what they just saved.
 */
struct db *srv_db_read(const struct req *);

/*
 * Runs read statement stmt with text parameters on srv_db_read(r). When
 * that is the read-only connection and no row comes back, runs it again on
 * the primary: a standby behind it may not have yet what was just made (an
 * image shown right after its upload, a post just published). Returns the
 * status and *res as db_exec() does, and sets *db (when not NULL) to the
 * handle that answered, for the reads that follow.
 */
enum db_status srv_read(struct req *, size_t stmt, int nparams, const char *const *values,
	    PGresult **res, struct db **db);

/* srv_read with text parameters given inline: SRV_READ(r, STMT_X, &res, &db, a, b). */
#define SRV_READ(r, stmt, res, db, ...)						\
	srv_read((r), (stmt),							\
	    (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)),	\
	    (const char *const[]){ __VA_ARGS__ }, (res), (db))

/* GET /<service>/health: 200 {"status":"ok"} when the database answers, else 503. */
void	srv_health(struct req *);

#endif
