#include "stack.h"
#include "nitems.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "cfg.h"
#include "proc.h"

#define PG_BIN		"/usr/lib/postgresql/15/bin"
#define PG_PORT		"5432"
#define STANDBY_PORT	"5433"
#define START_TIMEOUT	30	/* seconds for PostgreSQL to answer */

int
stack_run(char *const argv[])
{
	pid_t	 pid = spawn(argv, false, SIGTERM, NULL);

	return pid == -1 ? -1 : wait_exit(pid);
}

/* Runs argv as the PostgreSQL user, output to log. Returns its exit status or -1. */
static int
run_as_pg(char *const argv[], const char *log)
{
	pid_t	 pid = spawn(argv, true, SIGTERM, log);

	return pid == -1 ? -1 : wait_exit(pid);
}

int
stack_free_port(void)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	int			 fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/* Writes to dsn[4096] the connection string of role on the server at sock, port. */
static const char *
dsn_of(char *dsn, const char *sock, const char *port, const char *role)
{
	xsnprintf(dsn, 4096, "host=%s port=%s dbname=quire user=%s", sock, port, role);
	return dsn;
}

const char *
stack_dsn(const struct stack *s, const char *role)
{
	static char dsn[4096];

	return dsn_of(dsn, s->pg_socket_dir, PG_PORT, role);
}

const char *
stack_standby_dsn(const struct stack *s, const char *role)
{
	static char dsn[4096];

	return dsn_of(dsn, s->standby_socket_dir, STANDBY_PORT, role);
}

/*
 * Writes to out the database setting of role for the programs: the primary,
 * or with a standby both hosts, the primary first (libpq finds whichever
 * is the primary now), or the standby first for database_read.
 */
static void
program_dsn(const struct stack *s, const char *role, bool read, char *out, size_t len)
{
	if (!s->standby)
		xsnprintf(out, len, "%s", stack_dsn(s, role));
	else if (read)
		xsnprintf(out, len, "host=%s,%s port=" STANDBY_PORT "," PG_PORT " dbname=quire "
		    "user=%s", s->standby_socket_dir, s->pg_socket_dir, role);
	else
		xsnprintf(out, len, "host=%s,%s port=" PG_PORT "," STANDBY_PORT " dbname=quire "
		    "user=%s", s->pg_socket_dir, s->standby_socket_dir, role);
}

/* Creates the cluster in var/pg if there is none. Returns 0 or -1. */
static int
pg_init(struct stack *s)
{
	char	 data[4096], version[4096], log[4096];
	char	*argv[] = { PG_BIN "/initdb", "-D", data, "-U", "postgres", "-A", "trust",
		    "-E", "UTF8", "--no-locale", "--no-instructions", NULL };

	xsnprintf(data, sizeof(data), "%s/pg", s->var);
	xsnprintf(version, sizeof(version), "%s/PG_VERSION", data);
	xsnprintf(log, sizeof(log), "%s/log/initdb.log", s->var);
	if (access(version, F_OK) == 0)
		return 0;
	if (make_dir(data, 0700) == -1 || give_to_pg(data) == -1)
		return -1;
	if (run_as_pg(argv, log) != 0) {
		fprintf(stderr, "stack: initdb failed (as root, the 'postgres' user must be "
		    "able to reach %s)\n", data);
		print_tail(log);
		return -1;
	}
	return 0;
}

/*
 * Starts postgres on the cluster in data, its socket in sock on port, its
 * output to log, and waits until it answers conninfo. The standby's log
 * has every statement, with the session's application_name. Returns the
 * pid, or -1 (stopped again, the log's end printed).
 */
