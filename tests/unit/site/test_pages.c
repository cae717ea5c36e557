/*
 * Unit tests of the page model (site.c) through the default theme (theme/):
 * every page type rendered from fixture data whose every text slot holds
 * markup, quotes and a script, then checked for escaping, for what its
 * <head> must hold, and with html5check.py (HTML5 parse, images, landmarks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "post/esc.h"
#include "post/site.h"
#include "suites.h"

#define EVIL	"<script>alert(1)</script>\"'&\xe2\x80\xa8</script><!--"
#define EVIL_HTML "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\xe2\x80\xa8" \
		"&lt;/script&gt;&lt;!--"
#define BASE	"https://blog.example"
#define IMG	"/media/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/w/"

static const struct tmpl_limits limits = { 4 << 20, 1000000 };

static const struct site_link nav[] = {
	{ EVIL, "/about/" }, { "Bad", "javascript:alert(1)" }, { "Feed", "/feed.atom" },
};
static const struct site_settings settings = {
	EVIL, EVIL, "en\"><script>", BASE, nav, 3
};
static const struct site_tag tags[] = { { EVIL, EVIL }, { "plain", "plain" } };
static const struct site_image image = {
	IMG "1280.webp", IMG "320.webp 320w, " IMG "1280.webp 1280w", EVIL, IMG "1280.webp",
	1600, 900
};
/* What render.c stores: two images, so the second is lazy. */
static const char post_html[] =
    "<p>Text &amp; more.</p>\n<p><img src=\"" IMG "1280.webp\" srcset=\"" IMG "320.webp 320w, " IMG
    "1280.webp 1280w\" width=\"1600\" height=\"900\" alt=\"&lt;script&gt;\" /></p>\n"
    "<p><img src=\"" IMG "1280.webp\" srcset=\"" IMG "320.webp 320w\" width=\"1600\" "
    "height=\"900\" alt=\"second\" /></p>\n";

static struct site_post posts[3];
static struct theme *theme;
static char dir[64];

