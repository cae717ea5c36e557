/* Every SQL statement of the Auth program, prepared once per connection. */
#include "auth.h"

/* Keep in sync with enum user_col in auth.h. */
#define USER_COLUMNS "id, username, role, disabled, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), display_name"

/* Keep in sync with enum login_col in auth.h. */
#define LOGIN_COLUMNS "id, password_hash, role, disabled, display_name"

/*
 * Keep in sync with enum failures_col in auth.h: failures of the ($1
 * address, $2 username) pair in the window of $3 seconds, and seconds until
 * the oldest of them leaves it; the same for the address whatever the
 * username.
 */
#define FAILURES_COLUMNS \
	"count(*) FILTER (WHERE username = $2), coalesce(ceil(extract(epoch FROM " \
	"min(failed_at) FILTER (WHERE username = $2) + make_interval(secs => $3) - now())), " \
	"0)::bigint, count(*), coalesce(ceil(extract(epoch FROM " \
	"min(failed_at) + make_interval(secs => $3) - now())), 0)::bigint"

/* Keep in sync with enum token_col in auth.h. */
#define TOKEN_COLUMNS \
	"t.family_id, t.user_id, t.expires_at <= now(), t.used_at IS NOT NULL, " \
	"t.revoked_at IS NOT NULL, u.username, u.role, u.disabled, u.display_name"

/* Keep in sync with enum revocation_col in auth.h. */
#define REVOCATION_COLUMNS "user_id, revoked_at, expires_at"

