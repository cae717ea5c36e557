/*
 * Integration tests of the reader site (issue 8): pages as files in the
 * site directory, sent by lighttpd or Apache by themselves, misses rendered
 * by quire-post, over real HTTP with a real PostgreSQL. Each test makes its
 * own users and posts, named with a word of its own.
 *
 * A page "sent by the web server" is one quire-post logged no request for;
 * "kept" files keep their inode and mtime. Timing decides nothing: what
 * happens by itself (a scheduled post, a theme reload) is waited for with a
 * generous deadline. Post reaches Media through a relay, closed (Media
 * unreachable) but in the test that needs images.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "client.h"
#include "nitems.h"
#include "post/post.h"
#include "proc.h"
#include "relay.h"
#include "times.h"

#define DEADLINE_MS	30000	/* for what happens by itself */
#define HOSTILE		"<script>alert(\"x\")</script> & 'q'"

static struct relay	 media_relay;

/* The stored file at rel of the site directory: whether it is there, and which one. */
struct fid {
	bool	 exists;
	ino_t	 ino;
	time_t	 mtime;
	long	 nsec;
};

/* Writes the path of rel in the site directory into out (1100 bytes). */
static void
site_file(const char *rel, char out[1100])
{
	snprintf(out, 1100, "%s/site/%s", test_stack.var, rel);
}

static struct fid
file_id(const char *rel)
{
	struct fid	 f = { 0 };
	struct stat	 st;
	char		 path[1100];

	site_file(rel, path);
	if (stat(path, &st) == 0) {
		f.exists = true;
		f.ino = st.st_ino;
		f.mtime = st.st_mtim.tv_sec;
		f.nsec = st.st_mtim.tv_nsec;
	}
	return f;
}

/* Asserts that rel is the very file it was (not deleted, not replaced). */
static void
assert_kept(const char *rel, struct fid before)
{
	struct fid	 now = file_id(rel);

	ck_assert_msg(before.exists, "%s was not stored to begin with", rel);
	ck_assert_msg(now.exists && now.ino == before.ino && now.mtime == before.mtime &&
	    now.nsec == before.nsec, "%s was deleted or replaced by a change that does not "
	    "show on it", rel);
}

/* Reads the stored file rel into b (emptied first). Returns 0, or -1 when it is not there. */
static int
read_site_file(const char *rel, struct buf *b)
{
	char	 path[1100], err[128];

	site_file(rel, path);
	buf_reset(b);
	return buf_read_file(b, path, 16 << 20, err, sizeof(err));
}

/* GETs path of the site with extra headers (a NULL-terminated list, or NULL). */
static long
site_get(const char *path, const char *const *headers, struct http_resp *r)
{
	char	 url[2048];

	snprintf(url, sizeof(url), "%s%s", test_stack.base_url, path);
	return http_request("GET", url, headers, NULL, 0, r);
}

/* Returns the body of GET path (to free), failing the test unless it is 200. */
static char *
page(const char *path)
{
	struct http_resp r;
	char		*body;

	site_get(path, NULL, &r);
	ck_assert_msg(r.status == 200, "GET %s: %ld %s", path, r.status, buf_str(&r.body));
	body = strdup(buf_str(&r.body));
	return body;
}

/* Asserts that GET path answers status (301: with Location want). */
static void
expect_status(const char *path, long status, const char *want)
{
	struct http_resp r;
	char		 loc[1100];

	site_get(path, NULL, &r);
	ck_assert_msg(r.status == status, "GET %s: %ld, wanted %ld", path, r.status, status);
	if (want != NULL)
		ck_assert_str_eq(http_header(&r, "Location", loc, sizeof(loc)), want);
}

/* Asserts that page path holds (or, with has false, does not hold) needle. */
static void
expect_text(const char *path, const char *needle, bool has)
{
	char	*body = page(path);

	ck_assert_msg((strstr(body, needle) != NULL) == has, "GET %s %s \"%s\"", path,
	    has ? "lacks" : "still shows", needle);
	free(body);
}

/* Returns how many requests for path quire-post logged. */
static int
post_hits(const char *path)
{
	char	 needle[1200];

	snprintf(needle, sizeof(needle), "path=%s status=", path);
	return program_log_count(needle);
}

/* GETs path until it is stored and sent by the web server: the next GET reaches no program. */
static void
warm(const char *path)
{
	int	 before;

	free(page(path));
	before = post_hits(path);
	free(page(path));
	ck_assert_msg(post_hits(path) == before, "GET %s reached quire-post twice: not stored",
	    path);
}

