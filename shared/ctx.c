/*
 * ctx: one process's context — the configuration file read, the public
 * keys, the token verifier, the database handles and what the process
 * listens to — opened at start, reloaded on SIGHUP, freed at exit.
 */
#include "srv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DEFAULT_CONFIG	"/etc/quire/quire.conf"

#define NCOMMON_KEYS	11

/* Keep max_body last: srv_ctx_open gives it the program's own default. */
static const struct cfg_key common_keys[NCOMMON_KEYS] = {
	CFG_KEY(struct common_conf, database, CFG_STR, NULL, 0, 0),
	CFG_KEY(struct common_conf, database_read, CFG_STR, "", 0, 0),
	CFG_KEY(struct common_conf, db_connect_timeout, CFG_INT, "2", 1, 60),
	CFG_KEY(struct common_conf, db_statement_timeout, CFG_INT, "5000", 0, 3600000),
	CFG_KEY(struct common_conf, public_keys, CFG_STR, NULL, 0, 0),
	CFG_KEY(struct common_conf, issuer, CFG_STR, "quire-auth", 0, 0),
	CFG_KEY(struct common_conf, token_leeway, CFG_INT, "30", 0, 600),
	CFG_KEY(struct common_conf, token_cache, CFG_INT, "256", 0, 1000000),
	CFG_KEY(struct common_conf, auth_url, CFG_STR, "http://127.0.0.1", 0, 0),
	CFG_KEY(struct common_conf, auth_timeout, CFG_INT, "1000", 10, 10000),
	CFG_KEY(struct common_conf, max_body, CFG_INT, "65536", 1024, 1073741824),
};

/* One channel of the program, subscribed for the context that serves. */
struct srv_listener {
	struct ctx			*ctx;
	const struct srv_channel	*channel;
};

const char *
srv_config_path(const char *given)
{
	const char *env;

	if (given != NULL)
		return given;
	if ((env = getenv("QUIRE_CONFIG")) != NULL && *env != '\0')
		return env;
	return DEFAULT_CONFIG;
}

/* Fills keys with the keys every program reads, max_body with svc's own default. */
static void
common_keys_of(const struct service *svc, struct cfg_key keys[NCOMMON_KEYS])
{
	memcpy(keys, common_keys, sizeof(common_keys));
	if (svc->max_body_default != NULL)
		keys[NCOMMON_KEYS - 1].def = svc->max_body_default;
}

/*
 * Reads the settings of the configuration file at path into ctx for svc:
 * the common and the program's, checked as at start-up (no keys, no
 * database handle, no program state). Returns 0, or -1 with a message in
 * err and ctx freed.
 */
