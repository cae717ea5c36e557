/* Unit tests of tok.c: every way a token can be wrong, against keys in memory and on disk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "forge.h"
#include "nitems.h"
#include "suites.h"
#include "tok.h"

#define SUB	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define AUD	"[\"quire-post\",\"quire-media\",\"quire-auth\"]"
#define NOW	1800000000LL

static EVP_PKEY			*key;
static char			 kid[TOK_KID_LEN + 1], head[160];
static struct tok_verifier	 v;

static void
setup(void)
{
	char	 err[256];

	key = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(tok_kid(key, kid), 0);
	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(tok_verifier_init(&v, tok_keyset_of(key, err, sizeof(err)),
	    "quire-auth", "quire-post", 30, 4), 0);
}

static void
teardown(void)
{
	tok_verifier_free(&v);
	EVP_PKEY_free(key);
}

/* Verifies a token of header h and payload p signed with k (NULL: unsigned). */
static enum tok_err
check(const char *h, const char *p, EVP_PKEY *k, struct claims *c)
{
	char		*t = forge_token(h, p, k, NULL, 0);
	struct claims	 ignored;
	enum tok_err	 e = tok_verify(&v, t, strlen(t), NOW, c != NULL ? c : &ignored);

	free(t);
	return e;
}

/* Verifies the standard claims with times shifted as given. */
static enum tok_err
check_times(long long iat, long long nbf, long long exp)
{
	char		*p = forge_claims(SUB, "editor", "quire-auth", AUD, iat, nbf, exp);
	enum tok_err	 e = check(head, p, key, NULL);

	free(p);
	return e;
}

START_TEST(valid_token)
{
	struct claims	 c;
	char		*p = forge_claims(SUB, "editor", "quire-auth", AUD, NOW, NOW, NOW + 900);

	ck_assert_int_eq(check(head, p, key, &c), TOK_OK);
	ck_assert_str_eq(c.sub, SUB);
	ck_assert_str_eq(c.name, "forger");
	ck_assert_int_eq(c.role, ROLE_EDITOR);
	ck_assert_int_eq(c.exp, NOW + 900);
	free(p);
	/* aud as a plain string naming us is fine too. */
	p = forge_claims(SUB, "admin", "quire-auth", "\"quire-post\"", NOW, NOW, NOW + 900);
	ck_assert_int_eq(check(head, p, key, &c), TOK_OK);
	ck_assert_int_eq(c.role, ROLE_ADMIN);
	free(p);
}
END_TEST

START_TEST(times_and_leeway)
{
	ck_assert_int_eq(check_times(NOW - 900, NOW - 900, NOW - 31), TOK_EXPIRED);
	ck_assert_int_eq(check_times(NOW - 900, NOW - 900, NOW - 29), TOK_OK);
	ck_assert_int_eq(check_times(NOW, NOW + 31, NOW + 900), TOK_NOT_YET_VALID);
	ck_assert_int_eq(check_times(NOW, NOW + 29, NOW + 900), TOK_OK);
	ck_assert_int_eq(check_times(NOW + 31, NOW, NOW + 900), TOK_ISSUED_IN_FUTURE);
}
END_TEST

START_TEST(cache_still_checks_expiry)
{
	char		*p = forge_claims(SUB, "author", "quire-auth", AUD, NOW, NOW, NOW + 60);
	char		*t = forge_token(head, p, key, NULL, 0);
	struct claims	 c;

	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW, &c), TOK_OK);
	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW + 1, &c), TOK_OK);	/* cached */
	ck_assert_int_eq(c.role, ROLE_AUTHOR);
	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW + 100, &c), TOK_EXPIRED);
	/* New keys empty the cache: the token's key is gone, so it fails. */
	{
		char		 err[256];
		EVP_PKEY	*other = EVP_EC_gen("P-256");

		tok_verifier_set_keys(&v, tok_keyset_of(other, err, sizeof(err)));
		ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW, &c), TOK_UNKNOWN_KID);
		EVP_PKEY_free(other);
	}
	free(t);
	free(p);
}
END_TEST

