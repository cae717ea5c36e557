/*
 * Integration tests of Auth: real HTTP through lighttpd to quire-auth, with
 * a real PostgreSQL. Each test makes its own users, so order does not matter.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/ec.h>

#include "client.h"
#include "fcgi_client.h"
#include "forge.h"
#include "tok.h"
#include "util.h"

#define AUDIENCE "[\"quire-post\",\"quire-media\",\"quire-auth\"]"

/* Returns a JSON login body (to free). */
static char *
creds(const char *user, const char *password)
{
	json_t	*j = json_pack("{s:s, s:s}", "username", user, "password", password);
	char	*s = json_dumps(j, 0);

	json_decref(j);
	return s;
}

/* Logs in and returns the whole response (status in r->status). */
static long
login_resp(const char *user, const char *password, struct http_resp *r)
{
	char	*body = creds(user, password);
	long	 st = api("POST", "/auth/login", NULL, body, r);

	free(body);
	return st;
}

/* Posts {"refresh_token": token} to path. */
static long
post_refresh(const char *path, const char *token, struct http_resp *r)
{
	char	 body[256];

	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", token);
	return api("POST", path, NULL, body, r);
}

START_TEST(login_me_refresh_logout)
{
	struct http_resp r, me, r2;
	char		 name[65], id[37], *tok, auth[4200];
	const char	*refresh;

	tok = new_user("author", name, id);
	free(tok);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
	ck_assert_str_eq(resp_str(&r, "token_type"), "Bearer");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "expires_in")), 900);
	ck_assert_int_eq(strlen(resp_str(&r, "refresh_token")), 43);
	ck_assert_str_eq(http_header(&r, "Cache-Control", auth, sizeof(auth)), "no-store");

	ck_assert_int_eq(api("GET", "/auth/me", resp_str(&r, "access_token"), NULL, &me), 200);
	ck_assert_str_eq(resp_str(&me, "id"), id);
	ck_assert_str_eq(resp_str(&me, "username"), name);
	ck_assert_str_eq(resp_str(&me, "role"), "author");
	ck_assert_int_eq(strlen(resp_str(&me, "created_at")), 20);
	http_resp_free(&me);

	/* Refresh: a new access token and a new refresh token; the old one stops working. */
	refresh = resp_str(&r, "refresh_token");
	ck_assert_int_eq(post_refresh("/auth/refresh", refresh, &r2), 200);
	ck_assert_str_ne(resp_str(&r2, "refresh_token"), refresh);
	ck_assert_ptr_nonnull(resp_str(&r2, "access_token"));
	ck_assert_int_eq(api("GET", "/auth/me", resp_str(&r2, "access_token"), NULL, &me), 200);
	http_resp_free(&me);

	/* Logout revokes the current token and its family. */
	ck_assert_int_eq(post_refresh("/auth/logout", resp_str(&r2, "refresh_token"), &me), 204);
	ck_assert_int_eq(me.body.len, 0);
	http_resp_free(&me);
	post_refresh("/auth/refresh", resp_str(&r2, "refresh_token"), &me);
	ck_error(&me, 401, "invalid_refresh_token");
	http_resp_free(&me);
	http_resp_free(&r2);
	http_resp_free(&r);
}
END_TEST

START_TEST(refresh_reuse_revokes_family)
{
	struct http_resp r1, r2, r3;
	char		 name[65];

	free(new_user("author", name, NULL));
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r1), 200);
	ck_assert_int_eq(post_refresh("/auth/refresh", resp_str(&r1, "refresh_token"), &r2), 200);
	/* The first token again: theft. It fails, and so does the legitimate new one. */
	post_refresh("/auth/refresh", resp_str(&r1, "refresh_token"), &r3);
	ck_error(&r3, 401, "invalid_refresh_token");
	http_resp_free(&r3);
	post_refresh("/auth/refresh", resp_str(&r2, "refresh_token"), &r3);
	ck_error(&r3, 401, "invalid_refresh_token");
	http_resp_free(&r3);
	/* Another login is a new family and works. */
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r3), 200);
	http_resp_free(&r3);
	http_resp_free(&r2);
	http_resp_free(&r1);
}
END_TEST

