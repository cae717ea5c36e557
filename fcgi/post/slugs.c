/*
 * Slugs inside a write's transaction: picking a free one, claiming one.
 *
 * What a slug answer may reveal. An author may read the published posts
 * and their own; drafts and scheduled posts of others are hidden from them
 * (404). A slug is unique, current or old (an old slug redirects to its
 * post, and only that post may take it back), so a request for a slug that
 * a hidden post holds could only be refused by revealing that post. Here a
 * post hidden from the caller never blocks a slug, it gives way:
 *
 * - a hidden post's current slug: the post is renamed to
 *   "<slug>-<hex of its own id>" (a new version, with a revision by the nil
 *   editor 00000000-0000-0000-0000-000000000000: Post itself), and its
 *   author sees the new slug;
 * - a hidden post's old slug: the redirect is dropped (it answered 404 to
 *   the caller anyway).
 *
 * So the answer to a write (201/200 with a slug, or 409 slug_taken) and the
 * slug picked for a title are functions of the slugs of posts the caller
 * may read, and of nothing else: changing, adding or removing a hidden post
 * changes no answer the caller can get. Editors and admins may read every
 * post, so for them every holder is visible and a taken slug is 409. A
 * scheduled post is hidden until its time, so it gives way until then;
 * once public it holds its slug like any published post: the rule follows
 * what the caller can read at the time of the write, which needs no job
 * when a scheduled post goes public. The renamed post's new slug is made of
 * its own id, so it tells its author nothing about other posts either
 * (only that its slug was taken).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "post.h"
#include "util.h"

#define NIL_EDITOR	"00000000-0000-0000-0000-000000000000"

/* Columns of S_SLUG_HOLDERS (HC_KEY the post's id) and S_SLUG_FAMILY (the slug). */
enum holder_col {
	HC_KEY, HC_VISIBLE, HC_AUTHOR, HC_OLD
};

/* Returns whether the caller may read the post of row i of res (enum holder_col). */
static bool
holder_visible(const struct req *r, PGresult *res, int i)
{
	return strcmp(PQgetvalue(res, i, HC_VISIBLE), "t") == 0 ||
	    may_manage(r, is_author(r, PQgetvalue(res, i, HC_AUTHOR)));
}

int
slug_pick(struct req *r, const char *base, char out[SLUG_MAX + 1])
{
	PGresult	*res;
	enum db_status	 st;
	bool		*taken;
	size_t		 n, i, blen = strlen(base);
	long long	 k;

	if ((st = DB_QUERY(r->ctx->db, S_SLUG_FAMILY, &res, base)) != DB_OK) {
		resp_db_error(r, st);
		return -1;
	}
	/* Among n + 2 candidates (1 is base itself), one is free. */
	n = (size_t)PQntuples(res) + 2;
	if ((taken = calloc(n + 1, sizeof(*taken))) == NULL) {
		PQclear(res);
		resp_error(r, ERR_INTERNAL, "out of memory");
		return -1;
	}
	taken[0] = true;
	taken[1] = slug_invalid(base) != NULL;
	for (i = 0; i < (size_t)PQntuples(res); i++) {
		const char *s = PQgetvalue(res, (int)i, HC_KEY);

		/* A slug held by a hidden post is free to this caller: that post gives way. */
		if (!holder_visible(r, res, (int)i))
			continue;
		if (strcmp(s, base) == 0)
			taken[1] = true;
		else if (s[blen] == '-' && parse_int(s + blen + 1, 2, (long long)n, &k) == 0)
			taken[k] = true;
	}
	for (i = 1; taken[i]; i++)
		;
	slug_candidate(base, (long long)i, out);
	free(taken);
	PQclear(res);
	return 0;
}

/*
 * Writes into out the slug post id moves to when it gives way slug:
 * "<slug>-<hex>", hex 8, 12 or 32 hex digits of the id, the first that no
 * post holds. Returns 0, or -1 with the response set (409 conflict when all
 * are held, which takes someone choosing them on purpose; 503).
 */
static int
given_way_slug(struct req *r, const char *id, const char *slug, char out[SLUG_MAX + 1])
{
	static const size_t	 widths[] = { 8, 12, 32 };
	char			 hex[33];
	size_t			 i, j, k, keep;
	PGresult		*res;
	enum db_status		 st;
	bool			 used;

	for (i = j = 0; id[i] != '\0' && j < 32; i++)
		if (id[i] != '-')
			hex[j++] = id[i];
	hex[j] = '\0';
	for (k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
		keep = strlen(slug);
		if (keep > SLUG_MAX - 1 - widths[k])
			keep = SLUG_MAX - 1 - widths[k];
		while (keep > 0 && slug[keep - 1] == '-')
			keep--;
		snprintf(out, SLUG_MAX + 1, "%.*s%s%.*s", (int)keep, slug, keep > 0 ? "-" : "",
		    (int)widths[k], hex + (widths[k] == 12 ? 20 : 0));
		if ((st = DB_QUERY(r->ctx->db, S_SLUG_USED, &res, out)) != DB_OK) {
			resp_db_error(r, st);
			return -1;
		}
		used = PQntuples(res) > 0;
		PQclear(res);
		if (!used && slug_invalid(out) == NULL)
			return 0;
	}
	resp_error(r, ERR_CONFLICT, "no free slug was found; try again");
	return -1;
}

/*
 * Moves hidden post id off slug (its current one): a new slug made of its
 * id, a new version with its revision, its stored JSON made again. Returns
 * 0, or -1 with the response set.
 */
static int
give_way(struct req *r, const char *id, const char *slug)
{
	struct db	*db = r->ctx->db;
	PGresult	*res = NULL;
	char		 to[SLUG_MAX + 1], etag[ETAG_MAX], modified[30];
	enum db_status	 st;
	int		 rc;

	if ((rc = given_way_slug(r, id, slug, to)) != 0)
		return rc;
	if ((st = DB_QUERY(db, S_POST_RENAME, &res, id, to)) != DB_OK ||
	    (st = DB_QUERY(db, S_REVISION_INSERT, NULL, id, NIL_EDITOR)) != DB_OK) {
		PQclear(res);
		resp_db_error(r, st);
		return -1;
	}
	rc = post_doc_store(r, res, etag, modified);
	PQclear(res);
	return rc;
}

int
slug_claim(struct req *r, const char *slug, const char *self)
{
	PGresult	*res;
	enum db_status	 st;
	int		 i, rc = 0;

	if ((st = DB_QUERY(r->ctx->db, S_SLUG_HOLDERS, &res, slug)) != DB_OK) {
		resp_db_error(r, st);
		return -1;
	}
	/* Refuse before changing anything: a holder the caller may read keeps its slug. */
	for (i = 0; i < PQntuples(res); i++)
		if ((self == NULL || strcmp(PQgetvalue(res, i, HC_KEY), self) != 0) &&
		    holder_visible(r, res, i)) {
			PQclear(res);
			return 1;
		}
	for (i = 0; rc == 0 && i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, HC_KEY);

		if (strcmp(PQgetvalue(res, i, HC_OLD), "t") == 0) {
			/* Its own old slug taken back, or a hidden post's redirect dropped. */
			if ((st = DB_QUERY(r->ctx->db, S_OLD_SLUG_CLEAR, NULL, slug)) != DB_OK) {
				resp_db_error(r, st);
				rc = -1;
			}
		} else if (self == NULL || strcmp(id, self) != 0)
			rc = give_way(r, id, slug);
	}
	PQclear(res);
	return rc;
}
