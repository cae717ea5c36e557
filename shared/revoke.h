/*
 * revoke: how every program learns, within a second or so, that a user's
 * tokens were revoked (the user disabled, deleted, given another role, or a
 * new password; a refresh token presented twice).
 *
 * Auth records each revocation in its own table and, in the same
 * transaction, sends it with NOTIFY on REVOKE_CHANNEL, as the JSON object
 * {"sub","revoked_at","expires_at"} (times in seconds since the epoch, by
 * Auth's clock, like a token's iat). Every program (Auth too) LISTENs on its
 * own connection (shared/notify.c) and keeps the revocations in a deny list
 * (shared/deny.c) that its token verifier checks: a token of that subject
 * issued at or before revoked_at is refused with 401 invalid_token. After
 * every (re)connection, when notifications may have been lost, the program
 * loads the current list from its source: Post and Media ask Auth over HTTP
 * (GET {auth_url}/auth/revocations, revoke_from_auth), Auth reads its table.
 */
#ifndef QUIRE_REVOKE_H
#define QUIRE_REVOKE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "deny.h"

/* The channel of revocations; Auth's statement sends on it. */
#define REVOKE_CHANNEL		"quire_revocations"
/* The longest a token lives (Auth's access_ttl at most): bounds an entry. */
#define REVOKE_MAX_TTL		86400

struct ctx;

/* Where a program loads the current revocations from. */
struct revoke_source {
	/*
	 * Sets up (reads its settings from ctx). Returns 0 with *state set, or
	 * -1 with err set. Optional.
	 */
	int	(*open)(struct ctx *, void **state, char *err, size_t errlen);
	/* Adds every current revocation to d. Returns 0, or -1 (logged). */
	int	(*load)(struct ctx *, void *state, struct deny *d);
	/* Frees what open made. Optional. */
	void	(*close)(void *state);
};

/* Post and Media: GET {auth_url}/auth/revocations with libcurl (revoke_http.c). */
extern const struct revoke_source revoke_from_auth;

/*
 * Sets up ctx->revoke for src: opens the source, makes the deny list, has
 * the token verifier check it, and subscribes to REVOKE_CHANNEL on
 * ctx->notify. Returns 0, or -1 with err set.
 */
int	revoke_open(struct ctx *, const struct revoke_source *src, char *err, size_t errlen);
/* Tells ctx->revoke where its context lives now (after a copy of the struct ctx). */
void	revoke_attach(struct ctx *);
void	revoke_close(struct ctx *);

/*
 * Adds one revocation, {"sub","revoked_at","expires_at"}, to d at time now.
 * A revocation dated after now (beyond the leeway) or said to last longer
 * than REVOKE_MAX_TTL is refused, so that a bad one cannot lock a user out
 * for long. Returns 0, or -1 when the object is not a valid revocation.
 */
int	revoke_add_json(struct deny *d, json_t *item, long long leeway, int64_t now);

#endif