/* Loads the shipped theme, makes the fixture posts and a folder for the test. */
static void
setup(void)
{
	const char	*dirs[] = { "theme" };
	char		 err[512];
	int		 i;

	ck_assert_msg(theme_load(dirs, 1, &theme, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < 3; i++)
		posts[i] = (struct site_post){ i == 0 ? EVIL : "plain", EVIL, EVIL, post_html,
		    EVIL, EVIL, tags, 2, 1795392000 - i * 86400, 1795392000 + 3 * 86400,
		    i == 0 ? &image : NULL };
	tmpdir_make(dir, sizeof(dir));
}

static void
teardown(void)
{
	theme_free(theme);
}

/*
 * Renders p, writes it to dir/name.html, checks that html5check.py passes
 * it and that no slot let the script through. Returns the page (to free).
 */
static char *
page(const struct site_page *p, const char *name)
{
	struct buf	 out = BUF_INIT;
	char		 err[512], path[256], cmd[512];
	FILE		*f;
	int		 rc;

	rc = site_render(theme, &settings, p, &limits, &out, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	snprintf(path, sizeof(path), "%s/%s.html", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_uint_eq(fwrite(out.data, 1, out.len, f), out.len);
	ck_assert_int_eq(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 tests/unit/site/html5check.py %s", path);
	ck_assert_msg(system(cmd) == 0, "%s does not pass html5check.py", path);
	ck_assert_msg(strstr(out.data, "<script>alert") == NULL, "%s: a script got through", name);
	ck_assert_msg(strstr(out.data, "javascript:") == NULL, "%s: a javascript: URL", name);
	ck_assert_msg(strstr(out.data, "<html lang=\"en&quot;&gt;&lt;script&gt;\">") != NULL,
	    "%s: lang", name);
	return out.data;
}

/* Fails unless s holds want. */
static void
has(const char *s, const char *want)
{
	ck_assert_msg(strstr(s, want) != NULL, "no «%s» in the page", want);
}

/* Returns how many times want is in s. */
static int
count(const char *s, const char *want)
{
	int	 n = 0;

	while ((s = strstr(s, want)) != NULL) {
		n++;
		s += strlen(want);
	}
	return n;
}

/* The <head> every page has, and the navigation. */
static void
common(const char *h)
{
	has(h, "<meta charset=\"utf-8\">");
	has(h, "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"" EVIL_HTML
	    "\" href=\"" BASE "/feed.atom\">");
	has(h, "<meta property=\"og:site_name\" content=\"" EVIL_HTML "\">");
	has(h, "<meta name=\"twitter:card\" content=\"summary");
	has(h, "<link rel=\"stylesheet\" href=\"/assets/style.");
	has(h, "<a class=\"skip-link\" href=\"#main\">");
	has(h, "<li><a href=\"/about/\">" EVIL_HTML "</a></li>");
	has(h, "<li><a href=\"" ESC_URL_BLOCKED "\">Bad</a></li>");
}

START_TEST(post_page)
{
	struct site_page p = { .kind = SITE_POST, .post = &posts[0] };
	char		*h = page(&p, "post"), *ld, *end;
	json_t		*j;
	json_error_t	 je;
	const char	*slug = "%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%27%26%E2%80%A8%3C%2F"
			    "script%3E%3C%21--";
	char		 canonical[512];

	common(h);
	has(h, "<title>" EVIL_HTML " — " EVIL_HTML "</title>");
	has(h, "<meta name=\"description\" content=\"" EVIL_HTML "\">");
	snprintf(canonical, sizeof(canonical), "<link rel=\"canonical\" href=\"" BASE "/%s/\">", slug);
	has(h, canonical);
	has(h, "<meta property=\"og:type\" content=\"article\">");
	has(h, "<meta property=\"og:title\" content=\"" EVIL_HTML "\">");
	has(h, "<meta property=\"og:image\" content=\"" BASE IMG "1280.webp\">");
	has(h, "<meta property=\"og:image:width\" content=\"1280\">");
	has(h, "<meta property=\"og:image:height\" content=\"720\">");
	has(h, "<meta property=\"og:image:alt\" content=\"" EVIL_HTML "\">");
	has(h, "<meta name=\"twitter:card\" content=\"summary_large_image\">");
	has(h, "<h1 class=\"post__title\">" EVIL_HTML "</h1>");
	has(h, "<a href=\"/tag/%3Cscript%3E");
	has(h, "rel=\"tag\">" EVIL_HTML "</a>");
	has(h, "rel=\"author\">" EVIL_HTML "</a>");
	has(h, "Updated <time datetime=\"2026-11-26T00:00:00Z\">26 November 2026</time>");
	/* The stored HTML as it is, with what the layout adds to its images. */
	has(h, "<p>Text &amp; more.</p>");
	ck_assert_int_eq(count(h, "<img decoding=\"async\" sizes=\""), 1);
	ck_assert_int_eq(count(h, "<img loading=\"lazy\" decoding=\"async\" sizes=\""), 1);
	/* One script: JSON-LD that parses, the hostile values intact inside. */
	ck_assert_int_eq(count(h, "<script"), 1);
	ld = strstr(h, "<script type=\"application/ld+json\">");
	ck_assert_ptr_nonnull(ld);
	ld += strlen("<script type=\"application/ld+json\">");
	end = strstr(ld, "</script>");
	ck_assert_ptr_nonnull(end);
	ck_assert_ptr_null(memmem(ld, (size_t)(end - ld), "<", 1));
	j = json_loadb(ld, (size_t)(end - ld), 0, &je);
	ck_assert_msg(j != NULL, "JSON-LD: %s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(j, "@type")), "BlogPosting");
	ck_assert_str_eq(json_string_value(json_object_get(j, "headline")), EVIL);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "author"), "name")),
	    EVIL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "datePublished")),
	    "2026-11-23T00:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(j, "dateModified")),
	    "2026-11-26T00:00:00Z");
	ck_assert_str_eq(json_string_value(json_object_get(j, "image")), BASE IMG "1280.webp");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "keywords"), 0)),
	    EVIL);
	json_decref(j);
	free(h);
}
END_TEST

