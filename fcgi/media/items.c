/*
 * Items: GET /media/{id} (public metadata, what Post reads to render
 * ![alt](media:ID)), GET /media, PATCH and DELETE /media/{id}.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "media.h"
#include "page.h"
#include "util.h"

#define COL_OWNER	1

static const struct field patch_fields[] = {
	{ "alt", JSON_STRING, true, false },
};

int
media_id_param(struct req *r, char id[UUID_LEN + 1])
{
	const char	*s;

	if ((s = req_id_param(r, "media")) == NULL)
		return -1;
	memcpy(id, s, UUID_LEN + 1);
	return 0;
}

int
alt_check(struct req *r, const char *alt, size_t len)
{
	if (!utf8_valid(alt, len)) {
		resp_error(r, ERR_INVALID_UTF8, "alt is not valid UTF-8");
		return -1;
	}
	if (has_control(alt, len, false)) {
		resp_error(r, ERR_CONTROL_CHARACTER, "alt holds a control character");
		return -1;
	}
	if (utf8_count(alt, len) > ALT_MAX_CHARS) {
		resp_error(r, ERR_INVALID_FIELD, "alt is longer than %d characters", ALT_MAX_CHARS);
		return -1;
	}
	return 0;
}

PGresult *
item_fetch(struct req *r, char id[UUID_LEN + 1])
{
	PGresult	*res;
	enum db_status	 st;

	if (media_id_param(r, id) == -1)
		return NULL;
	if ((st = DB_QUERY(r->ctx->db, S_ITEM_BY_ID, &res, id)) != DB_OK) {
		resp_db_error(r, st);
		return NULL;
	}
	if (PQntuples(res) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such media item");
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * Reads the item of the path's {id} for a change by the caller: the owner,
 * an editor or an admin. Returns its row (to PQclear), or NULL with the
 * response set (400 invalid_id, 403, 404, 503).
 */
static PGresult *
item_for_change(struct req *r, char id[UUID_LEN + 1])
{
	PGresult	*res;

	if ((res = item_fetch(r, id)) == NULL)
		return NULL;
	if (r->claims->role < ROLE_EDITOR &&
	    strcasecmp(PQgetvalue(res, 0, COL_OWNER), r->claims->sub) != 0) {
		resp_error(r, ERR_FORBIDDEN, "only its owner, an editor or an admin may change "
		    "this item");
		PQclear(res);
		return NULL;
	}
	return res;
}

/*
 * GET /media/{id} (public)
 * 200 {"id","owner_id","mime","width","height","bytes","sha256","alt",
 * "created_at","urls":{"original","variants":{"320",…}}}; 400 invalid_id;
 * 404; 503.
 */
void
h_media_get(struct req *r)
{
	PGresult	*res;
	char		 id[UUID_LEN + 1];

	if ((res = item_fetch(r, id)) == NULL)
		return;
	resp_json(r, 200, item_json(media_state(r), res, 0));
	PQclear(res);
}

/*
 * GET /media?page=&per_page=&owner= (author and up)
 * 200 with a page of items, oldest first: an author's own; an editor's or
 * admin's everyone's, or owner's. 400 invalid_query; 403 (an author asking
 * for another owner); 503.
 */
void
h_media_list(struct req *r)
{
	struct page	 p;
	PGresult	*count = NULL, *res = NULL;
	const char	*owner = NULL;
	char		 limit[24], offset[24];
	enum db_status	 st;
	json_t		*items;
	int		 i, rc;

	if (page_parse(r, 20, &p) == -1)
		return;
	if ((rc = req_query(r, "owner", &owner)) == -1 || (rc == 0 && !uuid_valid(owner))) {
		resp_error(r, ERR_INVALID_QUERY, "owner must be a user id (a UUID)");
		return;
	}
	if (r->claims->role < ROLE_EDITOR) {
		if (owner != NULL && strcasecmp(owner, r->claims->sub) != 0) {
			resp_error(r, ERR_FORBIDDEN, "an author lists only their own items");
			return;
		}
		owner = r->claims->sub;
	}
	page_sql_params(&p, limit, offset);
	if ((st = DB_QUERY(r->ctx->db, S_ITEM_COUNT, &count, owner)) != DB_OK ||
	    (st = DB_QUERY(r->ctx->db, S_ITEM_LIST, &res, owner, limit, offset)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, item_json(media_state(r), res, i));
	page_respond(r, &p, strtoll(PQgetvalue(count, 0, 0), NULL, 10), items);
out:
	PQclear(count);
	PQclear(res);
}

/*
 * PATCH /media/{id} {"alt"} (the owner, an editor or an admin)
 * 200 with the item; 400 (invalid_id, fields, invalid_field past 1000
 * characters, control_character); 403; 404; 415; 503.
 */
void
h_media_patch(struct req *r)
{
	PGresult	*item, *res = NULL;
	json_t		*body = NULL, *alt;
	char		 id[UUID_LEN + 1];
	enum db_status	 st;

	if ((item = item_for_change(r, id)) == NULL)
		return;
	if ((body = req_json(r)) == NULL || req_check_fields(r, body, patch_fields, 1) == -1)
		goto out;
	alt = json_object_get(body, "alt");
	if (alt_check(r, json_string_value(alt), json_string_length(alt)) == -1)
		goto out;
	if ((st = DB_QUERY(r->ctx->db, S_ITEM_SET_ALT, &res, id, json_string_value(alt))) != DB_OK)
		resp_db_error(r, st);
	else if (PQntuples(res) == 0)
		resp_error(r, ERR_NOT_FOUND, "no such media item");
	else
		resp_json(r, 200, item_json(media_state(r), res, 0));
out:
	PQclear(res);
	PQclear(item);
	json_decref(body);
}

/*
 * DELETE /media/{id} (the owner, an editor or an admin)
 * 204: the row, the original and every cached file are gone; 400; 403;
 * 404; 500 when cached files could not be removed; 503.
 */
void
h_media_delete(struct req *r)
{
	PGresult	*item;
	char		 id[UUID_LEN + 1];
	enum db_status	 st;

	if ((item = item_for_change(r, id)) == NULL)
		return;
	PQclear(item);
	if ((st = DB_QUERY(r->ctx->db, S_ITEM_DELETE, NULL, id)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	if (cache_remove_item(media_conf(r)->cache_dir, id) == -1) {
		log_msg("cannot remove the cached files of %s: %s", id, strerror(errno));
		resp_error(r, ERR_INTERNAL, "the item is deleted, but not all its cached files");
		return;
	}
	resp_empty(r, 204);
}
