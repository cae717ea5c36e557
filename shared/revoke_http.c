/*
 * revoke_from_auth: the current revocations, asked of Auth over HTTP
 * (GET {auth_url}/auth/revocations) with libcurl: one handle per process,
 * auth_timeout milliseconds, no redirects, a bounded answer. Only the
 * programs that use it (Post, Media) link libcurl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "revoke.h"
#include "srv.h"

#define REVOKE_BODY_MAX		(16 * 1024 * 1024)

struct revoke_http {
	CURL		*curl;
	char		 url[1024];
	struct buf	 body;
};

/* libcurl write callback: collects the answer, refusing more than REVOKE_BODY_MAX. */
static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (b->len + size * n > REVOKE_BODY_MAX || buf_append(b, p, size * n) == -1)
		return 0;
	return size * n;
}

static void
http_close(void *state)
{
	struct revoke_http	*h = state;

	if (h == NULL)
		return;
	if (h->curl != NULL) {
		curl_easy_cleanup(h->curl);
		curl_global_cleanup();
	}
	buf_free(&h->body);
	free(h);
}

/* Checks auth_url and sets up the handle. Returns 0 or -1 with err set. */
static int
http_open(struct ctx *ctx, void **state, char *err, size_t errlen)
{
	const char		*base = ctx->conf.auth_url;
	struct revoke_http	*h;
	size_t			 len = strlen(base);

	if ((strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) ||
	    strpbrk(base, " \t\r\n") != NULL) {
		snprintf(err, errlen, "auth_url: an http:// or https:// URL, not '%s'", base);
		return -1;
	}
	while (len > 0 && base[len - 1] == '/')
		len--;
	if ((h = calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((size_t)snprintf(h->url, sizeof(h->url), "%.*s/auth/revocations", (int)len, base) >=
	    sizeof(h->url)) {
		snprintf(err, errlen, "auth_url: too long");
		free(h);
		return -1;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot set up libcurl");
		free(h);
		return -1;
	}
	if ((h->curl = curl_easy_init()) == NULL) {
		curl_global_cleanup();
		snprintf(err, errlen, "cannot set up libcurl");
		free(h);
		return -1;
	}
	curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, (long)ctx->conf.auth_timeout);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)ctx->conf.auth_timeout);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, ctx->program);
	*state = h;
	return 0;
}

/* Asks Auth for the list and adds every entry to d. Returns 0 or -1 (logged). */
static int
http_load(struct ctx *ctx, void *state, struct deny *d)
{
	struct revoke_http	*h = state;
	json_t			*j = NULL, *list, *item;
	long			 status = 0;
	size_t			 i, bad = 0;
	CURLcode		 rc;
	int64_t			 now;

	buf_reset(&h->body);
	if ((rc = curl_easy_perform(h->curl)) != CURLE_OK) {
		log_msg("revocations: %s: %s", h->url, curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200 ||
	    (j = json_loadb(buf_str(&h->body), h->body.len, JSON_REJECT_DUPLICATES, NULL)) == NULL ||
	    !json_is_array(list = json_object_get(j, "revocations"))) {
		log_msg("revocations: %s: status %ld, not a list of revocations", h->url, status);
		json_decref(j);
		return -1;
	}
	now = (int64_t)time(NULL);
	json_array_foreach(list, i, item)
		if (revoke_add_json(d, item, ctx->conf.token_leeway, now) == -1)
			bad++;
	if (bad > 0)
		log_msg("revocations: %s: %zu entries that are not revocations", h->url, bad);
	json_decref(j);
	return 0;
}

const struct revoke_source revoke_from_auth = {
	.open = http_open,
	.load = http_load,
	.close = http_close,
};
