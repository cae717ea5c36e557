/*
 * More than one machine, on one: a primary PostgreSQL and a streaming
 * standby (each its own cluster, port and socket directory), the stack's
 * web node, and a second web node (its own web server, programs and Media
 * cache; its web server cannot see that cache, as on a host without
 * Media's disk, so its Media sends the bytes itself).
 *
 * - Two Post instances behind one web server, one killed under a wrk
 *   load: no request lost beyond those in flight on it.
 * - Anonymous reads go to the standby (its log and pg_stat_activity say
 *   so); with replay paused there, a writer still reads what they wrote,
 *   and an anonymous reader the standby's older version.
 * - A delete or an update through one node is seen through the other
 *   within a second: variants gone from both caches, posts and alt texts
 *   changed; a file the standby's stale data would make is taken away.
 * - Failover: the primary stopped and the standby promoted (pg_ctl
 *   promote) under a wrk load of writes and reads: reads never fail,
 *   writes answer 503 with Retry-After only during the switch, then
 *   succeed on the new primary, with no program restarted; the caches
 *   stay coherent. The gaps are printed for the record.
 */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <libpq-fe.h>

#include "client.h"
#include "load.h"
#include "node.h"
#include "post/post.h"
#include "proc.h"
#include "times.h"

#define CONNECTIONS	8	/* wrk's: at most this many requests are in flight */
#define PROCS		2	/* the stack's processes per program */
#define MAX_PIDS	64
#define DEADLINE_MS	10000	/* generous: what the design promises is a second */
#define FAILOVER_MS	30000	/* for writes to succeed again after the promotion */
#define LOAD_MAX_SECONDS 120	/* wrk's run, cut short by events (load_stop) */
#define SERVED		600	/* answers logged before, and after, an instance dies */
#define LOAD_SEEN	10	/* answers logged that show a load going on */
/* The programs' log lines of the failover's writes, made and refused. */
#define WRITE_OK	"method=POST path=/posts status=201 "
#define WRITE_REFUSED	"method=POST path=/posts status=503 "

/* Returns whether something accepts on 127.0.0.1:port. */
static bool
port_answers(int port)
{
	struct sockaddr_in	 sa;
	int			 fd, ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return false;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* Starts quire-post --listen 127.0.0.1:port. Returns its pid once it accepts. */
static pid_t
start_post(int port)
{
	char	 prog[1100], spec[64];
	char	*argv[] = { prog, "--config", test_stack.conf, "--listen", spec, "--workers", "2",
		    NULL };
	pid_t	 pid;
	int	 i;

	snprintf(prog, sizeof(prog), "%s/quire-post", test_stack.build);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	pid = spawn(argv, false, SIGTERM, test_stack.program_log);
	ck_assert_int_gt(pid, 0);
	for (i = 0; i < 100 && !port_answers(port); i++)
		usleep(50000);
	ck_assert_msg(port_answers(port), "quire-post on %d did not come up", port);
	return pid;
}

/* Returns the number after label in wrk's output, or 0. */
static long
wrk_figure(const char *out, const char *label)
{
	const char *p = strstr(out, label);

	return p != NULL ? strtol(p + strlen(label), NULL, 10) : 0;
}

/* Returns the number of requests wrk made ("  88129 requests in 10.10s"), or 0. */
static long
wrk_requests(const char *out)
{
	const char *p = strstr(out, " requests in ");

	if (p == NULL)
		return 0;
	while (p > out && p[-1] >= '0' && p[-1] <= '9')
		p--;
	return strtol(p, NULL, 10);
}

START_TEST(one_of_two_instances_killed_under_load)
{
	struct http_resp r;
	struct load	 l;
	char		 routes[2048], url[256], path[200], out[8192], line[300];
	const char	*tok;
	int		 pa = stack_free_port(), pb = stack_free_port(), pw = stack_free_port();
	int		 i, served;
	long		 total, non2xx, errors;
	pid_t		 a, b, web;

	a = start_post(pa);
	b = start_post(pb);
	if (test_stack.apache)
		snprintf(routes, sizeof(routes),
		    "<Proxy \"balancer://quire-post\">\n"
		    "\tBalancerMember \"fcgi://127.0.0.1:%d\"\n"
		    "\tBalancerMember \"fcgi://127.0.0.1:%d\"\n"
		    "</Proxy>\n"
		    "<LocationMatch \"^/posts\">\n"
		    "\tSetHandler \"proxy:balancer://quire-post\"\n"
		    "\tRequire all granted\n"
		    "</LocationMatch>\n", pa, pb);
	else
		snprintf(routes, sizeof(routes),
		    "server.modules += ( \"mod_fastcgi\" )\n"
		    "fastcgi.server = ( \"/posts\" => (\n"
		    "\t( \"host\" => \"127.0.0.1\", \"port\" => %d, \"check-local\" => \"disable\" ),\n"
		    "\t( \"host\" => \"127.0.0.1\", \"port\" => %d, \"check-local\" => \"disable\" ),\n"
		    ") )\n", pa, pb);
	web = web_start_extra(&test_stack, "two-posts", pw, routes);
	ck_assert_int_gt(web, 0);

	tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	ck_assert_int_eq(api("POST", "/posts", tok, "{\"title\":\"Two hosts\",\"body\":\"Load.\","
	    "\"status\":\"published\"}", &r), 201);
	snprintf(path, sizeof(path), "/posts/%s", http_resp_str(&r, "slug"));
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", pw, path);
	ck_assert_int_eq(http_request("GET", url, NULL, NULL, 0, &r), 200);

	/* Under load (SERVED answers logged), one instance dies without warning... */
	snprintf(line, sizeof(line), "path=%s status=200 ", path);
	served = program_log_count(line);
	ck_assert_int_eq(load_start(&l, NULL, url, LOAD_MAX_SECONDS, CONNECTIONS), 0);
	program_log_wait(line, served + SERVED);
	/* The whole instance, master and workers, as if its host went down. */
	ck_assert_int_eq(kill(-a, SIGKILL), 0);
	waitpid(a, NULL, 0);
	/* ...and the load goes on through the other for SERVED answers more. */
	program_log_wait(line, program_log_count(line) + SERVED);
	load_stop(&l, out, sizeof(out));
	total = wrk_requests(out);
	non2xx = wrk_figure(out, "Non-2xx or 3xx responses: ");
	errors = wrk_figure(out, "read ") + wrk_figure(out, "write ") +
	    wrk_figure(out, "timeout ") + wrk_figure(out, "connect ");
	fprintf(stderr, "two Post instances behind %s, one killed under load: %ld requests, "
	    "%ld lost (%ld non-2xx, %ld socket errors; at most %d were in flight)\n",
	    test_stack.apache ? "Apache" : "lighttpd", total, non2xx + errors, non2xx, errors,
	    CONNECTIONS);
	ck_assert_msg(total > 2 * SERVED - CONNECTIONS, "wrk output:\n%s", out);
	ck_assert_int_le(non2xx + errors, CONNECTIONS);

	/* And the survivor goes on alone. */
	for (i = 0; i < 20; i++)
		ck_assert_int_eq(http_request("GET", url, NULL, NULL, 0, &r), 200);
	stop_process(web, SIGTERM, 5000, true);
	stop_process(b, SIGTERM, 5000, true);
}
END_TEST

/*
 * Runs sql on the standby as the superuser. Returns the first value of
 * the first row (static, "" when there is none), failing the test on an
 * error.
 */
static const char *
on_standby(const char *sql)
{
	static char	 value[256];
	PGconn		*conn = PQconnectdb(stack_standby_dsn(&test_stack, "postgres"));
	PGresult	*res = PQexec(conn, sql);

	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql,
	    PQerrorMessage(conn));
	snprintf(value, sizeof(value), "%s", PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "");
	PQclear(res);
	PQfinish(conn);
	return value;
}