static pid_t
pg_run(const struct stack *s, const char *data, const char *sock, const char *port,
    const char *log, const char *conninfo, bool standby)
{
	char	*argv[32] = { PG_BIN "/postgres", "-D", (char *)data, "-k", (char *)sock,
		    "-p", (char *)port, "-c", "listen_addresses=", "-c",
		    "unix_socket_permissions=0700" };
	size_t	 n = 11;
	pid_t	 pid;
	int	 i;

	/* Tests throw their cluster away: durability would only slow them down. */
	if (!s->dev) {
		argv[n++] = "-c";
		argv[n++] = "fsync=off";
		argv[n++] = "-c";
		argv[n++] = "synchronous_commit=off";
		argv[n++] = "-c";
		argv[n++] = "full_page_writes=off";
	}
	if (s->jit_counted) {
		argv[n++] = "-c";
		argv[n++] = "jit_above_cost=0";
		argv[n++] = "-c";
		argv[n++] = "shared_preload_libraries=pg_stat_statements";
	}
	if (standby) {
		argv[n++] = "-c";
		argv[n++] = "log_min_duration_statement=0";
		argv[n++] = "-c";
		argv[n++] = "log_line_prefix=%m [%p] %a: ";
		/*
		 * The primary gone, the startup process waits this long between
		 * tries to stream again, and a promotion could wait it out too
		 * (5 s by default, seen under load): the failover test times the
		 * programs, not this.
		 */
		argv[n++] = "-c";
		argv[n++] = "wal_retrieve_retry_interval=100ms";
	}
	argv[n] = NULL;
	if ((pid = spawn(argv, true, SIGINT, log)) == -1)
		return -1;
	for (i = 0; i < START_TIMEOUT * 10; i++) {
		if (PQping(conninfo) == PQPING_OK)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	fprintf(stderr, "stack: PostgreSQL (%s) did not start\n", data);
	print_tail(log);
	stop_process(pid, SIGINT, 30000, true);
	return -1;
}

int
stack_pg_start(struct stack *s)
{
	char	 data[4096], log[4096], conninfo[4096];

	xsnprintf(data, sizeof(data), "%s/pg", s->var);
	xsnprintf(log, sizeof(log), "%s/log/postgres.log", s->var);
	xsnprintf(conninfo, sizeof(conninfo), "%s", stack_dsn(s, "postgres"));
	s->pg_pid = pg_run(s, data, s->pg_socket_dir, PG_PORT, log, conninfo, false);
	if (s->pg_pid == -1) {
		s->pg_pid = 0;
		return -1;
	}
	return 0;
}

/* Stops the postgres of *pid (a fast shutdown, then SIGKILL). Returns 0 or -1. */
static int
pg_halt(pid_t *pid)
{
	int	 rc;

	if (*pid <= 0)
		return 0;
	rc = stop_process(*pid, SIGINT, 30000, true);
	*pid = 0;
	return rc;
}

int
stack_pg_stop(struct stack *s)
{
	return pg_halt(&s->pg_pid);
}

int
stack_standby_stop(struct stack *s)
{
	return pg_halt(&s->standby_pid);
}

/*
 * Makes var/pg-standby a copy of the cluster that streams from it
 * (pg_basebackup -R), when there is none, and starts it on its own port
 * and socket directory; waits until it streams. Returns 0 or -1.
 */
static int
standby_start(struct stack *s)
{
	char		 data[4096], version[4096], conninfo[4096];
	char		*argv[] = { PG_BIN "/pg_basebackup", "-D", data, "-h", s->pg_socket_dir,
			    "-p", PG_PORT, "-U", "postgres", "-R", "-X", "stream", "-c", "fast",
			    NULL };
	PGconn		*conn;
	PGresult	*res;
	bool		 streaming = false;
	int		 i;

	xsnprintf(data, sizeof(data), "%s/pg-standby", s->var);
	xsnprintf(version, sizeof(version), "%s/PG_VERSION", data);
	if (access(version, F_OK) != 0 && (make_dir(data, 0700) == -1 || give_to_pg(data) == -1 ||
	    run_as_pg(argv, s->standby_log) != 0)) {
		fprintf(stderr, "stack: pg_basebackup failed\n");
		print_tail(s->standby_log);
		return -1;
	}
	xsnprintf(conninfo, sizeof(conninfo), "%s", stack_standby_dsn(s, "postgres"));
	if ((s->standby_pid = pg_run(s, data, s->standby_socket_dir, STANDBY_PORT,
	    s->standby_log, conninfo, true)) == -1) {
		s->standby_pid = 0;
		return -1;
	}
	for (i = 0; i < START_TIMEOUT * 10 && !streaming; i++) {
		conn = PQconnectdb(conninfo);
		res = PQexec(conn, "SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming'");
		streaming = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
		PQclear(res);
		PQfinish(conn);
		if (!streaming)
			usleep(100000);
	}
	if (!streaming) {
		fprintf(stderr, "stack: the standby does not stream from the primary\n");
		print_tail(s->standby_log);
		return -1;
	}
	return 0;
}

int
stack_standby_promote(struct stack *s)
{
	char	 data[4096];
	char	*argv[] = { PG_BIN "/pg_ctl", "promote", "-D", data, "-w", "-t", "60", NULL };

	xsnprintf(data, sizeof(data), "%s/pg-standby", s->var);
	return run_as_pg(argv, s->standby_log) == 0 ? 0 : -1;
}

/* Creates the database "quire" when missing. Returns 0 or -1. */
static int
create_database(struct stack *s)
{
	char		 dsn[4096];
	PGconn		*conn;
	PGresult	*res;
	int		 rc = -1;

	xsnprintf(dsn, sizeof(dsn), "host=%s port=" PG_PORT " dbname=postgres user=postgres",
	    s->pg_socket_dir);
	conn = PQconnectdb(dsn);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "stack: %s", PQerrorMessage(conn));
		goto out;
	}
	res = PQexec(conn, "SELECT 1 FROM pg_database WHERE datname = 'quire'");
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		rc = 0;
	PQclear(res);
	if (rc == 0)
		goto out;
	res = PQexec(conn, "CREATE DATABASE quire");
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		rc = 0;
	else
		fprintf(stderr, "stack: %s", PQresultErrorMessage(res));
	PQclear(res);
