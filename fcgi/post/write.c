/*
 * Writes: POST /posts, PATCH /posts/{id}, DELETE /posts/{id}.
 *
 * A write checks everything first (bad input changes nothing), renders the
 * Markdown (asking Media, outside any transaction), then in one transaction
 * stores the post, its JSON, a revision and any slug redirect, and tells
 * every node which reader pages it deletes (a NOTIFY delivered with the
 * commit, site_nodes.c); this node deletes them after the commit. PATCH is
 * optimistic: it updates only the version and rendition the client's
 * If-Match named, so of two concurrent editors the second gets 412.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "post.h"
#include "nitems.h"
#include "times.h"

#define SLUG_ATTEMPTS	5	/* races for a generated slug before giving up */

/* What a write stores, gathered from the request (and the current post). */
struct post_write {
	const char	*slug, *title, *body, *status;
	const char	*published_at;	/* NULL: none */
	const char	*excerpt;
	bool		 excerpt_given;
	char		*tags;		/* JSON array text, to free */
	char		*media;		/* JSON array text, to free */
	struct render	 render;
	const char	*kind;		/* post or page */
	const char	*tags_now;	/* PATCH: the post's tags (JSON) when not given */
	char		*tag_slugs;	/* JSON array text, to free */
};

/* Frees what a write made (the strings it borrows stay). */
static void
post_write_free(struct post_write *w)
{
	free(w->tags);
	free(w->media);
	free(w->tag_slugs);
	render_free(&w->render);
}

/*
 * Reads the JSON body and checks its fields. Returns the body (a reference
 * the caller releases), or NULL with the response set (400, 413, 415).
 */
static json_t *
read_input(struct req *r, bool create, struct post_input *in)
{
	struct input_error	 e;
	json_t			*body;

	if ((body = req_json(r)) == NULL)
		return NULL;
	if (req_check_fields(r, body, post_fields, nitems(post_fields))
	    == -1)
		goto fail;
	if (post_input_read(body, create, in, &e) == -1) {
		resp_error(r, e.code, "%s", e.msg);
		goto fail;
	}
	return body;
fail:
	json_decref(body);
	return NULL;
}

/*
 * Checks the status the write leaves, then renders w->body (asking Media
 * through the breaker) and fills the derived fields of w. Returns 0, or -1
 * with the response set (400, 422 body_too_complex, 500).
 */