static int
ctx_read_settings(struct ctx *ctx, const struct service *svc, const char *path, char *err,
    size_t errlen)
{
	struct cfg_key		 common[NCOMMON_KEYS];

	memset(ctx, 0, sizeof(*ctx));
	ctx->svc = svc;
	ctx->config_path = path;
	snprintf(ctx->program, sizeof(ctx->program), "quire-%s", svc->name);
	snprintf(ctx->audience, sizeof(ctx->audience), "quire-%s", svc->name);
	if ((ctx->cfg = cfg_load(path, err, errlen)) == NULL)
		goto fail;
	common_keys_of(svc, common);
	if (cfg_read(ctx->cfg, svc->name, common, NCOMMON_KEYS, &ctx->conf, err, errlen) == -1)
		goto fail;
	if (svc->conf_size > 0) {
		if ((ctx->app_conf = calloc(1, svc->conf_size)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (cfg_read(ctx->cfg, svc->name, svc->keys, svc->nkeys, ctx->app_conf,
		    err, errlen) == -1)
			goto fail;
	}
	if (cfg_check_unused(ctx->cfg, svc->name, err, errlen) == -1)
		goto fail;
	if (svc->primary_only && ctx->conf.database_read[0] != '\0') {
		snprintf(err, errlen, "[%s] database_read: quire-%s reads nothing that may lag "
		    "behind the primary; remove it", svc->name, svc->name);
		goto fail;
	}
	return 0;
fail:
	srv_ctx_free(ctx);
	return -1;
}

/*
 * Reads the configuration file at path into ctx for svc: the common and the
 * program's settings, the public keys and the token verifier (no database
 * handle, no program state). Returns 0, or -1 with a message in err and ctx
 * freed.
 */
static int
ctx_read(struct ctx *ctx, const struct service *svc, const char *path, char *err,
    size_t errlen)
{
	struct tok_keyset	*keys;

	if (ctx_read_settings(ctx, svc, path, err, errlen) == -1)
		return -1;
	/* libjwt would check nothing without a key: never start without one. */
	if ((keys = tok_keyset_load(ctx->conf.public_keys, err, errlen)) == NULL)
		goto fail;
	if (tok_verifier_init(&ctx->tokens, keys, ctx->conf.issuer, ctx->audience,
	    ctx->conf.token_leeway, (size_t)ctx->conf.token_cache) == -1) {
		tok_keyset_free(keys);
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	srv_ctx_free(ctx);
	return -1;
}

/*
 * Makes ctx's database handles (not yet connected) from its settings: the
 * primary, and the read-only one when database_read is set, whose sessions
 * are named "<program>-read" (in pg_stat_activity and the server's log).
 * Returns 0, or -1 when memory runs out.
 */
static int
ctx_db_open(struct ctx *ctx)
{
	char	 name[48];

	ctx->db = db_new(ctx->conf.database, DB_PRIMARY, ctx->program, ctx->svc->stmts,
	    ctx->svc->nstmts, ctx->conf.db_connect_timeout, ctx->conf.db_statement_timeout);
	if (ctx->db == NULL)
		return -1;
	if (ctx->conf.database_read[0] == '\0')
		return 0;
	snprintf(name, sizeof(name), "%s-read", ctx->program);
	ctx->db_read = db_new(ctx->conf.database_read, DB_STANDBY, name, ctx->svc->stmts,
	    ctx->svc->nstmts, ctx->conf.db_connect_timeout, ctx->conf.db_statement_timeout);
	return ctx->db_read == NULL ? -1 : 0;
}

/* Returns whether a and b reach the database the same way. */
static bool
db_conf_equal(const struct common_conf *a, const struct common_conf *b)
{
	return strcmp(a->database, b->database) == 0 &&
	    strcmp(a->database_read, b->database_read) == 0 &&
	    a->db_connect_timeout == b->db_connect_timeout &&
	    a->db_statement_timeout == b->db_statement_timeout;
}

/* notify_fn of a program's channel. */
static void
listener_message(void *arg, const char *payload)
{
	struct srv_listener	*l = arg;

	l->channel->on_message(l->ctx, payload);
}

/* notify_resync_fn of a program's channel. */
static int
listener_resync(void *arg)
{
	struct srv_listener	*l = arg;

	return l->channel->resync(l->ctx);
}

/*
 * Sets up what ctx listens to (ctx->notify, not yet bound to a database
 * handle): its revocations when the program tracks them, and its own
 * channels. Returns 0, or -1 with err set.
 */
static int
ctx_listen_open(struct ctx *ctx, char *err, size_t errlen)
{
	const struct srv_channel	*ch;
	size_t				 i;

	if ((ctx->notify = notify_new()) == NULL ||
	    (ctx->svc->nchannels > 0 && (ctx->listeners = calloc(ctx->svc->nchannels,
	    sizeof(*ctx->listeners))) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ctx->svc->revocations != NULL &&
	    revoke_open(ctx, ctx->svc->revocations, err, errlen) == -1)
		return -1;
	for (i = 0; i < ctx->svc->nchannels; i++) {
		ch = &ctx->svc->channels[i];
		ctx->listeners[i].ctx = ctx;
		ctx->listeners[i].channel = ch;
		if (notify_subscribe(ctx->notify, ch->name, listener_message,
		    ch->resync != NULL ? listener_resync : NULL, &ctx->listeners[i]) == -1) {
			snprintf(err, errlen, "cannot listen on %s", ch->name);
			return -1;
		}
	}
	return 0;
}

/* Binds what ctx listens to to ctx itself (where it lives now) and its database handle. */
static void
ctx_listen_attach(struct ctx *ctx)
{
	size_t	 i;

	revoke_attach(ctx);
	for (i = 0; i < ctx->svc->nchannels; i++)
		ctx->listeners[i].ctx = ctx;
	notify_attach(ctx->notify, ctx->db);
}

int
srv_print_config(const struct service *svc, const char *path, FILE *f, char *err,
    size_t errlen)
{
	struct ctx	 ctx;
	struct cfg_key	 common[NCOMMON_KEYS];
	char		 own[48];
	bool		 file = path != NULL;
	int		 rc = -1;

	if ((size_t)snprintf(own, sizeof(own), "[%s]", svc->name) >= sizeof(own)) {
		snprintf(err, errlen, "the program's name is too long");
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	if (file && ctx_read_settings(&ctx, svc, path, err, errlen) == -1)
		return -1;
	common_keys_of(svc, common);
	if (cfg_print(f, "[*]", common, NCOMMON_KEYS, file ? &ctx.conf : NULL, err, errlen) == 0 &&
	    (svc->conf_size == 0 || cfg_print(f, own, svc->keys, svc->nkeys,
	    file ? ctx.app_conf : NULL, err, errlen) == 0))
		rc = 0;
	srv_ctx_free(&ctx);
	return rc;
}

int
srv_ctx_open(struct ctx *ctx, const struct service *svc, const char *path, char *err,
    size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	if (ctx_read(ctx, svc, path, err, errlen) == -1)
		return -1;
	log_init(ctx->program);
	if (ctx_db_open(ctx) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (ctx_listen_open(ctx, err, errlen) == -1)
		goto fail;
	ctx_listen_attach(ctx);
	/* A hook that fails without a word must not leave err as it was. */
	if (svc->init != NULL && svc->init(ctx, err, errlen) == -1) {
		if (errlen > 0 && err[0] == '\0')
			snprintf(err, errlen, "%s could not start (no reason given)", ctx->program);
		goto fail;
	}
	return 0;
fail:
	srv_ctx_free(ctx);
	return -1;
}

void
srv_ctx_free(struct ctx *ctx)
{
	if (ctx->svc != NULL && ctx->svc->fini != NULL && ctx->app != NULL)
		ctx->svc->fini(ctx);
	revoke_close(ctx);
	notify_free(ctx->notify);
	free(ctx->listeners);
	db_free(ctx->db);
	db_free(ctx->db_read);
	tok_verifier_free(&ctx->tokens);
	free(ctx->app_conf);
	cfg_free(ctx->cfg);
	memset(ctx, 0, sizeof(*ctx));
}

int
srv_ctx_reload(struct ctx *ctx)
{
	const struct service	*svc = ctx->svc;
	struct ctx		 fresh, old;
	char			 err[1024] = "";
	int			 rc;

	if (ctx_read(&fresh, svc, ctx->config_path, err, sizeof(err)) == -1)
		goto fail;
	if (!db_conf_equal(&fresh.conf, &ctx->conf) && ctx_db_open(&fresh) == -1) {
		snprintf(err, sizeof(err), "out of memory");
		srv_ctx_free(&fresh);
		goto fail;
	}
	rc = svc->reload != NULL ? svc->reload(&fresh, ctx, err, sizeof(err)) :
	    svc->init != NULL ? svc->init(&fresh, err, sizeof(err)) : 0;
	if (rc == -1 || ctx_listen_open(&fresh, err, sizeof(err)) == -1) {
		srv_ctx_free(&fresh);
		goto fail;
	}
	/* Nothing fails from here: the connection stays when the settings did. */
	if (fresh.db == NULL) {
		fresh.db = ctx->db;
		fresh.db_read = ctx->db_read;
		ctx->db = ctx->db_read = NULL;
	}
	old = *ctx;
	*ctx = fresh;
	ctx->tokens.audience = ctx->audience;	/* it pointed into fresh */
	/* Listens again on the connection kept, and loads the revocations anew. */
	ctx_listen_attach(ctx);
	srv_ctx_free(&old);
	log_msg("SIGHUP: %s and %zu public key(s) loaded", ctx->config_path,
	    tok_keyset_count(ctx->tokens.keys));
	return 0;
fail:
	log_msg("SIGHUP: keeping the configuration and keys in use: %s",
	    err[0] != '\0' ? err : "the program could not start again");
	return -1;
}
