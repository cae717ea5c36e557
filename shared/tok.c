#include "tok.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#define TOK_MAX_KEYS	16
#define TOK_MAX_HEADER	512	/* decoded bytes */

struct tok_key {
	char		 kid[TOK_KID_LEN + 1];
	EVP_PKEY	*pkey;
	EVP_PKEY_CTX	*verify;	/* initialised once for EVP_PKEY_verify */
};

struct tok_keyset {
	struct tok_key	 keys[TOK_MAX_KEYS];
	size_t		 n;
};

struct tok_cache_entry {
	char		*token;		/* NULL when the slot is empty */
	size_t		 len;
	struct claims	 claims;
};

static const char *const role_names[] = {
	[ROLE_ANON] = "anonymous",
	[ROLE_AUTHOR] = "author",
	[ROLE_EDITOR] = "editor",
	[ROLE_ADMIN] = "admin",
};

const char *
role_name(enum role r)
{
	return role_names[r];
}

int
role_parse(const char *s, enum role *out)
{
	enum role r;

	for (r = ROLE_AUTHOR; r <= ROLE_ADMIN; r++) {
		if (strcmp(s, role_names[r]) == 0) {
			*out = r;
			return 0;
		}
	}
	return -1;
}

const char *
tok_strerror(enum tok_err e)
{
	switch (e) {
	case TOK_OK:			return "valid";
	case TOK_TOO_LONG:		return "the token is too long";
	case TOK_MALFORMED:		return "the token is not a compact JWS";
	case TOK_BAD_HEADER:		return "the token header is not valid";
	case TOK_BAD_ALG:		return "the token is not signed with ES256";
	case TOK_UNKNOWN_KID:		return "the token names no known key";
	case TOK_BAD_SIGNATURE:		return "the token signature does not verify";
	case TOK_BAD_CLAIMS:		return "the token claims are not valid";
	case TOK_EXPIRED:		return "the token has expired";
	case TOK_NOT_YET_VALID:		return "the token is not valid yet";
	case TOK_ISSUED_IN_FUTURE:	return "the token was issued in the future";
	case TOK_BAD_ISSUER:		return "the token comes from another issuer";
	case TOK_BAD_AUDIENCE:		return "the token is not meant for this service";
	case TOK_REVOKED:		return "the token was revoked";
	}
	return "invalid token";
}

/* Writes the 32-byte big-endian X and Y of a P-256 key. Returns 0 or -1. */
static int
ec_xy(EVP_PKEY *pkey, unsigned char x[32], unsigned char y[32])
{
	char	 group[32];
	BIGNUM	*bx = NULL, *by = NULL;
	int	 rc = -1;

	if (!EVP_PKEY_is_a(pkey, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, sizeof(group), NULL) || strcmp(group, "prime256v1") != 0)
		return -1;
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &bx) &&
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &by) &&
	    BN_bn2binpad(bx, x, 32) == 32 && BN_bn2binpad(by, y, 32) == 32)
		rc = 0;
	BN_free(bx);
	BN_free(by);
	return rc;
}

int
tok_kid(EVP_PKEY *pkey, char kid[TOK_KID_LEN + 1])
{
	unsigned char	 x[32], y[32], digest[SHA256_DIGEST_LENGTH];
	char		 bx[44], by[44], canon[160];
	int		 n;

	if (ec_xy(pkey, x, y) == -1)
		return -1;
	b64url_encode(x, 32, bx);
	b64url_encode(y, 32, by);
	/* RFC 7638: required members only, lexicographic order, no spaces. */
	n = snprintf(canon, sizeof(canon),
	    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", bx, by);
	SHA256((const unsigned char *)canon, (size_t)n, digest);
	b64url_encode(digest, sizeof(digest), kid);
	return 0;
}

/* Adds pkey (taking over the reference) to ks. Returns 0 or -1 with err set. */
static int
keyset_add(struct tok_keyset *ks, EVP_PKEY *pkey, const char *what, char *err, size_t errlen)
{
	struct tok_key	*k;
	size_t		 i;

	if (ks->n == TOK_MAX_KEYS) {
		snprintf(err, errlen, "%s: more than %d keys", what, TOK_MAX_KEYS);
		goto fail;
	}
	k = &ks->keys[ks->n];
	if (tok_kid(pkey, k->kid) == -1) {
		snprintf(err, errlen, "%s: not an EC P-256 key", what);
		goto fail;
	}
	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->keys[i].kid, k->kid) == 0) {
			snprintf(err, errlen, "%s: the same key is loaded twice", what);
			goto fail;
		}
	}
	if ((k->verify = EVP_PKEY_CTX_new(pkey, NULL)) == NULL ||
	    EVP_PKEY_verify_init(k->verify) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(k->verify, EVP_sha256()) <= 0) {
		EVP_PKEY_CTX_free(k->verify);
		k->verify = NULL;
		snprintf(err, errlen, "%s: cannot set up verification", what);
		goto fail;
	}
	k->pkey = pkey;
	ks->n++;
	return 0;
