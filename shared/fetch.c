#include "fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct fetch {
	CURL		*curl;
	char		*base;		/* without a trailing '/' */
	size_t		 max_body;
	struct buf	 body;
};

/* libcurl write callback: collects the answer, refusing more than max_body. */
static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct fetch	*f = arg;

	if (f->body.len + size * n > f->max_body || buf_append(&f->body, p, size * n) == -1)
		return 0;
	return size * n;
}

struct fetch *
fetch_new(const char *setting, const char *base, const char *agent, long long timeout_ms,
    size_t max_body, char *err, size_t errlen)
{
	struct fetch	*f;
	size_t		 len = strlen(base);

	if ((strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) ||
	    strpbrk(base, " \t\r\n") != NULL) {
		snprintf(err, errlen, "%s: an http:// or https:// URL, not '%s'", setting, base);
		return NULL;
	}
	while (len > 0 && base[len - 1] == '/')
		len--;
	if ((f = calloc(1, sizeof(*f))) == NULL || (f->base = strndup(base, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		fetch_free(f);
		return NULL;
	}
	/* Counted by libcurl: one per client, undone by fetch_free. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot set up libcurl");
		fetch_free(f);
		return NULL;
	}
	if ((f->curl = curl_easy_init()) == NULL) {
		curl_global_cleanup();
		snprintf(err, errlen, "cannot set up libcurl");
		fetch_free(f);
		return NULL;
	}
	f->max_body = max_body;
	curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(f->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(f->curl, CURLOPT_USERAGENT, agent);
	return f;
}

void
fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	if (f->curl != NULL) {
		curl_easy_cleanup(f->curl);
		curl_global_cleanup();
	}
	free(f->base);
	buf_free(&f->body);
	free(f);
}

long
fetch_get(struct fetch *f, const char *path, const char *authorization,
    const struct buf **body, char *err, size_t errlen)
{
	struct curl_slist	*headers = NULL, *h;
	struct buf		 line = BUF_INIT;
	char			 url[2048];
	long			 status = -1;
	CURLcode		 rc;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", f->base, path) >= sizeof(url)) {
		snprintf(err, errlen, "the URL is too long");
		return -1;
	}
	if (authorization != NULL) {
		if (strpbrk(authorization, "\r\n") != NULL ||
		    buf_printf(&line, "Authorization: %s", authorization) == -1 ||
		    (h = curl_slist_append(NULL, buf_str(&line))) == NULL) {
			snprintf(err, errlen, "cannot pass the Authorization header on");
			goto out;
		}
		headers = h;
	}
	buf_reset(&f->body);
	curl_easy_setopt(f->curl, CURLOPT_URL, url);
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, headers);
	rc = curl_easy_perform(f->curl);
	curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, NULL);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
	*body = &f->body;
out:
	curl_slist_free_all(headers);
	buf_free(&line);
	return status;
}