/* Waits until sql returns want on the standby. */
static void
standby_wait(const char *sql, const char *want)
{
	int64_t	 t0 = time_mono_usec();

	while (strcmp(on_standby(sql), want) != 0) {
		ck_assert_msg(time_mono_usec() - t0 < DEADLINE_MS * 1000LL,
		    "the standby never answered %s to %s", want, sql);
		usleep(20000);
	}
}

/*
 * Waits until the standby has replayed everything the primary had written
 * (inserted: with synchronous_commit off, a commit may not be written yet).
 */
static void
standby_catch_up(void)
{
	PGconn		*conn = PQconnectdb(stack_dsn(&test_stack, "postgres"));
	PGresult	*res = PQexec(conn, "SELECT pg_current_wal_insert_lsn()");
	char		 sql[256];

	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	snprintf(sql, sizeof(sql), "SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn",
	    PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	standby_wait(sql, "t");
}

/* Pauses replay on the standby: from now on it lags behind the primary. */
static void
standby_pause(void)
{
	on_standby("SELECT pg_wal_replay_pause()");
	standby_wait("SELECT pg_get_wal_replay_pause_state()", "paused");
}

/* Resumes replay (a fixture too: a failed test leaves no lag behind). */
static void
standby_resume(void)
{
	PGconn	*conn = PQconnectdb(stack_standby_dsn(&test_stack, "postgres"));

	PQclear(PQexec(conn, "SELECT pg_wal_replay_resume()"));
	PQfinish(conn);
}

/* Returns the lines of the standby's log holding both a and b. */
static int
standby_log_count(const char *a, const char *b)
{
	char	 line[8192];
	FILE	*f;
	int	 n = 0;

	if ((f = fopen(test_stack.standby_log, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, a) != NULL && strstr(line, b) != NULL)
			n++;
	fclose(f);
	return n;
}

/* Creates a published post as token's. Copies its slug and id, and its ETag. */
static void
new_post(const char *token, const char *title, const char *body, char *slug, size_t slen,
    char id[UUID_LEN + 1], char etag[ETAG_MAX])
{
	struct http_resp r;
	json_t		*j = json_pack("{s:s, s:s, s:s}", "title", title, "body", body, "status",
			    "published");
	char		*json = json_dumps(j, 0);

	ck_assert_msg(api("POST", "/posts", token, json, &r) == 201, "%s", buf_str(&r.body));
	snprintf(slug, slen, "%s", http_resp_str(&r, "slug"));
	snprintf(id, UUID_LEN + 1, "%s", http_resp_str(&r, "id"));
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, 64));
	json_decref(j);
	free(json);
}

