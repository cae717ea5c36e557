/*
 * The authors' names. Auth owns them; Post learns an author's username and
 * display name from the claims of their token on each authenticated
 * request, keeps them in post.authors (S_AUTHOR_LEARN writes only a change),
 * and shows the display name wherever a page or a post's JSON names the
 * author. A change stores the name, its posts' JSON and the NOTIFY of the
 * stored pages that show it (every node deletes them) in one transaction;
 * this node deletes them after its commit (site_forget).
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
	struct inval		 inv = { BUF_INIT, false, BUF_INIT, 0 };
	PGresult		*res = NULL, *posts = NULL;
	char			 iat[24];
	bool			 changed;

	if (c->name[0] == '\0')
		return;
	snprintf(iat, sizeof(iat), "%lld", (long long)c->iat);
	/* The usual case: one read, no transaction. */
	if (DB_QUERY(db, S_AUTHOR_KNOWN, &res, c->sub, c->name, display, iat) != DB_OK)
		goto fail;
	if (PQntuples(res) == 1)
		goto out;
	PQclear(res);
	res = NULL;
	if (db_begin(db) != DB_OK ||
	    DB_QUERY(db, S_AUTHOR_LEARN, &res, c->sub, c->name, display, iat) != DB_OK)
		goto fail;
	changed = PQntuples(res) == 1 && (strcmp(PQgetvalue(res, 0, 0), "0") != 0 ||
	    (strcmp(PQgetvalue(res, 0, 1), "0") != 0 && display != NULL));
	PQclear(res);
	res = NULL;
	if (changed) {
		/* Their posts' JSON names them anew, under new ETags; their pages go. */
		if (DB_QUERY(db, S_AUTHOR_REDOC, &res, c->sub) != DB_OK ||
		    post_docs_restore(db, res) != DB_OK ||
		    DB_QUERY(db, S_AUTHOR_POSTS, &posts, c->sub) != DB_OK)
			goto fail;
		inval_author(&inv, c->name, posts);
		if (site_tell(r->ctx, &inv) != DB_OK)
			goto fail;
	}
	if (db_commit(db) != DB_OK)
		goto fail;
	site_forget(r->ctx, &inv);
	goto out;
fail:
	log_msg("cannot record the names of author %s", c->sub);
out:
	db_rollback(db);
	inval_free(&inv);
	PQclear(res);
	PQclear(posts);
}
