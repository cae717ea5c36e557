/* Unit tests of http.c, page.c and srv_dispatch(): requests built in memory. */
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>

#include "forge.h"
#include "page.h"
#include "srv.h"
#include "suites.h"
#include "util.h"

/* A body in memory, read in small pieces like a socket would give it. */
struct mem_body {
	const char	*p;
	size_t		 len, off;
};

static int
mem_read(void *arg, char *out, int n)
{
	struct mem_body	*m = arg;
	size_t		 k = m->len - m->off;

	if (k > (size_t)n)
		k = (size_t)n;
	if (k > 7)
		k = 7;
	memcpy(out, m->p + m->off, k);
	m->off += k;
	return (int)k;
}

static struct ctx	 test_ctx;
static struct service	 test_svc;
static EVP_PKEY		*test_key;
static char		 test_kid[TOK_KID_LEN + 1];

static void
h_hello(struct req *r)
{
	resp_json(r, 200, json_pack("{s:s, s:s}", "hello", req_param(r, 0),
	    "who", r->claims != NULL ? r->claims->name : "anonymous"));
}

static void
h_silent(struct req *r)
{
	(void)r;
}

static void
h_fallback(struct req *r)
{
	resp_empty(r, 299);
}

static const struct route test_routes[] = {
	{ "GET", "/t/hello/{name}", h_hello, ROLE_ANON },
	{ "GET", "/t/editors/{name}", h_hello, ROLE_EDITOR },
	{ "GET", "/t/silent", h_silent, ROLE_ANON },
};

/* Builds the context the requests of these tests run in: no database needed. */
static void
setup(void)
{
	char	 err[256];

	memset(&test_ctx, 0, sizeof(test_ctx));
	test_svc.name = "test";
	test_svc.routes = test_routes;
	test_svc.nroutes = sizeof(test_routes) / sizeof(test_routes[0]);
	test_ctx.svc = &test_svc;
	test_ctx.conf.max_body = 100;
	test_key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(test_key);
	tok_kid(test_key, test_kid);
	ck_assert_int_eq(tok_verifier_init(&test_ctx.tokens, tok_keyset_of(test_key, err,
	    sizeof(err)), "quire-auth", "quire-test", 30, 8), 0);
}

static void
teardown(void)
{
	tok_verifier_free(&test_ctx.tokens);
	EVP_PKEY_free(test_key);
}

/* Sets up r from a NULL-terminated list of CGI parameters and a body. */
static void
make_req(struct req *r, char **env, struct mem_body *body)
{
	ck_assert_int_eq(req_init(r, &test_ctx, env, mem_read, body), 0);
}

START_TEST(request_line_and_id)
{
	char		*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/t/hello/x?a=1&b=%20two+2",
		    "QUERY_STRING=a=1&b=%20two+2&flag&bad=%zz", "HTTP_X_REQUEST_ID=abc-123", NULL };
	char		*env2[] = { "REQUEST_URI=/x", "HTTP_X_REQUEST_ID=bad id!", NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct req	 r;
	const char	*v;
	char		 first[REQ_ID_MAX + 1];

	make_req(&r, env, &b);
	ck_assert_str_eq(r.path, "/t/hello/x");
	ck_assert_str_eq(r.request_id, "abc-123");
	ck_assert_int_eq(req_query(&r, "a", &v), 0);
	ck_assert_str_eq(v, "1");
	ck_assert_int_eq(req_query(&r, "b", &v), 0);
	ck_assert_str_eq(v, " two 2");
	ck_assert_int_eq(req_query(&r, "flag", &v), 0);
	ck_assert_str_eq(v, "");
	ck_assert_int_eq(req_query(&r, "missing", &v), 1);
	ck_assert_int_eq(req_query(&r, "bad", &v), -1);
	req_free(&r);
	/* A request id that is not safe to echo is replaced by a fresh one, each unique. */
	make_req(&r, env2, &b);
	ck_assert_str_eq(r.method, "GET");
	ck_assert_uint_eq(strlen(r.request_id), 24);
	snprintf(first, sizeof(first), "%s", r.request_id);
	req_free(&r);
	make_req(&r, env2, &b);
	ck_assert_str_ne(r.request_id, first);
	req_free(&r);
}
END_TEST