/* Returns the JSON text of j (to free), releasing j. */
static char *
dump(json_t *j)
{
	char	*s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* Creates a post from fields (released); copies its id and slug (when not NULL). */
static void
create(const char *token, json_t *fields, char id[UUID_LEN + 1], char slug[SLUG_MAX + 1])
{
	struct http_resp r;
	char		*s = dump(fields);

	api("POST", "/posts", token, s, &r);
	free(s);
	ck_assert_msg(r.status == 201, "create: %ld %s", r.status, buf_str(&r.body));
	if (id != NULL)
		snprintf(id, UUID_LEN + 1, "%s", http_resp_str(&r, "id"));
	if (slug != NULL)
		snprintf(slug, SLUG_MAX + 1, "%s", http_resp_str(&r, "slug"));
}

/* Changes post id with fields (released), as its reader with token; asserts 200. */
static void
change(const char *token, const char *id, json_t *fields)
{
	struct http_resp r;
	char		 path[128], etag[128], header[200], *s = dump(fields);

	snprintf(path, sizeof(path), "/posts/%s", id);
	ck_assert_int_eq(api("GET", path, token, NULL, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	snprintf(header, sizeof(header), "If-Match: %s", etag);
	api_with("PATCH", path, token, s, header, &r);
	free(s);
	ck_assert_msg(r.status == 200, "change: %ld %s", r.status, buf_str(&r.body));
}

/* Deletes post id as token's; asserts 204. */
static void
post_delete(const char *token, const char *id)
{
	struct http_resp r;
	char		 path[128];

	snprintf(path, sizeof(path), "/posts/%s", id);
	ck_assert_int_eq(api("DELETE", path, token, NULL, &r), 204);
}

/* Changes the site's settings with fields (released) as the admin; returns the status. */
static long
settings_change(json_t *fields, struct http_resp *r)
{
	struct http_resp g;
	char		 etag[64], header[100], *s = dump(fields);
	const char	*admin = admin_token();
	long		 st;

	ck_assert_int_eq(api("GET", "/posts/settings", NULL, NULL, &g), 200);
	ck_assert_ptr_nonnull(http_header(&g, "ETag", etag, sizeof(etag)));
	snprintf(header, sizeof(header), "If-Match: %s", etag);
	st = api_with("PATCH", "/posts/settings", admin, s, header, r);
	free(s);
	return st;
}

/*
 * Writes each body to a file named for its kind (.html, .atom, .xml) and has
 * site_check.py (html5lib, xml.etree) read them all; plain text (.txt) has
 * no grammar to check.
 */
static void
check_parses(const char *const *names, char *const *bodies, size_t n)
{
	char		 dir[] = "/tmp/quire-site-XXXXXX", paths[60][128];
	char		*argv[64] = { "/usr/bin/python3", "tests/integration/site_check.py" };
	size_t		 i, k = 2;
	FILE		*f;

	ck_assert_uint_le(n, 60);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < n; i++) {
		if (strcmp(names[i], ".txt") == 0)
			continue;
		snprintf(paths[i], sizeof(paths[i]), "%s/%02zu%s", dir, i, names[i]);
		ck_assert_ptr_nonnull(f = fopen(paths[i], "w"));
		fputs(bodies[i], f);
		fclose(f);
		argv[k++] = paths[i];
	}
	argv[k] = NULL;
	ck_assert_msg(stack_run(argv) == 0, "a page does not parse (site_check.py said why above)");
	for (i = 2; i < k; i++)
		unlink(argv[i]);
	rmdir(dir);
}

/* Returns the ETag of r without a weak prefix (Apache marks it weak in the file's first second). */
static const char *
strong_etag(const struct http_resp *r, char out[128])
{
	ck_assert_ptr_nonnull(http_header(r, "ETag", out, 128));
	if (strncmp(out, "W/", 2) == 0)
		memmove(out, out + 2, strlen(out + 2) + 1);
	return out;
}

START_TEST(pages_of_every_type)
{
	static const struct {
		const char	*path;	/* %1$s the word, %2$s the first post's slug, %3$s the author */
		const char	*rel;	/* where it is stored, or NULL */
		const char	*type;
		const char	*ext;
	} pages[] = {
		{ "/", "index.html", "text/html; charset=utf-8", ".html" },
		{ "/page/2/", "page/2/index.html", "text/html; charset=utf-8", ".html" },
		{ "/%2$s/", "%2$s/index.html", "text/html; charset=utf-8", ".html" },
		{ "/about-%1$s/", "about-%1$s/index.html", "text/html; charset=utf-8", ".html" },
		{ "/tag/%1$s/", "tag/%1$s/index.html", "text/html; charset=utf-8", ".html" },
		{ "/tag/%1$s/page/2/", "tag/%1$s/page/2/index.html", "text/html; charset=utf-8",
		    ".html" },
		{ "/tag/%1$s/feed.atom", "tag/%1$s/feed.atom", "application/atom+xml; charset=utf-8",
		    ".atom" },
		{ "/author/%3$s/", "author/%3$s/index.html", "text/html; charset=utf-8", ".html" },
		{ "/author/%3$s/page/2/", "author/%3$s/page/2/index.html",
		    "text/html; charset=utf-8", ".html" },
		{ "/feed.atom", "feed.atom", "application/atom+xml; charset=utf-8", ".atom" },
		{ "/sitemap.xml", "sitemap.xml", "application/xml; charset=utf-8", ".xml" },
		{ "/robots.txt", "robots.txt", "text/plain; charset=utf-8", ".txt" },
		{ "/search/?q=%1$s", NULL, "text/html; charset=utf-8", ".html" },
		{ "/nothing-here-%1$s/", NULL, "text/html; charset=utf-8", ".html" },
	};
#define NPAGES (nitems(pages))
	struct http_resp r, r2;
	char		 name[USERNAME_MAX + 1], word[16];
	const char	*author = new_user("author", name, NULL);
	char		 first[SLUG_MAX + 1], path[512], rel[512], want[512], ct[128], etag[128];
	char		 etag2[128];
	char		 modified[64];
	char		 hdr[200], *bodies[NPAGES];
	const char	*names[NPAGES], *gzip[] = { "Accept-Encoding: gzip", NULL };
	const char	*inm[] = { hdr, NULL };
	struct buf	 gz = BUF_INIT;
	size_t		 i, n = 0;
	int		 k, hits;

	unique_word(word);
	/* Eleven posts with the word as a tag: a second page of each list. */
	for (k = 0; k < 11; k++) {
		char title[64];

		snprintf(title, sizeof(title), "%s number %d", word, k);
		create(author, json_pack("{s:s, s:s, s:s, s:[s,s]}", "title", title, "body",
		    "Some *words* here.", "status", "published", "tags", word, "Common Ground"),
		    NULL, k == 0 ? first : NULL);
	}
	snprintf(path, sizeof(path), "about-%s", word);
	create(author, json_pack("{s:s, s:s, s:s, s:s, s:s}", "title", "About this site", "body",
	    "Who writes here.", "status", "published", "kind", "page", "slug", path), NULL, NULL);

	for (i = 0; i < NPAGES; i++) {
		bool error = strstr(pages[i].path, "nothing-here") != NULL;

		snprintf(path, sizeof(path), pages[i].path, word, first, name);
		site_get(path, NULL, &r);
		ck_assert_msg(r.status == (error ? 404 : 200), "GET %s: %ld", path, r.status);
		ck_assert_str_eq(http_header(&r, "Content-Type", ct, sizeof(ct)), pages[i].type);
		ck_assert_ptr_nonnull(http_header(&r, "X-Content-Type-Options", ct, sizeof(ct)));
		names[n] = pages[i].ext;
		bodies[n++] = strdup(buf_str(&r.body));
		if (pages[i].rel == NULL) {
			/* Never stored: search asks Post every time, errors are not kept. */
			if (!error)
				ck_assert_str_eq(http_header(&r, "Cache-Control", ct, sizeof(ct)),
				    "no-store");
			continue;
		}
		snprintf(rel, sizeof(rel), pages[i].rel, word, first, name);
		ck_assert_msg(file_id(rel).exists, "%s is not stored at %s", path, rel);
		ck_assert_str_eq(http_header(&r, "Cache-Control", ct, sizeof(ct)), "no-cache");
		/* The next GET is the web server's alone: the same bytes, its validators. */
		hits = post_hits(path);
		ck_assert_int_eq(site_get(path, NULL, &r2), 200);
		ck_assert_int_eq(post_hits(path), hits);
		ck_assert_str_eq(buf_str(&r2.body), buf_str(&r.body));
		ck_assert_str_eq(http_header(&r2, "Content-Type", ct, sizeof(ct)), pages[i].type);
		ck_assert_str_eq(http_header(&r2, "Cache-Control", ct, sizeof(ct)), "no-cache");
		ck_assert_ptr_nonnull(http_header(&r2, "Last-Modified", modified, sizeof(modified)));
		strong_etag(&r2, etag);
		/* A 304 for its ETag, and for its date. */
		snprintf(hdr, sizeof(hdr), "If-None-Match: %s", etag);
		ck_assert_int_eq(site_get(path, inm, &r2), 304);
		snprintf(hdr, sizeof(hdr), "If-Modified-Since: %s", modified);
		ck_assert_int_eq(site_get(path, inm, &r2), 304);
		ck_assert_int_eq(post_hits(path), hits);
		/* The gzip made when it was stored, to a client that takes gzip. */
		snprintf(want, sizeof(want), ".gz/%s", rel);
		ck_assert_int_eq(read_site_file(want, &gz), 0);
		ck_assert_int_eq(site_get(path, gzip, &r2), 200);
		ck_assert_int_eq(post_hits(path), hits);
		ck_assert_str_eq(http_header(&r2, "Content-Encoding", ct, sizeof(ct)), "gzip");
		ck_assert_str_eq(http_header(&r2, "Vary", ct, sizeof(ct)), "Accept-Encoding");
		ck_assert_str_eq(http_header(&r2, "Content-Type", ct, sizeof(ct)), pages[i].type);
		ck_assert_uint_eq(r2.body.len, gz.len);
		ck_assert_int_eq(memcmp(r2.body.data, gz.data, gz.len), 0);
		ck_assert_str_ne(strong_etag(&r2, etag2), etag);
	}
	ck_assert(!file_id("search/index.html").exists);
	check_parses(names, bodies, n);
	snprintf(want, sizeof(want), "Sitemap: %s/sitemap.xml\n", test_stack.base_url);
	ck_assert_ptr_nonnull(strstr(bodies[11], want));
	ck_assert_ptr_nonnull(strstr(bodies[11], "Disallow: /search/"));
	/* The page is in the sitemap, not in the lists or feeds. */
	snprintf(want, sizeof(want), "%s/about-%s/</loc>", test_stack.base_url, word);
	ck_assert_ptr_nonnull(strstr(bodies[10], want));
	snprintf(want, sizeof(want), "/about-%s/", word);
	ck_assert_ptr_null(strstr(bodies[0], want));
	ck_assert_ptr_null(strstr(bodies[9], want));
	ck_assert_ptr_null(strstr(bodies[7], want));
	snprintf(want, sizeof(want), "/posts?kind=page&q=%s", word);
	ck_assert_int_eq(api("GET", "/posts?kind=page", NULL, NULL, &r), 200);
	snprintf(want, sizeof(want), "\"about-%s\"", word);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), want));
	ck_assert_int_eq(api("GET", "/posts?per_page=100", NULL, NULL, &r), 200);
	ck_assert_ptr_null(strstr(buf_str(&r.body), want));
	/* The lists: newest first, ten a page, prev and next. */
	snprintf(want, sizeof(want), "%s number 10", word);
	ck_assert_ptr_nonnull(strstr(bodies[4], want));
	snprintf(want, sizeof(want), "%s number 0", word);
	ck_assert_ptr_null(strstr(bodies[4], want));
	ck_assert_ptr_nonnull(strstr(bodies[5], want));
	snprintf(want, sizeof(want), "<link rel=\"next\" href=\"%s/tag/%s/page/2/\">",
	    test_stack.base_url, word);
	ck_assert_ptr_nonnull(strstr(bodies[4], want));
	snprintf(want, sizeof(want), "<link rel=\"prev\" href=\"%s/tag/%s/\">", test_stack.base_url,
	    word);
	ck_assert_ptr_nonnull(strstr(bodies[5], want));
	/* The search found the eleven; the 404 is the theme's. */
	ck_assert_ptr_nonnull(strstr(bodies[12], "11 posts match"));
	ck_assert_ptr_nonnull(strstr(bodies[13], "This page is not here"));
	/* The site feed is the API's: the same id and entries. */
	snprintf(want, sizeof(want), "<id>%s/posts/feed.atom</id>", test_stack.base_url);
	ck_assert_ptr_nonnull(strstr(bodies[9], want));
	for (i = 0; i < n; i++)
		free(bodies[i]);
	buf_free(&gz);
#undef NPAGES
}
END_TEST

START_TEST(redirects_and_not_found)
{
	struct http_resp r;
	char		 word[16], id[UUID_LEN + 1];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 slug[SLUG_MAX + 1], draft[SLUG_MAX + 1], path[300], want[300], allow[64];

	unique_word(word);
	snprintf(path, sizeof(path), "Mixed Case %s", word);
	create(author, json_pack("{s:s, s:s, s:s, s:[s]}", "title", word, "body", "b", "status",
	    "published", "tags", path), id, slug);
	create(author, json_pack("{s:s, s:s}", "title", "a draft", "body", "b"), NULL, draft);

	expect_status("/page/1/", 301, "/");
	expect_status("/page/2", 301, "/page/2/");
	snprintf(path, sizeof(path), "/%s", slug);
	snprintf(want, sizeof(want), "/%s/", slug);
	expect_status(path, 301, want);
	snprintf(path, sizeof(path), "/tag/Mixed%%20Case%%20%s/", word);
	snprintf(want, sizeof(want), "/tag/mixed-case-%s/", word);
	expect_status(path, 301, want);
	expect_status(want, 200, NULL);
	want[strlen(want) - 1] = '\0';
	snprintf(path, sizeof(path), "%s/", want);
	expect_status(want, 301, path);
	expect_status("/search?q=a%20b", 301, "/search/?q=a%20b");
	/* An old slug: 301 to the new page, with or without the '/'. */
	snprintf(want, sizeof(want), "renamed-%s", word);
	change(author, id, json_pack("{s:s}", "slug", want));
	snprintf(path, sizeof(path), "/%s/", slug);
	snprintf(want, sizeof(want), "/renamed-%s/", word);
	expect_status(path, 301, want);
	path[strlen(path) - 1] = '\0';
	expect_status(path, 301, want);
	expect_status(want, 200, NULL);

	/* Not found: the theme's page, status 404. */
	snprintf(path, sizeof(path), "/%s/", draft);
	expect_status(path, 404, NULL);
	snprintf(path, sizeof(path), "/nothing-%s/", word);
	expect_status(path, 404, NULL);
	expect_status("/page/100000/", 404, NULL);
	expect_status("/page/0/", 404, NULL);
	expect_status("/page/x/", 404, NULL);
	snprintf(path, sizeof(path), "/tag/nothing-%s/", word);
	expect_status(path, 404, NULL);
	snprintf(path, sizeof(path), "/author/nobody-%s/", word);
	expect_status(path, 404, NULL);
	expect_status("/a/b/c/", 404, NULL);
	expect_status("/tag/", 404, NULL);
	expect_status("/00000000-0000-4000-8000-000000000000/", 404, NULL);
	ck_assert_int_eq(site_get("/assets/no-such-file.css", NULL, &r), 404);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "This page is not here"));
	ck_assert_int_eq(site_get("/nothing-anywhere/", NULL, &r), 404);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "This page is not here"));

	/* Pages are read, never written to: 405, whatever the web server holds. */
	snprintf(path, sizeof(path), "/renamed-%s/", word);
	free(page(path));
	ck_assert_int_eq(api("POST", "/", NULL, "{}", &r), 405);
	ck_assert_str_eq(http_header(&r, "Allow", allow, sizeof(allow)), "GET, HEAD");
	ck_assert_int_eq(api("DELETE", path, NULL, NULL, &r), 405);
	ck_assert_int_eq(api("HEAD", path, NULL, NULL, &r), 200);
	ck_assert_uint_eq(r.body.len, 0);
}
END_TEST