fail:
	EVP_PKEY_free(pkey);
	return -1;
}

/* Loads one PEM public key file into ks. Returns 0 or -1 with err set. */
static int
keyset_add_file(struct tok_keyset *ks, const char *path, char *err, size_t errlen)
{
	FILE		*f;
	EVP_PKEY	*pkey;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	pkey = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (pkey == NULL) {
		snprintf(err, errlen, "%s: not a PEM public key", path);
		return -1;
	}
	return keyset_add(ks, pkey, path, err, errlen);
}

/* Orders directory entries by name, so key order does not depend on the disk. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads every *.pem of dir into ks. Returns 0 or -1 with err set. */
static int
keyset_add_dir(struct tok_keyset *ks, const char *dir, char *err, size_t errlen)
{
	DIR		*d;
	struct dirent	*de;
	char		*names[TOK_MAX_KEYS + 1], path[4096];
	size_t		 n = 0, i, l;
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".pem") != 0 || de->d_name[0] == '.')
			continue;
		if (n == TOK_MAX_KEYS + 1 || (names[n] = strdup(de->d_name)) == NULL) {
			snprintf(err, errlen, "%s: too many keys", dir);
			rc = -1;
			break;
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= sizeof(path)) {
				snprintf(err, errlen, "%s: path too long", dir);
				rc = -1;
			} else
				rc = keyset_add_file(ks, path, err, errlen);
		}
		free(names[i]);
	}
	return rc;
}

struct tok_keyset *
tok_keyset_load(const char *path, char *err, size_t errlen)
{
	struct tok_keyset	*ks;
	struct stat		 st;
	int			 rc;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = S_ISDIR(st.st_mode) ? keyset_add_dir(ks, path, err, errlen) :
	    keyset_add_file(ks, path, err, errlen);
	if (rc == 0 && ks->n == 0) {
		snprintf(err, errlen, "%s: no *.pem public key found", path);
		rc = -1;
	}
	if (rc == -1) {
		tok_keyset_free(ks);
		return NULL;
	}
	return ks;
}

struct tok_keyset *
tok_keyset_of(EVP_PKEY *pkey, char *err, size_t errlen)
{
	struct tok_keyset	*ks;

	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	EVP_PKEY_up_ref(pkey);
	if (keyset_add(ks, pkey, "key", err, errlen) == -1) {
		free(ks);
		return NULL;
	}
	return ks;
}

void
tok_keyset_free(struct tok_keyset *ks)
{
	size_t	 i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->n; i++) {
		EVP_PKEY_CTX_free(ks->keys[i].verify);
		EVP_PKEY_free(ks->keys[i].pkey);
	}
	free(ks);
}

size_t
tok_keyset_count(const struct tok_keyset *ks)
{
	return ks->n;
}

json_t *
tok_keyset_jwks(const struct tok_keyset *ks)
{
	json_t		*keys, *jwk;
	unsigned char	 x[32], y[32];
	char		 bx[44], by[44];
	size_t		 i;

	if ((keys = json_array()) == NULL)
		return NULL;
	for (i = 0; i < ks->n; i++) {
		if (ec_xy(ks->keys[i].pkey, x, y) == -1)
			goto fail;
		b64url_encode(x, 32, bx);
		b64url_encode(y, 32, by);
		jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
		    "kty", "EC", "crv", "P-256", "x", bx, "y", by,
		    "kid", ks->keys[i].kid, "use", "sig", "alg", "ES256");
		if (jwk == NULL || json_array_append_new(keys, jwk) == -1)
			goto fail;
	}
	return json_pack("{s:o}", "keys", keys);
fail:
	json_decref(keys);
	return NULL;
}

int
tok_verifier_init(struct tok_verifier *v, struct tok_keyset *keys, const char *issuer,
    const char *audience, long long leeway, size_t cache_size)
{
	memset(v, 0, sizeof(*v));
	v->keys = keys;
	v->issuer = issuer;
	v->audience = audience;
	v->leeway = leeway;
	if (cache_size > 0 && (v->cache = calloc(cache_size, sizeof(*v->cache))) == NULL)
		return -1;
	v->cache_size = cache_size;
	return 0;
}

/* Empties every cache slot. */
static void
cache_clear(struct tok_verifier *v)
{
	size_t	 i;

	for (i = 0; i < v->cache_size; i++) {
		free(v->cache[i].token);
		v->cache[i].token = NULL;
	}
}

void
tok_verifier_set_keys(struct tok_verifier *v, struct tok_keyset *keys)
{
	tok_keyset_free(v->keys);
	v->keys = keys;
	cache_clear(v);
}