out:
	PQfinish(conn);
	return rc;
}

/*
 * The configuration is two files in var/. local.conf holds the user's own
 * settings: made once with a comment, never written again. quire.conf is
 * what the programs read: written on every start from what follows from the
 * command line (the port, the var directory; the derived keys below) and
 * local.conf, so that nothing derived outlives the run that chose it. A key
 * set in local.conf (in its section, or shared) wins over the derived one.
 */
#define CONF_GENERATED	"# Written by the Quire dev stack (tests/harness/stack.c) on every start.\n"
/* The first lines of the quire.conf the stack wrote before local.conf existed. */
#define CONF_OLD_HEADER	"# Written by the Quire dev stack (tests/harness/stack.c). Edit to try a\n" \
	"# setting; delete it to get the defaults back. Keys: see README.md.\n"
#define LOCAL_TEMPLATE	"# Your settings for the Quire dev stack (make run), in quire.conf's syntax\n" \
	"# (man -l packaging/man/quire.conf.5). The stack never writes this file; it\n" \
	"# makes var/quire.conf from it on every start, and a key set here wins\n" \
	"# over the one the stack derives from the command line.\n"

struct conf_key {
	const char	*section;	/* "" for a shared key */
	const char	*key;
	char		 value[2048];
};

enum { CONF_PUBLIC_KEYS, CONF_AUTH_URL, CONF_AUTH_DB, CONF_PRIVATE_KEY, CONF_POST_DB, CONF_PUBLIC_URL,
	CONF_MEDIA_URL, CONF_SITE_DIR, CONF_THEME_DIR, CONF_THEME_DEFAULT_DIR, CONF_MEDIA_DB,
	CONF_CACHE_DIR, CONF_POST_DB_READ, CONF_MEDIA_DB_READ, CONF_NKEYS };

