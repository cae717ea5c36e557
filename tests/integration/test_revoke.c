/*
 * Revocations over real HTTP: once Auth disables, deletes, demotes or
 * promotes a user, or the user changes their password or logs out
 * everywhere, or a refresh token is presented twice, Post, Media and Auth refuse the user's older access
 * tokens within seconds (401 invalid_token), while a fresh login, where one
 * is allowed, works. Programs that were not listening when it happened
 * learn it from GET /auth/revocations: one started afterwards, one whose
 * connection was cut while it happened. A reload (SIGHUP) keeps what was
 * revoked and hears of what comes after. And after PostgreSQL restarts, the
 * notifications arrive again at idle workers.
 *
 * Delivery takes a moment, so each check polls until every program has
 * refused the token STREAK times in a row (several workers each), within
 * DEADLINE_USEC; how fast decides nothing within that. Where the program
 * could only have learnt it from the list, a single accepted write fails
 * the test at once.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "client.h"
#include "proc.h"
#include "standalone.h"
#include "times.h"

#define DEADLINE_USEC	20000000
#define STREAK		8
#define ACCESS_TTL	900	/* the default, which the stack keeps */

/* A 2×2 PNG: the smallest real upload. */
static const unsigned char png[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x02"
    "\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a\x73\x00\x00\x00\x11\x49\x44\x41"
    "\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x44\x60\xe2\x3f\x03\x00\x1d\xf0\x03\xfd\xa0\x33"
    "\x09\x89\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/* Where Post and Media are reached: the stack's web server, or another one. */
static char	 write_base[64];

/* Sends method base+path with token and a body of type ct. Returns the status. */
static long
send_with(const char *method, const char *base, const char *path, const char *token,
    const char *ct, const void *body, size_t len, struct http_resp *r)
{
	char		 url[512], auth[AUTH_HEADER_SIZE], type[128];
	const char	*headers[3] = { auth, type, NULL };

	snprintf(url, sizeof(url), "%s%s", base, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	snprintf(type, sizeof(type), "Content-Type: %s", ct);
	return http_request(method, url, headers, body, len, r);
}

/*
 * One write to Post and one to Media with token; their statuses in st[0]
 * and st[1], and whether each was refused as a revoked token.
 */
static void
write_both(const char *token, long st[2], bool revoked[2])
{
	static const char post[] = "{\"title\":\"Still here?\",\"body\":\"A write.\"}";
	struct http_resp r;
	int		 i;

	for (i = 0; i < 2; i++) {
		if (i == 0)
			st[i] = send_with("POST", write_base, "/posts", token, "application/json",
			    post, strlen(post), &r);
		else
			st[i] = send_with("POST", write_base, "/media?alt=dot", token, "image/png",
			    png, sizeof(png) - 1, &r);
		revoked[i] = st[i] == 401 && strcmp(http_resp_error_code(&r), "invalid_token") == 0 &&
		    strstr(buf_str(&r.body), "revoked") != NULL;
	}
}

/* Asserts that Post and Media (and Auth's /auth/me) accept token for writes. */
static void
assert_accepted(const char *token)
{
	struct http_resp r;
	long		 st[2];
	bool		 revoked[2];

	write_both(token, st, revoked);
	ck_assert_msg(st[0] == 201, "Post refused a valid token: %ld", st[0]);
	ck_assert_msg(st[1] == 201 || st[1] == 200, "Media refused a valid token: %ld", st[1]);
	ck_assert_int_eq(api("GET", "/auth/me", token, NULL, &r), 200);
}

/*
 * Polls until Post, Media and Auth have each refused token as revoked STREAK
 * times in a row, or fails after DEADLINE_USEC. With never_accepted, an
 * accepted write fails at once (the program could not have learnt it late).
 */
static void
assert_refused_soon(const char *token, bool never_accepted)
{
	struct http_resp r;
	int64_t		 deadline = time_mono_usec() + DEADLINE_USEC;
	long		 st[2], me = 0;
	bool		 revoked[2], me_revoked;
	int		 streak = 0;

	while (streak < STREAK && time_mono_usec() < deadline) {
		write_both(token, st, revoked);
		me = api("GET", "/auth/me", token, NULL, &r);
		me_revoked = me == 401 && strcmp(http_resp_error_code(&r), "invalid_token") == 0;
		if (never_accepted)
			ck_assert_msg(st[0] >= 300 && st[1] >= 300,
			    "a revoked token was accepted: Post %ld, Media %ld", st[0], st[1]);
		streak = revoked[0] && revoked[1] && me_revoked ? streak + 1 : 0;
		if (streak == 0)
			usleep(20000);
	}
	ck_assert_msg(streak == STREAK, "not refused everywhere in time: Post %ld, Media %ld, "
	    "Auth %ld", st[0], st[1], me);
}

/* PATCHes user id as the admin with json. Asserts 200. */
static void
admin_patch(const char *id, const char *json)
{
	struct http_resp r;
	char		 path[128];
	const char	*admin = admin_token();

	snprintf(path, sizeof(path), "/auth/users/%s", id);
	ck_assert_msg(api("PATCH", path, admin, json, &r) == 200, "%ld %s", r.status,
	    buf_str(&r.body));
}

/* Asserts that logging in as name with password is refused (401). */
static void
assert_login_refused(const char *name, const char *password)
{
	struct http_resp r;
	char		 json[256];

	snprintf(json, sizeof(json), "{\"username\":\"%s\",\"password\":\"%s\"}", name, password);
	api("POST", "/auth/login", NULL, json, &r);
	ck_error(&r, 401, "invalid_credentials");
}

static void
setup_base(void)
{
	snprintf(write_base, sizeof(write_base), "%s", test_stack.base_url);
}

START_TEST(disabled_user)
{
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1];
	const char	*tok = new_user("author", name, id), *fresh;

	assert_accepted(tok);
	admin_patch(id, "{\"disabled\":true}");
	assert_refused_soon(tok, false);
	assert_login_refused(name, USER_PASSWORD);
	/* Enabled again: a new login works, the old token stays refused. */
	admin_patch(id, "{\"disabled\":false}");
	fresh = login(name, USER_PASSWORD);
	assert_accepted(fresh);
	assert_refused_soon(tok, true);
}
END_TEST

START_TEST(deleted_user)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1], path[128];
	const char	*tok = new_user("editor", name, id);
	const char	*admin = admin_token();

	assert_accepted(tok);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	ck_assert_int_eq(api("DELETE", path, admin, NULL, &r), 204);
	assert_refused_soon(tok, false);
	assert_login_refused(name, USER_PASSWORD);
}
END_TEST

