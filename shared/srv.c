#include "srv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <getopt.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "route.h"
#include "util.h"

#define DEFAULT_CONFIG	"/etc/quire/quire.conf"
#define MAX_WORKERS	256
#define TICK_MAX_MS	60000	/* a program's tick runs at least once a minute */

#define NCOMMON_KEYS	10

/* Keep max_body last: srv_ctx_open gives it the program's own default. */
static const struct cfg_key common_keys[NCOMMON_KEYS] = {
	{ "database", CFG_STR, NULL, 0, 0, offsetof(struct common_conf, database) },
	{ "db_connect_timeout", CFG_INT, "2", 1, 60,
	    offsetof(struct common_conf, db_connect_timeout) },
	{ "db_statement_timeout", CFG_INT, "5000", 0, 3600000,
	    offsetof(struct common_conf, db_statement_timeout) },
	{ "public_keys", CFG_STR, NULL, 0, 0, offsetof(struct common_conf, public_keys) },
	{ "issuer", CFG_STR, "quire-auth", 0, 0, offsetof(struct common_conf, issuer) },
	{ "token_leeway", CFG_INT, "30", 0, 600, offsetof(struct common_conf, token_leeway) },
	{ "token_cache", CFG_INT, "256", 0, 1000000, offsetof(struct common_conf, token_cache) },
	{ "auth_url", CFG_STR, "http://127.0.0.1", 0, 0, offsetof(struct common_conf, auth_url) },
	{ "auth_timeout", CFG_INT, "1000", 10, 10000, offsetof(struct common_conf, auth_timeout) },
	{ "max_body", CFG_INT, "65536", 1024, 1073741824, offsetof(struct common_conf, max_body) },
};

/* Set by signal handlers, read by the loops. */
static volatile sig_atomic_t got_stop, got_reload, got_child;

const char *
srv_config_path(const char *given)
{
	const char *env;

	if (given != NULL)
		return given;
	if ((env = getenv("QUIRE_CONFIG")) != NULL && *env != '\0')
		return env;
	return DEFAULT_CONFIG;
}

/*
 * Reads the configuration file at path into ctx for svc: the common and the
 * program's settings, the public keys and the token verifier (no database
 * handle, no program state). Returns 0, or -1 with a message in err and ctx
 * freed.
 */
