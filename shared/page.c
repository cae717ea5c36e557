#include "page.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "util.h"

int
page_parse(struct req *r, long long default_per_page, struct page *p)
{
	const char	*v;
	char		*scratch;
	size_t		 len = strlen(r->query);
	int		 rc;

	p->page = 1;
	p->per_page = default_per_page;
	/*
	 * req_query() reads no further than the name it finds; the Link targets
	 * put page last, so a bad escape anywhere would make them 400s.
	 */
	if ((scratch = req_alloc(r, len + 1)) == NULL) {
		resp_error(r, ERR_INTERNAL, "out of memory");
		return -1;
	}
	if (percent_decode(r->query, len, scratch, true) < 0) {
		resp_error(r, ERR_INVALID_QUERY, "the query string is malformed");
		return -1;
	}
	if ((rc = req_query(r, "page", &v)) == -1 ||
	    (rc == 0 && parse_int(v, 1, 1000000, &p->page) == -1)) {
		resp_error(r, ERR_INVALID_QUERY, "page must be a whole number from 1");
		return -1;
	}
	if ((rc = req_query(r, "per_page", &v)) == -1 ||
	    (rc == 0 && parse_int(v, 1, PAGE_MAX_PER_PAGE, &p->per_page) == -1)) {
		resp_error(r, ERR_INVALID_QUERY, "per_page must be a whole number from 1 to %d",
		    PAGE_MAX_PER_PAGE);
		return -1;
	}
	return 0;
}

void
page_sql_params(const struct page *p, char limit[24], char offset[24])
{
	snprintf(limit, 24, "%lld", p->per_page);
	snprintf(offset, 24, "%lld", (p->page - 1) * p->per_page);
}

/* Appends s[0..len), %-encoding any byte that may not stand in a URI. */
static void
append_uri(struct buf *b, const char *s, size_t len)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-._~!$&'()*+,;=:@/?%";
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (s[i] != '\0' && strchr(safe, s[i]) != NULL)
			buf_append(b, &s[i], 1);
		else
			buf_printf(b, "%%%02X", (unsigned char)s[i]);
	}
}

/*
 * Returns whether the parameter q[0..len) of a query string is page, its
 * name read as req_query() reads it (%-decoded: "pag%65=5" is page too).
 */
static bool
is_page_param(const char *q, size_t len)
{
	const char	*eq = memchr(q, '=', len);
	size_t		 klen = eq != NULL ? (size_t)(eq - q) : len;
	char		 key[13];

	/* "page" takes at most 12 bytes escaped (%70%61%67%65). */
	return klen <= 12 && percent_decode(q, klen, key, true) == 4 && memcmp(key, "page", 4) == 0;
}

/* Appends the request's path and query without its page parameter, then page=n. */
static void
link_target(struct buf *b, const struct req *r, long long n)
{
	const char	*q = r->query, *amp;
	size_t		 len;

	append_uri(b, r->path, strlen(r->path));
	buf_puts(b, "?");
	while (*q != '\0') {
		amp = strchr(q, '&');
		len = amp != NULL ? (size_t)(amp - q) : strlen(q);
		if (len > 0 && !is_page_param(q, len)) {
			append_uri(b, q, len);
			buf_puts(b, "&");
		}
		q += len;
		if (*q == '&')
			q++;
	}
	buf_printf(b, "page=%lld", n);
}

/* Appends one Link value ("<url>; rel=\"next\""), comma-separated. */
static void
link_add(struct buf *links, const struct req *r, long long n, const char *rel)
{
	if (links->len > 0)
		buf_puts(links, ", ");
	buf_puts(links, "<");
	link_target(links, r, n);
	buf_printf(links, ">; rel=\"%s\"", rel);
}

/* Adds X-Total-Count and the Link headers (first, prev, next, last) of a page. */
static void
page_headers(struct req *r, const struct page *p, long long total)
{
	struct buf	 links = BUF_INIT;
	long long	 last = total > 0 ? (total + p->per_page - 1) / p->per_page : 1;

	link_add(&links, r, 1, "first");
	if (p->page > 1)
		link_add(&links, r, p->page - 1 <= last ? p->page - 1 : last, "prev");
	if (p->page < last)
		link_add(&links, r, p->page + 1, "next");
	link_add(&links, r, last, "last");
	resp_header(r, "X-Total-Count", "%lld", total);
	resp_header(r, "Link", "%s", buf_str(&links));
	buf_free(&links);
}

void
page_respond(struct req *r, const struct page *p, long long total, json_t *items)
{
	resp_json(r, 200, json_pack("{s:o, s:I, s:I, s:I}", "items", items,
	    "page", (json_int_t)p->page, "per_page", (json_int_t)p->per_page,
	    "total", (json_int_t)total));
	if (r->status == 200)
		page_headers(r, p, total);
}

void
page_respond_raw(struct req *r, const struct page *p, long long total, const char *items,
    size_t len)
{
	char	 tail[96];
	int	 n;

	n = snprintf(tail, sizeof(tail), ",\"page\":%lld,\"per_page\":%lld,\"total\":%lld}",
	    p->page, p->per_page, total);
	resp_body(r, 200, "application/json", "{\"items\":", 9);
	if (buf_append(&r->out, items, len) == -1 || buf_append(&r->out, tail, (size_t)n) == -1) {
		resp_error(r, ERR_INTERNAL, "out of memory");
		return;
	}
	page_headers(r, p, total);
}