/*
 * The site directory's own files (.generation, .changes, .gz/, .tmp, .trash
 * and any other path segment starting with a dot) are never sent: the theme's
 * 404 page, status 404, as any unknown path, gzip or not; a page is still sent
 * as its gzip copy to a client that takes gzip.
 */
START_TEST(private_files_not_served)
{
	struct http_resp r;
	const char	*gzip[] = { "Accept-Encoding: gzip", NULL };
	const char	*priv[] = { "/.generation", "/.changes", "/.gz/index.html", "/.gz/",
			    "/.gz/404.html", "/.tmp/", "/.trash/", "/.theme/", "/.theme",
			    "/tag/.gz/index.html", "/%2egeneration", "/assets/.x", "/a/.b/" };
	char		 ce[64];
	struct buf	 gz = { 0 };
	size_t		 i, h;

	free(page("/"));
	ck_assert_int_eq(read_site_file(".generation", &gz), 0);
	ck_assert_int_eq(read_site_file(".gz/index.html", &gz), 0);
	for (h = 0; h < 2; h++)
		for (i = 0; i < nitems(priv); i++) {
			site_get(priv[i], h == 0 ? NULL : gzip, &r);
			ck_assert_msg(r.status == 404, "GET %s (%s): %ld", priv[i],
			    h == 0 ? "plain" : "gzip", r.status);
			if (h == 0)
				ck_assert_msg(strstr(buf_str(&r.body), "This page is not here")
				    != NULL, "GET %s: not the theme's 404", priv[i]);
		}
	/* The internal mapping to the gzip copies still works. */
	ck_assert_int_eq(site_get("/", gzip, &r), 200);
	ck_assert_str_eq(http_header(&r, "Content-Encoding", ce, sizeof(ce)), "gzip");
	ck_assert_uint_eq(r.body.len, gz.len);
	ck_assert_int_eq(memcmp(r.body.data, gz.data, gz.len), 0);
	buf_free(&gz);
}
END_TEST

/* Runs sql as quire_post; asserts it succeeds. Returns the result (to PQclear). */
static PGresult *
post_sql(PGconn *c, const char *sql, const char *param)
{
	const char	*params[1] = { param };
	PGresult	*res = PQexecParams(c, sql, param != NULL ? 1 : 0, NULL, params, NULL,
			    NULL, 0);

	ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
	    PQresultStatus(res) == PGRES_TUPLES_OK, "%s: %s", sql, PQresultErrorMessage(res));
	return res;
}

START_TEST(reserved_slugs)
{
	static const char *const reserved[] = { "tag", "author", "page", "search", "feed",
	    "assets", "admin", "sitemap", "robots", "settings" };
	struct http_resp r;
	char		 id[UUID_LEN + 1], slug[SLUG_MAX + 1];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 word[16], sql[1024], path[300], etag[128], *text, err[128];
	struct buf	 file = BUF_INIT;
	PGconn		*c;
	PGresult	*res;
	size_t		 i;

	unique_word(word);
	for (i = 0; i < nitems(reserved); i++) {
		text = dump(json_pack("{s:s, s:s, s:s}", "title", "x", "body", "b", "slug",
		    reserved[i]));
		api("POST", "/posts", author, text, &r);
		free(text);
		ck_error(&r, 400, "reserved_slug");
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(
		    r.json, "error"), "message")), reserved[i]));
	}
	/* A slug made from a title steps aside. */
	create(author, json_pack("{s:s, s:s}", "title", "Search", "body", "b"), id, slug);
	ck_assert_str_ne(slug, "search");
	ck_assert_int_eq(strncmp(slug, "search-", 7), 0);
	text = dump(json_pack("{s:s}", "slug", "tag"));
	snprintf(path, sizeof(path), "/posts/%s", id);
	ck_assert_int_eq(api("GET", path, author, NULL, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	snprintf(sql, sizeof(sql), "If-Match: %s", etag);
	api_with("PATCH", path, author, text, sql, &r);
	free(text);
	ck_error(&r, 400, "reserved_slug");

	/* The migration renames a post that holds one (written before it was reserved). */
	c = PQconnectdb(stack_dsn(&test_stack, "quire_post"));
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	PQclear(post_sql(c, "DELETE FROM post.posts WHERE slug IN ('tag', 'author')", NULL));
	res = post_sql(c, "INSERT INTO post.posts (slug, title, body, html, excerpt, status, "
	    "published_at, author_id, author_name, search, tag_slugs) VALUES ('tag', 'Old tag', "
	    "'b', '<p>b</p>', 'b', 'published', now(), gen_random_uuid(), 'someone', "
	    "''::tsvector, '{}') RETURNING id", NULL);
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	snprintf(sql, sizeof(sql), "UPDATE post.posts SET doc = '{\"kind\":\"post\",\"id\":\"' || "
	    "id || '\",\"slug\":\"tag\",\"title\":\"Old tag\"}', item = '{\"kind\":\"post\","
	    "\"id\":\"' || id || '\",\"slug\":\"tag\"}', etag = '\"' || id || '.1.0\"', "
	    "last_modified = 'Thu, 01 Jan 2026 00:00:00 GMT' WHERE id = $1");
	PQclear(post_sql(c, sql, id));
	ck_assert_int_eq(buf_read_file(&file, "sql/post/003_reserved_slugs.sql", 1 << 20, err,
	    sizeof(err)), 0);
	PQclear(post_sql(c, buf_str(&file), NULL));
	res = post_sql(c, "SELECT slug, doc, item, etag FROM post.posts WHERE id = $1", id);
	snprintf(slug, sizeof(slug), "%s", PQgetvalue(res, 0, 0));
	ck_assert_int_eq(strncmp(slug, "tag-", 4), 0);
	snprintf(sql, sizeof(sql), "\"slug\":\"%s\"", slug);
	ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 1), sql));
	ck_assert_ptr_nonnull(strstr(PQgetvalue(res, 0, 2), sql));
	snprintf(sql, sizeof(sql), "\"%s.1.1\"", id);
	ck_assert_str_eq(PQgetvalue(res, 0, 3), sql);
	PQclear(res);
	PQfinish(c);
	/* Its old slug leads to the new one, in the API and on the site. */
	ck_assert_int_eq(api("GET", "/posts/tag", NULL, NULL, &r), 301);
	snprintf(path, sizeof(path), "/posts/%s", slug);
	ck_assert_str_eq(http_header(&r, "Location", sql, sizeof(sql)), path);
	snprintf(path, sizeof(path), "/%s/", slug);
	expect_text(path, "Old tag", true);
	buf_free(&file);
}
END_TEST

START_TEST(settings)
{
	static const char *const bad[][2] = {
		{ "{\"title\":\"\"}", "title" },
		{ "{\"title\":\"a\\u0001b\"}", "title" },
		{ "{\"language\":\"english\"}", "language" },
		{ "{\"language\":\"e\"}", "language" },
		{ "{\"language\":\"en-\"}", "language" },
		{ "{\"posts_per_page\":0}", "posts_per_page" },
		{ "{\"posts_per_page\":51}", "posts_per_page" },
		{ "{\"navigation\":[{\"label\":\"x\"}]}", "navigation[0]" },
		{ "{\"navigation\":[{\"label\":\"x\",\"url\":\"/\",\"extra\":1}]}", "navigation[0]" },
		{ "{\"navigation\":[{\"label\":\"\",\"url\":\"/\"}]}", "navigation[0].label" },
		{ "{\"navigation\":[{\"label\":\"a\",\"url\":\"/\"},{\"label\":\"x\","
		    "\"url\":\"javascript:alert(1)\"}]}", "navigation[1].url" },
		{ "{\"navigation\":[{\"label\":\"x\",\"url\":\"//evil.example/\"}]}",
		    "navigation[0].url" },
		{ "{\"navigation\":[{\"label\":\"x\",\"url\":\"data:text/html,x\"}]}",
		    "navigation[0].url" },
		{ "{\"navigation\":[{\"label\":\"x\",\"url\":\"https://\"}]}", "navigation[0].url" },
		{ "{\"navigation\":[{\"label\":\"x\",\"url\":\"/a b\"}]}", "navigation[0].url" },
	};
	struct http_resp r;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*admin = admin_token();
	char		 etag[64], etag2[64], header[100], word[16], slug[SLUG_MAX + 1], path[200];
	char		 msg[700];
	char		 long_text[600], nav[4096];
	const char	*m;
	size_t		 i;

	unique_word(word);
	ck_assert_int_eq(api("GET", "/posts/settings", NULL, NULL, &r), 200);
	ck_assert_ptr_nonnull(http_resp_str(&r, "title"));
	ck_assert_ptr_nonnull(http_resp_str(&r, "language"));
	ck_assert(json_is_integer(json_object_get(r.json, "posts_per_page")));
	ck_assert(json_is_array(json_object_get(r.json, "navigation")));
	ck_assert_ptr_nonnull(http_resp_str(&r, "updated_at"));
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	ck_assert_int_eq(strncmp(etag, "\"settings.", 10), 0);
	snprintf(header, sizeof(header), "If-Match: %s", etag);
	/* Who may change them, and how. */
	api_with("PATCH", "/posts/settings", NULL, "{\"title\":\"x\"}", header, &r);
	ck_error(&r, 401, "missing_token");
	api_with("PATCH", "/posts/settings", author, "{\"title\":\"x\"}", header, &r);
	ck_error(&r, 403, "forbidden");
	api("PATCH", "/posts/settings", admin, "{\"title\":\"x\"}", &r);
	ck_error(&r, 428, "precondition_required");
	api_with("PATCH", "/posts/settings", admin, "{\"title\":\"x\"}",
	    "If-Match: \"settings.999999\"", &r);
	ck_error(&r, 412, "precondition_failed");
	api_with("PATCH", "/posts/settings", admin, "{\"colour\":\"red\"}", header, &r);
	ck_error(&r, 400, "unknown_field");
	api_with("PATCH", "/posts/settings", admin, "{\"posts_per_page\":\"10\"}", header, &r);
	ck_error(&r, 400, "invalid_type");
	for (i = 0; i < nitems(bad); i++) {
		api_with("PATCH", "/posts/settings", admin, bad[i][0], header, &r);
		ck_error(&r, 400, "invalid_field");
		m = json_string_value(json_object_get(json_object_get(r.json, "error"), "message"));
		ck_assert_msg(strstr(m, bad[i][1]) != NULL, "%s: \"%s\" names no %s", bad[i][0], m,
		    bad[i][1]);
	}
	memset(long_text, 'd', 501);
	long_text[501] = '\0';
	snprintf(msg, sizeof(msg), "{\"description\":\"%.501s\"}", long_text);
	api_with("PATCH", "/posts/settings", admin, msg, header, &r);
	ck_error(&r, 400, "invalid_field");
	snprintf(nav, sizeof(nav), "{\"navigation\":[");
	for (i = 0; i < 21; i++)
		snprintf(nav + strlen(nav), sizeof(nav) - strlen(nav), "%s{\"label\":\"l\","
		    "\"url\":\"/\"}", i > 0 ? "," : "");
	snprintf(nav + strlen(nav), sizeof(nav) - strlen(nav), "]}");
	api_with("PATCH", "/posts/settings", admin, nav, header, &r);
	ck_error(&r, 400, "invalid_field");
	/* Nothing changed. */
	ck_assert_int_eq(api("GET", "/posts/settings", NULL, NULL, &r), 200);
	ck_assert_str_eq(http_header(&r, "ETag", etag2, sizeof(etag2)), etag);

	/* A change shows on every page, stored or not, at the next GET. */
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "b", "status",
	    "published"), NULL, slug);
	snprintf(path, sizeof(path), "/%s/", slug);
	warm(path);
	warm("/robots.txt");
	snprintf(msg, sizeof(msg), "Site %s", word);
	ck_assert_int_eq(settings_change(json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}",
	    "title", msg, "description", "A description", "language", "fr-CA", "navigation",
	    "label", "Nav one", "url", "/about/", "label", "Nav two", "url",
	    "https://example.org/x?a=1&b=2"), &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "title"), msg);
	ck_assert_str_eq(http_resp_str(&r, "language"), "fr-CA");
	ck_assert_str_ne(http_header(&r, "ETag", etag2, sizeof(etag2)), etag);
	expect_text(path, msg, true);
	expect_text(path, "<html lang=\"fr-CA\">", true);
	expect_text(path, ">Nav two</a>", true);
	expect_text(path, "https://example.org/x?a=1&amp;b=2", true);
	expect_text("/", msg, true);
	expect_text("/feed.atom", msg, true);
	ck_assert_int_eq(site_get("/nothing-here-at-all/", NULL, &r), 404);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), msg));
	ck_assert_int_eq(settings_change(json_pack("{s:s, s:s, s:s, s:[]}", "title", "Quire",
	    "description", "", "language", "en", "navigation"), &r), 200);
}
END_TEST

