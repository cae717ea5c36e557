/*
 * proc: the processes of a program — the command line, the listening
 * socket, privileges, the pre-fork master and its workers, and each
 * worker's FastCGI loop.
 */
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
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "log.h"
#include "text.h"
#include "times.h"

#define MAX_WORKERS	256
#define TICK_MAX_MS	60000	/* a program's tick runs at least once a minute */

/* Set by signal handlers, read by the loops. */
static volatile sig_atomic_t got_stop, got_reload, got_child;

/* Reads body bytes from the FastCGI input stream. */
static int
fcgx_read(void *arg, char *p, int n)
{
	return FCGX_GetStr(p, n, (FCGX_Stream *)arg);
}

/* Writes p[0..n) to the FastCGI output stream. Returns 0 or -1. */
static int
fcgx_put(void *arg, const char *p, size_t n)
{
	return FCGX_PutStr(p, (int)n, (FCGX_Stream *)arg) == (int)n ? 0 : -1;
}

/* Serves one accepted FastCGI request and logs it. */
static void
serve_one(struct ctx *ctx, FCGX_Request *fr)
{
	struct req	 r;
	struct buf	 out = BUF_INIT;

	if (req_init(&r, ctx, (size_t)ctx->conf.max_body, fr->envp, fcgx_read, fr->in) == -1) {
		FCGX_PutS("Status: 500 Internal Server Error\r\n\r\n", fr->out);
		req_free(&r);
		return;
	}
	srv_dispatch(&r);
	if (resp_serialize(&r, &out) == -1 || fcgx_put(fr->out, buf_str(&out), out.len) == -1 ||
	    resp_send_file(&r, fcgx_put, fr->out) == -1)
		log_msg("could not write the response to %s", r.path);
	log_request(r.method, r.path, r.status, time_mono_usec() - r.start_usec, r.request_id);
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

	if (req_ids_seed() == -1 ||
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
	if (ctx->db_read != NULL && db_ping(ctx->db_read) != DB_OK)
		log_msg("database_read is not reachable yet: %s", db_last_error(ctx->db_read));

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
	    "       %s --print-config [--config FILE]\n"
	    "Without --listen, the FastCGI listen socket is fd 0 (spawned by a web\n"
	    "server or systemd). --print-config prints every key the program reads,\n"
	    "with its default (with --config: the file's value), and exits.\n", prog, prog);
}

/*
 * --print-config: prints svc's key table on stdout, with the values of the
 * file config when not NULL (never $QUIRE_CONFIG: without --config, the
 * defaults). Returns the exit status.
 */
static int
print_config(const struct service *svc, const char *config)
{
	char	 err[1024];

	if (srv_print_config(svc, config, stdout, err, sizeof(err)) == -1) {
		fprintf(stderr, "quire-%s: %s\n", svc->name, err);
		return 1;
	}
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "quire-%s: --print-config: %s\n", svc->name, strerror(errno));
		return 1;
	}
	return 0;
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
		{ "print-config", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx	 ctx;
	const char	*config = NULL, *listen_spec = NULL, *group = NULL, *user = NULL;
	long long	 workers = 1;
	char		 err[1024];
	int		 ch, fd = 0, check_only = 0, print_only = 0, workers_given = 0, rc;
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
			if (text_parse_int(optarg, 1, MAX_WORKERS, &workers) == -1) {
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
		case 'p':
			print_only = 1;
			break;
		default:
			usage(argv[0]);
			return ch == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || (print_only && (listen_spec != NULL || group != NULL ||
	    user != NULL || workers_given || check_only))) {
		usage(argv[0]);
		return 2;
	}
	/* Before any socket, user or key: it works on a bare build. */
	if (print_only)
		return print_config(svc, config);
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