START_TEST(body_limits)
{
	char		*ok[] = { "CONTENT_LENGTH=11", NULL };
	char		*big[] = { "CONTENT_LENGTH=101", NULL };
	char		*lie[] = { "CONTENT_LENGTH=50", NULL };
	char		*junk[] = { "CONTENT_LENGTH=12abc", NULL };
	char		*none[] = { "REQUEST_METHOD=POST", NULL };
	struct mem_body	 b = { "hello world", 11, 0 };
	struct req	 r;

	make_req(&r, ok, &b);
	ck_assert_int_eq(req_read_body(&r, 100), 0);
	ck_assert_str_eq(buf_str(&r.body), "hello world");
	req_free(&r);

	b.off = 0;
	make_req(&r, big, &b);
	ck_assert_int_eq(req_read_body(&r, 100), -1);
	ck_assert_int_eq(r.status, 413);
	ck_assert_uint_eq(b.off, 0);	/* refused before reading a byte */
	req_free(&r);

	b.off = 0;
	make_req(&r, lie, &b);
	ck_assert_int_eq(req_read_body(&r, 100), -1);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "incomplete_body"));
	req_free(&r);

	b.off = 0;
	make_req(&r, junk, &b);
	ck_assert_int_eq(req_read_body(&r, 100), -1);
	ck_assert_int_eq(r.status, 400);
	req_free(&r);

	/* No length (Apache passing a long chunked body on): up to the end, max at most. */
	b.off = 0;
	make_req(&r, none, &b);
	ck_assert_int_eq(req_read_body(&r, 11), 0);
	ck_assert_str_eq(buf_str(&r.body), "hello world");
	req_free(&r);
	b.off = 0;
	make_req(&r, none, &b);
	ck_assert_int_eq(req_read_body(&r, 10), -1);
	ck_assert_int_eq(r.status, 413);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "body_too_large"));
	ck_assert_uint_eq(b.off, 11);	/* one byte past the limit, no more */
	req_free(&r);
}
END_TEST

/* Runs req_json on body with content type ct; returns the status (0 when parsed). */
static int
json_status(const char *ct, const char *body, char *code, size_t codelen)
{
	char		 cl[64], ctv[128];
	char		*env[] = { cl, ctv, NULL };
	struct mem_body	 b = { body, strlen(body), 0 };
	struct req	 r;
	json_t		*j, *err;
	int		 status;

	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", strlen(body));
	snprintf(ctv, sizeof(ctv), "CONTENT_TYPE=%s", ct);
	make_req(&r, env, &b);
	j = req_json(&r);
	status = r.status;
	code[0] = '\0';
	if (j == NULL) {
		err = json_loads(buf_str(&r.out), 0, NULL);
		snprintf(code, codelen, "%s", json_string_value(json_object_get(json_object_get(
		    err, "error"), "code")));
		json_decref(err);
	}
	json_decref(j);
	req_free(&r);
	return status;
}

