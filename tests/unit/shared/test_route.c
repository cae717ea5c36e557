/* Unit tests of route.c. */
#include <string.h>

#include "route.h"
#include "nitems.h"
#include "suites.h"

static void h_a(struct req *r) { (void)r; }
static void h_b(struct req *r) { (void)r; }

static const struct route routes[] = {
	{ "GET",	"/posts",		h_a, ROLE_ANON },
	{ "POST",	"/posts",		h_b, ROLE_AUTHOR },
	{ "GET",	"/posts/feed.atom",	h_b, ROLE_ANON },
	{ "GET",	"/posts/{id}",		h_a, ROLE_ANON },
	{ "PATCH",	"/posts/{id}",		h_b, ROLE_AUTHOR },
	{ "GET",	"/media/{id}/w/{file}",	h_a, ROLE_ANON },
};

/* Matches method and path; returns the result and fills the out parameters. */
static enum route_result
match(const char *method, const char *path, const struct route **found, char **params,
    size_t *n, struct buf *allow, char *scratch)
{
	return route_match(routes, nitems(routes), method, path, found,
	    scratch, params, n, allow);
}

START_TEST(literal_and_params)
{
	const struct route	*found = NULL;
	char			*params[REQ_MAX_PARAMS], scratch[128];
	struct buf		 allow = BUF_INIT;
	size_t			 n;

	ck_assert_int_eq(match("GET", "/posts", &found, params, &n, &allow, scratch), ROUTE_FOUND);
	ck_assert_ptr_eq(found, &routes[0]);
	ck_assert_uint_eq(n, 0);
	/* The first matching route wins: feed.atom is not an {id}. */
	ck_assert_int_eq(match("GET", "/posts/feed.atom", &found, params, &n, &allow, scratch),
	    ROUTE_FOUND);
	ck_assert_ptr_eq(found, &routes[2]);
	ck_assert_int_eq(match("GET", "/posts/hello%20world", &found, params, &n, &allow,
	    scratch), ROUTE_FOUND);
	ck_assert_ptr_eq(found, &routes[3]);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(params[0], "hello world");
	ck_assert_int_eq(match("GET", "/media/abc/w/640.webp", &found, params, &n, &allow,
	    scratch), ROUTE_FOUND);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(params[0], "abc");
	ck_assert_str_eq(params[1], "640.webp");
	/* HEAD takes GET routes. */
	ck_assert_int_eq(match("HEAD", "/posts", &found, params, &n, &allow, scratch),
	    ROUTE_FOUND);
	buf_free(&allow);
}
END_TEST

START_TEST(not_found)
{
	const struct route	*found;
	char			*params[REQ_MAX_PARAMS], scratch[128];
	struct buf		 allow = BUF_INIT;
	size_t			 n;
	static const char *const paths[] = { "/", "", "/postsx", "/posts/", "/posts/a/b",
		"//posts", "/posts/%2F", "/posts/%zz", "/posts/a%00" , "/media/a/w/" };
	size_t			 i;

	for (i = 0; i < nitems(paths); i++)
		ck_assert_msg(match("GET", paths[i], &found, params, &n, &allow, scratch) ==
		    ROUTE_NOT_FOUND, "matched %s", paths[i]);
	buf_free(&allow);
}
END_TEST

START_TEST(method_not_allowed_lists_allow)
{
	const struct route	*found;
	char			*params[REQ_MAX_PARAMS], scratch[128];
	struct buf		 allow = BUF_INIT;
	size_t			 n;

	ck_assert_int_eq(match("DELETE", "/posts", &found, params, &n, &allow, scratch),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(buf_str(&allow), "GET, HEAD, POST");
	buf_reset(&allow);
	ck_assert_int_eq(match("PUT", "/posts/x", &found, params, &n, &allow, scratch),
	    ROUTE_BAD_METHOD);
	ck_assert_str_eq(buf_str(&allow), "GET, HEAD, PATCH");
	buf_free(&allow);
}
END_TEST

Suite *
route_suite(void)
{
	Suite	*s = suite_create("route");
	TCase	*t = tcase_create("route");

	tcase_add_test(t, literal_and_params);
	tcase_add_test(t, not_found);
	tcase_add_test(t, method_not_allowed_lists_allow);
	suite_add_tcase(s, t);
	return s;
}
