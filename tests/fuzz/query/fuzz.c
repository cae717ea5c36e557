/*
 * Query strings and %-decoding: percent_decode() on any bytes, req_query()
 * and page_parse() on any QUERY_STRING, and the Link headers page_respond()
 * builds from it.
 *
 * What must hold: a decoded string is no longer than its input, holds no
 * NUL, and is its input with each escape replaced (encoded again, it
 * decodes the same); req_query() finds the query's first key; and every
 * Link target, requested, gives the page it names.
 */
#include <string.h>

#include "fuzz.h"
#include "page.h"
#include "util.h"

/* Appends s[0..len) to b with every byte but letters and digits %-escaped. */
static void
encode(struct buf *b, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			buf_append(b, &s[i], 1);
		else
			buf_printf(b, "%%%02X", c);
	}
}

/* Checks percent_decode() of in[0..len), both ways of reading '+'. */
static void
check_decode(const char *in, size_t len, bool plus)
{
	char		*out = malloc(len + 1), *again;
	struct buf	 enc = BUF_INIT;
	long		 n, m;
	size_t		 i, escapes = 0;

	if (out == NULL)
		abort();
	if ((n = percent_decode(in, len, out, plus)) >= 0) {
		for (i = 0; i < len; i++)
			escapes += in[i] == '%';
		FUZZ_ASSERT((size_t)n == len - 2 * escapes && strlen(out) == (size_t)n,
		    "%zu bytes with %zu escapes decode to %ld bytes (%zu before a NUL)", len,
		    escapes, n, strlen(out));
		encode(&enc, out, (size_t)n);
		if ((again = malloc(enc.len + 1)) == NULL)
			abort();
		m = percent_decode(buf_str(&enc), enc.len, again, plus);
		FUZZ_ASSERT(m == n && memcmp(again, out, (size_t)n) == 0,
		    "\"%s\" encoded again does not decode the same", out);
		free(again);
	}
	buf_free(&enc);
	free(out);
}

/* Returns the first key of query q, decoded (to free), or NULL when it is malformed. */
static char *
first_key(const char *q)
{
	size_t	 len = strcspn(q, "&=");
	char	*key = malloc(len + 1);

	if (key != NULL && percent_decode(q, len, key, true) < 0) {
		free(key);
		return NULL;
	}
	return key;
}

/* Checks that each Link target of r, requested, is the page its rel names. */
static void
check_links(const struct req *r, struct ctx *ctx, const struct page *p, long long total)
{
	const char	*h = strstr(buf_str(&r->headers), "\r\nLink: ");
	const char	*lt, *gt, *q;
	long long	 last = total > 0 ? (total + p->per_page - 1) / p->per_page : 1, want;
	char		 env[8192], *envp[] = { env, NULL };
	struct page	 got;
	struct req	 follow;

	if (h == NULL && strncmp(buf_str(&r->headers), "Link: ", 6) != 0)
		FUZZ_ASSERT(false, "no Link header in %s", buf_str(&r->headers));
	h = h != NULL ? h + 2 : buf_str(&r->headers);
	for (lt = strchr(h, '<'); lt != NULL && lt < strstr(h, "\r\n"); lt = strchr(gt, '<')) {
		FUZZ_ASSERT((gt = strchr(lt, '>')) != NULL, "an open Link: %s", h);
		want = strncmp(gt, ">; rel=\"first\"", 14) == 0 ? 1 :
		    strncmp(gt, ">; rel=\"last\"", 13) == 0 ? last :
		    strncmp(gt, ">; rel=\"next\"", 13) == 0 ? p->page + 1 :
		    p->page - 1 <= last ? p->page - 1 : last;
		FUZZ_ASSERT((q = memchr(lt, '?', (size_t)(gt - lt))) != NULL, "no query in %s", h);
		snprintf(env, sizeof(env), "QUERY_STRING=%.*s", (int)(gt - q - 1), q + 1);
		fuzz_req(&follow, ctx, envp, NULL);
		FUZZ_ASSERT(page_parse(&follow, 10, &got) == 0 && got.page == want &&
		    got.per_page == p->per_page, "the link <%.*s> gives page %lld of %lld, not %lld "
		    "of %lld (query \"%s\")", (int)(gt - lt - 1), lt + 1, got.page, got.per_page,
		    want, p->per_page, r->query);
		req_free(&follow);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx ctx;
	static const char *const names[] = { "alt", "page", "per_page", "q", "tag", "status" };
	char		*q = fuzz_str(data, size), *key, *env, *envp[3];
	const char	*v;
	struct req	 r;
	struct page	 p;
	size_t		 i;
	int		 rc;

	check_decode((const char *)data, size, true);
	check_decode((const char *)data, size, false);
	if (strlen(q) != size || size > 4000)	/* a CGI value has no NUL; servers cut long lines */
		goto out;
	if ((env = malloc(size + 32)) == NULL)
		abort();
	snprintf(env, size + 32, "QUERY_STRING=%s", q);
	envp[0] = env;
	envp[1] = "REQUEST_URI=/posts";
	envp[2] = NULL;
	fuzz_req(&r, &ctx, envp, NULL);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = req_query(&r, names[i], &v);
		FUZZ_ASSERT(rc == -1 || rc == 0 || rc == 1, "req_query returned %d", rc);
	}
	if (*q != '\0' && *q != '&' && (key = first_key(q)) != NULL) {
		rc = req_query(&r, key, &v);
		FUZZ_ASSERT(rc != 1, "the first key \"%s\" of \"%s\" is not found", key, q);
		free(key);
	}
	if (page_parse(&r, 10, &p) == 0) {
		FUZZ_ASSERT(p.page >= 1 && p.per_page >= 1 && p.per_page <= PAGE_MAX_PER_PAGE,
		    "page %lld, per_page %lld", p.page, p.per_page);
		page_respond_raw(&r, &p, size > 0 ? (long long)data[0] * 7 : 0, "[]", 2);
		check_links(&r, &ctx, &p, size > 0 ? (long long)data[0] * 7 : 0);
	} else
		fuzz_check_error(&r);
	req_free(&r);
	free(env);
out:
	free(q);
	return 0;
}