/* Fills keys with the settings that follow from the command line ("": none). */
static void
derived_keys(const struct stack *s, const struct stack_opts *o, struct conf_key keys[CONF_NKEYS])
{
	static const char *const names[CONF_NKEYS][2] = {
		[CONF_PUBLIC_KEYS] = { "", "public_keys" },
		[CONF_AUTH_URL] = { "", "auth_url" },
		[CONF_AUTH_DB] = { "auth", "database" },
		[CONF_PRIVATE_KEY] = { "auth", "private_key" },
		[CONF_POST_DB] = { "post", "database" },
		[CONF_PUBLIC_URL] = { "post", "public_url" },
		[CONF_MEDIA_URL] = { "post", "media_url" },
		[CONF_SITE_DIR] = { "post", "site_dir" },
		[CONF_THEME_DIR] = { "post", "theme_dir" },
		[CONF_THEME_DEFAULT_DIR] = { "post", "theme_default_dir" },
		[CONF_MEDIA_DB] = { "media", "database" },
		[CONF_CACHE_DIR] = { "media", "cache_dir" },
		[CONF_POST_DB_READ] = { "post", "database_read" },
		[CONF_MEDIA_DB_READ] = { "media", "database_read" },
	};
	int	 i;

	for (i = 0; i < CONF_NKEYS; i++) {
		keys[i].section = names[i][0];
		keys[i].key = names[i][1];
		keys[i].value[0] = '\0';
	}
	xsnprintf(keys[CONF_PUBLIC_KEYS].value, sizeof(keys[0].value), "%s/keys/public", s->var);
	xsnprintf(keys[CONF_AUTH_URL].value, sizeof(keys[0].value), "%s", s->base_url);
	program_dsn(s, "quire_auth", false, keys[CONF_AUTH_DB].value, sizeof(keys[0].value));
	xsnprintf(keys[CONF_PRIVATE_KEY].value, sizeof(keys[0].value), "%s/keys/private.pem",
	    s->var);
	program_dsn(s, "quire_post", false, keys[CONF_POST_DB].value, sizeof(keys[0].value));
	xsnprintf(keys[CONF_PUBLIC_URL].value, sizeof(keys[0].value), "%s", s->base_url);
	xsnprintf(keys[CONF_MEDIA_URL].value, sizeof(keys[0].value), "%s",
	    o->media_url != NULL ? o->media_url : s->base_url);
	/* The reader site: pages in var/site, the owner's theme files in var/theme. */
	xsnprintf(keys[CONF_SITE_DIR].value, sizeof(keys[0].value), "%s/site", s->var);
	xsnprintf(keys[CONF_THEME_DIR].value, sizeof(keys[0].value), "%s/theme", s->var);
	xsnprintf(keys[CONF_THEME_DEFAULT_DIR].value, sizeof(keys[0].value), "%s/theme", s->repo);
	program_dsn(s, "quire_media", false, keys[CONF_MEDIA_DB].value, sizeof(keys[0].value));
	xsnprintf(keys[CONF_CACHE_DIR].value, sizeof(keys[0].value), "%s/media-cache", s->var);
	if (s->standby) {
		program_dsn(s, "quire_post", true, keys[CONF_POST_DB_READ].value,
		    sizeof(keys[0].value));
		program_dsn(s, "quire_media", true, keys[CONF_MEDIA_DB_READ].value,
		    sizeof(keys[0].value));
	}
}

/* Returns whether key of section is one of keys. */
static bool
is_derived(const struct conf_key keys[CONF_NKEYS], const char *section, const char *key)
{
	int	 i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].key, key) == 0)
			return true;
	return false;
}

/*
 * Copies the lines of text to out, but those setting a key of skip (when not
 * NULL). With split, copies only the shared part (no comments), stops at the
 * first section header and returns where it is (NULL when there is none);
 * else returns NULL. Returns memory errors as (char *)-1.
 */
static const char *
copy_lines(struct buf *out, const char *text, const struct conf_key *skip, bool split)
{
	char		 section[64] = "", key[64];
	const char	*line, *next, *p;
	size_t		 n;

	for (line = text; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		next += *next == '\n';
		p = line + strspn(line, " \t");
		if (split && strchr("#;\r\n", *p) != NULL)
			continue;
		if (*p == '[') {
			if (split)
				return line;
			if (sscanf(p, "[ %63[a-z0-9_]", section) != 1)
				section[0] = '\0';
		} else if (skip != NULL && (n = strcspn(p, " \t=\n")) > 0 && n < sizeof(key) &&
		    p[n + strspn(p + n, " \t")] == '=') {
			snprintf(key, sizeof(key), "%.*s", (int)n, p);
			if (is_derived(skip, section, key))
				continue;
		}
		if (buf_append(out, line, (size_t)(next - line)) == -1 ||
		    (next[-1] != '\n' && buf_puts(out, "\n") == -1))
			return (const char *)-1;
	}
	return NULL;
}

/*
 * A quire.conf written before local.conf existed holds the user's edits
 * among derived keys that may be stale: moves all but the derived keys and
 * the old header to local.conf. Returns 0 (also when there is nothing to
 * move), or -1 with a message.
 */