START_TEST(page_page)
{
	struct site_page p = { .kind = SITE_PAGE, .post = &posts[1] };
	char		*h = page(&p, "page");

	common(h);
	has(h, "<link rel=\"canonical\" href=\"" BASE "/plain/\">");
	has(h, "<meta property=\"og:type\" content=\"website\">");
	has(h, "<meta name=\"twitter:card\" content=\"summary\">");
	ck_assert_int_eq(count(h, "<script"), 0);	/* no BlogPosting on a page */
	ck_assert_int_eq(count(h, "rel=\"author\""), 0);
	free(h);
}
END_TEST

START_TEST(home_pages)
{
	struct site_list l = { posts, 3, 2, 3 };
	struct site_page p = { .kind = SITE_HOME, .list = &l };
	char		*h = page(&p, "home-2");

	common(h);
	has(h, "<title>" EVIL_HTML " — page 2</title>");
	has(h, "<link rel=\"canonical\" href=\"" BASE "/page/2/\">");
	has(h, "<link rel=\"prev\" href=\"" BASE "/\">");
	has(h, "<link rel=\"next\" href=\"" BASE "/page/3/\">");
	has(h, "href=\"/\" rel=\"prev\">");
	has(h, "href=\"/page/3/\" rel=\"next\">");
	has(h, "<h2 class=\"post-card__title\"><a href=\"/plain/\">" EVIL_HTML "</a></h2>");
	has(h, "<p class=\"post-card__excerpt\">" EVIL_HTML "</p>");
	ck_assert_int_eq(count(h, "<article class=\"post-card\">"), 3);
	ck_assert_int_eq(count(h, "masthead"), 0);	/* only on the front page */
	free(h);
	l.page = 1;
	h = page(&p, "home-1");
	has(h, "<h1 class=\"masthead__title\">" EVIL_HTML "</h1>");
	has(h, "<link rel=\"canonical\" href=\"" BASE "/\">");
	ck_assert_int_eq(count(h, "rel=\"prev\""), 0);
	has(h, "<link rel=\"next\" href=\"" BASE "/page/2/\">");
	free(h);
}
END_TEST

START_TEST(tag_author_search_pages)
{
	struct site_list l = { posts, 2, 1, 1 };
	struct site_page p = { .kind = SITE_TAG, .list = &l, .tag = &tags[0] };
	char		*h = page(&p, "tag");

	common(h);
	has(h, "<h1 class=\"list-header__title\">" EVIL_HTML "</h1>");
	has(h, "<link rel=\"canonical\" href=\"" BASE "/tag/%3Cscript%3Ealert");
	ck_assert_int_eq(count(h, "type=\"application/atom+xml\""), 2);	/* the site's, the tag's */
	has(h, "href=\"" BASE "/tag/%3Cscript%3Ealert%281%29");
	has(h, "/feed.atom\">");
	ck_assert_int_eq(count(h, "class=\"pagination\""), 0);	/* one page */
	free(h);
	p = (struct site_page){ .kind = SITE_AUTHOR, .list = &l, .author = EVIL,
	    .author_name = EVIL };
	h = page(&p, "author");
	has(h, "<link rel=\"canonical\" href=\"" BASE "/author/%3Cscript%3E");
	has(h, "<h1 class=\"list-header__title\">" EVIL_HTML "</h1>");
	free(h);
	l.pages = 2;
	p = (struct site_page){ .kind = SITE_SEARCH, .list = &l, .query = EVIL, .total = 12 };
	h = page(&p, "search");
	has(h, "<meta name=\"robots\" content=\"noindex\">");
	has(h, "value=\"" EVIL_HTML "\"");
	has(h, "12 posts match “" EVIL_HTML "”.");
	has(h, "href=\"/search/?q=%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%27%26%E2%80%A8"
	    "%3C%2Fscript%3E%3C%21--&amp;page=2\" rel=\"next\">");
	ck_assert_int_eq(count(h, "id=\"search-q\""), 1);	/* no second form in the footer */
	free(h);
	l.nposts = 0;
	p.total = 0;
	h = page(&p, "search-none");
	has(h, "Nothing matches “" EVIL_HTML "”.");
	free(h);
}
END_TEST