static int
prepare(struct req *r, struct post_write *w, const struct post_input *in, json_t *tags)
{
	struct input_error	 e;
	time_t			 when = 0;

	if (w->published_at != NULL)
		time_parse_rfc3339(w->published_at, &when);
	if (post_status_check(w->status, w->published_at != NULL ? w->published_at : "", when,
	    in->status != NULL || in->has_published_at, time(NULL), &e) == -1) {
		resp_error(r, e.code, "%s", e.msg);
		return -1;
	}
	if (post_render_write(r, w->body, strlen(w->body), &w->render) == -1)
		return -1;
	if (!w->excerpt_given)
		w->excerpt = w->render.excerpt;
	if ((tags != NULL && (w->tags = json_dumps(tags, JSON_COMPACT)) == NULL) ||
	    (w->media = json_dumps(w->render.media, JSON_COMPACT)) == NULL ||
	    (w->tag_slugs = tag_slugs_json(w->tags != NULL ? w->tags : w->tags_now != NULL ?
	    w->tags_now : "[]")) == NULL) {
		resp_error(r, ERR_INTERNAL, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Inserts the post in one transaction, with its first revision. A slug a
 * hidden post holds is taken from it (slugs.c); a slug that another writer
 * took meanwhile is claimed or picked again. Answers 201 with Location, or
 * 409 slug_taken for a given slug a post the caller may read holds, or 503.
 */
static void
insert_post(struct req *r, const struct post_write *w, bool slug_given)
{
	struct db	*db = r->ctx->db;
	const struct claims *c = r->claims;
	struct inval	 inv = { BUF_INIT, false, BUF_INIT, 0 };
	PGresult	*res = NULL;
	char		 slug[SLUG_MAX + 1];
	enum db_status	 st;
	int		 attempt, rc;

	for (attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
		if ((st = db_begin(db)) != DB_OK) {
			resp_db_error(r, st);
			return;
		}
		if (slug_given)
			snprintf(slug, sizeof(slug), "%s", w->slug);
		else if (slug_pick(r, w->slug, slug) == -1)
			goto fail;
		if ((rc = slug_claim(r, slug, NULL)) == -1)
			goto fail;
		if (rc == 1 && slug_given) {
			resp_error(r, ERR_SLUG_TAKEN, "the slug %s is taken", slug);
			goto fail;
		}
		if (rc == 1) {
			db_rollback(db);	/* picked, then taken by a concurrent write */
			continue;
		}
		st = DB_QUERY(db, S_POST_INSERT, &res, slug, w->title, w->body, w->render.html,
		    w->excerpt, w->excerpt_given ? "true" : "false", w->status, w->published_at,
		    c->sub, c->name, w->tags != NULL ? w->tags : "[]", w->media,
		    w->render.unresolved > 0 ? "true" : "false", post_conf(r)->search_config,
		    w->kind, w->tag_slugs);
		if (st == DB_UNIQUE) {
			db_rollback(db);	/* a concurrent write: claim again */
			continue;
		}
		if (st != DB_OK || (st = DB_QUERY(db, S_REVISION_INSERT, NULL,
		    PQgetvalue(res, 0, DC_ID), c->sub)) != DB_OK) {
			resp_db_error(r, st);
			goto fail;
		}
		inval_changed(r, &inv, NULL, res);
		if (post_store_and_answer(r, res, 201, true, &inv) == 0)
			post_answer_warnings(r, w->render.warnings);
		PQclear(res);
		inval_free(&inv);
		return;
	}
	resp_error(r, ERR_CONFLICT, "no free slug was found; try again");
	return;
fail:
	db_rollback(db);
	PQclear(res);
}

/*
 * POST /posts (author, editor, admin)
 * {"title","body","slug"?,"status"?,"published_at"?,"tags"?,"excerpt"?}
 * 201 with Location, ETag and the post; 400 (fields, invalid_slug,
 * control_character, media references); 409 slug_taken; 422 body_too_complex
 * (over render_budget); 413 (a body over
 * 1 MiB, or a request over max_body); 415; 503.
 */
void
h_post_create(struct req *r)
{
	struct post_input	 in;
	struct post_write	 w = { 0 };
	json_t			*body;
	char			 base[SLUG_BASE_MAX + 1];

	if ((body = read_input(r, true, &in)) == NULL)
		return;
	if (in.slug == NULL && slug_from_title(in.title, base) == 0)
		snprintf(base, sizeof(base), "post");
	w.slug = in.slug != NULL ? in.slug : base;
	w.title = in.title;
	w.body = in.body;
	w.status = in.status != NULL ? in.status : "draft";
	w.published_at = in.has_published_at && in.published_at[0] != '\0' ? in.published_at :
	    NULL;
	w.excerpt_given = in.excerpt != NULL;
	w.excerpt = in.excerpt;
	w.kind = in.kind != NULL ? in.kind : "post";
	if (prepare(r, &w, &in, in.tags) == 0)
		insert_post(r, &w, in.slug != NULL);
	post_write_free(&w);
	post_input_free(&in);
	json_decref(body);
}

/*
 * Checks that the caller may change a post of author (404 when it may not
 * even see it, else 403) and that if_match, when given, names its etag
 * (412). Returns 0, or -1 with the response set.
 */
static int
may_change(struct req *r, const char *author, bool visible, const char *if_match,
    const char *etag)
{
	if (!may_manage(r, is_author(r, author))) {
		if (visible)
			resp_error(r, ERR_FORBIDDEN, "only its author or an editor may change a post");
		else
			resp_error(r, ERR_NOT_FOUND, "no such post");
		return -1;
	}
	if (if_match != NULL && !etag_matches(if_match, etag, false)) {
		resp_error(r, ERR_PRECONDITION_FAILED, "the post changed since: read it again "
		    "(its ETag is %s)", etag);
		return -1;
	}
	return 0;
}

/*
 * Merges the request into the current post (row 0 of cur, S_POST_FOR_WRITE).
 * The strings stay borrowed from in and cur.
 */
static void
merge(struct post_write *w, const struct post_input *in, PGresult *cur)
{
	w->slug = in->slug != NULL ? in->slug : PQgetvalue(cur, 0, DC_SLUG);
	w->kind = in->kind != NULL ? in->kind : PQgetvalue(cur, 0, DC_KIND);
	w->tags_now = PQgetvalue(cur, 0, DC_TAGS);
	w->title = in->title != NULL ? in->title : PQgetvalue(cur, 0, DC_TITLE);
	w->body = in->body != NULL ? in->body : PQgetvalue(cur, 0, DC_BODY);
	w->status = in->status != NULL ? in->status : PQgetvalue(cur, 0, DC_STORED_STATUS);
	if (in->has_published_at)
		w->published_at = in->published_at[0] != '\0' ? in->published_at : NULL;
	else if (!PQgetisnull(cur, 0, DC_PUBLISHED))
		w->published_at = PQgetvalue(cur, 0, DC_PUBLISHED);
	if (in->excerpt != NULL) {
		w->excerpt_given = true;
		w->excerpt = in->excerpt;
	} else if (!in->excerpt_null && strcmp(PQgetvalue(cur, 0, DC_EXCERPT_GIVEN), "t") == 0) {
		w->excerpt_given = true;
		w->excerpt = PQgetvalue(cur, 0, DC_EXCERPT);
	}
}

/*
 * Stores the merged post over version and rendition of cur, in one
 * transaction with its revision and, when the slug changed, the redirect
 * from the old one (a slug a hidden post holds is taken from it, see
 * slugs.c). Answers 200, 409 slug_taken (a post the caller may read holds
 * the slug), 412 (changed since), 503.
 */
static void
update_post(struct req *r, const struct post_write *w, PGresult *cur)
{
	struct db	*db = r->ctx->db;
	struct inval	 inv = { BUF_INIT, false, BUF_INIT, 0 };
	PGresult	*res = NULL;
	const char	*id = PQgetvalue(cur, 0, DC_ID), *old_slug = PQgetvalue(cur, 0, DC_SLUG);
	bool		 renamed = strcmp(old_slug, w->slug) != 0;
	enum db_status	 st;
	int		 attempt, rc;

	for (attempt = 0; attempt < SLUG_ATTEMPTS; attempt++) {
		if ((st = db_begin(db)) != DB_OK) {
			resp_db_error(r, st);
			return;
		}
		if (renamed && (rc = slug_claim(r, w->slug, id)) != 0) {
			if (rc == 1)
				resp_error(r, ERR_SLUG_TAKEN, "the slug %s is taken", w->slug);
			goto fail;
		}
		st = DB_QUERY(db, S_POST_UPDATE, &res, id, PQgetvalue(cur, 0, DC_VERSION),
		    PQgetvalue(cur, 0, DC_RENDITION), w->slug, w->title, w->body, w->render.html,
		    w->excerpt, w->excerpt_given ? "true" : "false", w->status, w->published_at,
		    w->tags != NULL ? w->tags : PQgetvalue(cur, 0, DC_TAGS), w->media,
		    w->render.unresolved > 0 ? "true" : "false", post_conf(r)->search_config,
		    w->kind, w->tag_slugs);
		if (st == DB_UNIQUE) {
			db_rollback(db);	/* a concurrent write: claim again */
			continue;
		}
		if (st == DB_OK && PQntuples(res) == 0)
			resp_error(r, ERR_PRECONDITION_FAILED, "the post changed while this edit "
			    "was made; read it again");
		else if (st != DB_OK || (st = DB_QUERY(db, S_REVISION_INSERT, NULL, id,
		    r->claims->sub)) != DB_OK || (renamed &&
		    (st = DB_QUERY(db, S_OLD_SLUG_ADD, NULL, old_slug, id)) != DB_OK))
			resp_db_error(r, st);
		else {
			inval_changed(r, &inv, cur, res);
			if (post_store_and_answer(r, res, 200, false, &inv) == 0)
				post_answer_warnings(r, w->render.warnings);
			PQclear(res);
			inval_free(&inv);
			return;
		}
		goto fail;
	}
	resp_error(r, ERR_CONFLICT, "the slug %s was taken meanwhile; try again", w->slug);
	return;
fail:
	db_rollback(db);
	PQclear(res);
}

/*
 * PATCH /posts/{id} (its author, an editor, an admin) with If-Match
 * Any of the fields of POST; "excerpt": null makes it generated again.
 * 200 with the post and its new ETag; 400 (invalid_precondition for a
 * malformed If-Match); 403; 404; 409 slug_taken; 412 for a stale If-Match;
 * 413; 415; 422 body_too_complex; 428 without If-Match; 503.
 */
void
h_post_patch(struct req *r)
{
	struct post_input	 in;
	struct post_write	 w = { 0 };
	const char		*id, *if_match;
	PGresult		*cur = NULL;
	json_t			*body;
	enum db_status		 st;
	char			 etag[ETAG_MAX];

	if ((id = req_id_param(r, "post")) == NULL ||
	    req_etag_header(r, "HTTP_IF_MATCH", &if_match) == -1)
		return;
	if (if_match == NULL) {
		resp_error(r, ERR_PRECONDITION_REQUIRED, "a change needs If-Match with the post's "
		    "ETag, so that no one else's change is lost");
		return;
	}
	if ((body = read_input(r, false, &in)) == NULL)
		return;
	if ((st = DB_QUERY(r->ctx->db, S_POST_FOR_WRITE, &cur, id)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(cur) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such post");
		goto out;
	}
	post_etag(id, PQgetvalue(cur, 0, DC_VERSION), PQgetvalue(cur, 0, DC_RENDITION), etag);
	if (may_change(r, PQgetvalue(cur, 0, DC_AUTHOR),
	    strcmp(PQgetvalue(cur, 0, DC_VISIBLE), "t") == 0, if_match, etag) == -1)
		goto out;
	merge(&w, &in, cur);
	if (prepare(r, &w, &in, in.tags) == 0)
		update_post(r, &w, cur);
out:
	post_write_free(&w);
	PQclear(cur);
	post_input_free(&in);
	json_decref(body);
}

/*
 * DELETE /posts/{id} (its author, an editor, an admin); If-Match optional
 * 204: the post, its revisions and redirects are gone; 400
 * (invalid_precondition for a malformed If-Match); 403; 404; 412 for a
 * stale If-Match; 503. The deletion and the NOTIFY of its pages are one
 * transaction; the pages go here after its commit.
 */
void
h_post_delete(struct req *r)
{
	struct db	*db = r->ctx->db;
	struct inval	 inv = { BUF_INIT, false, BUF_INIT, 0 };
	const char	*id, *if_match;
	PGresult	*cur = NULL, *res = NULL;
	enum db_status	 st;

	if ((id = req_id_param(r, "post")) == NULL ||
	    req_etag_header(r, "HTTP_IF_MATCH", &if_match) == -1)
		return;
	if ((st = DB_QUERY(db, S_POST_META, &cur, id)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	if (PQntuples(cur) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such post");
		goto out;
	}
	if (may_change(r, PQgetvalue(cur, 0, MC_AUTHOR),
	    strcmp(PQgetvalue(cur, 0, MC_VISIBLE), "t") == 0, if_match,
	    PQgetvalue(cur, 0, MC_ETAG)) == -1)
		goto out;
	if ((st = db_begin(db)) != DB_OK || (st = DB_QUERY(db, S_POST_DELETE, &res, id,
	    if_match != NULL ? PQgetvalue(cur, 0, MC_ETAG) : NULL)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(res) == 0) {
		resp_error(r, if_match != NULL ? ERR_PRECONDITION_FAILED : ERR_NOT_FOUND,
		    "the post changed or went meanwhile");
		goto out;
	}
	inval_changed(r, &inv, res, NULL);
	if ((st = site_tell(r->ctx, &inv)) != DB_OK || (st = db_commit(db)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	site_forget(r->ctx, &inv);
	resp_empty(r, 204);
out:
	db_rollback(db);
	inval_free(&inv);
	PQclear(res);
	PQclear(cur);
}
