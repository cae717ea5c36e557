/*
 * Unit tests of the reader site's rules, pure functions all: which page a
 * path asks for (site_route.c), tag slugs (tags.c), a post's first image
 * (imgtag.c), which stored pages a change deletes (inval.c), and the checks
 * of the site's settings (settings.c).
 */
#include <stdio.h>
#include <string.h>

#include "post/post.h"
#include "suites.h"

/* Routes path; asserts its kind, and its argument and page when given. */
static void
route(const char *path, enum site_req_kind kind, const char *arg, long long page)
{
	struct site_req	 sr;

	ck_assert_int_eq(site_route(path, &sr), 0);
	ck_assert_msg(sr.kind == kind, "%s: kind %d, wanted %d", path, sr.kind, kind);
	if (arg != NULL)
		ck_assert_str_eq(sr.arg, arg);
	if (page > 0)
		ck_assert_int_eq(sr.page, page);
}

/* Asserts that path redirects to location. */
static void
moved(const char *path, const char *location)
{
	struct site_req	 sr;

	site_route(path, &sr);
	ck_assert_msg(sr.kind == SR_REDIRECT, "%s: kind %d, not a redirect", path, sr.kind);
	ck_assert_str_eq(sr.location, location);
}

START_TEST(paths_name_pages)
{
	struct site_req	 sr;
	char		 longpath[2100];

	route("/", SR_HOME, NULL, 1);
	route("/page/2/", SR_HOME, NULL, 2);
	route("/hello-world/", SR_POST, "hello-world", 0);
	site_route("/hello-world", &sr);
	ck_assert_int_eq(sr.kind, SR_POST);
	ck_assert(!sr.slash);
	route("/tag/c/", SR_TAG, "c", 1);
	route("/tag/c/page/3/", SR_TAG, "c", 3);
	route("/tag/c/feed.atom", SR_TAG_FEED, "c", 0);
	route("/author/ann.b_c/", SR_AUTHOR, "ann.b_c", 1);
	route("/author/ann/page/2/", SR_AUTHOR, "ann", 2);
	route("/feed.atom", SR_FEED, NULL, 0);
	route("/sitemap.xml", SR_SITEMAP, NULL, 0);
	route("/robots.txt", SR_ROBOTS, NULL, 0);
	route("/search/", SR_SEARCH, NULL, 0);
	route("/posts", SR_API, NULL, 0);
	route("/posts/nothing/here", SR_API, NULL, 0);
	route("/postsx/", SR_POST, "postsx", 0);
	/* Redirects: page 1, a missing '/', a tag's other spellings. */
	moved("/page/1/", "/");
	moved("/page/1", "/");
	moved("/page/2", "/page/2/");
	moved("/tag/c", "/tag/c/");
	moved("/tag/c/page/1/", "/tag/c/");
	moved("/tag/C%2B%2B/", "/tag/c/");
	moved("/tag/C%2B%2B/feed.atom", "/tag/c/feed.atom");
	moved("/tag/Mixed%20Case/page/2/", "/tag/mixed-case/page/2/");
	moved("/author/ann", "/author/ann/");
	moved("/search", "/search/");
	/* Nothing there. */
	route("/page/", SR_NOT_FOUND, NULL, 0);
	route("/page/0/", SR_NOT_FOUND, NULL, 0);
	route("/page/02/", SR_NOT_FOUND, NULL, 0);
	route("/page/x/", SR_NOT_FOUND, NULL, 0);
	route("/page/2/x/", SR_NOT_FOUND, NULL, 0);
	route("/tag/", SR_NOT_FOUND, NULL, 0);
	route("/tag/c/x/", SR_NOT_FOUND, NULL, 0);
	route("/author/", SR_NOT_FOUND, NULL, 0);
	route("/author/Ann/", SR_NOT_FOUND, NULL, 0);
	route("/author/ab/", SR_NOT_FOUND, NULL, 0);
	route("/assets/style.css", SR_NOT_FOUND, NULL, 0);
	route("/a/b/", SR_NOT_FOUND, NULL, 0);
	route("//", SR_NOT_FOUND, NULL, 0);
	route("/Hello/", SR_NOT_FOUND, NULL, 0);
	route("/tag/", SR_NOT_FOUND, NULL, 0);
	route("/search/x/", SR_NOT_FOUND, NULL, 0);
	route("/index.html", SR_NOT_FOUND, NULL, 0);
	route("/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/", SR_NOT_FOUND, NULL, 0);
	route("/%2e%2e/", SR_NOT_FOUND, NULL, 0);
	route("/a%2Fb/", SR_NOT_FOUND, NULL, 0);
	route("/a%00b/", SR_NOT_FOUND, NULL, 0);
	route("/a%zz/", SR_NOT_FOUND, NULL, 0);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	route(longpath, SR_NOT_FOUND, NULL, 0);
	/* Slugs the site keeps for itself never name a post. */
	route("/tag/", SR_NOT_FOUND, NULL, 0);
	route("/settings/", SR_NOT_FOUND, NULL, 0);
	route("/health/", SR_NOT_FOUND, NULL, 0);
}
END_TEST

