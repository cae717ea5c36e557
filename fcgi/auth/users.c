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
#include "nitems.h"
#include "page.h"

static const struct field create_fields[] = {
	{ "username", JSON_STRING, true, false },
	{ "password", JSON_STRING, true, false },
	{ "role", JSON_STRING, true, false },
	{ "display_name", JSON_STRING, false, true },
};

static const struct field patch_fields[] = {
	{ "role", JSON_STRING, false, false },
	{ "disabled", JSON_TRUE, false, false },
	{ "current_password", JSON_STRING, false, false },
	{ "password", JSON_STRING, false, false },
	{ "display_name", JSON_STRING, false, true },
};

json_t *
user_json(PGresult *res, int row)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:b, s:s}",
	    "id", PQgetvalue(res, row, UC_ID),
	    "username", PQgetvalue(res, row, UC_USERNAME),
	    "display_name", PQgetisnull(res, row, UC_DISPLAY_NAME) ? json_null() :
	    json_string(PQgetvalue(res, row, UC_DISPLAY_NAME)),
	    "role", PQgetvalue(res, row, UC_ROLE),
	    "disabled", strcmp(PQgetvalue(res, row, UC_DISABLED), "t") == 0,
	    "created_at", PQgetvalue(res, row, UC_CREATED));
}

/*
 * Reads the optional display_name of body into out. Returns 1 when it is
 * given as text, 0 when absent or null (*present says which), or -1 with e
 * set (400 invalid_field).
 */
static int
display_name_of(json_t *body, char out[TOK_DISPLAY_NAME_MAX + 1], bool *present,
    struct input_error *e)
{
	json_t	*v = json_object_get(body, "display_name");

	*present = v != NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (display_name_check(json_string_value(v), out, e) == -1)
		return -1;
	return 1;
}

/* Checks a role name. Returns 0, or -1 with e set (invalid_role). */
static int
role_check(const char *role, struct input_error *e)
{
	enum role	 ignored;

	if (role_parse(role, &ignored) == -1)
		return input_fail(e, ERR_INVALID_ROLE, "role is one of admin, editor, author");
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
	ok = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, UC_ROLE), "admin") == 0 &&
	    strcmp(PQgetvalue(res, 0, UC_DISABLED), "f") == 0;
	PQclear(res);
	if (!ok) {
		resp_error(r, ERR_FORBIDDEN, "this account is no longer an active admin");
		return -1;
	}
	return 0;
}

/*
 * POST /auth/users (admin) {"username","password","role"[,"display_name"]}
 * 201 with Location and the user; 400 (invalid_username, control_character,
 * weak_password, invalid_role, invalid_field, fields); 409 username_taken;
 * 415; 503.
 */