static int
move_old_conf(const struct stack *s, const struct conf_key keys[CONF_NKEYS], const char *local)
{
	struct buf	 old = BUF_INIT, out = BUF_INIT;
	char		 err[256];
	const char	*text;
	int		 rc = -1;

	if (access(s->conf, F_OK) != 0 || access(local, F_OK) == 0)
		return 0;
	if (buf_read_file(&old, s->conf, 1 << 20, err, sizeof(err)) == -1) {
		fprintf(stderr, "stack: %s\n", err);
		return -1;
	}
	text = buf_str(&old);
	if (strncmp(text, CONF_GENERATED, strlen(CONF_GENERATED)) == 0) {
		rc = 0;
		goto out;
	}
	if (strncmp(text, CONF_OLD_HEADER, strlen(CONF_OLD_HEADER)) == 0)
		text += strlen(CONF_OLD_HEADER);
	if (buf_puts(&out, LOCAL_TEMPLATE "# Moved here from quire.conf, without what the "
	    "stack derives:\n") == -1 || copy_lines(&out, text, keys, false) != NULL) {
		fprintf(stderr, "stack: out of memory\n");
		goto out;
	}
	if ((rc = write_file(local, buf_str(&out))) == 0)
		fprintf(stderr, "stack: your settings from %s are in %s now; quire.conf is "
		    "written again on every start\n", s->conf, local);
out:
	buf_free(&old);
	buf_free(&out);
	return rc;
}

/* Appends the keys of section that user does not set. Returns 0 or -1. */
static int
put_derived(struct buf *out, const struct conf_key keys[CONF_NKEYS], struct cfg *user,
    const char *section)
{
	int	 i;

	for (i = 0; i < CONF_NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && keys[i].value[0] != '\0' &&
		    cfg_get(user, section, keys[i].key) == NULL &&
		    buf_printf(out, "%s = %s\n", keys[i].key, keys[i].value) == -1)
			return -1;
	return 0;
}

/*
 * Writes var/quire.conf: the derived keys that local.conf does not set and
 * the test settings of o, then local.conf (its shared keys before the first
 * section). Returns 0, or -1 with a message (local.conf that does not parse
 * is named with its line).
 */
static int
write_quire_conf(struct stack *s, const struct stack_opts *o)
{
	static const char *const sections[] = { "auth", "post", "media" };
	struct conf_key	 keys[CONF_NKEYS];
	struct buf	 local = BUF_INIT, out = BUF_INIT;
	struct cfg	*user = NULL;
	char		 path[4096], err[256];
	const char	*rest;
	size_t		 i;
	int		 rc = -1;

	derived_keys(s, o, keys);
	xsnprintf(path, sizeof(path), "%s/local.conf", s->var);
	if (move_old_conf(s, keys, path) == -1 ||
	    (access(path, F_OK) != 0 && write_file(path, LOCAL_TEMPLATE) == -1))
		return -1;
	if (buf_read_file(&local, path, 1 << 20, err, sizeof(err)) == -1) {
		fprintf(stderr, "stack: %s\n", err);
		goto out;
	}
	if ((user = cfg_parse(buf_str(&local), local.len, err, sizeof(err))) == NULL) {
		fprintf(stderr, "stack: %s: %s\n", path, err);
		goto out;
	}
	if (buf_printf(&out, CONF_GENERATED "# Put your own settings in %s.\n", path) == -1 ||
	    put_derived(&out, keys, user, "") == -1 ||
	    (rest = copy_lines(&out, buf_str(&local), NULL, true)) == (const char *)-1 ||
	    buf_puts(&out, o->extra_conf != NULL ? o->extra_conf : "") == -1)
		goto oom;
	for (i = 0; i < nitems(sections); i++)
		if (buf_printf(&out, "\n[%s]\n", sections[i]) == -1 ||
		    put_derived(&out, keys, user, sections[i]) == -1 ||
		    (strcmp(sections[i], "post") == 0 &&
		    buf_puts(&out, o->post_conf != NULL ? o->post_conf : "") == -1))
			goto oom;
	if (rest != NULL && buf_printf(&out, "\n# From %s:\n%s", path, rest) == -1)
		goto oom;
	rc = write_file(s->conf, buf_str(&out));
	goto out;
oom:
	fprintf(stderr, "stack: out of memory\n");
out:
	cfg_free(user);
	buf_free(&local);
	buf_free(&out);
	return rc;
}

