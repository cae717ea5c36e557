/*
 * Integration tests of Post: real HTTP through lighttpd to quire-post, with
 * a real PostgreSQL. Each test makes its own users and posts, named with a
 * word of its own, so order does not matter.
 *
 * Post reaches Media through a relay (tests/harness/relay.h) that stays
 * closed — Media unreachable, connections refused — except in the test
 * that brings Media back, which needs the real quire-media.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmark.h>
#include <libpq-fe.h>

#include "client.h"
#include "nitems.h"
#include "markdown.h"
#include "post/post.h"
#include "proc.h"
#include "relay.h"
#include "encode.h"
#include "secret.h"
#include "text.h"
#include "times.h"

#define BREAKER_SECONDS	2	/* [post] media_breaker_seconds in these tests */
#define RENDER_BUDGET	5000	/* [post] render_budget (ms): several times what 1a takes */
#define BODY_MAX	1048576	/* bytes of Markdown Post takes in a body */
#define MEDIA_ID	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
#define UNKNOWN_MEDIA	"00000000-0000-4000-8000-00000000dead"	/* never a Media item */

static struct relay	 media_relay;

/* Returns the JSON text of j (to free) and releases j. */
static char *
dump(json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* POSTs fields (released) to /posts. Returns the status. */
static long
create(const char *token, json_t *fields, struct http_resp *r)
{
	char	*s = dump(fields);
	long	 st = api("POST", "/posts", token, s, r);

	free(s);
	return st;
}

/* Creates a post that must succeed; copies its id when id is not NULL. */
static void
create_ok(const char *token, json_t *fields, struct http_resp *r, char *id)
{
	create(token, fields, r);
	ck_assert_msg(r->status == 201, "create: %ld %s", r->status, buf_str(&r->body));
	if (id != NULL)
		snprintf(id, UUID_LEN + 1, "%s", http_resp_str(r, "id"));
}

/* Creates a published post titled title with body; copies its id and slug. */
static void
publish(const char *token, const char *title, const char *body, char id[UUID_LEN + 1], char slug[SLUG_MAX + 1])
{
	struct http_resp r;

	create_ok(token, json_pack("{s:s, s:s, s:s}", "title", title, "body", body,
	    "status", "published"), &r, id);
	if (slug != NULL)
		snprintf(slug, SLUG_MAX + 1, "%s", http_resp_str(&r, "slug"));
}

/* Returns the ETag of r, copied into out. */
static const char *
etag_of(const struct http_resp *r, char out[ETAG_MAX])
{
	ck_assert_ptr_nonnull(http_header(r, "ETag", out, ETAG_MAX));
	return out;
}

/* GETs /posts/key with token (or none). Returns the status. */
static long
get_post(const char *token, const char *key, struct http_resp *r)
{
	char	 path[256];

	snprintf(path, sizeof(path), "/posts/%s", key);
	return api("GET", path, token, NULL, r);
}

/* Asserts that GET /posts/key as token (or anonymously) answers 404 not_found. */
static void
expect_not_found(const char *token, const char *key)
{
	struct http_resp r;

	get_post(token, key, &r);
	ck_error(&r, 404, "not_found");
}

/* Reads post id as token (or anonymously) and copies its current ETag to out. */
static void
current_etag(const char *token, const char *id, char out[ETAG_MAX])
{
	struct http_resp r;

	ck_assert_int_eq(get_post(token, id, &r), 200);
	etag_of(&r, out);
}

/* PATCHes post id with fields (released) and If-Match etag (none when NULL). */
static long
patch(const char *token, const char *id, const char *etag, json_t *fields, struct http_resp *r)
{
	char	 path[128], header[200], *s = dump(fields);
	long	 st;

	snprintf(path, sizeof(path), "/posts/%s", id);
	snprintf(header, sizeof(header), "If-Match: %s", etag != NULL ? etag : "");
	st = api_with("PATCH", path, token, s, etag != NULL ? header : NULL, r);
	free(s);
	return st;
}

/* Returns the total of GET path (a list) with token. */
static long long
list_total(const char *token, const char *path)
{
	struct http_resp r;
	long long	 total;

	ck_assert_int_eq(api("GET", path, token, NULL, &r), 200);
	total = json_integer_value(json_object_get(r.json, "total"));
	return total;
}

/*
 * Asserts that a write's answer warns exactly once, with code, naming id
 * (as "id", or among "ids").
 */
static void
expect_warning(const struct http_resp *r, const char *code, const char *id)
{
	json_t	*w = json_array_get(json_object_get(r->json, "warnings"), 0), *ids;
	size_t	 i;

	ck_assert_msg(json_array_size(json_object_get(r->json, "warnings")) == 1, "%s",
	    buf_str(&r->body));
	ck_assert_str_eq(json_string_value(json_object_get(w, "code")), code);
	ck_assert(json_is_string(json_object_get(w, "message")));
	if (json_object_get(w, "id") != NULL) {
		ck_assert_str_eq(json_string_value(json_object_get(w, "id")), id);
		return;
	}
	ids = json_object_get(w, "ids");
	for (i = 0; i < json_array_size(ids); i++)
		if (strcmp(json_string_value(json_array_get(ids, i)), id) == 0)
			return;
	ck_abort_msg("%s is not named in %s", id, buf_str(&r->body));
}

/* Returns the "media" list's entry i state of a post answer, or "". */
static const char *
media_state(const struct http_resp *r, size_t i)
{
	const char *s = json_string_value(json_object_get(json_array_get(
	    json_object_get(r->json, "media"), i), "state"));

	return s != NULL ? s : "";
}

/* Returns one value of the post's row as text (to free), as Post's own role sees it. */
static char *
post_column(const char *id, const char *column)
{
	char		 sql[256];
	const char	*params[1] = { id };
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "quire_post"));
	PGresult	*res;
	char		*v;

	snprintf(sql, sizeof(sql), "SELECT %s::text FROM post.posts WHERE id = $1", column);
	res = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	ck_assert_int_eq(PQntuples(res), 1);
	v = strdup(PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(c);
	return v;
}

/*
 * Returns whether a breaker interval has passed since the time since (text,
 * as post_column gives it), by the database's clock: the very test Post
 * makes before it asks Media again.
 */
static bool
interval_over(const char *since)
{
	char		 secs[16];
	const char	*params[2] = { since, secs };
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "quire_post"));
	PGresult	*res;
	bool		 over;

	snprintf(secs, sizeof(secs), "%d", BREAKER_SECONDS);
	res = PQexecParams(c, "SELECT $1::timestamptz <= now() - make_interval(secs => $2::int)",
	    2, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
	over = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	PQfinish(c);
	return over;
}

/* Waits until a breaker interval has passed since since (interval_over). */
static void
wait_interval_over(const char *since)
{
	int	 i;

	for (i = 0; !interval_over(since); i++) {
		ck_assert_msg(i < PROC_EVENT_TIMEOUT_MS / 50, "no interval over since %s", since);
		usleep(50000);
	}
}

/* Returns the database's clock (text, to free). */
static char *
db_now(void)
{
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "quire_post"));
	PGresult	*res = PQexec(c, "SELECT now()::text");
	char		*v;

	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	v = strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(c);
	return v;
}

START_TEST(write_publish_read)
{
	struct http_resp r, g;
	char		 name[USERNAME_MAX + 1];
	const char	*author = new_user("author", name, NULL), *editor, *other;
	char		 id[UUID_LEN + 1], etag[ETAG_MAX], etag2[ETAG_MAX], loc[128], cc[64];
	char		 lm[64], word[16];
	char		 title[128], hdr[200];
	time_t		 t;

	editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);
	snprintf(title, sizeof(title), "Hello %s", word);
	create_ok(author, json_pack("{s:s, s:s, s:[s,s]}", "title", title, "body",
	    "# Hi\n\nSome *Markdown* here.", "tags", "intro", "notes"), &r, id);
	ck_assert_str_eq(http_resp_str(&r, "status"), "draft");
	ck_assert_ptr_nonnull(http_header(&r, "Location", loc, sizeof(loc)));
	ck_assert_int_eq(strncmp(loc, "/posts/", 7), 0);
	ck_assert_str_eq(loc + 7, id);
	ck_assert_str_eq(http_resp_str(&r, "html"), "<h1>Hi</h1>\n<p>Some <em>Markdown</em> here.</p>\n");
	ck_assert_str_eq(http_resp_str(&r, "excerpt"), "Hi Some Markdown here.");
	ck_assert_str_eq(http_resp_str(&r, "author_name"), name);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 1);
	ck_assert(json_is_null(json_object_get(r.json, "published_at")));
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "tags")), 2);
	etag_of(&r, etag);

	/* A draft: 404 to anyone but its author and editors. */
	expect_not_found(NULL, id);
	expect_not_found(other, id);
	ck_assert_int_eq(get_post(author, id, &g), 200);
	ck_assert_str_eq(http_header(&g, "Cache-Control", cc, sizeof(cc)), "private, no-store");
	ck_assert_str_eq(etag_of(&g, etag2), etag);
	ck_assert_str_eq(http_resp_str(&g, "body"), "# Hi\n\nSome *Markdown* here.");
	ck_assert_int_eq(get_post(editor, id, &g), 200);

	/* Published with If-Match: everyone reads it, by id and by slug. */
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "status", "published"), &r),
	    200);
	ck_assert_str_eq(http_resp_str(&r, "status"), "published");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 2);
	ck_assert_int_eq(time_parse_rfc3339(http_resp_str(&r, "published_at"), &t), 0);
	ck_assert_str_ne(etag_of(&r, etag2), etag);
	ck_assert_int_eq(get_post(NULL, id, &g), 200);
	ck_assert_str_eq(http_header(&g, "Cache-Control", cc, sizeof(cc)), "public, max-age=60");
	ck_assert_ptr_nonnull(http_header(&g, "Last-Modified", lm, sizeof(lm)));
	ck_assert_str_eq(etag_of(&g, etag), etag2);
	ck_assert_ptr_nonnull(json_object_get(g.json, "html"));
	ck_assert_int_eq(get_post(NULL, http_resp_str(&g, "slug"), &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "id"), id);

	/* If-None-Match: 304 without a body; HEAD: the headers without a body. */
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
	snprintf(loc, sizeof(loc), "/posts/%s", id);
	ck_assert_int_eq(api_with("GET", loc, NULL, NULL, hdr, &r), 304);
	ck_assert_uint_eq(r.body.len, 0);
	ck_assert_str_eq(etag_of(&r, etag2), etag);
	ck_assert_int_eq(api_with("GET", loc, NULL, NULL, "If-None-Match: \"other\"", &r), 200);
	ck_assert_int_eq(api("HEAD", loc, NULL, NULL, &r), 200);
	ck_assert_uint_eq(r.body.len, 0);
}
END_TEST

