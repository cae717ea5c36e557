/* Unit tests of the Auth program's pure parts: passwords, usernames, refresh tokens. */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/ec.h>
#include <openssl/sha.h>

#include "auth/auth.h"
#include "text.h"

START_TEST(hash_and_check)
{
	char	*h = password_hash("correct horse battery", 3), *h2;

	ck_assert_ptr_nonnull(h);
	ck_assert_int_eq(strncmp(h, "$y$", 3), 0);	/* yescrypt */
	ck_assert(password_check("correct horse battery", h));
	ck_assert(!password_check("correct horse batterY", h));
	ck_assert(!password_check("", h));
	/* A fresh salt every time. */
	h2 = password_hash("correct horse battery", 3);
	ck_assert_str_ne(h, h2);
	ck_assert(password_check("correct horse battery", h2));
	/* A stored value that is no hash never matches. */
	ck_assert(!password_check("x", "*"));
	ck_assert(!password_check("x", ""));
	free(h);
	free(h2);
}
END_TEST

START_TEST(outdated_hashes)
{
	char	*h3 = password_hash("correct horse battery", 3);
	char	*h5 = password_hash("correct horse battery", 5);

	ck_assert(!password_outdated(h3, 3));
	ck_assert(password_outdated(h3, 5));
	ck_assert(!password_outdated(h5, 5));
	ck_assert(password_outdated(h5, 6));
	/* Another method (SHA-512 crypt, bcrypt), or no hash at all. */
	ck_assert(password_outdated("$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
	    "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/", 5));
	ck_assert(password_outdated("$2b$05$abcdefghijklmnopqrstuu", 5));
	ck_assert(password_outdated("", 5));
	ck_assert(password_outdated("$y$", 5));
	free(h3);
	free(h5);
}
END_TEST