/* Makes the development key pair when there is none. Returns 0 or -1. */
static int
make_keys(struct stack *s)
{
	char	 prog[4096], priv[4096], pub[4096];
	char	*argv[] = { prog, "keygen", priv, pub, NULL };

	xsnprintf(prog, sizeof(prog), "%s/quire-auth", s->build);
	xsnprintf(priv, sizeof(priv), "%s/keys/private.pem", s->var);
	xsnprintf(pub, sizeof(pub), "%s/keys/public", s->var);
	if (access(priv, F_OK) == 0)
		return 0;
	if (stack_run(argv) != 0) {
		fprintf(stderr, "stack: quire-auth keygen failed\n");
		return -1;
	}
	return 0;
}

/* Creates roles and schemas, and applies every migration. Returns 0 or -1. */
static int
migrate(struct stack *s)
{
	char	 prog[4096], sql[4096], admin[4096];
	char	*argv[] = { prog, "--config", s->conf, "--sql-dir", sql, "--create-roles",
		    "--admin-dsn", admin, NULL };

	xsnprintf(prog, sizeof(prog), "%s/quire-migrate", s->build);
	xsnprintf(sql, sizeof(sql), "%s/sql", s->repo);
	xsnprintf(admin, sizeof(admin), "%s", stack_dsn(s, "postgres"));
	if (stack_run(argv) != 0) {
		fprintf(stderr, "stack: quire-migrate failed\n");
		return -1;
	}
	return 0;
}

/* Creates the first admin when there is none. Returns 0 or -1. */
static int
create_admin(struct stack *s, const struct stack_opts *o)
{
	char	 prog[4096];
	char	*argv[] = { prog, "create-admin", "--config", s->conf, NULL };

	xsnprintf(prog, sizeof(prog), "%s/quire-auth", s->build);
	if (o->admin_user != NULL)
		setenv("QUIRE_ADMIN_USER", o->admin_user, 1);
	if (o->admin_password != NULL)
		setenv("QUIRE_ADMIN_PASSWORD", o->admin_password, 1);
	if (stack_run(argv) != 0) {
		fprintf(stderr, "stack: quire-auth create-admin failed\n");
		return -1;
	}
	return 0;
}

/* Sets up the directories of var. Returns 0 or -1. */
static int
make_dirs(struct stack *s)
{
	static const char *const sub[] = { "log", "run", "www", "tmp", "keys", "pg-socket",
	    "media-cache", "site", "theme" };
	char	 path[4096];
	size_t	 i;

	for (i = 0; i < nitems(sub); i++) {
		xsnprintf(path, sizeof(path), "%s/%s", s->var, sub[i]);
		if (make_dir(path, 0755) == -1)
			return -1;
	}
	if (give_to_pg(s->pg_socket_dir) == -1)
		return -1;
	if (s->standby && (make_dir(s->standby_socket_dir, 0755) == -1 ||
	    give_to_pg(s->standby_socket_dir) == -1 ||
	    (access(s->standby_log, F_OK) != 0 && write_file(s->standby_log, "") == -1) ||
	    give_to_pg(s->standby_log) == -1))
		return -1;
	xsnprintf(path, sizeof(path), "%s/log/postgres.log", s->var);
	if (access(path, F_OK) != 0 && write_file(path, "") == -1)
		return -1;
	return give_to_pg(path);
}

