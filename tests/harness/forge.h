/* forge: tokens made by the tests themselves, good and bad, to attack the verifier. */
#ifndef QUIRE_FORGE_H
#define QUIRE_FORGE_H

#include <stddef.h>

#include <openssl/evp.h>

#include "tok.h"

/*
 * Room for the Authorization header of any token a program accepts, as a
 * request header or as the CGI variable ("HTTP_AUTHORIZATION=Bearer …").
 */
#define AUTH_HEADER_SIZE	(sizeof("HTTP_AUTHORIZATION=Bearer ") + TOK_MAX_LEN)

/*
 * Returns a compact JWS (to free) of header and payload (JSON texts), with
 * a signature made by: key (ES256, raw R||S) when key is not NULL; else an
 * HMAC-SHA256 with secret when secret is not NULL (key confusion attacks);
 * else no signature at all ("alg":"none" style). Returns NULL on failure.
 */
char		*forge_token(const char *header, const char *payload, EVP_PKEY *key,
		    const char *secret, size_t secret_len);

/* Reads a PEM private key. Returns it (to EVP_PKEY_free), or NULL. */
EVP_PKEY	*forge_load_key(const char *path);

/*
 * Returns the payload JSON (to free) of a Quire access token for sub with
 * role, issuer and audience as given, valid from nbf to exp, issued at iat.
 */
char		*forge_claims(const char *sub, const char *role, const char *iss,
		    const char *aud_json, long long iat, long long nbf, long long exp);

#endif