START_TEST(usernames)
{
	struct input_error e;

	ck_assert_int_eq(username_check("alice", &e), 0);
	ck_assert_int_eq(username_check("a.b_c-9", &e), 0);
	ck_assert_int_eq(username_check("ab", &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID_USERNAME);
	ck_assert_str_eq(e.msg, "a username is 3 to 64 of a-z, 0-9, '_', '.' and '-'");
	ck_assert_int_eq(username_check("Alice", &e), -1);
	ck_assert_int_eq(username_check("al ice", &e), -1);
	ck_assert_int_eq(username_check("\xc3\xa9lise", &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID_USERNAME);
	ck_assert_int_eq(username_check("al\tice", &e), -1);
	ck_assert_int_eq(e.code, ERR_CONTROL_CHARACTER);
	ck_assert_str_eq(e.msg, "username holds a control character");
	ck_assert_int_eq(username_check("alice\x7f", &e), -1);
	ck_assert_int_eq(e.code, ERR_CONTROL_CHARACTER);
	ck_assert_int_eq(username_check(
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd", &e), 0);
	ck_assert_int_eq(username_check(
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde", &e), -1);
}
END_TEST

START_TEST(display_name_rules)
{
	char			 out[TOK_DISPLAY_NAME_MAX + 1], in[512];
	struct input_error	 e;
	int			 i;

	ck_assert_int_eq(display_name_check("Ada Lovelace", out, &e), 0);
	ck_assert_str_eq(out, "Ada Lovelace");
	/* Trimmed; markup is kept as text, escaping is the pages' job. */
	ck_assert_int_eq(display_name_check("  <b>\"O'Hara\" & co</b> ", out, &e), 0);
	ck_assert_str_eq(out, "<b>\"O'Hara\" & co</b>");
	ck_assert_int_eq(display_name_check("   ", out, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID_FIELD);
	ck_assert_ptr_nonnull(strstr(e.msg, "display_name"));
	ck_assert_int_eq(display_name_check("", out, &e), -1);
	ck_assert_int_eq(display_name_check("tab\there", out, &e), -1);
	ck_assert_int_eq(e.code, ERR_INVALID_FIELD);
	ck_assert_str_eq(e.msg, "display_name holds a control character");
	ck_assert_int_eq(display_name_check("new\nline", out, &e), -1);
	ck_assert_int_eq(display_name_check("del\x7f", out, &e), -1);
	ck_assert_int_eq(display_name_check("bad \xc3\x28", out, &e), -1);
	ck_assert_str_eq(e.msg, "display_name is not valid UTF-8");
	/* 100 characters, not bytes: a hundred 4-byte emoji fit, 101 do not. */
	for (i = 0; i < 100; i++)
		memcpy(in + 4 * i, "\xf0\x9f\x98\x80", 4);
	in[400] = '\0';
	ck_assert_int_eq(display_name_check(in, out, &e), 0);
	ck_assert_str_eq(out, in);
	memset(in, 'x', 101);
	in[101] = '\0';
	ck_assert_int_eq(display_name_check(in, out, &e), -1);
	ck_assert_str_eq(e.msg, "display_name has at most 100 characters");
	in[100] = '\0';
	ck_assert_int_eq(display_name_check(in, out, &e), 0);
}
END_TEST

START_TEST(password_rules)
{
	char			 long_pw[PASSWORD_MAX_BYTES + 2];
	struct input_error	 e;

	ck_assert_int_eq(password_rules_check("0123456789", 10, &e), 0);
	ck_assert_int_eq(password_rules_check("012345678", 10, &e), -1);
	ck_assert_int_eq(e.code, ERR_WEAK_PASSWORD);
	ck_assert_str_eq(e.msg, "the password is too short: a password has 10 to 1024 characters");
	/* Characters, not bytes: ten accented letters are ten. */
	ck_assert_int_eq(password_rules_check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10, &e), 0);
	ck_assert_int_eq(password_rules_check("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10,
	    &e), -1);
	memset(long_pw, 'x', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	ck_assert_int_eq(password_rules_check(long_pw, 10, &e), -1);
	ck_assert_int_eq(e.code, ERR_WEAK_PASSWORD);
	ck_assert_str_eq(e.msg, "the password is too long: a password has 10 to 1024 characters");
	ck_assert_uint_eq(utf8_length("a\xc3\xa9\xf0\x9f\x98\x80"), 3);
}
END_TEST

START_TEST(generated_passwords)
{
	char			 a[PASSWORD_GENERATED_MAX], b[PASSWORD_GENERATED_MAX];
	struct input_error	 e;
	long long		 min;

	for (min = 10; min <= 128; min++) {
		ck_assert_int_eq(password_generate(a, min), 0);
		ck_assert_uint_ge(strlen(a), min < 22 ? 22 : (size_t)min);
		ck_assert_int_eq(password_rules_check(a, min, &e), 0);
	}
	ck_assert_int_eq(password_generate(a, 10), 0);
	ck_assert_int_eq(password_generate(b, 10), 0);
	ck_assert_str_ne(a, b);
}
END_TEST

/* What refresh_token_hash() writes: "\\x", 64 hex digits and a NUL. */
#define REFRESH_HASH_SIZE	(sizeof("\\x") + 2 * SHA256_DIGEST_LENGTH)

START_TEST(refresh_tokens)
{
	char	 t1[REFRESH_TOKEN_LEN + 1], t2[REFRESH_TOKEN_LEN + 1], h1[REFRESH_HASH_SIZE], h2[REFRESH_HASH_SIZE], h[REFRESH_HASH_SIZE];

	ck_assert_int_eq(refresh_token_new(t1, h1), 0);
	ck_assert_int_eq(refresh_token_new(t2, h2), 0);
	ck_assert_uint_eq(strlen(t1), REFRESH_TOKEN_LEN);
	ck_assert_str_ne(t1, t2);
	ck_assert_int_eq(strncmp(h1, "\\x", 2), 0);
	ck_assert_uint_eq(strlen(h1), 66);
	/* The hash of a presented token is the stored one. */
	ck_assert_int_eq(refresh_token_hash(t1, h), 0);
	ck_assert_str_eq(h, h1);
	ck_assert_int_eq(refresh_token_hash("short", h), -1);
	ck_assert_int_eq(refresh_token_hash("++++++++++++++++++++++++++++++++++++++++++=", h), -1);
	/* 43 characters whose last one carries bits past 256: not a token we made. */
	ck_assert_int_eq(refresh_token_hash("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", h), -1);
}
END_TEST

/* Returns login_client(addr, prefix) in a static buffer. */
static const char *
client(const char *addr, long long prefix)
{
	static char	 out[LOGIN_CLIENT_MAX];

	login_client(addr, prefix, out);
	return out;
}

START_TEST(login_clients)
{
	ck_assert_str_eq(client("127.0.0.2", 64), "127.0.0.2");
	ck_assert_str_eq(client("203.0.113.7", 64), "203.0.113.7");
	/* One host holds a whole IPv6 prefix: its addresses are one client. */
	ck_assert_str_eq(client("2001:db8:1:2:aaaa::1", 64), "2001:db8:1:2::/64");
	ck_assert_str_eq(client("2001:DB8:1:2:ffff:ffff:ffff:ffff", 64), "2001:db8:1:2::/64");
	ck_assert_str_eq(client("2001:db8:1:2:aaaa::1", 56), "2001:db8:1::/56");
	ck_assert_str_eq(client("2001:db8:1:2ff:aaaa::1", 60), "2001:db8:1:2f0::/60");
	ck_assert_str_eq(client("2001:db8::1", 128), "2001:db8::1/128");
	ck_assert_str_eq(client("::1", 64), "::/64");
	/* An IPv4 client seen over IPv6 is that IPv4 client. */
	ck_assert_str_eq(client("::ffff:198.51.100.4", 64), "198.51.100.4");
	/* No address, or not one: those requests share a key. */
	ck_assert_str_eq(client(NULL, 64), "-");
	ck_assert_str_eq(client("", 64), "-");
	ck_assert_str_eq(client("unix:/run/x.sock", 64), "-");
	ck_assert_str_eq(client("127.0.0.1, 10.0.0.1", 64), "-");
}
END_TEST

/* jansson's allocator, made to fail once: the allocation number json_fail_at from now. */
static int json_fail_at;

static void *
failing_malloc(size_t n)
{
	if (json_fail_at > 0 && --json_fail_at == 0)
		return NULL;
	return malloc(n);
}

/* Runs h_jwks in ctx; returns the serialised response in out. */
static int
jwks_response(struct ctx *ctx, struct buf *out)
{
	char		*env[] = { "REQUEST_METHOD=GET", "REQUEST_URI=/auth/jwks.json", NULL };
	struct req	 r;
	int		 status;

	ck_assert_int_eq(req_init(&r, ctx, (size_t)ctx->conf.max_body, env, NULL, NULL), 0);
	h_jwks(&r);
	json_set_alloc_funcs(malloc, free);
	ck_assert_int_eq(resp_serialize(&r, out), 0);
	status = r.status;
	req_free(&r);
	return status;
}

START_TEST(jwks_only_success_is_cacheable)
{
	struct service	 svc = { .name = "auth" };
	struct ctx	 ctx;
	struct buf	 out = BUF_INIT;
	EVP_PKEY	*key = EVP_EC_gen("P-256");
	char		 err[256];

	memset(&ctx, 0, sizeof(ctx));
	ctx.svc = &svc;
	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(tok_verifier_init(&ctx.tokens, tok_keyset_of(key, err, sizeof(err)),
	    "quire-auth", "quire-auth", 30, 0), 0);
	ck_assert_int_eq(jwks_response(&ctx, &out), 200);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "Cache-Control: public, max-age=300\r\n"));

	/* The JWK Set cannot be made (memory runs out): a 500 no cache may keep. */
	buf_reset(&out);
	json_fail_at = 1;
	json_set_alloc_funcs(failing_malloc, free);
	ck_assert_int_eq(jwks_response(&ctx, &out), 500);
	ck_assert_ptr_null(strstr(buf_str(&out), "public"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "Cache-Control: no-store\r\n"));
	buf_free(&out);
	tok_verifier_free(&ctx.tokens);
	EVP_PKEY_free(key);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("auth-units");
	TCase	*t = tcase_create("auth");
	SRunner	*sr;
	int	 failed;

	tcase_set_timeout(t, 30);
	tcase_add_test(t, hash_and_check);
	tcase_add_test(t, outdated_hashes);
	tcase_add_test(t, usernames);
	tcase_add_test(t, display_name_rules);
	tcase_add_test(t, password_rules);
	tcase_add_test(t, generated_passwords);
	tcase_add_test(t, refresh_tokens);
	tcase_add_test(t, login_clients);
	tcase_add_test(t, jwks_only_success_is_cacheable);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