START_TEST(algorithm_is_pinned)
{
	char	*p = forge_claims(SUB, "admin", "quire-auth", AUD, NOW, NOW, NOW + 900);
	char	 h[200], *t, pem[1024];
	BIO	*bio = BIO_new(BIO_s_mem());
	int	 pemlen;
	struct claims c;

	snprintf(h, sizeof(h), "{\"alg\":\"none\",\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(check(h, p, NULL, NULL), TOK_BAD_ALG);
	snprintf(h, sizeof(h), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(check(h, p, key, NULL), TOK_BAD_ALG);
	snprintf(h, sizeof(h), "{\"alg\":\"es256\",\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(check(h, p, key, NULL), TOK_BAD_ALG);
	ck_assert_int_eq(check("{\"kid\":\"x\"}", p, key, NULL), TOK_BAD_ALG);

	/* HS256 with the public key PEM as the HMAC secret: key confusion. */
	PEM_write_bio_PUBKEY(bio, key);
	pemlen = BIO_read(bio, pem, sizeof(pem));
	BIO_free(bio);
	snprintf(h, sizeof(h), "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	t = forge_token(h, p, NULL, pem, (size_t)pemlen);
	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW, &c), TOK_BAD_ALG);
	free(t);
	free(p);
}
END_TEST

START_TEST(header_checks)
{
	char		*p = forge_claims(SUB, "admin", "quire-auth", AUD, NOW, NOW, NOW + 900);
	char		 h[300];
	EVP_PKEY	*stranger = EVP_EC_gen("P-256");

	ck_assert_int_eq(check("{\"alg\":\"ES256\"}", p, key, NULL), TOK_UNKNOWN_KID);
	ck_assert_int_eq(check("{\"alg\":\"ES256\",\"kid\":\"nope\"}", p, key, NULL),
	    TOK_UNKNOWN_KID);
	ck_assert_int_eq(check("{\"alg\":\"ES256\",\"kid\":7}", p, key, NULL), TOK_UNKNOWN_KID);
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"typ\":\"JOSE+JSON\",\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(check(h, p, key, NULL), TOK_BAD_HEADER);
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(check(h, p, key, NULL), TOK_BAD_HEADER);
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(check(h, p, key, NULL), TOK_BAD_HEADER);
	ck_assert_int_eq(check("[1]", p, key, NULL), TOK_BAD_HEADER);
	/* The right kid, another key's signature. */
	ck_assert_int_eq(check(head, p, stranger, NULL), TOK_BAD_SIGNATURE);
	EVP_PKEY_free(stranger);
	free(p);
}
END_TEST

START_TEST(claim_checks)
{
	static const char *const bad_claims[] = {
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"role\":\"admin\"}",
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"exp\":\"1900000000\",\"role\":\"admin\"}",
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"exp\":1.9e9,\"role\":\"admin\"}",
		"{\"iss\":\"quire-auth\",\"sub\":\"not-a-uuid\",\"aud\":" AUD ",\"exp\":1900000000,\"role\":\"admin\"}",
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"exp\":1900000000,\"role\":\"root\"}",
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"exp\":1900000000}",
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"exp\":1900000000,\"role\":\"admin\",\"role\":\"author\"}",
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"exp\":1900000000,\"nbf\":true,\"role\":\"admin\"}",
		"{\"iss\":\"quire-auth\",\"sub\":\"" SUB "\",\"aud\":" AUD ",\"exp\":1900000000,\"role\":\"admin\",\"name\":\"" 
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
		"[]",
	};
	size_t	 i;
	char	*p;

	for (i = 0; i < nitems(bad_claims); i++)
		ck_assert_msg(check(head, bad_claims[i], key, NULL) == TOK_BAD_CLAIMS,
		    "accepted claims %zu", i);
	p = forge_claims(SUB, "admin", "someone", AUD, NOW, NOW, NOW + 900);
	ck_assert_int_eq(check(head, p, key, NULL), TOK_BAD_ISSUER);
	free(p);
	p = forge_claims(SUB, "admin", "quire-auth", "[\"quire-media\"]", NOW, NOW, NOW + 900);
	ck_assert_int_eq(check(head, p, key, NULL), TOK_BAD_AUDIENCE);
	free(p);
	p = forge_claims(SUB, "admin", "quire-auth", "42", NOW, NOW, NOW + 900);
	ck_assert_int_eq(check(head, p, key, NULL), TOK_BAD_AUDIENCE);
	free(p);
}
END_TEST

START_TEST(shape_checks)
{
	char		*p = forge_claims(SUB, "admin", "quire-auth", AUD, NOW, NOW, NOW + 900);
	char		*t = forge_token(head, p, key, NULL, 0), big[TOK_MAX_LEN + 2];
	struct claims	 c;
	size_t		 len = strlen(t);
	char		*dot = strrchr(t, '.');

	ck_assert_int_eq(tok_verify(&v, t, len - 1, NOW, &c), TOK_BAD_SIGNATURE);
	ck_assert_int_eq(tok_verify(&v, t, (size_t)(dot - t), NOW, &c), TOK_MALFORMED);
	ck_assert_int_eq(tok_verify(&v, "", 0, NOW, &c), TOK_MALFORMED);
	ck_assert_int_eq(tok_verify(&v, "a.b.c.d", 7, NOW, &c), TOK_MALFORMED);
	ck_assert_int_eq(tok_verify(&v, "..", 2, NOW, &c), TOK_BAD_HEADER);
	ck_assert_int_eq(tok_verify(&v, "a\0b.c.d", 7, NOW, &c), TOK_MALFORMED);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(tok_verify(&v, big, TOK_MAX_LEN + 1, NOW, &c), TOK_TOO_LONG);
	/* One flipped bit of the signature. */
	dot[5] = dot[5] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(tok_verify(&v, t, len, NOW, &c), TOK_BAD_SIGNATURE);
	free(t);
	free(p);
}
END_TEST

/* Writes a PEM public key (or, when private is set, the private one) to path. */
static void
write_key(const char *path, EVP_PKEY *k, int private)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	if (private)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	else
		PEM_write_PUBKEY(f, k);
	fclose(f);
}

START_TEST(keyset_from_directory)
{
	char			 dir[] = "/tmp/quire-keys-XXXXXX", path[256], err[256];
	EVP_PKEY		*second = EVP_EC_gen("P-256"), *rsa;
	struct tok_keyset	*ks;
	json_t			*jwks, *k;
	char			 kid2[TOK_KID_LEN + 1];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* Nothing there: refused (never run without a key). */
	ck_assert_ptr_null(tok_keyset_load(dir, err, sizeof(err)));
	snprintf(path, sizeof(path), "%s/a.pem", dir);
	write_key(path, key, 0);
	snprintf(path, sizeof(path), "%s/b.pem", dir);
	write_key(path, second, 0);
	snprintf(path, sizeof(path), "%s/README", dir);
	write_key(path, second, 0);	/* not *.pem: ignored */
	ks = tok_keyset_load(dir, err, sizeof(err));
	ck_assert_msg(ks != NULL, "%s", err);
	ck_assert_uint_eq(tok_keyset_count(ks), 2);
	jwks = tok_keyset_jwks(ks);
	ck_assert_uint_eq(json_array_size(json_object_get(jwks, "keys")), 2);
	k = json_array_get(json_object_get(jwks, "keys"), 1);
	tok_kid(second, kid2);
	ck_assert_str_eq(json_string_value(json_object_get(k, "kid")), kid2);
	ck_assert_str_eq(json_string_value(json_object_get(k, "kty")), "EC");
	ck_assert_str_eq(json_string_value(json_object_get(k, "crv")), "P-256");
	ck_assert_str_eq(json_string_value(json_object_get(k, "alg")), "ES256");
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(k, "x"))), 43);
	ck_assert_ptr_null(json_object_get(k, "d"));	/* never the private part */
	json_decref(jwks);
	tok_keyset_free(ks);

	/* A key that is not P-256 is refused with the file named. */
	rsa = EVP_RSA_gen(2048);
	snprintf(path, sizeof(path), "%s/c.pem", dir);
	write_key(path, rsa, 0);
	ck_assert_ptr_null(tok_keyset_load(dir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "c.pem"));
	EVP_PKEY_free(rsa);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
	EVP_PKEY_free(second);
}
END_TEST

START_TEST(roles)
{
	enum role r;

	ck_assert_int_eq(role_parse("author", &r), 0);
	ck_assert_int_eq(r, ROLE_AUTHOR);
	ck_assert_int_eq(role_parse("anonymous", &r), -1);
	ck_assert_int_eq(role_parse("Admin", &r), -1);
	ck_assert_str_eq(role_name(ROLE_ADMIN), "admin");
	ck_assert(ROLE_ADMIN > ROLE_EDITOR && ROLE_EDITOR > ROLE_AUTHOR);
}
END_TEST

Suite *
tok_suite(void)
{
	Suite	*s = suite_create("tok");
	TCase	*t = tcase_create("tok");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, valid_token);
	tcase_add_test(t, times_and_leeway);
	tcase_add_test(t, cache_still_checks_expiry);
	tcase_add_test(t, algorithm_is_pinned);
	tcase_add_test(t, header_checks);
	tcase_add_test(t, claim_checks);
	tcase_add_test(t, shape_checks);
	tcase_add_test(t, keyset_from_directory);
	tcase_add_test(t, roles);
	suite_add_tcase(s, t);
	return s;
}
