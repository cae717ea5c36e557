/*
 * fetch: GET requests from one program to another over HTTP(S) with
 * libcurl: one handle per process (connections reused), a timeout, no
 * redirects, http and https only, and a bounded answer. Only the programs
 * that call it link libcurl.
 */
#ifndef QUIRE_FETCH_H
#define QUIRE_FETCH_H

#include <stddef.h>

#include "buf.h"

struct fetch;

/*
 * Returns a client for the http:// or https:// URL base (a trailing '/'
 * dropped) that waits timeout_ms for an answer of at most max_body bytes and
 * names itself agent (borrowed), or NULL with err set, naming the setting
 * the URL came from. Free with fetch_free().
 */
struct fetch	*fetch_new(const char *setting, const char *base, const char *agent,
		    long long timeout_ms, size_t max_body, char *err, size_t errlen);
void		 fetch_free(struct fetch *);

/*
 * GETs base + path, with authorization as its Authorization header when not
 * NULL. Returns the HTTP status with the body in *body (borrowed until the
 * next call), or -1 when no whole answer came (the reason in err).
 */
long		 fetch_get(struct fetch *, const char *path, const char *authorization,
		    const struct buf **body, char *err, size_t errlen);

#endif
