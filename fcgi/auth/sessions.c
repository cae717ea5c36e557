/*
 * Sessions: login, refresh, logout, the current user, and the public keys.
 *
 * A login opens a family of refresh tokens; each refresh uses up its token
 * and issues the next one in the family. Presenting a used token again means
 * it was copied, so the whole family is revoked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "log.h"

static const struct field login_fields[] = {
	{ "username", JSON_STRING, true, false },
	{ "password", JSON_STRING, true, false },
};

static const struct field refresh_fields[] = {
	{ "refresh_token", JSON_STRING, true, false },
};

/*
 * Issues an access token and a new refresh token in family (NULL: a new
 * family) inside the caller's transaction, commits, and answers 200.
 * On failure, rolls back and answers 500 or 503.
 */
static void
issue_session(struct req *r, const char *user_id, const char *username, const char *role,
    const char *family)
{
	const struct auth_conf	*conf = auth_conf(r);
	struct db		*db = r->ctx->db;
	char			 token[REFRESH_TOKEN_LEN + 1], hash[67], ttl[24];
	char			*access = NULL;
	enum db_status		 st;
	time_t			 now;

	snprintf(ttl, sizeof(ttl), "%lld", conf->refresh_ttl);
	if ((st = revocation_wait(r, user_id, &now)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	if (refresh_token_new(token, hash) == -1 ||
	    (access = signer_issue(r->ctx, user_id, username, role, now)) == NULL) {
		db_rollback(db);
		resp_error(r, ERR_INTERNAL, "could not make a token");
		goto out;
	}
	if ((st = DB_QUERY(db, S_TOKEN_INSERT, NULL, hash, family, user_id, ttl)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	resp_json(r, 200, json_pack("{s:s, s:s, s:I, s:s}", "access_token", access,
	    "token_type", "Bearer", "expires_in", (json_int_t)conf->access_ttl,
	    "refresh_token", token));
out:
	free(access);
}

int
login_allowed(struct req *r, const char *username)
{
	const struct auth_conf	*conf = auth_conf(r);
	PGresult		*res;
	enum db_status		 st;
	char			 window[24];
	long long		 failures, retry;

	snprintf(window, sizeof(window), "%lld", conf->login_window);
	if ((st = DB_QUERY(r->ctx->db, S_FAILURES_COUNT, &res, username, window)) != DB_OK) {
		db_rollback(r->ctx->db);
		resp_db_error(r, st);
		return -1;
	}
	failures = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	retry = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	if (failures < conf->login_max_failures)
		return 0;
	db_rollback(r->ctx->db);
	resp_error(r, ERR_TOO_MANY_ATTEMPTS, "too many failed logins for this username; "
	    "try again later");
	resp_header(r, "Retry-After", "%lld", retry > 0 ? retry : 1);
	return -1;
}

/*
 * POST /auth/login {"username","password"}
 * 200 with tokens; 401 invalid_credentials (unknown user, wrong password or
 * disabled account: the same answer and the same work); 429; 400; 415; 503.
 */
void
h_login(struct req *r)
{
	const struct auth	*a = auth_state(r);
	struct db		*db = r->ctx->db;
	json_t			*body;
	PGresult		*res = NULL;
	const char		*username, *password, *hash;
	char			 window[24];
	bool			 found, ok;
	enum db_status		 st;

	if ((body = req_json(r)) == NULL)
		return;
	if (req_check_fields(r, body, login_fields, 2) == -1)
		goto out;
	if ((username = req_string_field(r, body, "username", USERNAME_MAX)) == NULL ||
	    (password = json_string_value(json_object_get(body, "password"))) == NULL) {
		if (r->status == 0)
			resp_error(r, ERR_INVALID_CREDENTIALS, "wrong username or password");
		goto out;
	}
	if (strlen(password) > PASSWORD_MAX_BYTES) {
		resp_error(r, ERR_INVALID_FIELD, "password is longer than %d bytes",
		    PASSWORD_MAX_BYTES);
		goto out;
	}
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_LOGIN_LOCK, NULL, username)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	if (login_allowed(r, username) == -1)
		goto out;
	if ((st = DB_QUERY(db, S_USER_BY_NAME, &res, username)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	/* Unknown users cost one hash too, so timing tells nothing. */
	found = PQntuples(res) == 1;
	hash = found ? PQgetvalue(res, 0, 1) : a->dummy_hash;
	ok = password_check(password, hash) && found && strcmp(PQgetvalue(res, 0, 3), "f") == 0;
	if (!ok) {
		snprintf(window, sizeof(window), "%lld", auth_conf(r)->login_window);
		if ((st = DB_QUERY(db, S_FAILURE_ADD, NULL, username)) != DB_OK ||
		    (st = DB_QUERY(db, S_FAILURES_PRUNE, NULL, window)) != DB_OK ||
		    (st = db_commit(db)) != DB_OK) {
			db_rollback(db);
			resp_db_error(r, st);
			goto out;
		}
		resp_error(r, ERR_INVALID_CREDENTIALS, "wrong username or password");
		goto out;
	}
	if ((st = DB_QUERY(db, S_FAILURES_CLEAR, NULL, username)) != DB_OK ||
	    (st = db_exec0(db, S_TOKENS_PRUNE, NULL)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	issue_session(r, PQgetvalue(res, 0, 0), username, PQgetvalue(res, 0, 2), NULL);
out:
	PQclear(res);
	json_decref(body);
}

/*
 * Reads {"refresh_token"} and its hash. Returns the body (for the caller to
 * json_decref), or NULL with the response set (400, 415, 401).
 */
static json_t *
read_refresh_token(struct req *r, char hash[67])
{
	json_t	*body;

	if ((body = req_json(r)) == NULL)
		return NULL;
	if (req_check_fields(r, body, refresh_fields, 1) == -1) {
		json_decref(body);
		return NULL;
	}
	if (refresh_token_hash(json_string_value(json_object_get(body, "refresh_token")),
	    hash) == -1) {
		json_decref(body);
		resp_error(r, ERR_INVALID_REFRESH_TOKEN, "this refresh token is not valid");
		return NULL;
	}
	return body;
}

/*
 * POST /auth/refresh {"refresh_token"}
 * 200 with a new access token and a new refresh token (the old one is used
 * up); 401 invalid_refresh_token when unknown, expired, revoked, the user is
 * disabled or gone, or the token was used already (the family is then
 * revoked, and the user's access tokens); 400; 415; 503.
 */
void
h_refresh(struct req *r)
{
	struct db	*db = r->ctx->db;
	json_t		*body;
	PGresult	*res = NULL;
	char		 hash[67];
	enum db_status	 st;
	const char	*why = NULL;

	if ((body = read_refresh_token(r, hash)) == NULL)
		return;
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_TOKEN_LOOKUP, &res, hash)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(res) != 1)
		why = "this refresh token is not valid";
	else if (strcmp(PQgetvalue(res, 0, 4), "t") == 0)
		why = "this refresh token was revoked";
	else if (strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		/*
		 * A used token presented again: someone holds a copy, and maybe
		 * access tokens it got: the user's access tokens go too (other
		 * logins of the user refresh theirs).
		 */
		if ((st = DB_QUERY(db, S_FAMILY_REVOKE, NULL, PQgetvalue(res, 0, 0))) != DB_OK ||
		    (st = revocation_add(r, PQgetvalue(res, 0, 1))) != DB_OK ||
		    (st = db_commit(db)) != DB_OK) {
			db_rollback(db);
			resp_db_error(r, st);
			goto out;
		}
		log_msg("refresh token reuse for user %s: family revoked", PQgetvalue(res, 0, 1));
		resp_error(r, ERR_INVALID_REFRESH_TOKEN,
		    "this refresh token was used already; the session is revoked");
		goto out;
	} else if (strcmp(PQgetvalue(res, 0, 2), "t") == 0)
		why = "this refresh token has expired";
	else if (strcmp(PQgetvalue(res, 0, 7), "t") == 0)
		why = "this account is disabled";
	if (why != NULL) {
		db_rollback(db);
		resp_error(r, ERR_INVALID_REFRESH_TOKEN, "%s", why);
		goto out;
	}
	if ((st = DB_QUERY(db, S_TOKEN_MARK_USED, NULL, hash)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
		goto out;
	}
	issue_session(r, PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 6),
	    PQgetvalue(res, 0, 0));
out:
	PQclear(res);
	json_decref(body);
}

/*
 * POST /auth/logout {"refresh_token"}
 * 204: the token and its whole family stop working (also when it was
 * unknown, so logout reveals nothing); 400; 401 for a malformed token; 415; 503.
 */
void
h_logout(struct req *r)
{
	struct db	*db = r->ctx->db;
	json_t		*body;
	char		 hash[67];
	enum db_status	 st;

	if ((body = read_refresh_token(r, hash)) == NULL)
		return;
	/* The user row locked first, as a refresh does: no new token slips past. */
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_TOKEN_LOOKUP, NULL, hash)) != DB_OK ||
	    (st = DB_QUERY(db, S_FAMILY_REVOKE_BY_TOKEN, NULL, hash)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
	} else
		resp_empty(r, 204);
	json_decref(body);
}

/*
 * GET /auth/me (token)
 * 200 {"id","username","role","created_at"}; 401 when the user is gone or
 * disabled since the token was issued; 503.
 */
void
h_me(struct req *r)
{
	PGresult	*res;
	enum db_status	 st;
	json_t		*user;

	if ((st = DB_QUERY(r->ctx->db, S_USER_BY_ID, &res, r->claims->sub)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 3), "t") == 0) {
		resp_error(r, ERR_INVALID_TOKEN, "the user is disabled or deleted");
	} else {
		user = user_json(res, 0);
		json_object_del(user, "disabled");
		resp_json(r, 200, user);
	}
	PQclear(res);
}

/*
 * GET /auth/jwks.json
 * 200 with the JWK Set of every configured public key, cacheable for 5 minutes.
 */
void
h_jwks(struct req *r)
{
	resp_json(r, 200, tok_keyset_jwks(r->ctx->tokens.keys));
	resp_header(r, "Cache-Control", "public, max-age=300");
}