/*
 * Changes the role of a user holding tok to role, logs in again at once (in
 * the very second of the revocation, most likely), and asserts that the old
 * token is refused everywhere while the new one, with the new role, works.
 */
static void
assert_role_change(const char *name, const char *id, const char *tok, const char *role)
{
	struct http_resp r;
	char		 json[64];
	const char	*fresh;

	assert_accepted(tok);
	snprintf(json, sizeof(json), "{\"role\":\"%s\"}", role);
	admin_patch(id, json);
	fresh = login(name, USER_PASSWORD);
	/* The user still exists and is enabled: only the deny list refuses it. */
	assert_refused_soon(tok, false);
	ck_assert_int_eq(api("GET", "/auth/me", fresh, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "role"), role);
	assert_accepted(fresh);
}

START_TEST(demoted_user)
{
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1];
	const char	*tok = new_user("editor", name, id);

	assert_role_change(name, id, tok, "author");
}
END_TEST

START_TEST(promoted_user)
{
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1];
	const char	*tok = new_user("author", name, id);

	assert_role_change(name, id, tok, "editor");
}
END_TEST

START_TEST(password_changed)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1], path[128], json[256];
	const char	*tok = new_user("author", name, id);
	const char	*fresh;

	assert_accepted(tok);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	snprintf(json, sizeof(json), "{\"current_password\":\"%s\",\"password\":\"%s\"}",
	    USER_PASSWORD, "another-long-password");
	ck_assert_int_eq(api("PATCH", path, tok, json, &r), 200);
	fresh = login(name, "another-long-password");
	assert_refused_soon(tok, false);
	assert_login_refused(name, USER_PASSWORD);
	assert_accepted(fresh);
}
END_TEST

/* Logs in as name; returns the access token and writes the refresh token (to free). */
static char *
login_pair(const char *name, char **refresh)
{
	struct http_resp r;
	char		 json[256], *access;

	snprintf(json, sizeof(json), "{\"username\":\"%s\",\"password\":\"%s\"}", name,
	    USER_PASSWORD);
	ck_assert_int_eq(api("POST", "/auth/login", NULL, json, &r), 200);
	access = strdup(http_resp_str(&r, "access_token"));
	*refresh = strdup(http_resp_str(&r, "refresh_token"));
	return access;
}

