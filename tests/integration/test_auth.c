/*
 * Integration tests of Auth: real HTTP through lighttpd to quire-auth, with
 * a real PostgreSQL. Each test makes its own users, so order does not matter.
 */
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <crypt.h>
#include <libpq-fe.h>
#include <openssl/ec.h>

#include "client.h"
#include "fcgi_client.h"
#include "forge.h"
#include "nitems.h"
#include "proc.h"
#include "standalone.h"
#include "tok.h"
#include "encode.h"
#include "secret.h"
#include "text.h"

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

/*
 * Logs in at base (NULL: the stack's web server) from the local address
 * source (NULL: 127.0.0.1), with "X-Forwarded-For: forwarded" when not NULL.
 * Returns the status.
 */
static long
login_at(const char *base, const char *source, const char *forwarded, const char *user,
    const char *password, struct http_resp *r)
{
	char		 url[256], xff[128], *body = creds(user, password);
	const char	*headers[] = { "Content-Type: application/json", xff, NULL };
	long		 st;

	snprintf(url, sizeof(url), "%s/auth/login", base != NULL ? base : test_stack.base_url);
	if (forwarded != NULL)
		snprintf(xff, sizeof(xff), "X-Forwarded-For: %s", forwarded);
	else
		headers[1] = NULL;
	st = http_request_from(source, "POST", url, headers, body, strlen(body), r);
	free(body);
	return st;
}

/* Makes n logins with a wrong password, as login_at(): each is 401 invalid_credentials. */
static void
fail_logins(const char *base, const char *source, const char *forwarded, const char *user,
    int n)
{
	struct http_resp r;
	int		 i;

	for (i = 0; i < n; i++) {
		login_at(base, source, forwarded, user, "wrong-password!", &r);
		ck_error(&r, 401, "invalid_credentials");
	}
}

/* Logs in as login_at(), and expects 429 too_many_attempts with a Retry-After of 1 to 900 s. */
static void
expect_limited(const char *base, const char *source, const char *forwarded, const char *user,
    const char *password)
{
	struct http_resp r;
	char		 value[64];
	long long	 retry;

	login_at(base, source, forwarded, user, password, &r);
	ck_error(&r, 429, "too_many_attempts");
	ck_assert_ptr_nonnull(http_header(&r, "Retry-After", value, sizeof(value)));
	ck_assert_int_eq(text_parse_int(value, 1, 900, &retry), 0);
}

/* Posts {"refresh_token": token} to path. */
static long
post_refresh(const char *path, const char *token, struct http_resp *r)
{
	char	 body[256];

	snprintf(body, sizeof(body), "{\"refresh_token\":\"%s\"}", token);
	return api("POST", path, NULL, body, r);
}

/*
 * Returns the one value (to free) of sql with the parameter param, run as
 * role on database db (NULL: the stack's).
 */
static char *
query_value(const char *role, const char *db, const char *sql, const char *param)
{
	char		 dsn[2048];
	const char	*params[] = { param };
	PGconn		*c;
	PGresult	*res;
	char		*v;

	snprintf(dsn, sizeof(dsn), "%s%s%s", stack_dsn(&test_stack, role),
	    db != NULL ? " dbname=" : "", db != NULL ? db : "");
	c = PQconnectdb(dsn);
	res = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1, "%s: %s",
	    sql, PQresultErrorMessage(res));
	v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(c);
	return v;
}

/* Returns the stored password hash of username (to free). */
static char *
stored_hash(const char *username)
{
	return query_value("quire_auth", NULL, "SELECT password_hash FROM auth.users "
	    "WHERE username = $1", username);
}

/* Stores hash as username's password hash, as an older Quire (or an import) left it. */
static void
set_hash(const char *username, const char *hash)
{
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "quire_auth"));
	const char	*params[] = { username, hash };
	PGresult	*res = PQexecParams(c, "UPDATE auth.users SET password_hash = $2 "
			    "WHERE username = $1", 2, NULL, params, NULL, NULL, 0);

	ck_assert_str_eq(PQcmdTuples(res), "1");
	PQclear(res);
	PQfinish(c);
}

/*
 * Returns the hash (to free) of password with libxcrypt's method prefix
 * ("$y$" yescrypt, "$6$" SHA-512 crypt) at cost (0: the method's default),
 * or only the setting it would use when password is NULL.
 */
static char *
crypt_as(const char *password, const char *prefix, unsigned long cost)
{
	struct crypt_data	*data = calloc(1, sizeof(*data));
	char			*setting = crypt_gensalt_ra(prefix, cost, NULL, 0), *out;

	ck_assert_ptr_nonnull(data);
	ck_assert_ptr_nonnull(setting);
	out = strdup(password == NULL ? setting : crypt_rn(password, setting, data,
	    sizeof(*data)));
	free(setting);
	free(data);
	return out;
}

/* Returns whether password hashes to hash (with hash's own method, cost and salt). */
static bool
hash_matches(const char *password, const char *hash)
{
	struct crypt_data	*data = calloc(1, sizeof(*data));
	const char		*h;
	bool			 ok;

	ck_assert_ptr_nonnull(data);
	h = crypt_rn(password, hash, data, sizeof(*data));
	ok = h != NULL && strcmp(h, hash) == 0;
	free(data);
	return ok;
}

/* Returns whether a stored hash has the method and cost of setting ("$y$j9T$salt"). */
static bool
same_params(const char *hash, const char *setting)
{
	return strncmp(hash, setting, (size_t)(strrchr(setting, '$') - setting) + 1) == 0;
}

START_TEST(login_me_refresh_logout)
{
	struct http_resp r, me, r2;
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1], auth[AUTH_HEADER_SIZE];
	const char	*refresh;

	new_user("author", name, id);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "token_type"), "Bearer");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "expires_in")), 900);
	ck_assert_int_eq(strlen(http_resp_str(&r, "refresh_token")), 43);
	ck_assert_str_eq(http_header(&r, "Cache-Control", auth, sizeof(auth)), "no-store");

	ck_assert_int_eq(api("GET", "/auth/me", http_resp_str(&r, "access_token"), NULL, &me), 200);
	ck_assert_str_eq(http_resp_str(&me, "id"), id);
	ck_assert_str_eq(http_resp_str(&me, "username"), name);
	ck_assert_str_eq(http_resp_str(&me, "role"), "author");
	ck_assert_int_eq(strlen(http_resp_str(&me, "created_at")), 20);

	/* Refresh: a new access token and a new refresh token; the old one stops working. */
	refresh = http_resp_str(&r, "refresh_token");
	ck_assert_int_eq(post_refresh("/auth/refresh", refresh, &r2), 200);
	ck_assert_str_ne(http_resp_str(&r2, "refresh_token"), refresh);
	ck_assert_ptr_nonnull(http_resp_str(&r2, "access_token"));
	ck_assert_int_eq(api("GET", "/auth/me", http_resp_str(&r2, "access_token"), NULL, &me), 200);

	/* Logout revokes the current token and its family. */
	ck_assert_int_eq(post_refresh("/auth/logout", http_resp_str(&r2, "refresh_token"), &me), 204);
	ck_assert_int_eq(me.body.len, 0);
	post_refresh("/auth/refresh", http_resp_str(&r2, "refresh_token"), &me);
	ck_error(&me, 401, "invalid_refresh_token");
}
END_TEST

START_TEST(refresh_reuse_revokes_family)
{
	struct http_resp r1, r2, r3;
	char		 name[USERNAME_MAX + 1];

	new_user("author", name, NULL);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r1), 200);
	ck_assert_int_eq(post_refresh("/auth/refresh", http_resp_str(&r1, "refresh_token"), &r2), 200);
	/* The first token again: theft. It fails, and so does the legitimate new one. */
	post_refresh("/auth/refresh", http_resp_str(&r1, "refresh_token"), &r3);
	ck_error(&r3, 401, "invalid_refresh_token");
	post_refresh("/auth/refresh", http_resp_str(&r2, "refresh_token"), &r3);
	ck_error(&r3, 401, "invalid_refresh_token");
	/* Another login is a new family and works. */
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r3), 200);
}
END_TEST

