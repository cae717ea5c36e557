/*
 * The authors' names. Auth owns them; Post learns an author's username and
 * display name from the claims of their token on each authenticated
 * request, keeps them in post.authors (S_AUTHOR_LEARN writes only a change),
 * and shows the display name wherever a page or a post's JSON names the
 * author. A change deletes the stored pages that show the name, on every
 * node (site_forget).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "post.h"

void
authors_learn(struct req *r)
{
	const struct claims	*c = r->claims;
	struct db		*db = r->ctx->db;
	const char		*display = c->display_name[0] != '\0' ? c->display_name : NULL;
	struct inval		 inv = { BUF_INIT, false, BUF_INIT };
	PGresult		*res = NULL, *posts = NULL;
	char			 iat[24];
	bool			 changed;

	if (c->name[0] == '\0')
		return;
	snprintf(iat, sizeof(iat), "%lld", (long long)c->iat);
	if (DB_QUERY(db, S_AUTHOR_LEARN, &res, c->sub, c->name, display, iat) != DB_OK) {
		log_msg("cannot record the names of author %s", c->sub);
		return;
	}
	changed = PQntuples(res) == 1 && (strcmp(PQgetvalue(res, 0, 0), "0") != 0 ||
	    (strcmp(PQgetvalue(res, 0, 1), "0") != 0 && display != NULL));
	PQclear(res);
	res = NULL;
	if (!changed)
		return;
	/* Their posts' JSON names them anew, under new ETags. */
	if (db_begin(db) != DB_OK || DB_QUERY(db, S_AUTHOR_REDOC, &res, c->sub) != DB_OK ||
	    post_docs_restore(db, res) != DB_OK || db_commit(db) != DB_OK)
		log_msg("cannot store the posts of author %s anew", c->sub);
	db_rollback(db);
	PQclear(res);
	if (DB_QUERY(db, S_AUTHOR_POSTS, &posts, c->sub) != DB_OK) {
		/* The pages cannot be listed: forget them all rather than show the old name. */
		inv.all = true;
	} else
		inval_author(&inv, c->name, posts);
	site_forget(r->ctx, &inv);
	inval_free(&inv);
	PQclear(posts);
}