START_TEST(refresh_bad_tokens)
{
	struct http_resp r;

	post_refresh("/auth/refresh", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
	ck_error(&r, 401, "invalid_refresh_token");
	http_resp_free(&r);
	post_refresh("/auth/refresh", "short", &r);
	ck_error(&r, 401, "invalid_refresh_token");
	http_resp_free(&r);
	api("POST", "/auth/refresh", NULL, "{\"refresh_token\":42}", &r);
	ck_error(&r, 400, "invalid_type");
	http_resp_free(&r);
	api("POST", "/auth/refresh", NULL, "{}", &r);
	ck_error(&r, 400, "missing_field");
	http_resp_free(&r);
}
END_TEST

START_TEST(wrong_password_and_unknown_user_look_the_same)
{
	struct http_resp a, b;
	char		 name[65];

	free(new_user("author", name, NULL));
	login_resp(name, "not-the-password", &a);
	login_resp("nobody-by-this-name", "not-the-password", &b);
	ck_error(&a, 401, "invalid_credentials");
	ck_error(&b, 401, "invalid_credentials");
	ck_assert_str_eq(buf_str(&a.body), buf_str(&b.body));
	http_resp_free(&a);
	http_resp_free(&b);
}
END_TEST

START_TEST(brute_force_limit)
{
	struct http_resp r;
	char		 name[65], value[64];
	long long	 retry;
	int		 i;

	free(new_user("author", name, NULL));
	for (i = 0; i < 5; i++) {
		login_resp(name, "wrong-password!", &r);
		ck_error(&r, 401, "invalid_credentials");
		http_resp_free(&r);
	}
	/* Even the right password is refused until the window passes. */
	login_resp(name, USER_PASSWORD, &r);
	ck_error(&r, 429, "too_many_attempts");
	ck_assert_ptr_nonnull(http_header(&r, "Retry-After", value, sizeof(value)));
	ck_assert_int_eq(parse_int(value, 1, 900, &retry), 0);
	http_resp_free(&r);

	/* A username that does not exist is limited the same way. */
	for (i = 0; i < 5; i++) {
		login_resp("ghost-user", "wrong-password!", &r);
		ck_error(&r, 401, "invalid_credentials");
		http_resp_free(&r);
	}
	login_resp("ghost-user", "wrong-password!", &r);
	ck_error(&r, 429, "too_many_attempts");
	http_resp_free(&r);
}
END_TEST

START_TEST(tokens_verify_with_the_jwks_alone)
{
	struct http_resp r, jwks;
	char		 dir[] = "/tmp/quire-jwks-XXXXXX", jf[128], tf[128], bad[4200], cache[64];
	char		*tok;
	char		*argv[] = { "/usr/bin/python3", "tests/integration/jwks_verify.py", jf, tf, NULL };
	FILE		*f;
	size_t		 n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(jf, sizeof(jf), "%s/jwks.json", dir);
	snprintf(tf, sizeof(tf), "%s/token", dir);
	ck_assert_int_eq(api("GET", "/auth/jwks.json", NULL, NULL, &jwks), 200);
	ck_assert_str_eq(http_header(&jwks, "Cache-Control", cache, sizeof(cache)),
	    "public, max-age=300");
	f = fopen(jf, "w");
	fwrite(buf_str(&jwks.body), 1, jwks.body.len, f);
	fclose(f);

	tok = admin_token();
	f = fopen(tf, "w");
	fputs(tok, f);
	fclose(f);
	ck_assert_int_eq(stack_run(argv), 0);

	/* The same verifier refuses a token with one payload byte changed. */
	snprintf(bad, sizeof(bad), "%s", tok);
	n = strchr(bad, '.') - bad + 5;
	bad[n] = bad[n] == 'A' ? 'B' : 'A';
	f = fopen(tf, "w");
	fputs(bad, f);
	fclose(f);
	ck_assert_int_ne(stack_run(argv), 0);

	/* And the service agrees. */
	api("GET", "/auth/me", bad, NULL, &r);
	ck_error(&r, 401, "invalid_token");
	http_resp_free(&r);
	unlink(jf);
	unlink(tf);
	rmdir(dir);
	free(tok);
	http_resp_free(&jwks);
}
END_TEST

/* Sends token to /auth/me and expects 401 invalid_token with the header. */
static void
expect_rejected(const char *token, const char *why)
{
	struct http_resp r;
	char		 www[512];

	api("GET", "/auth/me", token, NULL, &r);
	ck_assert_msg(r.status == 401, "%s: status %ld", why, r.status);
	ck_assert_str_eq(resp_error_code(&r), "invalid_token");
	ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", www, sizeof(www)));
	ck_assert_msg(strstr(www, "Bearer") == www && strstr(www, "error=\"invalid_token\""),
	    "%s: WWW-Authenticate %s", why, www);
	http_resp_free(&r);
}

START_TEST(forged_tokens_are_rejected)
{
	struct http_resp r;
	char		 path[1200], id[37], name[65], kid[64], head[256], pub[4096];
	char		*claims, *t, *ok, big[5000];
	EVP_PKEY	*key, *stranger;
	long long	 now = time(NULL);
	FILE		*f;
	size_t		 publen;
	const char	*dot;

	free(new_user("author", name, id));
	snprintf(path, sizeof(path), "%s/keys/private.pem", test_stack.var);
	ck_assert_ptr_nonnull(key = forge_load_key(path));
	ck_assert_int_eq(tok_kid(key, kid), 0);
	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);

	/* A token forged the right way with the real key works: the forger is sound. */
	claims = forge_claims(id, "author", "quire-auth", AUDIENCE, now, now, now + 600);
	ok = forge_token(head, claims, key, NULL, 0);
	ck_assert_int_eq(api("GET", "/auth/me", ok, NULL, &r), 200);
	http_resp_free(&r);

	/* alg none, with and without a kid. */
	t = forge_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, NULL, NULL, 0);
	expect_rejected(t, "alg none");
	free(t);
	snprintf(head, sizeof(head), "{\"alg\":\"none\",\"kid\":\"%s\"}", kid);
	t = forge_token(head, claims, NULL, NULL, 0);
	expect_rejected(t, "alg none with kid");
	free(t);

	/* HS256 keyed with the public key PEM (key confusion). */
	snprintf(path, sizeof(path), "%s/keys/public/%s.pem", test_stack.var, kid);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	publen = fread(pub, 1, sizeof(pub), f);
	fclose(f);
	snprintf(head, sizeof(head), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	t = forge_token(head, claims, NULL, pub, publen);
	expect_rejected(t, "HS256 with the public key");
	free(t);

	/* RS256 header over an ES256 signature. */
	snprintf(head, sizeof(head), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid);
	t = forge_token(head, claims, key, NULL, 0);
	expect_rejected(t, "RS256 header");
	free(t);

	/* Signed by a key nobody configured, under its own kid and under the real kid. */
	ck_assert_ptr_nonnull(stranger = EVP_EC_gen("P-256"));
	t = forge_token("{\"alg\":\"ES256\",\"kid\":\"unknown-key\"}", claims, stranger, NULL, 0);
	expect_rejected(t, "wrong kid");
	free(t);
	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"kid\":\"%s\"}", kid);
	t = forge_token(head, claims, stranger, NULL, 0);
	expect_rejected(t, "signed by another key");
	free(t);
	EVP_PKEY_free(stranger);
	free(claims);

	/* Expired, not yet valid, issued in the future, beyond the 30 s leeway. */
	claims = forge_claims(id, "author", "quire-auth", AUDIENCE, now - 700, now - 700, now - 60);
	t = forge_token(head, claims, key, NULL, 0);
	expect_rejected(t, "expired");
	free(t);
	free(claims);
	claims = forge_claims(id, "author", "quire-auth", AUDIENCE, now, now + 120, now + 600);
	t = forge_token(head, claims, key, NULL, 0);
	expect_rejected(t, "not yet valid");
	free(t);
	free(claims);
	/* Within the leeway, a slightly early nbf is fine. */
	claims = forge_claims(id, "author", "quire-auth", AUDIENCE, now, now + 10, now + 600);
	t = forge_token(head, claims, key, NULL, 0);
	ck_assert_int_eq(api("GET", "/auth/me", t, NULL, &r), 200);
	http_resp_free(&r);
	free(t);
	free(claims);

	/* Wrong issuer, wrong audience. */
	claims = forge_claims(id, "author", "someone-else", AUDIENCE, now, now, now + 600);
	t = forge_token(head, claims, key, NULL, 0);
	expect_rejected(t, "wrong issuer");
	free(t);
	free(claims);
	claims = forge_claims(id, "author", "quire-auth", "[\"quire-post\"]", now, now, now + 600);
	t = forge_token(head, claims, key, NULL, 0);
	expect_rejected(t, "wrong audience");
	free(t);
	free(claims);

	/* Tampered payload: the good token with its payload swapped for an admin one. */
	claims = forge_claims(id, "admin", "quire-auth", AUDIENCE, now, now, now + 600);
	t = forge_token(head, claims, NULL, NULL, 0);	/* header.payload. */
	dot = strrchr(ok, '.');
	snprintf(big, sizeof(big), "%s%s", t, dot + 1);
	expect_rejected(big, "tampered payload");
	free(t);
	free(claims);

	/* Truncated, garbage, oversized. */
	snprintf(big, sizeof(big), "%.*s", (int)strlen(ok) - 10, ok);
	expect_rejected(big, "truncated");
	expect_rejected("not-a-token", "garbage");
	expect_rejected("a.b.c.d", "four parts");
	memset(big, 'A', 4500);
	big[4500] = '\0';
	big[100] = '.';
	big[200] = '.';
	expect_rejected(big, "oversized");

	free(ok);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(bearer_only_from_the_header)
{
	struct http_resp r;
	char		*tok = admin_token(), path[4200], auth[4200], url[256];
	const char	*headers[2] = { auth, NULL };

	/* A token in the query string is ignored. */
	snprintf(path, sizeof(path), "/auth/me?access_token=%s", tok);
	api("GET", path, NULL, NULL, &r);
	ck_error(&r, 401, "missing_token");
	ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", auth, sizeof(auth)));
	http_resp_free(&r);
	/* The scheme is case-insensitive. */
	snprintf(auth, sizeof(auth), "Authorization: bEaReR %s", tok);
	snprintf(url, sizeof(url), "%s/auth/me", test_stack.base_url);
	ck_assert_int_eq(http_request("GET", url, headers, NULL, 0, &r), 200);
	http_resp_free(&r);
	/* Another scheme is no token at all. */
	snprintf(auth, sizeof(auth), "Authorization: Basic YWRtaW46eA==");
	http_request("GET", url, headers, NULL, 0, &r);
	ck_error(&r, 401, "missing_token");
	http_resp_free(&r);
	free(tok);
}
END_TEST