START_TEST(json_bodies)
{
	char	 code[64];

	ck_assert_int_eq(json_status("application/json", "{\"a\":1}", code, sizeof(code)), 0);
	ck_assert_int_eq(json_status("application/json; charset=UTF-8", "{}", code,
	    sizeof(code)), 0);
	ck_assert_int_eq(json_status("application/json;charset=\"utf-8\"", "{}", code,
	    sizeof(code)), 0);
	ck_assert_int_eq(json_status("text/json", "{}", code, sizeof(code)), 415);
	ck_assert_int_eq(json_status("application/jsonp", "{}", code, sizeof(code)), 415);
	ck_assert_int_eq(json_status("application/json; charset=latin1", "{}", code,
	    sizeof(code)), 415);
	ck_assert_int_eq(json_status("application/json", "{\"a\":", code, sizeof(code)), 400);
	ck_assert_str_eq(code, "invalid_json");
	ck_assert_int_eq(json_status("application/json", "{\"a\":1,\"a\":2}", code,
	    sizeof(code)), 400);
	ck_assert_str_eq(code, "duplicate_key");
	ck_assert_int_eq(json_status("application/json", "[1]", code, sizeof(code)), 400);
	ck_assert_str_eq(code, "expected_object");
	ck_assert_int_eq(json_status("application/json", "\"text\"", code, sizeof(code)), 400);
	ck_assert_str_eq(code, "invalid_json");
	ck_assert_int_eq(json_status("application/json", "{\"a\":\"\xc3\x28\"}", code,
	    sizeof(code)), 400);
	ck_assert_str_eq(code, "invalid_utf8");
	ck_assert_int_eq(json_status("application/json", "{} {}", code, sizeof(code)), 400);
	ck_assert_str_eq(code, "invalid_json");
}
END_TEST

START_TEST(field_checks)
{
	static const struct field fields[] = {
		{ "name", JSON_STRING, true, false },
		{ "count", JSON_INTEGER, false, false },
		{ "on", JSON_TRUE, false, false },
		{ "when", JSON_STRING, false, true },
	};
	struct mem_body	 b = { "", 0, 0 };
	char		*env[] = { NULL };
	struct req	 r;
	json_t		*j;

	make_req(&r, env, &b);
	j = json_loads("{\"name\":\"x\",\"count\":3,\"on\":false,\"when\":null}", 0, NULL);
	ck_assert_int_eq(req_check_fields(&r, j, fields, 4), 0);
	json_decref(j);
	j = json_loads("{\"name\":\"x\",\"extra\":1}", 0, NULL);
	ck_assert_int_eq(req_check_fields(&r, j, fields, 4), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "unknown_field"));
	json_decref(j);
	j = json_loads("{\"count\":3}", 0, NULL);
	ck_assert_int_eq(req_check_fields(&r, j, fields, 4), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "missing_field"));
	json_decref(j);
	j = json_loads("{\"name\":\"x\",\"count\":\"3\"}", 0, NULL);
	ck_assert_int_eq(req_check_fields(&r, j, fields, 4), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "invalid_type"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "count"));
	json_decref(j);
	j = json_loads("{\"name\":\"a\\u0001b\"}", 0, NULL);
	ck_assert_ptr_null(req_string_field(&r, j, "name", 10));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "control_character"));
	json_decref(j);
	j = json_loads("{\"name\":\"abcdef\"}", 0, NULL);
	ck_assert_ptr_null(req_string_field(&r, j, "name", 5));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "invalid_field"));
	r.status = 0;
	ck_assert_str_eq(req_string_field(&r, j, "name", 6), "abcdef");
	json_decref(j);
	req_free(&r);
}
END_TEST

START_TEST(responses_serialise)
{
	char		*env[] = { "REQUEST_METHOD=HEAD", "REQUEST_URI=/x",
		    "HTTP_X_REQUEST_ID=r1", NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct buf	 out = BUF_INIT;
	struct req	 r;

	make_req(&r, env, &b);
	resp_json(&r, 201, json_pack("{s:i}", "n", 1));
	ck_assert_int_eq(resp_header(&r, "Location", "/x/%d", 1), 0);
	ck_assert_int_eq(resp_header(&r, "X-Evil", "a\r\nSet-Cookie: x=1"), -1);
	ck_assert_int_eq(resp_serialize(&r, &out), 0);
	ck_assert_str_eq(buf_str(&out), "Status: 201 Created\r\n"
	    "Content-Type: application/json\r\nContent-Length: 7\r\nX-Request-Id: r1\r\n"
	    "X-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n"
	    "Location: /x/1\r\n\r\n");	/* HEAD: no body */
	buf_free(&out);
	/* An error replaces what was set before it. */
	resp_error(&r, ERR_NOT_FOUND, "no %s here", "thing");
	ck_assert_int_eq(r.status, 404);
	ck_assert_str_eq(buf_str(&r.out),
	    "{\"error\":{\"code\":\"not_found\",\"message\":\"no thing here\",\"status\":404}}");
	ck_assert_ptr_null(strstr(buf_str(&r.headers), "Location"));
	/* A message quoting invalid UTF-8 still gives a valid body. */
	resp_error(&r, ERR_INVALID_FIELD, "bad: %s", "ok\xc3");
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "\"bad: ok\""));
	req_free(&r);
}
END_TEST