START_TEST(slugs)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *other;
	char		 word[16], title[128], id[UUID_LEN + 1], id2[UUID_LEN + 1];
	char		 slug[SLUG_MAX + 1], slug2[SLUG_MAX + 1], etag[ETAG_MAX];
	char		 loc[256], expect[160], longslug[130];

	other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);
	/* The same title twice: distinct slugs. */
	snprintf(title, sizeof(title), "Same Title %s", word);
	publish(author, title, "one", id, slug);
	publish(author, title, "two", id2, slug2);
	snprintf(expect, sizeof(expect), "same-title-%s", word);
	ck_assert_str_eq(slug, expect);
	snprintf(expect, sizeof(expect), "same-title-%s-2", word);
	ck_assert_str_eq(slug2, expect);

	/* An explicit slug already taken: 409, and nothing is created. */
	create(author, json_pack("{s:s, s:s, s:s}", "title", "x", "body", "", "slug", slug), &r);
	ck_error(&r, 409, "slug_taken");
	/* Slugs that are not slugs, or could be read as an id, or are reserved. */
	memset(longslug, 'a', 121);
	longslug[SLUG_MAX + 1] = '\0';
	{
		const char *bad[] = { "Upper", "under_score", "sp ace", "", longslug,
		    "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "caf\xc3\xa9" };
		size_t i;

		for (i = 0; i < nitems(bad); i++) {
			create(author, json_pack("{s:s, s:s, s:s}", "title", "x", "body", "",
			    "slug", bad[i]), &r);
			ck_error(&r, 400, "invalid_slug");
		}
	}
	longslug[120] = '\0';
	memcpy(longslug, word, strlen(word));
	create_ok(author, json_pack("{s:s, s:s, s:s}", "title", "x", "body", "", "slug",
	    longslug), &r, NULL);
	ck_assert_str_eq(http_resp_str(&r, "slug"), longslug);

	/* A new slug: the old one answers 301 to it. */
	current_etag(author, id, etag);
	snprintf(expect, sizeof(expect), "renamed-%s", word);
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "slug", expect), &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "slug"), expect);
	ck_assert_int_eq(get_post(NULL, slug, &r), 301);
	snprintf(loc, sizeof(loc), "/posts/%s", expect);
	ck_assert_str_eq(http_header(&r, "Location", title, sizeof(title)), loc);
	ck_assert_int_eq(get_post(NULL, expect, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "id"), id);
	etag_of(&r, etag);
	/*
	 * Issue 10 item 4: an old slug stays its post's: another post cannot
	 * take it (the redirect stays), only its own post takes it back.
	 */
	current_etag(author, id2, title);
	patch(author, id2, title, json_pack("{s:s}", "slug", slug), &r);
	ck_error(&r, 409, "slug_taken");
	create(other, json_pack("{s:s, s:s, s:s}", "title", "x", "body", "", "slug", slug), &r);
	ck_error(&r, 409, "slug_taken");
	ck_assert_int_eq(get_post(NULL, slug, &r), 301);
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "slug", slug), &r), 200);
	etag_of(&r, etag);
	ck_assert_int_eq(get_post(NULL, slug, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "id"), id);
	snprintf(expect, sizeof(expect), "renamed-%s", word);
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "slug", expect), &r), 200);
	etag_of(&r, etag);
	/* Taking another post's current slug: 409. */
	patch(author, id, etag, json_pack("{s:s}", "slug", slug2), &r);
	ck_error(&r, 409, "slug_taken");
	/* An old slug of a draft leads nowhere for others. */
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "status", "draft"), &r), 200);
	expect_not_found(other, expect);
	expect_not_found(other, slug);
}
END_TEST

/* Creates a post of token with fields (released) and returns its id and slug. */
static void
create_with(const char *token, json_t *fields, char id[UUID_LEN + 1], char slug[SLUG_MAX + 1])
{
	struct http_resp r;

	create_ok(token, fields, &r, id);
	snprintf(slug, SLUG_MAX + 1, "%s", http_resp_str(&r, "slug"));
}

/*
 * Asserts that post id of token has given way its slug was: a slug made of
 * its own id, a new version, and a revision by no one (Post itself).
 */
static void
expect_gave_way(const char *token, const char *id, const char *was)
{
	struct http_resp r;
	char		 want[160], path[128];

	snprintf(want, sizeof(want), "%s-%.8s", was, id);
	ck_assert_int_eq(get_post(token, id, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "slug"), want);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 2);
	snprintf(path, sizeof(path), "/posts/%s/revisions", id);
	ck_assert_int_eq(api("GET", path, token, NULL, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r.json,
	    "items"), 0), "editor_id")), "00000000-0000-0000-0000-000000000000");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r.json,
	    "items"), 0), "slug")), want);
}

/*
 * Issue 10 item 4: no answer tells an author of a post they may not read.
 * A draft or scheduled post of another author never blocks a slug, current
 * or old: it gives way (renamed after its id, or its redirect dropped).
 * Posts the caller may read keep their slugs (409), and editors, who read
 * everything, get 409 for any holder.
 */
START_TEST(hidden_posts_give_way_and_reveal_nothing)
{
	struct http_resp r;
	const char	*a = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *b, *editor;
	char		 word[16], s[128], title[128], bid[UUID_LEN + 1], bslug[SLUG_MAX + 1];
	char		 aid[UUID_LEN + 1], aslug[SLUG_MAX + 1];
	char		 etag[ETAG_MAX], mine[UUID_LEN + 1], mslug[SLUG_MAX + 1];

	b = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);

	/* A draft's slug, explicitly: A gets it as if it were free. */
	snprintf(s, sizeof(s), "draft-%s", word);
	create_with(b, json_pack("{s:s, s:s, s:s}", "title", "b", "body", "", "slug", s), bid,
	    bslug);
	create_with(a, json_pack("{s:s, s:s, s:s}", "title", "a", "body", "", "slug", s), aid,
	    aslug);
	ck_assert_str_eq(aslug, s);
	expect_gave_way(b, bid, s);

	/* A scheduled post's slug: the same, until its time comes. */
	snprintf(s, sizeof(s), "later-%s", word);
	create_with(b, json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "b", "body", "", "slug", s,
	    "status", "scheduled", "published_at", "2999-01-01T00:00:00Z"), bid, bslug);
	create_with(a, json_pack("{s:s, s:s, s:s}", "title", "a", "body", "", "slug", s), aid,
	    aslug);
	ck_assert_str_eq(aslug, s);
	expect_gave_way(b, bid, s);

	/* A slug made from a title: the first free one as A sees them, never "-2". */
	snprintf(title, sizeof(title), "Hidden Title %s", word);
	create_with(b, json_pack("{s:s, s:s}", "title", title, "body", ""), bid, bslug);
	create_with(a, json_pack("{s:s, s:s}", "title", title, "body", ""), aid, aslug);
	ck_assert_str_eq(aslug, bslug);
	expect_gave_way(b, bid, bslug);

	/* PATCH to a hidden post's slug: the same. */
	snprintf(s, sizeof(s), "patched-%s", word);
	create_with(b, json_pack("{s:s, s:s, s:s}", "title", "b", "body", "", "slug", s), bid,
	    bslug);
	current_etag(a, aid, etag);
	ck_assert_int_eq(patch(a, aid, etag, json_pack("{s:s}", "slug", s), &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "slug"), s);
	expect_gave_way(b, bid, s);

	/* A hidden post's old slug: its redirect (404 to A anyway) is dropped. */
	snprintf(s, sizeof(s), "was-%s", word);
	create_with(b, json_pack("{s:s, s:s, s:s, s:s}", "title", "b", "body", "", "slug", s,
	    "status", "published"), bid, bslug);
	current_etag(b, bid, etag);
	snprintf(title, sizeof(title), "now-%s", word);
	ck_assert_int_eq(patch(b, bid, etag, json_pack("{s:s, s:s}", "slug", title, "status",
	    "draft"), &r), 200);
	create_with(a, json_pack("{s:s, s:s, s:s, s:s}", "title", "a", "body", "", "slug", s,
	    "status", "published"), aid, aslug);
	ck_assert_str_eq(aslug, s);
	ck_assert_int_eq(get_post(b, s, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "id"), aid);

	/* What A may read keeps its slug: A's own draft, a published post's old slug. */
	snprintf(s, sizeof(s), "own-%s", word);
	create_with(a, json_pack("{s:s, s:s, s:s}", "title", "a", "body", "", "slug", s), mine,
	    mslug);
	create(a, json_pack("{s:s, s:s, s:s}", "title", "a", "body", "", "slug", s), &r);
	ck_error(&r, 409, "slug_taken");
	snprintf(s, sizeof(s), "public-%s", word);
	create_with(b, json_pack("{s:s, s:s, s:s, s:s}", "title", "b", "body", "", "slug", s,
	    "status", "published"), bid, bslug);
	current_etag(b, bid, etag);
	snprintf(title, sizeof(title), "public-now-%s", word);
	ck_assert_int_eq(patch(b, bid, etag, json_pack("{s:s}", "slug", title), &r), 200);
	create(a, json_pack("{s:s, s:s, s:s}", "title", "a", "body", "", "slug", s), &r);
	ck_error(&r, 409, "slug_taken");
	ck_assert_int_eq(get_post(NULL, s, &r), 301);

	/* Editors read every post: a draft's slug is 409 to them, and the draft keeps it. */
	snprintf(s, sizeof(s), "kept-%s", word);
	create_with(b, json_pack("{s:s, s:s, s:s}", "title", "b", "body", "", "slug", s), bid,
	    bslug);
	create(editor, json_pack("{s:s, s:s, s:s}", "title", "e", "body", "", "slug", s), &r);
	ck_error(&r, 409, "slug_taken");
	ck_assert_int_eq(get_post(b, bid, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "slug"), s);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 1);
}
END_TEST