/* Refreshes with token. Returns the status; on 200, the new pair (to free). */
static long
refresh(const char *token, char **access, char **next)
{
	struct http_resp r;
	char		 json[256];
	long		 st;

	snprintf(json, sizeof(json), "{\"refresh_token\":\"%s\"}", token);
	st = api("POST", "/auth/refresh", NULL, json, &r);
	if (st == 200) {
		*access = strdup(http_resp_str(&r, "access_token"));
		*next = strdup(http_resp_str(&r, "refresh_token"));
	}
	return st;
}

START_TEST(refresh_token_reused)
{
	char	 name[USERNAME_MAX + 1], *first, *r1, *a2, *r2, *other, *other_r, *a3, *r3;

	new_user("author", name, NULL);
	first = login_pair(name, &r1);
	other = login_pair(name, &other_r);	/* the same user on another device */
	ck_assert_int_eq(refresh(r1, &a2, &r2), 200);
	assert_accepted(a2);
	/* r1 again: someone copied it. Every access token of the user goes. */
	ck_assert_int_eq(refresh(r1, &a3, &r3), 401);
	assert_refused_soon(a2, false);
	assert_refused_soon(first, true);
	assert_refused_soon(other, true);
	/* The other device's login was not copied: it refreshes and goes on. */
	ck_assert_int_eq(refresh(other_r, &a3, &r3), 200);
	assert_accepted(a3);
	free(first);
	free(r1);
	free(a2);
	free(r2);
	free(other);
	free(other_r);
	free(a3);
	free(r3);
}
END_TEST

START_TEST(logged_out_everywhere)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1];
	const char	*tok = new_user("author", name, NULL), *fresh;

	assert_accepted(tok);
	ck_assert_int_eq(api("POST", "/auth/logout/all", tok, "", &r), 204);
	fresh = login(name, USER_PASSWORD);
	assert_refused_soon(tok, false);
	assert_accepted(fresh);
}
END_TEST

START_TEST(list_of_revocations)
{
	struct http_resp r;
	char		 id[UUID_LEN + 1], other[UUID_LEN + 1], cc[128];
	json_t		*item, *found = NULL;
	size_t		 i;
	long long	 before = (long long)time(NULL), after;

	new_user("author", (char[USERNAME_MAX + 1]){ 0 }, id);
	new_user("author", (char[USERNAME_MAX + 1]){ 0 }, other);
	admin_patch(id, "{\"role\":\"editor\"}");
	after = (long long)time(NULL);
	/* Public, like the JWK Set: no token. */
	ck_assert_int_eq(api("GET", "/auth/revocations", NULL, NULL, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "Cache-Control", cc, sizeof(cc)));
	ck_assert_str_eq(cc, "no-store");
	ck_assert(json_is_array(json_object_get(r.json, "revocations")));
	json_array_foreach(json_object_get(r.json, "revocations"), i, item) {
		ck_assert_str_ne(json_string_value(json_object_get(item, "sub")), other);
		if (strcmp(json_string_value(json_object_get(item, "sub")), id) == 0)
			found = item;
	}
	ck_assert_msg(found != NULL, "%s is not listed: %s", id, buf_str(&r.body));
	ck_assert_int_ge(json_integer_value(json_object_get(found, "revoked_at")), before);
	ck_assert_int_le(json_integer_value(json_object_get(found, "revoked_at")), after);
	ck_assert_int_eq(json_integer_value(json_object_get(found, "expires_at")),
	    json_integer_value(json_object_get(found, "revoked_at")) + ACCESS_TTL);
	ck_assert_int_eq(json_object_size(found), 3);
	/* Read-only: nothing else is allowed there. */
	ck_assert_int_eq(api("POST", "/auth/revocations", NULL, "{}", &r), 405);
}
END_TEST

/* Starts quire-NAME --listen 127.0.0.1:port. Returns its pid once it accepts. */
static pid_t
start_program(const char *name, int port)
{
	char	 prog[1100], spec[64];
	char	*argv[] = { prog, "--config", test_stack.conf, "--listen", spec, "--workers", "2",
		    NULL };
	pid_t	 pid;

	snprintf(prog, sizeof(prog), "%s/quire-%s", test_stack.build, name);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	pid = spawn(argv, false, SIGTERM, test_stack.program_log);
	ck_assert_int_gt(pid, 0);
	return pid;
}