START_TEST(tag_slugs)
{
	char	 out[SLUG_BASE_MAX + 1], *json;

	tag_slug("C", out);
	ck_assert_str_eq(out, "c");
	tag_slug("C++", out);
	ck_assert_str_eq(out, "c");
	tag_slug("Émile Zola", out);
	ck_assert_str_eq(out, "emile-zola");
	tag_slug("a/b..c", out);
	ck_assert_str_eq(out, "a-b-c");
	/* Nothing left: a hash, the same for the same tag, another for another. */
	tag_slug("\xe6\x97\xa5\xe6\x9c\xac", out);
	ck_assert_int_eq(strncmp(out, "t-", 2), 0);
	ck_assert_uint_eq(strlen(out), 10);
	ck_assert(slug_shaped(out));
	tag_slug("!!!", out);
	ck_assert_int_eq(strncmp(out, "t-", 2), 0);
	json = tag_slugs_json("[\"Rust\",\"C++\",\"\\u65e5\\u672c\"]");
	ck_assert_ptr_nonnull(json);
	ck_assert_int_eq(strncmp(json, "[\"rust\",\"c\",\"t-", 15), 0);
	free(json);
	ck_assert_ptr_null(tag_slugs_json("not json"));
}
END_TEST

START_TEST(first_images)
{
	struct imgtag	 t;

	ck_assert_int_eq(imgtag_parse("<img src=\"/media/i/w/1920.webp\" srcset=\"/media/i/w/320.webp "
	    "320w, /media/i/w/1280.webp 1280w, /media/i/w/1920.webp 1600w\" width=\"1600\" "
	    "height=\"1000\" alt=\"a &quot;cat&quot; &amp; a &lt;dog&gt;\" />", &t), 0);
	ck_assert_str_eq(t.src, "/media/i/w/1920.webp");
	ck_assert_str_eq(t.large, "/media/i/w/1280.webp");
	ck_assert_str_eq(t.alt, "a \"cat\" & a <dog>");
	ck_assert_int_eq(t.width, 1600);
	ck_assert_int_eq(t.height, 1000);
	imgtag_free(&t);
	/* Without the 1280 variant: the widest. */
	ck_assert_int_eq(imgtag_parse("<img src=\"/a.webp\" srcset=\"/s.webp 320w, /m.webp 640w\" "
	    "alt=\"\" />", &t), 0);
	ck_assert_str_eq(t.large, "/m.webp");
	ck_assert_str_eq(t.alt, "");
	ck_assert_int_eq(t.width, 0);
	imgtag_free(&t);
	/* cmark's own image: no srcset, an absolute URL. */
	ck_assert_int_eq(imgtag_parse("<img src=\"https://example.org/x.png\" alt=\"x\" />", &t), 0);
	ck_assert_ptr_null(t.srcset);
	ck_assert_ptr_null(t.large);
	imgtag_free(&t);
	/* Not an image to show off-site. */
	ck_assert_int_eq(imgtag_parse("<img src=\"data:image/png;base64,AAAA\" alt=\"x\" />", &t),
	    -1);
	ck_assert_int_eq(imgtag_parse("<img src=\"//evil.example/x\" alt=\"x\" />", &t), -1);
	ck_assert_int_eq(imgtag_parse("<img alt=\"no src\" />", &t), -1);
	ck_assert_int_eq(imgtag_parse("<p>", &t), -1);
	ck_assert_int_eq(imgtag_parse(NULL, &t), -1);
}
END_TEST