START_TEST(refresh_bad_tokens)
{
	struct http_resp r;

	post_refresh("/auth/refresh", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
	ck_error(&r, 401, "invalid_refresh_token");
	post_refresh("/auth/refresh", "short", &r);
	ck_error(&r, 401, "invalid_refresh_token");
	api("POST", "/auth/refresh", NULL, "{\"refresh_token\":42}", &r);
	ck_error(&r, 400, "invalid_type");
	api("POST", "/auth/refresh", NULL, "{}", &r);
	ck_error(&r, 400, "missing_field");
}
END_TEST

START_TEST(wrong_password_and_unknown_user_look_the_same)
{
	struct http_resp a, b;
	char		 name[USERNAME_MAX + 1];

	new_user("author", name, NULL);
	login_resp(name, "not-the-password", &a);
	login_resp("nobody-by-this-name", "not-the-password", &b);
	ck_error(&a, 401, "invalid_credentials");
	ck_error(&b, 401, "invalid_credentials");
	ck_assert_str_eq(buf_str(&a.body), buf_str(&b.body));
}
END_TEST

START_TEST(brute_force_limit)
{
	char		 name[USERNAME_MAX + 1];

	new_user("author", name, NULL);
	fail_logins(NULL, NULL, NULL, name, 5);
	/* Even the right password is refused until the window passes. */
	expect_limited(NULL, NULL, NULL, name, USER_PASSWORD);
	/* A username that does not exist is limited the same way. */
	fail_logins(NULL, NULL, NULL, "ghost-user", 5);
	expect_limited(NULL, NULL, NULL, "ghost-user", "wrong-password!");
}
END_TEST

/*
 * Someone who knows a username (they are public: author names) hammers it
 * from their own address. They are stopped, even with the right password,
 * whatever X-Forwarded-For they send; the owner, from another address, is
 * not. Both web servers must pass the real peer address for this to hold.
 */
START_TEST(attacker_locks_out_only_itself)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], ghost[80];
	int		 i;

	new_user("author", name, NULL);
	fail_logins(NULL, "127.0.0.3", "127.0.0.2", name, 5);
	expect_limited(NULL, "127.0.0.3", "127.0.0.2", name, USER_PASSWORD);
	expect_limited(NULL, "127.0.0.3", NULL, name, USER_PASSWORD);

	/* The owner, elsewhere, logs in meanwhile, again and again. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(login_at(NULL, "127.0.0.2", NULL, name, USER_PASSWORD, &r), 200);
	/* Nor did the attacker's failures count against the owner's own address. */
	fail_logins(NULL, "127.0.0.2", NULL, name, 4);
	ck_assert_int_eq(login_at(NULL, "127.0.0.2", NULL, name, USER_PASSWORD, &r), 200);

	/* A username that does not exist is limited the same way, per address. */
	snprintf(ghost, sizeof(ghost), "ghost-%d", (int)getpid());
	fail_logins(NULL, "127.0.0.3", NULL, ghost, 5);
	expect_limited(NULL, "127.0.0.3", NULL, ghost, "wrong-password!");
	fail_logins(NULL, "127.0.0.2", NULL, ghost, 1);
}
END_TEST

/*
 * One address trying many usernames, most of them unknown (each costs a
 * yescrypt hash all the same, so that timing tells nothing): after
 * login_address_max_failures (50) failures the address gets 429 for every
 * username, without a hash; other addresses go on.
 */
START_TEST(address_limit_caps_hashing)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], guess[96];
	int		 i;

	new_user("author", name, NULL);
	for (i = 0; i < 50; i++) {
		snprintf(guess, sizeof(guess), "nobody-%d-%d", (int)getpid(), i);
		fail_logins(NULL, "127.0.0.4", NULL, guess, 1);
	}
	expect_limited(NULL, "127.0.0.4", NULL, "yet-another-name", "wrong-password!");
	expect_limited(NULL, "127.0.0.4", NULL, name, USER_PASSWORD);
	ck_assert_int_eq(login_at(NULL, "127.0.0.5", NULL, name, USER_PASSWORD, &r), 200);
}
END_TEST

/*
 * Behind a reverse proxy (here 127.0.0.6), the web server takes the client's
 * address from the proxy's X-Forwarded-For, as quire(7), LOGIN LIMITS, configures it
 * (lighttpd mod_extforward, Apache mod_remoteip), and from that proxy only:
 * each client behind it has its own limits.
 */
START_TEST(trusted_proxy_forwards_the_client_address)
{
	struct http_resp r;
	char		 routes[4096], base[64], name[USERNAME_MAX + 1];
	int		 port = stack_free_port();
	pid_t		 web;

	if (test_stack.apache)
		snprintf(routes, sizeof(routes),
		    "LoadModule remoteip_module /usr/lib/apache2/modules/mod_remoteip.so\n"
		    "RemoteIPHeader X-Forwarded-For\n"
		    "RemoteIPInternalProxy 127.0.0.6\n"
		    "<LocationMatch \"^/auth\">\n"
		    "\tSetHandler \"proxy:unix:%s/run/auth.sock|fcgi://quire-auth\"\n"
		    "\tRequire all granted\n"
		    "</LocationMatch>\n", test_stack.var);
	else
		snprintf(routes, sizeof(routes),
		    "server.modules += ( \"mod_extforward\", \"mod_fastcgi\" )\n"
		    "extforward.forwarder = ( \"127.0.0.6\" => \"trust\" )\n"
		    "extforward.headers = ( \"X-Forwarded-For\" )\n"
		    "fastcgi.server = ( \"/auth\" => (( \"bin-path\" => \"%s/quire-auth\",\n"
		    "\t\"socket\" => \"%s/run/proxied-auth.sock\", \"max-procs\" => 1,\n"
		    "\t\"check-local\" => \"disable\",\n"
		    "\t\"bin-environment\" => ( \"QUIRE_CONFIG\" => \"%s\" ) )) )\n",
		    test_stack.build, test_stack.var, test_stack.conf);
	web = web_start_extra(&test_stack, "proxied", port, routes);
	ck_assert_int_gt(web, 0);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	new_user("author", name, NULL);

	/* A client behind the proxy hammers the name: it is stopped, another is not. */
	fail_logins(base, "127.0.0.6", "127.0.0.7", name, 5);
	expect_limited(base, "127.0.0.6", "127.0.0.7", name, USER_PASSWORD);
	ck_assert_int_eq(login_at(base, "127.0.0.6", "127.0.0.8", name, USER_PASSWORD, &r), 200);

	/* Not the proxy: its X-Forwarded-For counts for nothing. */
	fail_logins(base, "127.0.0.9", "127.0.0.8", name, 5);
	expect_limited(base, "127.0.0.9", "127.0.0.8", name, USER_PASSWORD);
	ck_assert_int_eq(login_at(base, "127.0.0.6", "127.0.0.8", name, USER_PASSWORD, &r), 200);
	stop_process(web, SIGTERM, 5000, true);
}
END_TEST

START_TEST(tokens_verify_with_the_jwks_alone)
{
	struct http_resp r, jwks;
	char		 dir[] = "/tmp/quire-jwks-XXXXXX", jf[128], tf[128], bad[4200], cache[64];
	const char	*tok;
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
	unlink(jf);
	unlink(tf);
	rmdir(dir);
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
	ck_assert_str_eq(http_resp_error_code(&r), "invalid_token");
	ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", www, sizeof(www)));
	ck_assert_msg(strstr(www, "Bearer") == www && strstr(www, "error=\"invalid_token\""),
	    "%s: WWW-Authenticate %s", why, www);
}

