/*
 * quire-post: blog posts, Markdown rendered once when written, an Atom feed.
 *
 *   quire-post [--config FILE] [--listen SPEC [--workers N]] [--check-config]
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "post.h"
#include "nitems.h"

/*
 * The feed, health, settings and preview routes come before {id}, which
 * would match them too. Paths no route matches are the reader site's (h_site).
 */
static const struct route post_routes[] = {
	{ "GET",	"/posts",			h_posts_list,		ROLE_ANON },
	{ "POST",	"/posts",			h_post_create,		ROLE_AUTHOR },
	{ "GET",	"/posts/feed.atom",		h_feed,			ROLE_ANON },
	{ "GET",	"/posts/health",		srv_health,		ROLE_ANON },
	{ "GET",	"/posts/settings",		h_settings_get,		ROLE_ANON },
	{ "PATCH",	"/posts/settings",		h_settings_patch,	ROLE_ADMIN },
	{ "POST",	"/posts/preview",		h_post_preview,		ROLE_AUTHOR },
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
	CFG_KEY(struct post_conf, site_dir, CFG_STR, "/var/cache/quire/site", 0, 0),
	CFG_KEY(struct post_conf, theme_dir, CFG_STR, "/etc/quire/theme", 0, 0),
	CFG_KEY(struct post_conf, theme_default_dir, CFG_STR, "/usr/share/quire/theme", 0, 0),
	CFG_KEY(struct post_conf, page_max_bytes, CFG_INT, "4194304", 65536, 268435456),
	CFG_KEY(struct post_conf, page_max_steps, CFG_INT, "1000000", 1000, 100000000),
	CFG_KEY(struct post_conf, retry_after, CFG_INT, "30", 1, 86400),
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

/*
 * Loads the theme: the owner's files over the shipped ones. Returns it, or
 * NULL with "file:line: message" in err.
 */
static struct theme *
theme_open(const struct post_conf *conf, bool with_owner, char *err, size_t errlen)
{
	const char	*dirs[2] = { conf->theme_dir, conf->theme_default_dir };
	struct theme	*t;

	if (theme_load(with_owner ? dirs : dirs + 1, with_owner ? 2 : 1, &t, err, errlen) == -1)
		return NULL;
	return t;
}

/* Takes t as the process's theme, to be compared with the site's at the next tick. */
static void
theme_take(struct post_app *a, struct theme *t)
{
	a->theme = t;
	snprintf(a->theme_hash, sizeof(a->theme_hash), "%s", t->hash);
	a->theme_fresh = true;
}

/*
 * Opens the site directory; without it pages are rendered on every request
 * (and said so in the log), which keeps the API up.
 */
static void
site_open(struct post_app *a, const struct post_conf *conf)
{
	char	 err[1200];

	a->limits.output_max = (size_t)conf->page_max_bytes;
	a->limits.steps_max = (size_t)conf->page_max_steps;
	a->site_ok = sitedir_open(&a->site, conf->site_dir, err, sizeof(err)) == 0;
	site_node_name(a, conf->site_dir);
	if (!a->site_ok)
		log_msg("%s: reader pages are not stored", err);
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
	site_open(a, conf);
	return 0;
}

/*
 * Starts Post: the settings, then the theme. A theme that does not load is
 * said in the log as file:line: message; then the shipped theme alone
 * serves, and without it the reader site answers 503 while the API works.
 */
static int
post_start(struct ctx *ctx, char *err, size_t errlen)
{
	const struct post_conf	*conf = ctx->app_conf;
	struct theme		*t;
	char			 why[1024];

	if (post_init(ctx, err, errlen) == -1)
		return -1;
	if ((t = theme_open(conf, true, why, sizeof(why))) == NULL) {
		log_msg("theme: %s; using the shipped theme alone", why);
		if ((t = theme_open(conf, false, why, sizeof(why))) == NULL)
			log_msg("theme: %s; the reader site answers 503 until a theme loads "
			    "(SIGHUP)", why);
	}
	if (t != NULL)
		theme_take(ctx->app, t);
	return 0;
}

/*
 * SIGHUP: the settings and the theme anew for fresh while old serves. A
 * theme that does not load is said in the log as file:line: message, and
 * the one in use (old's) keeps serving. Returns 0 or -1 with err set.
 */
static int
post_reload(struct ctx *fresh, struct ctx *old, char *err, size_t errlen)
{
	struct post_app	*a, *o = old->app;
	struct theme	*t;
	char		 why[1024];

	if (post_init(fresh, err, errlen) == -1)
		return -1;
	a = fresh->app;
	if ((t = theme_open(fresh->app_conf, true, why, sizeof(why))) != NULL) {
		theme_take(a, t);
		log_msg("SIGHUP: theme %.12s loaded", t->hash);
	} else if (o->theme != NULL) {
		log_msg("SIGHUP: theme: %s; keeping the theme in use", why);
		a->theme = o->theme;
		o->theme = NULL;
		memcpy(a->theme_hash, o->theme_hash, sizeof(a->theme_hash));
	} else
		log_msg("SIGHUP: theme: %s; the reader site still has none", why);
	return 0;
}

/* Frees what post_init made. */
static void
post_fini(struct ctx *ctx)
{
	struct post_app *a = ctx->app;

	media_client_free(a->media);
	theme_free(a->theme);
	sitedir_close(&a->site);
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
	.init = post_start,
	.reload = post_reload,
	.fini = post_fini,
	.revocations = &revoke_from_auth,
	.channels = post_channels,
	.nchannels = nitems(post_channels),
	.fallback = h_site,
	.tick = post_tick,
	.after_response = site_after_response,
	.authenticated = authors_learn,
};

int
main(int argc, char **argv)
{
	return srv_main(&post_service, argc, argv);
}
