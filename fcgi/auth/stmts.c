/* Every SQL statement of the Auth program, prepared once per connection. */
#include "auth.h"

#define USER_COLUMNS "id, username, role, disabled, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Keep in sync with enum auth_stmt in auth.h. */
const struct db_stmt auth_stmts[S_AUTH_STMT_COUNT] = {
	/*
	 * FOR SHARE: a login waits for a change of the user in flight (which
	 * may revoke its tokens) and sees its outcome; see revocations.c.
	 */
	[S_USER_BY_NAME] = { "user_by_name",
	    "SELECT id, password_hash, role, disabled FROM auth.users WHERE username = $1 "
	    "FOR SHARE",
	    1, true },
	[S_USER_BY_ID] = { "user_by_id",
	    "SELECT " USER_COLUMNS ", password_hash FROM auth.users WHERE id = $1",
	    1, true },
	[S_USER_INSERT] = { "user_insert",
	    "INSERT INTO auth.users (username, password_hash, role) VALUES ($1, $2, $3) "
	    "RETURNING " USER_COLUMNS,
	    3, false },
	[S_USER_COUNT] = { "user_count",
	    "SELECT count(*) FROM auth.users", 0, true },
	[S_USER_LIST] = { "user_list",
	    "SELECT " USER_COLUMNS " FROM auth.users ORDER BY created_at, id "
	    "LIMIT $1 OFFSET $2",
	    2, true },
	/* $2 role and $3 disabled are NULL when unchanged. */
	[S_USER_UPDATE] = { "user_update",
	    "UPDATE auth.users SET role = coalesce($2, role), "
	    "disabled = coalesce($3::boolean, disabled), updated_at = now() "
	    "WHERE id = $1 RETURNING " USER_COLUMNS,
	    3, false },
	[S_USER_SET_PASSWORD] = { "user_set_password",
	    "UPDATE auth.users SET password_hash = $2, updated_at = now() WHERE id = $1 "
	    "RETURNING " USER_COLUMNS,
	    2, false },
	/* The same password hashed anew: only if the hash is still the one checked. */
	[S_USER_REHASH] = { "user_rehash",
	    "UPDATE auth.users SET password_hash = $2 WHERE id = $1 AND password_hash = $3",
	    3, false },
	[S_USER_DELETE] = { "user_delete",
	    "DELETE FROM auth.users WHERE id = $1", 1, false },
	[S_ADMIN_EXISTS] = { "admin_exists",
	    "SELECT 1 FROM auth.users WHERE role = 'admin' LIMIT 1", 0, true },
	[S_OTHER_ADMIN_EXISTS] = { "other_admin_exists",
	    "SELECT 1 FROM auth.users WHERE role = 'admin' AND NOT disabled AND id <> $1 "
	    "LIMIT 1",
	    1, true },
	/* Serialises changes that could leave no active admin. */
	[S_ADMINS_LOCK] = { "admins_lock",
	    "SELECT pg_advisory_xact_lock(hashtext('quire-auth:admins'))", 0, false },
	/* Serialises logins per username, so the pair limit is exact. */
	[S_LOGIN_LOCK] = { "login_lock",
	    "SELECT pg_advisory_xact_lock(hashtext('quire-auth:login:' || $1))", 1, false },
	/*
	 * Failures of the ($1 address, $2 username) pair in the window of $3
	 * seconds, and seconds until the oldest of them leaves it; the same for
	 * the address whatever the username.
	 */
	[S_FAILURES_COUNT] = { "failures_count",
	    "SELECT count(*) FILTER (WHERE username = $2), coalesce(ceil(extract(epoch FROM "
	    "min(failed_at) FILTER (WHERE username = $2) + make_interval(secs => $3) - now())), "
	    "0)::bigint, count(*), coalesce(ceil(extract(epoch FROM "
	    "min(failed_at) + make_interval(secs => $3) - now())), 0)::bigint "
	    "FROM auth.login_failures "
	    "WHERE address = $1 AND failed_at > now() - make_interval(secs => $3)",
	    3, true },
	[S_FAILURE_ADD] = { "failure_add",
	    "INSERT INTO auth.login_failures (address, username) VALUES ($1, $2)", 2, false },
	/* Bounded clean-up of failures that left every window. */
	[S_FAILURES_PRUNE] = { "failures_prune",
	    "DELETE FROM auth.login_failures WHERE ctid IN (SELECT ctid FROM "
	    "auth.login_failures WHERE failed_at < now() - make_interval(secs => $1) "
	    "LIMIT 100)",
	    1, false },
	[S_FAILURES_CLEAR] = { "failures_clear",
	    "DELETE FROM auth.login_failures WHERE address = $1 AND username = $2", 2, false },
	/* $2 family: NULL starts a new one. */
	[S_TOKEN_INSERT] = { "token_insert",
	    "INSERT INTO auth.refresh_tokens (token_hash, family_id, user_id, expires_at) "
	    "VALUES ($1, coalesce($2::uuid, gen_random_uuid()), $3, "
	    "now() + make_interval(secs => $4))",
	    4, false },
	/*
	 * Locks the token and its user: every change that revokes a user's
	 * tokens locks the user row first (its UPDATE, or this statement for a
	 * logout), so a refresh in flight either finishes before the revocation
	 * (which then sees the new token) or sees the token revoked.
	 */
	[S_TOKEN_LOOKUP] = { "token_lookup",
	    "SELECT t.family_id, t.user_id, t.expires_at <= now(), t.used_at IS NOT NULL, "
	    "t.revoked_at IS NOT NULL, u.username, u.role, u.disabled "
	    "FROM auth.refresh_tokens t JOIN auth.users u ON u.id = t.user_id "
	    "WHERE t.token_hash = $1 FOR UPDATE OF t, u",
	    1, false },
	[S_TOKEN_MARK_USED] = { "token_mark_used",
	    "UPDATE auth.refresh_tokens SET used_at = now() WHERE token_hash = $1",
	    1, false },
	[S_FAMILY_REVOKE] = { "family_revoke",
	    "UPDATE auth.refresh_tokens SET revoked_at = now() "
	    "WHERE family_id = $1 AND revoked_at IS NULL",
	    1, false },
	[S_FAMILY_REVOKE_BY_TOKEN] = { "family_revoke_by_token",
	    "UPDATE auth.refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL "
	    "AND family_id = (SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1)",
	    1, false },
	/* Bounded clean-up of expired refresh tokens (kept a day for reuse detection). */
	[S_TOKENS_PRUNE] = { "tokens_prune",
	    "DELETE FROM auth.refresh_tokens WHERE ctid IN (SELECT ctid FROM "
	    "auth.refresh_tokens WHERE expires_at < now() - interval '1 day' LIMIT 100)",
	    0, false },
	[S_USER_TOKENS_REVOKE] = { "user_tokens_revoke",
	    "UPDATE auth.refresh_tokens SET revoked_at = now() "
	    "WHERE user_id = $1 AND revoked_at IS NULL",
	    1, false },
	/* Taken before revoking a user's tokens: a refresh in flight finishes first. */
	[S_USER_LOCK] = { "user_lock",
	    "SELECT 1 FROM auth.users WHERE id = $1 FOR UPDATE",
	    1, false },
	/*
	 * $1 user, $2 revoked_at, $3 expires_at, $4 the channel: recorded (the
	 * later of two revocations kept) and sent to every program at commit.
	 */
	[S_REVOCATION_ADD] = { "revocation_add",
	    "WITH r AS (INSERT INTO auth.revocations (user_id, revoked_at, expires_at) "
	    "VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET "
	    "revoked_at = greatest(auth.revocations.revoked_at, excluded.revoked_at), "
	    "expires_at = greatest(auth.revocations.expires_at, excluded.expires_at) "
	    "RETURNING user_id, revoked_at, expires_at) "
	    "SELECT pg_notify($4, json_build_object('sub', user_id, 'revoked_at', revoked_at, "
	    "'expires_at', expires_at)::text) FROM r",
	    4, false },
	[S_REVOCATION_OF] = { "revocation_of",
	    "SELECT revoked_at FROM auth.revocations WHERE user_id = $1", 1, true },
	/* Those that still matter at $1 (now less the leeway). */
	[S_REVOCATIONS_LIST] = { "revocations_list",
	    "SELECT user_id, revoked_at, expires_at FROM auth.revocations "
	    "WHERE expires_at >= $1 ORDER BY revoked_at, user_id",
	    1, true },
	/* Bounded clean-up of revocations that no longer matter. */
	[S_REVOCATIONS_PRUNE] = { "revocations_prune",
	    "DELETE FROM auth.revocations WHERE ctid IN (SELECT ctid FROM "
	    "auth.revocations WHERE expires_at < $1 LIMIT 100)",
	    1, false },
};