/* GETs path anonymously and asserts one more line holding session and stmt in the standby's log. */
static void
read_on_standby(const char *path, const char *session, const char *stmt)
{
	struct http_resp r;
	int		 before = standby_log_count(session, stmt);

	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_int_eq(standby_log_count(session, stmt), before + 1);
}

START_TEST(anonymous_reads_go_to_the_standby)
{
	struct http_resp r;
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 slug[200], id[UUID_LEN + 1], etag[ETAG_MAX], path[300], mid[UUID_LEN + 1];
	int		 before;

	new_post(tok, "Read on the standby", "From the replica.", slug, sizeof(slug), id, etag);
	ck_assert_int_eq(upload_png(tok, 40, 30, mid), 201);
	standby_catch_up();

	/* Anonymous: each read runs on the standby, in a session named quire-post-read. */
	snprintf(path, sizeof(path), "/posts/%s", slug);
	read_on_standby(path, "quire-post-read: ", "execute post_by_slug");
	read_on_standby("/posts?page=1", "quire-post-read: ", "execute list_published");
	read_on_standby("/posts/feed.atom", "quire-post-read: ", "execute feed");
	snprintf(path, sizeof(path), "/media/%s", mid);
	read_on_standby(path, "quire-media-read: ", "execute item_by_id");

	/* With a token: the primary, never the standby. */
	snprintf(path, sizeof(path), "/posts/%s", slug);
	before = standby_log_count("execute post_by_slug", "");
	ck_assert_int_eq(api("GET", path, tok, NULL, &r), 200);
	ck_assert_int_eq(standby_log_count("execute post_by_slug", ""), before);

	/* Only the read-only sessions are there; Auth and every primary session are not. */
	ck_assert_int_gt(atoi(on_standby("SELECT count(*) FROM pg_stat_activity WHERE "
	    "application_name IN ('quire-post-read', 'quire-media-read')")), 0);
	ck_assert_str_eq(on_standby("SELECT count(*) FROM pg_stat_activity WHERE "
	    "application_name IN ('quire-auth', 'quire-post', 'quire-media')"), "0");
}
END_TEST

/* Returns the title of the post at path as token reads it (NULL: anonymous), static. */
static const char *
title_of(const char *base, const char *path, const char *token)
{
	static char	 title[256];
	struct http_resp r;

	ck_assert_int_eq(api_at(base, "GET", path, token, NULL, NULL, &r), 200);
	snprintf(title, sizeof(title), "%s", http_resp_str(&r, "title"));
	return title;
}

START_TEST(a_writer_reads_what_they_wrote_while_the_standby_lags)
{
	struct http_resp r;
	char		*html;
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 slug[200], id[UUID_LEN + 1], first[UUID_LEN + 1], etag[ETAG_MAX], hdr[100];
	char		 path[300], mid[UUID_LEN + 1];
	char		 mid2[UUID_LEN + 1], json[300];
	int64_t		 t0;

	new_post(tok, "Before the lag", "Old words.", slug, sizeof(slug), first, etag);
	ck_assert_int_eq(upload_png(tok, 48, 32, mid), 201);
	snprintf(path, sizeof(path), "/media/%s", mid);
	ck_assert_int_eq(api("PATCH", path, tok, "{\"alt\":\"first words\"}", &r), 200);
	standby_catch_up();
	standby_pause();

	/* The writer reads the change; an anonymous reader, the standby's older version. */
	snprintf(path, sizeof(path), "/posts/%s", first);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
	ck_assert_int_eq(api_with("PATCH", path, tok, "{\"title\":\"After the lag\"}", hdr, &r),
	    200);
	ck_assert_str_eq(title_of(test_stack.base_url, path, tok), "After the lag");
	ck_assert_str_eq(title_of(test_stack.base_url, path, NULL), "Before the lag");

	/* What the standby does not have at all comes from the primary. */
	new_post(tok, "Made during the lag", "New.", slug, sizeof(slug), id, etag);
	snprintf(path, sizeof(path), "/posts/%s", slug);
	ck_assert_str_eq(title_of(test_stack.base_url, path, NULL), "Made during the lag");
	ck_assert_int_eq(upload_png(tok, 64, 40, mid2), 201);
	snprintf(path, sizeof(path), "/media/%s", mid2);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	snprintf(path, sizeof(path), "/media/%s/w/320.webp", mid2);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_uint_gt(r.body.len, 0);

	/* Post's lookups in Media for a writer carry the writer's token: the new alt text. */
	snprintf(path, sizeof(path), "/media/%s", mid);
	ck_assert_int_eq(api("PATCH", path, tok, "{\"alt\":\"second words\"}", &r), 200);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "alt"), "first words");	/* the standby's */
	snprintf(json, sizeof(json), "{\"title\":\"Alt\",\"body\":\"![](media:%s)\","
	    "\"status\":\"published\"}", mid);
	ck_assert_int_eq(api("POST", "/posts", tok, json, &r), 201);
	html = strdup(http_resp_str(&r, "html"));
	ck_assert_msg(strstr(html, "alt=\"second words\"") != NULL, "%s", html);
	free(html);

	/* Once replay goes on, everyone reads the change. */
	standby_resume();
	snprintf(path, sizeof(path), "/posts/%s", first);
	t0 = time_mono_usec();
	while (strcmp(title_of(test_stack.base_url, path, NULL), "After the lag") != 0)
		ck_assert_int_lt(time_mono_usec() - t0, DEADLINE_MS * 1000LL);
}
END_TEST

