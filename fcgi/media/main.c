/*
 * quire-media: image uploads, their stored originals, and resized variants
 * cached as files the web server serves itself.
 *
 *   quire-media [--config FILE] [--listen SPEC [--workers N]]   serve FastCGI
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"
#include "nitems.h"

/* Answers GET /media/health: 503 when the cache directory is unusable, else the database's state. */
static void h_media_health(struct req *);

/* /media/health comes before /media/{id}: the first match wins. */
static const struct route media_routes[] = {
	{ "POST",	"/media",			h_media_create,		ROLE_AUTHOR },
	{ "GET",	"/media",			h_media_list,		ROLE_AUTHOR },
	{ "GET",	"/media/health",		h_media_health,		ROLE_ANON },
	{ "GET",	"/media/{id}",			h_media_get,		ROLE_ANON },
	{ "PATCH",	"/media/{id}",			h_media_patch,		ROLE_AUTHOR },
	{ "DELETE",	"/media/{id}",			h_media_delete,		ROLE_AUTHOR },
	{ "GET",	"/media/{id}/original",		h_media_original,	ROLE_ANON },
	{ "GET",	"/media/{id}/w/{name}",		h_media_variant,	ROLE_ANON },
};

/* The [media] settings; documented in the README. */
static const struct cfg_key media_keys[] = {
	CFG_KEY(struct media_conf, cache_dir, CFG_STR, "/var/cache/quire/media", 0, 0),
	CFG_KEY(struct media_conf, upload_max, CFG_INT, "20971520", 1024, 1073741824),
	CFG_KEY(struct media_conf, max_pixels, CFG_INT, "50000000", 1, 1000000000),
	CFG_KEY(struct media_conf, max_side, CFG_INT, "16384", 1, 65500),
	CFG_KEY(struct media_conf, widths, CFG_STR, "320,640,960,1280,1920", 0, 0),
	CFG_KEY(struct media_conf, quality, CFG_INT, "82", 1, 100),
	CFG_KEY(struct media_conf, magick_memory, CFG_INT, "256", 16, 1048576),
	CFG_KEY(struct media_conf, magick_map, CFG_INT, "512", 16, 1048576),
	CFG_KEY(struct media_conf, magick_disk, CFG_INT, "1024", 0, 1048576),
	CFG_KEY(struct media_conf, x_sendfile, CFG_BOOL, "yes", 0, 0),
};

static void
h_media_health(struct req *r)
{
	if (cache_ready(media_conf(r)->cache_dir) == -1) {
		resp_error(r, ERR_UNAVAILABLE, "the cache directory is not writable");
		return;
	}
	srv_health(r);
}

/* Reads the widths and readies the cache directory. Returns 0 or -1 with err set. */
static int
media_state_new(struct ctx *ctx, char *err, size_t errlen)
{
	const struct media_conf	*conf = ctx->app_conf;
	struct media		*m;
	int			 n;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctx->app = m;
	if ((n = widths_parse(conf->widths, conf->max_side, m->widths)) == -1) {
		snprintf(err, errlen, "[media] widths: a comma-separated list of at most %d "
		    "widths from 1 to max_side (%lld)", WIDTHS_MAX, conf->max_side);
		return -1;
	}
	m->nwidths = (size_t)n;
	if (cache_ready(conf->cache_dir) == -1) {
		snprintf(err, errlen, "[media] cache_dir %s: %s", conf->cache_dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads the widths, readies the cache directory and MagickWand. Returns 0 or -1. */
static int
media_init(struct ctx *ctx, char *err, size_t errlen)
{
	struct media	*m;

	if (media_state_new(ctx, err, errlen) == -1)
		return -1;
	m = ctx->app;
	image_init(ctx->app_conf);
	m->magick = true;
	return 0;
}

/*
 * SIGHUP: the widths and cache directory anew; MagickWand, started once per
 * process with its limits, is taken over from old. Returns 0 or -1.
 */
static int
media_reload(struct ctx *fresh, struct ctx *old, char *err, size_t errlen)
{
	struct media	*m, *was = old->app;

	if (media_state_new(fresh, err, errlen) == -1)
		return -1;
	m = fresh->app;
	m->magick = was->magick;
	was->magick = false;
	return 0;
}

/* Stops MagickWand (when it was started) and frees the state. */
static void
media_fini(struct ctx *ctx)
{
	struct media	*m = ctx->app;

	if (m->magick)
		image_fini();
	free(m);
	ctx->app = NULL;
}

static const struct service media_service = {
	.name = "media",
	.routes = media_routes,
	.nroutes = nitems(media_routes),
	.stmts = media_stmts,
	.nstmts = S_MEDIA_STMT_COUNT,
	.keys = media_keys,
	.nkeys = nitems(media_keys),
	.conf_size = sizeof(struct media_conf),
	.init = media_init,
	.reload = media_reload,
	.fini = media_fini,
	.revocations = &revoke_from_auth,
	.channels = media_channels,
	.nchannels = nitems(media_channels),
};

int
main(int argc, char **argv)
{
	return srv_main(&media_service, argc, argv);
}