START_TEST(users_create_and_validate)
{
	struct http_resp r;
	char		*admin = admin_token(), *author, name[65], body[512], loc[128];

	author = new_user("author", name, NULL);
	snprintf(body, sizeof(body),
	    "{\"username\":\"%s-x\",\"password\":\"%s\",\"role\":\"editor\"}", name, USER_PASSWORD);
	ck_assert_int_eq(api("POST", "/auth/users", admin, body, &r), 201);
	ck_assert_ptr_nonnull(http_header(&r, "Location", loc, sizeof(loc)));
	ck_assert_int_eq(strncmp(loc, "/auth/users/", 12), 0);
	ck_assert_str_eq(loc + 12, resp_str(&r, "id"));
	ck_assert_str_eq(resp_str(&r, "role"), "editor");
	ck_assert_ptr_null(json_object_get(r.json, "password_hash"));
	ck_assert_ptr_null(json_object_get(r.json, "password"));
	http_resp_free(&r);

	api("POST", "/auth/users", admin, body, &r);
	ck_error(&r, 409, "username_taken");
	http_resp_free(&r);
	api("POST", "/auth/users", author, body, &r);
	ck_error(&r, 403, "forbidden");
	http_resp_free(&r);

	api("POST", "/auth/users", admin,
	    "{\"username\":\"Upper\",\"password\":\"long enough pw\",\"role\":\"author\"}", &r);
	ck_error(&r, 400, "invalid_username");
	http_resp_free(&r);
	api("POST", "/auth/users", admin,
	    "{\"username\":\"ab\",\"password\":\"long enough pw\",\"role\":\"author\"}", &r);
	ck_error(&r, 400, "invalid_username");
	http_resp_free(&r);
	api("POST", "/auth/users", admin,
	    "{\"username\":\"tab\\tuser\",\"password\":\"long enough pw\",\"role\":\"author\"}", &r);
	ck_error(&r, 400, "control_character");
	http_resp_free(&r);
	api("POST", "/auth/users", admin,
	    "{\"username\":\"shortpw\",\"password\":\"123456789\",\"role\":\"author\"}", &r);
	ck_error(&r, 400, "weak_password");
	http_resp_free(&r);
	api("POST", "/auth/users", admin,
	    "{\"username\":\"badrole\",\"password\":\"long enough pw\",\"role\":\"root\"}", &r);
	ck_error(&r, 400, "invalid_role");
	http_resp_free(&r);
	/* None of the refused ones exists. */
	ck_assert_int_eq(login_resp("shortpw", "123456789", &r), 401);
	http_resp_free(&r);
	ck_assert_int_eq(login_resp("badrole", "long enough pw", &r), 401);
	http_resp_free(&r);
	free(admin);
	free(author);
}
END_TEST

START_TEST(users_list_paginates)
{
	struct http_resp r;
	char		*admin = admin_token(), *author, hdr[1024], total_s[32];
	long long	 total;

	author = new_user("author", hdr, NULL);
	free(new_user("author", hdr, NULL));
	free(new_user("author", hdr, NULL));
	ck_assert_int_eq(api("GET", "/auth/users?per_page=2&page=2", admin, NULL, &r), 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "items")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "page")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "per_page")), 2);
	total = json_integer_value(json_object_get(r.json, "total"));
	ck_assert_int_ge(total, 4);
	ck_assert_ptr_nonnull(http_header(&r, "X-Total-Count", total_s, sizeof(total_s)));
	ck_assert_int_eq(atoll(total_s), total);
	ck_assert_ptr_nonnull(http_header(&r, "Link", hdr, sizeof(hdr)));
	ck_assert_ptr_nonnull(strstr(hdr, "</auth/users?per_page=2&page=3>; rel=\"next\""));
	ck_assert_ptr_nonnull(strstr(hdr, "</auth/users?per_page=2&page=1>; rel=\"prev\""));
	http_resp_free(&r);

	api("GET", "/auth/users?per_page=101", admin, NULL, &r);
	ck_error(&r, 400, "invalid_query");
	http_resp_free(&r);
	api("GET", "/auth/users?page=0", admin, NULL, &r);
	ck_error(&r, 400, "invalid_query");
	http_resp_free(&r);
	api("GET", "/auth/users?page=abc", admin, NULL, &r);
	ck_error(&r, 400, "invalid_query");
	http_resp_free(&r);
	api("GET", "/auth/users", author, NULL, &r);
	ck_error(&r, 403, "forbidden");
	http_resp_free(&r);
	free(admin);
	free(author);
}
END_TEST

