/*
 * quire-post: blog posts, Markdown rendered once when written, an Atom feed.
 *
 *   quire-post [--config FILE] [--listen SPEC [--workers N]] [--check-config]
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "post.h"
#include "nitems.h"

/* The feed and health routes come before {id}, which would match them too. */
static const struct route post_routes[] = {
	{ "GET",	"/posts",			h_posts_list,		ROLE_ANON },
	{ "POST",	"/posts",			h_post_create,		ROLE_AUTHOR },
	{ "GET",	"/posts/feed.atom",		h_feed,			ROLE_ANON },
	{ "GET",	"/posts/health",		srv_health,		ROLE_ANON },
	{ "GET",	"/posts/{id}",			h_post_get,		ROLE_ANON },
	{ "PATCH",	"/posts/{id}",			h_post_patch,		ROLE_AUTHOR },
	{ "DELETE",	"/posts/{id}",			h_post_delete,		ROLE_AUTHOR },
	{ "GET",	"/posts/{id}/revisions",	h_revisions_list,	ROLE_AUTHOR },
};

/* The [post] settings; documented in quire.conf(5). */
static const struct cfg_key post_keys[] = {
	CFG_KEY(struct post_conf, public_url, CFG_STR, NULL, 0, 0),
	CFG_KEY(struct post_conf, media_url, CFG_STR, "http://127.0.0.1", 0, 0),
	CFG_KEY(struct post_conf, media_timeout, CFG_INT, "300", 10, 10000),
	CFG_KEY(struct post_conf, media_breaker_failures, CFG_INT, "3", 1, 1000),
	CFG_KEY(struct post_conf, media_breaker_seconds, CFG_INT, "30", 1, 86400),
	CFG_KEY(struct post_conf, search_config, CFG_STR, "simple", 0, 0),
	CFG_KEY(struct post_conf, feed_title, CFG_STR, "Quire", 0, 0),
	CFG_KEY(struct post_conf, render_budget, CFG_INT, "2000", 50, 60000),
};

/* PostgreSQL 15's built-in text search configurations. */
static const char *const search_configs[] = {
	"simple", "arabic", "armenian", "basque", "catalan", "danish", "dutch", "english",
	"finnish", "french", "german", "greek", "hindi", "hungarian", "indonesian", "irish",
	"italian", "lithuanian", "nepali", "norwegian", "portuguese", "romanian", "russian",
	"serbian", "spanish", "swedish", "tamil", "turkish", "yiddish",
};

/*
 * Checks public_url (an http(s) URL without spaces, quotes or angle
 * brackets) and keeps it without a trailing '/'. Returns 0 or -1 with err set.
 */
static int
public_url_set(struct post_app *a, const char *url, char *err, size_t errlen)
{
	size_t	 len = strlen(url);

	if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
	    strpbrk(url, " \t\"'<>") != NULL || len >= sizeof(a->public_url)) {
		snprintf(err, errlen, "[post] public_url: the site's base URL, "
		    "such as https://blog.example.org, not '%s'", url);
		return -1;
	}
	while (len > 0 && url[len - 1] == '/')
		len--;
	memcpy(a->public_url, url, len);
	a->public_url[len] = '\0';
	return 0;
}

/* Checks the settings and sets up the Media client. Returns 0 or -1 with err set. */
static int
post_init(struct ctx *ctx, char *err, size_t errlen)
{
	const struct post_conf	*conf = ctx->app_conf;
	struct post_app		*a;
	size_t			 i;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctx->app = a;
	if (public_url_set(a, conf->public_url, err, errlen) == -1)
		return -1;
	for (i = 0; i < nitems(search_configs); i++)
		if (strcmp(conf->search_config, search_configs[i]) == 0)
			break;
	if (i == nitems(search_configs)) {
		snprintf(err, errlen, "[post] search_config: a PostgreSQL text search "
		    "configuration such as simple or english, not '%s'", conf->search_config);
		return -1;
	}
	if ((a->media = media_client_new(conf->media_url, conf->media_timeout, err, errlen)) ==
	    NULL)
		return -1;
	breaker_init(&a->breaker, (int)conf->media_breaker_failures,
	    conf->media_breaker_seconds * 1000000);
	snprintf(a->breaker_seconds, sizeof(a->breaker_seconds), "%lld",
	    conf->media_breaker_seconds);
	return 0;
}

/* Frees what post_init made. */
static void
post_fini(struct ctx *ctx)
{
	struct post_app *a = ctx->app;

	media_client_free(a->media);
	free(a);
	ctx->app = NULL;
}

static const struct service post_service = {
	.name = "post",
	.routes = post_routes,
	.nroutes = nitems(post_routes),
	.stmts = post_stmts,
	.nstmts = S_POST_STMT_COUNT,
	.keys = post_keys,
	.nkeys = nitems(post_keys),
	.conf_size = sizeof(struct post_conf),
	/* Bodies of 1 MiB of Markdown, however a client escapes them in JSON. */
	.max_body_default = "4194304",
	.init = post_init,
	.fini = post_fini,
	.revocations = &revoke_from_auth,
};

int
main(int argc, char **argv)
{
	return srv_main(&post_service, argc, argv);
}