START_TEST(error_pages)
{
	struct site_page p = { .kind = SITE_NOT_FOUND };
	char		*h = page(&p, "404");

	common(h);
	has(h, "<meta name=\"robots\" content=\"noindex\">");
	ck_assert_int_eq(count(h, "rel=\"canonical\""), 0);
	free(h);
	p.kind = SITE_UNAVAILABLE;
	h = page(&p, "503");
	/* Served by the web server when Post is down: it needs nothing else. */
	ck_assert_int_eq(count(h, "/assets/"), 0);
	ck_assert_int_eq(count(h, "<link"), 0);
	ck_assert_int_eq(count(h, "src="), 0);
	has(h, "<title>Back in a moment — " EVIL_HTML "</title>");
	free(h);
}
END_TEST

START_TEST(paths)
{
	struct site_list l = { posts, 1, 3, 4 };
	struct site_tag	 t = { "C++ & more", "c++ & more" };
	struct site_page p = { .kind = SITE_TAG, .list = &l, .tag = &t };
	struct buf	 b = BUF_INIT;

	ck_assert_int_eq(site_path(&p, 3, &b), 0);
	ck_assert_str_eq(buf_str(&b), "/tag/c%2B%2B%20%26%20more/page/3/");
	buf_reset(&b);
	ck_assert_int_eq(site_path(&p, 1, &b), 0);
	ck_assert_str_eq(buf_str(&b), "/tag/c%2B%2B%20%26%20more/");
	buf_reset(&b);
	p = (struct site_page){ .kind = SITE_POST, .post = &posts[1] };
	ck_assert_int_eq(site_path(&p, 7, &b), 0);
	ck_assert_str_eq(buf_str(&b), "/plain/");
	buf_reset(&b);
	p = (struct site_page){ .kind = SITE_HOME, .list = &l };
	ck_assert_int_eq(site_path(&p, 1, &b), 0);
	ck_assert_str_eq(buf_str(&b), "/");
	buf_free(&b);
}
END_TEST

START_TEST(images_get_the_layout)
{
	struct buf	 b = BUF_INIT;
	bool		 shown = false;

	ck_assert_int_eq(site_images("<p>no image</p>", "50vw", &shown, &b), 0);
	ck_assert_str_eq(buf_str(&b), "<p>no image</p>");
	ck_assert(!shown);
	buf_reset(&b);
	ck_assert_int_eq(site_images("<img src=\"a\" alt=\"x\" /> <img src=\"b\" srcset=\"b 1x\" "
	    "alt=\"&gt;\" />", "50vw", &shown, &b), 0);
	ck_assert_str_eq(buf_str(&b), "<img decoding=\"async\" src=\"a\" alt=\"x\" /> "
	    "<img loading=\"lazy\" decoding=\"async\" sizes=\"50vw\" src=\"b\" srcset=\"b 1x\" "
	    "alt=\"&gt;\" />");
	ck_assert(shown);
	buf_free(&b);
}
END_TEST

Suite *
pages_suite(void)
{
	Suite	*s = suite_create("pages");
	TCase	*tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, tmpdir_begin, tmpdir_end);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, post_page);
	tcase_add_test(tc, page_page);
	tcase_add_test(tc, home_pages);
	tcase_add_test(tc, tag_author_search_pages);
	tcase_add_test(tc, error_pages);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, images_get_the_layout);
	suite_add_tcase(s, tc);
	return s;
}
