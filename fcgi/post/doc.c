/*
 * A post's JSON and validators. They are built once, when the post is
 * written, and stored (doc with body and html, item without, for lists;
 * the ETag and Last-Modified), so that a read sends stored bytes. "status"
 * alone is left out, because a scheduled post becomes published with time:
 * a read puts it in front.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "post.h"
#include "encode.h"
#include "text.h"
#include "times.h"

/* Returns a new JSON value parsed from column col of row, or NULL. */
static json_t *
json_column(PGresult *res, int row, int col)
{
	return json_loads(PQgetvalue(res, row, col), 0, NULL);
}

int
post_doc_build(PGresult *res, int row, char **doc, char **item)
{
	json_t		*j;
	long long	 version = 0;
	int		 rc = -1;

	*doc = *item = NULL;
	text_parse_int(PQgetvalue(res, row, DC_VERSION), 1, INT32_MAX, &version);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o*, s:o*, s:s, s:s, s:s?, "
	    "s:I}",
	    "kind", PQgetvalue(res, row, DC_KIND),
	    "id", PQgetvalue(res, row, DC_ID),
	    "slug", PQgetvalue(res, row, DC_SLUG),
	    "title", PQgetvalue(res, row, DC_TITLE),
	    "body", PQgetvalue(res, row, DC_BODY),
	    "html", PQgetvalue(res, row, DC_HTML),
	    "excerpt", PQgetvalue(res, row, DC_EXCERPT),
	    "author_id", PQgetvalue(res, row, DC_AUTHOR),
	    "author_name", PQgetvalue(res, row, PQgetisnull(res, row, DC_AUTHOR_DISPLAY) ?
		DC_AUTHOR_NAME : DC_AUTHOR_DISPLAY),
	    "tags", json_column(res, row, DC_TAGS),
	    "media", json_column(res, row, DC_MEDIA),
	    "created_at", PQgetvalue(res, row, DC_CREATED),
	    "updated_at", PQgetvalue(res, row, DC_UPDATED),
	    "published_at", PQgetisnull(res, row, DC_PUBLISHED) ? NULL :
		PQgetvalue(res, row, DC_PUBLISHED),
	    "version", (json_int_t)version);
	if (j == NULL || (*doc = json_dumps(j, JSON_COMPACT)) == NULL)
		goto out;
	json_object_del(j, "body");
	json_object_del(j, "html");
	if ((*item = json_dumps(j, JSON_COMPACT)) == NULL)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		free(*doc);
		*doc = NULL;
	}
	json_decref(j);
	return rc;
}

void
post_doc_emit(struct buf *b, const char *status, const char *doc, size_t len)
{
	buf_printf(b, "{\"status\":\"%s\",", status);
	if (len > 1)
		buf_append(b, doc + 1, len - 1);
}

void
post_doc_answer(struct req *r, int http_status, const char *status, const char *doc,
    size_t len)
{
	r->status = http_status;
	r->content_type = "application/json";
	buf_reset(&r->out);
	post_doc_emit(&r->out, status, doc, len);
}

void
post_etag(const char *id, const char *version, const char *rendition, char out[ETAG_MAX])
{
	snprintf(out, ETAG_MAX, "\"%s.%s.%s\"", id, version, rendition);
}

int
post_etag_id(const char *etag, char id[UUID_LEN + 1])
{
	if (strlen(etag) < UUID_LEN + 2 || etag[UUID_LEN + 1] != '.')
		return -1;
	memcpy(id, etag + 1, UUID_LEN);
	id[UUID_LEN] = '\0';
	return uuid_valid(id) ? 0 : -1;
}

const char *
post_status(const char *stored, bool time_come)
{
	if (strcmp(stored, "draft") == 0)
		return "draft";
	return time_come ? "published" : "scheduled";
}

void
post_cache_headers(struct req *r, bool visible, const char *etag, const char *last_modified)
{
	resp_header(r, "Cache-Control", visible ? "public, max-age=60" : "private, no-store");
	resp_header(r, "ETag", "%s", etag);
	resp_header(r, "Last-Modified", "%s", last_modified);
}

