/*
 * Healing: a post written while Media was down (or before an item existed)
 * keeps plain links in place of its images. The next read after the breaker
 * interval renders it again, at most once per post per interval across all
 * processes (a conditional UPDATE claims the attempt), and stores the new
 * HTML when more references resolve. A read waits for one Media timeout at
 * most: the first failure ends the attempt. It renders under the same
 * budget as a write; a body that cannot be rendered within it (stored
 * before the budget, or under a larger one) is never tried again on a read:
 * only an edit renders it again. The new HTML and the NOTIFY of the pages
 * showing it are one transaction (post_store_and_answer).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "post.h"
#include "encode.h"
#include "text.h"
#include "times.h"

/*
 * Adds to inv the pages of the post healed in row 0 of upd: its images are
 * in its page, its feeds, and in cards (its first image).
 */
static void
healed(struct inval *inv, PGresult *upd)
{
	struct post_snap	 before, after;

	inval_snap(&after, upd, 0);
	before = after;
	before.html = "";
	inval_post(inv, &before, &after);
}

bool
heal_post(struct req *r, PGresult *res)
{
	struct post_app		*app = post_app(r);
	struct db		*db = r->ctx->db;
	struct render		 out;
	struct inval		 inv = { BUF_INIT, false, BUF_INIT, 0 };
	PGresult		*claim = NULL, *upd = NULL;
	const char		*etag = PQgetvalue(res, 0, RC_ETAG);
	long long		 before = 0;
	char			 id[UUID_LEN + 1], err[300], *media = NULL;
	bool			 answered = false;

	if (!breaker_ready(&app->breaker, time_mono_usec()) || post_etag_id(etag, id) == -1)
		return false;
	if (DB_QUERY(db, S_HEAL_CLAIM, &claim, id, etag, app->breaker_seconds) != DB_OK ||
	    PQntuples(claim) == 0) {
		PQclear(claim);
		return false;
	}
	text_parse_int(PQgetvalue(claim, 0, 1), 0, MEDIA_REFS_MAX, &before);
	switch (post_render(r, PQgetvalue(claim, 0, 0), (size_t)PQgetlength(claim, 0, 0), true,
	    &out, err, sizeof(err))) {
	case RENDER_OK:
		break;
	case RENDER_INVALID:
	case RENDER_TOO_COSTLY:
		log_msg("post %s: cannot render again, not tried again until edited: %s", id, err);
		DB_QUERY(db, S_HEAL_GIVE_UP, NULL, id, etag);
		PQclear(claim);
		return false;
	case RENDER_FAILED:
		log_msg("post %s: cannot render again: %s", id, err);
		PQclear(claim);
		return false;
	}
	if ((long long)out.unresolved < before && (media = json_dumps(out.media, JSON_COMPACT)) &&
	    db_begin(db) == DB_OK) {
		if (DB_QUERY(db, S_HEAL_APPLY, &upd, id, etag, out.html, media,
		    out.unresolved > 0 ? "true" : "false") == DB_OK && PQntuples(upd) == 1) {
			healed(&inv, upd);
			post_store_and_answer(r, upd, 200, false, &inv);
			answered = true;
		} else
			db_rollback(db);	/* a write came first: answer what was read */
	}
	inval_free(&inv);
	PQclear(upd);
	PQclear(claim);
	free(media);
	render_free(&out);
	return answered;
}
