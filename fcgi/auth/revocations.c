/*
 * Revocations: access tokens that stop working before they expire, in every
 * program within a second or so (shared/revoke.h has the whole design).
 *
 * A change that must end a user's tokens (disabled, deleted, another role,
 * a new password, a refresh token presented twice) calls revocation_add in
 * its transaction, after the statement that locks the user's row: the
 * revocation's time is then later than the iat of every token issued
 * before, since issuing a token holds that row too (the login reads it FOR
 * SHARE, a refresh FOR UPDATE). A token is refused when iat <= revoked_at,
 * so one issued in the very second of a revocation would be refused too:
 * revocation_wait makes the next token of that user wait for the following
 * second, which is rarely more than a second's wait, and only right after a
 * revocation.
 *
 * GET /auth/revocations is public, like the JWK Set: anyone who verifies
 * tokens needs the revocations too, just as a CA's revocation lists are
 * public, and no program has a credential of its own to show (only users
 * do; a shared secret would be one more to distribute and rotate). It tells
 * only user ids, already public as authors, and when some token of theirs
 * stopped working within the last access_ttl, never why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "log.h"

/* Longer than this, a revocation "in the future" is another host's clock: no wait. */
#define REVOCATION_WAIT_MAX	2

/*
 * Runs S_REVOCATIONS_LIST: the revocations that still matter now. Returns
 * DB_OK with *res set (to PQclear), or another status.
 */
static enum db_status
current_list(struct ctx *ctx, PGresult **res)
{
	char	 horizon[24];

	snprintf(horizon, sizeof(horizon), "%lld",
	    (long long)time(NULL) - ctx->conf.token_leeway);
	return DB_QUERY(ctx->db, S_REVOCATIONS_LIST, res, horizon);
}

enum db_status
revocation_add(struct req *r, const char *user_id)
{
	struct db	*db = r->ctx->db;
	char		 revoked[24], expires[24], horizon[24];
	time_t		 now = time(NULL);
	enum db_status	 st;

	snprintf(revoked, sizeof(revoked), "%lld", (long long)now);
	snprintf(expires, sizeof(expires), "%lld", (long long)now + auth_conf(r)->access_ttl);
	snprintf(horizon, sizeof(horizon), "%lld", (long long)now - r->ctx->conf.token_leeway);
	if ((st = DB_QUERY(db, S_REVOCATION_ADD, NULL, user_id, revoked, expires,
	    REVOKE_CHANNEL)) != DB_OK)
		return st;
	return DB_QUERY(db, S_REVOCATIONS_PRUNE, NULL, horizon);
}

enum db_status
revocation_wait(struct req *r, const char *user_id, time_t *now)
{
	struct timespec	 until = { 0, 0 };
	PGresult	*res;
	enum db_status	 st;
	long long	 revoked;

	*now = time(NULL);
	if ((st = DB_QUERY(r->ctx->db, S_REVOCATION_OF, &res, user_id)) != DB_OK)
		return st;
	if (PQntuples(res) == 1) {
		revoked = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		if (revoked >= (long long)*now && revoked - *now < REVOCATION_WAIT_MAX) {
			until.tv_sec = (time_t)revoked + 1;
			while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL) == EINTR)
				;
			*now = time(NULL);
		}
		if ((long long)*now <= revoked)
			*now = (time_t)revoked + 1;
	}
	PQclear(res);
	return DB_OK;
}

/*
 * GET /auth/revocations (anyone)
 * 200 {"revocations":[{"sub","revoked_at","expires_at"}, …]}: every
 * revocation whose tokens may still be valid, oldest first, times in seconds
 * since the epoch; not paged (a consumer needs the whole list at once, and
 * it holds one access_ttl's worth); never cached; 503.
 */
void
h_revocations(struct req *r)
{
	PGresult	*res;
	enum db_status	 st;
	json_t		*list;
	int		 i;

	if ((st = current_list(r->ctx, &res)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	list = json_array();
	for (i = 0; list != NULL && i < PQntuples(res); i++)
		json_array_append_new(list, json_pack("{s:s, s:I, s:I}",
		    "sub", PQgetvalue(res, i, 0),
		    "revoked_at", (json_int_t)strtoll(PQgetvalue(res, i, 1), NULL, 10),
		    "expires_at", (json_int_t)strtoll(PQgetvalue(res, i, 2), NULL, 10)));
	PQclear(res);
	resp_json(r, 200, json_pack("{s:o}", "revocations", list));
}

/* revoke_source load: Auth's own table, read directly. Returns 0 or -1 (logged). */
static int
load_own(struct ctx *ctx, void *state, struct deny *d)
{
	PGresult	*res;
	enum db_status	 st;
	int64_t		 now = (int64_t)time(NULL);
	int		 i, n;

	(void)state;
	if ((st = current_list(ctx, &res)) != DB_OK) {
		log_msg("revocations: %s", db_last_error(ctx->db));
		return -1;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		if (deny_add(d, PQgetvalue(res, i, 0), strtoll(PQgetvalue(res, i, 1), NULL, 10),
		    strtoll(PQgetvalue(res, i, 2), NULL, 10), now) == -1) {
			log_msg("revocations: out of memory");
			break;
		}
	}
	PQclear(res);
	return i == n ? 0 : -1;
}

const struct revoke_source auth_revocations = {
	.load = load_own,
};