START_TEST(program_started_after_revocation)
{
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1], routes[2048];
	const char	*tok = new_user("author", name, id);
	int		 pp = stack_free_port(), mp = stack_free_port(), wp = stack_free_port();
	pid_t		 post, media, web;

	assert_accepted(tok);
	admin_patch(id, "{\"role\":\"editor\"}");
	/* Nothing of this instance listened when it happened. */
	post = start_program("post", pp);
	media = start_program("media", mp);
	if (test_stack.apache)
		snprintf(routes, sizeof(routes),
		    "<LocationMatch \"^/posts\">\n"
		    "\tSetHandler \"proxy:fcgi://127.0.0.1:%d\"\n"
		    "\tRequire all granted\n\tCGIPassAuth On\n"
		    "</LocationMatch>\n"
		    "<LocationMatch \"^/media\">\n"
		    "\tSetHandler \"proxy:fcgi://127.0.0.1:%d\"\n"
		    "\tRequire all granted\n\tCGIPassAuth On\n"
		    "</LocationMatch>\n", pp, mp);
	else
		snprintf(routes, sizeof(routes),
		    "server.modules += ( \"mod_fastcgi\" )\n"
		    "fastcgi.server = (\n"
		    "\t\"/posts\" => (( \"host\" => \"127.0.0.1\", \"port\" => %d, "
		    "\"check-local\" => \"disable\" )),\n"
		    "\t\"/media\" => (( \"host\" => \"127.0.0.1\", \"port\" => %d, "
		    "\"check-local\" => \"disable\" )),\n"
		    ")\n", pp, mp);
	web = web_start_extra(&test_stack, "late-programs", wp, routes);
	ck_assert_int_gt(web, 0);
	snprintf(write_base, sizeof(write_base), "http://127.0.0.1:%d", wp);
	assert_refused_soon(tok, true);
	/* The new instances serve a fresh login all the same. */
	tok = login(name, USER_PASSWORD);
	assert_accepted(tok);
	stop_process(web, SIGTERM, 5000, true);
	stop_process(post, SIGTERM, 5000, true);
	stop_process(media, SIGTERM, 5000, true);
}
END_TEST

/*
 * Sends SIGHUP to every process of the stack's programs: lighttpd's
 * children, or the masters of Apache's (which forward it to their
 * workers). Returns how many processes got it.
 */
static int
sighup_programs(void)
{
	pid_t	 pids[64];
	int	 i, n = 0, found;

	if (test_stack.apache) {
		for (i = 0; i < STACK_MAX_PROGRAMS; i++)
			if (test_stack.program_pids[i] > 0 && kill(test_stack.program_pids[i], SIGHUP) == 0)
				n++;
		return n;
	}
	found = standalone_worker_pids(test_stack.web_pid, pids, 64);
	for (i = 0; i < found && i < 64; i++)
		if (kill(pids[i], SIGHUP) == 0)
			n++;
	return n;
}

START_TEST(reloaded_programs_keep_revocations)
{
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1], other_id[UUID_LEN + 1];
	const char	*tok = new_user("author", name, id);
	const char	*other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, other_id), *fresh;
	int64_t	 deadline = time_mono_usec() + DEADLINE_USEC;
	int		 before = program_log_count("SIGHUP:"), signalled;

	assert_accepted(tok);
	assert_accepted(other);
	admin_patch(id, "{\"role\":\"editor\"}");
	assert_refused_soon(tok, false);
	/* Every process reads its configuration again and makes a fresh context... */
	ck_assert_int_gt(signalled = sighup_programs(), 0);
	while (program_log_count("SIGHUP:") < before + signalled && time_mono_usec() < deadline)
		usleep(20000);
	ck_assert_int_ge(program_log_count("SIGHUP:"), before + signalled);
	/* ...which still refuses what was revoked before... */
	assert_refused_soon(tok, true);
	/* ...and hears of what is revoked after. */
	admin_patch(other_id, "{\"role\":\"editor\"}");
	assert_refused_soon(other, false);
	fresh = login(name, USER_PASSWORD);
	assert_accepted(fresh);
}
END_TEST