/* Returns whether the file at path exists. */
static bool
exists(const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0;
}

/* Writes the path of a cached file of media item id in the cache directory dir. */
static void
cached(char *out, size_t len, const char *dir, const char *id, const char *name)
{
	snprintf(out, len, "%s/media/%s/%s", dir, id, name);
}

/*
 * Polls GET base + path (anonymous) until it answers status and the file
 * gone (when not NULL) does not exist, failing at the deadline. Returns the
 * milliseconds it took.
 */
static double
poll_until(const char *base, const char *path, long status, const char *gone)
{
	struct http_resp r;
	int64_t		 t0 = time_mono_usec();
	long		 got;

	for (;;) {
		got = api_at(base, "GET", path, NULL, NULL, NULL, &r);
		if (got == status && (gone == NULL || !exists(gone)))
			return (double)(time_mono_usec() - t0) / 1000;
		ck_assert_msg(time_mono_usec() - t0 < DEADLINE_MS * 1000LL, "%s%s: still %ld%s", base,
		    path, got, gone != NULL && exists(gone) ? ", its file still cached" : "");
		usleep(5000);
	}
}

/*
 * Reads the variant (and original) of item id through both nodes, checking
 * that they answer alike: the same ETag, type and original bytes, and the
 * node whose Media sends the bytes answers If-None-Match itself. Both
 * caches hold the variant afterwards.
 */
static void
read_on_both(const struct node *b, const char *id)
{
	struct http_resp ra, rb;
	char		 path[200], ea[64], eb[64], ta[64], tb[64], inm[100], file[1400];

	snprintf(path, sizeof(path), "/media/%s/w/320.webp", id);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &ra), 200);
	ck_assert_int_eq(api_at(b->base_url, "GET", path, NULL, NULL, NULL, &rb), 200);
	ck_assert_ptr_nonnull(http_header(&ra, "ETag", ea, sizeof(ea)));
	ck_assert_ptr_nonnull(http_header(&rb, "ETag", eb, sizeof(eb)));
	ck_assert_str_eq(ea, eb);
	ck_assert_str_eq(http_header(&ra, "Content-Type", ta, sizeof(ta)), "image/webp");
	ck_assert_str_eq(http_header(&rb, "Content-Type", tb, sizeof(tb)), "image/webp");
	ck_assert_uint_gt(rb.body.len, 0);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", eb);
	ck_assert_int_eq(api_at(b->base_url, "GET", path, NULL, NULL, inm, &rb), 304);
	cached(file, sizeof(file), b->cache, id, "w/320.webp");
	ck_assert_msg(exists(file), "%s", file);
	snprintf(file, sizeof(file), "%s/media-cache/media/%s/w/320.webp", test_stack.var, id);
	ck_assert_msg(exists(file), "%s", file);

	snprintf(path, sizeof(path), "/media/%s/original", id);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &ra), 200);
	ck_assert_int_eq(api_at(b->base_url, "GET", path, NULL, NULL, NULL, &rb), 200);
	ck_assert_uint_eq(ra.body.len, rb.body.len);
	ck_assert_mem_eq(buf_str(&ra.body), buf_str(&rb.body), ra.body.len);
}