/* Keep in sync with enum auth_stmt in auth.h. */
const struct db_stmt auth_stmts[S_AUTH_STMT_COUNT] = {
	/*
	 * FOR SHARE: a login waits for a change of the user in flight (which
	 * may revoke its tokens) and sees its outcome; see revocations.c.
	 */
	[S_USER_BY_NAME] = { .name = "user_by_name", .sql =
	    "SELECT " LOGIN_COLUMNS " FROM auth.users WHERE username = $1 "
	    "FOR SHARE",
	    .nparams = 1, .retry = true },
	[S_USER_BY_ID] = { .name = "user_by_id", .sql =
	    "SELECT " USER_COLUMNS ", password_hash FROM auth.users WHERE id = $1",
	    .nparams = 1, .retry = true },
	[S_USER_INSERT] = { .name = "user_insert", .sql =
	    "INSERT INTO auth.users (username, password_hash, role, display_name) "
	    "VALUES ($1, $2, $3, $4) RETURNING " USER_COLUMNS,
	    .nparams = 4, .retry = false },
	[S_USER_COUNT] = { .name = "user_count", .sql =
	    "SELECT count(*) FROM auth.users", .nparams = 0, .retry = true },
	[S_USER_LIST] = { .name = "user_list", .sql =
	    "SELECT " USER_COLUMNS " FROM auth.users ORDER BY created_at, id "
	    "LIMIT $1 OFFSET $2",
	    .nparams = 2, .retry = true },
	/* $2 role and $3 disabled are NULL when unchanged. */
	[S_USER_UPDATE] = { .name = "user_update", .sql =
	    "UPDATE auth.users SET role = coalesce($2, role), "
	    "disabled = coalesce($3::boolean, disabled), updated_at = now() "
	    "WHERE id = $1 RETURNING " USER_COLUMNS,
	    .nparams = 3, .retry = false },
	/* $2 is the new display name, NULL for none. */
	[S_USER_SET_DISPLAY_NAME] = { .name = "user_set_display_name", .sql =
	    "UPDATE auth.users SET display_name = $2, updated_at = now() WHERE id = $1 "
	    "RETURNING " USER_COLUMNS,
	    .nparams = 2, .retry = false },
	[S_USER_SET_PASSWORD] = { .name = "user_set_password", .sql =
	    "UPDATE auth.users SET password_hash = $2, updated_at = now() WHERE id = $1 "
	    "RETURNING " USER_COLUMNS,
	    .nparams = 2, .retry = false },
	/* The same password hashed anew: only if the hash is still the one checked. */
	[S_USER_REHASH] = { .name = "user_rehash", .sql =
	    "UPDATE auth.users SET password_hash = $2 WHERE id = $1 AND password_hash = $3",
	    .nparams = 3, .retry = false },
	[S_USER_DELETE] = { .name = "user_delete", .sql =
	    "DELETE FROM auth.users WHERE id = $1", .nparams = 1, .retry = false },
	[S_ADMIN_EXISTS] = { .name = "admin_exists", .sql =
	    "SELECT 1 FROM auth.users WHERE role = 'admin' LIMIT 1", .nparams = 0, .retry = true },
	[S_OTHER_ADMIN_EXISTS] = { .name = "other_admin_exists", .sql =
	    "SELECT 1 FROM auth.users WHERE role = 'admin' AND NOT disabled AND id <> $1 "
	    "LIMIT 1",
	    .nparams = 1, .retry = true },
	/* Serialises changes that could leave no active admin. */
	[S_ADMINS_LOCK] = { .name = "admins_lock", .sql =
	    "SELECT pg_advisory_xact_lock(hashtext('quire-auth:admins'))",
	    .nparams = 0, .retry = false },
	/* Serialises logins per username, so the pair limit is exact. */
	[S_LOGIN_LOCK] = { .name = "login_lock", .sql =
	    "SELECT pg_advisory_xact_lock(hashtext('quire-auth:login:' || $1))",
	    .nparams = 1, .retry = false },
	[S_FAILURES_COUNT] = { .name = "failures_count", .sql =
	    "SELECT " FAILURES_COLUMNS " FROM auth.login_failures "
	    "WHERE address = $1 AND failed_at > now() - make_interval(secs => $3)",
	    .nparams = 3, .retry = true },
	[S_FAILURE_ADD] = { .name = "failure_add", .sql =
	    "INSERT INTO auth.login_failures (address, username) VALUES ($1, $2)",
	    .nparams = 2, .retry = false },
	/* Bounded clean-up of failures that left every window. */
	[S_FAILURES_PRUNE] = { .name = "failures_prune", .sql =
	    "DELETE FROM auth.login_failures WHERE ctid IN (SELECT ctid FROM "
	    "auth.login_failures WHERE failed_at < now() - make_interval(secs => $1) "
	    "LIMIT 100)",
	    .nparams = 1, .retry = false },
	[S_FAILURES_CLEAR] = { .name = "failures_clear", .sql =
	    "DELETE FROM auth.login_failures WHERE address = $1 AND username = $2",
	    .nparams = 2, .retry = false },
	/* $2 family: NULL starts a new one. */
	[S_TOKEN_INSERT] = { .name = "token_insert", .sql =
	    "INSERT INTO auth.refresh_tokens (token_hash, family_id, user_id, expires_at) "
	    "VALUES ($1, coalesce($2::uuid, gen_random_uuid()), $3, "
	    "now() + make_interval(secs => $4))",
	    .nparams = 4, .retry = false },
	/*
	 * Locks the token and its user: every change that revokes a user's
	 * tokens locks the user row first (its UPDATE, or this statement for a
	 * logout), so a refresh in flight either finishes before the revocation
	 * (which then sees the new token) or sees the token revoked.
	 */
	[S_TOKEN_LOOKUP] = { .name = "token_lookup", .sql =
	    "SELECT " TOKEN_COLUMNS " FROM auth.refresh_tokens t "
	    "JOIN auth.users u ON u.id = t.user_id "
	    "WHERE t.token_hash = $1 FOR UPDATE OF t, u",
	    .nparams = 1, .retry = false },
	[S_TOKEN_MARK_USED] = { .name = "token_mark_used", .sql =
	    "UPDATE auth.refresh_tokens SET used_at = now() WHERE token_hash = $1",
	    .nparams = 1, .retry = false },
	[S_FAMILY_REVOKE] = { .name = "family_revoke", .sql =
	    "UPDATE auth.refresh_tokens SET revoked_at = now() "
	    "WHERE family_id = $1 AND revoked_at IS NULL",
	    .nparams = 1, .retry = false },
	[S_FAMILY_REVOKE_BY_TOKEN] = { .name = "family_revoke_by_token", .sql =
	    "UPDATE auth.refresh_tokens SET revoked_at = now() WHERE revoked_at IS NULL "
	    "AND family_id = (SELECT family_id FROM auth.refresh_tokens WHERE token_hash = $1)",
	    .nparams = 1, .retry = false },
	/* Bounded clean-up of expired refresh tokens (kept a day for reuse detection). */
	[S_TOKENS_PRUNE] = { .name = "tokens_prune", .sql =
	    "DELETE FROM auth.refresh_tokens WHERE ctid IN (SELECT ctid FROM "
	    "auth.refresh_tokens WHERE expires_at < now() - interval '1 day' LIMIT 100)",
	    .nparams = 0, .retry = false },
	[S_USER_TOKENS_REVOKE] = { .name = "user_tokens_revoke", .sql =
	    "UPDATE auth.refresh_tokens SET revoked_at = now() "
	    "WHERE user_id = $1 AND revoked_at IS NULL",
	    .nparams = 1, .retry = false },
	/* Taken before revoking a user's tokens: a refresh in flight finishes first. */
	[S_USER_LOCK] = { .name = "user_lock", .sql =
	    "SELECT 1 FROM auth.users WHERE id = $1 FOR UPDATE",
	    .nparams = 1, .retry = false },
	/*
	 * $1 user, $2 revoked_at, $3 expires_at, $4 the channel: recorded (the
	 * later of two revocations kept) and sent to every program at commit.
	 */
	[S_REVOCATION_ADD] = { .name = "revocation_add", .sql =
	    "WITH r AS (INSERT INTO auth.revocations (user_id, revoked_at, expires_at) "
	    "VALUES ($1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET "
	    "revoked_at = greatest(auth.revocations.revoked_at, excluded.revoked_at), "
	    "expires_at = greatest(auth.revocations.expires_at, excluded.expires_at) "
	    "RETURNING user_id, revoked_at, expires_at) "
	    "SELECT pg_notify($4, json_build_object('sub', user_id, 'revoked_at', revoked_at, "
	    "'expires_at', expires_at)::text) FROM r",
	    .nparams = 4, .retry = false },
	[S_REVOCATION_OF] = { .name = "revocation_of", .sql =
	    "SELECT revoked_at FROM auth.revocations WHERE user_id = $1",
	    .nparams = 1, .retry = true },
	/* Those that still matter at $1 (now less the leeway). */
	[S_REVOCATIONS_LIST] = { .name = "revocations_list", .sql =
	    "SELECT " REVOCATION_COLUMNS " FROM auth.revocations "
	    "WHERE expires_at >= $1 ORDER BY revoked_at, user_id",
	    .nparams = 1, .retry = true },
	/* Bounded clean-up of revocations that no longer matter. */
	[S_REVOCATIONS_PRUNE] = { .name = "revocations_prune", .sql =
	    "DELETE FROM auth.revocations WHERE ctid IN (SELECT ctid FROM "
	    "auth.revocations WHERE expires_at < $1 LIMIT 100)",
	    .nparams = 1, .retry = false },
};