static int
ctx_read(struct ctx *ctx, const struct service *svc, const char *path, char *err,
    size_t errlen)
{
	struct tok_keyset	*keys;
	struct cfg_key		 common[NCOMMON_KEYS];

	memset(ctx, 0, sizeof(*ctx));
	ctx->svc = svc;
	ctx->config_path = path;
	snprintf(ctx->program, sizeof(ctx->program), "quire-%s", svc->name);
	snprintf(ctx->audience, sizeof(ctx->audience), "quire-%s", svc->name);
	if ((ctx->cfg = cfg_load(path, err, errlen)) == NULL)
		goto fail;
	memcpy(common, common_keys, sizeof(common));
	if (svc->max_body_default != NULL)
		common[NCOMMON_KEYS - 1].def = svc->max_body_default;
	if (cfg_read(ctx->cfg, svc->name, common, NCOMMON_KEYS, &ctx->conf, err, errlen) == -1)
		goto fail;
	if (svc->conf_size > 0) {
		if ((ctx->app_conf = calloc(1, svc->conf_size)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (cfg_read(ctx->cfg, svc->name, svc->keys, svc->nkeys, ctx->app_conf,
		    err, errlen) == -1)
			goto fail;
	}
	if (cfg_check_unused(ctx->cfg, svc->name, err, errlen) == -1)
		goto fail;
	/* libjwt would check nothing without a key: never start without one. */
	if ((keys = tok_keyset_load(ctx->conf.public_keys, err, errlen)) == NULL)
		goto fail;
	if (tok_verifier_init(&ctx->tokens, keys, ctx->conf.issuer, ctx->audience,
	    ctx->conf.token_leeway, (size_t)ctx->conf.token_cache) == -1) {
		tok_keyset_free(keys);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	srv_ctx_free(ctx);
	return -1;
}

/* Returns a database handle made with ctx's settings (not yet connected), or NULL. */
static struct db *
ctx_db_new(const struct ctx *ctx)
{
	return db_new(ctx->conf.database, ctx->program, ctx->svc->stmts, ctx->svc->nstmts,
	    ctx->conf.db_connect_timeout, ctx->conf.db_statement_timeout);
}

/* Returns whether a and b reach the database the same way. */
static bool
db_conf_equal(const struct common_conf *a, const struct common_conf *b)
{
	return strcmp(a->database, b->database) == 0 &&
	    a->db_connect_timeout == b->db_connect_timeout &&
	    a->db_statement_timeout == b->db_statement_timeout;
}

/*
 * Sets up what ctx listens to (ctx->notify, not yet bound to a database
 * handle) and, when the program tracks them, its revocations. Returns 0, or
 * -1 with err set.
 */
static int
ctx_listen_open(struct ctx *ctx, char *err, size_t errlen)
{
	if ((ctx->notify = notify_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ctx->svc->revocations != NULL &&
	    revoke_open(ctx, ctx->svc->revocations, err, errlen) == -1)
		return -1;
	return 0;
}

/* Binds what ctx listens to to ctx itself and its database handle. */
static void
ctx_listen_attach(struct ctx *ctx)
{
	revoke_attach(ctx);
	notify_attach(ctx->notify, ctx->db);
}

int
srv_ctx_open(struct ctx *ctx, const struct service *svc, const char *path, char *err,
    size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	if (ctx_read(ctx, svc, path, err, errlen) == -1)
		return -1;
	log_init(ctx->program);
	if ((ctx->db = ctx_db_new(ctx)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (ctx_listen_open(ctx, err, errlen) == -1)
		goto fail;
	ctx_listen_attach(ctx);
	/* A hook that fails without a word must not leave err as it was. */
	if (svc->init != NULL && svc->init(ctx, err, errlen) == -1) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "%s could not start (no reason given)", ctx->program);
		goto fail;
	}
	return 0;
fail:
	srv_ctx_free(ctx);
	return -1;
}

void
srv_ctx_free(struct ctx *ctx)
{
	if (ctx->svc != NULL && ctx->svc->fini != NULL && ctx->app != NULL)
		ctx->svc->fini(ctx);
	revoke_close(ctx);
	notify_free(ctx->notify);
	db_free(ctx->db);
	tok_verifier_free(&ctx->tokens);
	free(ctx->app_conf);
	cfg_free(ctx->cfg);
	memset(ctx, 0, sizeof(*ctx));
}

int
srv_ctx_reload(struct ctx *ctx)
{
	const struct service	*svc = ctx->svc;
	struct ctx		 fresh, old;
	char			 err[1024] = "";
	int			 rc;

	if (ctx_read(&fresh, svc, ctx->config_path, err, sizeof(err)) == -1)
		goto fail;
	if (!db_conf_equal(&fresh.conf, &ctx->conf) && (fresh.db = ctx_db_new(&fresh)) == NULL) {
		snprintf(err, sizeof(err), "out of memory");
		srv_ctx_free(&fresh);
		goto fail;
	}
	rc = svc->reload != NULL ? svc->reload(&fresh, ctx, err, sizeof(err)) :
	    svc->init != NULL ? svc->init(&fresh, err, sizeof(err)) : 0;
	if (rc == -1 || ctx_listen_open(&fresh, err, sizeof(err)) == -1) {
		srv_ctx_free(&fresh);
		goto fail;
	}
	/* Nothing fails from here: the connection stays when the settings did. */
	if (fresh.db == NULL) {
		fresh.db = ctx->db;
		ctx->db = NULL;
	}
	memcpy(fresh.request_prefix, ctx->request_prefix, sizeof(fresh.request_prefix));
	fresh.request_count = ctx->request_count;
	old = *ctx;
	*ctx = fresh;
	ctx->tokens.audience = ctx->audience;	/* it pointed into fresh */
	/* Listens again on the connection kept, and loads the revocations anew. */
	ctx_listen_attach(ctx);
	srv_ctx_free(&old);
	log_msg("SIGHUP: %s and %zu public key(s) loaded", ctx->config_path,
	    tok_keyset_count(ctx->tokens.keys));
	return 0;
fail:
	log_msg("SIGHUP: keeping the configuration and keys in use: %s",
	    err[0] != '\0' ? err : "the program could not start again");
	return -1;
}

void
resp_db_error(struct req *r, enum db_status st)
{
	if (st == DB_UNAVAILABLE)
		resp_error(r, ERR_UNAVAILABLE, "the database is unavailable; try again shortly");
	else
		resp_error(r, ERR_INTERNAL, "a database statement failed");
}

void
srv_health(struct req *r)
{
	if (db_ping(r->ctx->db) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, "the database does not answer");
		return;
	}
	resp_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

int
srv_authenticate(struct req *r)
{
	const char	*h = req_env(r, "HTTP_AUTHORIZATION"), *tok;
	enum tok_err	 e;

	if (r->claims != NULL)
		return 0;
	/* Only "Bearer" counts; the scheme is case-insensitive (RFC 9110). */
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	for (tok = h + 7; *tok == ' '; tok++)
		;
	/*
	 * After a lost connection, learn what was revoked meanwhile first. While
	 * no connection listens, a revocation could be missed: were the
	 * connection back before the handler's first statement, a revoked
	 * token would write. So a token waits for the database, as its request
	 * would.
	 */
	if (r->ctx->notify != NULL && !notify_catch_up(r->ctx->notify)) {
		resp_error(r, ERR_UNAVAILABLE, "the database is unavailable; try again shortly");
		return -1;
	}
	e = tok_verify(&r->ctx->tokens, tok, strlen(tok), time(NULL), &r->claims_buf);
	if (e != TOK_OK) {
		resp_error(r, ERR_INVALID_TOKEN, "%s", tok_strerror(e));
		return -1;
	}
	r->claims = &r->claims_buf;
	return 0;
}

void
srv_dispatch(struct req *r)
{
	const struct service	*svc = r->ctx->svc;
	struct buf		 allow = BUF_INIT;
	char			*scratch;

	if ((scratch = req_alloc(r, strlen(r->path) + REQ_MAX_PARAMS)) == NULL) {
		resp_error(r, ERR_INTERNAL, "out of memory");
		return;
	}
	switch (route_match(svc->routes, svc->nroutes, r->method, r->path, &r->route,
	    scratch, r->params, &r->nparams, &allow)) {
	case ROUTE_FOUND:
		break;
	case ROUTE_NOT_FOUND:
		if (svc->fallback != NULL) {
			svc->fallback(r);
			if (r->status == 0)
				resp_error(r, ERR_INTERNAL, "the fallback set no response");
		} else
			resp_error(r, ERR_NOT_FOUND, "no such resource");
		return;
	case ROUTE_BAD_METHOD:
		resp_error(r, ERR_METHOD_NOT_ALLOWED, "this resource does not take %s", r->method);
		resp_header(r, "Allow", "%s", buf_str(&allow));
		buf_free(&allow);
		return;
	}
	/* Public routes never look at a token unless the handler asks. */
	if (r->route->min_role != ROLE_ANON) {
		if (srv_authenticate(r) == -1)
			return;
		if (r->claims == NULL) {
			resp_error(r, ERR_MISSING_TOKEN, "this resource needs a bearer token");
			return;
		}
		if (r->claims->role < r->route->min_role) {
			resp_error(r, ERR_FORBIDDEN, "this resource needs the %s role",
			    role_name(r->route->min_role));
			return;
		}
	}
	r->route->handler(r);
	if (r->status == 0)
		resp_error(r, ERR_INTERNAL, "the handler set no response");
}

/* Reads body bytes from the FastCGI input stream. */
static int
fcgx_read(void *arg, char *p, int n)
{
	return FCGX_GetStr(p, n, (FCGX_Stream *)arg);
}

/* Serves one accepted FastCGI request and logs it. */
static void
serve_one(struct ctx *ctx, FCGX_Request *fr)
{
	struct req	 r;
	struct buf	 out = BUF_INIT;

	if (req_init(&r, ctx, fr->envp, fcgx_read, fr->in) == -1) {
		FCGX_PutS("Status: 500 Internal Server Error\r\n\r\n", fr->out);
		req_free(&r);
		return;
	}
	srv_dispatch(&r);
	if (resp_serialize(&r, &out) == -1 ||
	    FCGX_PutStr(buf_str(&out), (int)out.len, fr->out) < 0)
		log_msg("could not write the response to %s", r.path);
	log_request(r.method, r.path, r.status, mono_usec() - r.start_usec, r.request_id);
	buf_free(&out);
	req_free(&r);
}

static void
on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void
on_reload(int sig)
{
	(void)sig;
	got_reload = 1;
}

static void
on_child(int sig)
{
	(void)sig;
	got_child = 1;
}

/* Installs handler for sig (no SA_RESTART: the waits must wake up). */
static void
set_handler(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/*
 * Runs the program's tick, if it has one. Returns the wait's timeout in
 * milliseconds: what the tick asked, at most TICK_MAX_MS; -1 (no timeout)
 * without a tick.
 */
static int
tick_timeout(struct ctx *ctx)
{
	long	 ms;

	if (ctx->svc->tick == NULL)
		return -1;
	ms = ctx->svc->tick(ctx);
	return ms < 0 || ms > TICK_MAX_MS ? TICK_MAX_MS : (int)ms;
}

/*
 * The worker loop: accepts and serves requests on fd until SIGTERM.
 * Signals are blocked except while waiting for a connection, so a request in
 * flight is never interrupted; the listen socket is non-blocking, so losing
 * the race for a connection to another worker goes back to waiting. The
 * wait is exclusive (EPOLLEXCLUSIVE): a new connection wakes one waiting
 * worker, not all of them, which matters with several processes per program.
 * The same wait covers the worker's database socket, so notifications are
 * read while it is idle (shared/notify.h), before the next request. Before
 * each wait the program's tick runs, and the wait ends when the tick asked
 * to run again; after each response, the program's after_response.
 * Returns the exit status.
 */
static int
worker_loop(struct ctx *ctx, int fd)
{
	FCGX_Request		 fr;
	sigset_t		 block, waitmask;
	struct epoll_event	 ev, evs[2];
	uint32_t		 listen_events;
	int			 rc, flags, i, n, timeout, tick, ep = -1;

	if (random_bytes(ctx->request_prefix, sizeof(ctx->request_prefix)) == -1 ||
	    FCGX_Init() != 0 || FCGX_InitRequest(&fr, fd, 0) != 0) {
		log_msg("cannot initialise FastCGI");
		return 1;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	set_handler(SIGHUP, on_reload);
	signal(SIGPIPE, SIG_IGN);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	ev.data.fd = fd;
	if ((flags = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) == -1 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_msg("cannot wait on the listen socket: %s", strerror(errno));
		if (ep != -1)
			close(ep);
		return 1;
	}
	/* Connect and prepare now, not on the first request (which may find it down). */
	if (db_ping(ctx->db) != DB_OK)
		log_msg("the database is not reachable yet: %s", db_last_error(ctx->db));

	while (!got_stop) {
		if (got_reload) {
			got_reload = 0;
			srv_ctx_reload(ctx);
		}
		/* The database socket too: notifications are read while idle. */
		timeout = notify_tick(ctx->notify, ep);
		if ((tick = tick_timeout(ctx)) >= 0 && (timeout < 0 || tick < timeout))
			timeout = tick;
		if ((n = epoll_pwait(ep, evs, 2, timeout, &waitmask)) == -1) {
			if (errno == EINTR)
				continue;
			log_msg("epoll: %s", strerror(errno));
			break;
		}
		listen_events = 0;
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == fd)
				listen_events = evs[i].events;
			else if (notify_owns(ctx->notify, evs[i].data.fd))
				notify_read(ctx->notify);
		}
		if (listen_events & EPOLLERR) {
			log_msg("the listen socket failed");
			break;
		}
		if (listen_events == 0)
			continue;
		rc = FCGX_Accept_r(&fr);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || rc == -ECONNABORTED)
			continue;
		if (rc < 0) {
			log_msg("accept: %s", strerror(-rc));
			break;
		}
		serve_one(ctx, &fr);
		FCGX_Finish_r(&fr);
		notify_drain(ctx->notify);
		if (ctx->svc->after_response != NULL)
			ctx->svc->after_response(ctx);
	}
	close(ep);
	FCGX_Free(&fr, 0);
	return 0;
}

/*
 * Opens the listen socket of --listen: "unix:PATH" (mode 0660, group group
 * when not NULL, a stale socket file replaced) or "HOST:PORT" with an
 * explicit host (never all interfaces by accident). Returns the descriptor,
 * or -1 with a message printed.
 */
static int
listen_on(const char *spec, const char *group)
{
	struct group		*gr = NULL;
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *ai = NULL;
	struct stat		 st;
	char			 host[256];
	const char		*colon, *port;
	size_t			 hlen;
	int			 fd = -1, one = 1, rc;

	if (strncmp(spec, "unix:", 5) == 0) {
		if (group != NULL && (gr = getgrnam(group)) == NULL) {
			fprintf(stderr, "--socket-group %s: no such group\n", group);
			return -1;
		}
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(spec + 5) == 0 || strlen(spec + 5) >= sizeof(sun.sun_path)) {
			fprintf(stderr, "--listen %s: bad socket path\n", spec);
			return -1;
		}
		strcpy(sun.sun_path, spec + 5);
		if (lstat(sun.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(sun.sun_path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
		    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    chmod(sun.sun_path, 0660) == -1 ||
		    (gr != NULL && chown(sun.sun_path, (uid_t)-1, gr->gr_gid) == -1) ||
		    listen(fd, 128) == -1)
			goto fail;
		return fd;
	}
	if ((colon = strrchr(spec, ':')) == NULL || colon == spec) {
		fprintf(stderr, "--listen %s: expected unix:PATH or HOST:PORT\n", spec);
		return -1;
	}
	port = colon + 1;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[' && colon[-1] == ']') {
		spec++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		fprintf(stderr, "--listen: a host is required (127.0.0.1:PORT)\n");
		return -1;
	}
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		fprintf(stderr, "--listen %s: %s\n", host, gai_strerror(rc));
		return -1;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 || listen(fd, 128) == -1)
		goto fail;
	freeaddrinfo(ai);
	return fd;
fail:
	fprintf(stderr, "--listen %s: %s\n", spec, strerror(errno));
	if (fd != -1)
		close(fd);
	if (ai != NULL)
		freeaddrinfo(ai);
	return -1;
}

/*
 * Forks one worker serving fd. Returns its pid, or -1. A worker whose master
 * dies gets SIGTERM: it finishes its request and exits.
 */
static pid_t
spawn_worker(struct ctx *ctx, int fd)
{
	pid_t	 master = getpid(), pid;
	int	 rc;

	if ((pid = fork()) != 0)
		return pid;
	signal(SIGCHLD, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	rc = getppid() == master ? worker_loop(ctx, fd) : 0;
	srv_ctx_free(ctx);
	exit(rc);
}

/*
 * The --workers master: keeps n workers alive (a worker that dies is
 * replaced, at most one a second); on SIGHUP reloads, then has the workers
 * reload (not when its own reload failed: they keep what it keeps); on
 * SIGTERM stops them all, waiting for their requests in flight. Returns the
 * exit status.
 */
static int
master_loop(struct ctx *ctx, int fd, int n)
{
	pid_t		 pids[MAX_WORKERS], pid;
	sigset_t	 block, waitmask;
	int		 i, status, alive = 0;
	time_t		 last_spawn = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	set_handler(SIGTERM, on_stop);
	set_handler(SIGINT, on_stop);
	set_handler(SIGHUP, on_reload);
	set_handler(SIGCHLD, on_child);
	for (i = 0; i < n; i++)
		if ((pids[i] = spawn_worker(ctx, fd)) > 0)
			alive++;
	log_msg("%d worker(s) listening", alive);

	while (!got_stop) {
		sigsuspend(&waitmask);
		/* The master first: a worker it forks later must have what was reloaded. */
		if (got_reload) {
			got_reload = 0;
			if (srv_ctx_reload(ctx) == 0)
				for (i = 0; i < n; i++)
					if (pids[i] > 0)
						kill(pids[i], SIGHUP);
		}
		if (!got_child)
			continue;
		got_child = 0;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n; i++)
				if (pids[i] == pid)
					pids[i] = 0;
		}
		for (i = 0; i < n && !got_stop; i++) {
			if (pids[i] > 0)
				continue;
			if (time(NULL) - last_spawn < 1)
				sleep(1);
			last_spawn = time(NULL);
			log_msg("replacing a worker that exited");
			pids[i] = spawn_worker(ctx, fd);
		}
	}
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
	return 0;
}

/*
 * Becomes user (and its groups) once the listen socket is open, for a root
 * start without systemd. Returns 0, or -1 with a message printed.
 */
static int
drop_privileges(const char *user)
{
	struct passwd	*pw;

	if ((pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "--user %s: no such user\n", user);
		return -1;
	}
	if (initgroups(pw->pw_name, pw->pw_gid) == -1 || setgid(pw->pw_gid) == -1 ||
	    setuid(pw->pw_uid) == -1) {
		fprintf(stderr, "--user %s: %s\n", user, strerror(errno));
		return -1;
	}
	return 0;
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--config FILE] [--listen unix:PATH|HOST:PORT "
	    "[--socket-group GROUP]] [--user USER] [--workers N] [--check-config]\n"
	    "Without --listen, the FastCGI listen socket is fd 0 (spawned by a web\n"
	    "server or systemd).\n", prog);
}