START_TEST(a_change_through_one_node_is_seen_through_the_other)
{
	struct http_resp r;
	struct node	 b;
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 m[UUID_LEN + 1], slug[200], id[UUID_LEN + 1], etag[ETAG_MAX], hdr[100];
	char		 path[300], variant[200];
	char		 file_a[1400], file_b[1400], cache_a[1100];
	double		 ms_a, ms_b, ms_post, ms_gone, ms_alt;

	ck_assert_int_eq(node_start(&test_stack, &b, "node-b", "x_sendfile = no\n", false), 0);
	snprintf(cache_a, sizeof(cache_a), "%s/media-cache", test_stack.var);

	/* Deleted through node B: gone from node A's cache, whose web server sends hits. */
	ck_assert_int_eq(upload_png(tok, 400, 300, m), 201);
	read_on_both(&b, m);
	cached(file_a, sizeof(file_a), cache_a, m, "w/320.webp");
	cached(file_b, sizeof(file_b), b.cache, m, "w/320.webp");
	snprintf(path, sizeof(path), "/media/%s", m);
	ck_assert_int_eq(api_at(b.base_url, "DELETE", path, tok, NULL, NULL, &r), 204);
	ck_assert(!exists(file_b));	/* the node that answered: before its 204 */
	snprintf(variant, sizeof(variant), "/media/%s/w/320.webp", m);
	ms_a = poll_until(test_stack.base_url, variant, 404, file_a);

	/* Deleted through node A: gone from node B's cache. */
	ck_assert_int_eq(upload_png(tok, 400, 300, m), 201);
	read_on_both(&b, m);
	cached(file_a, sizeof(file_a), cache_a, m, "w/320.webp");
	cached(file_b, sizeof(file_b), b.cache, m, "w/320.webp");
	snprintf(path, sizeof(path), "/media/%s", m);
	ck_assert_int_eq(api("DELETE", path, tok, NULL, &r), 204);
	ck_assert(!exists(file_a));
	snprintf(variant, sizeof(variant), "/media/%s/w/320.webp", m);
	ms_b = poll_until(b.base_url, variant, 404, file_b);

	/* A post updated through node B is read so through node A; deleted through A, gone. */
	new_post(tok, "On two nodes", "Either.", slug, sizeof(slug), id, etag);
	snprintf(path, sizeof(path), "/posts/%s", slug);
	poll_until(b.base_url, path, 200, NULL);
	snprintf(path, sizeof(path), "/posts/%s", id);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
	ck_assert_int_eq(api_at(b.base_url, "PATCH", path, tok, "{\"title\":\"Changed on B\"}",
	    hdr, &r), 200);
	{
		int64_t	 t0 = time_mono_usec();

		while (strcmp(title_of(test_stack.base_url, path, NULL), "Changed on B") != 0)
			ck_assert_int_lt(time_mono_usec() - t0, DEADLINE_MS * 1000LL);
		ms_post = (double)(time_mono_usec() - t0) / 1000;
	}
	ck_assert_int_eq(api("DELETE", path, tok, NULL, &r), 204);
	ms_gone = poll_until(b.base_url, path, 404, NULL);

	/* The alt text changed through node B, read so through node A. */
	ck_assert_int_eq(upload_png(tok, 40, 30, m), 201);
	snprintf(path, sizeof(path), "/media/%s", m);
	ck_assert_int_eq(api_at(b.base_url, "PATCH", path, tok, "{\"alt\":\"seen on A\"}", NULL,
	    &r), 200);
	{
		int64_t	 t0 = time_mono_usec();
		bool	 seen = false;

		while (!seen) {
			ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
			seen = strcmp(http_resp_str(&r, "alt"), "seen on A") == 0;
			ck_assert_int_lt(time_mono_usec() - t0, DEADLINE_MS * 1000LL);
		}
		ms_alt = (double)(time_mono_usec() - t0) / 1000;
	}

	/*
	 * The standby behind: node B's Media reads the deleted item there
	 * and makes its variant again from it, but the primary says it is
	 * gone: the file is taken away and the answer is 404.
	 */
	ck_assert_int_eq(upload_png(tok, 400, 300, m), 201);
	standby_catch_up();
	read_on_both(&b, m);
	cached(file_b, sizeof(file_b), b.cache, m, "w/320.webp");
	standby_pause();
	snprintf(path, sizeof(path), "/media/%s", m);
	ck_assert_int_eq(api("DELETE", path, tok, NULL, &r), 204);
	/* The standby still has the item. */
	ck_assert_int_eq(api_at(b.base_url, "GET", path, NULL, NULL, NULL, &r), 200);
	snprintf(variant, sizeof(variant), "/media/%s/w/320.webp", m);
	poll_until(b.base_url, variant, 404, file_b);
	ck_assert_int_eq(api_at(b.base_url, "GET", variant, NULL, NULL, NULL, &r), 404);
	ck_assert(!exists(file_b));
	standby_resume();

	fprintf(stderr, "two web nodes behind %s: a variant deleted through B left A's cache "
	    "in %.0f ms, one deleted through A left B's in %.0f ms; a post changed through B "
	    "read so through A in %.0f ms, deleted through A gone through B in %.0f ms; an alt "
	    "text in %.0f ms\n", test_stack.apache ? "Apache" : "lighttpd", ms_a, ms_b, ms_post,
	    ms_gone, ms_alt);
	node_stop(&b);
}
END_TEST

/* Returns whether the page at base + path holds text (a 200). */
static bool
page_holds(const char *base, const char *path, const char *text)
{
	struct http_resp r;
	bool		 holds;

	ck_assert_int_eq(api_at(base, "GET", path, NULL, NULL, NULL, &r), 200);
	holds = strstr(buf_str(&r.body), text) != NULL;
	return holds;
}

/* Waits (DEADLINE_MS at most) until file is gone. Returns the milliseconds it took. */
static double
wait_gone(const char *file)
{
	int64_t	 t0 = time_mono_usec();

	while (exists(file)) {
		ck_assert_msg(time_mono_usec() - t0 < DEADLINE_MS * 1000LL, "%s still there", file);
		usleep(5000);
	}
	return (double)(time_mono_usec() - t0) / 1000;
}

/*
 * GETs base + path until its page is stored in file (a notification of an
 * earlier change, read after the GET that stored the page, may delete it
 * once more), DEADLINE_MS at most.
 */
