/*
 * GET /posts: a page of posts, newest first, from their stored list JSON.
 * Without filters it is one prepared query on the published-posts index.
 */
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "nitems.h"
#include "post.h"
#include "encode.h"
#include "text.h"

/* The filters of a list request; NULL when absent. */
struct list_filter {
	const char	*tag, *author, *q, *owner;
	const char	*which;		/* published, draft, scheduled, any */
	const char	*kind;		/* post (the default) or page */
};

/*
 * Reads one text filter of at most max characters: valid UTF-8, no control
 * characters; an empty one counts as absent. Returns 0, or -1 with 400
 * invalid_query set.
 */
static int
text_filter(struct req *r, const char *name, size_t max, const char **out)
{
	const char	*v;
	size_t		 len;
	int		 rc;

	*out = NULL;
	if ((rc = req_query(r, name, &v)) == 1)
		return 0;
	len = rc == 0 ? strlen(v) : 0;
	if (rc == -1 || text_has_control(v, len, false) || !utf8_valid(v, len) ||
	    utf8_length(v) > max) {
		resp_error(r, ERR_INVALID_QUERY, "%s is text of at most %zu characters", name, max);
		return -1;
	}
	if (len > 0)
		*out = v;
	return 0;
}

/*
 * Reads tag, author, q, status and kind. status other than published needs a
 * token, and shows only the caller's own posts unless an editor asks.
 * Returns 0, or -1 with the response set (400 invalid_query, 401).
 */
static int
read_filter(struct req *r, struct list_filter *f)
{
	static const char *const which[] = { "published", "draft", "scheduled", "any" };
	const char	*status, *kind;
	size_t		 i;

	memset(f, 0, sizeof(*f));
	f->which = which[0];
	f->kind = "post";
	if (text_filter(r, "tag", TAG_MAX, &f->tag) == -1 ||
	    text_filter(r, "q", QUERY_MAX, &f->q) == -1 ||
	    text_filter(r, "author", UUID_LEN, &f->author) == -1 ||
	    text_filter(r, "status", 16, &status) == -1 ||
	    text_filter(r, "kind", 8, &kind) == -1)
		return -1;
	if (kind != NULL && strcmp(kind, "post") != 0 && strcmp(kind, "page") != 0) {
		resp_error(r, ERR_INVALID_QUERY, "kind is post or page");
		return -1;
	}
	if (kind != NULL)
		f->kind = kind;
	if (f->author != NULL && !uuid_valid(f->author)) {
		resp_error(r, ERR_INVALID_QUERY, "author is a user id (a UUID)");
		return -1;
	}
	for (i = 0; status != NULL && i < nitems(which); i++)
		if (strcmp(status, which[i]) == 0)
			f->which = which[i];
	if (status != NULL && strcmp(status, f->which) != 0) {
		resp_error(r, ERR_INVALID_QUERY, "status is one of published, draft, scheduled, any");
		return -1;
	}
	if (f->which != which[0]) {
		if (r->claims == NULL) {
			resp_error(r, ERR_MISSING_TOKEN, "listing drafts and scheduled posts needs "
			    "a bearer token");
			return -1;
		}
		if (r->claims->role < ROLE_EDITOR)
			f->owner = r->claims->sub;
	}
	return 0;
}

/*
 * GET /posts?page=&per_page=&tag=&author=&q=&status=&kind= (anyone; status needs a
 * token; kind=page lists pages, which are otherwise left out)
 * 200 with a page of posts (without body and html), newest published_at
 * first, Link and X-Total-Count; 400 invalid_query; 401; 503.
 */
void
h_posts_list(struct req *r)
{
	struct list_filter	 f;
	struct page		 p;
	struct db		*db = srv_db_read(r);
	struct buf		 items = BUF_INIT;
	PGresult		*res = NULL, *count = NULL;
	const char		*cfg = post_conf(r)->search_config;
	char			 limit[24], offset[24];
	long long		 total = 0;
	enum db_status		 st;
	int			 i;

	if (srv_authenticate(r) == -1 || page_parse(r, 10, &p) == -1 || read_filter(r, &f) == -1)
		return;
	page_sql_params(&p, limit, offset);
	if (f.tag == NULL && f.author == NULL && f.q == NULL && f.owner == NULL &&
	    strcmp(f.which, "published") == 0 && strcmp(f.kind, "post") == 0)
		st = DB_QUERY(db, S_LIST_PUBLISHED, &res, limit, offset);
	else
		st = DB_QUERY(db, S_LIST_FILTERED, &res, f.tag, f.author, f.q, cfg,
		    f.which, f.owner, f.kind, limit, offset);
	/* Past the last page there is no row to carry the total: count. */
	if (st == DB_OK && PQntuples(res) == 0 && p.page > 1)
		st = DB_QUERY(db, S_COUNT_FILTERED, &count, f.tag, f.author, f.q, cfg,
		    f.which, f.owner, f.kind);
	if (st != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	buf_puts(&items, "[");
	for (i = 0; i < PQntuples(res); i++) {
		if (i > 0)
			buf_puts(&items, ",");
		post_doc_emit(&items, PQgetvalue(res, i, 1), PQgetvalue(res, i, 0),
		    (size_t)PQgetlength(res, i, 0));
	}
	if (buf_puts(&items, "]") == -1) {
		resp_error(r, ERR_INTERNAL, "out of memory");
		goto out;
	}
	if (count != NULL)
		text_parse_int(PQgetvalue(count, 0, 0), 0, INT64_MAX, &total);
	else if (PQntuples(res) > 0)
		text_parse_int(PQgetvalue(res, 0, 2), 0, INT64_MAX, &total);
	page_respond_raw(r, &p, total, items.data, items.len);
out:
	buf_free(&items);
	PQclear(res);
	PQclear(count);
}