START_TEST(entity_tags)
{
	ck_assert(etag_matches("\"a1\"", "\"a1\"", false));
	ck_assert(etag_matches("\"x\", \"a1\"", "\"a1\"", false));
	ck_assert(etag_matches("*", "\"a1\"", false));
	ck_assert(etag_matches("W/\"a1\"", "\"a1\"", true));
	ck_assert(!etag_matches("W/\"a1\"", "\"a1\"", false));
	ck_assert(etag_matches("W/\"a1\", \"a1\"", "\"a1\"", false));	/* the next one counts */
	ck_assert(!etag_matches("\"a2\"", "\"a1\"", true));
	ck_assert(!etag_matches("a1", "\"a1\"", true));
	ck_assert(!etag_matches("\"a1", "\"a1\"", true));
	ck_assert(!etag_matches(NULL, "\"a1\"", true));
	ck_assert(!etag_matches("", "\"a1\"", true));
}
END_TEST

START_TEST(accept_encoding_gzip)
{
	ck_assert(http_accepts_gzip("gzip"));
	ck_assert(http_accepts_gzip("gzip, deflate, br"));
	ck_assert(http_accepts_gzip("br;q=1.0, GZip;q=0.5"));
	ck_assert(http_accepts_gzip("x-gzip"));
	ck_assert(http_accepts_gzip("gzip;q=0.001"));
	ck_assert(http_accepts_gzip("gzip ; q=1"));
	ck_assert(!http_accepts_gzip(NULL));
	ck_assert(!http_accepts_gzip(""));
	ck_assert(!http_accepts_gzip("identity"));
	ck_assert(!http_accepts_gzip("deflate, br"));
	ck_assert(!http_accepts_gzip("gzipx"));
	ck_assert(!http_accepts_gzip("*"));
	ck_assert(!http_accepts_gzip("gzip;q=0"));
	ck_assert(!http_accepts_gzip("gzip; q=0.000"));
	ck_assert(!http_accepts_gzip("br, gzip;q=0, deflate"));
	ck_assert(http_accepts_gzip("gzip;q=0.5, deflate;q=0"));
}
END_TEST

/* Issue 10 item 11 (b): what a well-formed If-Match / If-None-Match is. */
START_TEST(entity_tag_lists)
{
	const char	*good[] = { "*", " * ", "\"a1\"", "W/\"a1\"", "\"\"", "\"x\", \"a1\"",
		    "\"x\",W/\"y\"", ", \"x\" ,, \"y\" ,", "\t\"x\"\t", "\"caf\xc3\xa9\"" };
	const char	*bad[] = { "", " ", ",", "abc", "\"abc", "abc\"", "\"a\" \"b\"",
		    "*, \"a\"", "\"a\", *", "w/\"a\"", "W/abc", "W/", "\"a b\"", "\"a\x01\"",
		    "\"a\"x" };
	char		*env_bad[] = { "HTTP_IF_MATCH=abc", NULL };
	char		*env_good[] = { "HTTP_IF_NONE_MATCH=\"a\"", NULL };
	char		*env_none[] = { NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct req	 r;
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(etag_list_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!etag_list_valid(bad[i]), "%s", bad[i]);
	make_req(&r, env_bad, &b);
	ck_assert_int_eq(req_etag_header(&r, "HTTP_IF_MATCH", &v), -1);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "\"invalid_precondition\""));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "If-Match"));
	req_free(&r);
	make_req(&r, env_good, &b);
	ck_assert_int_eq(req_etag_header(&r, "HTTP_IF_NONE_MATCH", &v), 0);
	ck_assert_str_eq(v, "\"a\"");
	ck_assert_int_eq(req_etag_header(&r, "HTTP_IF_MATCH", &v), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(r.status, 0);
	req_free(&r);
	make_req(&r, env_none, &b);
	ck_assert_int_eq(req_etag_header(&r, "HTTP_IF_NONE_MATCH", &v), 0);
	ck_assert_ptr_null(v);
	req_free(&r);
}
END_TEST