static void
stored_after_get(const char *base, const char *path, const char *file)
{
	struct http_resp r;
	int64_t		 t0 = time_mono_usec();

	for (;;) {
		ck_assert_int_eq(api_at(base, "GET", path, NULL, NULL, NULL, &r), 200);
		if (exists(file))
			return;
		ck_assert_msg(time_mono_usec() - t0 < DEADLINE_MS * 1000LL, "%s never stored", file);
		usleep(20000);
	}
}

/*
 * Issue 11 for the reader site: a post page stored on both nodes, changed
 * through node A, leaves node B's site directory (B's web server sends its
 * files by itself, so nothing else would make B's Post look), and B's next
 * GET shows the change; a change made while B's programs are stopped is
 * caught up when they start again (the count of changes in the database).
 */
START_TEST(reader_pages_follow_a_change_on_every_node)
{
	struct http_resp r;
	struct node	 b;
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 slug[200], id[UUID_LEN + 1], etag[64], hdr[100], path[300], page[300];
	char		 file_a[1400], file_b[1400];
	double		 ms_b, ms_restart;

	ck_assert_int_eq(node_start(&test_stack, &b, "node-s", NULL, true), 0);
	new_post(tok, "Read on two nodes", "Either.", slug, sizeof(slug), id, etag);
	snprintf(page, sizeof(page), "/%s/", slug);
	snprintf(file_a, sizeof(file_a), "%s/site/%s/index.html", test_stack.var, slug);
	snprintf(file_b, sizeof(file_b), "%s/%s/index.html", b.site, slug);
	ck_assert(page_holds(test_stack.base_url, page, "Read on two nodes"));
	ck_assert(page_holds(b.base_url, page, "Read on two nodes"));
	stored_after_get(test_stack.base_url, page, file_a);
	stored_after_get(b.base_url, page, file_b);

	/* Changed through A: B's stored page goes, and B's next GET shows the change. */
	snprintf(path, sizeof(path), "/posts/%s", id);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
	ck_assert_int_eq(api_at(test_stack.base_url, "PATCH", path, tok,
	    "{\"title\":\"Changed through A\"}", hdr, &r), 200);
	snprintf(etag, sizeof(etag), "%s", http_header(&r, "ETag", hdr, sizeof(hdr)));
	ck_assert(!exists(file_a));	/* the node that answered: before its 200 */
	ms_b = wait_gone(file_b);
	ck_assert(page_holds(b.base_url, page, "Changed through A"));
	stored_after_get(b.base_url, page, file_b);

	/* Changed while B's programs are stopped: B catches up when they start. */
	node_stop(&b);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", etag);
	ck_assert_int_eq(api_at(test_stack.base_url, "PATCH", path, tok,
	    "{\"title\":\"Changed while B slept\"}", hdr, &r), 200);
	ck_assert_msg(exists(file_b), "%s", file_b);
	ck_assert_int_eq(node_start(&test_stack, &b, "node-s", NULL, true), 0);
	ms_restart = wait_gone(file_b);
	ck_assert(page_holds(b.base_url, page, "Changed while B slept"));

	fprintf(stderr, "reader pages on two nodes behind %s: a page changed through A left "
	    "B's site directory in %.0f ms; a change made while B was stopped, %.0f ms after "
	    "B started\n", test_stack.apache ? "Apache" : "lighttpd", ms_b, ms_restart);
	node_stop(&b);
}
END_TEST

/*
 * Writes a wrk script to file: method path, as token's (NULL: anonymous);
 * a POST sends a post whose title is unique per thread and request. It
 * counts answers: ok (status ok_status), unavailable (503
 * service_unavailable with Retry-After: 1) and bad (anything else), and
 * prints "ok=… unavailable=… bad=… socket_errors=…".
 */
static void
write_script(const char *file, const char *method, const char *path, const char *token,
    int ok_status)
{
	FILE	*f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f,
	    "local threads = {}\n"
	    "function setup(thread)\n"
	    "  thread:set(\"tid\", #threads + 1)\n"
	    "  table.insert(threads, thread)\n"
	    "end\n"
	    "function init(args) ok = 0 unavailable = 0 bad = 0 n = 0 end\n"
	    "local headers = { [\"Content-Type\"] = \"application/json\" }\n"
	    "if \"%s\" ~= \"\" then headers[\"Authorization\"] = \"Bearer %s\" end\n"
	    "function request()\n"
	    "  n = n + 1\n"
	    "  local body = nil\n"
	    "  if \"%s\" == \"POST\" then\n"
	    "    body = string.format('{\"title\":\"Failover %%d %%d\",\"body\":\"Under load.\"}',"
	    " tid, n)\n"
	    "  end\n"
	    "  return wrk.format(\"%s\", \"%s\", headers, body)\n"
	    "end\n"
	    "function response(status, hdrs, body)\n"
	    "  if status == %d then ok = ok + 1\n"
	    "  elseif status == 503 and hdrs[\"Retry-After\"] == \"1\" and\n"
	    "      string.find(body, '\"code\":\"service_unavailable\"', 1, true) then\n"
	    "    unavailable = unavailable + 1\n"
	    "  else bad = bad + 1 end\n"
	    "end\n"
	    "function done(summary, latency, requests)\n"
	    "  local o, u, b = 0, 0, 0\n"
	    "  for _, t in ipairs(threads) do\n"
	    "    o = o + t:get(\"ok\") u = u + t:get(\"unavailable\") b = b + t:get(\"bad\")\n"
	    "  end\n"
	    "  local e = summary.errors\n"
	    "  io.write(string.format(\"ok=%%d unavailable=%%d bad=%%d socket_errors=%%d\\n\",\n"
	    "    o, u, b, e.connect + e.read + e.write + e.timeout))\n"
	    "end\n", token != NULL ? token : "", token != NULL ? token : "", method, method, path,
	    ok_status);
	ck_assert_int_eq(fclose(f), 0);
}

