/* page: the pagination every list endpoint shares (page, per_page, Link, X-Total-Count). */
#ifndef QUIRE_PAGE_H
#define QUIRE_PAGE_H

#include <jansson.h>

#include "http.h"

#define PAGE_MAX_PER_PAGE	100

struct page {
	long long	page;		/* from 1 */
	long long	per_page;	/* 1..PAGE_MAX_PER_PAGE */
};

/*
 * Reads ?page= and ?per_page= (default per_page when absent). Returns 0, or
 * -1 with the response set: 400 invalid_query (also for a bad escape
 * anywhere in the query string), 500 when memory runs out.
 */
int	page_parse(struct req *, long long default_per_page, struct page *);

/* Writes the page's LIMIT and OFFSET as text, the parameters of a list statement. */
void	page_sql_params(const struct page *, char limit[24], char offset[24]);

/*
 * Answers 200 with {"items","page","per_page","total"} (items taken over),
 * X-Total-Count, and Link headers (first, prev, next, last) that keep the
 * request's other query parameters.
 */
void	page_respond(struct req *, const struct page *, long long total, json_t *items);
/*
 * The same with the items given as the text of a JSON array (items[0..len),
 * borrowed), for lists whose items are stored already serialised.
 */
void	page_respond_raw(struct req *, const struct page *, long long total, const char *items,
	    size_t len);

#endif