START_TEST(sendfile_has_no_body)
{
	char		*env[] = { "REQUEST_URI=/x", "HTTP_X_REQUEST_ID=r2", NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct buf	 out = BUF_INIT;
	struct req	 r;

	make_req(&r, env, &b);
	resp_sendfile(&r, "/var/cache/quire/a.webp", "image/webp");
	resp_header(&r, "Cache-Control", "public, max-age=31536000, immutable");
	ck_assert_int_eq(resp_serialize(&r, &out), 0);
	ck_assert_str_eq(buf_str(&out), "Status: 200 OK\r\nContent-Type: image/webp\r\n"
	    "X-Request-Id: r2\r\nX-Content-Type-Options: nosniff\r\n"
	    "X-Sendfile: /var/cache/quire/a.webp\r\n"
	    "Cache-Control: public, max-age=31536000, immutable\r\n\r\n");
	buf_free(&out);
	req_free(&r);
}
END_TEST

/* Dispatches GET path with an optional bearer token. Returns the status. */
static int
dispatch(const char *path, const char *token, struct buf *body)
{
	char		 uri[256], auth[4200];
	char		*env[] = { "REQUEST_METHOD=GET", uri, auth, NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct req	 r;
	int		 status;

	snprintf(uri, sizeof(uri), "REQUEST_URI=%s", path);
	snprintf(auth, sizeof(auth), "HTTP_AUTHORIZATION=Bearer %s", token != NULL ? token : "");
	if (token == NULL)
		env[2] = NULL;
	make_req(&r, env, &b);
	srv_dispatch(&r);
	status = r.status;
	if (body != NULL)
		buf_puts(body, buf_str(&r.out));
	req_free(&r);
	return status;
}

/* Returns a token for role signed with the test key (to free). */
static char *
token_for(const char *role)
{
	char	 head[128], *claims, *t;
	long long now = time(NULL);

	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", test_kid);
	claims = forge_claims("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", role, "quire-auth",
	    "[\"quire-test\"]", now, now, now + 60);
	t = forge_token(head, claims, test_key, NULL, 0);
	free(claims);
	return t;
}

START_TEST(dispatch_routes_and_roles)
{
	struct buf	 body = BUF_INIT;
	char		*author = token_for("author"), *editor = token_for("editor");

	ck_assert_int_eq(dispatch("/t/hello/ann", NULL, &body), 200);
	ck_assert_str_eq(buf_str(&body), "{\"hello\":\"ann\",\"who\":\"anonymous\"}");
	buf_reset(&body);
	/* A public route does not even look at a bad token. */
	ck_assert_int_eq(dispatch("/t/hello/ann", "garbage", NULL), 200);
	ck_assert_int_eq(dispatch("/t/editors/ann", NULL, &body), 401);
	ck_assert_ptr_nonnull(strstr(buf_str(&body), "missing_token"));
	buf_reset(&body);
	ck_assert_int_eq(dispatch("/t/editors/ann", "garbage", &body), 401);
	ck_assert_ptr_nonnull(strstr(buf_str(&body), "invalid_token"));
	buf_reset(&body);
	ck_assert_int_eq(dispatch("/t/editors/ann", author, &body), 403);
	ck_assert_ptr_nonnull(strstr(buf_str(&body), "forbidden"));
	buf_reset(&body);
	ck_assert_int_eq(dispatch("/t/editors/ann", editor, &body), 200);
	ck_assert_str_eq(buf_str(&body), "{\"hello\":\"ann\",\"who\":\"forger\"}");
	ck_assert_int_eq(dispatch("/t/nothing", NULL, NULL), 404);
	/* A service's fallback answers what no route matches. */
	test_svc.fallback = h_fallback;
	ck_assert_int_eq(dispatch("/t/nothing", NULL, &body), 299);
	ck_assert_int_eq(dispatch("/t/hello/ann", NULL, NULL), 200);
	test_svc.fallback = h_silent;
	ck_assert_int_eq(dispatch("/t/nothing", NULL, NULL), 500);
	test_svc.fallback = NULL;
	/* A handler that forgets to answer gives 500, not an empty 200. */
	ck_assert_int_eq(dispatch("/t/silent", NULL, NULL), 500);
	buf_free(&body);
	free(author);
	free(editor);
}
END_TEST

START_TEST(pagination)
{
	char		*env[] = { "REQUEST_URI=/t/list?tag=a%20b&page=2&per_page=10",
		    "QUERY_STRING=tag=a%20b&page=2&per_page=10", NULL };
	char		*bad[] = { "QUERY_STRING=per_page=0", NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct req	 r;
	struct page	 p;

	make_req(&r, env, &b);
	ck_assert_int_eq(page_parse(&r, 20, &p), 0);
	ck_assert_int_eq(p.page, 2);
	ck_assert_int_eq(p.per_page, 10);
	{
		char limit[24], offset[24];

		page_sql_params(&p, limit, offset);
		ck_assert_str_eq(limit, "10");
		ck_assert_str_eq(offset, "10");
	}
	page_respond(&r, &p, 35, json_array());
	ck_assert_int_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers), "X-Total-Count: 35\r\n"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers),
	    "</t/list?tag=a%20b&per_page=10&page=3>; rel=\"next\""));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers),
	    "</t/list?tag=a%20b&per_page=10&page=1>; rel=\"prev\""));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers),
	    "</t/list?tag=a%20b&per_page=10&page=4>; rel=\"last\""));
	ck_assert_str_eq(buf_str(&r.out), "{\"items\":[],\"page\":2,\"per_page\":10,\"total\":35}");
	req_free(&r);
	/* What a client puts in the query cannot break the Link header. */
	{
		char *odd[] = { "REQUEST_URI=/t/list", "QUERY_STRING=q=<a>\"b\"&page=2", NULL };

		make_req(&r, odd, &b);
		ck_assert_int_eq(page_parse(&r, 20, &p), 0);
		page_respond(&r, &p, 50, json_array());
		ck_assert_ptr_nonnull(strstr(buf_str(&r.headers),
		    "</t/list?q=%3Ca%3E%22b%22&page=3>; rel=\"next\""));
		req_free(&r);
	}
	make_req(&r, bad, &b);
	ck_assert_int_eq(page_parse(&r, 20, &p), -1);
	ck_assert_int_eq(r.status, 400);
	req_free(&r);
}
END_TEST

