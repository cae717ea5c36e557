/*
 * quire-bench: `make bench`. Starts a private stack (PostgreSQL, lighttpd,
 * the programs, and the floor program of floor.c), fills it with posts, then
 * measures requests per second with wrk for every row of rows[] below, in
 * one run on this machine: lighttpd serving a static file of the same bytes
 * as a post (the ceiling), the floor (one prepared primary-key query through
 * FastCGI, the same bytes), and Quire's hot paths. Each figure is printed as
 * a ratio to the static file and to the floor, because on a shared machine
 * an absolute number means little but a ratio holds.
 *
 * Adding a measurement is one line in rows[]. Paths may name values the
 * setup made: {slug} and {id} of the post that every single-post row reads,
 * {media} of an uploaded photo whose 640-pixel variant is in the cache. After
 * the table, Media's variant making is timed against vipsthumbnail
 * (media/variant.c).
 *
 * The rows are measured in turn, BENCH_ROUNDS times over, and the best
 * round of each row counts: on a machine shared with other work, the best
 * of several interleaved runs is the figure least disturbed by it.
 *
 * Settings (environment): BENCH_SECONDS (5), BENCH_ROUNDS (3), BENCH_THREADS
 * (2), BENCH_CONNECTIONS (16), BENCH_PROCS (processes per program, 4),
 * QUIRE_BUILD (build); BENCH_COLD_ONLY (set: only the cold pages' figure,
 * a minute rather than several). Timing never fails anything: this prints,
 * it does not judge.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>

#include "client.h"
#include "nitems.h"
#include "proc.h"
#include "text.h"
#include "times.h"

#define ADMIN_PW	"bench-admin-password"
#define POSTS		30	/* enough for a full list page and a full feed */

/* One measurement: what to GET, with the author's token or without. */
struct row {
	const char	*label;
	const char	*path;		/* {name} is replaced by the value setup made */
	bool		 token;
	double		 floor_target;	/* the target as a share of the floor, or 0 */
	int		 vs;		/* another row to compare with, or -1 */
	double		 vs_target;	/* target as a share of that row; 0: print the cost; -1: the share */
	const char	*header;	/* one more request header ({name}s replaced), or NULL */
	bool		 simple;	/* on the second lighttpd (stat cache "simple") */
};

/* The baselines: every figure is divided by the first two. */
enum {
	ROW_STATIC, ROW_FLOOR, ROW_STATIC_VARIANT, ROW_ANONYMOUS_READ, ROW_STATIC_PAGE,
	ROW_STATIC_PAGE_GZ, ROW_STATIC_HOME_GZ, ROW_STATIC_304, ROW_JSON_SEARCH
};

#define GZIP	"Accept-Encoding: gzip"

static const struct row rows[] = {
	{ "static file, same bytes",		"/static/static.json",		false, 0,    -1, 0, NULL, false },
	{ "floor: 1 prepared query",		"/floor?id=1",		false, 0,    -1, 0, NULL, false },
	{ "static file, a variant's bytes",	"/static/variant.webp",	false, 0,    -1, 0, NULL, false },
	{ "GET /posts/{slug}",			"/posts/{slug}",	false, 0.95, -1, 0, NULL, false },
	{ "static file, a post page's bytes",	"/static/page.html",		false, 0,    -1, 0, NULL, false },
	/* Asked as the stored pages are (the same request, the same conditions met). */
	{ "static file, its .gz bytes",		"/static/page.html.gz",	false, 0,    -1, 0, GZIP, false },
	{ "static file, the home page's .gz",	"/static/home.html.gz",	false, 0,    -1, 0, GZIP, false },
	{ "static file, 304",			"/static/page.html",		false, 0,    -1, 0,
	    "If-None-Match: {static_etag}", false },
	{ "GET /posts?q=notes",			"/posts?q=notes",	false, 0,    -1, 0, NULL, false },
	{ "GET /posts?page=1",			"/posts?page=1",	false, 0.70, -1, 0, NULL, false },
	{ "GET /posts/{slug} with a token",	"/posts/{slug}",	true,  0, ROW_ANONYMOUS_READ, 0,
	    NULL, false },
	{ "GET /posts/feed.atom",		"/posts/feed.atom",	false, 0,    -1, 0, NULL, false },
	{ "GET /media/{id}/w/640.webp, cached",	"/media/{media}/w/640.webp", false, 0,
	    ROW_STATIC_VARIANT, 0.90, NULL, false },
	{ "GET /media/{id}",			"/media/{media}",	false, 0.90, -1, 0, NULL, false },
	/* The reader site: stored pages against the same bytes as static files. */
	{ "GET /{slug}/ stored, gzip",		"/{slug}/",		false, 0, ROW_STATIC_PAGE_GZ, 0.95,
	    GZIP, false },
	{ "GET /{slug}/ stored",		"/{slug}/",		false, 0, ROW_STATIC_PAGE, 0.95,
	    NULL, false },
	{ "GET / stored, gzip",			"/",			false, 0, ROW_STATIC_HOME_GZ, 0.95,
	    GZIP, false },
	{ "GET /{slug}/ stored, 304",		"/{slug}/",		false, 0, ROW_STATIC_304, 0.95,
	    "If-None-Match: {page_etag}", false },
	{ "GET /search/?q=notes",		"/search/?q=notes",	false, 0, ROW_JSON_SEARCH, -1,
	    NULL, false },
	/* What stat-cache-engine "disable" (quire.conf) costs a static file. */
	{ "static file, stat cache \"simple\"",	"/static/page.html",		false, 0, ROW_STATIC_PAGE, -1,
	    NULL, true },
};

