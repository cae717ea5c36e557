/*
 * Unit tests of deny.c (the revoked subjects), of revoke_add_json (one
 * revocation as Auth sends it), and of the token verifier refusing what the
 * list holds, cached tokens too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>

#include "deny.h"
#include "forge.h"
#include "revoke.h"
#include "suites.h"
#include "tok.h"

#define SUB	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define OTHER	"ffffffff-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define AUD	"[\"quire-post\",\"quire-media\",\"quire-auth\"]"
#define NOW	1800000000LL
#define TTL	900
#define LEEWAY	30

START_TEST(empty_list_refuses_nothing)
{
	struct deny	*d = deny_new(LEEWAY);

	ck_assert_ptr_nonnull(d);
	ck_assert(!deny_revoked(d, SUB, NOW - 10, NOW));
	ck_assert_uint_eq(deny_count(d), 0);
	deny_free(d);
}
END_TEST

START_TEST(issued_before_or_at_is_refused_after_is_not)
{
	struct deny	*d = deny_new(LEEWAY);

	ck_assert_int_eq(deny_add(d, SUB, NOW, NOW + TTL, NOW), 0);
	ck_assert(deny_revoked(d, SUB, NOW - 600, NOW + 1));
	ck_assert(deny_revoked(d, SUB, NOW - 1, NOW + 1));
	/* The same second: the revocation may have come after it, so refused. */
	ck_assert(deny_revoked(d, SUB, NOW, NOW + 1));
	ck_assert(!deny_revoked(d, SUB, NOW + 1, NOW + 1));
	ck_assert(!deny_revoked(d, OTHER, NOW - 600, NOW + 1));
	/* Ids are compared as ids, whatever their case. */
	ck_assert(deny_revoked(d, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", NOW - 1, NOW + 1));
	deny_free(d);
}
END_TEST

START_TEST(later_revocation_wins)
{
	struct deny	*d = deny_new(LEEWAY);

	ck_assert_int_eq(deny_add(d, SUB, NOW, NOW + TTL, NOW), 0);
	ck_assert_int_eq(deny_add(d, SUB, NOW + 100, NOW + 100 + TTL, NOW + 100), 0);
	ck_assert_uint_eq(deny_count(d), 1);
	ck_assert(deny_revoked(d, SUB, NOW + 50, NOW + 101));
	/* An older one arriving late (a resync after a notification) moves nothing back. */
	ck_assert_int_eq(deny_add(d, SUB, NOW, NOW + TTL, NOW + 101), 0);
	ck_assert(deny_revoked(d, SUB, NOW + 100, NOW + 101));
	ck_assert(deny_revoked(d, SUB, NOW + 50, NOW + 100 + TTL + LEEWAY));
	ck_assert_uint_eq(deny_count(d), 1);
	deny_free(d);
}
END_TEST

START_TEST(entries_expire_after_ttl_and_leeway)
{
	struct deny	*d = deny_new(LEEWAY);

	ck_assert_int_eq(deny_add(d, SUB, NOW, NOW + TTL, NOW), 0);
	ck_assert_int_eq(deny_add(d, OTHER, NOW + 10, NOW + 10 + TTL, NOW + 10), 0);
	/* Still kept at the last second a token issued before could be accepted. */
	ck_assert(deny_revoked(d, SUB, NOW - 1, NOW + TTL + LEEWAY));
	ck_assert_uint_eq(deny_count(d), 2);
	/* Then dropped; the other one stays until its own time. */
	ck_assert(!deny_revoked(d, SUB, NOW - 1, NOW + TTL + LEEWAY + 1));
	ck_assert_uint_eq(deny_count(d), 1);
	ck_assert(deny_revoked(d, OTHER, NOW, NOW + TTL + LEEWAY + 1));
	ck_assert(!deny_revoked(d, OTHER, NOW, NOW + 10 + TTL + LEEWAY + 1));
	ck_assert_uint_eq(deny_count(d), 0);
	/* One that no longer matters is not even kept. */
	ck_assert_int_eq(deny_add(d, SUB, NOW, NOW + TTL, NOW + TTL + LEEWAY + 1), 0);
	ck_assert_uint_eq(deny_count(d), 0);
	deny_free(d);
}
END_TEST

START_TEST(many_subjects)
{
	struct deny	*d = deny_new(LEEWAY);
	char		 sub[37];
	int		 i;

	for (i = 0; i < 5000; i++) {
		snprintf(sub, sizeof(sub), "%08x-0000-4000-8000-%012x", (unsigned)i * 2654435761u,
		    (unsigned)i);
		ck_assert_int_eq(deny_add(d, sub, NOW + i / 10, NOW + i / 10 + TTL, NOW + i / 10), 0);
	}
	ck_assert_uint_eq(deny_count(d), 5000);
	for (i = 0; i < 5000; i++) {
		snprintf(sub, sizeof(sub), "%08x-0000-4000-8000-%012x", (unsigned)i * 2654435761u,
		    (unsigned)i);
		ck_assert_msg(deny_revoked(d, sub, NOW + i / 10, NOW + 500), "lost %s", sub);
		ck_assert(!deny_revoked(d, sub, NOW + i / 10 + 1, NOW + 500));
		snprintf(sub, sizeof(sub), "%08x-0000-4000-8000-%012x", (unsigned)i * 2654435761u,
		    (unsigned)i + 100000);
		ck_assert(!deny_revoked(d, sub, NOW, NOW + 500));
	}
	/* Half of them expired: dropped as they expire, the rest still found. */
	ck_assert(!deny_revoked(d, OTHER, NOW, NOW + 250 + TTL + LEEWAY + 1));
	ck_assert_uint_eq(deny_count(d), 2490);
	snprintf(sub, sizeof(sub), "%08x-0000-4000-8000-%012x", 4999u * 2654435761u, 4999u);
	ck_assert(deny_revoked(d, sub, NOW, NOW + 250 + TTL + LEEWAY + 1));
	ck_assert(!deny_revoked(d, OTHER, NOW, NOW + 500 + TTL + LEEWAY + 1));
	ck_assert_uint_eq(deny_count(d), 0);
	deny_free(d);
}
END_TEST

START_TEST(not_a_subject)
{
	struct deny	*d = deny_new(LEEWAY);

	ck_assert_int_eq(deny_add(d, "not-a-uuid", NOW, NOW + TTL, NOW), -1);
	ck_assert_int_eq(deny_add(d, SUB "0", NOW, NOW + TTL, NOW), -1);
	ck_assert_int_eq(deny_add(d, "", NOW, NOW + TTL, NOW), -1);
	ck_assert_uint_eq(deny_count(d), 0);
	deny_free(d);
}
END_TEST

/* Adds the revocation given as JSON text. Returns revoke_add_json's answer. */
static int
add_text(struct deny *d, const char *text)
{
	json_t	*j = json_loads(text, 0, NULL);
	int	 rc;

	ck_assert_ptr_nonnull(j);
	rc = revoke_add_json(d, j, LEEWAY, NOW);
	json_decref(j);
	return rc;
}

START_TEST(revocations_as_sent)
{
	struct deny	*d = deny_new(LEEWAY);

	ck_assert_int_eq(add_text(d, "{\"sub\":\"" SUB "\",\"revoked_at\":1800000000,"
	    "\"expires_at\":1800000900}"), 0);
	ck_assert(deny_revoked(d, SUB, NOW, NOW));
	/* Not a revocation: each refused, nothing added. */
	ck_assert_int_eq(add_text(d, "{\"sub\":\"" OTHER "\",\"revoked_at\":\"1800000000\","
	    "\"expires_at\":1800000900}"), -1);
	ck_assert_int_eq(add_text(d, "{\"sub\":\"" OTHER "\",\"revoked_at\":1800000000}"), -1);
	ck_assert_int_eq(add_text(d, "{\"sub\":\"nobody\",\"revoked_at\":1800000000,"
	    "\"expires_at\":1800000900}"), -1);
	ck_assert_int_eq(add_text(d, "[\"" OTHER "\",1800000000,1800000900]"), -1);
	/* Dated in the future beyond the leeway, or lasting past any token: refused. */
	ck_assert_int_eq(add_text(d, "{\"sub\":\"" OTHER "\",\"revoked_at\":1800000031,"
	    "\"expires_at\":1800000931}"), -1);
	ck_assert_int_eq(add_text(d, "{\"sub\":\"" OTHER "\",\"revoked_at\":1800000000,"
	    "\"expires_at\":1800086401}"), -1);
	ck_assert_int_eq(add_text(d, "{\"sub\":\"" OTHER "\",\"revoked_at\":1800000000,"
	    "\"expires_at\":1799999999}"), -1);
	ck_assert(!deny_revoked(d, OTHER, NOW - 100, NOW));
	ck_assert_uint_eq(deny_count(d), 1);
	deny_free(d);
}
END_TEST

START_TEST(verifier_refuses_revoked_cached_or_not)
{
	struct tok_verifier	 v;
	struct deny		*d = deny_new(LEEWAY);
	EVP_PKEY		*key = EVP_EC_gen("P-256");
	struct claims		 c;
	char			 kid[TOK_KID_LEN + 1], head[160], err[256], *p, *t, *later;

	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(tok_kid(key, kid), 0);
	snprintf(head, sizeof(head), "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	ck_assert_int_eq(tok_verifier_init(&v, tok_keyset_of(key, err, sizeof(err)),
	    "quire-auth", "quire-post", LEEWAY, 4), 0);
	tok_verifier_set_deny(&v, d);
	p = forge_claims(SUB, "editor", "quire-auth", AUD, NOW, NOW, NOW + TTL);
	t = forge_token(head, p, key, NULL, 0);
	free(p);
	p = forge_claims(SUB, "author", "quire-auth", AUD, NOW + 2, NOW + 2, NOW + 2 + TTL);
	later = forge_token(head, p, key, NULL, 0);
	free(p);

	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW, &c), TOK_OK);	/* now cached */
	ck_assert_int_eq(deny_add(d, SUB, NOW + 1, NOW + 1 + TTL, NOW + 1), 0);
	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW + 1, &c), TOK_REVOKED);
	ck_assert_str_eq(tok_strerror(TOK_REVOKED), "the token was revoked");
	/* Not cached: refused all the same. */
	tok_verifier_set_keys(&v, tok_keyset_of(key, err, sizeof(err)));
	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW + 1, &c), TOK_REVOKED);
	/* A token issued after the revocation (a fresh login) is fine. */
	ck_assert_int_eq(tok_verify(&v, later, strlen(later), NOW + 2, &c), TOK_OK);
	ck_assert_int_eq(tok_verify(&v, later, strlen(later), NOW + 3, &c), TOK_OK);
	/* Expired is still said first: revocation changes only what would pass. */
	ck_assert_int_eq(tok_verify(&v, t, strlen(t), NOW + TTL + LEEWAY + 1, &c), TOK_EXPIRED);
	free(t);
	free(later);
	tok_verifier_free(&v);
	deny_free(d);
	EVP_PKEY_free(key);
}
END_TEST

Suite *
deny_suite(void)
{
	Suite	*s = suite_create("deny");
	TCase	*t = tcase_create("deny");

	tcase_add_test(t, empty_list_refuses_nothing);
	tcase_add_test(t, issued_before_or_at_is_refused_after_is_not);
	tcase_add_test(t, later_revocation_wins);
	tcase_add_test(t, entries_expire_after_ttl_and_leeway);
	tcase_add_test(t, many_subjects);
	tcase_add_test(t, not_a_subject);
	tcase_add_test(t, revocations_as_sent);
	tcase_add_test(t, verifier_refuses_revoked_cached_or_not);
	suite_add_tcase(s, t);
	return s;
}