/* Returns whether rel is in the list of inv. */
static bool
has(const struct inval *inv, const char *rel)
{
	char	 line[300];

	snprintf(line, sizeof(line), "\n%s\n", rel);
	return strncmp(buf_str(&inv->paths), line + 1, strlen(line + 1)) == 0 ||
	    strstr(buf_str(&inv->paths), line) != NULL;
}

/* Returns the number of paths of inv. */
static size_t
count(const struct inval *inv)
{
	const char	*p;
	size_t		 n = 0;

	for (p = buf_str(&inv->paths); *p != '\0'; p++)
		n += *p == '\n';
	return n;
}

static const struct post_snap shown = {
	true, false, "a-post", "A post", "Its excerpt", "ann", "2026-11-26T06:14:52Z",
	"<p>x</p><img src=\"/a.webp\" alt=\"a\" />", "[\"C++\",\"Go\"]", "[\"c\",\"go\"]"
};

START_TEST(matrix)
{
	struct inval		 inv = { BUF_INIT, false, BUF_INIT, 0 };
	struct post_snap	 a = shown, b = shown;

	/* Published: every list and feed, the sitemap. */
	b.visible = false;
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "a-post/") && has(&inv, "sitemap.xml") && has(&inv, "feed.atom") &&
	    has(&inv, "index.html") && has(&inv, "page/") && has(&inv, "tag/c/") &&
	    has(&inv, "tag/go/") && has(&inv, "author/ann/"));
	ck_assert_uint_eq(count(&inv), 8);
	inval_free(&inv);
	/* A draft edited: nothing. */
	a.visible = false;
	inval_post(&inv, &b, &a);
	ck_assert(!inval_any(&inv));
	inval_post(&inv, NULL, &a);
	ck_assert(!inval_any(&inv));
	/* The body only: the post, the feeds, the sitemap; not the lists. */
	a = b = shown;
	a.html = "<p>y</p><img src=\"/a.webp\" alt=\"a\" />";
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "a-post/") && has(&inv, "sitemap.xml") && has(&inv, "feed.atom") &&
	    has(&inv, "tag/c/feed.atom") && has(&inv, "tag/go/feed.atom"));
	ck_assert(!has(&inv, "index.html") && !has(&inv, "tag/c/") && !has(&inv, "author/ann/"));
	inval_free(&inv);
	/* Its first image: cards may show it. */
	a.html = "<p>x</p><img src=\"/b.webp\" alt=\"a\" />";
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "index.html"));
	inval_free(&inv);
	/* A tag changed: the old and the new, whole. */
	a = shown;
	a.tags = "[\"C++\",\"Rust\"]";
	a.tag_slugs = "[\"c\",\"rust\"]";
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "tag/go/") && has(&inv, "tag/rust/") && has(&inv, "tag/c/"));
	inval_free(&inv);
	/* A slug changed: both pages. */
	a = shown;
	a.slug = "b-post";
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "a-post/") && has(&inv, "b-post/") && has(&inv, "index.html"));
	inval_free(&inv);
	/* Another author (by a rename in Auth, say): both authors. */
	a = shown;
	a.author = "bob";
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "author/ann/") && has(&inv, "author/bob/"));
	inval_free(&inv);
	/* A page: its page and the sitemap only. */
	a = b = shown;
	a.page = b.page = true;
	a.title = "Another title";
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "a-post/") && has(&inv, "sitemap.xml"));
	ck_assert_uint_eq(count(&inv), 2);
	inval_free(&inv);
	/* A post becoming a page: it leaves the lists and feeds. */
	b.page = false;
	inval_post(&inv, &b, &a);
	ck_assert(has(&inv, "index.html") && has(&inv, "feed.atom") && has(&inv, "tag/c/") &&
	    has(&inv, "author/ann/"));
	inval_free(&inv);
	/* Deleted. */
	inval_post(&inv, &shown, NULL);
	ck_assert(has(&inv, "a-post/") && has(&inv, "index.html"));
	inval_free(&inv);
	/* A path no file may have is never listed. */
	a = shown;
	a.author = ".hidden";
	a.slug = "../x";
	inval_post(&inv, NULL, &a);
	ck_assert(!has(&inv, "author/.hidden/") && !has(&inv, "../x/"));
	inval_free(&inv);
}
END_TEST