#define NROWS	(nitems(rows))

/* Values the setup made, for the {name}s of rows[].path. */
static struct {
	const char	*name;
	char		 value[128];
} vars[] = {
	{ "slug", "" },
	{ "id", "" },
	{ "media", "" },
	{ "page_etag", "" },
	{ "static_etag", "" },
};

static char	 slugs[POSTS][128];	/* of every post setup made */
static int	 simple_port;		/* the second lighttpd */
static pid_t	 simple_pid;

static char	 token[TOK_MAX_LEN + 1];

/* Reads a positive integer from the environment, or def. */
static long long
env_int(const char *name, long long def)
{
	long long	 v;

	return text_parse_int(getenv(name), 1, 100000, &v) == 0 ? v : def;
}

/* Prints a message and exits; the stack's children die with us. */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fputs("bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	stack_stop(&test_stack);
	exit(1);
}

/* Sets a value for {name}. */
static void
var_set(const char *name, const char *value)
{
	size_t	 i;

	for (i = 0; i < nitems(vars); i++)
		if (strcmp(vars[i].name, name) == 0)
			snprintf(vars[i].value, sizeof(vars[i].value), "%s", value);
}

/* Writes path with every {name} replaced into out. */
static void
expand(const char *path, char *out, size_t len)
{
	struct buf	 b = BUF_INIT;
	const char	*p, *end;
	size_t		 i;

	for (p = path; *p != '\0'; p++) {
		if (*p == '{' && (end = strchr(p, '}')) != NULL) {
			for (i = 0; i < nitems(vars); i++)
				if (strncmp(p + 1, vars[i].name, (size_t)(end - p - 1)) == 0 &&
				    vars[i].name[end - p - 1] == '\0')
					break;
			if (i < nitems(vars)) {
				buf_puts(&b, vars[i].value);
				p = end;
				continue;
			}
		}
		buf_append(&b, p, 1);
	}
	snprintf(out, len, "%s", buf_str(&b));
	buf_free(&b);
}

/* Logs in and copies the access token to out. */
static void
bench_login(const char *user, const char *password, char *out, size_t len)
{
	struct http_resp r;
	char		 body[256];

	snprintf(body, sizeof(body), "{\"username\":\"%s\",\"password\":\"%s\"}", user, password);
	if (api("POST", "/auth/login", NULL, body, &r) != 200)
		die("login %s: %ld %s", user, r.status, buf_str(&r.body));
	snprintf(out, len, "%s", http_resp_str(&r, "access_token"));
	http_resp_free(&r);
}

/* Returns a Markdown body of a few KiB, like a blog post's. */
static char *
post_markdown(int n)
{
	struct buf	 b = BUF_INIT;
	int		 i;

	buf_printf(&b, "# Notes, part %d\n\n", n);
	for (i = 0; i < 12; i++)
		buf_printf(&b, "Paragraph %d of a post that says *something* about `code`, "
		    "[links](https://example.org/%d) and more, long enough to look like "
		    "writing rather than a test; it goes on for a while.\n\n", i, i);
	buf_puts(&b, "```c\nint main(void) { return 0; }\n```\n");
	return b.data;
}

