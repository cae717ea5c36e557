/* Access tokens (ES256, signed with libjwt) and refresh tokens (random, stored hashed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "auth.h"
#include "buf.h"
#include "encode.h"
#include "secret.h"

/* The audiences of an access token: every Quire program. */
#define TOKEN_AUDIENCE "{\"aud\":[\"quire-post\",\"quire-media\",\"quire-auth\"]}"

int
signer_load(struct auth *a, const char *path, const struct tok_keyset *public_keys,
    char *err, size_t errlen)
{
	struct buf	 pem = BUF_INIT;
	BIO		*bio;
	json_t		*jwks, *k;
	size_t		 i;
	bool		 published = false;

	if (buf_read_file(&pem, path, 65536, err, errlen) == -1) {
		buf_free(&pem);
		return -1;
	}
	if ((bio = BIO_new_mem_buf(buf_str(&pem), (int)pem.len)) != NULL) {
		a->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (a->key == NULL || tok_kid(a->key, a->kid) == -1) {
		snprintf(err, errlen, "%s: not a PEM EC P-256 private key", path);
		goto fail;
	}
	/* A token signed with a key nobody publishes would verify nowhere. */
	if ((jwks = tok_keyset_jwks(public_keys)) != NULL) {
		json_array_foreach(json_object_get(jwks, "keys"), i, k)
			if (strcmp(json_string_value(json_object_get(k, "kid")), a->kid) == 0)
				published = true;
		json_decref(jwks);
	}
	if (!published) {
		snprintf(err, errlen, "%s: its public key (key id %s) is not among public_keys",
		    path, a->kid);
		goto fail;
	}
	a->key_pem = pem.data;
	a->key_pem_len = pem.len;
	return 0;
fail:
	EVP_PKEY_free(a->key);
	a->key = NULL;
	buf_free(&pem);
	return -1;
}

void
signer_free(struct auth *a)
{
	EVP_PKEY_free(a->key);
	if (a->key_pem != NULL)
		OPENSSL_cleanse(a->key_pem, a->key_pem_len);
	free(a->key_pem);
	a->key = NULL;
	a->key_pem = NULL;
}

char *
signer_issue(struct ctx *ctx, const char *sub, const char *name, const char *display_name,
    const char *role, time_t now)
{
	const struct auth_conf	*conf = ctx->app_conf;
	const struct auth	*a = ctx->app;
	jwt_t			*jwt = NULL;
	unsigned char		 raw[16];
	char			 jti[24], *out = NULL;

	if (secret_random(raw, sizeof(raw)) == -1)
		return NULL;
	b64url_encode(raw, sizeof(raw), jti);
	if (jwt_new(&jwt) != 0)
		return NULL;
	if (jwt_set_alg(jwt, JWT_ALG_ES256, (const unsigned char *)a->key_pem,
	    (int)a->key_pem_len) == 0 &&
	    jwt_add_header(jwt, "kid", a->kid) == 0 &&
	    jwt_add_grant(jwt, "iss", ctx->conf.issuer) == 0 &&
	    jwt_add_grant(jwt, "sub", sub) == 0 &&
	    jwt_add_grants_json(jwt, TOKEN_AUDIENCE) == 0 &&
	    jwt_add_grant_int(jwt, "iat", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "nbf", (long)now) == 0 &&
	    jwt_add_grant_int(jwt, "exp", (long)(now + conf->access_ttl)) == 0 &&
	    jwt_add_grant(jwt, "jti", jti) == 0 &&
	    jwt_add_grant(jwt, "role", role) == 0 &&
	    jwt_add_grant(jwt, "name", name) == 0 &&
	    (display_name == NULL ||
	    jwt_add_grant(jwt, "display_name", display_name) == 0))
		out = jwt_encode_str(jwt);
	jwt_free(jwt);
	return out;
}

/* Writes the bytea hex literal of the SHA-256 of token[0..len). */
static void
token_digest(const char *token, size_t len, char hash[67])
{
	unsigned char	 d[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)token, len, d);
	hash[0] = '\\';
	hash[1] = 'x';
	hex_encode(d, sizeof(d), hash + 2);
}

int
refresh_token_new(char token[REFRESH_TOKEN_LEN + 1], char hash[67])
{
	unsigned char	 raw[32];

	if (secret_random(raw, sizeof(raw)) == -1)
		return -1;
	b64url_encode(raw, sizeof(raw), token);
	token_digest(token, REFRESH_TOKEN_LEN, hash);
	return 0;
}

int
refresh_token_hash(const char *token, char hash[67])
{
	unsigned char	 raw[33];

	if (strlen(token) != REFRESH_TOKEN_LEN ||
	    b64url_decode(token, REFRESH_TOKEN_LEN, raw) != 32)
		return -1;
	token_digest(token, REFRESH_TOKEN_LEN, hash);
	return 0;
}
