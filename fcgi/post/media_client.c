/*
 * The Media client: GET {media_url}/media/{id} (shared/fetch.c: one
 * connection kept per process, a short timeout, no redirects, a bounded
 * answer). Post asks Media only when it renders a post.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"
#include "log.h"
#include "post.h"
#include "encode.h"
#include "text.h"
#include "times.h"

#define MEDIA_BODY_MAX		65536	/* bytes of a metadata answer */
#define MEDIA_VARIANTS_MAX	32
#define MEDIA_WIDTH_MAX		100000

struct media_client {
	struct fetch	*fetch;
};

/* Returns a client for base_url, or NULL with err set. */
struct media_client *
media_client_new(const char *base_url, long long timeout_ms, char *err, size_t errlen)
{
	struct media_client	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((c->fetch = fetch_new("[post] media_url", base_url, "quire-post", timeout_ms,
	    MEDIA_BODY_MAX, err, errlen)) == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void
media_client_free(struct media_client *c)
{
	if (c == NULL)
		return;
	fetch_free(c->fetch);
	free(c);
}

void
media_info_free(struct media_info *m)
{
	size_t	 i;

	for (i = 0; i < m->nvariants; i++)
		free(m->variants[i].url);
	free(m->variants);
	free(m->alt);
	free(m->original);
	memset(m, 0, sizeof(*m));
}

/* Returns whether s is a path we may put in an attribute: '/' then [A-Za-z0-9/._-]. */
static bool
safe_path(const char *s)
{
	size_t	 i;

	if (s == NULL || s[0] != '/' || strlen(s) > 512)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("/._-", s[i]) != NULL))
			return false;
	return strstr(s, "..") == NULL && strncmp(s, "//", 2) != 0;
}

/* Orders variants by width, for qsort. */
static int
variant_cmp(const void *a, const void *b)
{
	const struct media_variant *x = a, *y = b;

	return (x->width > y->width) - (x->width < y->width);
}

/*
 * Reads urls.variants ({"320": "/media/ID/w/320.webp", …}) into out: keys
 * that are widths, values that are safe paths; others are skipped.
 * Returns 0 or -1 (no memory).
 */
static int
parse_variants(json_t *variants, struct media_info *out)
{
	const char	*key;
	json_t		*v;
	long long	 w;

	if (!json_is_object(variants))
		return 0;
	if ((out->variants = calloc(MEDIA_VARIANTS_MAX, sizeof(*out->variants))) == NULL)
		return -1;
	json_object_foreach(variants, key, v) {
		if (out->nvariants == MEDIA_VARIANTS_MAX)
			break;
		if (text_parse_int(key, 1, MEDIA_WIDTH_MAX, &w) == -1 ||
		    !safe_path(json_string_value(v)))
			continue;
		if ((out->variants[out->nvariants].url = strdup(json_string_value(v))) == NULL)
			return -1;
		out->variants[out->nvariants++].width = w;
	}
	qsort(out->variants, out->nvariants, sizeof(*out->variants), variant_cmp);
	return 0;
}

int
media_info_parse(const char *json, size_t len, struct media_info *out)
{
	json_t		*j, *urls;
	const char	*alt, *original;
	json_int_t	 w, h;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if ((j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	w = json_integer_value(json_object_get(j, "width"));
	h = json_integer_value(json_object_get(j, "height"));
	urls = json_object_get(j, "urls");
	if (w < 1 || w > MEDIA_WIDTH_MAX || h < 1 || h > MEDIA_WIDTH_MAX || !json_is_object(urls))
		goto out;
	out->width = w;
	out->height = h;
	alt = json_string_value(json_object_get(j, "alt"));
	original = json_string_value(json_object_get(urls, "original"));
	if ((alt != NULL && *alt != '\0' && (out->alt = strdup(alt)) == NULL) ||
	    (safe_path(original) && (out->original = strdup(original)) == NULL) ||
	    parse_variants(json_object_get(urls, "variants"), out) == -1)
		goto out;
	/* Something to show is needed: a variant or the original. */
	if (out->nvariants > 0 || out->original != NULL)
		rc = 0;
out:
	if (rc == -1)
		media_info_free(out);
	json_decref(j);
	return rc;
}

enum media_result
media_client_get(struct media_client *c, const char *id, const char *authorization,
    struct media_info *out)
{
	const struct buf	*body;
	char			 path[64], err[1200];
	long			 status;

	if (!uuid_valid(id))
		return MEDIA_UNKNOWN;
	snprintf(path, sizeof(path), "/media/%s", id);
	if ((status = fetch_get(c->fetch, path, authorization, &body, err, sizeof(err))) == -1) {
		log_msg("media %s: %s", id, err);
		return MEDIA_FAILED;
	}
	if (status == 404 || status == 400 || status == 410)
		return MEDIA_UNKNOWN;
	if (status != 200) {
		log_msg("media %s: status %ld", id, status);
		return MEDIA_FAILED;
	}
	if (media_info_parse(buf_str(body), body->len, out) == -1) {
		log_msg("media %s: an answer that is not item metadata", id);
		return MEDIA_FAILED;
	}
	return MEDIA_FOUND;
}

/*
 * The renderer's lookup: asks Media through the breaker. With
 * stop_on_failure, the first failure makes every later lookup of the same
 * render MEDIA_SKIPPED, so a read waits for one timeout at most.
 */
enum media_result
media_lookup(void *arg, const char *id, struct media_info *out)
{
	struct media_lookup	*l = arg;
	struct breaker		*b = &l->app->breaker;
	enum media_result	 res;

	if ((l->stop_on_failure && l->failed) || !breaker_allow(b, time_mono_usec()))
		return MEDIA_SKIPPED;
	res = media_client_get(l->app->media, id, l->authorization, out);
	if (res == MEDIA_FAILED) {
		breaker_failure(b, time_mono_usec());
		l->failed = true;
	} else
		breaker_success(b);
	return res;
}