START_TEST(forged_tokens_are_rejected)
{
	struct http_resp r;
	char		 path[1200], id[UUID_LEN + 1], name[USERNAME_MAX + 1], kid[64], head[256], pub[4096];
	char		*claims, *t, *ok, big[5000];
	EVP_PKEY	*key, *stranger;
	long long	 now = time(NULL);
	FILE		*f;
	size_t		 publen;
	const char	*dot;

	new_user("author", name, id);
	snprintf(path, sizeof(path), "%s/keys/private.pem", test_stack.var);
	ck_assert_ptr_nonnull(key = forge_load_key(path));
	ck_assert_int_eq(tok_kid(key, kid), 0);
	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);

	/* A token forged the right way with the real key works: the forger is sound. */
	claims = forge_claims(id, "author", "quire-auth", AUDIENCE, now, now, now + 600);
	ok = forge_token(head, claims, key, NULL, 0);
	ck_assert_int_eq(api("GET", "/auth/me", ok, NULL, &r), 200);

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
	char		 path[4200], auth[AUTH_HEADER_SIZE], url[256];
	const char	*tok = admin_token();
	const char	*headers[2] = { auth, NULL };

	/* A token in the query string is ignored. */
	snprintf(path, sizeof(path), "/auth/me?access_token=%s", tok);
	api("GET", path, NULL, NULL, &r);
	ck_error(&r, 401, "missing_token");
	ck_assert_ptr_nonnull(http_header(&r, "WWW-Authenticate", auth, sizeof(auth)));
	/* The scheme is case-insensitive. */
	snprintf(auth, sizeof(auth), "Authorization: bEaReR %s", tok);
	snprintf(url, sizeof(url), "%s/auth/me", test_stack.base_url);
	ck_assert_int_eq(http_request("GET", url, headers, NULL, 0, &r), 200);
	/* Another scheme is no token at all. */
	snprintf(auth, sizeof(auth), "Authorization: Basic YWRtaW46eA==");
	http_request("GET", url, headers, NULL, 0, &r);
	ck_error(&r, 401, "missing_token");
}
END_TEST

START_TEST(users_create_and_validate)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], body[512], loc[128];
	const char	*admin = admin_token(), *author;
	static const struct api_case bad[] = {
		{ "POST", "/auth/users",
		    "{\"username\":\"Upper\",\"password\":\"long enough pw\",\"role\":\"author\"}",
		    400, "invalid_username", NULL },
		{ "POST", "/auth/users",
		    "{\"username\":\"ab\",\"password\":\"long enough pw\",\"role\":\"author\"}",
		    400, "invalid_username", NULL },
		{ "POST", "/auth/users",
		    "{\"username\":\"tab\\tuser\",\"password\":\"long enough pw\",\"role\":\"author\"}",
		    400, "control_character", NULL },
		{ "POST", "/auth/users",
		    "{\"username\":\"shortpw\",\"password\":\"123456789\",\"role\":\"author\"}",
		    400, "weak_password", NULL },
		{ "POST", "/auth/users",
		    "{\"username\":\"badrole\",\"password\":\"long enough pw\",\"role\":\"root\"}",
		    400, "invalid_role", NULL },
	};

	author = new_user("author", name, NULL);
	snprintf(body, sizeof(body),
	    "{\"username\":\"%s-x\",\"password\":\"%s\",\"role\":\"editor\"}", name, USER_PASSWORD);
	ck_assert_int_eq(api("POST", "/auth/users", admin, body, &r), 201);
	ck_assert_ptr_nonnull(http_header(&r, "Location", loc, sizeof(loc)));
	ck_assert_int_eq(strncmp(loc, "/auth/users/", 12), 0);
	ck_assert_str_eq(loc + 12, http_resp_str(&r, "id"));
	ck_assert_str_eq(http_resp_str(&r, "role"), "editor");
	ck_assert_ptr_null(json_object_get(r.json, "password_hash"));
	ck_assert_ptr_null(json_object_get(r.json, "password"));

	api("POST", "/auth/users", admin, body, &r);
	ck_error(&r, 409, "username_taken");
	api("POST", "/auth/users", author, body, &r);
	ck_error(&r, 403, "forbidden");

	api_expect_errors(admin, NULL, bad, nitems(bad));
	/* None of the refused ones exists. */
	ck_assert_int_eq(login_resp("shortpw", "123456789", &r), 401);
	ck_assert_int_eq(login_resp("badrole", "long enough pw", &r), 401);
}
END_TEST

START_TEST(users_list_paginates)
{
	struct http_resp r;
	char		 hdr[1024], total_s[32];
	const char	*admin = admin_token(), *author;
	long long	 total;
	static const struct api_case bad[] = {
		{ "GET", "/auth/users?per_page=101", NULL, 400, "invalid_query", "per_page" },
		{ "GET", "/auth/users?page=0", NULL, 400, "invalid_query", "page" },
		{ "GET", "/auth/users?page=abc", NULL, 400, "invalid_query", "page" },
	};

	author = new_user("author", hdr, NULL);
	new_user("author", hdr, NULL);
	new_user("author", hdr, NULL);
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

	api_expect_errors(admin, NULL, bad, nitems(bad));
	api("GET", "/auth/users", author, NULL, &r);
	ck_error(&r, 403, "forbidden");
}
END_TEST

START_TEST(users_get_self_or_admin)
{
	struct http_resp r;
	char		 ida[UUID_LEN + 1], idb[UUID_LEN + 1], name[USERNAME_MAX + 1], path[128];
	const char	*admin = admin_token(), *a, *b;

	a = new_user("author", name, ida);
	b = new_user("editor", name, idb);
	snprintf(path, sizeof(path), "/auth/users/%s", ida);
	ck_assert_int_eq(api("GET", path, a, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "id"), ida);
	ck_assert_int_eq(api("GET", path, admin, NULL, &r), 200);
	api("GET", path, b, NULL, &r);
	ck_error(&r, 403, "forbidden");
	api("GET", "/auth/users/00000000-0000-4000-8000-000000000000", admin, NULL, &r);
	ck_error(&r, 404, "not_found");
	api("GET", "/auth/users/not-a-uuid", admin, NULL, &r);
	ck_error(&r, 400, "invalid_id");
	api("GET", "/auth/users/1%27%20OR%201=1", admin, NULL, &r);
	ck_error(&r, 400, "invalid_id");
}
END_TEST

START_TEST(users_patch_role_and_disable)
{
	struct http_resp r, s;
	char		 id[UUID_LEN + 1], name[USERNAME_MAX + 1], path[128];
	const char	*admin = admin_token(), *a;
	const struct api_case bad[] = {
		{ "PATCH", path, "{\"role\":\"god\"}", 400, "invalid_role", NULL },
		{ "PATCH", path, "{\"disabled\":\"yes\"}", 400, "invalid_type", "disabled" },
		{ "PATCH", path, "{}", 400, "missing_field", NULL },
	};

	a = new_user("author", name, id);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	api("PATCH", path, a, "{\"role\":\"admin\"}", &r);
	ck_error(&r, 403, "forbidden");
	ck_assert_int_eq(api("PATCH", path, admin, "{\"role\":\"editor\"}", &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "role"), "editor");
	api_expect_errors(admin, NULL, bad, nitems(bad));

	/* Disabling: no login, no refresh, no /auth/me. */
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &s), 200);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"disabled\":true}", &r), 200);
	ck_assert(json_is_true(json_object_get(r.json, "disabled")));
	login_resp(name, USER_PASSWORD, &r);
	ck_error(&r, 401, "invalid_credentials");
	post_refresh("/auth/refresh", http_resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
	api("GET", "/auth/me", http_resp_str(&s, "access_token"), NULL, &r);
	ck_error(&r, 401, "invalid_token");

	/* Enabled again, the user logs in; the revoked session stays revoked. */
	ck_assert_int_eq(api("PATCH", path, admin, "{\"disabled\":false}", &r), 200);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
	post_refresh("/auth/refresh", http_resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
}
END_TEST

/* Returns the payload of an access token, to json_decref (fails the test on a bad one). */
static json_t *
token_payload(const char *tok)
{
	const char	*a = strchr(tok, '.'), *b;
	unsigned char	 raw[TOK_MAX_LEN];
	long		 n;
	json_t		*j;

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b = strchr(a + 1, '.'));
	ck_assert_int_lt(b - a, (long)sizeof(raw));
	ck_assert_int_ge(n = b64url_decode(a + 1, (size_t)(b - a - 1), raw), 0);
	ck_assert_ptr_nonnull(j = json_loadb((const char *)raw, (size_t)n, 0, NULL));
	return j;
}