/* Creates a post titled title and checks its slug is expect followed by the word. */
static void
check_title_slug(const char *token, const char *title, const char *expect, const char *word)
{
	struct http_resp r;
	char		 full[256], want[256];

	snprintf(full, sizeof(full), "%s %s", title, word);
	snprintf(want, sizeof(want), "%s%s", expect, word);
	create_ok(token, json_pack("{s:s, s:s}", "title", full, "body", ""), &r, NULL);
	ck_assert_str_eq(http_resp_str(&r, "slug"), want);
}

START_TEST(unicode_titles_make_sensible_slugs)
{
	struct http_resp r, r2;
	char		 word[16];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*slug;

	unique_word(word);
	check_title_slug(author, "\xc3\x86r\xc3\xb8 Stra\xc3\x9f" "e", "aero-strasse-", word);
	check_title_slug(author, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
	    "\xd0\xbc\xd0\xb8\xd1\x80", "privet-mir-", word);
	check_title_slug(author, "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81"
	    "\xce\xb1", "kalimera-", word);
	check_title_slug(author, "Don't Stop: C & \"Quotes\"!", "dont-stop-c-quotes-", word);
	/* Nothing transliterable: still a slug, never an empty one. */
	create_ok(author, json_pack("{s:s, s:s}", "title", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e "
	    "\xf0\x9f\x98\x80", "body", ""), &r, NULL);
	slug = http_resp_str(&r, "slug");
	ck_assert(strcmp(slug, "post") == 0 || strncmp(slug, "post-", 5) == 0);
	create_ok(author, json_pack("{s:s, s:s}", "title", "!!!", "body", ""), &r2, NULL);
	ck_assert_str_ne(http_resp_str(&r2, "slug"), slug);
	ck_assert_int_eq(strncmp(http_resp_str(&r2, "slug"), "post", 4), 0);
}
END_TEST

START_TEST(if_match_is_required_and_checked)
{
	struct http_resp r, a, b;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *editor;
	const char	*editor2;
	char		 id[UUID_LEN + 1], etag[ETAG_MAX], weak[140], word[16];

	editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	editor2 = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);
	publish(author, word, "original text", id, NULL);
	current_etag(NULL, id, etag);

	patch(editor, id, NULL, json_pack("{s:s}", "body", "lost"), &r);
	ck_error(&r, 428, "precondition_required");
	patch(editor, id, "\"not-the-etag\"", json_pack("{s:s}", "body", "lost"), &r);
	ck_error(&r, 412, "precondition_failed");
	snprintf(weak, sizeof(weak), "W/%s", etag);
	patch(editor, id, weak, json_pack("{s:s}", "body", "lost"), &r);
	ck_error(&r, 412, "precondition_failed");
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "body"), "original text");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 1);

	/* Two editors read the same version; the first change wins, the second gets 412. */
	ck_assert_int_eq(patch(editor, id, etag, json_pack("{s:s}", "body", "first fix"), &a),
	    200);
	patch(editor2, id, etag, json_pack("{s:s}", "body", "second fix"), &b);
	ck_error(&b, 412, "precondition_failed");
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "body"), "first fix");
	/* With the new ETag the second editor's change goes through. */
	ck_assert_int_eq(patch(editor2, id, etag_of(&a, etag), json_pack("{s:s}", "body",
	    "second fix"), &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 3);
}
END_TEST

/*
 * Issue 10 item 11 (b): a malformed If-Match or If-None-Match (an unquoted
 * value) is 400 invalid_precondition, not 412 "changed since", and changes
 * nothing.
 */
START_TEST(malformed_preconditions_are_400)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 id[UUID_LEN + 1], etag[ETAG_MAX], path[128], word[16], hdr[300];
	const char	*bad[] = { "If-Match: abc", "If-Match: \"abc", "If-Match: *, \"a\"",
		    "If-Match: \"a\" \"b\"", "If-Match: ,", "If-Match: w/\"a\"" };
	size_t		 i;

	unique_word(word);
	publish(author, word, "unchanged", id, NULL);
	current_etag(NULL, id, etag);
	snprintf(path, sizeof(path), "/posts/%s", id);
	for (i = 0; i < nitems(bad); i++) {
		api_with("PATCH", path, author, "{\"body\":\"changed\"}", bad[i], &r);
		ck_error(&r, 400, "invalid_precondition");
		api_with("DELETE", path, author, NULL, bad[i], &r);
		ck_error(&r, 400, "invalid_precondition");
	}
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "body"), "unchanged");
	ck_assert_str_eq(etag_of(&r, path), etag);
	snprintf(path, sizeof(path), "/posts/%s", id);
	api_with("GET", path, NULL, NULL, "If-None-Match: abc", &r);
	ck_error(&r, 400, "invalid_precondition");
	api_with("GET", "/posts/feed.atom", NULL, NULL, "If-None-Match: abc", &r);
	ck_error(&r, 400, "invalid_precondition");
	/* Well-formed lists still work: a list naming the ETag, and "*". */
	snprintf(hdr, sizeof(hdr), "If-None-Match: \"other\", W/%s", etag);
	ck_assert_int_eq(api_with("GET", path, NULL, NULL, hdr, &r), 304);
	ck_assert_int_eq(api_with("PATCH", path, author, "{\"body\":\"changed\"}",
	    "If-Match: *", &r), 200);
}
END_TEST

START_TEST(who_may_change_what)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *other;
	const char	*admin;
	char		 id[UUID_LEN + 1], draft[UUID_LEN + 1], etag[ETAG_MAX], path[128], word[16];

	other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	admin = admin_token();
	unique_word(word);
	publish(author, word, "text", id, NULL);
	create_ok(author, json_pack("{s:s, s:s}", "title", word, "body", "draft"), &r, draft);
	current_etag(NULL, id, etag);

	patch(other, id, etag, json_pack("{s:s}", "title", "mine now"), &r);
	ck_error(&r, 403, "forbidden");
	patch(other, draft, "*", json_pack("{s:s}", "title", "mine now"), &r);
	ck_error(&r, 404, "not_found");
	snprintf(path, sizeof(path), "/posts/%s", id);
	api("DELETE", path, other, NULL, &r);
	ck_error(&r, 403, "forbidden");
	/* No token, a bad token, a bad id. */
	api("POST", "/posts", NULL, "{\"title\":\"x\",\"body\":\"\"}", &r);
	ck_error(&r, 401, "missing_token");
	api("GET", path, "not.a.token", NULL, &r);
	ck_error(&r, 401, "invalid_token");
	api("GET", "/posts", "not.a.token", NULL, &r);
	ck_error(&r, 401, "invalid_token");
	patch(author, "not-a-uuid", "*", json_pack("{s:s}", "title", "x"), &r);
	ck_error(&r, 400, "invalid_id");
	patch(author, "00000000-0000-4000-8000-000000000000", "*", json_pack("{s:s}", "title",
	    "x"), &r);
	ck_error(&r, 404, "not_found");
	/* An admin may change anyone's post; If-Match: * names any current version. */
	ck_assert_int_eq(patch(admin, id, "*", json_pack("{s:s}", "title", "edited"), &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "title"), "edited");
}
END_TEST

START_TEST(delete_removes_at_once)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *editor;
	char		 id[UUID_LEN + 1], id2[UUID_LEN + 1], slug[SLUG_MAX + 1], path[128];
	char		 word[16], q[64];
	char		 stale[128], hdr[200];

	editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);
	publish(author, word, word, id, slug);
	publish(author, word, word, id2, NULL);
	snprintf(q, sizeof(q), "/posts?q=%s", word);
	ck_assert_int_eq(list_total(NULL, q), 2);
	snprintf(path, sizeof(path), "/posts/%s", id);
	ck_assert_int_eq(api("DELETE", path, author, NULL, &r), 204);
	ck_assert_uint_eq(r.body.len, 0);
	expect_not_found(NULL, id);
	expect_not_found(author, slug);
	ck_assert_int_eq(list_total(NULL, q), 1);
	api("DELETE", path, author, NULL, &r);
	ck_error(&r, 404, "not_found");
	snprintf(path, sizeof(path), "/posts/%s/revisions", id);
	api("GET", path, author, NULL, &r);
	ck_error(&r, 404, "not_found");
	/* A stale If-Match keeps the post; an editor deletes others' posts. */
	snprintf(path, sizeof(path), "/posts/%s", id2);
	snprintf(stale, sizeof(stale), "\"%s.0.0\"", id2);
	snprintf(hdr, sizeof(hdr), "If-Match: %s", stale);
	api_with("DELETE", path, editor, NULL, hdr, &r);
	ck_error(&r, 412, "precondition_failed");
	ck_assert_int_eq(list_total(NULL, q), 1);
	ck_assert_int_eq(api("DELETE", path, editor, NULL, &r), 204);
	ck_assert_int_eq(list_total(NULL, q), 0);
}
END_TEST

/* Returns a post body of a title and a Markdown body of n bytes (to free). */
static char *
body_of_size(size_t n)
{
	char	*md = malloc(n + 1), *s;
	size_t	 i;

	for (i = 0; i < n; i++)
		md[i] = i % 80 == 79 ? '\n' : 'a' + (char)(i % 26);
	md[n] = '\0';
	s = dump(json_pack("{s:s, s:s}", "title", "big", "body", md));
	free(md);
	return s;
}

