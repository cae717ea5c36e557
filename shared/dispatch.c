/*
 * dispatch: one request through a program — its route, its token and role,
 * the database handle its reads go to, the health check.
 */
#include "srv.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "route.h"

struct db *
srv_db_read(const struct req *r)
{
	if (r->ctx->db_read == NULL || req_env(r, "HTTP_AUTHORIZATION") != NULL)
		return r->ctx->db;
	return r->ctx->db_read;
}

enum db_status
srv_read(struct req *r, size_t stmt, int nparams, const char *const *values, PGresult **res,
    struct db **answered)
{
	struct db	*db = srv_db_read(r);
	enum db_status	 st;

	st = db_exec(db, stmt, nparams, values, NULL, NULL, res);
	if (st == DB_OK && PQntuples(*res) == 0 && db != r->ctx->db) {
		PQclear(*res);
		db = r->ctx->db;
		st = db_exec(db, stmt, nparams, values, NULL, NULL, res);
	}
	if (answered != NULL)
		*answered = db;
	return st;
}

void
srv_health(struct req *r)
{
	if (db_ping(r->ctx->db) != DB_OK) {
		resp_error(r, ERR_UNAVAILABLE, "the database does not answer");
		return;
	}
	resp_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

int
srv_authenticate(struct req *r)
{
	const char	*h = req_env(r, "HTTP_AUTHORIZATION"), *tok;
	struct claims	*claims;
	enum tok_err	 e;

	if (r->claims != NULL)
		return 0;
	/* Only "Bearer" counts; the scheme is case-insensitive (RFC 9110). */
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	for (tok = h + 7; *tok == ' '; tok++)
		;
	/*
	 * After a lost connection, learn what was revoked meanwhile first. While
	 * no connection listens, a revocation could be missed: were the
	 * connection back before the handler's first statement, a revoked
	 * token would write. So a token waits for the database, as its request
	 * would.
	 */
	if (r->ctx->notify != NULL && !notify_catch_up(r->ctx->notify)) {
		resp_error(r, ERR_UNAVAILABLE, "the database is unavailable; try again shortly");
		return -1;
	}
	if ((claims = req_alloc(r, sizeof(*claims))) == NULL) {
		resp_error(r, ERR_INTERNAL, "out of memory");
		return -1;
	}
	e = tok_verify(&r->ctx->tokens, tok, strlen(tok), time(NULL), claims);
	if (e != TOK_OK) {
		resp_error(r, ERR_INVALID_TOKEN, "%s", tok_strerror(e));
		return -1;
	}
	r->claims = claims;
	if (r->ctx->svc->authenticated != NULL)
		r->ctx->svc->authenticated(r);
	return 0;
}

void
srv_dispatch(struct req *r)
{
	const struct service	*svc = r->ctx->svc;
	struct buf		 allow = BUF_INIT;
	char			*scratch;

	if ((scratch = req_alloc(r, strlen(r->path) + REQ_MAX_PARAMS)) == NULL) {
		resp_error(r, ERR_INTERNAL, "out of memory");
		return;
	}
	switch (route_match(svc->routes, svc->nroutes, r->method, r->path, &r->route,
	    scratch, r->params, &r->nparams, &allow)) {
	case ROUTE_FOUND:
		break;
	case ROUTE_NOT_FOUND:
		if (svc->fallback != NULL) {
			svc->fallback(r);
			if (r->status == 0)
				resp_error(r, ERR_INTERNAL, "the fallback set no response");
		} else
			resp_error(r, ERR_NOT_FOUND, "no such resource");
		return;
	case ROUTE_BAD_METHOD:
		resp_error(r, ERR_METHOD_NOT_ALLOWED, "this resource does not take %s", r->method);
		resp_header(r, "Allow", "%s", buf_str(&allow));
		buf_free(&allow);
		return;
	}
	/* Public routes never look at a token unless the handler asks. */
	if (r->route->min_role != ROLE_ANON) {
		if (srv_authenticate(r) == -1)
			return;
		if (r->claims == NULL) {
			resp_error(r, ERR_MISSING_TOKEN, "this resource needs a bearer token");
			return;
		}
		if (r->claims->role < r->route->min_role) {
			resp_error(r, ERR_FORBIDDEN, "this resource needs the %s role",
			    role_name(r->route->min_role));
			return;
		}
	}
	r->route->handler(r);
	if (r->status == 0)
		resp_error(r, ERR_INTERNAL, "the handler set no response");
}
