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

#define PG_BIN		"/usr/lib/postgresql/15/bin"
#define PG_PORT		"5432"
#define START_TIMEOUT	30	/* seconds for PostgreSQL or lighttpd to answer */

/* snprintf that refuses to truncate: a path too long for the harness ends the run. */
static void __attribute__((format(printf, 3, 4)))
xsnprintf(char *out, size_t size, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "stack: a path is too long: %s\n", out);
		exit(1);
	}
}

/* The unprivileged user PostgreSQL runs as when we are root, or NULL. */
static const struct passwd *
pg_user(void)
{
	if (geteuid() != 0)
		return NULL;
	return getpwnam("postgres");
}

/* Gives path to the PostgreSQL user when we are root. Returns 0 or -1. */
static int
give_to_pg(const char *path)
{
	const struct passwd *pw = pg_user();

	if (geteuid() == 0 && pw == NULL) {
		fprintf(stderr, "stack: running as root needs the 'postgres' user "
		    "(from the postgresql-15 package)\n");
		return -1;
	}
	if (pw != NULL && chown(path, pw->pw_uid, pw->pw_gid) == -1) {
		fprintf(stderr, "stack: chown %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Makes a directory if it is missing. Returns 0 or -1 with a message. */
static int
make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode) == -1 && errno != EEXIST) {
		fprintf(stderr, "stack: mkdir %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Forks and execs argv: in its own process group, killed with pdeathsig if
 * we die, as the PostgreSQL user when as_pg, with stdout and stderr sent to
 * log (appended) when not NULL. Returns the pid, or -1.
 */
static pid_t
spawn(char *const argv[], bool as_pg, int pdeathsig, const char *log)
{
	const struct passwd	*pw = as_pg ? pg_user() : NULL;
	pid_t			 parent = getpid(), pid;
	int			 fd;

	if ((pid = fork()) == -1) {
		perror("stack: fork");
		return -1;
	}
	if (pid > 0) {
		setpgid(pid, pid);
		return pid;
	}
	setpgid(0, 0);
	if (log != NULL && (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (pw != NULL && (setgid(pw->pw_gid) == -1 || setuid(pw->pw_uid) == -1)) {
		perror("stack: setuid postgres");
		_exit(127);
	}
	/* Set after setuid, which clears it; then make sure the parent still lives. */
	if (pdeathsig != 0) {
		prctl(PR_SET_PDEATHSIG, pdeathsig);
		if (getppid() != parent)
			_exit(1);
	}
	execv(argv[0], argv);
	fprintf(stderr, "stack: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Waits for pid. Returns its exit status, or -1 when it did not exit normally. */
static int
wait_exit(pid_t pid)
{
	int	 status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

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

/* Writes text to path (replacing it). Returns 0 or -1 with a message. */
static int
write_file(const char *path, const char *text)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "stack: write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

const char *
stack_dsn(const struct stack *s, const char *role)
{
	static char dsn[4096];

	xsnprintf(dsn, sizeof(dsn), "host=%s port=" PG_PORT " dbname=quire user=%s",
	    s->pg_socket_dir, role);
	return dsn;
}

/* Prints the last lines of a log file, to explain a failed start. */
static void
print_tail(const char *path)
{
	char	 cmd[4096];
	int	 rc;

	fprintf(stderr, "---- %s ----\n", path);
	xsnprintf(cmd, sizeof(cmd), "tail -n 30 '%s' >&2", path);
	rc = system(cmd);
	(void)rc;
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
	    "%s"
	    "\n[media]\n"
	    "database = %s\n",
	    s->var, o->extra_conf != NULL ? o->extra_conf : "",
	    dsn_auth, s->var, dsn_post, s->base_url,
	    o->media_url != NULL ? o->media_url : s->base_url,
	    o->post_conf != NULL ? o->post_conf : "", dsn_media);
	return write_file(s->conf, text);
}

/* Writes var/lighttpd.conf around the project's own snippet. Returns 0 or -1. */
static int
write_lighttpd_conf(struct stack *s, const struct stack_opts *o)
{
	char	 text[16384], path[4096], errorlog[4096];

	if (s->dev)
		errorlog[0] = '\0';	/* the terminal */
	else
		xsnprintf(errorlog, sizeof(errorlog), "server.errorlog = \"%s/log/lighttpd.log\"\n",
		    s->var);
	xsnprintf(text, sizeof(text),
	    "# Written by tests/harness/stack.c for the dev stack and the tests.\n"
	    "server.document-root = \"%s/www\"\n"
	    "server.bind = \"127.0.0.1\"\n"
	    "server.port = %d\n"
	    "server.upload-dirs = ( \"%s/tmp\" )\n"
	    "%s"
	    "mimetype.assign = ( \".txt\" => \"text/plain\", \".json\" => \"application/json\" )\n"
	    "var.quire_bin = \"%s\"\n"
	    "var.quire_conf = \"%s\"\n"
	    "var.quire_run = \"%s/run\"\n"
	    "var.quire_procs = %d\n"
	    "include \"%s/web-conf/lighttpd/quire.conf\"\n"
	    "%s",
	    s->var, s->port, s->var, errorlog, s->build, s->conf, s->var,
	    o->procs > 0 ? o->procs : 2, s->repo,
	    o->lighttpd_conf != NULL ? o->lighttpd_conf : "");
	xsnprintf(path, sizeof(path), "%s/lighttpd.conf", s->var);
	return write_file(path, text);
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

/* Returns the HTTP status of GET path on the stack, or -1 (no answer). */
static int
http_status(const struct stack *s, const char *path)
{
	struct sockaddr_in	 sa;
	char			 req[512], resp[64];
	ssize_t			 n;
	int			 fd, status = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)s->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	xsnprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    write(fd, req, strlen(req)) == (ssize_t)strlen(req) &&
	    (n = read(fd, resp, sizeof(resp) - 1)) > 12) {
		resp[n] = '\0';
		if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
			status = -1;
	}
	close(fd);
	return status;
}

/* The health check of every program lighttpd spawns; keep in sync with web-conf. */
static const char *const health[] = {
	"/auth/health",
	"/posts/health",
};

/* Starts lighttpd and waits until every program answers its health check. */
static int
web_start(struct stack *s)
{
	char	 conf[4096], log[4096];
	char	*argv[] = { "/usr/sbin/lighttpd", "-D", "-f", conf, NULL };
	size_t	 h = 0;
	int	 i;

	xsnprintf(conf, sizeof(conf), "%s/lighttpd.conf", s->var);
	xsnprintf(log, sizeof(log), "%s/log/lighttpd.log", s->var);
	if ((s->web_pid = spawn(argv, false, SIGTERM, s->dev ? NULL : log)) == -1)
		return -1;
	for (i = 0; i < START_TIMEOUT * 10 && h < sizeof(health) / sizeof(health[0]); i++) {
		if (http_status(s, health[h]) == 200) {
			h++;
			continue;
		}
		if (waitpid(s->web_pid, NULL, WNOHANG) == s->web_pid) {
			s->web_pid = 0;
			break;
		}
		usleep(100000);
	}
	if (h == sizeof(health) / sizeof(health[0]))
		return 0;
	fprintf(stderr, "stack: lighttpd or a program did not come up on port %d\n", s->port);
	if (!s->dev)
		print_tail(log);
	return -1;
}

/* Stops lighttpd and whatever it spawned (its process group). */
static void
web_stop(struct stack *s)
{
	int	 i;

	if (s->web_pid <= 0)
		return;
	kill(s->web_pid, SIGTERM);
	for (i = 0; i < 100 && waitpid(s->web_pid, NULL, WNOHANG) != s->web_pid; i++)
		usleep(100000);
	if (i == 100) {
		kill(s->web_pid, SIGKILL);
		waitpid(s->web_pid, NULL, 0);
	}
	/* The programs lighttpd spawned share its process group. */
	kill(-s->web_pid, SIGTERM);
	for (i = 0; i < 50 && kill(-s->web_pid, 0) == 0; i++)
		usleep(100000);
	kill(-s->web_pid, SIGKILL);
	s->web_pid = 0;
}

/* Sets up the directories of var. Returns 0 or -1. */
static int
make_dirs(struct stack *s)
{
	static const char *const sub[] = { "log", "run", "www", "tmp", "keys", "pg-socket" };
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
	    write_lighttpd_conf(s, o) == -1 || web_start(s) == -1) {
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