/* Asserts that settings_check refuses value (JSON) for name, naming what. */
static void
refused(const char *name, const char *value, const char *what)
{
	json_t		*v = json_loads(value, JSON_DECODE_ANY, NULL);
	char		 msg[300];
	const char	*why;

	ck_assert_ptr_nonnull(v);
	why = settings_check(name, v, msg, sizeof(msg));
	ck_assert_msg(why != NULL, "%s = %s was taken", name, value);
	ck_assert_msg(strstr(why, what) != NULL, "\"%s\" names no %s", why, what);
	json_decref(v);
}

/* Asserts that settings_check takes value (JSON) for name. */
static void
taken(const char *name, const char *value)
{
	json_t		*v = json_loads(value, JSON_DECODE_ANY, NULL);
	char		 msg[300];
	const char	*why;

	ck_assert_ptr_nonnull(v);
	why = settings_check(name, v, msg, sizeof(msg));
	ck_assert_msg(why == NULL, "%s = %s: %s", name, value, why);
	json_decref(v);
}

START_TEST(settings_checks)
{
	taken("title", "\"Field Notes\"");
	taken("title", "\"<script>\"");
	refused("title", "\"\"", "title");
	refused("title", "\"   \"", "title");
	refused("title", "\"a\\nb\"", "title");
	taken("description", "\"\"");
	refused("description", "\"\\u0007\"", "description");
	taken("language", "\"en\"");
	taken("language", "\"fr-CA\"");
	taken("language", "\"zh-Hant-TW\"");
	taken("language", "\"es-419\"");
	taken("language", "\"de-CH-1996\"");
	taken("language", "\"sl-rozaj\"");
	refused("language", "\"english\"", "language");
	refused("language", "\"e\"", "language");
	refused("language", "\"en-\"", "language");
	refused("language", "\"en_GB\"", "language");
	refused("language", "\"en-GB-x\"", "language");
	refused("language", "\"\"", "language");
	refused("language", "7", "language");
	taken("posts_per_page", "1");
	taken("posts_per_page", "50");
	refused("posts_per_page", "0", "posts_per_page");
	refused("posts_per_page", "51", "posts_per_page");
	refused("posts_per_page", "2.5", "posts_per_page");
	taken("navigation", "[]");
	taken("navigation", "[{\"label\":\"About\",\"url\":\"/about/\"},"
	    "{\"label\":\"Elsewhere\",\"url\":\"https://example.org/a?b=1#c\"}]");
	taken("navigation", "[{\"label\":\"Plain\",\"url\":\"http://example.org\"}]");
	refused("navigation", "{}", "navigation");
	refused("navigation", "[1]", "navigation[0]");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"/\",\"more\":1}]", "navigation[0]");
	refused("navigation", "[{\"label\":\"x\",\"link\":\"/\"}]", "navigation[0]");
	refused("navigation", "[{\"label\":1,\"url\":\"/\"}]", "navigation[0].label");
	refused("navigation", "[{\"label\":\"\",\"url\":\"/\"}]", "navigation[0].label");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"javascript:alert(1)\"}]",
	    "navigation[0].url");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"JAVASCRIPT:alert(1)\"}]",
	    "navigation[0].url");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"data:text/html,x\"}]",
	    "navigation[0].url");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"//evil.example\"}]", "navigation[0].url");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"https:///x\"}]", "navigation[0].url");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"about\"}]", "navigation[0].url");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"/a\\\"b\"}]", "navigation[0].url");
	refused("navigation", "[{\"label\":\"x\",\"url\":\"/a\\tb\"}]", "navigation[0].url");
	refused("colour", "\"red\"", "colour");
}
END_TEST

Suite *
rules_suite(void)
{
	Suite	*s = suite_create("rules");
	TCase	*t = tcase_create("rules");

	tcase_add_test(t, paths_name_pages);
	tcase_add_test(t, tag_slugs);
	tcase_add_test(t, first_images);
	tcase_add_test(t, matrix);
	tcase_add_test(t, settings_checks);
	suite_add_tcase(s, t);
	return s;
}
