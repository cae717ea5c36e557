/*
 * GET /posts/feed.atom: the latest published posts as an Atom 1.0 feed
 * (RFC 4287), with absolute URLs from public_url. Every text goes through
 * xml_escape(); the HTML of a post goes in as escaped text (type="html"),
 * its relative image URLs resolved against xml:base.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "post.h"
#include "times.h"

/* Columns of S_FEED; keep in sync with the statement in stmts.c. */
enum feed_col {
	FC_ID, FC_SLUG, FC_TITLE, FC_EXCERPT, FC_HTML, FC_AUTHOR, FC_TAGS, FC_PUBLISHED,
	FC_UPDATED, FC_VERSION, FC_RENDITION
};

void
xml_escape(struct buf *b, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s, *run = p;
	const char		*rep;
	size_t			 skip;

	for (; *p != '\0'; p++) {
		rep = NULL;
		skip = 1;
		switch (*p) {
		case '&':	rep = "&amp;"; break;
		case '<':	rep = "&lt;"; break;
		case '>':	rep = "&gt;"; break;
		case '"':	rep = "&quot;"; break;
		case '\'':	rep = "&apos;"; break;
		case '\t':
		case '\n':
		case '\r':	break;
		case 0xef:
			/* U+FFFE and U+FFFF are not XML characters. */
			if (p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf)) {
				rep = "\xef\xbf\xbd";
				skip = 3;
			}
			break;
		default:
			if (*p < 0x20)
				rep = "\xef\xbf\xbd";
			break;
		}
		if (rep == NULL)
			continue;
		buf_append(b, run, (size_t)(p - run));
		buf_puts(b, rep);
		p += skip - 1;
		run = p + 1;
	}
	buf_append(b, run, (size_t)(p - run));
}

/* Appends <name>escaped text</name>. */
static void
element(struct buf *b, const char *name, const char *attrs, const char *text)
{
	buf_printf(b, "<%s%s>", name, attrs);
	xml_escape(b, text);
	buf_printf(b, "</%s>\n", name);
}

void
feed_open(struct buf *b, const char *base, const char *title, const char *updated)
{
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"");
	xml_escape(b, base);
	buf_puts(b, "/\">\n<id>");
	xml_escape(b, base);
	buf_puts(b, "/posts/feed.atom</id>\n");
	element(b, "title", " type=\"text\"", title);
	element(b, "updated", "", updated);
	buf_puts(b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"");
	xml_escape(b, base);
	buf_puts(b, "/posts/feed.atom\"/>\n<link rel=\"alternate\" href=\"");
	xml_escape(b, base);
	buf_puts(b, "/\"/>\n<generator>Quire</generator>\n");
}

void
feed_add(struct buf *b, const char *base, const struct feed_entry *e)
{
	json_t	*tags = json_loads(e->tags, 0, NULL), *t;
	size_t	 i;

	buf_puts(b, "<entry>\n<id>urn:uuid:");
	xml_escape(b, e->id);
	buf_puts(b, "</id>\n");
	element(b, "title", " type=\"text\"", e->title);
	buf_puts(b, "<link rel=\"alternate\" href=\"");
	xml_escape(b, base);
	buf_puts(b, "/posts/");
	xml_escape(b, e->slug);
	buf_puts(b, "\"/>\n");
	element(b, "published", "", e->published);
	element(b, "updated", "", e->updated);
	buf_puts(b, "<author>");
	element(b, "name", "", e->author);
	buf_puts(b, "</author>\n");
	json_array_foreach(tags, i, t) {
		buf_puts(b, "<category term=\"");
		xml_escape(b, json_string_value(t) != NULL ? json_string_value(t) : "");
		buf_puts(b, "\"/>\n");
	}
	element(b, "summary", " type=\"text\"", e->excerpt);
	element(b, "content", " type=\"html\"", e->html);
	buf_puts(b, "</entry>\n");
	json_decref(tags);
}

void
feed_close(struct buf *b)
{
	buf_puts(b, "</feed>\n");
}

/* Mixes s into an FNV-1a hash. */
static uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ '/') * 0x100000001b3ULL;
}

/*
 * GET /posts/feed.atom (anyone)
 * 200 application/atom+xml with the FEED_ENTRIES latest published posts,
 * ETag and Last-Modified; 304 for a matching If-None-Match; 400
 * invalid_precondition (a malformed one); 401 for a bad token; 503.
 */
void
h_feed(struct req *r)
{
	const char		*base = post_app(r)->public_url, *if_none_match;
	struct feed_entry	 e;
	struct buf		 xml = BUF_INIT;
	PGresult		*res;
	enum db_status		 st;
	char			 updated[21], etag[ETAG_MAX], modified[30];
	uint64_t		 h = 0xcbf29ce484222325ULL;
	time_t			 t;
	int			 i;

	if (srv_authenticate(r) == -1 ||
	    req_etag_header(r, "HTTP_IF_NONE_MATCH", &if_none_match) == -1)
		return;
	if ((st = db_exec0(srv_db_read(r), S_FEED, &res)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	/* The feed changed when its newest update did, or an entry came or went. */
	time_rfc3339(time(NULL), updated);
	for (i = 0; i < PQntuples(res); i++) {
		if (i == 0 || strcmp(PQgetvalue(res, i, FC_UPDATED), updated) > 0)
			snprintf(updated, sizeof(updated), "%s", PQgetvalue(res, i, FC_UPDATED));
		h = fnv1a(fnv1a(fnv1a(h, PQgetvalue(res, i, FC_ID)),
		    PQgetvalue(res, i, FC_VERSION)), PQgetvalue(res, i, FC_RENDITION));
	}
	snprintf(etag, sizeof(etag), "\"feed-%016llx\"", (unsigned long long)h);
	if (etag_matches(if_none_match, etag, true))
		resp_empty(r, 304);
	else {
		feed_open(&xml, base, post_conf(r)->feed_title, updated);
		for (i = 0; i < PQntuples(res); i++) {
			e.id = PQgetvalue(res, i, FC_ID);
			e.slug = PQgetvalue(res, i, FC_SLUG);
			e.title = PQgetvalue(res, i, FC_TITLE);
			e.excerpt = PQgetvalue(res, i, FC_EXCERPT);
			e.html = PQgetvalue(res, i, FC_HTML);
			e.author = PQgetvalue(res, i, FC_AUTHOR);
			e.tags = PQgetvalue(res, i, FC_TAGS);
			e.published = PQgetvalue(res, i, FC_PUBLISHED);
			e.updated = PQgetvalue(res, i, FC_UPDATED);
			feed_add(&xml, base, &e);
		}
		feed_close(&xml);
		resp_body(r, 200, "application/atom+xml", buf_str(&xml), xml.len);
	}
	if (time_parse_rfc3339(updated, &t) == -1)
		t = time(NULL);
	time_http(t, modified);
	post_cache_headers(r, true, etag, modified);
	buf_free(&xml);
	PQclear(res);
}