START_TEST(bad_input_changes_nothing)
{
	struct http_resp r;
	char		*s, *big;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 t301[400], t300[1000], tag41[100], refs[16000], url[256], auth[AUTH_HEADER_SIZE];
	const char	*json_ct[] = { "Content-Type: application/json", auth, NULL };
	char		*over = body_of_size(1048577);	/* a Markdown body over 1 MiB */
	/* Each refused with the field its message names (NULL: none). */
	const struct api_case bad[] = {
		{ "POST", "/posts", "{\"title\":\"\",\"body\":\"\"}", 400, "invalid_field", "title" },
		{ "POST", "/posts", "{\"title\":\"   \",\"body\":\"\"}", 400, "invalid_field", "title" },
		{ "POST", "/posts", t301, 400, "invalid_field", "title" },
		{ "POST", "/posts", "{\"title\":\"a\\u0007b\",\"body\":\"\"}", 400,
		    "control_character", "title" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"a\\u0001\"}", 400,
		    "control_character", "body" },
		{ "POST", "/posts", "{\"title\":5,\"body\":\"\"}", 400, "invalid_type", "title" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":[]}", 400, "invalid_type", "body" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"tags\":\"a\"}", 400,
		    "invalid_type", "tags" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"tags\":[1]}", 400,
		    "invalid_type", "tags" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"status\":true}", 400,
		    "invalid_type", "status" },
		{ "POST", "/posts", "{\"body\":\"\"}", 400, "missing_field", "title" },
		{ "POST", "/posts", "{\"title\":\"t\"}", 400, "missing_field", "body" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"author_id\":\"x\"}", 400,
		    "unknown_field", "author_id" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"tags\":[\"\"]}", 400,
		    "invalid_field", "tags" },
		{ "POST", "/posts", tag41, 400, "invalid_field", "tags" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"tags\":[\"1\",\"2\",\"3\","
		    "\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\","
		    "\"15\",\"16\",\"17\",\"18\",\"19\",\"20\",\"21\"]}", 400, "invalid_field",
		    "tags" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"status\":\"live\"}", 400,
		    "invalid_field", "status" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"published_at\":\"yesterday\"}",
		    400, "invalid_field", "published_at" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"published_at\":"
		    "\"2026-02-30T10:00:00Z\"}", 400, "invalid_field", "published_at" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"published_at\":"
		    "\"2026-01-01 10:00:00\"}", 400, "invalid_field", "published_at" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"published_at\":1700000000}",
		    400, "invalid_type", "published_at" },
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"![x](media:not-a-uuid)\"}", 400,
		    "invalid_field", "media" },
		{ "POST", "/posts", refs, 400, "invalid_field", "100" },	/* 101 references */
		{ "POST", "/posts", "{\"title\":\"t\",\"body\":\"\",\"excerpt\":\"a\\nb\"}", 400,
		    "control_character", "excerpt" },
		{ "POST", "/posts", "[\"title\"]", 400, "expected_object", NULL },
		{ "POST", "/posts", "{\"title\":\"t\",", 400, "invalid_json", NULL },
		{ "POST", "/posts", "{\"title\":\"t\",\"title\":\"u\",\"body\":\"\"}", 400,
		    "duplicate_key", NULL },
		/* Over 1 MiB of Markdown: 413 from Post. */
		{ "POST", "/posts", over, 413, "body_too_large", "body" },
	};
	size_t		 i;

	/* A title of 301 characters, a tag of 41, 101 media references. */
	s = t301;
	s += sprintf(s, "{\"title\":\"");
	memset(s, 'x', 301);
	sprintf(s + 301, "\",\"body\":\"\"}");
	s = tag41;
	s += sprintf(s, "{\"title\":\"t\",\"body\":\"\",\"tags\":[\"");
	memset(s, 't', 41);
	sprintf(s + 41, "\"]}");
	s = refs;
	s += sprintf(s, "{\"title\":\"t\",\"body\":\"");
	for (i = 0; i <= 100; i++)
		s += sprintf(s, "![](media:00000000-0000-4000-8000-%012zx) ", i);
	sprintf(s, "\"}");
	for (i = 0; i < 300; i++)
		memcpy(t300 + 2 * i, "\xc3\xa9", 2);	/* 300 characters, 600 bytes */
	t300[600] = '\0';

	api_expect_errors(author, NULL, bad, nitems(bad));
	free(over);

	/* A request over max_body: Post's own 413; over the web server's limit:
	 * the web server's 413, in the same shape. */
	snprintf(url, sizeof(url), "%s/posts", test_stack.base_url);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", author);
	big = malloc(4300 * 1024);
	memset(big, ' ', 4300 * 1024);
	memcpy(big, "{\"title\":\"t\",\"body\":\"\"}", 22);
	http_request("POST", url, json_ct, big, 4150 * 1024, &r);
	ck_error(&r, 413, "body_too_large");
	http_request("POST", url, json_ct, big, 4300 * 1024, &r);
	ck_error(&r, 413, "body_too_large");
	free(big);

	/* None of it made a post; the longest title and a 1 MiB body are fine. */
	ck_assert_int_eq(list_total(author, "/posts?status=any"), 0);
	create_ok(author, json_pack("{s:s, s:s}", "title", t300, "body", ""), &r, NULL);
	ck_assert_str_eq(http_resp_str(&r, "title"), t300);
	big = body_of_size(1048576);
	ck_assert_int_eq(api("POST", "/posts", author, big, &r), 201);
	ck_assert_uint_eq(strlen(http_resp_str(&r, "body")), 1048576);
	free(big);
	ck_assert_int_eq(list_total(author, "/posts?status=any"), 2);
}
END_TEST

START_TEST(patch_refuses_bad_input)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 id[UUID_LEN + 1], etag[ETAG_MAX], word[16], path[128], if_match[200];
	const struct api_case bad[] = {
		{ "PATCH", path, "{}", 400, "missing_field", NULL },
		{ "PATCH", path, "{\"title\":\"\"}", 400, "invalid_field", "title" },
		{ "PATCH", path, "{\"body\":3}", 400, "invalid_type", "body" },
		{ "PATCH", path, "{\"slug\":\"Not A Slug\"}", 400, "invalid_slug", NULL },
		/* Its published_at has passed. */
		{ "PATCH", path, "{\"status\":\"scheduled\"}", 400, "invalid_field", NULL },
		{ "PATCH", path, "{\"status\":\"scheduled\",\"published_at\":null}", 400,
		    "missing_field", "published_at" },
		{ "PATCH", path, "{\"id\":\"x\"}", 400, "unknown_field", "id" },
	};

	unique_word(word);
	publish(author, word, "kept", id, NULL);
	current_etag(author, id, etag);
	snprintf(path, sizeof(path), "/posts/%s", id);
	snprintf(if_match, sizeof(if_match), "If-Match: %s", etag);
	api_expect_errors(author, if_match, bad, nitems(bad));
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "body"), "kept");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 1);
}
END_TEST

START_TEST(scheduled_posts_appear_on_time)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *other;
	char		 id[UUID_LEN + 1], id2[UUID_LEN + 1], word[16];
	char		 when[sizeof("2026-11-26T06:14:52Z")], past[sizeof("2026-11-26T06:14:52Z")];
	char		 q[64], status[40];
	char		 etag[ETAG_MAX];
	time_t		 at;

	other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);
	time_rfc3339(time(NULL) - 3600, past);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "", "status",
	    "scheduled"), &r);
	ck_error(&r, 400, "missing_field");
	create(author, json_pack("{s:s, s:s, s:s, s:s}", "title", word, "body", "", "status",
	    "scheduled", "published_at", past), &r);
	ck_error(&r, 400, "invalid_field");

	/* Due a few seconds from now: long enough for the checks before it. */
	at = time(NULL) + 4;
	time_rfc3339(at, when);
	create_ok(author, json_pack("{s:s, s:s, s:s, s:s}", "title", word, "body", word,
	    "status", "scheduled", "published_at", when), &r, id);
	ck_assert_str_eq(http_resp_str(&r, "status"), "scheduled");
	ck_assert_str_eq(http_resp_str(&r, "published_at"), when);
	/* "published" with a time to come is scheduled as well. */
	create_ok(author, json_pack("{s:s, s:s, s:s, s:s}", "title", word, "body", word,
	    "status", "published", "published_at", when), &r, id2);
	ck_assert_str_eq(http_resp_str(&r, "status"), "scheduled");

	/* Taking its time away, or moving it to the past, is refused: it stays embargoed. */
	current_etag(author, id, etag);
	patch(author, id, etag, json_pack("{s:n}", "published_at"), &r);
	ck_error(&r, 400, "missing_field");
	patch(author, id, etag, json_pack("{s:s}", "published_at", past), &r);
	ck_error(&r, 400, "invalid_field");

	snprintf(q, sizeof(q), "/posts?q=%s", word);
	expect_not_found(NULL, id);
	expect_not_found(other, id);
	ck_assert_int_eq(list_total(NULL, q), 0);
	snprintf(status, sizeof(status), "/posts?status=scheduled&q=%s", word);
	ck_assert_int_eq(list_total(author, status), 2);
	ck_assert_int_eq(list_total(other, status), 0);

	/* Once its time has come it is published, with no job running. */
	while (time(NULL) <= at)
		usleep(200000);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "status"), "published");
	ck_assert_int_eq(list_total(NULL, q), 2);
	ck_assert_int_eq(list_total(author, status), 0);
}
END_TEST

