/*
 * tok: verification of the ES256 access tokens that Auth issues.
 *
 * Every program verifies tokens itself, with public keys parsed once at
 * start-up (and again on SIGHUP). The algorithm is pinned to ES256 whatever
 * the header says, the kid must name a loaded key, and iss, aud, exp, nbf
 * and iat are checked here: libjwt 1.10 checks none of them and re-parses
 * the PEM key on every call, so it is not used on this path.
 */
#ifndef QUIRE_TOK_H
#define QUIRE_TOK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "deny.h"
#include "encode.h"

#define TOK_MAX_LEN	4096	/* longer tokens are refused unread */
#define TOK_KID_LEN	43	/* base64url SHA-256 thumbprint (RFC 7638) */
#define TOK_NAME_MAX	64
#define TOK_DISPLAY_NAME_MAX	400	/* bytes: 100 characters of UTF-8 */
#define TOK_JTI_MAX	64

/* Roles, in increasing order of power; ROLE_ANON means "no token". */
enum role {
	ROLE_ANON,
	ROLE_AUTHOR,
	ROLE_EDITOR,
	ROLE_ADMIN
};

/* Returns "author", "editor", "admin" (or "anonymous"). */
const char	*role_name(enum role);
/* Parses a role name (not "anonymous"). Returns 0, or -1 when unknown. */
int		 role_parse(const char *, enum role *);

/* The claims of a verified token that the programs use. */
struct claims {
	char		sub[UUID_LEN + 1];	/* user id */
	char		name[TOK_NAME_MAX + 1];	/* username */
	/* the display name, "" when the user has none (the claim is optional) */
	char		display_name[TOK_DISPLAY_NAME_MAX + 1];
	char		jti[TOK_JTI_MAX + 1];
	enum role	role;
	int64_t		iat, nbf, exp;
};

enum tok_err {
	TOK_OK,
	TOK_TOO_LONG,
	TOK_MALFORMED,
	TOK_BAD_HEADER,
	TOK_BAD_ALG,
	TOK_UNKNOWN_KID,
	TOK_BAD_SIGNATURE,
	TOK_BAD_CLAIMS,
	TOK_EXPIRED,
	TOK_NOT_YET_VALID,
	TOK_ISSUED_IN_FUTURE,
	TOK_BAD_ISSUER,
	TOK_BAD_AUDIENCE,
	TOK_REVOKED
};

/* Returns a short human sentence for e, suitable for an error body. */
const char	*tok_strerror(enum tok_err e);

/* A set of ES256 (P-256) public keys, each named by its RFC 7638 thumbprint. */
struct tok_keyset;

/*
 * Loads every *.pem public key of a directory (or the one key of a file).
 * Returns a keyset to free with tok_keyset_free(), or NULL with a message in
 * err: a key that is not P-256, an unreadable file, or no key at all.
 */
struct tok_keyset *tok_keyset_load(const char *path, char *err, size_t errlen);
/* Returns a keyset holding (a reference to) the public half of one key. */
struct tok_keyset *tok_keyset_of(EVP_PKEY *, char *err, size_t errlen);
void		 tok_keyset_free(struct tok_keyset *);
/* Returns the number of keys in the set. */
size_t		 tok_keyset_count(const struct tok_keyset *);
/* Returns a new JWK Set ({"keys":[…]}) the caller must json_decref, or NULL. */
json_t		*tok_keyset_jwks(const struct tok_keyset *);

/*
 * Computes the RFC 7638 thumbprint of a P-256 key into kid[TOK_KID_LEN + 1].
 * Returns 0, or -1 when the key is not a P-256 key.
 */
int		 tok_kid(EVP_PKEY *, char kid[TOK_KID_LEN + 1]);

struct tok_cache_entry;

/* What a program needs to verify tokens: keys, expectations and a cache. */
struct tok_verifier {
	struct tok_keyset	*keys;		/* owned */
	const char		*issuer;	/* required iss */
	const char		*audience;	/* must be in aud */
	long long		 leeway;	/* seconds allowed on exp, nbf, iat */
	struct tok_cache_entry	*cache;		/* verified tokens, by hash */
	size_t			 cache_size;
	struct deny		*deny;		/* revoked subjects (borrowed), or NULL */
};

/*
 * Sets up v with keys (taken over) and a cache of cache_size verified tokens
 * (0 for none). issuer and audience are borrowed. Returns 0 or -1.
 */
int		 tok_verifier_init(struct tok_verifier *v, struct tok_keyset *keys,
		    const char *issuer, const char *audience, long long leeway,
		    size_t cache_size);
/* Replaces the keys (taken over; the old ones are freed) and empties the cache. */
void		 tok_verifier_set_keys(struct tok_verifier *, struct tok_keyset *);
void		 tok_verifier_free(struct tok_verifier *);
/*
 * Makes v refuse (TOK_REVOKED) the tokens that deny lists, cached ones too;
 * deny is borrowed and must outlive v, or NULL to check none.
 */
void		 tok_verifier_set_deny(struct tok_verifier *v, struct deny *deny);

/*
 * Verifies token[0..len) at time now. Returns TOK_OK and fills *out, or the
 * first reason the token is refused (*out is then undefined). A token whose
 * subject was revoked after it was issued is TOK_REVOKED, checked after the
 * cache too.
 */
enum tok_err	 tok_verify(struct tok_verifier *, const char *token, size_t len,
		    time_t now, struct claims *out);

#endif