/* The pages the invalidation test watches: what a change of post 1 may touch, and what it may not. */
struct matrix {
	char		 word[16], a[USERNAME_MAX + 1], b[USERNAME_MAX + 1], ta[40], tb[40], tc[40];
	const char	*tok_a, *tok_b;
	char		 p1[UUID_LEN + 1], s1[SLUG_MAX + 1], p2[UUID_LEN + 1], s2[SLUG_MAX + 1];
	char		 p3[UUID_LEN + 1], s3[SLUG_MAX + 1], g[UUID_LEN + 1], gs[SLUG_MAX + 1];
};

/* Formats a path of m (%s once) into out. */
#define PATHF(out, fmt, arg)	snprintf(out, sizeof(out), fmt, arg)

/* Stores every watched page that exists now (with post 1 when visible). */
static void
matrix_warm(const struct matrix *m, bool p1_visible)
{
	char	 path[300];

	warm("/");
	warm("/feed.atom");
	warm("/sitemap.xml");
	PATHF(path, "/tag/%s/", m->ta), warm(path);
	PATHF(path, "/tag/%s/feed.atom", m->ta), warm(path);
	PATHF(path, "/author/%s/", m->a), warm(path);
	if (p1_visible)
		PATHF(path, "/%s/", m->s1), warm(path);
	/* What no change of post 1 shows on. */
	PATHF(path, "/%s/", m->s2), warm(path);
	PATHF(path, "/%s/", m->gs), warm(path);
	PATHF(path, "/tag/%s/", m->tb), warm(path);
	PATHF(path, "/tag/%s/feed.atom", m->tb), warm(path);
	PATHF(path, "/author/%s/", m->b), warm(path);
}

#define NKEPT	5

/* The stored files no change of post 1 may delete or replace. */
static void
matrix_kept_rels(const struct matrix *m, char rels[NKEPT][300])
{
	snprintf(rels[0], 300, "%s/index.html", m->s2);
	snprintf(rels[1], 300, "%s/index.html", m->gs);
	snprintf(rels[2], 300, "tag/%s/index.html", m->tb);
	snprintf(rels[3], 300, "tag/%s/feed.atom", m->tb);
	snprintf(rels[4], 300, "author/%s/index.html", m->b);
}

/* Stores the watched pages and notes the unaffected files, before a change. */
static void
matrix_before(const struct matrix *m, bool p1_visible, struct fid kept[NKEPT])
{
	char	 rels[NKEPT][300];
	size_t	 i;

	matrix_warm(m, p1_visible);
	matrix_kept_rels(m, rels);
	for (i = 0; i < NKEPT; i++)
		kept[i] = file_id(rels[i]);
}

/* After a change: the unaffected files are the very ones they were. */
static void
matrix_after(const struct matrix *m, const struct fid kept[NKEPT])
{
	char	 rels[NKEPT][300];
	size_t	 i;

	matrix_kept_rels(m, rels);
	for (i = 0; i < NKEPT; i++)
		assert_kept(rels[i], kept[i]);
}

/* Asserts that each list page and feed shows (or not) text. */
static void
lists_show(const struct matrix *m, const char *text, bool has, const char *tag)
{
	char	 path[300];

	expect_text("/", text, has);
	expect_text("/feed.atom", text, has);
	PATHF(path, "/tag/%s/", tag), expect_text(path, text, has);
	PATHF(path, "/tag/%s/feed.atom", tag), expect_text(path, text, has);
	PATHF(path, "/author/%s/", m->a), expect_text(path, text, has);
}

START_TEST(invalidation_matrix)
{
	struct http_resp r;
	struct matrix	 m;
	struct fid	 kept[NKEPT], home, tag_page, author_page, sitemap;
	char		 t1[64], t2[64], body_word[64], path[300], loc[300], rel[300];

	memset(&m, 0, sizeof(m));
	unique_word(m.word);
	m.tok_a = new_user("author", m.a, NULL);
	m.tok_b = new_user("author", m.b, NULL);
	snprintf(m.ta, sizeof(m.ta), "%s-a", m.word);
	snprintf(m.tb, sizeof(m.tb), "%s-b", m.word);
	snprintf(m.tc, sizeof(m.tc), "%s-c", m.word);
	snprintf(t1, sizeof(t1), "First title %s", m.word);
	snprintf(t2, sizeof(t2), "Second title %s", m.word);
	create(m.tok_a, json_pack("{s:s, s:s, s:[s]}", "title", t1, "body", "the body",
	    "tags", m.ta), m.p1, m.s1);
	create(m.tok_a, json_pack("{s:s, s:s, s:s, s:[s]}", "title", "Third post", "body", "b",
	    "status", "published", "tags", m.ta), m.p3, m.s3);
	create(m.tok_b, json_pack("{s:s, s:s, s:s, s:[s]}", "title", "Other author's post",
	    "body", "b", "status", "published", "tags", m.tb), m.p2, m.s2);
	create(m.tok_a, json_pack("{s:s, s:s, s:s, s:s}", "title", "A page", "body", "p",
	    "status", "published", "kind", "page"), m.g, m.gs);
	/*
	 * Every post of the run on the first page of the lists: the tests write
	 * many posts in the same second, and a PATCH keeps published_at to the
	 * second, which can put post 1 behind them.
	 */
	ck_assert_int_eq(settings_change(json_pack("{s:i}", "posts_per_page", 50), &r), 200);

	/* Publish: the post, every list and feed it enters, the sitemap. */
	matrix_before(&m, false, kept);
	PATHF(path, "/%s/", m.s1);
	expect_status(path, 404, NULL);
	change(m.tok_a, m.p1, json_pack("{s:s}", "status", "published"));
	expect_text(path, t1, true);
	lists_show(&m, t1, true, m.ta);
	expect_text("/sitemap.xml", path, true);
	matrix_after(&m, kept);

	/* The title: the post and every list and feed. */
	matrix_before(&m, true, kept);
	change(m.tok_a, m.p1, json_pack("{s:s}", "title", t2));
	expect_text(path, t2, true);
	lists_show(&m, t2, true, m.ta);
	lists_show(&m, t1, false, m.ta);
	matrix_after(&m, kept);

	/* The body only (the excerpt given): the post and the feeds; the lists stay. */
	change(m.tok_a, m.p1, json_pack("{s:s}", "excerpt", "A fixed excerpt."));
	matrix_before(&m, true, kept);
	home = file_id("index.html");
	PATHF(rel, "tag/%s/index.html", m.ta), tag_page = file_id(rel);
	PATHF(rel, "author/%s/index.html", m.a), author_page = file_id(rel);
	sitemap = file_id("sitemap.xml");
	snprintf(body_word, sizeof(body_word), "freshbody%s", m.word);
	change(m.tok_a, m.p1, json_pack("{s:s}", "body", body_word));
	expect_text(path, body_word, true);
	expect_text("/feed.atom", body_word, true);
	PATHF(loc, "/tag/%s/feed.atom", m.ta), expect_text(loc, body_word, true);
	assert_kept("index.html", home);
	PATHF(rel, "tag/%s/index.html", m.ta), assert_kept(rel, tag_page);
	PATHF(rel, "author/%s/index.html", m.a), assert_kept(rel, author_page);
	ck_assert(!file_id("sitemap.xml").exists || file_id("sitemap.xml").ino != sitemap.ino);
	matrix_after(&m, kept);

	/* Tags: a tag removed and one added, the post shows the new one. */
	matrix_before(&m, true, kept);
	change(m.tok_a, m.p1, json_pack("{s:[s]}", "tags", m.tc));
	PATHF(loc, "/tag/%s/", m.tc), expect_text(path, loc, true);
	expect_text(loc, t2, true);
	PATHF(loc, "/tag/%s/", m.ta), expect_text(loc, t2, false);
	PATHF(loc, "/tag/%s/feed.atom", m.ta), expect_text(loc, t2, false);
	matrix_after(&m, kept);

	/* The slug: the new page, a 301 from the old, every link. */
	matrix_before(&m, true, kept);
	snprintf(loc, sizeof(loc), "moved-%s", m.word);
	change(m.tok_a, m.p1, json_pack("{s:s}", "slug", loc));
	snprintf(loc, sizeof(loc), "/moved-%s/", m.word);
	expect_status(path, 301, loc);
	snprintf(m.s1, sizeof(m.s1), "moved-%s", m.word);
	PATHF(path, "/%s/", m.s1);
	expect_text(path, t2, true);
	expect_text("/", path, true);
	PATHF(loc, "/tag/%s/", m.tc), expect_text(loc, path, true);
	expect_text("/sitemap.xml", path, true);
	matrix_after(&m, kept);

	/* Unpublished: gone from everywhere. */
	matrix_before(&m, true, kept);
	change(m.tok_a, m.p1, json_pack("{s:s}", "status", "draft"));
	expect_status(path, 404, NULL);
	lists_show(&m, t2, false, m.ta);
	PATHF(loc, "/tag/%s/", m.tc), expect_status(loc, 404, NULL);
	expect_text("/sitemap.xml", path, false);
	matrix_after(&m, kept);

	/* Published again as a page: its own URL and the sitemap, no list or feed. */
	matrix_before(&m, false, kept);
	change(m.tok_a, m.p1, json_pack("{s:s, s:s}", "status", "published", "kind", "page"));
	expect_text(path, t2, true);
	expect_text("/sitemap.xml", path, true);
	lists_show(&m, t2, false, m.ta);
	matrix_after(&m, kept);

	/* A page edited: its page and the sitemap; no list, no feed. */
	matrix_before(&m, true, kept);
	home = file_id("index.html");
	PATHF(rel, "author/%s/index.html", m.a), author_page = file_id(rel);
	tag_page = file_id("feed.atom");
	change(m.tok_a, m.p1, json_pack("{s:s}", "title", t1));
	expect_text(path, t1, true);
	assert_kept("index.html", home);
	assert_kept("feed.atom", tag_page);
	PATHF(rel, "author/%s/index.html", m.a), assert_kept(rel, author_page);
	matrix_after(&m, kept);

	/* The page deleted: 404, out of the sitemap; the lists stay. */
	matrix_before(&m, true, kept);
	home = file_id("index.html");
	post_delete(m.tok_a, m.p1);
	expect_status(path, 404, NULL);
	expect_text("/sitemap.xml", path, false);
	assert_kept("index.html", home);
	matrix_after(&m, kept);

	/* A post deleted: its tag and author pages go with their last post. */
	matrix_before(&m, false, kept);
	post_delete(m.tok_a, m.p3);
	PATHF(loc, "/%s/", m.s3), expect_status(loc, 404, NULL);
	PATHF(loc, "/tag/%s/", m.ta), expect_status(loc, 404, NULL);
	PATHF(loc, "/author/%s/", m.a), expect_status(loc, 404, NULL);
	PATHF(loc, "/%s/", m.s3), expect_text("/", loc, false);
	matrix_after(&m, kept);
	ck_assert_int_eq(settings_change(json_pack("{s:i}", "posts_per_page", 10), &r), 200);
}
END_TEST