START_TEST(lists_paginate_and_filter)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*editor, *other;
	char		 aid[UUID_LEN + 1], ids[3][UUID_LEN + 1], word[16], path[256];
	char		 when[sizeof("2026-11-26T06:14:52Z")], hdr[1024], title[64];
	json_t		*items;
	int		 i;

	editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, aid);
	unique_word(word);
	for (i = 0; i < 3; i++) {
		/* Published an hour, two and three hours ago: newest first is 0, 1, 2. */
		time_rfc3339(time(NULL) - 3600 * (i + 1), when);
		snprintf(title, sizeof(title), "%s number %d", word, i);
		create_ok(i == 2 ? other : author, json_pack("{s:s, s:s, s:s, s:s, s:[s]}",
		    "title", title, "body", "listed", "status", "published", "published_at", when,
		    "tags", word), &r, ids[i]);
	}
	create_ok(author, json_pack("{s:s, s:s, s:[s]}", "title", word, "body", "a draft",
	    "tags", word), &r, NULL);

	snprintf(path, sizeof(path), "/posts?tag=%s&per_page=2", word);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_int_eq(json_array_size(items), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "id")), ids[0]);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 1), "id")), ids[1]);
	ck_assert_ptr_null(json_object_get(json_array_get(items, 0), "body"));
	ck_assert_ptr_null(json_object_get(json_array_get(items, 0), "html"));
	ck_assert_ptr_nonnull(json_object_get(json_array_get(items, 0), "excerpt"));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "status")),
	    "published");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "per_page")), 2);
	ck_assert_str_eq(http_header(&r, "X-Total-Count", hdr, sizeof(hdr)), "3");
	ck_assert_ptr_nonnull(http_header(&r, "Link", hdr, sizeof(hdr)));
	snprintf(path, sizeof(path), "</posts?tag=%s&per_page=2&page=2>; rel=\"next\"", word);
	ck_assert_ptr_nonnull(strstr(hdr, path));
	ck_assert_ptr_null(strstr(hdr, "rel=\"prev\""));
	snprintf(path, sizeof(path), "/posts?tag=%s&per_page=2&page=2", word);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_ptr_nonnull(http_header(&r, "Link", hdr, sizeof(hdr)));
	snprintf(path, sizeof(path), "</posts?tag=%s&per_page=2&page=1>; rel=\"prev\"", word);
	ck_assert_ptr_nonnull(strstr(hdr, path));
	/* Past the end: no items, the same total. */
	snprintf(path, sizeof(path), "/posts?tag=%s&per_page=2&page=3", word);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "items")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 3);
	/* The default page size is 10; every item of the plain list is published. */
	ck_assert_int_eq(api("GET", "/posts?page=1", NULL, NULL, &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "per_page")), 10);
	ck_assert_int_le(json_array_size(json_object_get(r.json, "items")), 10);

	snprintf(path, sizeof(path), "/posts?tag=%s&author=%s", word, aid);
	ck_assert_int_eq(list_total(NULL, path), 1);
	/* Drafts: the author's own with a token; an editor's sees everyone's. */
	snprintf(path, sizeof(path), "/posts?tag=%s&status=draft", word);
	ck_assert_int_eq(list_total(author, path), 1);
	ck_assert_int_eq(list_total(other, path), 0);
	ck_assert_int_eq(list_total(editor, path), 1);
	snprintf(path, sizeof(path), "/posts?tag=%s&status=any", word);
	ck_assert_int_eq(list_total(author, path), 3);
	ck_assert_int_eq(list_total(editor, path), 4);
	api("GET", path, NULL, NULL, &r);
	ck_error(&r, 401, "missing_token");

	{
		const char *bad[] = { "/posts?status=gone", "/posts?author=nobody",
		    "/posts?per_page=101", "/posts?page=0", "/posts?page=x" };
		/* lighttpd refuses these itself; Post would too (invalid_query). */
		const char *edge[] = { "/posts?tag=%ff", "/posts?tag=a%01b" };
		size_t k;

		for (k = 0; k < nitems(bad); k++) {
			api("GET", bad[k], author, NULL, &r);
			ck_error(&r, 400, "invalid_query");
		}
		for (k = 0; k < nitems(edge); k++)
			ck_assert_int_eq(api("GET", edge[k], author, NULL, &r), 400);
	}
}
END_TEST

START_TEST(full_text_search)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 word[16], other[16], id[UUID_LEN + 1], id2[UUID_LEN + 1], body[256];
	char		 path[256];

	unique_word(word);
	unique_word(other);
	snprintf(body, sizeof(body), "The quick brown fox meets %s in the forest.", word);
	publish(author, "Forest tales", body, id, NULL);
	snprintf(body, sizeof(body), "Nothing about foxes; only %s and %s.", word, other);
	publish(author, other, body, id2, NULL);

	snprintf(path, sizeof(path), "/posts?q=%s", word);
	ck_assert_int_eq(list_total(NULL, path), 2);
	snprintf(path, sizeof(path), "/posts?q=%s", other);		/* in a title */
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
	    r.json, "items"), 0), "id")), id2);
	snprintf(path, sizeof(path), "/posts?q=%s+-%s", word, other);	/* web search syntax */
	ck_assert_int_eq(list_total(NULL, path), 1);
	snprintf(path, sizeof(path), "/posts?q=%%22brown+fox%%22+%s", word);	/* a phrase */
	ck_assert_int_eq(list_total(NULL, path), 1);
	snprintf(path, sizeof(path), "/posts?q=%%22fox+brown%%22+%s", word);
	ck_assert_int_eq(list_total(NULL, path), 0);
	/* Whatever q holds, it is a search: no syntax errors, no injection. */
	ck_assert_int_eq(list_total(NULL, "/posts?q=%27%29%3B+DROP+TABLE+post.posts%3B+--"), 0);
	ck_assert_int_eq(list_total(NULL, "/posts?q=%21%26%7C%3A%2A%28%29"), 0);
	ck_assert_int_eq(list_total(NULL, "/posts?q="), list_total(NULL, "/posts"));
	/* A query of no words is no notice in the log: one line per request. */
	ck_assert_int_eq(program_log_count("NOTICE"), 0);
}
END_TEST

START_TEST(xss_never_reaches_the_html)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*html;
	const char	*md =
	    "<script>alert(1)</script>\n\n"
	    "<img src=x onerror=alert(2)>\n\n"
	    "[a](javascript:alert(3)) [b](JaVaScRiPt:alert(4)) [c](vbscript:msgbox(5)) "
	    "[d](data:text/html;base64,PHNjcmlwdD4=) [e](file:///etc/passwd)\n\n"
	    "![f](javascript:alert(6)) ![g\" onerror=\"alert(7)](media:" MEDIA_ID ")\n\n"
	    "<a href=\"javascript:alert(8)\">h</a> <iframe src=\"//evil\"></iframe>\n";

	create_ok(author, json_pack("{s:s, s:s}", "title", "<b>xss</b>", "body", md), &r, NULL);
	html = http_resp_str(&r, "html");
	ck_assert_ptr_null(strstr(html, "<script"));
	ck_assert_ptr_null(strstr(html, "<iframe"));
	ck_assert_ptr_null(strstr(html, "onerror=\""));
	ck_assert_ptr_null(strstr(html, "onerror=alert"));
	ck_assert_ptr_null(strcasestr(html, "javascript:"));
	ck_assert_ptr_null(strcasestr(html, "vbscript:"));
	ck_assert_ptr_null(strstr(html, "data:text/html"));
	ck_assert_ptr_null(strstr(html, "file:"));
	ck_assert_ptr_null(strstr(html, "<img src=x"));
	/* The alt text lands escaped in the link Media-less rendering makes. */
	ck_assert_ptr_nonnull(strstr(html, "g&quot; onerror=&quot;alert(7)</a>"));
	ck_assert_str_eq(http_resp_str(&r, "title"), "<b>xss</b>");
}
END_TEST

START_TEST(excerpts)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 id[UUID_LEN + 1], etag[ETAG_MAX], body[2000];
	size_t		 i;
	const char	*ex;

	for (i = 0; i < 100; i++)
		memcpy(body + 10 * i, "word word ", 10);
	body[1000] = '\0';
	create_ok(author, json_pack("{s:s, s:s}", "title", "long", "body", body), &r, id);
	ex = http_resp_str(&r, "excerpt");
	ck_assert_uint_le(utf8_length(ex), 201);
	ck_assert_uint_ge(utf8_length(ex), 150);
	ck_assert_str_eq(ex + strlen(ex) - 7, "word\xe2\x80\xa6");
	etag_of(&r, etag);
	/* A given excerpt stays through body changes, until set to null. */
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "excerpt", "By hand."), &r),
	    200);
	ck_assert_str_eq(http_resp_str(&r, "excerpt"), "By hand.");
	etag_of(&r, etag);
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "body", "*New* text."), &r),
	    200);
	ck_assert_str_eq(http_resp_str(&r, "excerpt"), "By hand.");
	etag_of(&r, etag);
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:n}", "excerpt"), &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "excerpt"), "New text.");
}
END_TEST

START_TEST(revisions_keep_every_version)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *other;
	const char	*editor;
	char		 id[UUID_LEN + 1], etag[ETAG_MAX], path[128], word[16];
	json_t		*items;
	const char	*bodies[] = { "third", "second", "first" };
	size_t		 i;

	other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);
	publish(author, word, "first", id, NULL);
	current_etag(NULL, id, etag);
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "body", "second"), &r), 200);
	etag_of(&r, etag);
	ck_assert_int_eq(patch(editor, id, etag, json_pack("{s:s, s:s}", "body", "third",
	    "title", "retitled"), &r), 200);

	snprintf(path, sizeof(path), "/posts/%s/revisions", id);
	ck_assert_int_eq(api("GET", path, author, NULL, &r), 200);
	items = json_object_get(r.json, "items");
	ck_assert_int_eq(json_array_size(items), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 3);
	for (i = 0; i < 3; i++) {
		json_t *v = json_array_get(items, i);

		ck_assert_int_eq(json_integer_value(json_object_get(v, "version")), 3 - (int)i);
		ck_assert_str_eq(json_string_value(json_object_get(v, "body")), bodies[i]);
	}
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 0), "title")),
	    "retitled");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(items, 2), "title")),
	    word);
	ck_assert_int_eq(api("GET", path, editor, NULL, &r), 200);
	snprintf(path, sizeof(path), "/posts/%s/revisions?per_page=1&page=3", id);
	ck_assert_int_eq(api("GET", path, author, NULL, &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(
	    r.json, "items"), 0), "version")), 1);
	snprintf(path, sizeof(path), "/posts/%s/revisions?per_page=1&page=9", id);
	ck_assert_int_eq(api("GET", path, author, NULL, &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 3);
	snprintf(path, sizeof(path), "/posts/%s/revisions", id);
	api("GET", path, other, NULL, &r);
	ck_error(&r, 403, "forbidden");
	api("GET", path, NULL, NULL, &r);
	ck_error(&r, 401, "missing_token");
	api("GET", "/posts/nope/revisions", author, NULL, &r);
	ck_error(&r, 400, "invalid_id");
}
END_TEST