void
post_answer_warnings(struct req *r, json_t *warnings)
{
	char	*text;

	if (json_array_size(warnings) == 0 || r->out.len < 2 ||
	    r->out.data[r->out.len - 1] != '}' ||
	    (text = json_dumps(warnings, JSON_COMPACT)) == NULL)
		return;
	r->out.data[--r->out.len] = '\0';
	buf_printf(&r->out, ",\"warnings\":%s}", text);
	free(text);
}

/*
 * Builds and stores the JSON, ETag and Last-Modified of the post in row of
 * res (DOC_COLUMNS); fills etag and modified, and *doc (to free) when doc is
 * not NULL. Returns DB_OK, DB_ERROR when out of memory, or the store's
 * status. Sets no response.
 */
static enum db_status
doc_store_row(struct db *db, PGresult *res, int row, char etag[ETAG_MAX], char modified[30],
    char **doc)
{
	const char	*id = PQgetvalue(res, row, DC_ID);
	char		*d, *item;
	long long	 updated = 0;
	enum db_status	 st;

	if (post_doc_build(res, row, &d, &item) == -1)
		return DB_ERROR;
	post_etag(id, PQgetvalue(res, row, DC_VERSION), PQgetvalue(res, row, DC_RENDITION), etag);
	text_parse_int(PQgetvalue(res, row, DC_UPDATED_EPOCH), 0, INT64_MAX, &updated);
	time_http((time_t)updated, modified);
	st = DB_QUERY(db, S_POST_SET_DOC, NULL, id, d, item, etag, modified);
	free(item);
	if (st != DB_OK || doc == NULL)
		free(d);
	else
		*doc = d;
	return st;
}

/*
 * Builds and stores the JSON, ETag and Last-Modified of the post written in
 * res (row 0) inside the caller's transaction; fills etag and modified, and
 * *doc (to free) when doc is not NULL. Returns 0, or -1 with the response
 * set (500, 503).
 */
static int
doc_store(struct req *r, PGresult *res, char etag[ETAG_MAX], char modified[30], char **doc)
{
	enum db_status	 st;

	if ((st = doc_store_row(r->ctx->db, res, 0, etag, modified, doc)) == DB_OK)
		return 0;
	if (st == DB_ERROR)
		resp_error(r, ERR_INTERNAL, "out of memory");
	else
		resp_db_error(r, st);
	return -1;
}

enum db_status
post_docs_restore(struct db *db, PGresult *res)
{
	char		 etag[ETAG_MAX], modified[30];
	enum db_status	 st = DB_OK;
	int		 i;

	for (i = 0; i < PQntuples(res) && st == DB_OK; i++)
		st = doc_store_row(db, res, i, etag, modified, NULL);
	return st;
}

int
post_doc_store(struct req *r, PGresult *res, char etag[ETAG_MAX], char modified[30])
{
	return doc_store(r, res, etag, modified, NULL);
}

int
post_store_and_answer(struct req *r, PGresult *res, int status, bool location,
    struct inval *inv)
{
	struct db	*db = r->ctx->db;
	char		*doc = NULL, etag[ETAG_MAX], modified[30];
	enum db_status	 st;

	if (doc_store(r, res, etag, modified, &doc) == -1) {
		db_rollback(db);
		return -1;
	}
	/* The other nodes hear of it with the commit, and only then. */
	if ((inv != NULL && (st = site_tell(r->ctx, inv)) != DB_OK) ||
	    (st = db_commit(db)) != DB_OK) {
		db_rollback(db);
		resp_db_error(r, st);
	} else {
		if (inv != NULL)
			site_forget(r->ctx, inv);
		post_doc_answer(r, status, PQgetvalue(res, 0, DC_STATUS), doc, strlen(doc));
		/* Only a read may be kept by caches; a write's answer is the writer's. */
		post_cache_headers(r, strcmp(PQgetvalue(res, 0, DC_VISIBLE), "t") == 0 &&
		    strcmp(r->method, "GET") == 0, etag, modified);
		if (location)
			resp_header(r, "Location", "/posts/%s", PQgetvalue(res, 0, DC_ID));
	}
	free(doc);
	return st == DB_OK ? 0 : -1;
}