START_TEST(scheduled_post_appears_with_no_request)
{
	char		 word[16], when[21];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 slug[SLUG_MAX + 1], path[200];
	struct buf	 home = BUF_INIT;
	int		 ms;

	unique_word(word);
	warm("/");
	time_rfc3339(time(NULL) + 3, when);
	create(author, json_pack("{s:s, s:s, s:s, s:s}", "title", word, "body", "soon",
	    "status", "scheduled", "published_at", when), NULL, slug);
	/* No request and no write from here: the site directory shows it in time. */
	for (ms = 0; ms < DEADLINE_MS; ms += 100) {
		if (read_site_file("index.html", &home) == 0 && strstr(buf_str(&home), word) != NULL)
			break;
		usleep(100000);
	}
	ck_assert_msg(ms < DEADLINE_MS, "the home page did not show the scheduled post within "
	    "%d s of its time", DEADLINE_MS / 1000);
	expect_text("/", word, true);
	snprintf(path, sizeof(path), "/%s/", slug);
	expect_text(path, word, true);
	expect_text("/feed.atom", word, true);
	expect_text("/posts/feed.atom", word, true);
	buf_free(&home);
}
END_TEST

/*
 * Sets the display name of user id (JSON text, or null) as token's holder,
 * and returns a fresh token (the test's) that carries it: Post learns the name
 * on the first request made with it.
 */
static const char *
display_name_set(const char *token, const char *id, const char *name, const char *json)
{
	struct http_resp r;
	char		 path[128], *body;

	snprintf(path, sizeof(path), "/auth/users/%s", id);
	body = dump(json_pack("{s:o}", "display_name", json != NULL ? json_string(json) :
	    json_null()));
	api("PATCH", path, token, body, &r);
	free(body);
	ck_assert_msg(r.status == 200, "display name: %ld %s", r.status, buf_str(&r.body));
	return login(name, USER_PASSWORD);
}

START_TEST(display_name_change_rerenders_its_pages)
{
	struct http_resp r;
	char		 a[USERNAME_MAX + 1], b[USERNAME_MAX + 1], ida[UUID_LEN + 1], word[16];
	char		 tag[40], tagb[40], sa[SLUG_MAX + 1], sb[SLUG_MAX + 1], pa[UUID_LEN + 1];
	char		 path[300], rel[300], dn[64];
	const char	*tok_a = new_user("author", a, ida), *tok_b, *tok_a2, *tok_a3;
	struct fid	 kept_author, kept_post, kept_tag, author_page;

	tok_b = new_user("author", b, NULL);
	unique_word(word);
	snprintf(tag, sizeof(tag), "dn-a-%s", word);
	snprintf(tagb, sizeof(tagb), "dn-b-%s", word);
	snprintf(dn, sizeof(dn), "Ada %s", word);
	create(tok_a, json_pack("{s:s, s:s, s:s, s:[s]}", "title", "By A", "body", "Text.",
	    "status", "published", "tags", tag), pa, sa);
	create(tok_b, json_pack("{s:s, s:s, s:s, s:[s]}", "title", "By B", "body", "Text.",
	    "status", "published", "tags", tagb), NULL, sb);
	PATHF(path, "/author/%s/", a), warm(path), expect_text(path, dn, false);
	PATHF(path, "/%s/", sa), warm(path);
	PATHF(path, "/author/%s/", b), warm(path);
	PATHF(path, "/%s/", sb), warm(path);
	PATHF(path, "/tag/%s/", tagb), warm(path);
	PATHF(rel, "author/%s/index.html", b), kept_author = file_id(rel);
	PATHF(rel, "%s/index.html", sb), kept_post = file_id(rel);
	PATHF(rel, "tag/%s/index.html", tagb), kept_tag = file_id(rel);
	PATHF(rel, "author/%s/index.html", a), author_page = file_id(rel);

	/* The name changes in Auth: the pages keep the old one until Post learns it. */
	tok_a2 = display_name_set(tok_a, ida, a, dn);
	PATHF(path, "/author/%s/", a), expect_text(path, dn, false);
	/* Any request with a token that names it. */
	ck_assert_int_eq(api("GET", "/posts?status=any", tok_a2, NULL, &r), 200);
	PATHF(path, "/author/%s/", a), expect_text(path, dn, true);
	PATHF(path, "/%s/", sa), expect_text(path, dn, true);
	expect_text("/feed.atom", dn, true);
	/* The post's JSON too, under a new ETag. */
	PATHF(path, "/posts/%s", pa);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "author_name"), dn);
	/* What does not show A's name is the very file it was. */
	PATHF(rel, "author/%s/index.html", b), assert_kept(rel, kept_author);
	PATHF(rel, "%s/index.html", sb), assert_kept(rel, kept_post);
	PATHF(rel, "tag/%s/index.html", tagb), assert_kept(rel, kept_tag);

	/* The same name again writes nothing and deletes nothing. */
	PATHF(path, "/author/%s/", a), warm(path);
	PATHF(rel, "author/%s/index.html", a), author_page = file_id(rel);
	ck_assert_int_eq(api("GET", "/posts?status=any", tok_a2, NULL, &r), 200);
	assert_kept(rel, author_page);

	/* Cleared: the username again. */
	tok_a3 = display_name_set(tok_a2, ida, a, NULL);
	ck_assert_int_eq(api("GET", "/posts?status=any", tok_a3, NULL, &r), 200);
	PATHF(path, "/author/%s/", a), expect_text(path, dn, false);
	PATHF(path, "/%s/", sa), expect_text(path, dn, false);
	PATHF(path, "/posts/%s", pa);
	ck_assert_int_eq(api("GET", path, NULL, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "author_name"), a);
}
END_TEST

#define HOSTILE_NAME	"<script>alert(1)</script>\"'&"