/*
 * Creates and disables a bystander, so that every process holds a revocation
 * and a token's check pays a real lookup in the deny list, not the empty
 * list's shortcut.
 */
static void
setup_revocation(const char *admin)
{
	struct http_resp r;
	char		 body[512], path[128];

	snprintf(body, sizeof(body), "{\"username\":\"bench-bystander\",\"password\":\"%s\","
	    "\"role\":\"author\"}", USER_PASSWORD);
	if (api("POST", "/auth/users", admin, body, &r) != 201)
		die("create the bystander: %ld %s", r.status, buf_str(&r.body));
	snprintf(path, sizeof(path), "/auth/users/%s", http_resp_str(&r, "id"));
	http_resp_free(&r);
	if (api("PATCH", path, admin, "{\"disabled\":true}", &r) != 200)
		die("disable the bystander: %ld %s", r.status, buf_str(&r.body));
	http_resp_free(&r);
}

/* Creates an author and POSTS published posts; sets {slug} and {id} to the newest. */
static void
setup_posts(void)
{
	struct http_resp r;
	char		 admin[AUTH_HEADER_SIZE], body[512], when[sizeof("2026-11-26T06:14:52Z")], *md;
	json_t		*j;
	int		 i;

	bench_login(ADMIN_USER, ADMIN_PW, admin, sizeof(admin));
	setup_revocation(admin);
	snprintf(body, sizeof(body), "{\"username\":\"bench-author\",\"password\":\"%s\","
	    "\"role\":\"author\"}", USER_PASSWORD);
	if (api("POST", "/auth/users", admin, body, &r) != 201)
		die("create the author: %ld %s", r.status, buf_str(&r.body));
	http_resp_free(&r);
	bench_login("bench-author", USER_PASSWORD, token, sizeof(token));
	for (i = 0; i < POSTS; i++) {
		md = post_markdown(i);
		time_rfc3339(time(NULL) - 3600 * (POSTS - i), when);
		j = json_pack("{s:s, s:s, s:s, s:s, s:[s,s]}", "title", "Notes, part", "body", md,
		    "status", "published", "published_at", when, "tags", "notes", "bench");
		free(md);
		md = json_dumps(j, 0);
		json_decref(j);
		if (api("POST", "/posts", token, md, &r) != 201)
			die("create a post: %ld %s", r.status, buf_str(&r.body));
		var_set("slug", http_resp_str(&r, "slug"));
		var_set("id", http_resp_str(&r, "id"));
		snprintf(slugs[i], sizeof(slugs[i]), "%s", http_resp_str(&r, "slug"));
		free(md);
		http_resp_free(&r);
	}
}

/*
 * Gives the static file and the floor the bytes of GET /posts/{slug}:
 * var/www/static.json and row 1 of bench.floor.
 */
