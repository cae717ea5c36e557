/*
 * quire-auth: users, passwords and tokens.
 *
 *   quire-auth [--config FILE] [--listen SPEC [--workers N]]   serve FastCGI
 *   quire-auth keygen PRIVATE.pem PUBLIC_DIR                   make a key pair
 *   quire-auth create-admin [--config FILE]                    first admin
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "nitems.h"
#include "log.h"
#include "encode.h"
#include "secret.h"

static const struct route auth_routes[] = {
	{ "POST",	"/auth/login",		h_login,		ROLE_ANON },
	{ "POST",	"/auth/refresh",	h_refresh,		ROLE_ANON },
	{ "POST",	"/auth/logout",		h_logout,		ROLE_ANON },
	{ "POST",	"/auth/logout/all",	h_logout_all,		ROLE_AUTHOR },
	{ "GET",	"/auth/me",		h_me,			ROLE_AUTHOR },
	{ "GET",	"/auth/jwks.json",	h_jwks,			ROLE_ANON },
	{ "GET",	"/auth/revocations",	h_revocations,		ROLE_ANON },
	{ "GET",	"/auth/health",		srv_health,		ROLE_ANON },
	{ "POST",	"/auth/users",		h_users_create,		ROLE_ADMIN },
	{ "GET",	"/auth/users",		h_users_list,		ROLE_ADMIN },
	{ "GET",	"/auth/users/{id}",	h_users_get,		ROLE_AUTHOR },
	{ "PATCH",	"/auth/users/{id}",	h_users_patch,		ROLE_AUTHOR },
	{ "DELETE",	"/auth/users/{id}",	h_users_delete,		ROLE_ADMIN },
};

/* The [auth] settings; documented in the README. */
static const struct cfg_key auth_keys[] = {
	CFG_KEY(struct auth_conf, private_key, CFG_STR, NULL, 0, 0),
	CFG_KEY(struct auth_conf, access_ttl, CFG_INT, "900", 60, 86400),
	CFG_KEY(struct auth_conf, refresh_ttl, CFG_INT, "2592000", 300, 31536000),
	CFG_KEY(struct auth_conf, password_cost, CFG_INT, "5", 1, 11),
	CFG_KEY(struct auth_conf, password_min_length, CFG_INT, "10", 10, 128),
	CFG_KEY(struct auth_conf, login_max_failures, CFG_INT, "5", 1, 1000),
	CFG_KEY(struct auth_conf, login_address_max_failures, CFG_INT, "50", 1, 100000),
	CFG_KEY(struct auth_conf, login_window, CFG_INT, "900", 1, 86400),
	CFG_KEY(struct auth_conf, login_ipv6_prefix, CFG_INT, "64", 32, 128),
	CFG_KEY(struct auth_conf, cookie_secure, CFG_BOOL, "no", 0, 0),
};

/* Loads the signing key and hashes the stand-in password. Returns 0 or -1. */
static int
auth_init(struct ctx *ctx, char *err, size_t errlen)
{
	const struct auth_conf	*conf = ctx->app_conf;
	struct auth		*a;
	unsigned char		 raw[16];
	char			 filler[23];

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctx->app = a;
	if (signer_load(a, conf->private_key, ctx->tokens.keys, err, errlen) == -1)
		return -1;
	/* Unknown usernames are checked against this, at the same cost as real ones. */
	if (secret_random(raw, sizeof(raw)) == -1) {
		snprintf(err, errlen, "cannot read random bytes: %s", strerror(errno));
		return -1;
	}
	b64url_encode(raw, sizeof(raw), filler);
	if ((a->dummy_hash = password_hash(filler, conf->password_cost)) == NULL) {
		snprintf(err, errlen, "cannot hash with yescrypt");
		return -1;
	}
	return 0;
}

/* SIGHUP: everything anew from the reloaded settings (a new signing key, a new cost). */
static int
auth_reload(struct ctx *fresh, struct ctx *old, char *err, size_t errlen)
{
	(void)old;
	if (auth_init(fresh, err, errlen) == -1)
		return -1;
	log_msg("SIGHUP: signing with key id (RFC 7638 thumbprint) %s",
	    ((struct auth *)fresh->app)->kid);
	return 0;
}

static void
auth_fini(struct ctx *ctx)
{
	struct auth *a = ctx->app;

	signer_free(a);
	free(a->dummy_hash);
	free(a);
	ctx->app = NULL;
}

static const struct service auth_service = {
	.name = "auth",
	.routes = auth_routes,
	.nroutes = nitems(auth_routes),
	.stmts = auth_stmts,
	.nstmts = S_AUTH_STMT_COUNT,
	.keys = auth_keys,
	.nkeys = nitems(auth_keys),
	.conf_size = sizeof(struct auth_conf),
	.init = auth_init,
	.reload = auth_reload,
	.fini = auth_fini,
	.revocations = &auth_revocations,
	/* Logins, refreshes and revocations must see the last write: no standby. */
	.primary_only = true,
};

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "keygen") == 0)
		return cmd_keygen(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "create-admin") == 0)
		return cmd_create_admin(&auth_service, argc - 1, argv + 1);
	return srv_main(&auth_service, argc, argv);
}
