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
#include "util.h"

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
feed_open(struct buf *b, const char *base, const struct feed_paths *paths, const char *title,
    const char *updated)
{
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"");
	xml_escape(b, base);
	buf_puts(b, "/\">\n<id>");
	xml_escape(b, base);
	xml_escape(b, paths->id);
	buf_puts(b, "</id>\n");
	element(b, "title", " type=\"text\"", title);
	element(b, "updated", "", updated);
	buf_puts(b, "<link rel=\"self\" type=\"application/atom+xml\" href=\"");
	xml_escape(b, base);
	xml_escape(b, paths->self);
	buf_puts(b, "\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"");
	xml_escape(b, base);
	xml_escape(b, paths->alternate);
	buf_puts(b, "\"/>\n<generator>Quire</generator>\n");
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
	buf_puts(b, "<link rel=\"alternate\" type=\"text/html\" href=\"");
	xml_escape(b, base);
	buf_puts(b, "/");
	xml_escape(b, e->slug);
	buf_puts(b, "/\"/>\n");
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

enum db_status
feed_query(struct db *db, const char *tag, PGresult **entries, PGresult **state)
{
	enum db_status	 st;

	*state = NULL;
	if ((st = DB_QUERY(db, S_FEED, entries, tag)) != DB_OK)
		return st;
	if (PQntuples(*entries) == 0 && (st = db_exec0(db, S_SITE_STATE, state)) != DB_OK) {
		PQclear(*entries);
		*entries = NULL;
	}
	return st;
}

void
feed_build(struct ctx *ctx, PGresult *res, const char *title, const char *version,
    const struct feed_paths *paths, struct buf *xml, char etag[ETAG_MAX], time_t *updated)
{
	const char		*base = ((struct post_app *)ctx->app)->public_url;
	struct feed_entry	 e;
	char			 last[21];
	uint64_t		 h = 0xcbf29ce484222325ULL;
	int			 i;

	/* The feed changed when its newest update did, an entry came or went, or the title. */
	time_rfc3339(time(NULL), last);
	h = fnv1a(fnv1a(h, title), version);
	for (i = 0; i < PQntuples(res); i++) {
		if (i == 0 || strcmp(PQgetvalue(res, i, FC_UPDATED), last) > 0)
			snprintf(last, sizeof(last), "%s", PQgetvalue(res, i, FC_UPDATED));
		h = fnv1a(fnv1a(fnv1a(h, PQgetvalue(res, i, FC_ID)),
		    PQgetvalue(res, i, FC_VERSION)), PQgetvalue(res, i, FC_RENDITION));
	}
	snprintf(etag, ETAG_MAX, "\"feed-%016llx\"", (unsigned long long)h);
	feed_open(xml, base, paths, title, last);
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
		feed_add(xml, base, &e);
	}
	feed_close(xml);
	if (parse_rfc3339(last, updated) == -1)
		*updated = time(NULL);
}

/*
 * GET /posts/feed.atom (anyone)
 * 200 application/atom+xml with the FEED_ENTRIES latest published posts
 * (not pages), the site's title, ETag and Last-Modified; 304 for a
 * matching If-None-Match; 400 invalid_precondition (a malformed one); 401
 * for a bad token; 503.
 */
void
h_feed(struct req *r)
{
	static const struct feed_paths paths = { "/posts/feed.atom", "/posts/feed.atom", "/" };
	struct buf	 xml = BUF_INIT;
	PGresult	*entries = NULL, *state = NULL, *settings;
	enum db_status	 st;
	const char	*if_none_match;
	char		 etag[ETAG_MAX], modified[30];
	time_t		 t;

	if (srv_authenticate(r) == -1 ||
	    req_etag_header(r, "HTTP_IF_NONE_MATCH", &if_none_match) == -1)
		return;
	if ((st = feed_query(r->ctx->db, NULL, &entries, &state)) != DB_OK) {
		resp_db_error(r, st);
		return;
	}
	settings = state != NULL ? state : entries;
	feed_build(r->ctx, entries, PQgetvalue(settings, 0, STC_TITLE),
	    PQgetvalue(settings, 0, STC_VERSION), &paths, &xml, etag, &t);
	if (etag_matches(if_none_match, etag, true))
		resp_empty(r, 304);
	else
		resp_body(r, 200, "application/atom+xml", buf_str(&xml), xml.len);
	time_http(t, modified);
	post_cache_headers(r, true, etag, modified);
	buf_free(&xml);
	PQclear(entries);
	PQclear(state);
}