static void
setup_baselines(void)
{
	struct http_resp r;
	char		 path[256], file[1100];
	const char	*params[1];
	PGconn		*c;
	PGresult	*res;
	FILE		*f;

	expand("/posts/{slug}", path, sizeof(path));
	if (api("GET", path, NULL, NULL, &r) != 200)
		die("read the post: %ld", r.status);
	snprintf(file, sizeof(file), "%s/www/static.json", test_stack.var);
	if ((f = fopen(file, "w")) == NULL || fwrite(r.body.data, 1, r.body.len, f) != r.body.len ||
	    fclose(f) != 0)
		die("write %s: %s", file, strerror(errno));
	c = PQconnectdb(stack_dsn(&test_stack, "postgres"));
	params[0] = buf_str(&r.body);
	res = PQexec(c, "CREATE SCHEMA bench; CREATE TABLE bench.floor (id integer PRIMARY KEY, "
	    "doc text NOT NULL)");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("floor table: %s", PQresultErrorMessage(res));
	PQclear(res);
	res = PQexecParams(c, "INSERT INTO bench.floor VALUES (1, $1)", 1, NULL, params, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("floor row: %s", PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
	http_resp_free(&r);
}

/* GETs path (stored by then) and copies the stored file rel to var/www/name. */
static void
copy_page(const char *path, const char *rel, const char *name)
{
	struct http_resp r;
	char		 p[256], cmd[4096];

	expand(path, p, sizeof(p));
	if (api("GET", p, NULL, NULL, &r) != 200)
		die("GET %s: %ld", p, r.status);
	http_resp_free(&r);
	expand(rel, p, sizeof(p));
	snprintf(cmd, sizeof(cmd), "cp '%s/site/%s' '%s/www/%s'", test_stack.var, p,
	    test_stack.var, name);
	if (system(cmd) != 0)
		die("failed: %s", cmd);
}

/* Sets {name} to the ETag of GET base + path. */
static void
etag_var(const char *name, const char *base, const char *path)
{
	struct http_resp r;
	char		 url[512], p[256], etag[128];

	expand(path, p, sizeof(p));
	snprintf(url, sizeof(url), "%s%s", base, p);
	if (http_request("GET", url, NULL, NULL, 0, &r) != 200 ||
	    http_header(&r, "ETag", etag, sizeof(etag)) == NULL)
		die("no ETag from %s", url);
	var_set(name, etag);
	http_resp_free(&r);
}

/*
 * The reader site's baselines: the stored bytes of a post page, its gzip and
 * the home page's gzip, as static files in var/www; the ETags of the 304
 * rows (lighttpd's own: the page is stored by then); and a second lighttpd
 * with the stat cache "simple", serving var/www.
 */
static void
setup_site(void)
{
	char	 routes[1200];

	copy_page("/{slug}/", "{slug}/index.html", "page.html");
	copy_page("/{slug}/", ".gz/{slug}/index.html", "page.html.gz");
	copy_page("/", ".gz/index.html", "home.html.gz");
	etag_var("page_etag", test_stack.base_url, "/{slug}/");
	etag_var("static_etag", test_stack.base_url, "/static/page.html");
	snprintf(routes, sizeof(routes), "server.stat-cache-engine = \"simple\"\n"
	    "mimetype.assign += ( \".html\" => \"text/html; charset=utf-8\" )\n"
	    "server.modules += ( \"mod_alias\" )\n"
	    "alias.url = ( \"/static/\" => \"%s/www/\" )\n", test_stack.var);
	if ((simple_port = stack_free_port()) == -1 || (simple_pid = web_start_extra(&test_stack,
	    "lighttpd-simple", simple_port, routes)) == -1)
		die("cannot start the second lighttpd");
}

/*
 * Returns the CPU time quire-post's processes have used so far, in
 * nanoseconds: their own (schedstat: exact), and that of their children
 * ended and waited for (cutime and cstime, in clock ticks), so that work a
 * page does in a child process (the bounded render of shared/bound.c) is
 * counted too. Writes the children's share into *children.
 */
static long long
post_cpu_ns(long long *children)
{
	DIR		*d = opendir("/proc");
	struct dirent	*de;
	char		 path[300], line[1024], comm[64], *p;
	long long	 total = 0, ns, pgrp, cutime, cstime, tick = 1000000000 / sysconf(_SC_CLK_TCK);
	FILE		*f;

	*children = 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* After the name: state, ppid, pgrp, … utime, stime, cutime, cstime. */
		if (fgets(line, sizeof(line), f) == NULL ||
		    sscanf(line, "%*d (%63[^)])", comm) != 1 || strcmp(comm, "quire-post") != 0 ||
		    (p = strrchr(line, ')')) == NULL || sscanf(p + 2, "%*c %*d %lld %*d %*d %*d %*u "
		    "%*u %*u %*u %*u %*u %*u %lld %lld", &pgrp, &cutime, &cstime) != 3 ||
		    pgrp != test_stack.web_pid) {
			fclose(f);
			continue;
		}
		fclose(f);
		total += (cutime + cstime) * tick;
		*children += (cutime + cstime) * tick;
		snprintf(path, sizeof(path), "/proc/%s/schedstat", de->d_name);
		if ((f = fopen(path, "r")) != NULL && fscanf(f, "%lld", &ns) == 1)
			total += ns;
		if (f != NULL)
			fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return total;
}

/* GETs every post's path_fmt (%s its slug) once, dying unless it is 200. */
static void
read_every_post(const char *path_fmt)
{
	struct http_resp r;
	char		 path[256];
	int		 i;

	for (i = 0; i < POSTS; i++) {
		snprintf(path, sizeof(path), path_fmt, slugs[i]);
		if (api("GET", path, NULL, NULL, &r) != 200)
			die("GET %s: %ld", path, r.status);
		http_resp_free(&r);
	}
}

/* Removes every post's stored page: the next GET of each is a miss. */
static void
forget_post_pages(void)
{
	char	 path[1400];
	int	 i;

	for (i = 0; i < POSTS; i++) {
		snprintf(path, sizeof(path), "%s/site/%s/index.html", test_stack.var, slugs[i]);
		unlink(path);
		snprintf(path, sizeof(path), "%s/site/.gz/%s/index.html", test_stack.var, slugs[i]);
		unlink(path);
	}
}

/*
 * A page made on a miss (read, rendered, gzipped, stored, sent) against the
 * JSON read of the same posts: quire-post's CPU time per request, each
 * post read once a round, the best round of each.
 */
static void
cold_pages(long long rounds)
{
	double		 json = 0, cold = 0, t, kids = 0;
	long long	 before, n, kb, ka;

	for (n = 0; n < rounds * 4; n++) {
		before = post_cpu_ns(&kb);
		read_every_post("/posts/%s");
		t = (double)(post_cpu_ns(&ka) - before) / POSTS / 1000;
		if (json == 0 || t < json)
			json = t;
		forget_post_pages();
		before = post_cpu_ns(&kb);
		read_every_post("/%s/");
		t = (double)(post_cpu_ns(&ka) - before) / POSTS / 1000;
		if (cold == 0 || t < cold) {
			cold = t;
			kids = (double)(ka - kb) / POSTS / 1000;
		}
	}
	printf("Reader site, a page made on a miss (render, gzip, store, send): %.0f us of "
	    "quire-post's CPU\nper request (%.0f us of it in child processes), against %.0f us "
	    "for the JSON read of the\nsame post: %.2fx (target <= 3x; best of %lld rounds of %d "
	    "posts each).\n\n", cold, kids, json, json > 0 ? cold / json : 0, rounds * 4,
	    POSTS);
}

/* Runs a shell command, dying when it fails. */
static void
shell(const char *cmd)
{
	if (system(cmd) != 0)
		die("failed: %s", cmd);
}

/*
 * Uploads a 1600x1200 photo-like JPEG (made by vips) as the author, sets
 * {media} to its id, makes its 640-pixel WebP (a miss) and copies that file
 * to var/www/variant.webp, the static baseline of the cached-variant row.
 */
static void
setup_media(void)
{
	struct http_resp r;
	char		 cmd[4096], url[256], auth[4300], path[256];
	const char	*headers[] = { auth, "Content-Type: image/jpeg", NULL };
	struct buf	 jpeg = BUF_INIT;
	FILE		*f;
	char		 chunk[65536];
	size_t		 n;

	snprintf(cmd, sizeof(cmd), "cd '%s/tmp' && vips gaussnoise n.v 1600 1200 && "
	    "vips gaussblur n.v b.v 2 && vips cast b.v c.v uchar && "
	    "vips bandjoin 'c.v c.v c.v' photo.jpg", test_stack.var);
	shell(cmd);
	snprintf(cmd, sizeof(cmd), "%s/tmp/photo.jpg", test_stack.var);
	if ((f = fopen(cmd, "rb")) == NULL)
		die("%s: %s", cmd, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&jpeg, chunk, n);
	fclose(f);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	snprintf(url, sizeof(url), "%s/media", test_stack.base_url);
	if (http_request("POST", url, headers, jpeg.data, jpeg.len, &r) != 201)
		die("upload: %ld %s", r.status, buf_str(&r.body));
	var_set("media", http_resp_str(&r, "id"));
	http_resp_free(&r);
	buf_free(&jpeg);
	expand("/media/{media}/w/640.webp", path, sizeof(path));
	if (api("GET", path, NULL, NULL, &r) != 200)
		die("%s: %ld", path, r.status);
	http_resp_free(&r);
	snprintf(cmd, sizeof(cmd), "cp '%s/media-cache%s' '%s/www/variant.webp'", test_stack.var,
	    path, test_stack.var);
	shell(cmd);
}

/* Runs argv and collects its standard output in out. Returns its exit status or -1. */
static int
run_capture(char *const argv[], struct buf *out)
{
	char	 chunk[4096];
	ssize_t	 n;
	int	 fds[2], status;
	pid_t	 pid;

	if (pipe(fds) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
		buf_append(out, chunk, (size_t)n);
	close(fds[0]);
	if (waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Returns the CPU time (user and system, in clock ticks) used so far by
 * every process of the stack: lighttpd and the programs it spawned (one
 * process group), PostgreSQL and its backends (another).
 */
static long long
stack_ticks(void)
{
	DIR		*d = opendir("/proc");
	struct dirent	*de;
	char		 path[300], line[1024], *p;
	long long	 total = 0, utime, stime, pgrp;
	FILE		*f;

	while (d != NULL && (de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || (f = fopen(path, "r")) == NULL)
			continue;
		/* After the command name in parentheses: state, ppid, pgrp, … utime, stime. */
		if (fgets(line, sizeof(line), f) != NULL && (p = strrchr(line, ')')) != NULL &&
		    sscanf(p + 2, "%*c %*d %lld %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &pgrp,
		    &utime, &stime) == 3 && (pgrp == test_stack.web_pid || pgrp == test_stack.pg_pid))
			total += utime + stime;
		fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return total;
}

/* What one row measured. */
struct result {
	double	 rps;		/* requests per second; 0 when wrk failed or saw errors */
	double	 cpu_us;	/* the stack's CPU time per request, in microseconds */
};

/* Writes the URL of path for row (on the second lighttpd, or the stack's) into out. */
static void
row_url(const struct row *row, const char *path, char *out, size_t len)
{
	if (row->simple)
		snprintf(out, len, "http://127.0.0.1:%d%s", simple_port, path);
	else
		snprintf(out, len, "%s%s", test_stack.base_url, path);
}

/* Measures one row with wrk for seconds (after a one-second warm-up). */
static struct result
measure(const struct row *row, long long seconds, long long threads, long long conns)
{
	struct buf	 out = BUF_INIT;
	char		 url[512], path[256], d[16], t[16], c[16], auth[4300], header[256];
	char		*argv[] = { "wrk", "-t", t, "-c", c, "-d", d, url, NULL, NULL, NULL, NULL,
		    NULL };
	const char	*rps, *bad, *count;
	struct result	 res = { 0, 0 };
	long long	 ticks;
	int		 k = 8;

	expand(row->path, path, sizeof(path));
	row_url(row, path, url, sizeof(url));
	snprintf(t, sizeof(t), "%lld", threads);
	snprintf(c, sizeof(c), "%lld", conns);
	if (row->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		argv[k++] = "-H";
		argv[k++] = auth;
	}
	if (row->header != NULL) {
		expand(row->header, header, sizeof(header));
		argv[k++] = "-H";
		argv[k++] = header;
	}
	snprintf(d, sizeof(d), "1s");
	run_capture(argv, &out);
	buf_reset(&out);
	snprintf(d, sizeof(d), "%llds", seconds);
	ticks = stack_ticks();
	if (run_capture(argv, &out) != 0 || (rps = strstr(buf_str(&out), "Requests/sec:")) == NULL ||
	    (count = strstr(buf_str(&out), " requests in ")) == NULL)
		fprintf(stderr, "bench: wrk failed for %s:\n%s\n", url, buf_str(&out));
	else if ((bad = strstr(buf_str(&out), "Non-2xx or 3xx responses:")) != NULL ||
	    (bad = strstr(buf_str(&out), "Socket errors:")) != NULL)
		fprintf(stderr, "bench: %s: %.60s\n", url, bad);
	else {
		while (count > buf_str(&out) && count[-1] >= '0' && count[-1] <= '9')
			count--;
		res.rps = strtod(rps + 13, NULL);
		res.cpu_us = 1e6 * (double)(stack_ticks() - ticks) / (double)sysconf(_SC_CLK_TCK) /
		    strtod(count, NULL);
	}
	buf_free(&out);
	return res;
}

/* Dies unless a and b hold the same bytes. */
static void
same_bytes(const struct http_resp *a, const struct http_resp *b, const char *what)
{
	if (a->body.len != b->body.len || memcmp(a->body.data, b->body.data, a->body.len) != 0)
		die("%s does not send the bytes it stands for", what);
}

/*
 * Checks that every row answers 200 before measuring, that the post
 * baselines send the bytes of the post, and the variant baseline those of
 * the cached variant.
 */
static void
check_rows(size_t *bytes)
{
	struct http_resp r, post, variant;
	char		 path[256], url[512], header[256], auth[4300];
	const char	*headers[3];
	size_t		 i, n;
	long		 want;

	expand("/posts/{slug}", path, sizeof(path));
	api("GET", path, NULL, NULL, &post);
	*bytes = post.body.len;
	expand("/media/{media}/w/640.webp", path, sizeof(path));
	api("GET", path, NULL, NULL, &variant);
	for (i = 0; i < NROWS; i++) {
		expand(rows[i].path, path, sizeof(path));
		row_url(&rows[i], path, url, sizeof(url));
		n = 0;
		if (rows[i].token) {
			snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
			headers[n++] = auth;
		}
		if (rows[i].header != NULL) {
			expand(rows[i].header, header, sizeof(header));
			headers[n++] = header;
		}
		headers[n] = NULL;
		want = rows[i].header != NULL && strncmp(rows[i].header, "If-None-Match", 13) == 0 ?
		    304 : 200;
		if (http_request("GET", url, headers, NULL, 0, &r) != want)
			die("%s answers %ld, not %ld", url, r.status, want);
		if (i == ROW_STATIC || i == ROW_FLOOR)
			same_bytes(&r, &post, path);
		if (i == ROW_STATIC_VARIANT)
			same_bytes(&r, &variant, path);
		http_resp_free(&r);
	}
	http_resp_free(&post);
	http_resp_free(&variant);
}

/* Prints the table of figures and ratios. */
static void
report(const struct result *res, size_t bytes, long long seconds, long long rounds,
    long long threads, long long conns, long long procs)
{
	double	 st = res[ROW_STATIC].rps, fl = res[ROW_FLOOR].rps;
	size_t	 i;

	printf("\nQuire benchmark: wrk -t%lld -c%lld -d%llds, best of %lld rounds, %lld processes "
	    "per program, %ld CPUs, a post of %zu bytes\n\n", threads, conns, seconds, rounds, procs,
	    sysconf(_SC_NPROCESSORS_ONLN), bytes);
	printf("%-36s %8s %9s %9s %10s  %s\n", "row", "req/s", "/ static", "/ floor", "CPU us/req",
	    "notes");
	for (i = 0; i < NROWS; i++) {
		printf("%-36s %8.0f %8.1f%% %8.1f%% %10.0f", rows[i].label, res[i].rps,
		    st > 0 ? 100 * res[i].rps / st : 0, fl > 0 ? 100 * res[i].rps / fl : 0,
		    res[i].cpu_us);
		if (rows[i].floor_target > 0)
			printf("  target >= %.0f%% of the floor", 100 * rows[i].floor_target);
		if (rows[i].vs >= 0 && res[rows[i].vs].rps > 0 && res[i].rps > 0 &&
		    rows[i].vs_target > 0)
			printf("  %.1f%% of \"%s\", target >= %.0f%%", 100 * res[i].rps /
			    res[rows[i].vs].rps, rows[rows[i].vs].label, 100 * rows[i].vs_target);
		else if (rows[i].vs >= 0 && res[rows[i].vs].rps > 0 && res[i].rps > 0 &&
		    rows[i].vs_target < 0)
			printf("  %.1f%% of \"%s\"", 100 * res[i].rps / res[rows[i].vs].rps,
			    rows[rows[i].vs].label);
		else if (rows[i].vs >= 0 && res[rows[i].vs].rps > 0 && res[i].rps > 0)
			printf("  costs %+.1f%% vs \"%s\" (target <= +10%%)", 100 *
			    (res[rows[i].vs].rps / res[i].rps - 1), rows[rows[i].vs].label);
		printf("\n");
	}
	printf("\nCPU us/req: the CPU time lighttpd, the programs and PostgreSQL spent per "
	    "request (wrk's own not counted).\n\n");
}

int
main(void)
{
	struct stack_opts	 o = { 0 };
	long long		 seconds = env_int("BENCH_SECONDS", 5);
	long long		 rounds = env_int("BENCH_ROUNDS", 3), n;
	long long		 threads = env_int("BENCH_THREADS", 2);
	long long		 conns = env_int("BENCH_CONNECTIONS", 16);
	long long		 procs = env_int("BENCH_PROCS", 4);
	char			 var[64], build[512], conf[4096], cmd[600];
	struct result		 res[NROWS] = { { 0, 0 } }, one;
	size_t			 i, bytes = 0;
	int			 rc;

	/*
	 * In memory when the machine has /dev/shm: the reader site's misses
	 * create files, and on a disk their cost is the file system's (on this
	 * kind of machine, ext4 without a journal scans for recently deleted
	 * inodes: milliseconds a file under churn), not Quire's.
	 */
	snprintf(var, sizeof(var), "%s/quire-bench-XXXXXX", access("/dev/shm", W_OK) == 0 ?
	    "/dev/shm" : "/tmp");
	if (mkdtemp(var) == NULL || chmod(var, 0755) == -1 ||
	    realpath(getenv("QUIRE_BUILD") != NULL ? getenv("QUIRE_BUILD") : "build", build) ==
	    NULL) {
		perror("bench");
		return 1;
	}
	/*
	 * The baselines, taken out of the reader site (which has every other
	 * path): static files under /static/ from var/www, and the floor.
	 */
	snprintf(conf, sizeof(conf),
	    "$HTTP[\"url\"] =~ \"^/(static/|floor)\" {\n"
	    "\tserver.document-root = \"%s/www\"\n"
	    "\talias.url = ( \"/static/\" => \"%s/www/\" )\n"
	    "\turl.rewrite-repeat = ()\n"
	    "\turl.rewrite-if-not-file = ()\n"
	    "\turl.rewrite-once = ()\n"
	    "\tmagnet.attract-physical-path-to = ()\n"
	    "\tstatic-file.etags = \"enable\"\n"
	    "\tmimetype.assign = ( \".html\" => \"text/html; charset=utf-8\", \".gz\" => "
	    "\"application/gzip\", \".json\" => \"application/json\", \".webp\" => "
	    "\"image/webp\" )\n"
	    "\tfastcgi.server = ( \"/floor\" => ((\n"
	    "\t\t\"bin-path\" => \"%s/bench/quire-bench-floor\",\n"
	    "\t\t\"socket\" => var.quire_run + \"/floor.sock\",\n"
	    "\t\t\"max-procs\" => var.quire_procs,\n"
	    "\t\t\"check-local\" => \"disable\",\n"
	    "\t\t\"bin-environment\" => ( \"QUIRE_FLOOR_DSN\" => "
	    "\"host=%s/pg-socket port=5432 dbname=quire user=postgres\" ),\n"
	    "\t)) )\n}\n", var, var, build, var);
	o.var = var;
	o.build = build;
	o.procs = (int)procs;
	o.lighttpd_conf = conf;
	o.admin_user = ADMIN_USER;
	o.admin_password = ADMIN_PW;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (stack_start(&test_stack, &o) == -1)
		return 1;
	setup_posts();
	if (getenv("BENCH_COLD_ONLY") != NULL) {
		cold_pages(rounds);
		rc = stack_stop(&test_stack) == 0 ? 0 : 1;
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", var);
		return system(cmd) != 0 ? 1 : rc;
	}
	setup_baselines();
	setup_media();
	setup_site();
	check_rows(&bytes);
	for (n = 1; n <= rounds; n++) {
		for (i = 0; i < NROWS; i++) {
			fprintf(stderr, "bench: round %lld: %s...\n", n, rows[i].label);
			if ((one = measure(&rows[i], seconds, threads, conns)).rps > res[i].rps)
				res[i] = one;
		}
	}
	report(res, bytes, seconds, rounds, threads, conns, procs);
	cold_pages(rounds);
	stop_process(simple_pid, SIGTERM, 5000, true);
	rc = stack_stop(&test_stack) == 0 ? 0 : 1;
	/* Media's image work, against vipsthumbnail, with the stack stopped. */
	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "'%s/bench/media-variant' %lld", build, rounds > 5 ? rounds : 5);
	if (system(cmd) != 0)
		rc = 1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", var);
	if (system(cmd) != 0)
		rc = 1;
	curl_global_cleanup();
	return rc;
}
