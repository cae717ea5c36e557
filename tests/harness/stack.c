#include "stack.h"

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

#include "proc.h"

#define PG_BIN		"/usr/lib/postgresql/15/bin"
#define PG_PORT		"5432"
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

const char *
stack_dsn(const struct stack *s, const char *role)
{
	static char dsn[4096];

	xsnprintf(dsn, sizeof(dsn), "host=%s port=" PG_PORT " dbname=quire user=%s",
	    s->pg_socket_dir, role);
	return dsn;
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

int
stack_pg_start(struct stack *s)
{
	char	 data[4096], log[4096];
	char	*dev_argv[] = { PG_BIN "/postgres", "-D", data, "-k", s->pg_socket_dir,
		    "-p", PG_PORT, "-c", "listen_addresses=", "-c",
		    "unix_socket_permissions=0700", NULL };
	char	*test_argv[] = { PG_BIN "/postgres", "-D", data, "-k", s->pg_socket_dir,
		    "-p", PG_PORT, "-c", "listen_addresses=", "-c",
		    "unix_socket_permissions=0700", "-c", "fsync=off", "-c",
		    "synchronous_commit=off", "-c", "full_page_writes=off", NULL };
	char	 conninfo[4096];
	int	 i;

	xsnprintf(data, sizeof(data), "%s/pg", s->var);
	xsnprintf(log, sizeof(log), "%s/log/postgres.log", s->var);
	/* Tests throw their cluster away: durability would only slow them down. */
	s->pg_pid = spawn(s->dev ? dev_argv : test_argv, true, SIGINT, log);
	if (s->pg_pid == -1)
		return -1;
	xsnprintf(conninfo, sizeof(conninfo), "%s", stack_dsn(s, "postgres"));
	for (i = 0; i < START_TIMEOUT * 10; i++) {
		if (PQping(conninfo) == PQPING_OK)
			return 0;
		if (waitpid(s->pg_pid, NULL, WNOHANG) == s->pg_pid) {
			s->pg_pid = 0;
			break;
		}
		usleep(100000);
	}
	fprintf(stderr, "stack: PostgreSQL did not start\n");
	print_tail(log);
	stack_pg_stop(s);
	return -1;
}

int
stack_pg_stop(struct stack *s)
{
	int	 i, status;

	if (s->pg_pid <= 0)
		return 0;
	kill(s->pg_pid, SIGINT);	/* fast shutdown */
	for (i = 0; i < 300; i++) {
		if (waitpid(s->pg_pid, &status, WNOHANG) == s->pg_pid) {
			s->pg_pid = 0;
			return 0;
		}
		usleep(100000);
	}
	kill(-s->pg_pid, SIGKILL);
	waitpid(s->pg_pid, NULL, 0);
	s->pg_pid = 0;
	return -1;
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

/* Writes var/quire.conf (kept when it exists in dev mode). Returns 0 or -1. */
static int
write_quire_conf(struct stack *s, const struct stack_opts *o)
{
	char	 text[16384], dsn_auth[2048], dsn_post[2048], dsn_media[2048];

	if (s->dev && access(s->conf, F_OK) == 0)
		return 0;
	/* stack_dsn() returns one static buffer: copy each. */
	xsnprintf(dsn_auth, sizeof(dsn_auth), "%s", stack_dsn(s, "quire_auth"));
	xsnprintf(dsn_post, sizeof(dsn_post), "%s", stack_dsn(s, "quire_post"));
	xsnprintf(dsn_media, sizeof(dsn_media), "%s", stack_dsn(s, "quire_media"));
	xsnprintf(text, sizeof(text),
	    "# Written by the Quire dev stack (tests/harness/stack.c). Edit to try a\n"
	    "# setting; delete it to get the defaults back. Keys: see README.md.\n"
	    "public_keys = %s/keys/public\n"
	    "%s\n"
	    "[auth]\n"
	    "database = %s\n"
	    "private_key = %s/keys/private.pem\n"
	    "\n[post]\n"
	    "database = %s\n"
	    "public_url = %s\n"
	    "media_url = %s\n"
	    "site_dir = %s/site\n"
	    "theme_dir = %s/theme\n"
	    "theme_default_dir = %s/theme\n"
	    "%s"
	    "\n[media]\n"
	    "database = %s\n"
	    "cache_dir = %s/media-cache\n",
	    s->var, o->extra_conf != NULL ? o->extra_conf : "",
	    dsn_auth, s->var, dsn_post, s->base_url,
	    o->media_url != NULL ? o->media_url : s->base_url, s->var, s->var, s->repo,
	    o->post_conf != NULL ? o->post_conf : "", dsn_media, s->var);
	return write_file(s->conf, text);
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

	for (i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		xsnprintf(path, sizeof(path), "%s/%s", s->var, sub[i]);
		if (make_dir(path, 0755) == -1)
			return -1;
	}
	if (give_to_pg(s->pg_socket_dir) == -1)
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
	    web_start(s, o) == -1) {
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

int
stack_stop(struct stack *s)
{
	char	 cmd[4096];
	int	 reports, rc;

	web_stop(s);
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