START_TEST(users_get_self_or_admin)
{
	struct http_resp r;
	char		*admin = admin_token(), *a, *b, ida[37], idb[37], name[65], path[128];

	a = new_user("author", name, ida);
	b = new_user("editor", name, idb);
	snprintf(path, sizeof(path), "/auth/users/%s", ida);
	ck_assert_int_eq(api("GET", path, a, NULL, &r), 200);
	ck_assert_str_eq(resp_str(&r, "id"), ida);
	http_resp_free(&r);
	ck_assert_int_eq(api("GET", path, admin, NULL, &r), 200);
	http_resp_free(&r);
	api("GET", path, b, NULL, &r);
	ck_error(&r, 403, "forbidden");
	http_resp_free(&r);
	api("GET", "/auth/users/00000000-0000-4000-8000-000000000000", admin, NULL, &r);
	ck_error(&r, 404, "not_found");
	http_resp_free(&r);
	api("GET", "/auth/users/not-a-uuid", admin, NULL, &r);
	ck_error(&r, 400, "invalid_id");
	http_resp_free(&r);
	api("GET", "/auth/users/1%27%20OR%201=1", admin, NULL, &r);
	ck_error(&r, 400, "invalid_id");
	http_resp_free(&r);
	free(admin);
	free(a);
	free(b);
}
END_TEST

START_TEST(users_patch_role_and_disable)
{
	struct http_resp r, s;
	char		*admin = admin_token(), *a, id[37], name[65], path[128];

	a = new_user("author", name, id);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	api("PATCH", path, a, "{\"role\":\"admin\"}", &r);
	ck_error(&r, 403, "forbidden");
	http_resp_free(&r);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"role\":\"editor\"}", &r), 200);
	ck_assert_str_eq(resp_str(&r, "role"), "editor");
	http_resp_free(&r);
	api("PATCH", path, admin, "{\"role\":\"god\"}", &r);
	ck_error(&r, 400, "invalid_role");
	http_resp_free(&r);
	api("PATCH", path, admin, "{\"disabled\":\"yes\"}", &r);
	ck_error(&r, 400, "invalid_type");
	http_resp_free(&r);
	api("PATCH", path, admin, "{}", &r);
	ck_error(&r, 400, "missing_field");
	http_resp_free(&r);

	/* Disabling: no login, no refresh, no /auth/me. */
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &s), 200);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"disabled\":true}", &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "disabled")));
	http_resp_free(&r);
	login_resp(name, USER_PASSWORD, &r);
	ck_error(&r, 401, "invalid_credentials");
	http_resp_free(&r);
	post_refresh("/auth/refresh", resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
	http_resp_free(&r);
	api("GET", "/auth/me", resp_str(&s, "access_token"), NULL, &r);
	ck_error(&r, 401, "invalid_token");
	http_resp_free(&r);

	/* Enabled again, the user logs in; the revoked session stays revoked. */
	ck_assert_int_eq(api("PATCH", path, admin, "{\"disabled\":false}", &r), 200);
	http_resp_free(&r);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
	http_resp_free(&r);
	post_refresh("/auth/refresh", resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
	http_resp_free(&r);
	http_resp_free(&s);
	free(admin);
	free(a);
}
END_TEST

START_TEST(users_change_own_password)
{
	struct http_resp r, s;
	char		*a, *b, id[37], idb[37], name[65], nameb[65], path[128];

	a = new_user("author", name, id);
	b = new_user("author", nameb, idb);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &s), 200);

	api("PATCH", path, a, "{\"current_password\":\"wrong password\",\"password\":\"new password 123\"}", &r);
	ck_error(&r, 401, "invalid_credentials");
	http_resp_free(&r);
	api("PATCH", path, a, "{\"password\":\"new password 123\"}", &r);
	ck_error(&r, 400, "missing_field");
	http_resp_free(&r);
	api("PATCH", path, a, "{\"current_password\":\"" USER_PASSWORD "\",\"password\":\"short\"}", &r);
	ck_error(&r, 400, "weak_password");
	http_resp_free(&r);
	api("PATCH", path, b, "{\"current_password\":\"" USER_PASSWORD "\",\"password\":\"new password 123\"}", &r);
	ck_error(&r, 403, "forbidden");
	http_resp_free(&r);

	ck_assert_int_eq(api("PATCH", path, a,
	    "{\"current_password\":\"" USER_PASSWORD "\",\"password\":\"new password 123\"}", &r), 200);
	http_resp_free(&r);
	/* The old password and every refresh token are gone; the new password works. */
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 401);
	http_resp_free(&r);
	post_refresh("/auth/refresh", resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
	http_resp_free(&r);
	ck_assert_int_eq(login_resp(name, "new password 123", &r), 200);
	http_resp_free(&r);
	http_resp_free(&s);
	free(a);
	free(b);
}
END_TEST

/*
 * Asserts that a demoted admin's request was refused: 403 by the check
 * against the database, or 401 once the revocation of its token arrived.
 */
static void
ck_no_admin_power(const struct http_resp *r)
{
	if (r->status == 401) {
		ck_error(r, 401, "invalid_token");
		ck_assert_ptr_nonnull(strstr(buf_str(&r->body), "revoked"));
	} else
		ck_error(r, 403, "forbidden");
}