START_TEST(users_display_name)
{
	struct http_resp r, s;
	char		 id[UUID_LEN + 1], idb[UUID_LEN + 1];
	const char	*admin = admin_token(), *a, *b;
	char		 name[USERNAME_MAX + 1], nameb[USERNAME_MAX + 1], path[128], body[512];
	char		 hundred[101];
	json_t		*p;
	const struct api_case bad_names[] = {
		{ "PATCH", path, body, 400, "invalid_field", "display_name" },	/* 101 characters */
		{ "PATCH", path, "{\"display_name\":\"   \"}", 400, "invalid_field", NULL },
		{ "PATCH", path, "{\"display_name\":\"bell\\u0007\"}", 400, "invalid_field", NULL },
		{ "PATCH", path, "{\"display_name\":42}", 400, "invalid_type", NULL },
		{ "PATCH", path, "{\"display_name\":\"X\",\"password\":\"p\","
		    "\"current_password\":\"q\"}", 400, "invalid_field", NULL },
	};

	a = new_user("author", name, id);
	b = new_user("author", nameb, idb);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	/* None at first: null in the JSON, no claim in the token. */
	ck_assert_int_eq(api("GET", "/auth/me", a, NULL, &r), 200);
	ck_assert(json_is_null(json_object_get(r.json, "display_name")));
	p = token_payload(a);
	ck_assert_ptr_null(json_object_get(p, "display_name"));
	ck_assert_str_eq(json_string_value(json_object_get(p, "name")), name);
	json_decref(p);

	/* The user sets their own (trimmed), and the next token carries it. */
	ck_assert_int_eq(api("PATCH", path, a, "{\"display_name\":\"  Ada \\u00c9 <b>\\\"&'\"}",
	    &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "display_name"), "Ada \xc3\x89 <b>\"&'");
	ck_assert_str_eq(http_resp_str(&r, "username"), name);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
	p = token_payload(http_resp_str(&r, "access_token"));
	ck_assert_str_eq(json_string_value(json_object_get(p, "display_name")), "Ada \xc3\x89 <b>\"&'");
	ck_assert_str_eq(json_string_value(json_object_get(p, "name")), name);
	json_decref(p);
	/* The refreshed token too. */
	ck_assert_int_eq(post_refresh("/auth/refresh", http_resp_str(&r, "refresh_token"), &s), 200);
	p = token_payload(http_resp_str(&s, "access_token"));
	ck_assert_str_eq(json_string_value(json_object_get(p, "display_name")), "Ada \xc3\x89 <b>\"&'");
	json_decref(p);
	/* A token with the claim verifies (it is read, not refused). */
	ck_assert_int_eq(api("GET", "/auth/me", http_resp_str(&s, "access_token"), NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "display_name"), "Ada \xc3\x89 <b>\"&'");

	/* Refused, and nothing changes. */
	memset(hundred, 'x', 100);
	hundred[100] = '\0';
	snprintf(body, sizeof(body), "{\"display_name\":\"%sy\"}", hundred);
	api_expect_errors(a, NULL, bad_names, nitems(bad_names));
	/* Another author may not set it; an admin may. */
	api("PATCH", path, b, "{\"display_name\":\"Mallory\"}", &r);
	ck_error(&r, 403, "forbidden");
	ck_assert_int_eq(api("GET", path, admin, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "display_name"), "Ada \xc3\x89 <b>\"&'");
	snprintf(body, sizeof(body), "{\"display_name\":\"%s\"}", hundred);
	ck_assert_int_eq(api("PATCH", path, admin, body, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "display_name"), hundred);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"role\":\"editor\",\"display_name\":\"Ed\"}",
	    &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "display_name"), "Ed");
	ck_assert_str_eq(http_resp_str(&r, "role"), "editor");
	/* null clears it. */
	ck_assert_int_eq(api("PATCH", path, admin, "{\"display_name\":null}", &r), 200);
	ck_assert(json_is_null(json_object_get(r.json, "display_name")));
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
	p = token_payload(http_resp_str(&r, "access_token"));
	ck_assert_ptr_null(json_object_get(p, "display_name"));
	json_decref(p);

	/* Given at creation by an admin, checked there too. */
	snprintf(body, sizeof(body), "{\"username\":\"%s-dn\",\"password\":\"%s\","
	    "\"role\":\"author\",\"display_name\":\" Bea \"}", nameb, USER_PASSWORD);
	ck_assert_int_eq(api("POST", "/auth/users", admin, body, &r), 201);
	ck_assert_str_eq(http_resp_str(&r, "display_name"), "Bea");
	snprintf(body, sizeof(body), "{\"username\":\"%s-dx\",\"password\":\"%s\","
	    "\"role\":\"author\",\"display_name\":\"\"}", nameb, USER_PASSWORD);
	api("POST", "/auth/users", admin, body, &r);
	ck_error(&r, 400, "invalid_field");
}
END_TEST

START_TEST(users_change_own_password)
{
	struct http_resp r, s;
	char		 id[UUID_LEN + 1], idb[UUID_LEN + 1], name[USERNAME_MAX + 1], nameb[USERNAME_MAX + 1], path[128];
	const char	*a, *b;

	a = new_user("author", name, id);
	b = new_user("author", nameb, idb);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &s), 200);

	api("PATCH", path, a, "{\"current_password\":\"wrong password\",\"password\":\"new password 123\"}", &r);
	ck_error(&r, 401, "invalid_credentials");
	api("PATCH", path, a, "{\"password\":\"new password 123\"}", &r);
	ck_error(&r, 400, "missing_field");
	api("PATCH", path, a, "{\"current_password\":\"" USER_PASSWORD "\",\"password\":\"short\"}", &r);
	ck_error(&r, 400, "weak_password");
	api("PATCH", path, b, "{\"current_password\":\"" USER_PASSWORD "\",\"password\":\"new password 123\"}", &r);
	ck_error(&r, 403, "forbidden");

	ck_assert_int_eq(api("PATCH", path, a,
	    "{\"current_password\":\"" USER_PASSWORD "\",\"password\":\"new password 123\"}", &r), 200);
	/* The old password and every refresh token are gone; the new password works. */
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 401);
	post_refresh("/auth/refresh", http_resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
	ck_assert_int_eq(login_resp(name, "new password 123", &r), 200);
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

/*
 * A disabled user's token is revoked, but may reach Auth before the
 * revocation does: either way it cannot change the password.
 */
START_TEST(disabled_user_cannot_change_password)
{
	struct http_resp r;
	char		 id[UUID_LEN + 1], name[USERNAME_MAX + 1], path[128];
	const char	*admin = admin_token(), *a;

	a = new_user("author", name, id);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"disabled\":true}", &r), 200);
	/*
	 * Refused as the login refuses a disabled account (the same answer), or
	 * as a revoked token once the revocation arrived.
	 */
	api("PATCH", path, a, "{\"current_password\":\"" USER_PASSWORD "\","
	    "\"password\":\"new password 123\"}", &r);
	if (strcmp(http_resp_error_code(&r), "invalid_token") == 0) {
		ck_error(&r, 401, "invalid_token");
		ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "revoked"));
	} else
		ck_error(&r, 401, "invalid_credentials");
	/* Enabled again, the old password is the one that works. */
	ck_assert_int_eq(api("PATCH", path, admin, "{\"disabled\":false}", &r), 200);
	ck_assert_int_eq(login_resp(name, "new password 123", &r), 401);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
}
END_TEST

/*
 * After password_cost changes (or hashes come from elsewhere), a successful
 * login stores the password hashed again with the current method and cost;
 * a failed one changes nothing.
 */