struct counts {
	long	 ok, unavailable, bad, socket_errors;
};

/* Stops the load l and returns its counts (failing the test when it printed none). */
static struct counts
counts_stop(struct load *l)
{
	struct counts	 c = { 0, 0, 0, 0 };
	char		 out[8192];
	const char	*p;

	load_stop(l, out, sizeof(out));
	p = strstr(out, "ok=");
	ck_assert_msg(p != NULL && sscanf(p, "ok=%ld unavailable=%ld bad=%ld socket_errors=%ld",
	    &c.ok, &c.unavailable, &c.bad, &c.socket_errors) == 4, "wrk:\n%s", out);
	return c;
}

/*
 * api() for a request with a token right after a failover: each worker
 * answers 503 until its own connections have found the new primary (a
 * token waits for the LISTEN connection); retried until FAILOVER_MS.
 * Returns the last status, the response in *r.
 */
static int
api_after_switch(const char *method, const char *path, const char *tok, struct http_resp *r)
{
	int64_t	 t0 = time_mono_usec();
	int	 status;

	while ((status = api(method, path, tok, NULL, r)) == 503 &&
	    time_mono_usec() - t0 < FAILOVER_MS * 1000LL)
		usleep(50000);
	return status;
}

/* POSTs a post as token's. Returns the status: 201, or 503 service_unavailable (asserted). */
static long
write_probe(const char *token)
{
	static unsigned	 serial;
	struct http_resp r;
	char		 json[200], retry[16];
	long		 st;

	snprintf(json, sizeof(json), "{\"title\":\"Probe %u\",\"body\":\"During the switch.\"}",
	    serial++);
	st = api("POST", "/posts", token, json, &r);
	if (st != 201) {
		ck_error(&r, 503, "service_unavailable");
		ck_assert_str_eq(http_header(&r, "Retry-After", retry, sizeof(retry)), "1");
	}
	return st;
}