void
tok_verifier_set_deny(struct tok_verifier *v, struct deny *deny)
{
	v->deny = deny;
}

void
tok_verifier_free(struct tok_verifier *v)
{
	cache_clear(v);
	free(v->cache);
	tok_keyset_free(v->keys);
	memset(v, 0, sizeof(*v));
}

/* Returns the cache slot for a token (FNV-1a of its bytes). */
static struct tok_cache_entry *
cache_slot(struct tok_verifier *v, const char *token, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t	 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)token[i];
		h *= 1099511628211ULL;
	}
	return &v->cache[h % v->cache_size];
}

/*
 * Decodes base64url part[0..len) (at most max decoded bytes) into a JSON
 * object. Returns a new reference, or NULL.
 */
static json_t *
decode_json_part(const char *part, size_t len, size_t max)
{
	unsigned char	*raw;
	long		 n;
	json_t		*j = NULL;

	if (len == 0 || len / 4 * 3 > max || (raw = malloc(len / 4 * 3 + 3)) == NULL)
		return NULL;
	if ((n = b64url_decode(part, len, raw)) > 0)
		j = json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* Checks the header: alg pinned to ES256, typ JWT if present, no crit. Finds the key. */
static enum tok_err
check_header(struct tok_verifier *v, const char *part, size_t len, const struct tok_key **key)
{
	json_t		*h, *alg, *typ, *kid;
	enum tok_err	 e = TOK_OK;
	size_t		 i;

	if ((h = decode_json_part(part, len, TOK_MAX_HEADER)) == NULL)
		return TOK_BAD_HEADER;
	alg = json_object_get(h, "alg");
	typ = json_object_get(h, "typ");
	kid = json_object_get(h, "kid");
	if (!json_is_string(alg) || strcmp(json_string_value(alg), "ES256") != 0)
		e = TOK_BAD_ALG;
	else if ((typ != NULL && (!json_is_string(typ) ||
	    strcasecmp(json_string_value(typ), "JWT") != 0)) ||
	    json_object_get(h, "crit") != NULL)
		e = TOK_BAD_HEADER;
	else if (!json_is_string(kid))
		e = TOK_UNKNOWN_KID;
	else {
		e = TOK_UNKNOWN_KID;
		for (i = 0; i < v->keys->n; i++) {
			if (strcmp(v->keys->keys[i].kid, json_string_value(kid)) == 0) {
				*key = &v->keys->keys[i];
				e = TOK_OK;
				break;
			}
		}
	}
	json_decref(h);
	return e;
}

/* Verifies a raw R||S ES256 signature over data. Returns TOK_OK or TOK_BAD_SIGNATURE. */
static enum tok_err
check_signature(const struct tok_key *key, const char *data, size_t len,
    const char *sig_b64, size_t sig_len)
{
	unsigned char	 raw[66], digest[SHA256_DIGEST_LENGTH], *der = NULL;
	ECDSA_SIG	*sig;
	BIGNUM		*r, *s;
	int		 der_len, ok = 0;

	if (sig_len != 86 || b64url_decode(sig_b64, sig_len, raw) != 64)
		return TOK_BAD_SIGNATURE;
	if ((sig = ECDSA_SIG_new()) == NULL)
		return TOK_BAD_SIGNATURE;
	r = BN_bin2bn(raw, 32, NULL);
	s = BN_bin2bn(raw + 32, 32, NULL);
	if (r == NULL || s == NULL || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return TOK_BAD_SIGNATURE;
	}
	der_len = i2d_ECDSA_SIG(sig, &der);
	ECDSA_SIG_free(sig);
	if (der_len > 0) {
		SHA256((const unsigned char *)data, len, digest);
		ok = EVP_PKEY_verify(key->verify, der, (size_t)der_len, digest,
		    sizeof(digest)) == 1;
	}
	OPENSSL_free(der);
	return ok ? TOK_OK : TOK_BAD_SIGNATURE;
}

/* Copies a string claim of at most max bytes. Returns 0, or -1 when missing or bad. */
static int
copy_claim(json_t *payload, const char *name, char *out, size_t max, int required)
{
	json_t	*j = json_object_get(payload, name);
	size_t	 len;

	if (j == NULL) {
		out[0] = '\0';
		return required ? -1 : 0;
	}
	if (!json_is_string(j) || (len = json_string_length(j)) > max ||
	    memchr(json_string_value(j), '\0', len) != NULL)
		return -1;
	memcpy(out, json_string_value(j), len + 1);
	return 0;
}

/*
 * Reads an integer time claim into *out (absent when the claim is missing
 * and not required). Returns 0, or -1 when missing but required, not an
 * integer, or beyond any sensible date.
 */
static int
time_claim(json_t *payload, const char *name, bool required, int64_t absent, int64_t *out)
{
	const json_int_t limit = 100000000000LL;	/* about the year 5000 */
	json_t	*j = json_object_get(payload, name);

	if (j == NULL) {
		*out = absent;
		return required ? -1 : 0;
	}
	if (!json_is_integer(j) || json_integer_value(j) < -limit ||
	    json_integer_value(j) > limit)
		return -1;
	*out = json_integer_value(j);
	return 0;
}

/* Returns whether aud (a string or an array of strings) contains audience. */
static bool
aud_contains(json_t *aud, const char *audience)
{
	size_t	 i;
	json_t	*a;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), audience) == 0;
	if (!json_is_array(aud))
		return false;
	json_array_foreach(aud, i, a)
		if (json_is_string(a) && strcmp(json_string_value(a), audience) == 0)
			return true;
	return false;
}