START_TEST(hostile_strings_are_escaped)
{
	struct http_resp r;
	char		 name[USERNAME_MAX + 1], id[UUID_LEN + 1], word[16], tag[64];
	const char	*first = new_user("author", name, id);
	const char	*author = display_name_set(first, id, name, HOSTILE_NAME);
	char		 slug[SLUG_MAX + 1], tslug[SLUG_MAX + 1], body[300], paths[9][300];
	char		 *bodies[9];
	const char	*names[9];
	size_t		 i;

	unique_word(word);
	snprintf(tag, sizeof(tag), "<b>%s</b>\"q'", word);
	snprintf(tslug, sizeof(tslug), "b-%s-b-q", word);
	snprintf(body, sizeof(body), "Text.\n\n![%s](media:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d)",
	    HOSTILE);
	create(author, json_pack("{s:s, s:s, s:s, s:[s], s:s}", "title", HOSTILE " " "title",
	    "body", body, "status", "published", "tags", tag, "excerpt", HOSTILE), NULL, slug);
	ck_assert_int_eq(settings_change(json_pack("{s:s, s:[{s:s, s:s}]}", "title",
	    "<script>alert(\"s\")</script>", "navigation", "label", "<script>alert(\"n\")"
	    "</script>'", "url", "/?a=1&b='2'"), &r), 200);
	snprintf(paths[0], 300, "/%s/", slug);
	snprintf(paths[1], 300, "/");
	snprintf(paths[2], 300, "/tag/%s/", tslug);
	snprintf(paths[3], 300, "/tag/%s/feed.atom", tslug);
	snprintf(paths[4], 300, "/feed.atom");
	snprintf(paths[5], 300, "/author/%s/", name);
	snprintf(paths[6], 300, "/search/?q=%%3Cscript%%3Ealert(%%22x%%22)%%3C%%2Fscript%%3E");
	snprintf(paths[7], 300, "/nothing-%s/", word);
	snprintf(paths[8], 300, "/sitemap.xml");
	for (i = 0; i < 9; i++) {
		site_get(paths[i], NULL, &r);
		ck_assert_msg(r.status == (i == 7 ? 404 : 200), "GET %s: %ld", paths[i], r.status);
		bodies[i] = strdup(buf_str(&r.body));
		names[i] = strstr(paths[i], "feed.atom") != NULL ? ".atom" : i == 8 ? ".xml" :
		    ".html";
		/* Nothing a writer typed runs, or breaks out of its attribute. */
		ck_assert_msg(strstr(bodies[i], "<script>alert") == NULL, "%s holds a script",
		    paths[i]);
		ck_assert_msg(strstr(bodies[i], "alert(\"") == NULL, "%s holds a raw quote",
		    paths[i]);
	}
	/* Each slot shows the text, escaped. */
	ck_assert_ptr_nonnull(strstr(bodies[0], "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
	    " &amp; &#39;q&#39; title"));
	ck_assert_ptr_nonnull(strstr(bodies[0], "&lt;b&gt;"));
	ck_assert_ptr_nonnull(strstr(bodies[0], "&lt;script&gt;alert(&quot;n&quot;)"));
	ck_assert_ptr_nonnull(strstr(bodies[0], "href=\"/?a=1&amp;b=%272%27\""));
	ck_assert_ptr_nonnull(strstr(bodies[0], ">&lt;script&gt;alert(&quot;x&quot;)"));
	ck_assert_ptr_nonnull(strstr(bodies[2], "&lt;b&gt;"));
	ck_assert_ptr_nonnull(strstr(bodies[6], "&lt;script&gt;alert(&quot;x&quot;)"));
	ck_assert_ptr_nonnull(strstr(bodies[7], "&lt;script&gt;alert(&quot;s&quot;)"));
	/*
	 * The author's display name: the post's byline and JSON-LD, the author
	 * page's heading, the feeds' author.
	 */
	ck_assert_ptr_nonnull(strstr(bodies[0], "rel=\"author\">&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;&#39;&amp;</a>"));
	ck_assert_ptr_nonnull(strstr(bodies[0], "\"name\": \"\\u003cscript\\u003ealert(1)"
	    "\\u003c/script\\u003e\\\"\\u0027\\u0026\""));
	ck_assert_ptr_nonnull(strstr(bodies[5], ">&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;&#39;&amp;</h1>"));
	ck_assert_ptr_nonnull(strstr(bodies[4], "<name>&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;&apos;&amp;</name>"));
	ck_assert_ptr_nonnull(strstr(bodies[3], "<name>&lt;script&gt;alert(1)&lt;/script&gt;"
	    "&quot;&apos;&amp;</name>"));
	check_parses(names, bodies, 9);
	for (i = 0; i < 9; i++)
		free(bodies[i]);
	ck_assert_int_eq(settings_change(json_pack("{s:s, s:[]}", "title", "Quire", "navigation"),
	    &r), 200);
}
END_TEST

START_TEST(images_and_media_down)
{
	char		 word[16], mid[UUID_LEN + 1];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 slug[SLUG_MAX + 1], body[300], path[200], want[400], *html;
	const char	*names[1] = { ".html" };

	unique_word(word);
	/* Media unreachable: the image is its alt text, a link to the original. */
	snprintf(body, sizeof(body), "![a cat called %s](media:0a1b2c3d-4e5f-4a6b-8c7d-"
	    "9e0f1a2b3c4d)", word);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", body, "status",
	    "published"), NULL, slug);
	snprintf(path, sizeof(path), "/%s/", slug);
	snprintf(want, sizeof(want), "<a href=\"/media/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/"
	    "original\">a cat called %s</a>", word);
	expect_text(path, want, true);

	/* Media there: images with srcset and sizes, lazy after the first, og:image at 1280. */
	ck_assert_int_eq(relay_open(&media_relay, test_stack.port), 0);
	ck_assert_int_eq(upload_png(author, 1600, 1000, mid), 201);
	snprintf(body, sizeof(body), "![first %s](media:%s)\n\ntext\n\n![second](media:%s)", word,
	    mid, mid);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", body, "status",
	    "published"), NULL, slug);
	relay_close(&media_relay);
	snprintf(path, sizeof(path), "/%s/", slug);
	html = page(path);
	snprintf(want, sizeof(want), "<meta property=\"og:image\" content=\"%s/media/%s/w/1280.webp\">",
	    test_stack.base_url, mid);
	ck_assert_ptr_nonnull(strstr(html, want));
	ck_assert_ptr_nonnull(strstr(html, "<meta name=\"twitter:card\" content=\"summary_large_image\">"));
	snprintf(want, sizeof(want), "\"image\": \"%s/media/%s/w/1280.webp\"", test_stack.base_url,
	    mid);
	ck_assert_ptr_nonnull(strstr(html, want));
	snprintf(want, sizeof(want), "<img decoding=\"async\" sizes=\"");
	ck_assert_ptr_nonnull(strstr(html, want));
	ck_assert_ptr_nonnull(strstr(html, "<img loading=\"lazy\" decoding=\"async\" sizes=\""));
	snprintf(want, sizeof(want), "alt=\"first %s\"", word);
	ck_assert_ptr_nonnull(strstr(html, want));
	check_parses(names, &html, 1);
	free(html);
}
END_TEST

/*
 * Writes the pids of quire-<name>: with Apache the master the stack started,
 * then its workers; behind lighttpd the processes it spawned. Returns how many.
 */
static size_t
program_pids(const char *name, pid_t *out, size_t max)
{
	static const char *const names[] = { "auth", "post", "media" };
	DIR		*d;
	struct dirent	*de;
	FILE		*f;
	char		 path[300], comm[64], want[32];
	pid_t		 parent = test_stack.web_pid, pid, ppid;
	size_t		 n = 0, i;

	snprintf(want, sizeof(want), "quire-%s", name);
	for (i = 0; test_stack.apache && i < 3; i++)
		if (strcmp(names[i], name) == 0 && (parent = test_stack.program_pids[i]) > 0)
			out[n++] = parent;
	ck_assert_ptr_nonnull(d = opendir("/proc"));
	while ((de = readdir(d)) != NULL && n < max) {
		if ((pid = (pid_t)atoi(de->d_name)) <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%*d (%63[^)]) %*c %d", comm, &ppid) == 2 && ppid == parent &&
		    strcmp(comm, want) == 0)
			out[n++] = pid;
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Sends SIGHUP to quire-post: the master (Apache), or each process lighttpd spawned. */
static void
hup_post(void)
{
	pid_t	 pids[64];
	size_t	 n = program_pids("post", pids, 64), i;

	ck_assert_uint_gt(n, 0);
	for (i = 0; i < (test_stack.apache ? 1 : n); i++)
		ck_assert_int_eq(kill(pids[i], SIGHUP), 0);
}

/* Waits until GET path holds (or, has false, no longer holds) needle. */
static void
wait_text(const char *path, const char *needle, bool has)
{
	struct http_resp r;
	int		 ms;
	bool		 found = !has;

	for (ms = 0; ms < DEADLINE_MS; ms += 100) {
		site_get(path, NULL, &r);
		found = r.status == 200 && strstr(buf_str(&r.body), needle) != NULL;
		if (found == has)
			break;
		usleep(100000);
	}
	ck_assert_msg(found == has, "GET %s %s \"%s\" after %d s", path, has ? "lacks" :
	    "still shows", needle, DEADLINE_MS / 1000);
}

/* Writes text to var/theme/rel (the owner's theme). */
static void
theme_file(const char *rel, const char *text)
{
	char	 path[1100];

	snprintf(path, sizeof(path), "%s/theme/partials", test_stack.var);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/theme/%s", test_stack.var, rel);
	ck_assert_int_eq(write_file(path, text), 0);
}

START_TEST(theme_reload_on_sighup)
{
	char		 word[16], slug[SLUG_MAX + 1];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 marker[64], path[200], path2[200], err[128], *footer;
	struct buf	 src = BUF_INIT;
	pid_t		 pids[64];
	size_t		 n, i;
	int		 before, ms;

	unique_word(word);
	snprintf(marker, sizeof(marker), "<p>marker %s</p>", word);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "b", "status",
	    "published"), NULL, slug);
	snprintf(path, sizeof(path), "/%s/", slug);
	warm(path);
	/* The owner overrides one partial: every page shows it, stored ones too. */
	ck_assert_int_eq(buf_read_file(&src, "theme/partials/footer.html", 1 << 20, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(asprintf(&footer, "%s%s\n", buf_str(&src), marker) > 0, 1);
	theme_file("partials/footer.html", footer);
	hup_post();
	wait_text(path, marker, true);
	expect_text("/", marker, true);
	if (test_stack.apache) {
		/* The master reloaded first: the workers it forks now have the theme. */
		n = program_pids("post", pids, 64);
		for (i = 1; i < n; i++)
			kill(pids[i], SIGKILL);
		create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "c", "status",
		    "published"), NULL, slug);
		snprintf(path2, sizeof(path2), "/%s/", slug);
		expect_text(path2, marker, true);
	}

	/* A template error: said as file:line, and the last good theme keeps serving. */
	before = program_log_count("keeping the theme in use");
	theme_file("post.html", "<p>{{#post.title}}unclosed</p>\n");
	hup_post();
	for (ms = 0; ms < DEADLINE_MS && program_log_count("keeping the theme in use") == before;
	    ms += 100)
		usleep(100000);
	ck_assert_int_gt(program_log_count("keeping the theme in use"), before);
	ck_assert_int_gt(program_log_count("/theme/post.html:1: "), 0);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "d", "status",
	    "published"), NULL, slug);
	snprintf(path2, sizeof(path2), "/%s/", slug);
	expect_text(path2, marker, true);

	/* Back to the shipped theme. */
	snprintf(path2, sizeof(path2), "%s/theme/post.html", test_stack.var);
	unlink(path2);
	snprintf(path2, sizeof(path2), "%s/theme/partials/footer.html", test_stack.var);
	unlink(path2);
	hup_post();
	wait_text(path, marker, false);
	buf_free(&src);
	free(footer);
}
END_TEST

