/*
 * Users: /auth/users and /auth/users/{id}.
 *
 * Changes that could leave no active admin (demoting, disabling or deleting
 * an admin) run in a transaction holding one advisory lock, so two admins
 * cannot demote each other at the same moment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "page.h"

static const struct field create_fields[] = {
	{ "username", JSON_STRING, true, false },
	{ "password", JSON_STRING, true, false },
	{ "role", JSON_STRING, true, false },
};

static const struct field patch_fields[] = {
	{ "role", JSON_STRING, false, false },
	{ "disabled", JSON_TRUE, false, false },
	{ "current_password", JSON_STRING, false, false },
	{ "password", JSON_STRING, false, false },
};

json_t *
user_json(PGresult *res, int row)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:s}",
	    "id", PQgetvalue(res, row, 0),
	    "username", PQgetvalue(res, row, 1),
	    "role", PQgetvalue(res, row, 2),
	    "disabled", strcmp(PQgetvalue(res, row, 3), "t") == 0,
	    "created_at", PQgetvalue(res, row, 4));
}

/*
 * Checks a new username and password. Returns 0, or -1 with the response set
 * (400 control_character, invalid_username or weak_password).
 */
static int
credentials_check(struct req *r, const char *username, const char *password)
{
	const char	*why;
	enum err	 e;

	if (username != NULL && (why = username_invalid(username, &e)) != NULL) {
		resp_error(r, e, "%s", why);
		return -1;
	}
	if ((why = password_weak(password, auth_conf(r)->password_min_length)) != NULL) {
		resp_error(r, ERR_WEAK_PASSWORD, "%s: a password has %lld to %d characters", why,
		    auth_conf(r)->password_min_length, PASSWORD_MAX_BYTES);
		return -1;
	}
	return 0;
}

/* Checks a role name. Returns 0, or -1 with 400 invalid_role set. */
static int
role_check(struct req *r, const char *role)
{
	enum role	 ignored;

	if (role_parse(role, &ignored) == -1) {
		resp_error(r, ERR_INVALID_ROLE, "role is one of admin, editor, author");
		return -1;
	}
	return 0;
}

/*
 * Checks that the caller, whose token says admin, is still an active admin
 * in the database: a demoted, disabled or deleted admin loses the power at
 * once, not when the token expires. Returns 0, or -1 with the response set
 * (403, 503).
 */
static int
still_admin(struct req *r)
{
	PGresult	*res;
	enum db_status	 st;
	bool		 ok;

	if (r->claims->role != ROLE_ADMIN) {
		resp_error(r, ERR_FORBIDDEN, "this needs the admin role");
		return -1;
	}
	if ((st = DB_QUERY(r->ctx->db, S_USER_BY_ID, &res, r->claims->sub)) != DB_OK) {
		resp_db_error(r, st);
		return -1;
	}
	ok = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 2), "admin") == 0 &&
	    strcmp(PQgetvalue(res, 0, 3), "f") == 0;
	PQclear(res);
	if (!ok) {
		resp_error(r, ERR_FORBIDDEN, "this account is no longer an active admin");
		return -1;
	}
	return 0;
}

/*
 * POST /auth/users (admin) {"username","password","role"}
 * 201 with Location and the user; 400 (invalid_username, control_character,
 * weak_password, invalid_role, fields); 409 username_taken; 415; 503.
 */
void
h_users_create(struct req *r)
{
	json_t		*body;
	PGresult	*res = NULL;
	const char	*username, *password, *role;
	char		*hash = NULL;
	enum db_status	 st;

	if (still_admin(r) == -1 || (body = req_json(r)) == NULL)
		return;
	if (req_check_fields(r, body, create_fields, 3) == -1)
		goto out;
	username = json_string_value(json_object_get(body, "username"));
	password = json_string_value(json_object_get(body, "password"));
	role = json_string_value(json_object_get(body, "role"));
	if (credentials_check(r, username, password) == -1 || role_check(r, role) == -1)
		goto out;
	if ((hash = password_hash(password, auth_conf(r)->password_cost)) == NULL) {
		resp_error(r, ERR_INTERNAL, "could not hash the password");
		goto out;
	}
	st = DB_QUERY(r->ctx->db, S_USER_INSERT, &res, username, hash, role);
	if (st == DB_UNIQUE)
		resp_error(r, ERR_USERNAME_TAKEN, "the username %s is taken", username);
	else if (st != DB_OK)
		resp_db_error(r, st);
	else {
		resp_json(r, 201, user_json(res, 0));
		resp_header(r, "Location", "/auth/users/%s", PQgetvalue(res, 0, 0));
	}
out:
	PQclear(res);
	free(hash);
	json_decref(body);
}