START_TEST(old_hashes_are_rehashed_on_login)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], *old, *now, *current;
	const char	*prefixes[] = { "$y$", "$6$" };
	unsigned long	 costs[] = { 3, 0 };
	size_t		 i;

	new_user("author", name, NULL);
	current = crypt_as(NULL, "$y$", 5);	/* the stack's password_cost */
	now = stored_hash(name);
	ck_assert(same_params(now, current));
	free(now);
	for (i = 0; i < 2; i++) {
		old = crypt_as(USER_PASSWORD, prefixes[i], costs[i]);
		ck_assert(!same_params(old, current));
		set_hash(name, old);
		ck_assert_int_eq(login_resp(name, "not the password", &r), 401);
		now = stored_hash(name);
		ck_assert_str_eq(now, old);
		free(now);
		ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
		now = stored_hash(name);
		ck_assert_msg(same_params(now, current), "%s not rehashed: %s", prefixes[i], now);
		ck_assert(hash_matches(USER_PASSWORD, now));
		free(now);
		free(old);
	}
	free(current);
}
END_TEST

START_TEST(demoted_admin_loses_power_at_once)
{
	struct http_resp r;
	char		 id2[UUID_LEN + 1], idv[UUID_LEN + 1], name[USERNAME_MAX + 1];
	const char	*admin = admin_token(), *second;
	char		 path[128], body[256];

	second = new_user("admin", name, id2);
	new_user("author", name, idv);
	snprintf(path, sizeof(path), "/auth/users/%s", id2);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"role\":\"author\"}", &r), 200);
	/*
	 * Its token still says admin; the database does not. The token is
	 * revoked too, which every program learns within a second or so: until
	 * then the database check refuses (403), afterwards the token (401).
	 */
	snprintf(body, sizeof(body), "{\"username\":\"%s-2\",\"password\":\"%s\","
	    "\"role\":\"admin\"}", name, USER_PASSWORD);
	api("POST", "/auth/users", second, body, &r);
	ck_no_admin_power(&r);
	api("GET", "/auth/users", second, NULL, &r);
	ck_no_admin_power(&r);
	snprintf(path, sizeof(path), "/auth/users/%s", idv);
	api("PATCH", path, second, "{\"disabled\":true}", &r);
	ck_no_admin_power(&r);
	api("DELETE", path, second, NULL, &r);
	ck_no_admin_power(&r);
	api("GET", path, second, NULL, &r);
	ck_no_admin_power(&r);
	/* The victim is untouched. */
	ck_assert_int_eq(api("GET", path, admin, NULL, &r), 200);
	ck_assert(json_is_false(json_object_get(r.json, "disabled")));
}
END_TEST

START_TEST(password_change_is_throttled)
{
	struct http_resp r;
	char		 id[UUID_LEN + 1], name[USERNAME_MAX + 1], path[128];
	const char	*a;
	int		 i;

	a = new_user("author", name, id);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	for (i = 0; i < 5; i++) {
		api("PATCH", path, a, "{\"current_password\":\"guess number x\","
		    "\"password\":\"new password 123\"}", &r);
		ck_error(&r, 401, "invalid_credentials");
	}
	/* Guessing through the password change counts like failed logins. */
	api("PATCH", path, a, "{\"current_password\":\"" USER_PASSWORD "\","
	    "\"password\":\"new password 123\"}", &r);
	ck_error(&r, 429, "too_many_attempts");
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 429);
}
END_TEST

START_TEST(users_delete)
{
	struct http_resp r, s;
	char		 id[UUID_LEN + 1], name[USERNAME_MAX + 1], path[128];
	const char	*admin = admin_token(), *a;

	a = new_user("author", name, id);
	snprintf(path, sizeof(path), "/auth/users/%s", id);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &s), 200);
	api("DELETE", path, a, NULL, &r);
	ck_error(&r, 403, "forbidden");
	ck_assert_int_eq(api("DELETE", path, admin, NULL, &r), 204);
	api("DELETE", path, admin, NULL, &r);
	ck_error(&r, 404, "not_found");
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 401);
	post_refresh("/auth/refresh", http_resp_str(&s, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
}
END_TEST

START_TEST(last_admin_is_kept)
{
	struct http_resp r, me;
	char		 id2[UUID_LEN + 1], name[USERNAME_MAX + 1], path[128];
	const char	*admin = admin_token();
	char		 admin_path[128];

	ck_assert_int_eq(api("GET", "/auth/me", admin, NULL, &me), 200);
	snprintf(admin_path, sizeof(admin_path), "/auth/users/%s", http_resp_str(&me, "id"));
	/* With a second admin, the first may be demoted, and back. */
	new_user("admin", name, id2);
	snprintf(path, sizeof(path), "/auth/users/%s", id2);
	ck_assert_int_eq(api("PATCH", path, admin, "{\"role\":\"author\"}", &r), 200);
	/* Now the stack's admin is the only active admin: it cannot leave. */
	api("PATCH", admin_path, admin, "{\"role\":\"editor\"}", &r);
	ck_error(&r, 409, "last_admin");
	api("PATCH", admin_path, admin, "{\"disabled\":true}", &r);
	ck_error(&r, 409, "last_admin");
	api("DELETE", admin_path, admin, NULL, &r);
	ck_error(&r, 409, "last_admin");
	ck_assert_int_eq(api("GET", "/auth/me", admin, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "role"), "admin");
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
	static const struct api_case bad[] = {
		{ "POST", "/auth/login", "{\"username\":", 400, "invalid_json", NULL },
		{ "POST", "/auth/login", "[1,2]", 400, "expected_object", NULL },
		{ "POST", "/auth/login", "{\"username\":\"a\",\"username\":\"b\",\"password\":\"x\"}",
		    400, "duplicate_key", NULL },
		{ "POST", "/auth/login", "{\"username\":\"nobody-here\",\"password\":\"x\",\"otp\":1}",
		    400, "unknown_field", NULL },
		{ "POST", "/auth/login", "{\"username\":\"nobody-here\"}", 400, "missing_field", NULL },
		{ "POST", "/auth/login", "{\"username\":7,\"password\":\"x\"}", 400, "invalid_type",
		    "username" },
		{ "POST", "/auth/login", "{\"username\":\"\xff\xfe\",\"password\":\"x\"}", 400,
		    "invalid_utf8", NULL },
		{ "POST", "/auth/login", "{\"username\":\"a\\u0000b\",\"password\":\"x\"}", 400,
		    "invalid_json", NULL },
	};

	snprintf(url, sizeof(url), "%s/auth/login", test_stack.base_url);
	api_expect_errors(NULL, NULL, bad, nitems(bad));

	http_request("POST", url, text, body, strlen(body), &r);
	ck_error(&r, 415, "unsupported_media_type");
	http_request("POST", url, latin, body, strlen(body), &r);
	ck_error(&r, 415, "unsupported_media_type");
	http_request("POST", url, charset, body, strlen(body), &r);
	ck_error(&r, 401, "invalid_credentials");

	/* Past the program's limit (64 KiB): its own 413. Past the web server's: the web
	 * server's, in the same shape. */
	big = malloc(200 * 1024);
	memset(big, ' ', 200 * 1024);
	memcpy(big, "{\"username\":\"x\",\"password\":\"x\"}", 31);
	http_request("POST", url, json, big, 70 * 1024, &r);
	ck_error(&r, 413, "body_too_large");
	http_request("POST", url, json, big, 200 * 1024, &r);
	ck_error(&r, 413, "body_too_large");
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
	/* Not the API's: the reader site's 404 page. */
	ck_assert_int_eq(api("GET", "/authx", NULL, NULL, &r), 404);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "<!doctype html>"));
	api("GET", "/auth/login", NULL, NULL, &r);
	ck_error(&r, 405, "method_not_allowed");
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "POST");
	api("PUT", "/auth/users/00000000-0000-4000-8000-000000000000", NULL, "{}", &r);
	ck_error(&r, 405, "method_not_allowed");
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "GET, HEAD, PATCH, DELETE");
	/* HEAD answers like GET, without a body. */
	ck_assert_int_eq(api("HEAD", "/auth/health", NULL, NULL, &r), 200);
	ck_assert_int_eq(r.body.len, 0);
	/* A given request id comes back. */
	snprintf(url, sizeof(url), "%s/auth/health", test_stack.base_url);
	ck_assert_int_eq(http_request("GET", url, headers, NULL, 0, &r), 200);
	ck_assert_str_eq(http_header(&r, "X-Request-Id", rid, sizeof(rid)), "test-request-42");
	ck_assert_str_eq(http_resp_str(&r, "status"), "ok");
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

	secret_random(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), rid);
	snprintf(hdr, sizeof(hdr), "X-Request-Id: log-%s", rid);
	snprintf(url, sizeof(url), "%s/auth/users/not-a-uuid", test_stack.base_url);
	http_request("GET", url, headers, NULL, 0, &r);
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
	FILE	*ls;
	int	 n;

	/* As many recorded as there are files; the test's own come after them (900…). */
	ck_assert_ptr_nonnull(ls = popen("ls sql/auth/*.sql | wc -l", "r"));
	ck_assert_int_eq(fscanf(ls, "%d", &n), 1);
	pclose(ls);
	ck_assert_int_ge(n, 1);
	ck_assert_int_eq(auth_rows("SELECT version, sha256 FROM auth.schema_migrations"), n);
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
	char		 retry[16];
	const char	*tok = admin_token();
	int		 i, ok;

	ck_assert_int_eq(stack_pg_stop(&test_stack), 0);
	for (i = 0; i < 3; i++) {
		api("GET", "/auth/health", NULL, NULL, &r);
		ck_error(&r, 503, "service_unavailable");
		ck_assert_str_eq(http_header(&r, "Retry-After", retry, sizeof(retry)), "1");
		api("GET", "/auth/me", tok, NULL, &r);
		ck_error(&r, 503, "service_unavailable");
		login_resp(ADMIN_USER, ADMIN_PASSWORD, &r);
		ck_error(&r, 503, "service_unavailable");
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
	}
	ck_assert_int_eq(ok, 8);
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
start_standalone(const char *conf, const char *sock, int workers)
{
	pid_t	 pid = standalone_start(test_stack.build, "auth", conf, sock, workers, NULL);

	ck_assert_int_gt(pid, 0);
	return pid;
}