START_TEST(demoted_admin_loses_power_at_once)
{
	struct http_resp r;
	char		*admin = admin_token(), *second, *victim, id2[37], idv[37], name[65];
	char		 path[128], body[256];

	second = new_user("admin", name, id2);
	victim = new_user("author", name, idv);
	snprintf(path, sizeof(path), "/auth/users/%s", id2);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"role\":\"author\"}", &r), 200);
	http_resp_free(&r);
	/*
	 * Its token still says admin; the database does not. The token is
	 * revoked too, which every program learns within a second or so: until
	 * then the database check refuses (403), afterwards the token (401).
	 */
	snprintf(body, sizeof(body), "{\"username\":\"%s-2\",\"password\":\"%s\","
	    "\"role\":\"admin\"}", name, USER_PASSWORD);
	api("POST", "/auth/users", second, body, &r);
	ck_no_admin_power(&r);
	http_resp_free(&r);
	api("GET", "/auth/users", second, NULL, &r);
	ck_no_admin_power(&r);
	http_resp_free(&r);
	snprintf(path, sizeof(path), "/auth/users/%s", idv);
	api("PATCH", path, second, "{\"disabled\":true}", &r);
	ck_no_admin_power(&r);
	http_resp_free(&r);
	api("DELETE", path, second, NULL, &r);
	ck_no_admin_power(&r);
	http_resp_free(&r);
	api("GET", path, second, NULL, &r);
	ck_no_admin_power(&r);
	http_resp_free(&r);
	/* The victim is untouched. */
	ck_assert_int_eq(api("GET", path, admin, NULL, &r), 200);
	ck_assert(json_is_false(json_object_get(r.json, "disabled")));
	http_resp_free(&r);
	free(admin);
	free(second);
	free(victim);
}
END_TEST

START_TEST(password_change_is_throttled)
{
	struct http_resp r;
	char		*a, id[37], name[65], path[128];
	int		 i;

	a = new_user("author", name, id);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	for (i = 0; i < 5; i++) {
		api("PATCH", path, a, "{\"current_password\":\"guess number x\","
		    "\"password\":\"new password 123\"}", &r);
		ck_error(&r, 401, "invalid_credentials");
		http_resp_free(&r);
	}
	/* Guessing through the password change counts like failed logins. */
	api("PATCH", path, a, "{\"current_password\":\"" USER_PASSWORD "\","
	    "\"password\":\"new password 123\"}", &r);
	ck_error(&r, 429, "too_many_attempts");
	http_resp_free(&r);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 429);
	http_resp_free(&r);
	free(a);
}
END_TEST

START_TEST(users_delete)
{
	struct http_resp r, s;
	char		*admin = admin_token(), *a, id[37], name[65], path[128];

	a = new_user("author", name, id);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &s), 200);
	api("DELETE", path, a, NULL, &r);
	ck_error(&r, 403, "forbidden");
	http_resp_free(&r);
	ck_assert_int_eq(api("DELETE", path, admin, NULL, &r), 204);
	http_resp_free(&r);
	api("DELETE", path, admin, NULL, &r);
	ck_error(&r, 404, "not_found");
	http_resp_free(&r);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 401);
	http_resp_free(&r);
	post_refresh("/auth/refresh", resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
	http_resp_free(&r);
	http_resp_free(&s);
	free(admin);
	free(a);
}
END_TEST

START_TEST(last_admin_is_kept)
{
	struct http_resp r, me;
	char		*admin = admin_token(), *second, id2[37], name[65], path[128];
	char		 admin_path[128];

	ck_assert_int_eq(api("GET", "/auth/me", admin, NULL, &me), 200);
	snprintf(admin_path, sizeof(admin_path), "/auth/users/%s", resp_str(&me, "id"));
	/* With a second admin, the first may be demoted, and back. */
	second = new_user("admin", name, id2);
	snprintf(path, sizeof(path), "/auth/users/%s", id2);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"role\":\"author\"}", &r), 200);
	http_resp_free(&r);
	/* Now the stack's admin is the only active admin: it cannot leave. */
	api("PATCH", admin_path, admin, "{\"role\":\"editor\"}", &r);
	ck_error(&r, 409, "last_admin");
	http_resp_free(&r);
	api("PATCH", admin_path, admin, "{\"disabled\":true}", &r);
	ck_error(&r, 409, "last_admin");
	http_resp_free(&r);
	api("DELETE", admin_path, admin, NULL, &r);
	ck_error(&r, 409, "last_admin");
	http_resp_free(&r);
	ck_assert_int_eq(api("GET", "/auth/me", admin, NULL, &r), 200);
	ck_assert_str_eq(resp_str(&r, "role"), "admin");
	http_resp_free(&r);
	http_resp_free(&me);
	free(admin);
	free(second);
}
END_TEST

START_TEST(bad_bodies)
{
	struct http_resp r;
	char		 url[256], *big;
	const char	*text[] = { "Content-Type: text/plain", NULL };
	const char	*charset[] = { "Content-Type: application/json; charset=utf-8", NULL };
	const char	*latin[] = { "Content-Type: application/json; charset=latin1", NULL };
	const char	*json[] = { "Content-Type: application/json", NULL };
	const char	*body = "{\"username\":\"nobody-here\",\"password\":\"x\"}";

	snprintf(url, sizeof(url), "%s/auth/login", test_stack.base_url);
	api("POST", "/auth/login", NULL, "{\"username\":", &r);
	ck_error(&r, 400, "invalid_json");
	http_resp_free(&r);
	api("POST", "/auth/login", NULL, "[1,2]", &r);
	ck_error(&r, 400, "expected_object");
	http_resp_free(&r);
	api("POST", "/auth/login", NULL,
	    "{\"username\":\"a\",\"username\":\"b\",\"password\":\"x\"}", &r);
	ck_error(&r, 400, "duplicate_key");
	http_resp_free(&r);
	api("POST", "/auth/login", NULL, "{\"username\":\"nobody-here\",\"password\":\"x\",\"otp\":1}", &r);
	ck_error(&r, 400, "unknown_field");
	http_resp_free(&r);
	api("POST", "/auth/login", NULL, "{\"username\":\"nobody-here\"}", &r);
	ck_error(&r, 400, "missing_field");
	http_resp_free(&r);
	api("POST", "/auth/login", NULL, "{\"username\":7,\"password\":\"x\"}", &r);
	ck_error(&r, 400, "invalid_type");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(r.json,
	    "error"), "message")), "username"));
	http_resp_free(&r);
	api("POST", "/auth/login", NULL, "{\"username\":\"\xff\xfe\",\"password\":\"x\"}", &r);
	ck_error(&r, 400, "invalid_utf8");
	http_resp_free(&r);
	api("POST", "/auth/login", NULL, "{\"username\":\"a\\u0000b\",\"password\":\"x\"}", &r);
	ck_error(&r, 400, "invalid_json");
	http_resp_free(&r);

	http_request("POST", url, text, body, strlen(body), &r);
	ck_error(&r, 415, "unsupported_media_type");
	http_resp_free(&r);
	http_request("POST", url, latin, body, strlen(body), &r);
	ck_error(&r, 415, "unsupported_media_type");
	http_resp_free(&r);
	http_request("POST", url, charset, body, strlen(body), &r);
	ck_error(&r, 401, "invalid_credentials");
	http_resp_free(&r);

	/* Past the program's limit (64 KiB): its own 413. Past the web server's: lighttpd's. */
	big = malloc(200 * 1024);
	memset(big, ' ', 200 * 1024);
	memcpy(big, "{\"username\":\"x\",\"password\":\"x\"}", 31);
	http_request("POST", url, json, big, 70 * 1024, &r);
	ck_error(&r, 413, "body_too_large");
	http_resp_free(&r);
	http_request("POST", url, json, big, 200 * 1024, &r);
	ck_assert_int_eq(r.status, 413);
	http_resp_free(&r);
	free(big);
}
END_TEST