int
srv_main(const struct service *svc, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "socket-group", required_argument, NULL, 'g' },
		{ "user", required_argument, NULL, 'u' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx	 ctx;
	const char	*config = NULL, *listen_spec = NULL, *group = NULL, *user = NULL;
	long long	 workers = 1;
	char		 err[1024];
	int		 ch, fd = 0, check_only = 0, workers_given = 0, rc;
	socklen_t	 len = sizeof(int);
	int		 type;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'l':
			listen_spec = optarg;
			break;
		case 'w':
			if (parse_int(optarg, 1, MAX_WORKERS, &workers) == -1) {
				fprintf(stderr, "--workers: a number from 1 to %d\n", MAX_WORKERS);
				return 2;
			}
			workers_given = 1;
			break;
		case 'g':
			group = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'k':
			check_only = 1;
			break;
		default:
			usage(argv[0]);
			return ch == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return 2;
	}
	/*
	 * The socket first (as root, in a directory such as /run/quire), then
	 * the user of --user, and only then the configuration, keys and
	 * whatever the program makes at start, so that they belong to that user.
	 */
	if (listen_spec != NULL && !check_only) {
		if ((fd = listen_on(listen_spec, group)) == -1)
			return 1;
	} else if (!check_only && getsockopt(0, SOL_SOCKET, SO_TYPE, &type, &len) == -1) {
		fprintf(stderr, "quire-%s: fd 0 is not a socket; run it from a web server "
		    "or systemd, or give --listen\n", svc->name);
		return 2;
	}
	if (user != NULL && drop_privileges(user) == -1)
		goto fail;
	if (srv_ctx_open(&ctx, svc, srv_config_path(config), err, sizeof(err)) == -1) {
		fprintf(stderr, "quire-%s: %s\n", svc->name, err);
		goto fail;
	}
	if (check_only) {
		printf("%s: configuration OK\n", srv_config_path(config));
		srv_ctx_free(&ctx);
		return 0;
	}
	/* systemd hands one socket to one process: --workers forks from it too. */
	if (listen_spec != NULL || workers_given)
		rc = master_loop(&ctx, fd, (int)workers);
	else
		rc = worker_loop(&ctx, 0);
	if (listen_spec != NULL && strncmp(listen_spec, "unix:", 5) == 0)
		unlink(listen_spec + 5);
	srv_ctx_free(&ctx);
	return rc;
fail:
	if (listen_spec != NULL && strncmp(listen_spec, "unix:", 5) == 0)
		unlink(listen_spec + 5);
	return 1;
}