START_TEST(pagination_of_serialised_items)
{
	char		*env[] = { "REQUEST_URI=/t/list?page=1&per_page=2",
		    "QUERY_STRING=page=1&per_page=2", NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct req	 r;
	struct page	 p;
	json_t		*j;

	make_req(&r, env, &b);
	ck_assert_int_eq(page_parse(&r, 20, &p), 0);
	page_respond_raw(&r, &p, 3, "[{\"a\":1},{\"a\":2}]", 17);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.content_type, "application/json");
	ck_assert_str_eq(buf_str(&r.out),
	    "{\"items\":[{\"a\":1},{\"a\":2}],\"page\":1,\"per_page\":2,\"total\":3}");
	j = json_loads(buf_str(&r.out), 0, NULL);
	ck_assert_ptr_nonnull(j);
	json_decref(j);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers), "X-Total-Count: 3\r\n"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers),
	    "</t/list?per_page=2&page=2>; rel=\"next\""));
	ck_assert_ptr_null(strstr(buf_str(&r.headers), "rel=\"prev\""));
	req_free(&r);
}
END_TEST

/* A page parameter written with escapes is the page parameter: links replace it too. */
START_TEST(pagination_links_replace_an_escaped_page)
{
	char		*env[] = { "REQUEST_URI=/t/list", "QUERY_STRING=pag%65=5&q=x&%70age=7", NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct req	 r;
	struct page	 p;

	make_req(&r, env, &b);
	ck_assert_int_eq(page_parse(&r, 20, &p), 0);
	ck_assert_int_eq(p.page, 5);
	page_respond(&r, &p, 200, json_array());
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers),
	    "</t/list?q=x&page=6>; rel=\"next\""));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.headers),
	    "</t/list?q=x&page=4>; rel=\"prev\""));
	ck_assert_ptr_null(strstr(buf_str(&r.headers), "age=5"));
	req_free(&r);
}
END_TEST