START_TEST(unknown_paths_and_methods)
{
	struct http_resp r;
	char		 allow[128], rid[128];
	const char	*headers[] = { "X-Request-Id: test-request-42", NULL };
	char		 url[256];

	api("GET", "/auth/nothing-here", NULL, NULL, &r);
	ck_error(&r, 404, "not_found");
	ck_assert_ptr_nonnull(http_header(&r, "X-Request-Id", rid, sizeof(rid)));
	ck_assert_int_eq(strlen(rid), 24);
	http_resp_free(&r);
	api("GET", "/authx", NULL, NULL, &r);
	ck_error(&r, 404, "not_found");
	http_resp_free(&r);
	api("GET", "/auth/login", NULL, NULL, &r);
	ck_error(&r, 405, "method_not_allowed");
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "POST");
	http_resp_free(&r);
	api("PUT", "/auth/users/00000000-0000-4000-8000-000000000000", NULL, "{}", &r);
	ck_error(&r, 405, "method_not_allowed");
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "GET, HEAD, PATCH, DELETE");
	http_resp_free(&r);
	/* HEAD answers like GET, without a body. */
	ck_assert_int_eq(api("HEAD", "/auth/health", NULL, NULL, &r), 200);
	ck_assert_int_eq(r.body.len, 0);
	http_resp_free(&r);
	/* A given request id comes back. */
	snprintf(url, sizeof(url), "%s/auth/health", test_stack.base_url);
	ck_assert_int_eq(http_request("GET", url, headers, NULL, 0, &r), 200);
	ck_assert_str_eq(http_header(&r, "X-Request-Id", rid, sizeof(rid)), "test-request-42");
	ck_assert_str_eq(resp_str(&r, "status"), "ok");
	http_resp_free(&r);
}
END_TEST

START_TEST(one_log_line_per_request)
{
	struct http_resp r;
	char		 url[256], rid[64], hdr[100], path[1100], line[1024];
	const char	*headers[] = { hdr, NULL };
	unsigned char	 raw[8];
	FILE		*f;
	int		 i, found = 0;

	random_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), rid);
	snprintf(hdr, sizeof(hdr), "X-Request-Id: log-%s", rid);
	snprintf(url, sizeof(url), "%s/auth/users/not-a-uuid", test_stack.base_url);
	http_request("GET", url, headers, NULL, 0, &r);
	http_resp_free(&r);
	/* The line is written just after the response: give it a moment. */
	snprintf(path, sizeof(path), "%s", test_stack.program_log);
	for (i = 0; i < 50 && found == 0; i++) {
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, rid) != NULL) {
				found++;
				ck_assert_msg(strstr(line, "quire-auth: method=GET "
				    "path=/auth/users/not-a-uuid status=401 us=") != NULL, "%s", line);
			}
		fclose(f);
		if (found == 0)
			usleep(50000);
	}
	ck_assert_int_eq(found, 1);
}
END_TEST

START_TEST(post_role_cannot_read_auth)
{
	PGconn		*c;
	PGresult	*res;

	c = PQconnectdb(stack_dsn(&test_stack, "quire_post"));
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, "SELECT count(*) FROM auth.users");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42501");
	PQclear(res);
	res = PQexec(c, "SELECT count(*) FROM auth.refresh_tokens");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
	PQfinish(c);
	/* The Auth role reads its own tables. */
	c = PQconnectdb(stack_dsn(&test_stack, "quire_auth"));
	res = PQexec(c, "SELECT count(*) FROM auth.users");
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	PQfinish(c);
}
END_TEST

/* Runs quire-migrate on sql_dir for the auth schema. Returns its exit status. */
static int
migrate_auth(const char *sql_dir)
{
	char	 prog[1100];
	char	*argv[] = { prog, "--config", test_stack.conf, "--sql-dir", (char *)sql_dir,
		    "auth", NULL };

	snprintf(prog, sizeof(prog), "%s/quire-migrate", test_stack.build);
	return stack_run(argv);
}

/* Runs one SQL statement as the Auth role. Returns the number of rows, or -1. */
static int
auth_rows(const char *sql)
{
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "quire_auth"));
	PGresult	*res = PQexec(c, sql);
	int		 n = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : -1;

	PQclear(res);
	PQfinish(c);
	return n;
}