/*
 * Checks the times of verified claims against now, then whether the subject
 * was revoked since the token was issued.
 */
static enum tok_err
check_times(const struct tok_verifier *v, const struct claims *c, time_t now)
{
	if ((int64_t)now > c->exp + v->leeway)
		return TOK_EXPIRED;
	if ((int64_t)now + v->leeway < c->nbf)
		return TOK_NOT_YET_VALID;
	if ((int64_t)now + v->leeway < c->iat)
		return TOK_ISSUED_IN_FUTURE;
	if (v->deny != NULL && deny_revoked(v->deny, c->sub, c->iat, (int64_t)now))
		return TOK_REVOKED;
	return TOK_OK;
}

/* Reads and checks the claims of a payload whose signature verified. */
static enum tok_err
check_claims(const struct tok_verifier *v, const char *part, size_t len, time_t now,
    struct claims *c)
{
	json_t		*p, *iss, *role;
	enum tok_err	 e;

	if ((p = decode_json_part(part, len, TOK_MAX_LEN)) == NULL)
		return TOK_BAD_CLAIMS;
	memset(c, 0, sizeof(*c));
	iss = json_object_get(p, "iss");
	role = json_object_get(p, "role");
	if (time_claim(p, "exp", true, 0, &c->exp) == -1 ||
	    time_claim(p, "nbf", false, INT64_MIN / 2, &c->nbf) == -1 ||
	    time_claim(p, "iat", false, INT64_MIN / 2, &c->iat) == -1 ||
	    copy_claim(p, "sub", c->sub, UUID_LEN, 1) == -1 || !uuid_valid(c->sub) ||
	    copy_claim(p, "name", c->name, TOK_NAME_MAX, 0) == -1 ||
	    copy_claim(p, "display_name", c->display_name, TOK_DISPLAY_NAME_MAX, 0) == -1 ||
	    copy_claim(p, "jti", c->jti, TOK_JTI_MAX, 0) == -1 ||
	    !json_is_string(role) || role_parse(json_string_value(role), &c->role) == -1)
		e = TOK_BAD_CLAIMS;
	else if (!json_is_string(iss) || strcmp(json_string_value(iss), v->issuer) != 0)
		e = TOK_BAD_ISSUER;
	else if (!aud_contains(json_object_get(p, "aud"), v->audience))
		e = TOK_BAD_AUDIENCE;
	else
		e = check_times(v, c, now);
	json_decref(p);
	return e;
}

enum tok_err
tok_verify(struct tok_verifier *v, const char *token, size_t len, time_t now,
    struct claims *out)
{
	const char		*dot1, *dot2;
	const struct tok_key	*key = NULL;
	struct tok_cache_entry	*slot = NULL;
	enum tok_err		 e;

	if (len > TOK_MAX_LEN)
		return TOK_TOO_LONG;
	if (len == 0 || memchr(token, '\0', len) != NULL ||
	    (dot1 = memchr(token, '.', len)) == NULL ||
	    (dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token))) == NULL ||
	    memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)) != NULL)
		return TOK_MALFORMED;

	if (v->cache_size > 0) {
		slot = cache_slot(v, token, len);
		if (slot->token != NULL && slot->len == len && memcmp(slot->token, token, len) == 0) {
			*out = slot->claims;
			return check_times(v, out, now);
		}
	}

	if ((e = check_header(v, token, (size_t)(dot1 - token), &key)) != TOK_OK)
		return e;
	if ((e = check_signature(key, token, (size_t)(dot2 - token), dot2 + 1,
	    len - (size_t)(dot2 + 1 - token))) != TOK_OK)
		return e;
	if ((e = check_claims(v, dot1 + 1, (size_t)(dot2 - dot1 - 1), now, out)) != TOK_OK)
		return e;

	if (slot != NULL) {
		char *copy = malloc(len);
		if (copy != NULL) {
			free(slot->token);
			memcpy(copy, token, len);
			slot->token = copy;
			slot->len = len;
			slot->claims = *out;
		}
	}
	return TOK_OK;
}