START_TEST(the_standby_is_promoted_under_load)
{
	struct http_resp r;
	struct node	 b;
	struct load	 lr, lw;
	struct counts	 reads, writes;
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 slug[200], id[UUID_LEN + 1], etag[ETAG_MAX], m[UUID_LEN + 1], path[300];
	char		 url[400], script_r[1100];
	char		 script_w[1100], file_b[1400], read_line[400];
	pid_t		 before[MAX_PIDS], now[MAX_PIDS];
	size_t		 nbefore, nnow;
	int64_t		 t_stop, t_promote, t_promoted, t_ok, t_settle;
	int		 replaced = program_log_count("replacing a worker");
	int		 n_read, n_wrote, n_refused, probes;

	new_post(tok, "Read through the failover", "Always.", slug, sizeof(slug), id, etag);
	ck_assert_int_eq(upload_png(tok, 400, 300, m), 201);
	standby_catch_up();
	ck_assert_int_eq(node_start(&test_stack, &b, "node-f", NULL, true), 0);
	read_on_both(&b, m);
	nbefore = stack_program_pids(&test_stack, before, MAX_PIDS);
	ck_assert_uint_eq(nbefore, 3 * (PROCS + test_stack.apache));

	snprintf(script_r, sizeof(script_r), "%s/failover-reads.lua", test_stack.var);
	snprintf(script_w, sizeof(script_w), "%s/failover-writes.lua", test_stack.var);
	snprintf(path, sizeof(path), "/posts/%s", slug);
	write_script(script_r, "GET", path, NULL, 200);
	write_script(script_w, "POST", "/posts", tok, 201);
	snprintf(url, sizeof(url), "%s/", test_stack.base_url);
	snprintf(read_line, sizeof(read_line), "method=GET path=%s status=200 ", path);
	n_read = program_log_count(read_line);
	n_wrote = program_log_count(WRITE_OK);
	n_refused = program_log_count(WRITE_REFUSED);
	ck_assert_int_eq(load_start(&lr, script_r, url, LOAD_MAX_SECONDS, 4), 0);
	ck_assert_int_eq(load_start(&lw, script_w, url, LOAD_MAX_SECONDS, 4), 0);
	/* Both loads under way (answers logged)... */
	program_log_wait(read_line, n_read + LOAD_SEEN);
	program_log_wait(WRITE_OK, n_wrote + LOAD_SEEN);

	/* The primary goes; writes get 503 with Retry-After... */
	t_stop = time_mono_usec();
	ck_assert_int_eq(stack_pg_stop(&test_stack), 0);
	for (probes = 1; write_probe(tok) != 503; probes++)
		ck_assert_int_lt(time_mono_usec() - t_stop, DEADLINE_MS * 1000LL);
	/* ...the load's too (more refused writes logged than the probes made). */
	program_log_wait(WRITE_REFUSED, n_refused + probes + 1);
	/* The standby is promoted; the programs find the new primary by themselves. */
	t_promote = time_mono_usec();
	ck_assert_int_eq(stack_standby_promote(&test_stack), 0);
	t_promoted = time_mono_usec();
	while (write_probe(tok) != 201)
		ck_assert_int_lt(time_mono_usec() - t_promoted, FAILOVER_MS * 1000LL);
	t_ok = time_mono_usec();
	/* The load writes again too (beyond the probe's own line), then stops. */
	program_log_wait(WRITE_OK, program_log_count(WRITE_OK) + 2);
	reads = counts_stop(&lr);
	writes = counts_stop(&lw);
	/*
	 * A request wrk left behind may still be running (Apache finishes it),
	 * with a render child forked for it: the same processes as before
	 * once it is done, or a restart that never settles.
	 */
	t_settle = time_mono_usec();
	while ((nnow = stack_program_pids(&test_stack, now, MAX_PIDS)) != nbefore ||
	    memcmp(now, before, nbefore * sizeof(pid_t)) != 0) {
		if (time_mono_usec() - t_settle > DEADLINE_MS * 1000LL)
			break;
		usleep(10000);
	}
	fprintf(stderr, "failover behind %s: writes answered 503 for %.2f s (primary stopped "
	    "-> pg_ctl promote %.2f s, promote -> promoted %.2f s, promoted -> first write "
	    "%.2f s); under load %ld writes 2xx, %ld 503, %ld reads 2xx, %ld not\n",
	    test_stack.apache ? "Apache" : "lighttpd", (double)(t_ok - t_stop) / 1e6,
	    (double)(t_promote - t_stop) / 1e6, (double)(t_promoted - t_promote) / 1e6,
	    (double)(t_ok - t_promoted) / 1e6, writes.ok, writes.unavailable, reads.ok,
	    reads.unavailable + reads.bad + reads.socket_errors);

	/* Reads never stopped: the standby served them throughout. */
	ck_assert_int_gt(reads.ok, 0);
	ck_assert_int_eq(reads.unavailable + reads.bad + reads.socket_errors, 0);
	/* Writes: 503 with Retry-After during the switch only, 2xx before and after. */
	ck_assert_int_gt(writes.ok, 0);
	ck_assert_int_gt(writes.unavailable, 0);
	ck_assert_int_eq(writes.bad + writes.socket_errors, 0);
	/* No program restarted. */
	ck_assert_uint_eq(nnow, nbefore);
	ck_assert_mem_eq(now, before, nbefore * sizeof(pid_t));
	ck_assert_int_eq(program_log_count("replacing a worker"), replaced);
	/* Every post written before the switch is on the new primary. */
	ck_assert_int_eq(api_after_switch("GET", path, tok, &r), 200);

	/* The caches stay coherent: node B hears of a deletion on the new primary. */
	cached(file_b, sizeof(file_b), b.cache, m, "w/320.webp");
	ck_assert(exists(file_b));
	snprintf(path, sizeof(path), "/media/%s", m);
	ck_assert_int_eq(api_after_switch("DELETE", path, tok, &r), 204);
	snprintf(path, sizeof(path), "/media/%s/w/320.webp", m);
	poll_until(b.base_url, path, 404, file_b);
	node_stop(&b);
}
END_TEST

static Suite *
scale_suite(void)
{
	Suite	*s = suite_create("scale");
	TCase	*t = tcase_create("two-instances");

	tcase_set_timeout(t, 90);
	tcase_add_test(t, one_of_two_instances_killed_under_load);
	suite_add_tcase(s, t);
	t = tcase_create("standby");
	tcase_set_timeout(t, 60);
	/* Before each test and after the last: a failed test leaves no replay paused. */
	tcase_add_checked_fixture(t, standby_resume, NULL);
	tcase_add_unchecked_fixture(t, NULL, standby_resume);
	tcase_add_test(t, anonymous_reads_go_to_the_standby);
	tcase_add_test(t, a_writer_reads_what_they_wrote_while_the_standby_lags);
	tcase_add_test(t, a_change_through_one_node_is_seen_through_the_other);
	tcase_add_test(t, reader_pages_follow_a_change_on_every_node);
	suite_add_tcase(s, t);
	return s;
}

static Suite *
failover_suite(void)
{
	Suite	*s = suite_create("failover");
	TCase	*t = tcase_create("promotion");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, the_standby_is_promoted_under_load);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	struct stack_opts o = { 0 };

	o.procs = PROCS;
	o.standby = true;
	/* Stopping the primary and promoting the standby needs the process that started them. */
	return client_run(scale_suite(), failover_suite(), &o);
}
