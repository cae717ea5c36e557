/*
 * Token verification: tok_verify() with a real key pair (a test key, below,
 * used nowhere else). An input starting with 's' is "s{header}\n{payload}":
 * the harness signs those two JSON texts with the key, so the verifier gets
 * past the signature to the claims; any other input is a token as sent.
 *
 * What must hold: a token is accepted only when its header pins ES256 and
 * names the key, and its claims are what the verifier returns (sub, role,
 * iss, aud, times); the cache answers as a verifier without one does; a
 * changed signature or payload is refused; an accepted token expires.
 */
#include <string.h>
#include <strings.h>

#include <openssl/pem.h>

#include "forge.h"
#include "fuzz.h"
#include "tok.h"
#include "util.h"

#define ISSUER		"quire"
#define AUDIENCE	"quire-post"
#define LEEWAY		30
#define NOW		1800000000	/* 2027-01-15 */

/* The seeds' tokens are signed with this key (kid pN_m4TvIOPl0EA42L9AzJSHKV4vac3Vw-gCWSYrSakw). */
static const char test_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgT97WyD6zMeC9n8+R\n"
    "LAZ7cuKNfRdUS6ZYVCUrTOLqEAWhRANCAAQwadDqtPEIx393/dJbAbT1GsVY6dp5\n"
    "c3mi/T9rXGxyhUh+Smlx8GBKGUvxqv8YH5Sl4D8AehRDBxMAhzqCN4fC\n"
    "-----END PRIVATE KEY-----\n";

static EVP_PKEY			*key;
static char			 kid[TOK_KID_LEN + 1];
static struct tok_verifier	 cached, uncached;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	BIO	*bio = BIO_new_mem_buf(test_key_pem, -1);
	char	 err[256];

	(void)argc;
	(void)argv;
	if (bio == NULL || (key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    tok_kid(key, kid) == -1 ||
	    tok_verifier_init(&cached, tok_keyset_of(key, err, sizeof(err)), ISSUER, AUDIENCE,
	    LEEWAY, 64) == -1 ||
	    tok_verifier_init(&uncached, tok_keyset_of(key, err, sizeof(err)), ISSUER, AUDIENCE,
	    LEEWAY, 0) == -1 || cached.keys == NULL || uncached.keys == NULL)
		abort();
	BIO_free(bio);
	return 0;
}

/* Returns the JSON object of base64url part[0..len), or NULL. */
static json_t *
part_json(const char *part, size_t len)
{
	unsigned char	*raw = malloc(len / 4 * 3 + 3);
	long		 n;
	json_t		*j = NULL;

	if (raw == NULL)
		abort();
	if ((n = b64url_decode(part, len, raw)) > 0)
		j = json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	return j;
}

/* Returns whether aud (a string or an array of strings) names AUDIENCE. */
static bool
aud_has(json_t *aud)
{
	size_t	 i;
	json_t	*a;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), AUDIENCE) == 0;
	json_array_foreach(aud, i, a)
		if (json_is_string(a) && strcmp(json_string_value(a), AUDIENCE) == 0)
			return true;
	return false;
}

