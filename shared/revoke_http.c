/*
 * revoke_from_auth: the current revocations, asked of Auth over HTTP
 * (GET {auth_url}/auth/revocations, shared/fetch.c). Only the programs that
 * use it (Post, Media) link libcurl.
 */
#include <stdio.h>
#include <time.h>

#include "fetch.h"
#include "log.h"
#include "revoke.h"
#include "srv.h"

#define REVOKE_BODY_MAX		(16 * 1024 * 1024)

/* Checks auth_url and sets up the client. Returns 0 or -1 with err set. */
static int
http_open(struct ctx *ctx, void **state, char *err, size_t errlen)
{
	*state = fetch_new("auth_url", ctx->conf.auth_url, ctx->program, ctx->conf.auth_timeout,
	    REVOKE_BODY_MAX, err, errlen);
	return *state != NULL ? 0 : -1;
}

static void
http_close(void *state)
{
	fetch_free(state);
}

/* Asks Auth for the list and adds every entry to d. Returns 0 or -1 (logged). */
static int
http_load(struct ctx *ctx, void *state, struct deny *d)
{
	const struct buf	*body;
	json_t			*j = NULL, *list, *item;
	char			 err[1200];
	long			 status;
	size_t			 i, bad = 0;
	int64_t			 now;

	if ((status = fetch_get(state, "/auth/revocations", NULL, &body, err, sizeof(err))) == -1) {
		log_msg("revocations: %s", err);
		return -1;
	}
	if (status != 200 ||
	    (j = json_loadb(buf_str(body), body->len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_array(list = json_object_get(j, "revocations"))) {
		log_msg("revocations: %s/auth/revocations: status %ld, not a list of revocations",
		    ctx->conf.auth_url, status);
		json_decref(j);
		return -1;
	}
	now = (int64_t)time(NULL);
	json_array_foreach(list, i, item)
		if (revoke_add_json(d, item, ctx->conf.token_leeway, now) == -1)
			bad++;
	if (bad > 0)
		log_msg("revocations: %zu entries that are not revocations", bad);
	json_decref(j);
	return 0;
}

const struct revoke_source revoke_from_auth = {
	.open = http_open,
	.load = http_load,
	.close = http_close,
};