START_TEST(migrations_are_recorded_and_guarded)
{
	char	 dir[] = "/tmp/quire-sql-XXXXXX", cmd[2048];
	int	 n = auth_rows("SELECT version, sha256 FROM auth.schema_migrations");

	/* Every file of sql/auth is recorded; the test's own come after them (900…). */
	snprintf(cmd, sizeof(cmd), "test $(ls sql/auth/*.sql | wc -l) -eq %d", n);
	ck_assert_msg(n >= 1 && system(cmd) == 0, "%d migrations recorded", n);
	/* Re-running applies nothing. */
	ck_assert_int_eq(migrate_auth("sql"), 0);
	ck_assert_int_eq(auth_rows("SELECT 1 FROM auth.schema_migrations"), n);

	/* A failing migration leaves the schema as it was. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -r sql/auth %s/ && printf '%%s\\n' "
	    "'CREATE TABLE auth.half_done (x int);' 'SELECT 1/0;' > %s/auth/900_broken.sql",
	    dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_ne(migrate_auth(dir), 0);
	ck_assert_int_eq(auth_rows("SELECT 1 FROM pg_tables WHERE schemaname = 'auth' "
	    "AND tablename = 'half_done'"), 0);
	ck_assert_int_eq(auth_rows("SELECT 1 FROM auth.schema_migrations"), n);

	/* A good new one is applied once. */
	snprintf(cmd, sizeof(cmd), "printf 'CREATE TABLE auth.test_extra (x int);\\n' > "
	    "%s/auth/900_broken.sql", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(migrate_auth(dir), 0);
	ck_assert_int_eq(auth_rows("SELECT 1 FROM auth.schema_migrations"), n + 1);
	ck_assert_int_eq(migrate_auth(dir), 0);
	ck_assert_int_eq(auth_rows("SELECT 1 FROM auth.schema_migrations"), n + 1);

	/* Changing an applied file is refused, and nothing else runs. */
	snprintf(cmd, sizeof(cmd), "echo '-- edited' >> %s/auth/001_users_and_tokens.sql && "
	    "printf 'CREATE TABLE auth.never (x int);\\n' > %s/auth/901_never.sql", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_ne(migrate_auth(dir), 0);
	ck_assert_int_eq(auth_rows("SELECT 1 FROM pg_tables WHERE tablename = 'never'"), 0);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	/* Leave the database as the real migrations describe it. */
	ck_assert_int_eq(auth_rows("DELETE FROM auth.schema_migrations WHERE version = '900' "
	    "RETURNING 1"), 1);
	ck_assert_int_eq(auth_rows("DROP TABLE auth.test_extra; SELECT 1"), 1);
}
END_TEST

START_TEST(database_outage_gives_503_then_recovers)
{
	struct http_resp r;
	char		*tok = admin_token(), retry[16];
	int		 i, ok;

	ck_assert_int_eq(stack_pg_stop(&test_stack), 0);
	for (i = 0; i < 3; i++) {
		api("GET", "/auth/health", NULL, NULL, &r);
		ck_error(&r, 503, "service_unavailable");
		ck_assert_str_eq(http_header(&r, "Retry-After", retry, sizeof(retry)), "1");
		http_resp_free(&r);
		api("GET", "/auth/me", tok, NULL, &r);
		ck_error(&r, 503, "service_unavailable");
		http_resp_free(&r);
		login_resp(ADMIN_USER, ADMIN_PASSWORD, &r);
		ck_error(&r, 503, "service_unavailable");
		http_resp_free(&r);
	}
	ck_assert_int_eq(stack_pg_start(&test_stack), 0);
	/*
	 * Every worker reconnects and re-prepares by itself: within a few seconds
	 * (a worker tries at most once a second) every request succeeds again;
	 * until then the only other answer is 503.
	 */
	for (i = 0, ok = 0; i < 100 && ok < 8; i++) {
		api("GET", "/auth/me", tok, NULL, &r);
		ck_assert_msg(r.status == 200 || r.status == 503, "status %ld", r.status);
		ok = r.status == 200 ? ok + 1 : 0;
		if (r.status != 200)
			usleep(100000);
		http_resp_free(&r);
	}
	ck_assert_int_eq(ok, 8);
	free(tok);
}
END_TEST

/* Writes a configuration for a standalone quire-auth with its own key directory in dir. */
static void
standalone_conf(const char *dir, char *conf, size_t len)
{
	char	 cmd[4096];
	FILE	*f;

	snprintf(cmd, sizeof(cmd), "mkdir -p %s/public && cp %s/keys/public/*.pem %s/public/",
	    dir, test_stack.var, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(conf, len, "%s/quire.conf", dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "public_keys = %s/public\n[auth]\ndatabase = %s\nprivate_key = %s/keys/private.pem\n",
	    dir, stack_dsn(&test_stack, "quire_auth"), test_stack.var);
	fclose(f);
}

/* Starts quire-auth --listen unix:sock --workers n. Returns the master's pid once it accepts. */
static pid_t
start_standalone(const char *conf, const char *sock, const char *workers)
{
	char	 prog[1100], spec[600];
	pid_t	 pid;
	int	 i, fd;

	snprintf(prog, sizeof(prog), "%s/quire-auth", test_stack.build);
	snprintf(spec, sizeof(spec), "unix:%s", sock);
	if ((pid = fork()) == 0) {
		execl(prog, prog, "--config", conf, "--listen", spec, "--workers", workers, NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if ((fd = fcgi_connect(sock)) != -1) {
			close(fd);
			return pid;
		}
		usleep(50000);
	}
	ck_abort_msg("quire-auth --listen did not come up");
	return -1;
}

/* Sends GET uri over FastCGI to sock; appends the raw CGI response to out. */
static void
fcgi_get(const char *sock, const char *uri, struct buf *out)
{
	char	 u[512];
	char	*params[] = { "REQUEST_METHOD=GET", u, NULL };
	int	 fd = fcgi_connect(sock);

	snprintf(u, sizeof(u), "REQUEST_URI=%s", uri);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fcgi_begin(fd, params), 0);
	ck_assert_int_eq(fcgi_stdin(fd, "", 0), 0);
	ck_assert_int_eq(fcgi_read_response(fd, out), 0);
	close(fd);
}

/* Returns the number of live children of parent, writing up to max pids. */
static int
children_of(pid_t parent, pid_t *out, int max)
{
	DIR		*d = opendir("/proc");
	struct dirent	*de;
	char		 path[300], line[512], *paren;
	FILE		*f;
	int		 n = 0, ppid;
	char		 state;

	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(line, sizeof(line), f) != NULL && (paren = strrchr(line, ')')) != NULL &&
		    sscanf(paren + 1, " %c %d", &state, &ppid) == 2 && ppid == parent &&
		    state != 'Z') {
			if (n < max)
				out[n] = atoi(de->d_name);
			n++;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

START_TEST(standalone_workers)
{
	char		 dir[] = "/tmp/quire-standalone-XXXXXX", conf[600], sock[600], cmd[1400];
	char		 prog[1100];
	struct buf	 out = BUF_INIT;
	pid_t		 master, kids[8], dead;
	int		 i, status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	standalone_conf(dir, conf, sizeof(conf));
	snprintf(sock, sizeof(sock), "%s/auth.sock", dir);
	master = start_standalone(conf, sock, "2");

	fcgi_get(sock, "/auth/health", &out);
	ck_assert_msg(strncmp(buf_str(&out), "Status: 200", 11) == 0, "%s", buf_str(&out));
	ck_assert_int_eq(children_of(master, kids, 8), 2);

	/* A worker that dies is replaced: two workers again, neither the dead one. */
	dead = kids[0];
	kill(dead, SIGKILL);
	for (i = 0; i < 100; i++) {
		if (children_of(master, kids, 8) == 2 && kids[0] != dead && kids[1] != dead)
			break;
		usleep(100000);
	}
	ck_assert_int_eq(children_of(master, kids, 8), 2);
	ck_assert(kids[0] != dead && kids[1] != dead);

	/* SIGHUP reloads the public keys: a second key shows in the JWK Set. */
	snprintf(prog, sizeof(prog), "%s/quire-auth", test_stack.build);
	snprintf(cmd, sizeof(cmd), "%s keygen %s/second.pem %s/public >/dev/null", prog, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	kill(master, SIGHUP);
	for (i = 0; i < 50; i++) {
		buf_reset(&out);
		fcgi_get(sock, "/auth/jwks.json", &out);
		if (strstr(buf_str(&out), "},{") != NULL)
			break;
		usleep(100000);
	}
	ck_assert_msg(strstr(buf_str(&out), "},{") != NULL, "one key after SIGHUP: %s",
	    buf_str(&out));

	/* SIGTERM: stops, removes its socket. */
	kill(master, SIGTERM);
	ck_assert_int_eq(waitpid(master, &status, 0), master);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_ne(access(sock, F_OK), 0);
	buf_free(&out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(sigterm_finishes_the_request_in_flight)
{
	char		 dir[] = "/tmp/quire-standalone-XXXXXX", conf[600], sock[600], cmd[700];
	const char	*body = "{\"username\":\"nobody-at-all\",\"password\":\"not-it-at-all\"}";
	char		 len[64];
	char		*params[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/auth/login",
		    "CONTENT_TYPE=application/json", len, NULL };
	struct buf	 out = BUF_INIT;
	pid_t		 master;
	int		 fd, status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	standalone_conf(dir, conf, sizeof(conf));
	snprintf(sock, sizeof(sock), "%s/auth.sock", dir);
	master = start_standalone(conf, sock, "1");
	snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", strlen(body));

	/* Half a body is in; then SIGTERM; then the rest. */
	fd = fcgi_connect(sock);
	ck_assert_int_eq(fcgi_begin(fd, params), 0);
	ck_assert_int_eq(fcgi_stdin(fd, body, 10), 0);
	usleep(200000);
	kill(master, SIGTERM);
	usleep(300000);
	ck_assert_int_eq(fcgi_stdin(fd, body + 10, strlen(body) - 10), 0);
	ck_assert_int_eq(fcgi_stdin(fd, "", 0), 0);
	ck_assert_int_eq(fcgi_read_response(fd, &out), 0);
	close(fd);
	ck_assert_msg(strncmp(buf_str(&out), "Status: 401", 11) == 0, "%s", buf_str(&out));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "invalid_credentials"));
	ck_assert_int_eq(waitpid(master, &status, 0), master);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	buf_free(&out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(fd0_must_be_a_socket)
{
	char	 cmd[1400];

	snprintf(cmd, sizeof(cmd), "%s/quire-auth --config %s </dev/null 2>/dev/null",
	    test_stack.build, test_stack.conf);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof(cmd), "%s/quire-auth --config %s --check-config >/dev/null",
	    test_stack.build, test_stack.conf);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 0);
	snprintf(cmd, sizeof(cmd), "%s/quire-auth --config /nonexistent --check-config 2>/dev/null",
	    test_stack.build);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);
	snprintf(cmd, sizeof(cmd), "%s/quire-auth --listen :9000 --config %s 2>/dev/null",
	    test_stack.build, test_stack.conf);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 1);	/* no host: never all interfaces */
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*t = tcase_create("api");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, login_me_refresh_logout);
	tcase_add_test(t, refresh_reuse_revokes_family);
	tcase_add_test(t, refresh_bad_tokens);
	tcase_add_test(t, wrong_password_and_unknown_user_look_the_same);
	tcase_add_test(t, brute_force_limit);
	tcase_add_test(t, tokens_verify_with_the_jwks_alone);
	tcase_add_test(t, forged_tokens_are_rejected);
	tcase_add_test(t, bearer_only_from_the_header);
	tcase_add_test(t, users_create_and_validate);
	tcase_add_test(t, users_list_paginates);
	tcase_add_test(t, users_get_self_or_admin);
	tcase_add_test(t, users_patch_role_and_disable);
	tcase_add_test(t, users_change_own_password);
	tcase_add_test(t, users_delete);
	tcase_add_test(t, demoted_admin_loses_power_at_once);
	tcase_add_test(t, password_change_is_throttled);
	tcase_add_test(t, last_admin_is_kept);
	tcase_add_test(t, bad_bodies);
	tcase_add_test(t, unknown_paths_and_methods);
	tcase_add_test(t, one_log_line_per_request);
	tcase_add_test(t, post_role_cannot_read_auth);
	tcase_add_test(t, migrations_are_recorded_and_guarded);
	tcase_add_test(t, standalone_workers);
	tcase_add_test(t, sigterm_finishes_the_request_in_flight);
	tcase_add_test(t, fd0_must_be_a_socket);
	suite_add_tcase(s, t);
	return s;
}

/* Tests that stop and start PostgreSQL under the running programs. */
static Suite *
outage_suite(void)
{
	Suite	*s = suite_create("auth-outage");
	TCase	*t = tcase_create("outage");

	tcase_add_test(t, database_outage_gives_503_then_recovers);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	return client_main(auth_suite(), outage_suite(), NULL);
}
