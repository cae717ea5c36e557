/*
 * What the web server answers by itself on /auth, /posts and /media comes
 * out in Quire's one error shape, as application/json, behind either web
 * server alike: a body over the web server's limit (413 body_too_large),
 * sent with a length or chunked, and a program that is not running (503
 * service_unavailable with Retry-After). And the harness's client itself:
 * what it allocates is the test's (client.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "nitems.h"
#include "proc.h"

/* Asserts the error shape, its status and code, and that the body is application/json. */
static void
expect_edge_error(const struct http_resp *r, int status, const char *code)
{
	char	 v[128];

	ck_error(r, status, code);
	ck_assert_ptr_nonnull(http_header(r, "Content-Type", v, sizeof(v)));
	ck_assert_str_eq(v, "application/json");
}

/* POSTs len bytes of body to path (chunked when asked) with content type ct and token. */
static void
post_body(const char *path, const char *token, const char *ct, const char *body, size_t len,
    bool chunked, struct http_resp *r)
{
	char		 url[256], auth[AUTH_HEADER_SIZE], type[128];
	const char	*headers[4] = { type, NULL, NULL, NULL };
	size_t		 n = 1;

	snprintf(url, sizeof(url), "%s%s", test_stack.base_url, path);
	snprintf(type, sizeof(type), "Content-Type: %s", ct);
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		headers[n++] = auth;
	}
	if (chunked)
		headers[n++] = "Transfer-Encoding: chunked";
	http_request("POST", url, headers, body, len, r);
}

/*
 * Past each path's limit at the web server (lighttpd's server.max-request-size,
 * Apache's LimitRequestBody), with a Content-Length and chunked: 413
 * body_too_large, whoever answers it. Between the program's limit and the
 * web server's, chunked: the program's own 413 (Apache passes such a body on
 * without a length).
 */
START_TEST(bodies_over_the_limits_get_413_in_the_error_shape)
{
	static const struct {
		const char	*path;
		const char	*type;
		size_t		 len;	/* one byte past the web server's limit */
		bool		 token;
	} paths[] = {
		{ "/auth/login", "application/json", 128 * 1024 + 1, false },
		{ "/posts", "application/json", 4160 * 1024 + 1, true },
		{ "/media", "image/png", 21 * 1024 * 1024 + 1, true },
	};
	struct http_resp r;
	char		*big;
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	size_t		 i;
	int		 chunked;

	big = malloc(21 * 1024 * 1024 + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', 21 * 1024 * 1024 + 1);
	memcpy(big, "{\"a\":1}", 7);
	for (i = 0; i < nitems(paths); i++) {
		for (chunked = 0; chunked < 2; chunked++) {
			post_body(paths[i].path, paths[i].token ? tok : NULL, paths[i].type, big,
			    paths[i].len, chunked, &r);
			expect_edge_error(&r, 413, "body_too_large");
		}
	}
	/* Auth's own limit is 64 KiB. */
	post_body("/auth/login", NULL, "application/json", big, 100 * 1024, true, &r);
	expect_edge_error(&r, 413, "body_too_large");
	free(big);
}
END_TEST

/*
 * A web server in front of programs that are not running (the project's own
 * routes, to sockets nobody listens on): every path answers 503
 * service_unavailable with Retry-After, as a program answers when its
 * database is down.
 */
START_TEST(programs_down_get_503_in_the_error_shape)
{
	static const char *const gets[] = { "/auth/health", "/auth/me", "/posts?page=1",
	    "/posts/some-post", "/media/00000000-0000-4000-8000-000000000000",
	    "/media/00000000-0000-4000-8000-000000000000/w/640.webp" };
	struct http_resp r;
	char		 run[1100], routes[8192], url[512], retry[16];
	int		 port = stack_free_port();
	size_t		 i;
	pid_t		 web;

	snprintf(run, sizeof(run), "%s/run/nobody", test_stack.var);
	ck_assert_int_eq(make_dir(run, 0755), 0);
	web_routes(&test_stack, run, NULL, NULL, routes, sizeof(routes));
	ck_assert_int_gt(web = web_start_extra(&test_stack, "programs-down", port, routes), 0);
	for (i = 0; i < nitems(gets) + 1; i++) {
		if (i < nitems(gets)) {
			snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, gets[i]);
			http_request("GET", url, NULL, NULL, 0, &r);
		} else {
			snprintf(url, sizeof(url), "http://127.0.0.1:%d/auth/login", port);
			http_request("POST", url, (const char *[]){ "Content-Type: application/json",
			    NULL }, "{}", 2, &r);
		}
		expect_edge_error(&r, 503, "service_unavailable");
		ck_assert_ptr_nonnull(http_header(&r, "Retry-After", retry, sizeof(retry)));
		ck_assert_str_eq(retry, "1");
	}
	stop_process(web, SIGTERM, 5000, true);
}
END_TEST

/*
 * The client's ownership (client.h): a struct filled again frees only what
 * it held before, after the request (which may read from it), so one struct
 * serves a loop of any length; another struct's response stays readable;
 * http_resp_free() is immediate and idempotent; client_release() (at exit,
 * so when a forked test ends) frees the rest, tokens of login() included.
 * ASan (make check SAN=1) turns a wrong free into a failure here.
 */
START_TEST(the_client_frees_what_a_test_no_longer_holds)
{
	struct http_resp r, other;
	const char	*code, *tok;
	size_t		 n0 = client_owned();
	int		 i;

	api("POST", "/auth/refresh", NULL, "{}", &r);
	ck_error(&r, 400, "missing_field");
	code = http_resp_error_code(&r);
	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(api("GET", "/auth/health", NULL, NULL, &other), 200);
		ck_assert_uint_eq(client_owned(), n0 + 2);
	}
	ck_assert_str_eq(code, "missing_field");
	/*
	 * The request's body is the previous answer of the struct it fills, an
	 * error object: intact (not freed before it was sent), it is JSON with
	 * an unknown field, not garbage.
	 */
	for (i = 0; i < 3; i++) {
		api("POST", "/auth/refresh", NULL, buf_str(&r.body), &r);
		ck_error(&r, 400, "unknown_field");
	}
	ck_assert_uint_eq(client_owned(), n0 + 2);
	http_resp_free(&other);
	ck_assert_uint_eq(client_owned(), n0 + 1);
	ck_assert_int_eq(other.status, 0);
	ck_assert_ptr_null(other.json);
	http_resp_free(&other);
	ck_assert_uint_eq(client_owned(), n0 + 1);
	tok = admin_token();
	ck_assert_uint_eq(client_owned(), n0 + 2);
	ck_assert_int_eq(api("GET", "/auth/me", tok, NULL, &other), 200);
	ck_assert_str_eq(http_resp_str(&other, "username"), ADMIN_USER);
	client_release();
	ck_assert_uint_eq(client_owned(), 0);
}
END_TEST

static Suite *
edge_suite(void)
{
	Suite	*s = suite_create("edge");
	TCase	*t = tcase_create("web-server-errors");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, bodies_over_the_limits_get_413_in_the_error_shape);
	tcase_add_test(t, programs_down_get_503_in_the_error_shape);
	suite_add_tcase(s, t);
	t = tcase_create("client");
	tcase_add_test(t, the_client_frees_what_a_test_no_longer_holds);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return client_main(edge_suite(), NULL, NULL);
}