/*
 * A SIGHUP whose settings quire-post's own start refuses (search_config is
 * read as a string, then checked) keeps the running configuration, and
 * quire-post keeps answering the misses the web server passes it. What the
 * refused start had begun was freed: it once closed descriptor 0, the very
 * socket lighttpd spawns quire-post on.
 */
START_TEST(a_refused_reload_keeps_serving)
{
	static const char keep[] = "SIGHUP: keeping the configuration and keys in use";
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL), *p;
	char		 word[16], slug[SLUG_MAX + 1], path[200], err[128], *bad;
	struct buf	 conf = BUF_INIT;
	pid_t		 pids[64];
	int		 before = program_log_count(keep), want, ms;

	want = before + (test_stack.apache ? 1 : (int)program_pids("post", pids, 64));
	ck_assert_int_eq(buf_read_file(&conf, test_stack.conf, 1 << 20, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(p = strstr(buf_str(&conf), "\n[post]\n"));
	ck_assert_int_gt(asprintf(&bad, "%.*s\n[post]\nsearch_config = klingon\n%s",
	    (int)(p - buf_str(&conf)), buf_str(&conf), p + strlen("\n[post]\n")), 0);
	ck_assert_int_eq(write_file(test_stack.conf, bad), 0);
	hup_post();
	for (ms = 0; ms < DEADLINE_MS && program_log_count(keep) < want; ms += 100)
		usleep(100000);
	ck_assert_int_eq(write_file(test_stack.conf, buf_str(&conf)), 0);
	ck_assert_int_ge(program_log_count(keep), want);
	ck_assert_int_gt(program_log_count("klingon"), 0);

	/* A page no one asked for yet: a miss, made by quire-post. */
	unique_word(word);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "b", "status",
	    "published"), NULL, slug);
	snprintf(path, sizeof(path), "/%s/", slug);
	expect_text(path, word, true);
	buf_free(&conf);
	free(bad);
}
END_TEST

/* Stops quire-auth, quire-post and quire-media for good (behind lighttpd: no respawn either). */
static void
programs_stop(void)
{
	static const char *const names[] = { "auth", "post", "media" };
	char		 conf[1100], off[1100];
	pid_t		 pids[64];
	size_t		 i, k, n;
	int		 ms;

	if (test_stack.apache) {
		for (i = 0; i < 3; i++) {
			stop_process(test_stack.program_pids[i], SIGTERM, 10000, true);
			test_stack.program_pids[i] = 0;
		}
		return;
	}
	/* lighttpd starts a program again when it is needed: without a configuration it cannot. */
	snprintf(conf, sizeof(conf), "%s", test_stack.conf);
	snprintf(off, sizeof(off), "%s.off", test_stack.conf);
	ck_assert_int_eq(rename(conf, off), 0);
	for (i = 0; i < 3; i++) {
		n = program_pids(names[i], pids, 64);
		for (k = 0; k < n; k++)
			kill(pids[k], SIGTERM);
		for (ms = 0; ms < DEADLINE_MS && program_pids(names[i], pids, 64) > 0; ms += 50)
			usleep(50000);
	}
}

START_TEST(all_down)
{
	static const char *const fmts[] = { "/", "/%s/", "/feed.atom", "/tag/%s/", "/sitemap.xml",
	    "/robots.txt" };
	struct http_resp r;
	char		 word[16], slug[SLUG_MAX + 1];
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 paths[6][200], *bodies[6], retry[16], conf[1100];
	const char	*gzip[] = { "Accept-Encoding: gzip", NULL };
	size_t		 i;

	unique_word(word);
	create(author, json_pack("{s:s, s:s, s:s, s:[s]}", "title", word, "body", "b", "status",
	    "published", "tags", word), NULL, slug);
	for (i = 0; i < 6; i++) {
		snprintf(paths[i], sizeof(paths[i]), fmts[i], i == 1 ? slug : word);
		warm(paths[i]);
		bodies[i] = page(paths[i]);
	}
	/* PostgreSQL down: stored pages still 200; a miss is Post's own 503 page. */
	ck_assert_int_eq(stack_pg_stop(&test_stack), 0);
	site_get("/not-rendered-yet/", NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "Back in a moment"));
	ck_assert_ptr_nonnull(http_header(&r, "Retry-After", retry, sizeof(retry)));
	/* And every program: the web server alone sends every stored page, the 503 page for a miss. */
	programs_stop();
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(site_get(paths[i], NULL, &r), 200);
		ck_assert_str_eq(buf_str(&r.body), bodies[i]);
		free(bodies[i]);
	}
	site_get("/not-rendered-yet/", NULL, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "Back in a moment"));
	ck_assert_str_eq(http_header(&r, "Retry-After", retry, sizeof(retry)), "30");
	/* A client that takes gzip: the same. */
	site_get("/not-rendered-yet/", gzip, &r);
	ck_assert_int_eq(r.status, 503);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.body), "Back in a moment"));
	ck_assert_str_eq(http_header(&r, "Retry-After", retry, sizeof(retry)), "30");
	/* And the stored pages' gzip copies. */
	for (i = 0; i < 6; i++) {
		ck_assert_int_eq(site_get(paths[i], gzip, &r), 200);
		ck_assert_str_eq(http_header(&r, "Content-Encoding", retry, sizeof(retry)), "gzip");
	}
	ck_assert_int_eq(stack_pg_start(&test_stack), 0);
	if (!test_stack.apache) {
		snprintf(conf, sizeof(conf), "%s.off", test_stack.conf);
		rename(conf, test_stack.conf);
	}
}
END_TEST

/*
 * No statement of a program is JIT-compiled: the test cluster compiles
 * every statement of a session that leaves JIT on (jit_above_cost 0), and
 * counts (pg_stat_statements). Compiling cost a search or list page 300 ms
 * where the query runs in microseconds. The test's own session is the proof
 * that JIT works here, so the count could be other than 0.
 */
START_TEST(no_statement_is_jit_compiled)
{
	static const char *const paths[] = { "/search/?q=%s", "/tag/%s/", "/posts?q=%s",
	    "/%s/", "/" };
	static const char programs[] = "(SELECT oid FROM pg_roles WHERE rolname IN "
	    "('quire_auth', 'quire_post', 'quire_media'))";
	struct http_resp r;
	const char	*token = admin_token();
	char		 word[16], id[UUID_LEN + 1], slug[SLUG_MAX + 1], path[200], sql[400];
	size_t		 i;

	db_number("postgres", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements", NULL);
	ck_assert_int_eq(db_number("postgres", "SELECT pg_jit_available()::int", NULL), 1);
	db_number("postgres", "SELECT 1 FROM pg_stat_statements_reset()", NULL);
	db_number("postgres", "SELECT sum(g) FROM generate_series(1, 10) g", NULL);
	ck_assert_int_gt(db_number("postgres", "SELECT coalesce(sum(jit_functions), 0) FROM "
	    "pg_stat_statements WHERE query LIKE '%generate_series%'", NULL), 0);

	unique_word(word);
	create(token, json_pack("{s:s, s:s, s:s, s:[s]}", "title", word, "body", word, "status",
	    "published", "tags", word), id, slug);
	for (i = 0; i < nitems(paths); i++) {
		snprintf(path, sizeof(path), paths[i], i == 3 ? slug : word);
		site_get(path, NULL, &r);
		ck_assert_msg(r.status == 200, "GET %s: %ld", path, r.status);
	}
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_stat_statements WHERE userid IN %s",
	    programs);
	ck_assert_int_gt(db_number("postgres", sql, NULL), 0);
	snprintf(sql, sizeof(sql), "SELECT coalesce(sum(jit_functions), 0) FROM "
	    "pg_stat_statements WHERE userid IN %s", programs);
	ck_assert_int_eq(db_number("postgres", sql, NULL), 0);
}
END_TEST

/*
 * Issue 11's coherence, in the writer's transaction: a test connection
 * LISTENs on quire_site as every node's Post does, and a log of
 * transactions kept by triggers (public.site_tx_log, the test's own) shows
 * which transaction bumped post.site_state.changes to the count a
 * notification carries, and which changed a row of the writer's table.
 */
static PGconn *
site_listen(void)
{
	static const char *const setup[] = {
		"SET client_min_messages = warning",
		"CREATE TABLE IF NOT EXISTS public.site_tx_log (tbl text, changes bigint, "
		    "tx xid8 DEFAULT pg_current_xact_id())",
		"CREATE OR REPLACE FUNCTION public.site_tx_log() RETURNS trigger LANGUAGE plpgsql "
		    "SECURITY DEFINER AS $$ BEGIN INSERT INTO public.site_tx_log (tbl) "
		    "VALUES (TG_TABLE_NAME); RETURN NULL; END $$",
		"CREATE OR REPLACE FUNCTION public.site_tx_count() RETURNS trigger LANGUAGE plpgsql "
		    "SECURITY DEFINER AS $$ BEGIN INSERT INTO public.site_tx_log (tbl, changes) "
		    "VALUES (TG_TABLE_NAME, NEW.changes); RETURN NULL; END $$",
		"CREATE OR REPLACE TRIGGER site_tx_log AFTER INSERT OR UPDATE OR DELETE ON "
		    "post.posts FOR EACH ROW EXECUTE FUNCTION public.site_tx_log()",
		"CREATE OR REPLACE TRIGGER site_tx_log AFTER INSERT OR UPDATE ON post.settings "
		    "FOR EACH ROW EXECUTE FUNCTION public.site_tx_log()",
		"CREATE OR REPLACE TRIGGER site_tx_log AFTER INSERT OR UPDATE ON post.authors "
		    "FOR EACH ROW EXECUTE FUNCTION public.site_tx_log()",
		"CREATE OR REPLACE TRIGGER site_tx_log AFTER UPDATE ON post.site_state "
		    "FOR EACH ROW EXECUTE FUNCTION public.site_tx_count()",
		"LISTEN quire_site",
	};
	PGconn		*c = PQconnectdb(stack_dsn(&test_stack, "postgres"));
	PGresult	*res;
	size_t		 i;

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
	for (i = 0; i < nitems(setup); i++) {
		res = PQexec(c, setup[i]);
		ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s: %s", setup[i],
		    PQerrorMessage(c));
		PQclear(res);
	}
	return c;
}

