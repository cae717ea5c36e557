#include "revoke.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "notify.h"
#include "srv.h"
#include "encode.h"

struct revoke {
	struct ctx			*ctx;
	const struct revoke_source	*src;
	void				*state;
	struct deny			*deny;
};

int
revoke_add_json(struct deny *d, json_t *item, long long leeway, int64_t now)
{
	json_t		*sub = json_object_get(item, "sub");
	json_t		*revoked = json_object_get(item, "revoked_at");
	json_t		*expires = json_object_get(item, "expires_at");
	json_int_t	 r, e;

	if (!json_is_string(sub) || !uuid_valid(json_string_value(sub)) ||
	    !json_is_integer(revoked) || !json_is_integer(expires))
		return -1;
	r = json_integer_value(revoked);
	e = json_integer_value(expires);
	if (r > now + leeway || e < r || e - r > REVOKE_MAX_TTL)
		return -1;
	return deny_add(d, json_string_value(sub), r, e, now);
}

/* notify_fn: one revocation, as Auth sent it. */
static void
on_revocation(void *arg, const char *payload)
{
	struct revoke	*rv = arg;
	json_t		*item;

	item = json_loads(payload, JSON_REJECT_DUPLICATES, NULL);
	if (item == NULL || revoke_add_json(rv->deny, item, rv->ctx->conf.token_leeway,
	    (int64_t)time(NULL)) == -1)
		log_msg("ignored a notification on %s that is not a revocation", REVOKE_CHANNEL);
	json_decref(item);
}

/* notify_resync_fn: the whole current list, from the program's source. */
static int
resync(void *arg)
{
	struct revoke	*rv = arg;

	if (rv->src->load(rv->ctx, rv->state, rv->deny) == -1)
		return -1;
	log_msg("revocations loaded: %zu subject(s) revoked", deny_count(rv->deny));
	return 0;
}

int
revoke_open(struct ctx *ctx, const struct revoke_source *src, char *err, size_t errlen)
{
	struct revoke	*rv;

	if ((rv = calloc(1, sizeof(*rv))) == NULL ||
	    (rv->deny = deny_new(ctx->conf.token_leeway)) == NULL) {
		free(rv);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rv->ctx = ctx;
	rv->src = src;
	ctx->revoke = rv;
	if (src->open != NULL && src->open(ctx, &rv->state, err, errlen) == -1) {
		revoke_close(ctx);
		return -1;
	}
	if (notify_subscribe(ctx->notify, REVOKE_CHANNEL, on_revocation, resync, rv) == -1) {
		snprintf(err, errlen, "cannot listen on %s", REVOKE_CHANNEL);
		revoke_close(ctx);
		return -1;
	}
	tok_verifier_set_deny(&ctx->tokens, rv->deny);
	return 0;
}

void
revoke_attach(struct ctx *ctx)
{
	if (ctx->revoke != NULL)
		ctx->revoke->ctx = ctx;
}

void
revoke_close(struct ctx *ctx)
{
	struct revoke	*rv = ctx->revoke;

	if (rv == NULL)
		return;
	tok_verifier_set_deny(&ctx->tokens, NULL);
	if (rv->src->close != NULL && rv->state != NULL)
		rv->src->close(rv->state);
	deny_free(rv->deny);
	free(rv);
	ctx->revoke = NULL;
}
