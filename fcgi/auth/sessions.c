/*
 * Sessions: login, refresh, logout, the current user, and the public keys.
 *
 * A login opens a family of refresh tokens; each refresh uses up its token
 * and issues the next one in the family. Presenting a used token again means
 * it was copied, so the whole family is revoked.
 *
 * A browser session (browser.c) works the same way with the refresh token
 * in a cookie instead of the body.
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
 * Issues an access token (naming display_name, or none when NULL) and a
 * new refresh token in family (NULL: a new family) inside the caller's transaction, commits, and answers 200: the
 * refresh token in the body, or in the cookie alone for a browser session.
 * On failure, answers 500 or 503 and leaves the transaction to the caller's
 * rollback.
 */
static void
issue_session(struct req *r, const char *user_id, const char *username,
    const char *display_name, const char *role, const char *family, bool cookie)
{
	const struct auth_conf	*conf = auth_conf(r);
	struct db		*db = r->ctx->db;
	char			 token[REFRESH_TOKEN_LEN + 1], hash[67], ttl[24];
	char			*access = NULL;
	enum db_status		 st;
	time_t			 now;

	snprintf(ttl, sizeof(ttl), "%lld", conf->refresh_ttl);
	if ((st = revocation_wait(r, user_id, &now)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (refresh_token_new(token, hash) == -1 ||
	    (access = signer_issue(r->ctx, user_id, username, display_name, role, now)) == NULL) {
		resp_error(r, ERR_INTERNAL, "could not make a token");
		goto out;
	}
	if ((st = DB_QUERY(db, S_TOKEN_INSERT, NULL, hash, family, user_id, ttl)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (cookie) {
		resp_json(r, 200, json_pack("{s:s, s:s, s:I}", "access_token", access,
		    "token_type", "Bearer", "expires_in", (json_int_t)conf->access_ttl));
		if (browser_set_cookie(r, token) == -1)
			resp_error(r, ERR_INTERNAL, "could not set the session cookie");
	} else
		resp_json(r, 200, json_pack("{s:s, s:s, s:I, s:s}", "access_token", access,
		    "token_type", "Bearer", "expires_in", (json_int_t)conf->access_ttl,
		    "refresh_token", token));
out:
	free(access);
}

/*
 * After a successful login, in its transaction: stores password hashed
 * anew when hash, user id's stored one, was made with another method or
 * cost than password_cost (which changed since, or the hash came from
 * elsewhere). Returns DB_OK (also when hashing fails: the login goes on
 * with the old hash) or the database's status.
 */
static enum db_status
rehash_if_outdated(struct req *r, const char *id, const char *password, const char *hash)
{
	long long	 cost = auth_conf(r)->password_cost;
	char		*fresh;
	enum db_status	 st;

	if (!password_outdated(hash, cost))
		return DB_OK;
	if ((fresh = password_hash(password, cost)) == NULL) {
		log_msg("could not hash a password again at cost %lld", cost);
		return DB_OK;
	}
	st = DB_QUERY(r->ctx->db, S_USER_REHASH, NULL, id, fresh, hash);
	free(fresh);
	return st;
}

/*
 * POST /auth/login {"username","password"}
 * 200 with tokens (with X-Quire-Session: cookie, the refresh token in a
 * cookie only); 401 invalid_credentials (unknown user, wrong password or
 * disabled account: the same answer and the same work; a hash made with
 * an older method or cost is made again on success); 403
 * cross_site_request (a browser session asked from another site); 429 past
 * a limit of limits.c (for this username from this address, or from this
 * address); 400; 415; 503.
 */
void
h_login(struct req *r)
{
	const struct auth	*a = auth_state(r);
	struct db		*db = r->ctx->db;
	json_t			*body = NULL;
	PGresult		*res = NULL;
	const char		*username, *password, *hash;
	char			 client[LOGIN_CLIENT_MAX];
	bool			 found, ok, cookie = browser_session(r);
	enum db_status		 st;

	if ((cookie && browser_check_site(r) == -1) || (body = req_json(r)) == NULL)
		goto out;
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
		resp_db_error(r, st);
		goto out;
	}
	login_client_of(r, client);
	if (login_allowed(r, username, client) == -1)
		goto out;
	if ((st = DB_QUERY(db, S_USER_BY_NAME, &res, username)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	/* Unknown users cost one hash too, so timing tells nothing. */
	found = PQntuples(res) == 1;
	hash = found ? PQgetvalue(res, 0, LC_PASSWORD_HASH) : a->dummy_hash;
	ok = password_check(password, hash) && found &&
	    strcmp(PQgetvalue(res, 0, LC_DISABLED), "f") == 0;
	if (!ok) {
		if ((st = login_failed(r, username, client)) != DB_OK ||
		    (st = db_commit(db)) != DB_OK) {
			resp_db_error(r, st);
			goto out;
		}
		resp_error(r, ERR_INVALID_CREDENTIALS, "wrong username or password");
		goto out;
	}
	if ((st = login_succeeded(r, username, client)) != DB_OK ||
	    (st = rehash_if_outdated(r, PQgetvalue(res, 0, LC_ID), password, hash)) != DB_OK ||
	    (st = db_exec0(db, S_TOKENS_PRUNE, NULL)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	issue_session(r, PQgetvalue(res, 0, LC_ID), username,
	    PQgetisnull(res, 0, LC_DISPLAY_NAME) ? NULL : PQgetvalue(res, 0, LC_DISPLAY_NAME),
	    PQgetvalue(res, 0, LC_ROLE), NULL,
	    cookie);
out:
	db_rollback(db);
	PQclear(res);
	json_decref(body);
}

/*
 * Reads the presented refresh token's hash: from the cookie of a browser
 * session (X-Quire-Session: cookie, from this site), else from the body
 * {"refresh_token"}. Returns 0, or -1 with the response set (400, 415; 401;
 * 403 cross_site_request for a browser session from another site, or for
 * the cookie sent without the header).
 */
static int
read_refresh_token(struct req *r, bool cookie, char hash[67])
{
	char		 token[REFRESH_TOKEN_LEN + 1];
	json_t		*body;
	int		 rc = -1;

	if (cookie) {
		if (browser_check_site(r) == -1)
			return -1;
		if (browser_cookie_token(r, token) != NULL && refresh_token_hash(token, hash) == 0)
			return 0;
		resp_error(r, ERR_INVALID_REFRESH_TOKEN, "there is no browser session");
		return -1;
	}
	if (browser_has_cookie(r)) {
		resp_error(r, ERR_CROSS_SITE_REQUEST, "a browser session needs the header "
		    "X-Quire-Session: cookie");
		return -1;
	}
	if ((body = req_json(r)) == NULL)
		return -1;
	if (req_check_fields(r, body, refresh_fields, 1) == 0) {
		if (refresh_token_hash(json_string_value(json_object_get(body, "refresh_token")),
		    hash) == 0)
			rc = 0;
		else
			resp_error(r, ERR_INVALID_REFRESH_TOKEN, "this refresh token is not valid");
	}
	json_decref(body);
	return rc;
}

/*
 * POST /auth/refresh {"refresh_token"}, or a browser session's cookie with
 * X-Quire-Session: cookie
 * 200 with a new access token and a new refresh token (the old one is used
 * up); 401 invalid_refresh_token when unknown, expired, revoked, the user is
 * disabled or gone, or the token was used already (the family is then
 * revoked, and the user's access tokens), and a browser session's cookie
 * cleared; 403 cross_site_request; 400; 415; 503.
 */
void
h_refresh(struct req *r)
{
	struct db	*db = r->ctx->db;
	PGresult	*res = NULL;
	char		 hash[67];
	enum db_status	 st;
	const char	*why = NULL;
	bool		 cookie = browser_session(r);

	if (read_refresh_token(r, cookie, hash) == -1)
		goto out;
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_TOKEN_LOOKUP, &res, hash)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(res) != 1)
		why = "this refresh token is not valid";
	else if (strcmp(PQgetvalue(res, 0, TC_REVOKED), "t") == 0)
		why = "this refresh token was revoked";
	else if (strcmp(PQgetvalue(res, 0, TC_USED), "t") == 0) {
		/*
		 * A used token presented again: someone holds a copy, and maybe
		 * access tokens it got: the user's access tokens go too (other
		 * logins of the user refresh theirs).
		 */
		if ((st = DB_QUERY(db, S_FAMILY_REVOKE, NULL, PQgetvalue(res, 0, TC_FAMILY))) !=
		    DB_OK ||
		    (st = revocation_add(r, PQgetvalue(res, 0, TC_USER))) != DB_OK ||
		    (st = db_commit(db)) != DB_OK) {
			resp_db_error(r, st);
			goto out;
		}
		log_msg("refresh token reuse for user %s: family revoked",
		    PQgetvalue(res, 0, TC_USER));
		resp_error(r, ERR_INVALID_REFRESH_TOKEN,
		    "this refresh token was used already; the session is revoked");
		goto out;
	} else if (strcmp(PQgetvalue(res, 0, TC_EXPIRED), "t") == 0)
		why = "this refresh token has expired";
	else if (strcmp(PQgetvalue(res, 0, TC_DISABLED), "t") == 0)
		why = "this account is disabled";
	if (why != NULL) {
		resp_error(r, ERR_INVALID_REFRESH_TOKEN, "%s", why);
		goto out;
	}
	if ((st = DB_QUERY(db, S_TOKEN_MARK_USED, NULL, hash)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	issue_session(r, PQgetvalue(res, 0, TC_USER), PQgetvalue(res, 0, TC_USERNAME),
	    PQgetisnull(res, 0, TC_DISPLAY_NAME) ? NULL : PQgetvalue(res, 0, TC_DISPLAY_NAME),
	    PQgetvalue(res, 0, TC_ROLE), PQgetvalue(res, 0, TC_FAMILY), cookie);
out:
	db_rollback(db);
	/* A browser holding a dead session's cookie is told to drop it. */
	if (cookie && r->status == 401)
		browser_set_cookie(r, NULL);
	PQclear(res);
}

/*
 * POST /auth/logout {"refresh_token"}, or a browser session's cookie with
 * X-Quire-Session: cookie
 * 204: the token and its whole family stop working (also when it was
 * unknown, so logout reveals nothing), and a browser session's cookie is
 * cleared (also when there was none); 400; 401 for a malformed body token;
 * 403 cross_site_request; 415; 503.
 */
void
h_logout(struct req *r)
{
	struct db	*db = r->ctx->db;
	char		 hash[67];
	enum db_status	 st;
	bool		 cookie = browser_session(r);

	if (read_refresh_token(r, cookie, hash) == -1) {
		if (cookie && r->status == 401) {
			resp_empty(r, 204);	/* no session to end */
			browser_set_cookie(r, NULL);
		}
		goto out;
	}
	/* The user row locked first, as a refresh does: no new token slips past. */
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_TOKEN_LOOKUP, NULL, hash)) != DB_OK ||
	    (st = DB_QUERY(db, S_FAMILY_REVOKE_BY_TOKEN, NULL, hash)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	resp_empty(r, 204);
	if (cookie)
		browser_set_cookie(r, NULL);
out:
	db_rollback(db);
}

/*
 * POST /auth/logout/all (token)
 * 204: every refresh token and access token of the caller stops working,
 * on every device (access tokens within a second or so, see
 * revocations.c); the refresh cookie is cleared when the request carries
 * it; 503.
 */
void
h_logout_all(struct req *r)
{
	struct db	*db = r->ctx->db;
	enum db_status	 st;

	/* The user row locked first, as a refresh does: no new token slips past. */
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_USER_LOCK, NULL, r->claims->sub)) != DB_OK ||
	    (st = DB_QUERY(db, S_USER_TOKENS_REVOKE, NULL, r->claims->sub)) != DB_OK ||
	    (st = revocation_add(r, r->claims->sub)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	resp_empty(r, 204);
	if (browser_has_cookie(r))
		browser_set_cookie(r, NULL);
out:
	db_rollback(db);
}

/*
 * GET /auth/me (token)
 * 200 {"id","username","role","created_at"}; 401 when the user is gone or
 * disabled since the token was issued; 503.
 */
void
h_me(struct req *r)
{
	PGresult	*res = NULL;
	enum db_status	 st;
	json_t		*user;

	if ((st = DB_QUERY(r->ctx->db, S_USER_BY_ID, &res, r->claims->sub)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, UC_DISABLED), "t") == 0) {
		resp_error(r, ERR_INVALID_TOKEN, "the user is disabled or deleted");
		goto out;
	}
	user = user_json(res, 0);
	json_object_del(user, "disabled");
	resp_json(r, 200, user);
out:
	PQclear(res);
}

/*
 * GET /auth/jwks.json
 * 200 with the JWK Set of every configured public key, cacheable for 5
 * minutes; 500 (not cacheable) when it cannot be made.
 */
void
h_jwks(struct req *r)
{
	resp_json(r, 200, tok_keyset_jwks(r->ctx->tokens.keys));
	if (r->status == 200)
		resp_header(r, "Cache-Control", "public, max-age=300");
}
