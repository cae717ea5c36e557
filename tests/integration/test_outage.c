/*
 * PostgreSQL restarted under load: wrk reads a post, a media item and the
 * current user (a prepared statement of each program) while PostgreSQL
 * stops (until the load has met it) and starts again. No program process may exit or be replaced;
 * every answer meanwhile is a 2xx or a 503 service_unavailable with
 * Retry-After; once PostgreSQL is back every program answers 2xx again, its
 * statements prepared again, within a generous deadline. The time that
 * took is printed for the record.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "load.h"
#include "proc.h"
#include "times.h"

#define MAX_PIDS		64
#define RECOVERY_DEADLINE_MS	20000	/* generous: the design says 2 s */
#define PROCS			2	/* the stack's processes per program */
#define LOAD_MAX_SECONDS	120	/* wrk's run, cut short by events (load_stop) */
#define LOAD_SEEN		10	/* answers logged that show the load going on */

/* Writes the wrk script: GET each path in turn, counting statuses and wrong non-2xx answers. */
static void
write_script(const char *file, const char *const paths[3], const char *token)
{
	FILE	*f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f,
	    "local threads = {}\n"
	    "function setup(thread) table.insert(threads, thread) end\n"
	    "function init(args) counts = {} bad = 0 n = 0 end\n"
	    "local auth = { [\"Authorization\"] = \"Bearer %s\" }\n"
	    "local paths = { \"%s\", \"%s\", \"%s\" }\n"
	    "function request()\n"
	    "  n = n + 1\n"
	    "  return wrk.format(\"GET\", paths[n %% 3 + 1], auth)\n"
	    "end\n"
	    "function response(status, headers, body)\n"
	    "  counts[status] = (counts[status] or 0) + 1\n"
	    "  if status >= 300 and (status ~= 503 or headers[\"Retry-After\"] ~= \"1\" or\n"
	    "      not string.find(body, '\"code\":\"service_unavailable\"', 1, true)) then\n"
	    "    bad = bad + 1\n"
	    "  end\n"
	    "end\n"
	    "function done(summary, latency, requests)\n"
	    "  local ok, unavailable, bad = 0, 0, 0\n"
	    "  for _, t in ipairs(threads) do\n"
	    "    for status, count in pairs(t:get(\"counts\")) do\n"
	    "      if status < 300 then ok = ok + count end\n"
	    "      if status == 503 then unavailable = unavailable + count end\n"
	    "    end\n"
	    "    bad = bad + t:get(\"bad\")\n"
	    "  end\n"
	    "  local e = summary.errors\n"
	    "  io.write(string.format(\"ok=%%d unavailable=%%d bad=%%d socket_errors=%%d\\n\",\n"
	    "    ok, unavailable, bad, e.connect + e.read + e.write + e.timeout))\n"
	    "end\n", token, paths[0], paths[1], paths[2]);
	ck_assert_int_eq(fclose(f), 0);
}

/* Starts wrk with the script for seconds against the stack. */
static struct load
outage_load(const char *script, int seconds)
{
	struct load	 l;

	ck_assert_int_eq(load_start(&l, script, test_stack.base_url, seconds, 8), 0);
	return l;
}

struct load_result {
	long	 ok, unavailable, bad, socket_errors;
};

/*
 * Waits for wrk (stopping it first with stop) and returns its counts
 * (failing the test when it printed none).
 */
static struct load_result
outage_wait(struct load l, bool stop)
{
	struct load_result res = { 0, 0, 0, 0 };
	char		 out[8192];
	const char	*p;

	if (stop)
		load_stop(&l, out, sizeof(out));
	else
		load_wait(&l, out, sizeof(out));
	p = strstr(out, "ok=");
	ck_assert_msg(p != NULL && sscanf(p, "ok=%ld unavailable=%ld bad=%ld socket_errors=%ld",
	    &res.ok, &res.unavailable, &res.bad, &res.socket_errors) == 4, "wrk:\n%s", out);
	return res;
}

/* Returns whether a round of requests, enough to reach every worker, all answered 2xx. */
static bool
all_answer(const char *const paths[3], const char *token)
{
	struct http_resp r;
	int		 i;
	bool		 ok = true;

	for (i = 0; i < 3 * PROCS * 3; i++) {
		api("GET", paths[i % 3], token, NULL, &r);
		ok = ok && r.status >= 200 && r.status < 300;
		ck_assert_msg(r.status / 100 == 2 || r.status == 503, "GET %s: %ld %s",
		    paths[i % 3], r.status, buf_str(&r.body));
	}
	return ok;
}

