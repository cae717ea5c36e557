/*
 * deny: the subjects (user ids) whose tokens were revoked, each with the
 * time of its latest revocation. A token of such a subject issued at or
 * before that time is refused, whatever its exp says.
 *
 * An entry matters only while a token issued before it can still be valid:
 * until its expires_at (the revocation time plus Auth's access_ttl) plus the
 * verifier's leeway. After that it is dropped, so the list holds at most the
 * revocations of one token lifetime. A hash table of 16-byte ids: looking a
 * subject up costs a hash and a compare, and nothing at all when the list is
 * empty (the common case).
 */
#ifndef QUIRE_DENY_H
#define QUIRE_DENY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct deny;

/*
 * Returns an empty list whose entries are dropped leeway seconds after their
 * expires_at, or NULL when memory runs out. Free with deny_free().
 */
struct deny	*deny_new(long long leeway);
void		 deny_free(struct deny *);

/*
 * Records that the tokens of sub (a UUID, in either case) issued at or
 * before revoked_at are revoked until expires_at (seconds since the epoch).
 * A later revocation of the same subject moves both times forward; an
 * earlier one changes nothing. now is the current time, for dropping
 * expired entries as the table grows. Returns 0, or -1 when sub is not a
 * UUID or memory runs out.
 */
int		 deny_add(struct deny *, const char *sub, int64_t revoked_at, int64_t expires_at,
		    int64_t now);

/*
 * Returns whether a token of sub issued at iat is revoked at time now.
 * Drops expired entries when one is due (amortised; no system call).
 */
bool		 deny_revoked(struct deny *, const char *sub, int64_t iat, int64_t now);

/* Returns the number of entries (expired ones not yet dropped included). */
size_t		 deny_count(const struct deny *);

#endif