/* Sends GET uri over FastCGI to sock; appends the raw CGI response to out. */
static void
fcgi_get(const char *sock, const char *uri, struct buf *out)
{
	ck_assert_int_gt(fcgi_call(sock, "GET", uri, NULL, NULL, out), 0);
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
	master = start_standalone(conf, sock, 2);

	fcgi_get(sock, "/auth/health", &out);
	ck_assert_msg(strncmp(buf_str(&out), "Status: 200", 11) == 0, "%s", buf_str(&out));
	ck_assert_int_eq(standalone_worker_pids(master, kids, 8), 2);

	/* A worker that dies is replaced: two workers again, neither the dead one. */
	dead = kids[0];
	kill(dead, SIGKILL);
	for (i = 0; i < 100; i++) {
		if (standalone_worker_pids(master, kids, 8) == 2 && kids[0] != dead && kids[1] != dead)
			break;
		usleep(100000);
	}
	ck_assert_int_eq(standalone_worker_pids(master, kids, 8), 2);
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

/* Returns the one worker of master, once it has forked it (fails the test after a while). */
static pid_t
only_worker(pid_t master)
{
	pid_t	 worker = 0;
	int	 i;

	for (i = 0; i < PROC_EVENT_TIMEOUT_MS / 10; i++) {
		if (standalone_worker_pids(master, &worker, 1) == 1)
			return worker;
		usleep(10000);
	}
	ck_abort_msg("quire-auth %d has no worker", (int)master);
	return 0;
}

START_TEST(sigterm_finishes_the_request_in_flight)
{
	char		 dir[] = "/tmp/quire-standalone-XXXXXX", conf[600], sock[600], cmd[700];
	const char	*body = "{\"username\":\"nobody-at-all\",\"password\":\"not-it-at-all\"}";
	char		 len[64];
	char		*params[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/auth/login",
		    "CONTENT_TYPE=application/json", len, NULL };
	struct buf	 out = BUF_INIT;
	pid_t		 master, worker;
	int		 fd, status;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	standalone_conf(dir, conf, sizeof(conf));
	snprintf(sock, sizeof(sock), "%s/auth.sock", dir);
	master = start_standalone(conf, sock, 1);
	worker = only_worker(master);
	snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", strlen(body));

	/* Half a body is in (the worker waits in read() for the rest); then SIGTERM... */
	fd = fcgi_connect(sock);
	ck_assert_int_eq(fcgi_begin(fd, params), 0);
	ck_assert_int_eq(fcgi_stdin(fd, body, 10), 0);
	ck_assert_msg(proc_wait_syscall(worker, SYS_read, PROC_EVENT_TIMEOUT_MS) == 0,
	    "the worker never waited for the rest of the body");
	kill(master, SIGTERM);
	/* ...which the master passes on: the worker has it pending, mid-request... */
	ck_assert_msg(proc_wait_pending(worker, SIGTERM, PROC_EVENT_TIMEOUT_MS) == 0,
	    "the master did not pass SIGTERM on to its worker");
	/* ...then the rest. */
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

/* Runs a command as the superuser in the maintenance database postgres. */
static void
superuser_exec(const char *sql)
{
	char		 dsn[2048];
	PGconn		*c;
	PGresult	*res;

	snprintf(dsn, sizeof(dsn), "%s dbname=postgres", stack_dsn(&test_stack, "postgres"));
	c = PQconnectdb(dsn);
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", sql,
	    PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(c);
}

/*
 * create-admin in a database without an admin, with password_min_length
 * above the 22 characters it used to generate: the password it prints is
 * long enough, and it is the one stored.
 */
START_TEST(create_admin_generates_a_long_enough_password)
{
	char		 db[64], dir[] = "/tmp/quire-admin-XXXXXX", conf[128], out[128], sql[256];
	char		 cmd[4096], line[512], *pw, *hash;
	FILE		*f;

	snprintf(db, sizeof(db), "quire_admin_%d", (int)getpid());
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/quire.conf", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	ck_assert_ptr_nonnull(f = fopen(conf, "w"));
	fprintf(f, "public_keys = %s/keys/public\n[auth]\ndatabase = %s dbname=%s\n"
	    "private_key = %s/keys/private.pem\npassword_min_length = 40\n", test_stack.var,
	    stack_dsn(&test_stack, "quire_auth"), db, test_stack.var);
	ck_assert_int_eq(fclose(f), 0);
	/* The database made as quire-setup makes it: the superuser's DSN in the environment. */
	snprintf(cmd, sizeof(cmd), "QUIRE_ADMIN_DSN='%s' %s/quire-migrate --sql-dir sql "
	    "--database %s --create-database --create-roles auth >/dev/null",
	    stack_dsn(&test_stack, "postgres"), test_stack.build, db);
	ck_assert_int_eq(system(cmd), 0);

	unsetenv("QUIRE_ADMIN_PASSWORD");
	snprintf(cmd, sizeof(cmd), "QUIRE_ADMIN_USER=first-admin %s/quire-auth create-admin "
	    "--config %s >%s 2>&1", test_stack.build, conf, out);
	ck_assert_int_eq(WEXITSTATUS(system(cmd)), 0);
	ck_assert_ptr_nonnull(f = fopen(out, "r"));
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	fclose(f);
	ck_assert_msg((pw = strstr(line, "with password: ")) != NULL, "%s", line);
	pw += 15;
	pw[strcspn(pw, "\n")] = '\0';
	ck_assert_uint_ge(strlen(pw), 40);

	/* The printed password is the one stored. */
	hash = query_value("quire_auth", db, "SELECT password_hash FROM auth.users "
	    "WHERE role = $1", "admin");
	ck_assert(hash_matches(pw, hash));
	free(hash);

	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", db);
	superuser_exec(sql);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/*
 * keygen says what each value it prints is: a bare key id looks like a
 * password someone should keep.
 */
START_TEST(keygen_output_names_the_key_id)
{
	char		 dir[] = "/tmp/quire-keygen-XXXXXX", cmd[1400], line[512], kid[128];
	char		 want[256];
	FILE		*f;
	int		 labelled = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s/quire-auth keygen %s/private.pem %s/public >%s/out && "
	    "ls %s/public", test_stack.build, dir, dir, dir, dir);
	ck_assert_ptr_nonnull(f = popen(cmd, "r"));
	ck_assert_ptr_nonnull(fgets(kid, sizeof(kid), f));
	pclose(f);
	kid[strcspn(kid, ".")] = '\0';	/* <kid>.pem */
	ck_assert_uint_eq(strlen(kid), TOK_KID_LEN);
	snprintf(want, sizeof(want), "key id (RFC 7638 thumbprint): %s\n", kid);
	snprintf(cmd, sizeof(cmd), "%s/out", dir);
	ck_assert_ptr_nonnull(f = fopen(cmd, "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		ck_assert_msg(strncmp(line, kid, strlen(kid)) != 0, "a bare key id: %s", line);
		labelled += strcmp(line, want) == 0;
	}
	fclose(f);
	ck_assert_int_eq(labelled, 1);
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

/*
 * Browser sessions: the refresh token in a cookie (X-Quire-Session: cookie).
 */

/*
 * Sends POST path as a browser would: with the session header when session
 * is set, the cookie "quire_refresh=cookie" when cookie is not NULL, one
 * more header (an Origin…) when extra is not NULL, and body as JSON when not
 * NULL. Returns the status.
 */
static long
browser_post(const char *path, bool session, const char *cookie, const char *extra,
    const char *body, struct http_resp *r)
{
	char		 url[1024], c[256];
	const char	*headers[6];
	size_t		 n = 0;

	snprintf(url, sizeof(url), "%s%s", test_stack.base_url, path);
	if (session)
		headers[n++] = "X-Quire-Session: cookie";
	if (cookie != NULL) {
		snprintf(c, sizeof(c), "Cookie: theme=dark; quire_refresh=%s; lang=en", cookie);
		headers[n++] = c;
	}
	if (extra != NULL)
		headers[n++] = extra;
	if (body != NULL)
		headers[n++] = "Content-Type: application/json";
	headers[n] = NULL;
	/* No body is "Content-Length: 0", as browsers send it. */
	return http_request("POST", url, headers, body != NULL ? body : "",
	    body != NULL ? strlen(body) : 0, r);
}

/* Logs name in as a browser session; writes the cookie's token. */
static void
browser_login(const char *name, char token[REFRESH_TOKEN_LEN + 1], struct http_resp *r)
{
	char	*body = creds(name, USER_PASSWORD), set[512];

	ck_assert_int_eq(browser_post("/auth/login", true, NULL, NULL, body, r), 200);
	free(body);
	ck_assert_ptr_nonnull(http_header(r, "Set-Cookie", set, sizeof(set)));
	ck_assert_msg(sscanf(set, "quire_refresh=%43[A-Za-z0-9_-];", token) == 1, "%s", set);
	ck_assert_int_eq(strlen(token), 43);
}

/* Asserts that r clears the refresh cookie. */
static void
ck_cookie_cleared(const struct http_resp *r)
{
	char	 set[512];

	ck_assert_ptr_nonnull(http_header(r, "Set-Cookie", set, sizeof(set)));
	ck_assert_msg(strncmp(set, "quire_refresh=;", 15) == 0, "%s", set);
	ck_assert_ptr_nonnull(strstr(set, "Max-Age=0"));
	ck_assert_ptr_nonnull(strstr(set, "Path=/auth"));
}

START_TEST(cookie_login_attributes)
{
	struct http_resp r, me;
	char		 name[USERNAME_MAX + 1], token[REFRESH_TOKEN_LEN + 1], set[512];

	new_user("author", name, NULL);
	browser_login(name, token, &r);
	/* The refresh token is in the cookie alone: never in the body. */
	ck_assert_ptr_null(json_object_get(r.json, "refresh_token"));
	ck_assert_ptr_null(strstr(buf_str(&r.body), token));
	ck_assert_str_eq(http_resp_str(&r, "token_type"), "Bearer");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "expires_in")), 900);
	http_header(&r, "Set-Cookie", set, sizeof(set));
	ck_assert_ptr_nonnull(strstr(set, "; Path=/auth;"));
	ck_assert_ptr_nonnull(strstr(set, "; HttpOnly"));
	ck_assert_ptr_nonnull(strstr(set, "; SameSite=Strict"));
	ck_assert_ptr_nonnull(strstr(set, "; Max-Age=2592000;"));
	/* Plain http here: no Secure (which a browser would not send back). */
	ck_assert_ptr_null(strstr(set, "Secure"));
	ck_assert_str_eq(http_header(&r, "Cache-Control", set, sizeof(set)), "no-store");
	ck_assert_int_eq(api("GET", "/auth/me", http_resp_str(&r, "access_token"), NULL, &me), 200);
	ck_assert_str_eq(http_resp_str(&me, "username"), name);
}
END_TEST

START_TEST(cookie_refresh_rotates_and_reuse_revokes)
{
	struct http_resp r, r2, r3;
	char		 name[USERNAME_MAX + 1], first[REFRESH_TOKEN_LEN + 1], second[REFRESH_TOKEN_LEN + 1], set[512], origin[128];

	new_user("author", name, NULL);
	browser_login(name, first, &r);
	/* A same-origin refresh, as a browser sends it: a new cookie, no token in the body. */
	snprintf(origin, sizeof(origin), "Origin: %s", test_stack.base_url);
	ck_assert_int_eq(browser_post("/auth/refresh", true, first, origin, NULL, &r2), 200);
	ck_assert_ptr_null(json_object_get(r2.json, "refresh_token"));
	ck_assert_ptr_nonnull(http_header(&r2, "Set-Cookie", set, sizeof(set)));
	ck_assert_int_eq(sscanf(set, "quire_refresh=%43[A-Za-z0-9_-];", second), 1);
	ck_assert_str_ne(first, second);
	ck_assert_int_eq(api("GET", "/auth/me", http_resp_str(&r2, "access_token"), NULL, &r), 200);
	/* The first cookie again: reuse. Refused, the cookie cleared, the family revoked. */
	browser_post("/auth/refresh", true, first, NULL, NULL, &r3);
	ck_error(&r3, 401, "invalid_refresh_token");
	ck_cookie_cleared(&r3);
	browser_post("/auth/refresh", true, second, NULL, NULL, &r3);
	ck_error(&r3, 401, "invalid_refresh_token");
	/* The cookie's token is a refresh token like any other: the body form sees it revoked too. */
	post_refresh("/auth/refresh", second, &r3);
	ck_error(&r3, 401, "invalid_refresh_token");
}
END_TEST

START_TEST(cookie_csrf_refusals)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], token[REFRESH_TOKEN_LEN + 1], *body;

	new_user("author", name, NULL);
	browser_login(name, token, &r);
	/* The cookie without the header: what a cross-site form would send. */
	browser_post("/auth/refresh", false, token, NULL, NULL, &r);
	ck_error(&r, 403, "cross_site_request");
	browser_post("/auth/refresh", false, token, NULL, "{\"refresh_token\":\"x\"}", &r);
	ck_error(&r, 403, "cross_site_request");
	browser_post("/auth/logout", false, token, NULL, NULL, &r);
	ck_error(&r, 403, "cross_site_request");
	/* The header from a foreign origin, an opaque one, or another site. */
	browser_post("/auth/refresh", true, token, "Origin: http://evil.example", NULL, &r);
	ck_error(&r, 403, "cross_site_request");
	browser_post("/auth/refresh", true, token, "Origin: null", NULL, &r);
	ck_error(&r, 403, "cross_site_request");
	browser_post("/auth/refresh", true, token, "Sec-Fetch-Site: same-site", NULL, &r);
	ck_error(&r, 403, "cross_site_request");
	browser_post("/auth/logout", true, token, "Origin: https://evil.example", NULL, &r);
	ck_error(&r, 403, "cross_site_request");
	/* A login into a browser session from another site (login CSRF). */
	body = creds(name, USER_PASSWORD);
	browser_post("/auth/login", true, NULL, "Origin: http://evil.example", body, &r);
	ck_error(&r, 403, "cross_site_request");
	ck_assert_ptr_null(strstr(buf_str(&r.headers), "quire_refresh="));
	free(body);
	/* None of that used up or revoked the session. */
	ck_assert_int_eq(browser_post("/auth/refresh", true, token, "Sec-Fetch-Site: same-origin",
	    NULL, &r), 200);
}
END_TEST

