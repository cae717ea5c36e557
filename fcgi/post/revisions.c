/* GET /posts/{id}/revisions: every version of a post, newest first. */
#include <stdio.h>
#include <string.h>

#include "page.h"
#include "post.h"
#include "text.h"

/* Columns of S_REVISIONS; keep in sync with the statement in stmts.c. */
enum rev_col {
	VC_VERSION, VC_SLUG, VC_TITLE, VC_BODY, VC_EXCERPT, VC_STATUS, VC_TAGS, VC_PUBLISHED,
	VC_EDITOR, VC_CREATED, VC_TOTAL
};

/* Returns a new JSON object for revision row i of res, or NULL. */
static json_t *
revision_json(PGresult *res, int i)
{
	long long	 version = 0;

	text_parse_int(PQgetvalue(res, i, VC_VERSION), 1, INT32_MAX, &version);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o*, s:s?, s:s, s:s}",
	    "version", (json_int_t)version,
	    "slug", PQgetvalue(res, i, VC_SLUG),
	    "title", PQgetvalue(res, i, VC_TITLE),
	    "body", PQgetvalue(res, i, VC_BODY),
	    "excerpt", PQgetvalue(res, i, VC_EXCERPT),
	    "status", PQgetvalue(res, i, VC_STATUS),
	    "tags", json_loads(PQgetvalue(res, i, VC_TAGS), 0, NULL),
	    "published_at", PQgetisnull(res, i, VC_PUBLISHED) ? NULL :
		PQgetvalue(res, i, VC_PUBLISHED),
	    "editor_id", PQgetvalue(res, i, VC_EDITOR),
	    "created_at", PQgetvalue(res, i, VC_CREATED));
}

/*
 * Checks that post id exists and the caller may see its revisions (its
 * author, an editor, an admin). Returns 0, or -1 with the response set
 * (403, 404, 503).
 */
static int
revisions_allowed(struct req *r, const char *id)
{
	PGresult	*res;
	enum db_status	 st;
	int		 rc = -1;

	if ((st = DB_QUERY(r->ctx->db, S_POST_META, &res, id)) != DB_OK) {
		resp_db_error(r, st);
		return -1;
	}
	if (PQntuples(res) == 0 || (!may_manage(r, is_author(r, PQgetvalue(res, 0, MC_AUTHOR))) &&
	    strcmp(PQgetvalue(res, 0, MC_VISIBLE), "t") != 0))
		resp_error(r, ERR_NOT_FOUND, "no such post");
	else if (!may_manage(r, is_author(r, PQgetvalue(res, 0, MC_AUTHOR))))
		resp_error(r, ERR_FORBIDDEN, "only its author or an editor may read the revisions "
		    "of a post");
	else
		rc = 0;
	PQclear(res);
	return rc;
}

/*
 * GET /posts/{id}/revisions?page=&per_page= (the post's author, an editor, an admin)
 * 200 with a page of revisions ({"version","slug","title","body","excerpt",
 * "status","tags","published_at","editor_id","created_at"}), newest first;
 * 400 invalid_id, invalid_query; 403; 404; 503.
 */
void
h_revisions_list(struct req *r)
{
	const char	*id;
	struct page	 p;
	PGresult	*res = NULL, *count = NULL;
	char		 limit[24], offset[24];
	long long	 total = 0;
	enum db_status	 st;
	json_t		*items;
	int		 i;

	if ((id = req_id_param(r, "post")) == NULL || page_parse(r, 10, &p) == -1 ||
	    revisions_allowed(r, id) == -1)
		return;
	page_sql_params(&p, limit, offset);
	if ((st = DB_QUERY(r->ctx->db, S_REVISIONS, &res, id, limit, offset)) == DB_OK &&
	    PQntuples(res) == 0)
		st = DB_QUERY(r->ctx->db, S_REVISION_COUNT, &count, id);
	if (st != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	items = json_array();
	for (i = 0; i < PQntuples(res); i++)
		json_array_append_new(items, revision_json(res, i));
	text_parse_int(count != NULL ? PQgetvalue(count, 0, 0) : PQgetvalue(res, 0, VC_TOTAL), 0,
	    INT64_MAX, &total);
	page_respond(r, &p, total, items);
out:
	PQclear(res);
	PQclear(count);
}