/* Returns whether payload (node, count, paths, a line each) names line among its paths. */
static bool
payload_names(const char *payload, const char *line)
{
	const char	*p = strchr(payload, '\n');
	size_t		 len = strlen(line);

	for (p = p != NULL ? strchr(p + 1, '\n') : NULL; p != NULL; p = strchr(p + 1, '\n'))
		if (strncmp(p + 1, line, len) == 0 && (p[1 + len] == '\n' || p[1 + len] == '\0'))
			return true;
	return false;
}

/*
 * Waits (DEADLINE_MS at most) for a notification on quire_site whose paths
 * name want (the test's own unique path; others are skipped), or for one
 * that is exactly marker when marker is not NULL: then fails if one naming
 * want (may be NULL) comes first. Returns the count of the one naming want
 * (0 for the marker).
 */
static long long
site_notified(PGconn *c, const char *want, const char *marker)
{
	int64_t		 t0 = time_mono_usec();
	PGnotify	*n;
	long long	 count = -1;
	struct pollfd	 pfd = { PQsocket(c), POLLIN, 0 };

	while (count < 0) {
		ck_assert_int_eq(PQconsumeInput(c), 1);
		while (count < 0 && (n = PQnotifies(c)) != NULL) {
			if (strcmp(n->relname, "quire_site") == 0 && marker != NULL &&
			    strcmp(n->extra, marker) == 0)
				count = 0;
			else if (strcmp(n->relname, "quire_site") == 0 && want != NULL &&
			    payload_names(n->extra, want)) {
				ck_assert_msg(marker == NULL, "a change that rolled back was "
				    "notified: %s", n->extra);
				count = strtoll(strchr(n->extra, '\n') + 1, NULL, 10);
			}
			PQfreemem(n);
		}
		if (count >= 0)
			break;
		ck_assert_msg(time_mono_usec() - t0 < DEADLINE_MS * 1000LL, "no notification "
		    "naming %s", want);
		poll(&pfd, 1, 100);
	}
	return count;
}

/*
 * Sends marker on quire_site from c and waits for it: what was notified
 * before (committed before) is read and dropped.
 */
static void
site_sync(PGconn *c, const char *want, const char *marker)
{
	PGresult	*res = PQexecParams(c, "SELECT pg_notify('quire_site', $1)", 1, NULL,
			    (const char *const[]){ marker }, NULL, NULL, 0);

	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
	PQclear(res);
	site_notified(c, want, marker);
}

/*
 * Asserts that the transaction that made post.site_state.changes count also
 * changed a row of table (posts, settings or authors).
 */
static void
same_transaction(PGconn *c, long long count, const char *table)
{
	char		 text[24];
	const char	*params[2] = { text, table };
	PGresult	*res;

	snprintf(text, sizeof(text), "%lld", count);
	res = PQexecParams(c, "SELECT count(*) FROM public.site_tx_log s JOIN public.site_tx_log w "
	    "ON w.tx = s.tx WHERE s.tbl = 'site_state' AND s.changes = $1::bigint AND w.tbl = $2",
	    2, NULL, params, NULL, NULL, 0);
	ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
	ck_assert_msg(strcmp(PQgetvalue(res, 0, 0), "0") != 0, "change %lld of the site's pages "
	    "was counted and notified outside the transaction that changed post.%s", count,
	    table);
	PQclear(res);
}

/*
 * Each of the writers of what pages show — a post created, changed and
 * deleted, the settings changed, a scheduled post going live, an author's
 * display name learnt — notifies every node of the pages it deletes in the
 * transaction of its change: the notification names them, and its count was
 * made by the transaction that wrote the row.
 */
START_TEST(every_writer_notifies_in_its_transaction)
{
	struct http_resp r;
	PGconn		*c = site_listen();
	char		 name[USERNAME_MAX + 1], uid[UUID_LEN + 1];
	const char	*author = new_user("author", name, uid), *tok2;
	char		 word[16], slug[SLUG_MAX + 1], id[UUID_LEN + 1], path[200], when[21];
	char		 dn[64], marker[64];

	unique_word(word);
	snprintf(marker, sizeof(marker), "marker %s", word);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "Text.", "status",
	    "published"), id, slug);
	PATHF(path, "%s/", slug);
	same_transaction(c, site_notified(c, path, NULL), "posts");

	site_sync(c, NULL, marker);
	change(author, id, json_pack("{s:s}", "title", "Changed"));
	same_transaction(c, site_notified(c, path, NULL), "posts");

	site_sync(c, NULL, marker);
	post_delete(author, id);
	same_transaction(c, site_notified(c, path, NULL), "posts");

	site_sync(c, NULL, marker);
	ck_assert_int_eq(settings_change(json_pack("{s:s}", "description", word), &r), 200);
	same_transaction(c, site_notified(c, "ALL", NULL), "settings");

	/* Scheduled: the tick that makes it live tells (its creation showed nothing). */
	site_sync(c, NULL, marker);
	time_rfc3339(time(NULL) + 2, when);
	create(author, json_pack("{s:s, s:s, s:s, s:s}", "title", "Soon", "body", "Soon.",
	    "status", "scheduled", "published_at", when), NULL, slug);
	PATHF(path, "%s/", slug);
	same_transaction(c, site_notified(c, path, NULL), "posts");

	/* A display name, learnt from the first request that carries it. */
	site_sync(c, NULL, marker);
	snprintf(dn, sizeof(dn), "Dee %s", word);
	tok2 = display_name_set(author, uid, name, dn);
	ck_assert_int_eq(api("GET", "/posts?status=any", tok2, NULL, &r), 200);
	PATHF(path, "author/%s/", name);
	same_transaction(c, site_notified(c, path, NULL), "authors");

	PQfinish(c);
}
END_TEST

/*
 * A write whose transaction fails at its commit (a deferred constraint
 * trigger of the test's own refuses it) notifies nothing and counts
 * nothing, and deletes nothing: the page it would have changed stays stored.
 * Notifications arrive in commit order, so a marker the test sends after
 * the write's answer comes before any the failed write could have sent.
 */
START_TEST(rolled_back_write_notifies_nothing)
{
	static const char *const refuse[] = {
		"CREATE OR REPLACE FUNCTION public.site_refuse() RETURNS trigger LANGUAGE plpgsql "
		    "AS $$ BEGIN IF NEW.title = 'Refused at commit' THEN RAISE EXCEPTION "
		    "'refused by the test'; END IF; RETURN NULL; END $$",
		"CREATE CONSTRAINT TRIGGER site_refuse AFTER UPDATE ON post.posts DEFERRABLE "
		    "INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.site_refuse()",
	};
	struct http_resp r;
	PGconn		*c = site_listen();
	PGresult	*res;
	const char	*author = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 word[16], slug[SLUG_MAX + 1], id[UUID_LEN + 1], path[200], rel[200];
	char		 etag[128], header[200], marker[64];
	char		 before[24];
	struct fid	 kept;
	size_t		 i;

	unique_word(word);
	create(author, json_pack("{s:s, s:s, s:s}", "title", word, "body", "Text.", "status",
	    "published"), id, slug);
	PATHF(path, "/%s/", slug);
	warm(path);
	PATHF(rel, "%s/index.html", slug);
	kept = file_id(rel);
	snprintf(marker, sizeof(marker), "marker %s", word);
	site_sync(c, NULL, marker);
	for (i = 0; i < nitems(refuse); i++) {
		res = PQexec(c, refuse[i]);
		ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
		PQclear(res);
	}
	res = PQexec(c, "SELECT changes FROM post.site_state");
	snprintf(before, sizeof(before), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);

	PATHF(path, "/posts/%s", id);
	ck_assert_int_eq(api("GET", path, author, NULL, &r), 200);
	ck_assert_ptr_nonnull(http_header(&r, "ETag", etag, sizeof(etag)));
	snprintf(header, sizeof(header), "If-Match: %s", etag);
	ck_assert_int_eq(api_with("PATCH", path, author, "{\"title\":\"Refused at commit\"}",
	    header, &r), 500);
	res = PQexec(c, "DROP TRIGGER site_refuse ON post.posts");
	PQclear(res);

	PATHF(path, "%s/", slug);
	site_sync(c, path, marker);
	res = PQexec(c, "SELECT changes FROM post.site_state");
	ck_assert_str_eq(PQgetvalue(res, 0, 0), before);
	PQclear(res);
	assert_kept(rel, kept);
	PATHF(path, "/%s/", slug);
	expect_text(path, word, true);

	PQfinish(c);
}
END_TEST

static Suite *
site_suite(void)
{
	Suite	*s = suite_create("site");
	TCase	*t = tcase_create("pages");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, pages_of_every_type);
	tcase_add_test(t, redirects_and_not_found);
	tcase_add_test(t, private_files_not_served);
	tcase_add_test(t, reserved_slugs);
	tcase_add_test(t, settings);
	tcase_add_test(t, invalidation_matrix);
	tcase_add_test(t, scheduled_post_appears_with_no_request);
	tcase_add_test(t, hostile_strings_are_escaped);
	tcase_add_test(t, display_name_change_rerenders_its_pages);
	tcase_add_test(t, images_and_media_down);
	tcase_add_test(t, theme_reload_on_sighup);
	tcase_add_test(t, a_refused_reload_keeps_serving);
	tcase_add_test(t, no_statement_is_jit_compiled);
	tcase_add_test(t, every_writer_notifies_in_its_transaction);
	tcase_add_test(t, rolled_back_write_notifies_nothing);
	suite_add_tcase(s, t);
	return s;
}

/* Tests that stop the stack's servers. */
static Suite *
outage_suite(void)
{
	Suite	*s = suite_create("site-outage");
	TCase	*t = tcase_create("outage");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, all_down);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	struct stack_opts	 o = { 0 };
	char			 media_url[64];

	/* Post asks Media through the relay, closed: Media is unreachable but where opened. */
	if (relay_init(&media_relay) == -1)
		return 1;
	snprintf(media_url, sizeof(media_url), "http://127.0.0.1:%d", media_relay.port);
	o.media_url = media_url;
	return client_run(site_suite(), outage_suite(), &o);
}
