/*
 * stack: a private Quire stack — PostgreSQL cluster, migrations, keys,
 * configuration, first admin, and the web server (lighttpd spawning the
 * programs, or Apache in front of programs started with --listen) — used by
 * the integration tests (fresh, on free ports) and by `make run` (kept in
 * var/, on port 8080).
 *
 * Every process it starts is a child in its own process group, gets SIGTERM
 * if the harness dies (PR_SET_PDEATHSIG), and is stopped by stack_stop().
 */
#ifndef QUIRE_STACK_H
#define QUIRE_STACK_H

#include <stdbool.h>
#include <sys/types.h>

struct stack_opts {
	const char	*var;		/* state directory; NULL: a fresh one in /tmp */
	const char	*build;		/* directory with the programs */
	int		 port;		/* lighttpd port; 0: a free one */
	bool		 dev;		/* make run: durable PostgreSQL, logs to the terminal */
	const char	*admin_user;	/* NULL: $QUIRE_ADMIN_USER or "admin" */
	const char	*admin_password;	/* NULL: $QUIRE_ADMIN_PASSWORD or generated */
	const char	*extra_conf;	/* appended to quire.conf (test settings), or NULL */
	const char	*web;		/* "lighttpd" (default) or "apache" */
	const char	*media_url;	/* [post] media_url; NULL: the stack's own base URL */
	const char	*post_conf;	/* more [post] lines ("key = value\n"), or NULL */
	int		 procs;		/* processes (workers) per program; 0: 2 */
	const char	*lighttpd_conf;	/* appended to lighttpd.conf (benchmarks), or NULL */
	/*
	 * A streaming standby of the cluster too (pg_basebackup, its own port
	 * and socket directory): every program's database lists the primary
	 * and the standby, and Post's and Media's database_read the standby
	 * first. Its log has every statement, with the session's name.
	 */
	bool		 standby;
	/*
	 * PostgreSQL JIT-compiles every statement of a session that leaves JIT
	 * on (jit_above_cost 0) and counts statements (pg_stat_statements):
	 * the tests, which prove the programs' sessions turn JIT off. Not the
	 * benchmark, whose floor program is a plain libpq client.
	 */
	bool		 jit_counted;
};

#define STACK_MAX_PROGRAMS	3

struct stack {
	char	 repo[512];	/* the checkout: sql/ and web-conf/ come from here */
	char	 build[512];
	char	 var[512];
	char	 pg_socket_dir[1024];
	char	 conf[1024];
	char	 base_url[64];	/* http://127.0.0.1:PORT */
	int	 port;
	char	 web_log[1024];	/* the web server's error log */
	char	 program_log[1024];	/* where the programs' stderr goes */
	pid_t	 pg_pid;
	pid_t	 standby_pid;	/* 0: none, or stopped */
	bool	 standby;	/* the stack has one (opts.standby) */
	char	 standby_socket_dir[1024];
	char	 standby_log[1024];
	pid_t	 web_pid;
	pid_t	 program_pids[STACK_MAX_PROGRAMS];	/* Apache: programs run by us */
	bool	 apache;
	bool	 fresh_var;	/* made in /tmp: removed by stack_stop */
	bool	 dev;
	bool	 jit_counted;	/* opts.jit_counted */
};

/* Starts everything. Returns 0, or -1 with what failed printed (and all stopped). */
int	stack_start(struct stack *, const struct stack_opts *);
/*
 * Stops everything started, in reverse order, and removes a fresh var
 * directory. Returns the number of sanitizer reports the programs left
 * (printed), so a test run can fail on them.
 */
int	stack_stop(struct stack *);

/* Stops or starts PostgreSQL alone (database outage tests). Return 0 or -1. */
int	stack_pg_stop(struct stack *);
int	stack_pg_start(struct stack *);

/* Stops the standby (a fast shutdown). Returns 0 or -1. */
int	stack_standby_stop(struct stack *);
/*
 * Promotes the standby to a primary (pg_ctl promote, waiting until it
 * accepts writes). Returns 0 or -1.
 */
int	stack_standby_promote(struct stack *);

/*
 * Fills pids[0..max) with the pids of the stack's Quire programs (the
 * processes in the process group of the web server, which spawns them
 * behind lighttpd, or of the programs' masters behind Apache, masters
 * included), sorted. Returns how many.
 */
size_t	stack_program_pids(const struct stack *, pid_t *pids, size_t max);

/* Returns a libpq connection string for role (e.g. "quire_post") on the test database. */
const char *stack_dsn(const struct stack *, const char *role);
/* The same on the standby. */
const char *stack_standby_dsn(const struct stack *, const char *role);

/*
 * Prints any AddressSanitizer or UBSan report the programs left under var/log.
 * Returns the number of reports.
 */
int	stack_sanitizer_reports(const struct stack *);

/* Starts or stops the web server (and, for Apache, the programs). In web.c. */
int	web_start(struct stack *, const struct stack_opts *);
void	web_stop(struct stack *);
/*
 * Writes to out the project's routes (web-conf/) for the stack's kind of
 * web server, to programs already listening on sockets in the directory run,
 * with Media's cache in cache and the reader site's pages in site (NULL: the
 * stack's). In web.c.
 */
void	web_routes(const struct stack *, const char *run, const char *cache, const char *site,
	    char *out, size_t len);
/*
 * Starts another web server of the stack's kind (var/<name>.conf) on port,
 * with routes (configuration text of that server) after the settings every
 * web server of the stack shares, and waits until it answers. Returns its
 * pid (stop it with stop_process(pid, SIGTERM, …, true)), or -1.
 */
pid_t	web_start_extra(struct stack *, const char *name, int port, const char *routes);

/*
 * Returns the HTTP status of GET path on 127.0.0.1:port, or -1 (no answer),
 * quietly (for waiting until a server is up). In web.c.
 */
int	http_status_on(int port, const char *path);

/* Runs argv (a NULL-terminated list) and waits. Returns its exit status, or -1. */
int	stack_run(char *const argv[]);

/* Returns a free TCP port on 127.0.0.1 (closed again: a small race we accept), or -1. */
int	stack_free_port(void);

#endif