START_TEST(postgresql_restarted_under_load)
{
	struct http_resp r;
	struct load	 l;
	struct load_result during, after;
	char		 mid[UUID_LEN + 1];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 post[200], media[100], script[1100];
	const char	*paths[3] = { post, media, "/auth/me" };
	pid_t		 before[MAX_PIDS], now[MAX_PIDS];
	size_t		 nbefore, nnow;
	int64_t		 back, recovered;
	int		 replaced = program_log_count("replacing a worker"), ok, unavailable;

	ck_assert_int_eq(api("POST", "/posts", tok, "{\"title\":\"Through an outage\","
	    "\"body\":\"Still here.\",\"status\":\"published\"}", &r), 201);
	snprintf(post, sizeof(post), "/posts/%s", http_resp_str(&r, "slug"));
	ck_assert_int_eq(upload_png(tok, 64, 48, mid), 201);
	snprintf(media, sizeof(media), "/media/%s", mid);
	ck_assert(all_answer(paths, tok));
	nbefore = stack_program_pids(&test_stack, before, MAX_PIDS);
	ck_assert_uint_eq(nbefore, 3 * (PROCS + test_stack.apache));

	snprintf(script, sizeof(script), "%s/outage.lua", test_stack.var);
	write_script(script, paths, tok);
	/* Under load (answers logged)... */
	ok = program_log_count(" status=200 ");
	unavailable = program_log_count(" status=503 ");
	l = outage_load(script, LOAD_MAX_SECONDS);
	program_log_wait(" status=200 ", ok + LOAD_SEEN);
	/* ...PostgreSQL stops, until the load has had 503s (nothing else asks meanwhile)... */
	ck_assert_int_eq(stack_pg_stop(&test_stack), 0);
	program_log_wait(" status=503 ", unavailable + LOAD_SEEN);
	/* ...and starts again. */
	ck_assert_int_eq(stack_pg_start(&test_stack), 0);
	back = time_mono_usec();
	while (!all_answer(paths, tok)) {
		ck_assert_msg(time_mono_usec() - back < RECOVERY_DEADLINE_MS * 1000LL,
		    "not every program answers 2xx %d s after PostgreSQL came back",
		    RECOVERY_DEADLINE_MS / 1000);
		usleep(20000);
	}
	recovered = time_mono_usec() - back;
	during = outage_wait(l, true);
	/* Right after: every worker of every program answers, none with a 503 left. */
	l = outage_load(script, 3);
	after = outage_wait(l, false);
	nnow = stack_program_pids(&test_stack, now, MAX_PIDS);
	fprintf(stderr, "PostgreSQL restarted under load behind %s: %ld answers 2xx, %ld 503 "
	    "during the outage; every program answered 2xx again %.2f s after PostgreSQL was "
	    "back; then %ld answers 2xx, %ld not\n", test_stack.apache ? "Apache" : "lighttpd",
	    during.ok, during.unavailable, (double)recovered / 1e6, after.ok,
	    after.unavailable + after.bad + after.socket_errors);

	ck_assert_int_gt(during.unavailable, 0);	/* the outage was seen */
	ck_assert_int_eq(during.bad, 0);	/* and only as 503 with Retry-After */
	ck_assert_int_eq(during.socket_errors, 0);
	ck_assert_int_gt(after.ok, 0);
	ck_assert_int_eq(after.unavailable + after.bad + after.socket_errors, 0);
	/* No process exited or was replaced. */
	ck_assert_uint_eq(nnow, nbefore);
	ck_assert_mem_eq(now, before, nbefore * sizeof(pid_t));
	ck_assert_int_eq(program_log_count("replacing a worker"), replaced);
}
END_TEST

static Suite *
outage_suite(void)
{
	Suite	*s = suite_create("outage");
	TCase	*t = tcase_create("postgresql-restart");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, postgresql_restarted_under_load);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	struct stack_opts o = { 0 };

	o.procs = PROCS;
	/* Restarting PostgreSQL needs the process that started it. */
	return client_run(NULL, outage_suite(), &o);
}