/*
 * A bad escape anywhere in the query is a 400, even after page and per_page:
 * else the links, which put page last, would lead to a 400.
 */
START_TEST(pagination_refuses_a_bad_escape_anywhere)
{
	char		*env[] = { "REQUEST_URI=/t/list", "QUERY_STRING=page=2&per_page=5&q=%zz",
		    NULL };
	struct mem_body	 b = { "", 0, 0 };
	struct req	 r;
	struct page	 p;

	make_req(&r, env, &b);
	ck_assert_int_eq(page_parse(&r, 20, &p), -1);
	ck_assert_int_eq(r.status, 400);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.out), "\"code\":\"invalid_query\""));
	req_free(&r);
}
END_TEST

START_TEST(error_table)
{
	ck_assert_int_eq(err_info(ERR_SLUG_TAKEN)->status, 409);
	ck_assert_str_eq(err_info(ERR_SLUG_TAKEN)->code, "slug_taken");
	ck_assert_int_eq(err_info(ERR_INVALID_SLUG)->status, 400);
	ck_assert_str_eq(err_info(ERR_INVALID_SLUG)->code, "invalid_slug");
	/* Every error has a code and a status with a reason phrase. */
	for (int e = 0; e < ERR__COUNT; e++) {
		ck_assert_ptr_nonnull(err_info((enum err)e)->code);
		ck_assert_str_ne(http_reason(err_info((enum err)e)->status), "Unknown");
	}
}
END_TEST

Suite *
http_suite(void)
{
	Suite	*s = suite_create("http");
	TCase	*t = tcase_create("http");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, request_line_and_id);
	tcase_add_test(t, body_limits);
	tcase_add_test(t, json_bodies);
	tcase_add_test(t, field_checks);
	tcase_add_test(t, responses_serialise);
	tcase_add_test(t, dispatch_routes_and_roles);
	tcase_add_test(t, pagination);
	tcase_add_test(t, pagination_of_serialised_items);
	tcase_add_test(t, pagination_links_replace_an_escaped_page);
	tcase_add_test(t, pagination_refuses_a_bad_escape_anywhere);
	tcase_add_test(t, error_table);
	tcase_add_test(t, entity_tags);
	tcase_add_test(t, entity_tag_lists);
	tcase_add_test(t, sendfile_has_no_body);
	tcase_add_test(t, accept_encoding_gzip);
	suite_add_tcase(s, t);
	return s;
}
