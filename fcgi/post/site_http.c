/*
 * The reader site's answers: the fallback of Post's routes (h_site) reads
 * the request (GET and HEAD only; the search's q and page), has the page
 * made (pages.c), and answers it with its own bytes (the gzip to a client
 * that takes it), 301, and the theme's 404 and 503. A page made on a miss
 * goes out without validators: the web servers' ETags (their own, from the
 * stored file) differ from each other, and a Last-Modified in whole seconds
 * could name a page made again within the same second. The client's next
 * request is the web server's, with its ETag and Last-Modified, and 304s
 * from then on.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pages.h"
#include "text.h"

/* Answers the request with what b made. */
static void
answer(struct req *r, struct build *b)
{
	bool		 gz = b->gz.len > 0 && http_accepts_gzip(req_env(r, "HTTP_ACCEPT_ENCODING"));
	const char	*data = gz ? b->gz.data : b->body.data, *uri;
	size_t		 len = gz ? b->gz.len : b->body.len;

	if (b->status == 301) {
		resp_empty(r, 301);
		r->content_type = TYPE_HTML;	/* no body; Apache would name a folder's type */
		/* The query as the client sent it (lighttpd's rewrite may not pass it on). */
		uri = req_env(r, "REQUEST_URI");
		if (b->keep_query && uri != NULL && (uri = strchr(uri, '?')) != NULL)
			resp_header(r, "Location", "%s%s", b->location, uri);
		else
			resp_header(r, "Location", "%s", b->location);
		return;
	}
	resp_body(r, b->status, b->type, data, len);
	if (gz)
		resp_header(r, "Content-Encoding", "gzip");
	if (b->gz.len > 0)
		resp_header(r, "Vary", "Accept-Encoding");
	if (b->status == 200 && !b->no_store)
		resp_header(r, "Cache-Control", "no-cache");
	if (b->status == 503)
		resp_header(r, "Retry-After", "%lld", post_conf(r)->retry_after);
	if (b->no_store)
		resp_header(r, "X-Robots-Tag", "noindex");
}

/*
 * Reads the search's q and page. Sets *q (NULL: none), and *notice when a
 * q is given that is not run (too long, not text).
 */
static void
search_query(struct req *r, const char **q, const char **notice, long long *n)
{
	const char	*v;
	size_t		 len;

	*q = NULL;
	*notice = NULL;
	*n = 1;
	if (req_query(r, "page", &v) == 0 && text_parse_int(v, 1, 1000000, n) == -1)
		*n = 1;
	switch (req_query(r, "q", &v)) {
	case 1:
		return;
	case -1:
		*notice = "The search could not be read: try other words.";
		return;
	}
	len = strlen(v);
	if (text_has_control(v, len, false) || !utf8_valid(v, len))
		*notice = "The search could not be read: try other words.";
	else if (utf8_length(v) > QUERY_MAX)
		*notice = "That search is too long: try fewer words.";
	else
		*q = v;
}

void
h_site(struct req *r)
{
	struct build	 b;
	struct site_req	 sr;
	const char	*q = NULL, *notice = NULL, *uri;
	long long	 n = 1;

	/* The query as the client sent it: lighttpd's rewrite to Post may not keep it. */
	if ((uri = req_env(r, "REQUEST_URI")) != NULL && (uri = strchr(uri, '?')) != NULL)
		r->query = uri + 1;
	site_route(r->path, &sr);
	if (sr.kind == SR_API) {
		resp_error(r, ERR_NOT_FOUND, "no such resource");
		return;
	}
	if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
		static const char msg[] = "This page can only be read (GET, HEAD).\n";

		/* Read what was sent (a web server may fail a request whose body is left). */
		if (req_read_body(r, (size_t)r->ctx->conf.max_body) == -1)
			return;
		resp_body(r, 405, TYPE_TEXT, msg, sizeof(msg) - 1);
		resp_header(r, "Allow", "GET, HEAD");
		return;
	}
	if (sr.kind == SR_SEARCH)
		search_query(r, &q, &notice, &n);
	memset(&b, 0, sizeof(b));
	b.ctx = r->ctx;
	b.a = post_app(r);
	pages_build(&b, &sr, q, notice, n);
	if (b.status == 0)
		pages_plain(&b, 500, "no page was made\n");
	answer(r, &b);
	pages_free(&b);
}