START_TEST(cookie_logout_and_logout_everywhere)
{
	struct http_resp r, body_login;
	char		 name[USERNAME_MAX + 1], token[REFRESH_TOKEN_LEN + 1], token2[REFRESH_TOKEN_LEN + 1];

	new_user("author", name, NULL);
	browser_login(name, token, &r);
	ck_assert_int_eq(browser_post("/auth/logout", true, token, NULL, NULL, &r), 204);
	ck_cookie_cleared(&r);
	browser_post("/auth/refresh", true, token, NULL, NULL, &r);
	ck_error(&r, 401, "invalid_refresh_token");
	/* No session at all: logging out says nothing, and clears the cookie. */
	ck_assert_int_eq(browser_post("/auth/logout", true, NULL, NULL, NULL, &r), 204);
	ck_cookie_cleared(&r);
	browser_post("/auth/refresh", true, NULL, NULL, NULL, &r);
	ck_error(&r, 401, "invalid_refresh_token");

	/* Log out everywhere: a browser session and a body session of the same user end. */
	browser_login(name, token2, &r);
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &body_login), 200);
	api("POST", "/auth/logout/all", NULL, "", &r);
	ck_error(&r, 401, "missing_token");
	ck_assert_int_eq(api("POST", "/auth/logout/all", http_resp_str(&body_login, "access_token"),
	    "", &r), 204);
	browser_post("/auth/refresh", true, token2, NULL, NULL, &r);
	ck_error(&r, 401, "invalid_refresh_token");
	post_refresh("/auth/refresh", http_resp_str(&body_login, "refresh_token"), &r);
	ck_error(&r, 401, "invalid_refresh_token");
}
END_TEST