/* Fetches the feed, has Python's xml.etree parse it, and returns what it read. */
static json_t *
parsed_feed(void)
{
	struct http_resp r;
	char		 dir[] = "/tmp/quire-feed-XXXXXX", xml[64], out[64], ct[64];
	char		*argv[] = { "/usr/bin/python3", "tests/integration/atom_check.py", xml, out,
		    NULL };
	json_t		*feed;
	FILE		*f;

	ck_assert_int_eq(api("GET", "/posts/feed.atom", NULL, NULL, &r), 200);
	ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof(ct)), "application/atom+xml");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(xml, sizeof(xml), "%s/feed.xml", dir);
	snprintf(out, sizeof(out), "%s/feed.json", dir);
	ck_assert_ptr_nonnull(f = fopen(xml, "w"));
	fwrite(buf_str(&r.body), 1, r.body.len, f);
	fclose(f);
	ck_assert_msg(stack_run(argv) == 0, "the feed is not well-formed Atom: %s",
	    buf_str(&r.body));
	ck_assert_ptr_nonnull(feed = json_load_file(out, 0, NULL));
	unlink(xml);
	unlink(out);
	rmdir(dir);
	return feed;
}

/* Returns the href of the link of rel in a parsed links list, or NULL. */
static const char *
link_href(json_t *links, const char *rel)
{
	json_t	*l;
	size_t	 i;

	json_array_foreach(links, i, l)
		if (strcmp(json_string_value(json_object_get(l, "rel")), rel) == 0)
			return json_string_value(json_object_get(l, "href"));
	return NULL;
}

START_TEST(atom_feed_parses)
{
	struct http_resp r, p;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 id[UUID_LEN + 1], slug[SLUG_MAX + 1], word[16], title[256], expect[512];
	char		 etag[ETAG_MAX], hdr[200];
	json_t		*feed, *e, *mine = NULL;
	size_t		 i;
	time_t		 t;

	unique_word(word);
	snprintf(title, sizeof(title), "<b>Fish & \"Chips\"</b> 'n' ]]> %s", word);
	create_ok(author, json_pack("{s:s, s:s, s:s, s:[s,s]}", "title", title, "body",
	    "A *bold* <claim> & ![a cat](media:" MEDIA_ID ")\n\n```\nx < y && z\n```",
	    "status", "published", "tags", "a&b", "c\"d"), &p, id);
	snprintf(slug, sizeof(slug), "%s", http_resp_str(&p, "slug"));
	create_ok(author, json_pack("{s:s, s:s}", "title", word, "body", "draft, not in the feed"),
	    &r, NULL);

	feed = parsed_feed();
	snprintf(expect, sizeof(expect), "%s/posts/feed.atom", test_stack.base_url);
	ck_assert_str_eq(json_string_value(json_object_get(feed, "id")), expect);
	ck_assert_str_eq(link_href(json_object_get(feed, "links"), "self"), expect);
	ck_assert_int_eq(time_parse_rfc3339(json_string_value(json_object_get(feed, "updated")), &t), 0);
	ck_assert_int_le(json_array_size(json_object_get(feed, "entries")), 20);
	json_array_foreach(json_object_get(feed, "entries"), i, e) {
		/* Every entry: a stable id, RFC 3339 dates, an absolute link. */
		ck_assert_int_eq(strncmp(json_string_value(json_object_get(e, "id")), "urn:uuid:", 9),
		    0);
		ck_assert_int_eq(time_parse_rfc3339(json_string_value(json_object_get(e, "published")),
		    &t), 0);
		ck_assert_int_eq(time_parse_rfc3339(json_string_value(json_object_get(e, "updated")),
		    &t), 0);
		ck_assert_int_eq(strncmp(link_href(json_object_get(e, "links"), "alternate"),
		    test_stack.base_url, strlen(test_stack.base_url)), 0);
		ck_assert_str_ne(json_string_value(json_object_get(e, "title")), word);
		if (strcmp(json_string_value(json_object_get(e, "id")) + 9, id) == 0)
			mine = e;
	}
	ck_assert_ptr_nonnull(mine);
	/* What went in comes out, through the escaping. */
	ck_assert_str_eq(json_string_value(json_object_get(mine, "title")), title);
	ck_assert_str_eq(json_string_value(json_object_get(mine, "content")), http_resp_str(&p, "html"));
	ck_assert_str_eq(json_string_value(json_object_get(mine, "content_type")), "html");
	ck_assert_str_eq(json_string_value(json_object_get(mine, "summary")),
	    http_resp_str(&p, "excerpt"));
	ck_assert_str_eq(json_string_value(json_object_get(mine, "published")),
	    http_resp_str(&p, "published_at"));
	ck_assert_str_eq(json_string_value(json_object_get(mine, "author")),
	    http_resp_str(&p, "author_name"));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(mine, "categories"), 1)),
	    "c\"d");
	/* An entry links to its page on the reader site. */
	snprintf(expect, sizeof(expect), "%s/%s/", test_stack.base_url, slug);
	ck_assert_str_eq(link_href(json_object_get(mine, "links"), "alternate"), expect);
	json_decref(feed);

	/* Conditional GET. */
	ck_assert_int_eq(api("GET", "/posts/feed.atom", NULL, NULL, &r), 200);
	snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag_of(&r, etag));
	ck_assert_int_eq(api_with("GET", "/posts/feed.atom", NULL, NULL, hdr, &r), 304);
}
END_TEST

START_TEST(media_down_every_status_is_2xx)
{
	struct http_resp r, g;
	char		 aid[UUID_LEN + 1];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, aid);
	char		 id[UUID_LEN + 1], etag[ETAG_MAX], word[16], path[128];
	const char	*html;
	const char	*md = "Look: ![a cat](media:" MEDIA_ID ") and "
	    "![](media:0A1B2C3D-4E5F-4A6B-8C7D-000000000001 \"t\") and again "
	    "![a cat](MEDIA:" MEDIA_ID ")";

	unique_word(word);
	ck_assert_int_eq(create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", md,
	    "status", "published"), &r), 201);
	snprintf(id, sizeof(id), "%s", http_resp_str(&r, "id"));
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "media")), 2);
	ck_assert_str_eq(media_state(&r, 0), "unresolved");
	ck_assert_str_eq(media_state(&r, 1), "unresolved");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(r.json,
	    "media"), 1), "id")), "0a1b2c3d-4e5f-4a6b-8c7d-000000000001");
	html = http_resp_str(&r, "html");
	ck_assert_ptr_null(strstr(html, "<img"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"/media/" MEDIA_ID "/original\">a cat</a>"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"/media/0a1b2c3d-4e5f-4a6b-8c7d-000000000001"
	    "/original\">image</a>"));
	/* Issue 10 item 11 (c): saved, and the writer is told Media could not be asked. */
	expect_warning(&r, "media_unavailable", MEDIA_ID);
	expect_warning(&r, "media_unavailable", "0a1b2c3d-4e5f-4a6b-8c7d-000000000001");
	etag_of(&r, etag);

	ck_assert_int_eq(get_post(NULL, id, &g), 200);
	ck_assert_str_eq(media_state(&g, 0), "unresolved");
	ck_assert_ptr_null(json_object_get(g.json, "warnings"));	/* a write's answer only */
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "title", "still fine"), &r),
	    200);
	ck_assert_str_eq(media_state(&r, 0), "unresolved");
	expect_warning(&r, "media_unavailable", MEDIA_ID);
	snprintf(path, sizeof(path), "/posts?author=%s", aid);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
	    json_array_get(json_object_get(r.json, "items"), 0), "media"), 0), "state")),
	    "unresolved");
	ck_assert_int_eq(api("GET", "/posts/feed.atom", NULL, NULL, &r), 200);
	snprintf(path, sizeof(path), "/posts/%s", id);
	ck_assert_int_eq(api("DELETE", path, author, NULL, &r), 204);
}
END_TEST

START_TEST(reads_ask_media_at_most_once_per_interval)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 id[UUID_LEN + 1], word[16], *t0, *t1, *t2;

	unique_word(word);
	create_ok(author, json_pack("{s:s, s:s, s:s}", "title", word, "body",
	    "![x](media:" MEDIA_ID ")", "status", "published"), &r, id);
	t0 = post_column(id, "render_tried_at");
	ck_assert_str_ne(t0, "");	/* the write asked Media */
	/* Reads within the interval do not ask again. */
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	t1 = post_column(id, "render_tried_at");
	/* (When the interval is not over now, it was not over at those reads.) */
	if (!interval_over(t0))
		ck_assert_str_eq(t1, t0);
	/* After it, one read asks again (still unresolved: 200 all the same), once. */
	wait_interval_over(t0);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(media_state(&r, 0), "unresolved");
	free(t1);
	t1 = post_column(id, "render_tried_at");
	ck_assert_str_ne(t1, t0);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	t2 = post_column(id, "render_tried_at");
	if (!interval_over(t1))
		ck_assert_str_eq(t2, t1);
	free(t0);
	free(t1);
	free(t2);
}
END_TEST

/* Returns whether this cmark is quadratic on "![[]()" (before 0.30.3). */
static bool
cmark_quadratic(void)
{
	return cmark_version() < 0x001e03;
}