/* Checks that an accepted token t[0..len) says what the claims c say. */
static void
check_accepted(const char *t, size_t len, const struct claims *c)
{
	const char	*d1 = memchr(t, '.', len), *d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - t));
	json_t		*h = part_json(t, (size_t)(d1 - t)), *p = part_json(d1 + 1,
			    (size_t)(d2 - d1 - 1));
	const char	*typ = json_string_value(json_object_get(h, "typ"));

	FUZZ_ASSERT(json_is_object(h) && json_is_object(p), "accepted without JSON objects: %.*s",
	    (int)len, t);
	FUZZ_ASSERT(strcmp(json_string_value(json_object_get(h, "alg")), "ES256") == 0 &&
	    strcmp(json_string_value(json_object_get(h, "kid")), kid) == 0 &&
	    json_object_get(h, "crit") == NULL &&
	    (json_object_get(h, "typ") == NULL || (typ != NULL && strcasecmp(typ, "JWT") == 0)),
	    "accepted with the header %.*s", (int)(d1 - t), t);
	FUZZ_ASSERT(uuid_valid(c->sub) &&
	    strcmp(json_string_value(json_object_get(p, "sub")), c->sub) == 0 &&
	    strcmp(json_string_value(json_object_get(p, "role")), role_name(c->role)) == 0 &&
	    c->role >= ROLE_AUTHOR && c->role <= ROLE_ADMIN &&
	    strcmp(json_string_value(json_object_get(p, "iss")), ISSUER) == 0 &&
	    aud_has(json_object_get(p, "aud")) &&
	    json_is_integer(json_object_get(p, "exp")) &&
	    json_integer_value(json_object_get(p, "exp")) == c->exp &&
	    strlen(c->name) <= TOK_NAME_MAX && strlen(c->jti) <= TOK_JTI_MAX,
	    "accepted claims that are not the payload's: sub %s role %s exp %lld", c->sub,
	    role_name(c->role), (long long)c->exp);
	FUZZ_ASSERT(NOW <= c->exp + LEEWAY && NOW + LEEWAY >= c->nbf && NOW + LEEWAY >= c->iat,
	    "accepted at %d: nbf %lld iat %lld exp %lld", NOW, (long long)c->nbf,
	    (long long)c->iat, (long long)c->exp);
	json_decref(h);
	json_decref(p);
}

/* Verifies t[0..len) every way; returns the result of the cached verifier. */
static enum tok_err
verify(const char *t, size_t len, struct claims *c)
{
	struct claims	 again, plain;
	enum tok_err	 e = tok_verify(&cached, t, len, NOW, c);
	enum tok_err	 e2 = tok_verify(&cached, t, len, NOW, &again);
	enum tok_err	 e3 = tok_verify(&uncached, t, len, NOW, &plain);

	FUZZ_ASSERT(e == e2 && e == e3, "results %d, again %d, without the cache %d", e, e2, e3);
	FUZZ_ASSERT(*tok_strerror(e) != '\0', "no sentence for %d", e);
	if (e != TOK_OK)
		return e;
	FUZZ_ASSERT(memcmp(c, &again, sizeof(again)) == 0 && memcmp(c, &plain, sizeof(plain)) == 0,
	    "the cache gives other claims");
	check_accepted(t, len, c);
	/* Later, the same token has expired, from the cache as well. */
	FUZZ_ASSERT(tok_verify(&cached, t, len, (time_t)(c->exp + LEEWAY + 1), &again) ==
	    TOK_EXPIRED && tok_verify(&uncached, t, len, (time_t)(c->exp + LEEWAY + 1), &plain) ==
	    TOK_EXPIRED, "not expired after exp");
	return e;
}

/* Signs header and payload, verifies, then tries the token changed. */
static void
signed_input(const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	char		*header, *payload, *t, *u, *dot;
	struct claims	 c;
	size_t		 len;

	if (nl == NULL)
		return;
	header = fuzz_str(data, (size_t)(nl - data));
	payload = fuzz_str(nl + 1, size - (size_t)(nl + 1 - data));
	if ((t = forge_token(header, payload, key, NULL, 0)) == NULL)
		abort();
	len = strlen(t);
	if (verify(t, len, &c) == TOK_OK && len > 40) {
		/* Another signature: one character of its middle changed. */
		u = strdup(t);
		dot = strrchr(u, '.');
		dot[40] = dot[40] == 'A' ? 'B' : 'A';
		FUZZ_ASSERT(tok_verify(&cached, u, len, NOW, &c) == TOK_BAD_SIGNATURE &&
		    tok_verify(&uncached, u, len, NOW, &c) == TOK_BAD_SIGNATURE,
		    "a changed signature is not refused: %s", u);
		/* Another payload under the same signature. */
		memcpy(u, t, len + 1);
		dot = strchr(u, '.');
		dot[1] = dot[1] == 'e' ? 'f' : 'e';
		FUZZ_ASSERT(tok_verify(&uncached, u, len, NOW, &c) != TOK_OK,
		    "a changed payload is accepted: %s", u);
		free(u);
	}
	free(t);
	free(header);
	free(payload);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct claims	 c;
	char		*t;

	if (size > 0 && data[0] == 's') {
		signed_input(data + 1, size - 1);
		return 0;
	}
	if ((t = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(t, data, size);
	verify(t, size, &c);
	free(t);
	return 0;
}