void
h_users_create(struct req *r)
{
	json_t			*body = NULL;
	PGresult		*res = NULL;
	const char		*username, *password, *role;
	char			*hash = NULL, display[TOK_DISPLAY_NAME_MAX + 1];
	struct input_error	 e;
	enum db_status		 st;
	bool			 present;
	int			 named;

	if (still_admin(r) == -1 || (body = req_json(r)) == NULL)
		goto out;
	if (req_check_fields(r, body, create_fields, nitems(create_fields)) == -1)
		goto out;
	username = json_string_value(json_object_get(body, "username"));
	password = json_string_value(json_object_get(body, "password"));
	role = json_string_value(json_object_get(body, "role"));
	if (username_check(username, &e) == -1 ||
	    password_rules_check(password, auth_conf(r)->password_min_length, &e) == -1 ||
	    role_check(role, &e) == -1 ||
	    (named = display_name_of(body, display, &present, &e)) == -1) {
		resp_error(r, e.code, "%s", e.msg);
		goto out;
	}
	if ((hash = password_hash(password, auth_conf(r)->password_cost)) == NULL) {
		resp_error(r, ERR_INTERNAL, "could not hash the password");
		goto out;
	}
	st = DB_QUERY(r->ctx->db, S_USER_INSERT, &res, username, hash, role,
	    named == 1 ? display : NULL);
	if (st == DB_UNIQUE)
		resp_error(r, ERR_USERNAME_TAKEN, "the username %s is taken", username);
	else if (st != DB_OK)
		resp_db_error(r, st);
	else {
		resp_json(r, 201, user_json(res, 0));
		resp_header(r, "Location", "/auth/users/%s", PQgetvalue(res, 0, UC_ID));
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
		goto out;
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
	PGresult	*res = NULL;
	enum db_status	 st;

	if ((id = req_id_param(r, "user")) == NULL ||
	    (strcasecmp(id, r->claims->sub) != 0 && still_admin(r) == -1))
		goto out;
	if ((st = DB_QUERY(r->ctx->db, S_USER_BY_ID, &res, id)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(res) == 0)
		resp_error(r, ERR_NOT_FOUND, "no such user");
	else
		resp_json(r, 200, user_json(res, 0));
out:
	PQclear(res);
}

/*
 * Opens the transaction of a change to user id by an admin: takes the admins
 * lock, checks the caller is still an active admin, and reads the user.
 * Returns the user's row (to PQclear), or NULL with the response set (403,
 * 404, 503). Either way the transaction stays open: the caller commits or
 * rolls back.
 */
static PGresult *
admin_change_begin(struct req *r, const char *id)
{
	struct db	*db = r->ctx->db;
	PGresult	*cur = NULL;
	enum db_status	 st;

	if ((st = db_begin(db)) != DB_OK || (st = db_exec0(db, S_ADMINS_LOCK, NULL)) != DB_OK) {
		resp_db_error(r, st);
		return NULL;
	}
	if (still_admin(r) == -1)
		return NULL;
	if ((st = DB_QUERY(db, S_USER_BY_ID, &cur, id)) != DB_OK) {
		resp_db_error(r, st);
		return NULL;
	}
	if (PQntuples(cur) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such user");
		PQclear(cur);
		return NULL;
	}
	return cur;
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
 * Changes role and/or disabled of user id (admin only), and its display name
 * to display (NULL: none) when set_display, revoking the user's refresh
 * tokens when disabling, and their access tokens when disabling or changing
 * the role. Returns the updated row, or NULL with the response set (404, 409
 * last_admin, 503); the caller rolls back.
 */
static PGresult *
patch_admin_fields(struct req *r, const char *id, const char *role, json_t *disabled,
    bool set_display, const char *display)
{
	struct db	*db = r->ctx->db;
	PGresult	*cur = NULL, *res = NULL;
	const char	*dis = disabled == NULL ? NULL : json_is_true(disabled) ? "true" : "false";
	bool		 admin_after, disabling, revoking;
	enum db_status	 st;

	if ((cur = admin_change_begin(r, id)) == NULL)
		return NULL;
	admin_after = strcmp(role != NULL ? role : PQgetvalue(cur, 0, UC_ROLE), "admin") == 0 &&
	    (dis != NULL ? strcmp(dis, "false") == 0 :
	    strcmp(PQgetvalue(cur, 0, UC_DISABLED), "f") == 0);
	disabling = dis != NULL && strcmp(dis, "true") == 0;
	revoking = disabling || (role != NULL && strcmp(role, PQgetvalue(cur, 0, UC_ROLE)) != 0);
	if (keeps_an_admin(r, id, admin_after) == -1)
		goto fail;
	/* The UPDATE locks the user's row before the revocation is dated. */
	st = set_display ? DB_QUERY(db, S_USER_SET_DISPLAY_NAME, NULL, id, display) : DB_OK;
	if (st != DB_OK ||
	    (st = DB_QUERY(db, S_USER_UPDATE, &res, id, role, dis)) != DB_OK ||
	    (disabling && (st = DB_QUERY(db, S_USER_TOKENS_REVOKE, NULL, id)) != DB_OK) ||
	    (revoking && (st = revocation_add(r, id)) != DB_OK) ||
	    (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto fail;
	}
	PQclear(cur);
	return res;
fail:
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
 * (400, 401 invalid_credentials, 404, 429, 503); the caller rolls back.
 */
static PGresult *
patch_password(struct req *r, const char *id, json_t *body)
{
	struct db	*db = r->ctx->db;
	PGresult		*cur = NULL, *res = NULL;
	const char		*current, *password, *username;
	char			*hash = NULL, client[LOGIN_CLIENT_MAX];
	struct input_error	 e;
	enum db_status		 st;

	current = json_string_value(json_object_get(body, "current_password"));
	password = json_string_value(json_object_get(body, "password"));
	if (password == NULL || current == NULL) {
		resp_error(r, ERR_MISSING_FIELD, "changing a password takes both "
		    "\"current_password\" and \"password\"");
		return NULL;
	}
	if (password_rules_check(password, auth_conf(r)->password_min_length, &e) == -1) {
		resp_error(r, e.code, "%s", e.msg);
		return NULL;
	}
	if ((st = DB_QUERY(db, S_USER_BY_ID, &cur, id)) != DB_OK) {
		resp_db_error(r, st);
		return NULL;
	}
	if (PQntuples(cur) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such user");
		goto out;
	}
	username = PQgetvalue(cur, 0, UC_USERNAME);
	if ((st = db_begin(db)) != DB_OK ||
	    (st = DB_QUERY(db, S_LOGIN_LOCK, NULL, username)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	login_client_of(r, client);
	if (login_allowed(r, username, client) == -1)
		goto out;
	/* A disabled account is refused as the login refuses it, after the same work. */
	if (strlen(current) > PASSWORD_MAX_BYTES ||
	    !password_check(current, PQgetvalue(cur, 0, UC_PASSWORD_HASH)) ||
	    strcmp(PQgetvalue(cur, 0, UC_DISABLED), "f") != 0) {
		if ((st = login_failed(r, username, client)) != DB_OK ||
		    (st = db_commit(db)) != DB_OK) {
			resp_db_error(r, st);
			goto out;
		}
		resp_error(r, ERR_INVALID_CREDENTIALS, "current_password is wrong");
		goto out;
	}
	if ((hash = password_hash(password, auth_conf(r)->password_cost)) == NULL) {
		resp_error(r, ERR_INTERNAL, "could not hash the password");
		goto out;
	}
	if ((st = DB_QUERY(db, S_USER_SET_PASSWORD, &res, id, hash)) != DB_OK ||
	    (st = DB_QUERY(db, S_USER_TOKENS_REVOKE, NULL, id)) != DB_OK ||
	    (st = revocation_add(r, id)) != DB_OK ||
	    (st = login_succeeded(r, username, client)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		PQclear(res);
		res = NULL;
		resp_db_error(r, st);
	}
out:
	PQclear(cur);
	free(hash);
	return res;
}

/*
 * Sets the caller's own display name to display (NULL: none). Returns the
 * updated row, or NULL with the response set (404, 503).
 */
static PGresult *
patch_own_display_name(struct req *r, const char *id, const char *display)
{
	PGresult	*res = NULL;
	enum db_status	 st;

	if ((st = DB_QUERY(r->ctx->db, S_USER_SET_DISPLAY_NAME, &res, id, display)) != DB_OK) {
		resp_db_error(r, st);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such user");
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * PATCH /auth/users/{id}
 * admin: {"role","disabled","display_name"}; the user:
 * {"current_password","password"} or {"display_name"}.
 * 200 with the user; 400; 401 invalid_credentials; 403; 404; 409 last_admin;
 * 415; 503. A disable or a password change revokes the user's refresh tokens;
 * these and a role change revoke their access tokens everywhere. A new
 * display name reaches the access tokens issued after it.
 */
void
h_users_patch(struct req *r)
{
	const char		*id, *role;
	json_t			*body = NULL, *disabled;
	PGresult		*res = NULL;
	struct input_error	 e;
	char			 display[TOK_DISPLAY_NAME_MAX + 1];
	bool			 self, admin_fields, password_fields, display_field;
	int			 named;

	if ((id = req_id_param(r, "user")) == NULL || (body = req_json(r)) == NULL)
		goto out;
	if (req_check_fields(r, body, patch_fields, nitems(patch_fields)) == -1)
		goto out;
	if ((named = display_name_of(body, display, &display_field, &e)) == -1) {
		resp_error(r, e.code, "%s", e.msg);
		goto out;
	}
	self = strcasecmp(id, r->claims->sub) == 0;
	role = json_string_value(json_object_get(body, "role"));
	disabled = json_object_get(body, "disabled");
	admin_fields = role != NULL || disabled != NULL;
	password_fields = json_object_get(body, "password") != NULL ||
	    json_object_get(body, "current_password") != NULL;
	if (!admin_fields && !password_fields && !display_field) {
		resp_error(r, ERR_MISSING_FIELD, "nothing to change: give role, disabled, "
		    "display_name, or current_password and password");
		goto out;
	}
	if ((admin_fields || display_field) && password_fields) {
		resp_error(r, ERR_INVALID_FIELD, "change the role, status or display name and "
		    "the password in separate requests");
		goto out;
	}
	if (display_field && !admin_fields && self)
		res = patch_own_display_name(r, id, named == 1 ? display : NULL);
	else if (admin_fields || display_field) {
		if (r->claims->role != ROLE_ADMIN) {
			resp_error(r, ERR_FORBIDDEN, "only an admin may change role, disabled, or "
			    "another user's display_name");
			goto out;
		}
		if (role != NULL && role_check(role, &e) == -1) {
			resp_error(r, e.code, "%s", e.msg);
			goto out;
		}
		res = patch_admin_fields(r, id, role, disabled, display_field,
		    named == 1 ? display : NULL);
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
	db_rollback(r->ctx->db);
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
		goto out;
	active_admin = strcmp(PQgetvalue(cur, 0, UC_ROLE), "admin") == 0 &&
	    strcmp(PQgetvalue(cur, 0, UC_DISABLED), "f") == 0;
	if (keeps_an_admin(r, id, !active_admin) == -1)
		goto out;
	if ((st = DB_QUERY(db, S_USER_DELETE, NULL, id)) != DB_OK ||
	    (st = revocation_add(r, id)) != DB_OK ||
	    (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	resp_empty(r, 204);
out:
	db_rollback(db);
	PQclear(cur);
}