/*
 * Issue 10 item 1: a body that renders past render_budget is 422
 * body_too_complex and changes nothing, on POST and PATCH, and the worker
 * goes on answering; a deep body with many media images (item 1a) is saved
 * whole.
 */
START_TEST(render_budget_bounds_every_write)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		*quad = md_quadratic(BODY_MAX), id[UUID_LEN + 1], etag[ETAG_MAX], word[16];
	char		*deep = md_deep_images(MEDIA_ID);

	unique_word(word);
	if (cmark_quadratic()) {
		create(author, json_pack("{s:s, s:s}", "title", word, "body", quad), &r);
		ck_error(&r, 422, "body_too_complex");
		ck_assert_int_eq(list_total(author, "/posts?status=any"), 0);
	}
	/* The worker still answers, and writes. */
	ck_assert_int_eq(api("GET", "/posts/health", NULL, NULL, &r), 200);
	publish(author, word, "short and *sweet*", id, NULL);
	current_etag(author, id, etag);
	if (cmark_quadratic()) {
		patch(author, id, etag, json_pack("{s:s}", "body", quad), &r);
		ck_error(&r, 422, "body_too_complex");
	}
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "body"), "short and *sweet*");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 1);

	/* 1a: 524,000 nested quotes and 10,928 media images, 1 MiB: saved, each image there. */
	ck_assert_uint_le(strlen(deep), BODY_MAX);
	create_ok(author, json_pack("{s:s, s:s}", "title", word, "body", deep), &r, NULL);
	ck_assert_uint_eq(count_of(http_resp_str(&r, "html"),
	    "<a href=\"/media/" MEDIA_ID "/original\">image</a>"), 10928);
	ck_assert_str_eq(media_state(&r, 0), "unresolved");
	ck_assert_int_eq(list_total(author, "/posts?status=any"), 2);
	free(deep);
	free(quad);
}
END_TEST

/* Sets the body of post id behind Post's back, as its own role. */
static void
set_post_body(const char *id, const char *body)
{
	const char	*params[2] = { id, body };
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "quire_post"));
	PGresult	*res;

	res = PQexecParams(c, "UPDATE post.posts SET body = $2 WHERE id = $1", 2, NULL, params,
	    NULL, NULL, 0);
	ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
	ck_assert_str_eq(PQcmdTuples(res), "1");
	PQclear(res);
	PQfinish(c);
}

/*
 * Issue 10 item 1: the self-healing read renders under the same budget,
 * and a stored body that cannot be rendered within it (stored before the
 * budget existed, say) is not tried again on later reads: anonymous reads
 * answer the stored post, at once after the one attempt.
 */
START_TEST(healing_reads_keep_the_budget)
{
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		*quad = md_quadratic(BODY_MAX), id[UUID_LEN + 1], word[16], line[128];
	char		*tried;
	char		*at;

	if (!cmark_quadratic()) {
		free(quad);
		return;
	}
	unique_word(word);
	create_ok(author, json_pack("{s:s, s:s, s:s}", "title", word, "body",
	    "![x](media:" MEDIA_ID ")", "status", "published"), &r, id);
	set_post_body(id, quad);
	snprintf(line, sizeof(line), "post %s: cannot render again, not tried again", id);
	/* After the interval one read tries, is cut off, and answers what is stored. */
	tried = post_column(id, "render_tried_at");
	wait_interval_over(tried);
	free(tried);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_str_eq(media_state(&r, 0), "unresolved");
	at = db_now();
	ck_assert_int_eq(program_log_count(line), 1);
	tried = post_column(id, "render_tried_at");
	ck_assert_str_eq(tried, "infinity");
	free(tried);
	/* Another interval later: no read tries again. */
	wait_interval_over(at);
	free(at);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_int_eq(get_post(NULL, id, &r), 200);
	ck_assert_int_eq(program_log_count(line), 1);
	free(quad);
}
END_TEST

/* Returns whether the real Media program runs in the stack (GET /media/health is 200). */
static bool
media_is_here(void)
{
	struct http_resp r;
	char		 path[1100];
	long		 st;

	snprintf(path, sizeof(path), "%s/quire-media", test_stack.build);
	if (access(path, X_OK) != 0)
		return false;
	st = api("GET", "/media/health", NULL, NULL, &r);
	return st == 200;
}

START_TEST(media_comes_back_and_references_resolve)
{
	struct http_resp r;
	char		 id[UUID_LEN + 1], mid[UUID_LEN + 1], etag[ETAG_MAX], etag2[ETAG_MAX];
	char		 word[16], body[200];
	const char	*author;
	char		 want[512];
	const char	*html;
	int		 i;

	if (!media_is_here()) {
		fprintf(stderr, "SKIPPED media_comes_back_and_references_resolve: %s/quire-media is "
		    "not built or /media/health does not answer 200 (the Media program is not "
		    "merged yet): the Media-comes-back half of the Media-down story did not run\n",
		    test_stack.build);
		return;
	}
	author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	unique_word(word);
	ck_assert_int_eq(upload_png(author, 700, 400, mid), 201);
	/* Written while Media is cut off: unresolved, a plain link. */
	snprintf(body, sizeof(body), "![a cat](media:%s)", mid);
	create_ok(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", body, "status",
	    "published"), &r, id);
	ck_assert_str_eq(media_state(&r, 0), "unresolved");
	etag_of(&r, etag);

	/* Media back: within a breaker interval or so, a read finds the image resolved. */
	ck_assert_int_eq(relay_open(&media_relay, test_stack.port), 0);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(get_post(NULL, id, &r), 200);
		if (strcmp(media_state(&r, 0), "resolved") == 0)
			break;
		usleep(100000);
	}
	ck_assert_str_eq(media_state(&r, 0), "resolved");
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(json_object_get(
	    r.json, "media"), 0), "width")), 700);
	html = http_resp_str(&r, "html");
	/* Media's widths are 320, 640, 960…: 960 serves the image at its own 700. */
	snprintf(want, sizeof(want), "<img src=\"/media/%s/w/960.webp\" srcset=\"/media/%s/w/"
	    "320.webp 320w, /media/%s/w/640.webp 640w, /media/%s/w/960.webp 700w\" width=\"700\" "
	    "height=\"400\" alt=\"a cat\" />", mid, mid, mid, mid);
	ck_assert_ptr_nonnull(strstr(html, want));
	ck_assert_str_ne(etag_of(&r, etag2), etag);
	/* Written while Media answers: resolved at once, with nothing to warn of. */
	create_ok(author, json_pack("{s:s, s:s}", "title", word, "body", body), &r, id);
	ck_assert_str_eq(media_state(&r, 0), "resolved");
	ck_assert_ptr_null(json_object_get(r.json, "warnings"));
	etag_of(&r, etag);
	/* Issue 10 item 11 (c): an id Media does not have is saved, with a warning naming it. */
	snprintf(body, sizeof(body), "![a cat](media:%s) ![gone](media:" UNKNOWN_MEDIA ")", mid);
	create_ok(author, json_pack("{s:s, s:s}", "title", word, "body", body), &r, NULL);
	ck_assert_str_eq(media_state(&r, 0), "resolved");
	ck_assert_str_eq(media_state(&r, 1), "unresolved");
	expect_warning(&r, "unknown_media", UNKNOWN_MEDIA);
	ck_assert_int_eq(patch(author, id, etag, json_pack("{s:s}", "body", body), &r), 200);
	expect_warning(&r, "unknown_media", UNKNOWN_MEDIA);
	relay_close(&media_relay);
}
END_TEST

/* Returns how many rows table (of schema post) holds, as Post's own role sees it. */
static long long
rows_of(const char *table)
{
	char	 sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM post.%s", table);
	return db_number("quire_post", sql, NULL);
}

/* POSTs {"body": md} to /posts/preview with token (or none). Returns the status. */
static long
preview(const char *token, const char *md, struct http_resp *r)
{
	char	*s = dump(json_pack("{s:s}", "body", md));
	long	 st = api("POST", "/posts/preview", token, s, r);

	free(s);
	return st;
}

/*
 * Asserts that md previews (200, no-store, nothing stored) to the HTML and
 * excerpt a save of md gives, and that the save's warnings are the
 * preview's. Returns the preview's answer in r.
 */
