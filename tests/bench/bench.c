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
 * QUIRE_BUILD (build). Timing never fails anything: this prints, it does
 * not judge.
 */
#include <dirent.h>
#include <errno.h>
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
	double		 vs_target;	/* target as a share of that row; 0: print the cost */
};

/* The baselines: every figure is divided by the first two. */
enum { ROW_STATIC, ROW_FLOOR, ROW_STATIC_VARIANT, ROW_ANONYMOUS_READ };

static const struct row rows[] = {
	{ "static file, same bytes",		"/static.json",		false, 0,    -1, 0 },
	{ "floor: 1 prepared query",		"/floor?id=1",		false, 0,    -1, 0 },
	{ "static file, a variant's bytes",	"/variant.webp",	false, 0,    -1, 0 },
	{ "GET /posts/{slug}",			"/posts/{slug}",	false, 0.95, -1, 0 },
	{ "GET /posts?page=1",			"/posts?page=1",	false, 0.70, -1, 0 },
	{ "GET /posts/{slug} with a token",	"/posts/{slug}",	true,  0, ROW_ANONYMOUS_READ, 0 },
	{ "GET /posts/feed.atom",		"/posts/feed.atom",	false, 0,    -1, 0 },
	{ "GET /media/{id}/w/640.webp, cached",	"/media/{media}/w/640.webp", false, 0,
	    ROW_STATIC_VARIANT, 0.90 },
	{ "GET /media/{id}",			"/media/{media}",	false, 0.90, -1, 0 },
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
};

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
	snprintf(out, len, "%s", resp_str(&r, "access_token"));
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
	snprintf(path, sizeof(path), "/auth/users/%s", resp_str(&r, "id"));
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
		var_set("slug", resp_str(&r, "slug"));
		var_set("id", resp_str(&r, "id"));
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
	var_set("media", resp_str(&r, "id"));
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

/* Measures one row with wrk for seconds (after a one-second warm-up). */
static struct result
measure(const struct row *row, long long seconds, long long threads, long long conns)
{
	struct buf	 out = BUF_INIT;
	char		 url[512], path[256], d[16], t[16], c[16], auth[4300];
	char		*argv[] = { "wrk", "-t", t, "-c", c, "-d", d, url, NULL, NULL, NULL };
	const char	*rps, *bad, *count;
	struct result	 res = { 0, 0 };
	long long	 ticks;

	expand(row->path, path, sizeof(path));
	snprintf(url, sizeof(url), "%s%s", test_stack.base_url, path);
	snprintf(t, sizeof(t), "%lld", threads);
	snprintf(c, sizeof(c), "%lld", conns);
	if (row->token) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		argv[8] = "-H";
		argv[9] = auth;
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
	char		 path[256];
	size_t		 i;

	expand("/posts/{slug}", path, sizeof(path));
	api("GET", path, NULL, NULL, &post);
	*bytes = post.body.len;
	expand("/media/{media}/w/640.webp", path, sizeof(path));
	api("GET", path, NULL, NULL, &variant);
	for (i = 0; i < NROWS; i++) {
		expand(rows[i].path, path, sizeof(path));
		if (api("GET", path, rows[i].token ? token : NULL, NULL, &r) != 200)
			die("%s answers %ld", path, r.status);
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
	char			 var[] = "/tmp/quire-bench-XXXXXX", build[512], conf[4096], cmd[600];
	struct result		 res[NROWS] = { { 0, 0 } }, one;
	size_t			 i, bytes = 0;
	int			 rc;

	if (mkdtemp(var) == NULL || chmod(var, 0755) == -1 ||
	    realpath(getenv("QUIRE_BUILD") != NULL ? getenv("QUIRE_BUILD") : "build", build) ==
	    NULL) {
		perror("bench");
		return 1;
	}
	snprintf(conf, sizeof(conf),
	    "fastcgi.server += ( \"/floor\" => ((\n"
	    "\t\"bin-path\" => \"%s/bench/quire-bench-floor\",\n"
	    "\t\"socket\" => var.quire_run + \"/floor.sock\",\n"
	    "\t\"max-procs\" => var.quire_procs,\n"
	    "\t\"check-local\" => \"disable\",\n"
	    "\t\"bin-environment\" => ( \"QUIRE_FLOOR_DSN\" => "
	    "\"host=%s/pg-socket port=5432 dbname=quire user=postgres\" ),\n"
	    ")) )\n", build, var);
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
	setup_baselines();
	setup_media();
	check_rows(&bytes);
	for (n = 1; n <= rounds; n++) {
		for (i = 0; i < NROWS; i++) {
			fprintf(stderr, "bench: round %lld: %s...\n", n, rows[i].label);
			if ((one = measure(&rows[i], seconds, threads, conns)).rps > res[i].rps)
				res[i] = one;
		}
	}
	report(res, bytes, seconds, rounds, threads, conns, procs);
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
