/*
 * web: the web server of the stack — lighttpd spawning the programs itself,
 * or Apache reaching programs that the stack starts with --listen — both
 * with the project's own configuration from web-conf/.
 */
#include "stack.h"
#include "nitems.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

#define START_TIMEOUT	30	/* seconds for the web server and programs to answer */

/* The programs, and the health check of each; keep in sync with web-conf/. */
static const struct program {
	const char	*name;
	const char	*health;
} programs[] = {
	{ "auth", "/auth/health" },
	{ "post", "/posts/health" },
	{ "media", "/media/health" },
};

#define NPROGRAMS (nitems(programs))

int
http_status_on(int port, const char *path)
{
	struct sockaddr_in	 sa;
	char			 req[512], resp[64];
	ssize_t			 n;
	int			 fd, status = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
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

/*
 * Writes var/<name>.conf for lighttpd: the settings every lighttpd of the
 * stack shares, listening on port, then tail. Returns 0 or -1.
 */
static int
write_lighttpd_conf(struct stack *s, const char *name, int port, const char *tail)
{
	char	 text[16384], path[4096], errorlog[4096];

	if (s->dev)
		errorlog[0] = '\0';	/* the terminal */
	else
		xsnprintf(errorlog, sizeof(errorlog), "server.errorlog = \"%s\"\n",
		    s->program_log);
	xsnprintf(text, sizeof(text),
	    "# Written by tests/harness/web.c for the dev stack and the tests.\n"
	    "server.document-root = \"%s/www\"\n"
	    "server.bind = \"127.0.0.1\"\n"
	    "server.port = %d\n"
	    "server.upload-dirs = ( \"%s/tmp\" )\n"
	    "%s"
	    "mimetype.assign = ( \".txt\" => \"text/plain\", \".json\" => \"application/json\" )\n"
	    "%s",
	    s->var, port, s->var, errorlog, tail);
	xsnprintf(path, sizeof(path), "%s/%s.conf", s->var, name);
	return write_file(path, text);
}

/*
 * Writes var/<name>.conf for Apache: the settings every Apache of the stack
 * shares (its runtime files in var/run/<name>), listening on port, then
 * tail. Returns 0 or -1.
 */
static int
write_apache_conf(struct stack *s, const char *name, int port, const char *tail)
{
	static const char *const modules[] = { "mpm_event", "authz_core", "mime", "alias",
	    "rewrite", "headers", "setenvif", "proxy", "proxy_fcgi", "xsendfile", "dir",
	    "proxy_balancer", "lbmethod_byrequests", "slotmem_shm" };
	char	 text[16384], path[4096], user[128], run[4096];
	char	 loads[4096] = "";
	size_t	 i, n = 0;

	for (i = 0; i < nitems(modules); i++)
		n += (size_t)snprintf(loads + n, sizeof(loads) - n,
		    "LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so\n", modules[i],
		    modules[i]);
	/* Apache will not run its workers as root. */
	if (geteuid() == 0)
		xsnprintf(user, sizeof(user), "User www-data\nGroup www-data\n");
	else
		user[0] = '\0';
	xsnprintf(run, sizeof(run), "%s/run/%s", s->var, name);
	if (make_dir(run, 0755) == -1)
		return -1;
	xsnprintf(text, sizeof(text),
	    "# Written by tests/harness/web.c for the dev stack and the tests.\n"
	    "ServerRoot /etc/apache2\n"
	    "ServerName 127.0.0.1\n"
	    "Listen 127.0.0.1:%d\n"
	    "DefaultRuntimeDir %s\n"
	    "PidFile %s/apache2.pid\n"
	    "ErrorLog %s\n"
	    "LogLevel warn\n"
	    "%s%s"
	    "TypesConfig /etc/mime.types\n"
	    "DocumentRoot %s/www\n"
	    "<Directory />\n\tRequire all denied\n</Directory>\n"
	    "<Directory %s/www>\n\tRequire all granted\n</Directory>\n"
	    "%s",
	    port, run, run, s->dev ? "/dev/stderr" : s->web_log, loads, user, s->var, s->var,
	    tail);
	xsnprintf(path, sizeof(path), "%s/%s.conf", s->var, name);
	return write_file(path, text);
}

/* Returns whether a unix socket accepts connections. */
static bool
socket_answers(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, ok;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	xsnprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return false;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

/*
 * Starts every program standalone on var/run/<name>.sock (group www-data,
 * for Apache's workers), with o->procs workers. Returns 0, or -1 with the
 * reason printed.
 */
static int
programs_start(struct stack *s, const struct stack_opts *o)
{
	char	 prog[4096], spec[4096], sock[4096], workers[16];
	char	*argv[] = { prog, "--config", s->conf, "--listen", spec, "--workers", workers,
		    "--socket-group", "www-data", NULL };
	size_t	 p;
	int	 i;

	xsnprintf(workers, sizeof(workers), "%d", o->procs > 0 ? o->procs : 2);
	if (geteuid() != 0)
		argv[7] = NULL;	/* not root: sockets keep our own group */
	for (p = 0; p < NPROGRAMS; p++) {
		xsnprintf(prog, sizeof(prog), "%s/quire-%s", s->build, programs[p].name);
		xsnprintf(sock, sizeof(sock), "%s/run/%s.sock", s->var, programs[p].name);
		xsnprintf(spec, sizeof(spec), "unix:%s", sock);
		if ((s->program_pids[p] = spawn(argv, false, SIGTERM,
		    s->dev ? NULL : s->program_log)) == -1)
			return -1;
		for (i = 0; i < START_TIMEOUT * 20 && !socket_answers(sock); i++) {
			if (waitpid(s->program_pids[p], NULL, WNOHANG) == s->program_pids[p]) {
				s->program_pids[p] = 0;
				fprintf(stderr, "stack: quire-%s exited\n", programs[p].name);
				if (!s->dev)
					print_tail(s->program_log);
				return -1;
			}
			usleep(50000);
		}
	}
	return 0;
}

/* Waits until every program answers its health check through the web server. */
static int
wait_healthy(struct stack *s)
{
	size_t	 p = 0;
	int	 i;

	for (i = 0; i < START_TIMEOUT * 10 && p < NPROGRAMS; i++) {
		if (http_status_on(s->port, programs[p].health) == 200) {
			p++;
			continue;
		}
		if (waitpid(s->web_pid, NULL, WNOHANG) == s->web_pid) {
			s->web_pid = 0;
			break;
		}
		usleep(100000);
	}
	if (p == NPROGRAMS)
		return 0;
	fprintf(stderr, "stack: %s or a program did not come up on port %d\n",
	    s->apache ? "Apache" : "lighttpd", s->port);
	if (!s->dev) {
		print_tail(s->web_log);
		if (s->apache)
			print_tail(s->program_log);
	}
	return -1;
}

/* Spawns the stack's kind of web server with var/<name>.conf. Returns its pid or -1. */
static pid_t
web_spawn(struct stack *s, const char *name)
{
	char	 conf[4096];
	char	*lighttpd[] = { "/usr/sbin/lighttpd", "-D", "-f", conf, NULL };
	char	*apache[] = { "/usr/sbin/apache2", "-DFOREGROUND", "-f", conf, NULL };

	xsnprintf(conf, sizeof(conf), "%s/%s.conf", s->var, name);
	return spawn(s->apache ? apache : lighttpd, false, SIGTERM,
	    s->dev || s->apache ? NULL : s->web_log);
}

void
web_routes(const struct stack *s, const char *run, const char *cache, const char *site_dir,
    char *out, size_t len)
{
	char	 dir[1100], site[1100];

	if (cache != NULL)
		xsnprintf(dir, sizeof(dir), "%s", cache);
	else
		xsnprintf(dir, sizeof(dir), "%s/media-cache", s->var);
	if (site_dir != NULL)
		xsnprintf(site, sizeof(site), "%s", site_dir);
	else
		xsnprintf(site, sizeof(site), "%s/site", s->var);
	if (s->apache)
		xsnprintf(out, len,
		    "Define QUIRE_RUN %s\n"
		    "Define QUIRE_CACHE %s\n"
		    "Define QUIRE_ADMIN %s/admin\n"
		    "Define QUIRE_SITE %s\n"
		    "Include %s/web-conf/apache/quire.conf\n", run, dir, s->repo, site, s->repo);
	else
		xsnprintf(out, len,
		    "var.quire_web_conf = \"%s/web-conf/lighttpd\"\n"
		    "var.quire_backends = \"sockets\"\n"
		    "var.quire_run = \"%s\"\n"
		    "var.quire_cache = \"%s\"\n"
		    "var.quire_admin = \"%s/admin\"\n"
		    "var.quire_site = \"%s\"\n"
		    "include var.quire_web_conf + \"/quire.conf\"\n", s->repo, run, dir, s->repo,
		    site);
}

int
web_start(struct stack *s, const struct stack_opts *o)
{
	char	 tail[8192], run[1100];

	if (s->apache) {
		xsnprintf(run, sizeof(run), "%s/run", s->var);
		web_routes(s, run, NULL, NULL, tail, sizeof(tail));
		if (write_apache_conf(s, "apache2", s->port, tail) == -1 ||
		    programs_start(s, o) == -1)
			return -1;
		s->web_pid = web_spawn(s, "apache2");
	} else {
		xsnprintf(tail, sizeof(tail),
		    "var.quire_web_conf = \"%s/web-conf/lighttpd\"\n"
		    "var.quire_backends = \"spawn\"\n"
		    "var.quire_bin = \"%s\"\n"
		    "var.quire_conf = \"%s\"\n"
		    "var.quire_run = \"%s/run\"\n"
		    "var.quire_procs = %d\n"
		    "var.quire_cache = \"%s/media-cache\"\n"
		    "var.quire_admin = \"%s/admin\"\n"
		    "var.quire_site = \"%s/site\"\n"
		    "include var.quire_web_conf + \"/quire.conf\"\n"
		    "%s",
		    s->repo, s->build, s->conf, s->var, o->procs > 0 ? o->procs : 2, s->var,
		    s->repo, s->var, o->lighttpd_conf != NULL ? o->lighttpd_conf : "");
		if (write_lighttpd_conf(s, "lighttpd", s->port, tail) == -1)
			return -1;
		s->web_pid = web_spawn(s, "lighttpd");
	}
	if (s->web_pid == -1)
		return -1;
	return wait_healthy(s);
}

pid_t
web_start_extra(struct stack *s, const char *name, int port, const char *routes)
{
	pid_t	 pid;
	int	 i;

	if ((s->apache ? write_apache_conf(s, name, port, routes) :
	    write_lighttpd_conf(s, name, port, routes)) == -1 ||
	    (pid = web_spawn(s, name)) == -1)
		return -1;
	for (i = 0; i < START_TIMEOUT * 20; i++) {
		if (http_status_on(port, "/") > 0)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(50000);
	}
	stop_process(pid, SIGTERM, 5000, true);
	return -1;
}

void
web_stop(struct stack *s)
{
	size_t	 p;

	/* lighttpd stops the programs it spawned; their process group goes too. */
	stop_process(s->web_pid, SIGTERM, 10000, true);
	s->web_pid = 0;
	for (p = 0; p < NPROGRAMS; p++) {
		stop_process(s->program_pids[p], SIGTERM, 10000, true);
		s->program_pids[p] = 0;
	}
}