static void
preview_as_save(const char *token, const char *md, struct http_resp *r)
{
	struct http_resp s;
	char		 cc[64], *saved_warnings, *preview_warnings, word[16];
	long long	 posts = rows_of("posts"), revisions = rows_of("revisions");

	ck_assert_msg(preview(token, md, r) == 200, "%ld %s", r->status, buf_str(&r->body));
	ck_assert_str_eq(http_header(r, "Cache-Control", cc, sizeof(cc)), "no-store");
	ck_assert(json_is_array(json_object_get(r->json, "warnings")));
	ck_assert_int_eq(rows_of("posts"), posts);
	ck_assert_int_eq(rows_of("revisions"), revisions);
	unique_word(word);
	create_ok(token, json_pack("{s:s, s:s}", "title", word, "body", md), &s, NULL);
	ck_assert_str_eq(http_resp_str(r, "html"), http_resp_str(&s, "html"));
	ck_assert_str_eq(http_resp_str(r, "excerpt"), http_resp_str(&s, "excerpt"));
	/* A save says "warnings" only when there is something to say; a preview always. */
	saved_warnings = json_dumps(json_object_get(s.json, "warnings") != NULL ?
	    json_object_get(s.json, "warnings") : json_array(), JSON_COMPACT | JSON_SORT_KEYS);
	preview_warnings = json_dumps(json_object_get(r->json, "warnings"),
	    JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(preview_warnings, saved_warnings);
	free(saved_warnings);
	free(preview_warnings);
	ck_assert_int_eq(rows_of("posts"), posts + 1);
}

/*
 * POST /posts/preview renders a body as a save would (markup, media
 * references, excerpt, warnings), stores nothing, and refuses what a save
 * refuses with the same statuses and codes.
 */
START_TEST(preview_renders_as_a_save_and_stores_nothing)
{
	struct http_resp r;
	char		*big, *quad;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 md[300];
	long long	 posts, revisions;
	static const struct api_case bad[] = {
		{ "POST", "/posts/preview", "{}", 400, "missing_field", "body" },
		{ "POST", "/posts/preview", "{\"body\":\"x\",\"title\":\"t\"}", 400, "unknown_field",
		    "title" },
		{ "POST", "/posts/preview", "{\"body\":7}", 400, "invalid_type", "body" },
		{ "POST", "/posts/preview", "{\"body\":\"a\\u0001b\"}", 400, "control_character",
		    "body" },
		{ "POST", "/posts/preview", "{\"body\":\"![x](media:not-an-id)\"}", 400,
		    "invalid_field", "media" },
	};

	/* Markup, and a media reference while Media is cut off: a link, and a warning. */
	snprintf(md, sizeof(md), "# Hello\n\nSome *markup* and <script>x</script>\n\n"
	    "![a cat](media:%s)\n", MEDIA_ID);
	preview_as_save(author, md, &r);
	ck_assert_ptr_nonnull(strstr(http_resp_str(&r, "html"), "<h1>Hello</h1>"));
	ck_assert_ptr_nonnull(strstr(http_resp_str(&r, "html"), "<em>markup</em>"));
	ck_assert_ptr_null(strstr(http_resp_str(&r, "html"), "<script>"));
	ck_assert_ptr_nonnull(strstr(http_resp_str(&r, "html"),
	    "<a href=\"/media/" MEDIA_ID "/original\">a cat</a>"));
	expect_warning(&r, "media_unavailable", MEDIA_ID);

	posts = rows_of("posts");
	revisions = rows_of("revisions");
	/* No token, a bad token: 401, as for a save. */
	preview(NULL, "hello", &r);
	ck_error(&r, 401, "missing_token");
	preview("not.a.token", "hello", &r);
	ck_error(&r, 401, "invalid_token");
	/* The checks of a post's body. */
	api_expect_errors(author, NULL, bad, nitems(bad));
	big = calloc(1, BODY_MAX + 2);
	memset(big, 'a', BODY_MAX + 1);
	preview(author, big, &r);
	ck_error(&r, 413, "body_too_large");
	/* 1 MiB exactly is a body a save takes: so does a preview. */
	big[BODY_MAX] = '\0';
	ck_assert_int_eq(preview(author, big, &r), 200);
	free(big);
	/* Past the render budget: 422, as a save. */
	if (cmark_quadratic()) {
		quad = md_quadratic(BODY_MAX);
		preview(author, quad, &r);
		ck_error(&r, 422, "body_too_complex");
		free(quad);
	}
	ck_assert_int_eq(api("GET", "/posts/health", NULL, NULL, &r), 200);
	ck_assert_int_eq(rows_of("posts"), posts);
	ck_assert_int_eq(rows_of("revisions"), revisions);
}
END_TEST

/*
 * With Media answering, a preview shows an image Media has as the <img> a
 * save gives (srcset and all), and warns of an id Media does not have.
 */
START_TEST(preview_resolves_media_as_a_save)
{
	struct http_resp r;
	char		 mid[UUID_LEN + 1], md[200], want[512];
	const char	*author;

	if (!media_is_here()) {
		fprintf(stderr, "SKIPPED preview_resolves_media_as_a_save: quire-media is not "
		    "built or does not answer\n");
		return;
	}
	author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	ck_assert_int_eq(upload_png(author, 700, 400, mid), 201);
	ck_assert_int_eq(relay_open(&media_relay, test_stack.port), 0);
	snprintf(md, sizeof(md), "![a cat](media:%s) ![gone](media:" UNKNOWN_MEDIA ")", mid);
	preview_as_save(author, md, &r);
	snprintf(want, sizeof(want), "<img src=\"/media/%s/w/960.webp\" srcset=\"/media/%s/w/"
	    "320.webp 320w, /media/%s/w/640.webp 640w, /media/%s/w/960.webp 700w\" width=\"700\" "
	    "height=\"400\" alt=\"a cat\" />", mid, mid, mid, mid);
	ck_assert_msg(strstr(http_resp_str(&r, "html"), want) != NULL, "%s", http_resp_str(&r, "html"));
	expect_warning(&r, "unknown_media", UNKNOWN_MEDIA);
	/* Nothing to warn of: an empty list. */
	snprintf(md, sizeof(md), "![a cat](media:%s)", mid);
	ck_assert_int_eq(preview(author, md, &r), 200);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "warnings")), 0);
	relay_close(&media_relay);
}
END_TEST

START_TEST(unknown_paths_and_methods)
{
	struct http_resp r;
	char		 allow[128];
	static const struct api_case unknown[] = {
		{ "GET", "/posts/Not_A_Slug!", NULL, 404, "not_found", NULL },
		{ "GET", "/posts/no-such-post-anywhere", NULL, 404, "not_found", NULL },
		{ "GET", "/posts/00000000-0000-4000-8000-000000000000", NULL, 404, "not_found", NULL },
		{ "GET", "/posts/a/b/c", NULL, 404, "not_found", NULL },
	};

	api_expect_errors(NULL, NULL, unknown, nitems(unknown));
	/* Not the API's: the reader site's 404 page. */
	ck_assert_int_eq(api("GET", "/postsx", NULL, NULL, &r), 404);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "<!doctype html>"));
	api("PUT", "/posts/00000000-0000-4000-8000-000000000000", NULL, "{}", &r);
	ck_error(&r, 405, "method_not_allowed");
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "GET, HEAD, PATCH, DELETE");
	api("DELETE", "/posts", NULL, NULL, &r);
	ck_error(&r, 405, "method_not_allowed");
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "GET, HEAD, POST");
	ck_assert_int_eq(api("GET", "/posts/health", NULL, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "status"), "ok");
}
END_TEST

START_TEST(post_role_reads_only_its_schema)
{
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "quire_post"));
	PGresult	*res;

	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	res = PQexec(c, "SELECT count(*) FROM auth.users");
	ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
	PQclear(res);
	res = PQexec(c, "SELECT count(*) FROM post.posts");
	ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	PQclear(res);
	PQfinish(c);
}
END_TEST

START_TEST(database_outage_gives_503_then_recovers)
{
	struct http_resp r;
	char		 id[UUID_LEN + 1], word[16];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 retry[16];
	int		 i;

	unique_word(word);
	publish(author, word, "survives", id, NULL);
	ck_assert_int_eq(stack_pg_stop(&test_stack), 0);
	for (i = 0; i < 3; i++) {
		api("GET", "/posts/health", NULL, NULL, &r);
		ck_error(&r, 503, "service_unavailable");
		ck_assert_str_eq(http_header(&r, "Retry-After", retry, sizeof(retry)), "1");
		get_post(NULL, id, &r);
		ck_error(&r, 503, "service_unavailable");
		api("GET", "/posts", NULL, NULL, &r);
		ck_error(&r, 503, "service_unavailable");
		create(author, json_pack("{s:s, s:s}", "title", word, "body", ""), &r);
		ck_error(&r, 503, "service_unavailable");
	}
	ck_assert_int_eq(stack_pg_start(&test_stack), 0);
	for (i = 0; i < 50; i++) {
		if (get_post(NULL, id, &r) == 200)
			break;
		usleep(100000);
	}
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(http_resp_str(&r, "body"), "survives");
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(api("GET", "/posts?page=1", NULL, NULL, &r), 200);
}
END_TEST

static Suite *
post_suite(void)
{
	Suite	*s = suite_create("post");
	TCase	*t = tcase_create("api");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, write_publish_read);
	tcase_add_test(t, slugs);
	tcase_add_test(t, unicode_titles_make_sensible_slugs);
	tcase_add_test(t, hidden_posts_give_way_and_reveal_nothing);
	tcase_add_test(t, if_match_is_required_and_checked);
	tcase_add_test(t, malformed_preconditions_are_400);
	tcase_add_test(t, who_may_change_what);
	tcase_add_test(t, delete_removes_at_once);
	tcase_add_test(t, bad_input_changes_nothing);
	tcase_add_test(t, patch_refuses_bad_input);
	tcase_add_test(t, scheduled_posts_appear_on_time);
	tcase_add_test(t, lists_paginate_and_filter);
	tcase_add_test(t, full_text_search);
	tcase_add_test(t, xss_never_reaches_the_html);
	tcase_add_test(t, excerpts);
	tcase_add_test(t, revisions_keep_every_version);
	tcase_add_test(t, atom_feed_parses);
	tcase_add_test(t, media_down_every_status_is_2xx);
	tcase_add_test(t, reads_ask_media_at_most_once_per_interval);
	tcase_add_test(t, render_budget_bounds_every_write);
	tcase_add_test(t, healing_reads_keep_the_budget);
	tcase_add_test(t, media_comes_back_and_references_resolve);
	tcase_add_test(t, preview_renders_as_a_save_and_stores_nothing);
	tcase_add_test(t, preview_resolves_media_as_a_save);
	tcase_add_test(t, unknown_paths_and_methods);
	tcase_add_test(t, post_role_reads_only_its_schema);
	suite_add_tcase(s, t);
	return s;
}

/* Tests that stop and start PostgreSQL under the running programs. */
static Suite *
outage_suite(void)
{
	Suite	*s = suite_create("post-outage");
	TCase	*t = tcase_create("outage");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, database_outage_gives_503_then_recovers);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	struct stack_opts	 o = { 0 };
	char			 media_url[64], post_conf[128];

	/* Post asks Media through the relay, closed: Media is unreachable. */
	if (relay_init(&media_relay) == -1)
		return 1;
	snprintf(media_url, sizeof(media_url), "http://127.0.0.1:%d", media_relay.port);
	snprintf(post_conf, sizeof(post_conf), "media_breaker_seconds = %d\nrender_budget = %d\n",
	    BREAKER_SECONDS, RENDER_BUDGET);
	o.media_url = media_url;
	o.post_conf = post_conf;
	return client_run(post_suite(), outage_suite(), &o);
}