/*
 * GET /auth/users?page=&per_page= (admin)
 * 200 with a page of users, oldest first, Link and X-Total-Count; 400; 503.
 */
void
h_users_list(struct req *r)
{
	struct page	 p;
	PGresult	*count = NULL, *res = NULL;
	char		 limit[24], offset[24];
	enum db_status	 st;
	json_t		*items;
	int		 i;

	if (still_admin(r) == -1 || page_parse(r, 20, &p) == -1)
		return;
	page_sql_params(&p, limit, offset);
	if ((st = db_exec0(r->ctx->db, S_USER_COUNT, &count)) != DB_OK ||
	    (st = DB_QUERY(r->ctx->db, S_USER_LIST, &res, limit, offset)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, user_json(res, i));
	page_respond(r, &p, strtoll(PQgetvalue(count, 0, 0), NULL, 10), items);
out:
	PQclear(count);
	PQclear(res);
}

/*
 * GET /auth/users/{id} (admin, or the user)
 * 200 with the user; 400 invalid_id; 403; 404; 503.
 */
void
h_users_get(struct req *r)
{
	const char	*id;
	PGresult	*res;
	enum db_status	 st;

	if ((id = req_id_param(r, "user")) == NULL)
		return;
	if (strcasecmp(id, r->claims->sub) != 0 && still_admin(r) == -1)
		return;
	if ((st = DB_QUERY(r->ctx->db, S_USER_BY_ID, &res, id)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	if (PQntuples(res) == 0)
		resp_error(r, ERR_NOT_FOUND, "no such user");
	else
		resp_json(r, 200, user_json(res, 0));
	PQclear(res);
}

/*
 * Opens the transaction of a change to user id by an admin: takes the admins
 * lock, checks the caller is still an active admin, and reads the user.
 * Returns the user's row (to PQclear; the transaction stays open), or NULL
 * with the response set (403, 404, 503) and the transaction rolled back.
 */
static PGresult *
admin_change_begin(struct req *r, const char *id)
{
	struct db	*db = r->ctx->db;
	PGresult	*cur = NULL;
	enum db_status	 st;

	if ((st = db_begin(db)) != DB_OK || (st = db_exec0(db, S_ADMINS_LOCK, NULL)) != DB_OK) {
		resp_db_error(r, st);
		goto fail;
	}
	if (still_admin(r) == -1)
		goto fail;
	if ((st = DB_QUERY(db, S_USER_BY_ID, &cur, id)) != DB_OK) {
		resp_db_error(r, st);
		goto fail;
	}
	if (PQntuples(cur) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such user");
		goto fail;
	}
	return cur;
fail:
	db_rollback(db);
	PQclear(cur);
	return NULL;
}

/*
 * Within the admins lock, checks that changing (or deleting, when remains is
 * false) user id leaves an active admin. Returns 0, or -1 with the response
 * set (409 last_admin, or a database error).
 */
static int
keeps_an_admin(struct req *r, const char *id, bool remains)
{
	PGresult	*res;
	enum db_status	 st;
	bool		 other;

	if (remains)
		return 0;
	if ((st = DB_QUERY(r->ctx->db, S_OTHER_ADMIN_EXISTS, &res, id)) != DB_OK) {
		resp_db_error(r, st);
		return -1;
	}
	other = PQntuples(res) > 0;
	PQclear(res);
	if (!other) {
		resp_error(r, ERR_LAST_ADMIN, "this is the last active admin");
		return -1;
	}
	return 0;
}

/*
 * Changes role and/or disabled of user id (admin only), revoking the user's
 * refresh tokens when disabling, and their access tokens when disabling or
 * changing the role. Returns the updated row, or NULL with the response set
 * (404, 409 last_admin, 503).
 */
static PGresult *
patch_admin_fields(struct req *r, const char *id, const char *role, json_t *disabled)
{
	struct db	*db = r->ctx->db;
	PGresult	*cur = NULL, *res = NULL;
	const char	*dis = disabled == NULL ? NULL : json_is_true(disabled) ? "true" : "false";
	bool		 admin_after, disabling, revoking;
	enum db_status	 st;

	if ((cur = admin_change_begin(r, id)) == NULL)
		return NULL;
	admin_after = strcmp(role != NULL ? role : PQgetvalue(cur, 0, 2), "admin") == 0 &&
	    (dis != NULL ? strcmp(dis, "false") == 0 : strcmp(PQgetvalue(cur, 0, 3), "f") == 0);
	disabling = dis != NULL && strcmp(dis, "true") == 0;
	revoking = disabling || (role != NULL && strcmp(role, PQgetvalue(cur, 0, 2)) != 0);
	if (keeps_an_admin(r, id, admin_after) == -1)
		goto fail;
	/* The UPDATE locks the user's row before the revocation is dated. */
	if ((st = DB_QUERY(db, S_USER_UPDATE, &res, id, role, dis)) != DB_OK ||
	    (disabling && (st = DB_QUERY(db, S_USER_TOKENS_REVOKE, NULL, id)) != DB_OK) ||
	    (revoking && (st = revocation_add(r, id)) != DB_OK) ||
	    (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto fail;
	}
	PQclear(cur);
	return res;
fail:
	db_rollback(db);
	PQclear(cur);
	PQclear(res);
	return NULL;
}

/*
 * Changes the caller's own password after checking current_password, and
 * revokes every refresh token and access token the user holds. Wrong
 * current passwords count as failed logins of that username from the
 * caller's address, under the same limits; so does any attempt while the
 * account is disabled (its token is revoked, but may reach Auth before the
 * revocation does). Returns the updated row, or NULL with the response set
 * (400, 401 invalid_credentials, 404, 429, 503).
 */
static PGresult *
patch_password(struct req *r, const char *id, json_t *body)
{
	struct db	*db = r->ctx->db;
	PGresult	*cur = NULL, *res = NULL;
	const char	*current, *password, *username;
	char		*hash = NULL, client[LOGIN_CLIENT_MAX];
	enum db_status	 st;

	current = json_string_value(json_object_get(body, "current_password"));
	password = json_string_value(json_object_get(body, "password"));
	if (password == NULL || current == NULL) {
		resp_error(r, ERR_MISSING_FIELD, "changing a password takes both "
		    "\"current_password\" and \"password\"");
		return NULL;
	}
	if (credentials_check(r, NULL, password) == -1)
		return NULL;
	if ((st = DB_QUERY(db, S_USER_BY_ID, &cur, id)) != DB_OK) {
		resp_db_error(r, st);
		return NULL;
	}
	if (PQntuples(cur) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such user");
		goto out;
	}
	username = PQgetvalue(cur, 0, 1);
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_LOGIN_LOCK, NULL, username)) != DB_OK) {
		resp_db_error(r, st);
		goto fail;
	}
	login_client_of(r, client);
	if (login_allowed(r, username, client) == -1)
		goto out;	/* rolled back, 429 set */
	/* A disabled account is refused as the login refuses it, after the same work. */
	if (strlen(current) > PASSWORD_MAX_BYTES ||
	    !password_check(current, PQgetvalue(cur, 0, 5)) ||
	    strcmp(PQgetvalue(cur, 0, 3), "f") != 0) {
		if ((st = login_failed(r, username, client)) != DB_OK ||
		    (st = db_commit(db)) != DB_OK) {
			resp_db_error(r, st);
			goto fail;
		}
		resp_error(r, ERR_INVALID_CREDENTIALS, "current_password is wrong");
		goto out;
	}
	if ((hash = password_hash(password, auth_conf(r)->password_cost)) == NULL) {
		resp_error(r, ERR_INTERNAL, "could not hash the password");
		goto fail;
	}
	if ((st = DB_QUERY(db, S_USER_SET_PASSWORD, &res, id, hash)) != DB_OK ||
	    (st = DB_QUERY(db, S_USER_TOKENS_REVOKE, NULL, id)) != DB_OK ||
	    (st = revocation_add(r, id)) != DB_OK ||
	    (st = login_succeeded(r, username, client)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		PQclear(res);
		res = NULL;
		resp_db_error(r, st);
		goto fail;
	}
	goto out;
fail:
	db_rollback(db);
out:
	PQclear(cur);
	free(hash);
	return res;
}

/*
 * PATCH /auth/users/{id}
 * admin: {"role","disabled"}; the user: {"current_password","password"}.
 * 200 with the user; 400; 401 invalid_credentials; 403; 404; 409 last_admin;
 * 415; 503. A disable or a password change revokes the user's refresh tokens;
 * these and a role change revoke their access tokens everywhere.
 */
void
h_users_patch(struct req *r)
{
	const char	*id, *role;
	json_t		*body, *disabled;
	PGresult	*res = NULL;
	bool		 self, admin_fields, password_fields;

	if ((id = req_id_param(r, "user")) == NULL || (body = req_json(r)) == NULL)
		return;
	if (req_check_fields(r, body, patch_fields, 4) == -1)
		goto out;
	self = strcasecmp(id, r->claims->sub) == 0;
	role = json_string_value(json_object_get(body, "role"));
	disabled = json_object_get(body, "disabled");
	admin_fields = role != NULL || disabled != NULL;
	password_fields = json_object_get(body, "password") != NULL ||
	    json_object_get(body, "current_password") != NULL;
	if (!admin_fields && !password_fields) {
		resp_error(r, ERR_MISSING_FIELD, "nothing to change: give role, disabled, "
		    "or current_password and password");
		goto out;
	}
	if (admin_fields && password_fields) {
		resp_error(r, ERR_INVALID_FIELD, "change the role or status and the password "
		    "in separate requests");
		goto out;
	}
	if (admin_fields) {
		if (r->claims->role != ROLE_ADMIN) {
			resp_error(r, ERR_FORBIDDEN, "only an admin may change role or disabled");
			goto out;
		}
		if (role != NULL && role_check(r, role) == -1)
			goto out;
		res = patch_admin_fields(r, id, role, disabled);
	} else {
		if (!self) {
			resp_error(r, ERR_FORBIDDEN, "only the user may change their password");
			goto out;
		}
		res = patch_password(r, id, body);
	}
	if (res != NULL)
		resp_json(r, 200, user_json(res, 0));
out:
	PQclear(res);
	json_decref(body);
}

/*
 * DELETE /auth/users/{id} (admin)
 * 204 (the user's refresh tokens go with it, and their access tokens stop
 * working everywhere); 400; 404; 409 last_admin; 503.
 */
void
h_users_delete(struct req *r)
{
	struct db	*db = r->ctx->db;
	const char	*id;
	PGresult	*cur = NULL;
	enum db_status	 st;
	bool		 active_admin;

	if ((id = req_id_param(r, "user")) == NULL || (cur = admin_change_begin(r, id)) == NULL)
		return;
	active_admin = strcmp(PQgetvalue(cur, 0, 2), "admin") == 0 &&
	    strcmp(PQgetvalue(cur, 0, 3), "f") == 0;
	if (keeps_an_admin(r, id, !active_admin) == -1)
		goto fail;
	if ((st = DB_QUERY(db, S_USER_DELETE, NULL, id)) != DB_OK ||
	    (st = revocation_add(r, id)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto fail;
	}
	resp_empty(r, 204);
	PQclear(cur);
	return;
fail:
	db_rollback(db);
	PQclear(cur);
}