int
stack_start(struct stack *s, const struct stack_opts *o)
{
	char	 tmpl[] = "/tmp/quire-test-XXXXXX";
	char	 san[4096];

	memset(s, 0, sizeof(*s));
	s->dev = o->dev;
	s->standby = o->standby;
	s->jit_counted = o->jit_counted;
	if (o->web != NULL && strcmp(o->web, "apache") != 0 && strcmp(o->web, "lighttpd") != 0) {
		fprintf(stderr, "stack: the web server is lighttpd or apache, not %s\n", o->web);
		return -1;
	}
	s->apache = o->web != NULL && strcmp(o->web, "apache") == 0;
	if (getcwd(s->repo, sizeof(s->repo)) == NULL ||
	    realpath(o->build, s->build) == NULL) {
		fprintf(stderr, "stack: %s: %s\n", o->build, strerror(errno));
		return -1;
	}
	if (o->var == NULL) {
		if (mkdtemp(tmpl) == NULL) {
			perror("stack: mkdtemp");
			return -1;
		}
		chmod(tmpl, 0755);	/* the postgres user must reach var/pg */
		xsnprintf(s->var, sizeof(s->var), "%s", tmpl);
		s->fresh_var = true;
	} else if (make_dir(o->var, 0755) == -1 || realpath(o->var, s->var) == NULL) {
		fprintf(stderr, "stack: %s: %s\n", o->var, strerror(errno));
		return -1;
	}
	xsnprintf(s->pg_socket_dir, sizeof(s->pg_socket_dir), "%s/pg-socket", s->var);
	xsnprintf(s->standby_socket_dir, sizeof(s->standby_socket_dir), "%s/pg-standby-socket",
	    s->var);
	xsnprintf(s->standby_log, sizeof(s->standby_log), "%s/log/postgres-standby.log", s->var);
	xsnprintf(s->conf, sizeof(s->conf), "%s/quire.conf", s->var);
	xsnprintf(s->web_log, sizeof(s->web_log), "%s/log/%s.log", s->var,
	    s->apache ? "apache" : "lighttpd");
	/* lighttpd gives its children its error log; programs Apache talks to have their own. */
	xsnprintf(s->program_log, sizeof(s->program_log), "%s/log/%s.log", s->var,
	    s->apache ? "programs" : "lighttpd");
	s->port = o->port > 0 ? o->port : stack_free_port();
	xsnprintf(s->base_url, sizeof(s->base_url), "http://127.0.0.1:%d", s->port);
	/* Sanitizer reports of the programs land in var/log, where tests look. */
	xsnprintf(san, sizeof(san), "log_path=%s/log/sanitizer:detect_leaks=1", s->var);
	setenv("ASAN_OPTIONS", san, 0);
	setenv("UBSAN_OPTIONS", san, 0);
	setenv("QUIRE_CONFIG", s->conf, 1);

	if (make_dirs(s) == -1 || pg_init(s) == -1 || stack_pg_start(s) == -1 ||
	    create_database(s) == -1 || make_keys(s) == -1 ||
	    write_quire_conf(s, o) == -1 || migrate(s) == -1 || create_admin(s, o) == -1 ||
	    (s->standby && standby_start(s) == -1) || web_start(s, o) == -1) {
		stack_stop(s);
		return -1;
	}
	return 0;
}

int
stack_sanitizer_reports(const struct stack *s)
{
	char		 dir[4096], path[4096];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	xsnprintf(dir, sizeof(dir), "%s/log", s->var);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "sanitizer", 9) != 0)
			continue;
		xsnprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		print_tail(path);
		n++;
	}
	closedir(d);
	return n;
}

size_t
stack_program_pids(const struct stack *s, pid_t *pids, size_t max)
{
	char		 path[300], stat[512], *p;
	DIR		*d = opendir("/proc");
	struct dirent	*de;
	FILE		*f;
	pid_t		 pid, pgrp, tmp;
	size_t		 n = 0, i, j, k;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if ((pid = (pid_t)atoi(de->d_name)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		p = fgets(stat, sizeof(stat), f);
		fclose(f);
		/* pid (comm) state ppid pgrp …; comm may hold spaces, so from its ')'. */
		if (p == NULL || strncmp(stat + strcspn(stat, "("), "(quire-", 7) != 0 ||
		    (p = strrchr(stat, ')')) == NULL || sscanf(p + 2, "%*c %*d %d", &pgrp) != 1)
			continue;
		for (k = 0; k < STACK_MAX_PROGRAMS + 1; k++) {
			tmp = k == 0 ? s->web_pid : s->program_pids[k - 1];
			if (tmp > 0 && pgrp == tmp && n < max) {
				pids[n++] = pid;
				break;
			}
		}
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && pids[j - 1] > pids[j]; j--) {
			tmp = pids[j];
			pids[j] = pids[j - 1];
			pids[j - 1] = tmp;
		}
	return n;
}

int
stack_stop(struct stack *s)
{
	char	 cmd[4096];
	int	 reports, rc;

	web_stop(s);
	stack_standby_stop(s);
	stack_pg_stop(s);
	reports = stack_sanitizer_reports(s);
	if (s->fresh_var && strncmp(s->var, "/tmp/quire-test-", 16) == 0) {
		xsnprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->var);
		rc = system(cmd);
		(void)rc;
		s->fresh_var = false;
	}
	return reports;
}