/* Returns the number of connections of Post's and Media's roles. */
static long
post_media_connections(void)
{
	return db_number("postgres", "SELECT count(*) FROM pg_stat_activity "
	    "WHERE usename IN ('quire_post', 'quire_media')", NULL);
}

/* Lets Post and Media connect again (also after a failed test: unchecked teardown). */
static void
allow_login(void)
{
	db_number("postgres", "ALTER ROLE quire_post LOGIN", NULL);
	db_number("postgres", "ALTER ROLE quire_media LOGIN", NULL);
}

START_TEST(program_reconnected_after_revocation)
{
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1];
	const char	*tok = new_user("author", name, id);
	int64_t	 deadline = time_mono_usec() + DEADLINE_USEC;

	assert_accepted(tok);
	/* Post and Media lose their connections and cannot open new ones... */
	db_number("postgres", "ALTER ROLE quire_post NOLOGIN", NULL);
	db_number("postgres", "ALTER ROLE quire_media NOLOGIN", NULL);
	db_number("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
	    "WHERE usename IN ('quire_post', 'quire_media')", NULL);
	while (post_media_connections() > 0 && time_mono_usec() < deadline)
		usleep(20000);
	ck_assert_int_eq(post_media_connections(), 0);
	/* ...while the user is demoted: no notification can reach them. */
	admin_patch(id, "{\"role\":\"editor\"}");
	allow_login();
	/* Back, they ask Auth for the list before trusting a token again. */
	assert_refused_soon(tok, true);
}
END_TEST

/* Waits until n connections of each program are open again. */
static void
wait_connections(long n)
{
	int64_t	 deadline = time_mono_usec() + DEADLINE_USEC;
	long	 have = 0;

	while (time_mono_usec() < deadline) {
		have = db_number("postgres", "SELECT least("
		    "(SELECT count(*) FROM pg_stat_activity WHERE usename = 'quire_auth'), "
		    "(SELECT count(*) FROM pg_stat_activity WHERE usename = 'quire_post'), "
		    "(SELECT count(*) FROM pg_stat_activity WHERE usename = 'quire_media'))", NULL);
		if (have >= n)
			return;
		usleep(50000);
	}
	ck_abort_msg("the programs did not reconnect by themselves: %ld", have);
}

START_TEST(postgresql_restarted)
{
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1];
	const char	*tok;

	setup_base();
	tok = new_user("author", name, id);
	assert_accepted(tok);
	ck_assert_int_eq(stack_pg_stop(&test_stack), 0);
	ck_assert_int_eq(stack_pg_start(&test_stack), 0);
	/* Idle workers reconnect and listen again without a request (2 per program). */
	wait_connections(2);
	admin_patch(id, "{\"disabled\":true}");
	assert_refused_soon(tok, false);
}
END_TEST

static Suite *
revoke_suite(void)
{
	Suite	*s = suite_create("revoke");
	TCase	*t = tcase_create("kinds");
	TCase	*late = tcase_create("late");
	TCase	*cut = tcase_create("cut");

	tcase_set_timeout(t, 120);
	tcase_add_checked_fixture(t, setup_base, NULL);
	tcase_add_test(t, disabled_user);
	tcase_add_test(t, deleted_user);
	tcase_add_test(t, demoted_user);
	tcase_add_test(t, promoted_user);
	tcase_add_test(t, password_changed);
	tcase_add_test(t, refresh_token_reused);
	tcase_add_test(t, logged_out_everywhere);
	tcase_add_test(t, list_of_revocations);
	suite_add_tcase(s, t);
	tcase_set_timeout(late, 120);
	tcase_add_checked_fixture(late, setup_base, NULL);
	tcase_add_test(late, program_started_after_revocation);
	tcase_add_test(late, reloaded_programs_keep_revocations);
	suite_add_tcase(s, late);
	tcase_set_timeout(cut, 120);
	tcase_add_checked_fixture(cut, setup_base, NULL);
	tcase_add_unchecked_fixture(cut, NULL, allow_login);
	tcase_add_test(cut, program_reconnected_after_revocation);
	suite_add_tcase(s, cut);
	return s;
}

static Suite *
restart_suite(void)
{
	Suite	*s = suite_create("revoke-restart");
	TCase	*t = tcase_create("restart");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, postgresql_restarted);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return client_main(revoke_suite(), restart_suite(), NULL);
}
