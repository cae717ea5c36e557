/*
 * GET /posts/{id-or-slug}: one post. The hot path is one prepared query and
 * the post's stored JSON; the renderer runs only to heal media references
 * once Media answers again (heal.c).
 */
#include <string.h>
#include <strings.h>

#include "post.h"
#include "util.h"

bool
may_manage(const struct req *r, bool own)
{
	return r->claims != NULL && (r->claims->role >= ROLE_EDITOR || own);
}

bool
is_author(const struct req *r, const char *author_id)
{
	return r->claims != NULL && strcasecmp(r->claims->sub, author_id) == 0;
}

/* Columns of S_OLD_SLUG. */
enum old_slug_col {
	OC_SLUG, OC_VISIBLE, OC_AUTHOR
};

/* Answers a slug a post had before: 301 to its current slug, or 404. */
static void
redirect_old_slug(struct req *r, const char *slug)
{
	PGresult	*res;
	enum db_status	 st;

	if ((st = DB_QUERY(r->ctx->db, S_OLD_SLUG, &res, slug)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	if (PQntuples(res) == 0 || (strcmp(PQgetvalue(res, 0, OC_VISIBLE), "t") != 0 &&
	    !may_manage(r, is_author(r, PQgetvalue(res, 0, OC_AUTHOR)))))
		resp_error(r, ERR_NOT_FOUND, "no such post");
	else {
		resp_empty(r, 301);
		resp_header(r, "Location", "/posts/%s", PQgetvalue(res, 0, OC_SLUG));
	}
	PQclear(res);
}

/*
 * GET /posts/{id-or-slug} (anyone; a token shows its holder's hidden posts)
 * 200 with the post, ETag, Last-Modified and Cache-Control; 304 for a
 * matching If-None-Match; 301 to the current slug from an old one; 400
 * invalid_precondition (a malformed If-None-Match); 401 for a bad token; 404
 * (also for drafts and scheduled posts of others); 503.
 */
void
h_post_get(struct req *r)
{
	const char	*key = req_param(r, 0), *status, *etag, *if_none_match;
	bool		 by_id = uuid_valid(key);
	PGresult	*res;
	enum db_status	 st;

	if (srv_authenticate(r) == -1 ||
	    req_etag_header(r, "HTTP_IF_NONE_MATCH", &if_none_match) == -1)
		return;
	if (!by_id && !slug_shaped(key)) {
		resp_error(r, ERR_NOT_FOUND, "no such post");
		return;
	}
	st = DB_QUERY(r->ctx->db, by_id ? S_POST_BY_ID : S_POST_BY_SLUG, &res, key,
	    r->claims != NULL ? r->claims->sub : NULL);
	if (st != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	if (PQntuples(res) == 0) {
		if (by_id)
			resp_error(r, ERR_NOT_FOUND, "no such post");
		else
			redirect_old_slug(r, key);
		goto out;
	}
	status = post_status(PQgetvalue(res, 0, RC_STATUS),
	    strcmp(PQgetvalue(res, 0, RC_TIME_COME), "t") == 0);
	if (strcmp(status, "published") != 0 &&
	    !may_manage(r, strcmp(PQgetvalue(res, 0, RC_OWN), "t") == 0)) {
		resp_error(r, ERR_NOT_FOUND, "no such post");
		goto out;
	}
	if (strcmp(PQgetvalue(res, 0, RC_UNRESOLVED), "t") == 0 && heal_post(r, res))
		goto out;
	etag = PQgetvalue(res, 0, RC_ETAG);
	if (etag_matches(if_none_match, etag, true))
		resp_empty(r, 304);
	else
		post_doc_answer(r, 200, status, PQgetvalue(res, 0, RC_DOC),
		    (size_t)PQgetlength(res, 0, RC_DOC));
	post_cache_headers(r, strcmp(status, "published") == 0, etag,
	    PQgetvalue(res, 0, RC_MODIFIED));
out:
	PQclear(res);
}