START_TEST(body_clients_unchanged)
{
	struct http_resp r, r2;
	char		 name[USERNAME_MAX + 1], set[256];

	new_user("author", name, NULL);
	/* Without the header: the refresh token in the body, and no cookie. */
	ck_assert_int_eq(login_resp(name, USER_PASSWORD, &r), 200);
	ck_assert_int_eq(strlen(http_resp_str(&r, "refresh_token")), 43);
	ck_assert_ptr_null(http_header(&r, "Set-Cookie", set, sizeof(set)));
	ck_assert_int_eq(post_refresh("/auth/refresh", http_resp_str(&r, "refresh_token"), &r2), 200);
	ck_assert_int_eq(strlen(http_resp_str(&r2, "refresh_token")), 43);
	ck_assert_ptr_null(http_header(&r2, "Set-Cookie", set, sizeof(set)));
	ck_assert_int_eq(post_refresh("/auth/logout", http_resp_str(&r2, "refresh_token"), &r), 204);
	ck_assert_ptr_null(http_header(&r, "Set-Cookie", set, sizeof(set)));
}
END_TEST

/*
 * Sends a browser-session POST /auth/login over FastCGI to sock, with HTTPS
 * set to https ("on" or NULL) and the Origin origin (or none); appends the
 * raw CGI response to out.
 */
static void
fcgi_browser_login(const char *sock, const char *name, const char *https, const char *origin,
    struct buf *out)
{
	char	*body = creds(name, USER_PASSWORD);
	char	 len[64], o[256], h[64];
	char	*params[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/auth/login",
		    "CONTENT_TYPE=application/json", len, "HTTP_HOST=blog.example",
		    "HTTP_X_QUIRE_SESSION=cookie", h, o, NULL };
	int	 fd = fcgi_connect(sock);

	snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", strlen(body));
	snprintf(h, sizeof(h), "HTTPS=%s", https != NULL ? https : "off");
	snprintf(o, sizeof(o), "HTTP_ORIGIN=%s", origin);
	if (origin == NULL)
		params[7] = NULL;
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(fcgi_begin(fd, params), 0);
	ck_assert_int_eq(fcgi_stdin(fd, body, strlen(body)), 0);
	ck_assert_int_eq(fcgi_stdin(fd, "", 0), 0);
	ck_assert_int_eq(fcgi_read_response(fd, out), 0);
	close(fd);
	free(body);
}

START_TEST(cookie_secure_over_https)
{
	char		 dir[] = "/tmp/quire-secure-XXXXXX", conf[600], sock[600], cmd[700];
	char		 name[USERNAME_MAX + 1];
	struct buf	 out = BUF_INIT;
	const char	*set;
	pid_t		 master;
	int		 status;

	new_user("author", name, NULL);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	standalone_conf(dir, conf, sizeof(conf));
	snprintf(sock, sizeof(sock), "%s/auth.sock", dir);
	master = start_standalone(conf, sock, 1);

	/* Served over https (the web server's HTTPS=on): Secure, and the https Origin is ours. */
	fcgi_browser_login(sock, name, "on", "https://blog.example", &out);
	ck_assert_msg(strncmp(buf_str(&out), "Status: 200", 11) == 0, "%s", buf_str(&out));
	ck_assert_ptr_nonnull(set = strstr(buf_str(&out), "Set-Cookie: quire_refresh="));
	ck_assert_ptr_nonnull(strstr(set, "; SameSite=Strict; Secure\r\n"));
	buf_reset(&out);
	/* The http origin of the same host is another origin then. */
	fcgi_browser_login(sock, name, "on", "http://blog.example", &out);
	ck_assert_msg(strncmp(buf_str(&out), "Status: 403", 11) == 0, "%s", buf_str(&out));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "cross_site_request"));
	buf_reset(&out);
	/* Plain http: no Secure. */
	fcgi_browser_login(sock, name, NULL, "http://blog.example", &out);
	ck_assert_msg(strncmp(buf_str(&out), "Status: 200", 11) == 0, "%s", buf_str(&out));
	ck_assert_ptr_nonnull(set = strstr(buf_str(&out), "Set-Cookie: quire_refresh="));
	ck_assert_ptr_nonnull(strstr(set, "; SameSite=Strict\r\n"));
	buf_free(&out);
	kill(master, SIGTERM);
	ck_assert_int_eq(waitpid(master, &status, 0), master);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
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
	tcase_add_test(t, users_display_name);
	tcase_add_test(t, users_change_own_password);
	tcase_add_test(t, disabled_user_cannot_change_password);
	tcase_add_test(t, old_hashes_are_rehashed_on_login);
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
	tcase_add_test(t, keygen_output_names_the_key_id);
	tcase_add_test(t, create_admin_generates_a_long_enough_password);
	suite_add_tcase(s, t);
	t = tcase_create("limits");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, attacker_locks_out_only_itself);
	tcase_add_test(t, address_limit_caps_hashing);
	tcase_add_test(t, trusted_proxy_forwards_the_client_address);
	tcase_add_test(t, cookie_login_attributes);
	tcase_add_test(t, cookie_refresh_rotates_and_reuse_revokes);
	tcase_add_test(t, cookie_csrf_refusals);
	tcase_add_test(t, cookie_logout_and_logout_everywhere);
	tcase_add_test(t, body_clients_unchanged);
	tcase_add_test(t, cookie_secure_over_https);
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
