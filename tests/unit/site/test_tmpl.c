/*
 * Unit tests of the template engine (tmpl_*.c): syntax, sections, partials,
 * the escaping each place of the HTML gets with hostile values, errors with
 * their lines, and the limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "post/esc.h"
#include "nitems.h"
#include "post/tmpl.h"
#include "suites.h"

#define HOSTILE	"</script><script>alert(\"x\")</script>' onload='alert(1)"

static const struct tmpl_limits limits = { 1 << 20, 100000 };

/* Partials the tests may include; "t" is the template under test. */
static const char *const partial_src[][2] = {
	{ "head", "<title>{{title}}</title>\n" },
	{ "item", "<li>{{.}}</li>" },
};

/*
 * Parses src as "t.html" with the partials, links, and renders it with d
 * (NULL: empty). Returns the output (to free), or NULL with err set.
 */
static char *
render_with(const char *src, struct tmpl_data *d, const struct tmpl_limits *lim, char *err,
    size_t errlen)
{
	struct tmpl_set		*set = tmpl_set_new();
	struct tmpl		*t;
	struct tmpl_data	*own = NULL;
	struct buf		 out = BUF_INIT;
	char			*result = NULL, name[64];
	size_t			 i;

	ck_assert_ptr_nonnull(set);
	if (tmpl_parse("t.html", src, strlen(src), &t, err, errlen) == -1 ||
	    tmpl_set_add(set, "t", t, err, errlen) == -1)
		goto out;
	for (i = 0; i < nitems(partial_src); i++) {
		snprintf(name, sizeof(name), "%s.html", partial_src[i][0]);
		ck_assert_int_eq(tmpl_parse(name, partial_src[i][1], strlen(partial_src[i][1]), &t, err,
		    errlen), 0);
		ck_assert_int_eq(tmpl_set_add(set, partial_src[i][0], t, err, errlen), 0);
	}
	if (tmpl_set_link(set, err, errlen) == -1)
		goto out;
	if (d == NULL)
		ck_assert_ptr_nonnull(d = own = tmpl_data_new());
	if (tmpl_render(tmpl_set_get(set, "t"), d, lim, &out, err, errlen) == 0)
		result = strdup(buf_str(&out));
out:
	buf_free(&out);
	tmpl_data_free(own);
	tmpl_set_free(set);
	return result;
}

/* Renders src with d; fails the test on error. Returns the output (to free). */
static char *
render(const char *src, struct tmpl_data *d)
{
	char	 err[512];
	char	*out = render_with(src, d, &limits, err, sizeof(err));

	ck_assert_msg(out != NULL, "%s", err);
	return out;
}

/* Checks that src renders with d as want. */
static void
expect(const char *src, struct tmpl_data *d, const char *want)
{
	char	*got = render(src, d);

	ck_assert_msg(strcmp(got, want) == 0, "%s\ngave\n%s\nnot\n%s", src, got, want);
	free(got);
}

/* Checks that src fails (parse, link or render) with a message that starts with want. */
static void
expect_error(const char *src, struct tmpl_data *d, const struct tmpl_limits *lim,
    const char *want)
{
	char	 err[512] = "";
	char	*out = render_with(src, d, lim != NULL ? lim : &limits, err, sizeof(err));

	ck_assert_msg(out == NULL, "%s rendered as %s", src, out);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s: '%s', not '%s…'", src, err,
	    want);
}

/* Returns data with title, a hostile value in x, html, n, yes, no, list and map. */
static struct tmpl_data *
sample(void)
{
	struct tmpl_data	*d = tmpl_data_new();
	struct tmpl_val		*root = tmpl_data_root(d), *list, *m;

	tmpl_put_text(d, root, "title", "Fish & chips");
	tmpl_put_text(d, root, "x", HOSTILE);
	tmpl_put_html(d, root, "html", "<p>Safe <em>HTML</em></p>");
	tmpl_put_int(d, root, "n", 42);
	tmpl_put_bool(d, root, "yes", true);
	tmpl_put_bool(d, root, "no", false);
	tmpl_put_text(d, root, "empty", "");
	list = tmpl_put_list(d, root, "list");
	tmpl_add_text(d, list, "a");
	tmpl_add_text(d, list, "<b>");
	m = tmpl_put_map(d, root, "map");
	tmpl_put_text(d, m, "name", "inner");
	m = tmpl_put_map(d, m, "deeper");
	tmpl_put_text(d, m, "name", "deepest");
	tmpl_put_list(d, root, "none");
	ck_assert(!tmpl_data_failed(d));
	return d;
}

START_TEST(values)
{
	struct tmpl_data *d = sample();

	expect("<p>{{title}} {{ n }} {{yes}} {{no}} [{{missing}}] [{{map}}] [{{list}}]</p>", d,
	    "<p>Fish &amp; chips 42 true false [] [] []</p>");
	expect("{{map.name}}/{{map.deeper.name}}/{{map.nothing.name}}/{{title.x}}", d,
	    "inner/deepest//");
	expect("{{! a comment, {{ even braces }}<p>{{x}}</p>", d,
	    "<p>&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; "
	    "onload=&#39;alert(1)</p>");
	tmpl_data_free(d);
}
END_TEST

START_TEST(sections)
{
	struct tmpl_data	*d = sample(), *e = tmpl_data_new();
	struct tmpl_val		*posts, *p;

	expect("<ul>{{#list}}<li>{{.}}</li>{{/list}}</ul>", d, "<ul><li>a</li><li>&lt;b&gt;</li></ul>");
	expect("{{#map}}{{name}}+{{title}}{{/map}}", d, "inner+Fish &amp; chips");
	expect("{{#map.deeper}}{{name}}{{/map.deeper}}", d, "deepest");
	expect("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}{{^yes}}!Y{{/yes}}", d, "Y!N");
	expect("{{#none}}x{{/none}}{{^none}}empty list{{/none}}", d, "empty list");
	expect("{{#empty}}x{{/empty}}{{^empty}}empty text{{/empty}}", d, "empty text");
	expect("{{#missing}}x{{/missing}}{{^missing}}missing{{/missing}}", d, "missing");
	expect("{{#n}}[{{.}}]{{/n}}", d, "[42]");
	expect("{{#title}}[{{.}}]{{/title}}", d, "[Fish &amp; chips]");
	/* A list of maps; an item's missing key is looked up outside. */
	posts = tmpl_put_list(e, tmpl_data_root(e), "posts");
	tmpl_put_text(e, tmpl_data_root(e), "site", "S");
	p = tmpl_add_map(e, posts);
	tmpl_put_text(e, p, "title", "one");
	tmpl_put_bool(e, p, "first", true);
	p = tmpl_add_map(e, posts);
	tmpl_put_text(e, p, "title", "two");
	expect("{{#posts}}{{title}}@{{site}}{{#first}}*{{/first}};{{/posts}}", e, "one@S*;two@S;");
	tmpl_data_free(d);
	tmpl_data_free(e);
}
END_TEST

START_TEST(standalone_lines_vanish)
{
	struct tmpl_data *d = sample();

	expect("<ul>\n  {{#list}}\n  <li>{{.}}</li>\n  {{/list}}\n</ul>\n", d,
	    "<ul>\n  <li>a</li>\n  <li>&lt;b&gt;</li>\n</ul>\n");
	expect("a\n{{! comment }}\nb\n  {{^no}}  \r\nc\n{{/no}}", d, "a\nb\nc\n");
	/* Not alone on their lines: kept as they are. */
	expect("a {{#yes}}b{{/yes}}\n{{#yes}}c{{/yes}} d\n", d, "a b\nc d\n");
	tmpl_data_free(d);
}
END_TEST

START_TEST(partials)
{
	struct tmpl_data *d = sample();

	expect("<!doctype html>\n{{>head}}<ul>{{#list}}{{>item}}{{/list}}</ul>", d,
	    "<!doctype html>\n<title>Fish &amp; chips</title>\n<ul><li>a</li><li>&lt;b&gt;</li></ul>");
	expect_error("<p>\n{{>nowhere}}</p>", d, NULL, "t.html:2: the partial \"nowhere\" does not exist");
	tmpl_data_free(d);
}
END_TEST

START_TEST(partial_cycles_are_refused)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct tmpl	*t;
	char		 err[256];
	static const char *const src[][2] = {
		{ "a", "A{{>b}}" }, { "b", "B\n{{#x}}{{>c}}{{/x}}" }, { "c", "C\n\n{{>a}}" },
	};
	size_t		 i;

	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(tmpl_parse(src[i][0], src[i][1], strlen(src[i][1]), &t, err,
		    sizeof(err)), 0);
		ck_assert_int_eq(tmpl_set_add(set, src[i][0], t, err, sizeof(err)), 0);
	}
	ck_assert_int_eq(tmpl_set_link(set, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "c:3: the partial \"a\" includes itself");
	tmpl_set_free(set);
}
END_TEST

START_TEST(safe_html_only_in_text)
{
	struct tmpl_data *d = sample();

	expect("<div>{{html}}</div>", d, "<div><p>Safe <em>HTML</em></p></div>");
	expect("<title>{{html}}</title>", d, "<title>&lt;p&gt;Safe &lt;em&gt;HTML&lt;/em&gt;&lt;/p&gt;</title>");
	expect("<p title=\"{{html}}\">", d,
	    "<p title=\"&lt;p&gt;Safe &lt;em&gt;HTML&lt;/em&gt;&lt;/p&gt;\">");
	expect("<textarea>{{html}}</textarea>", d,
	    "<textarea>&lt;p&gt;Safe &lt;em&gt;HTML&lt;/em&gt;&lt;/p&gt;</textarea>");
	expect("<script type=\"application/ld+json\">{\"a\":{{html}}}</script>", d,
	    "<script type=\"application/ld+json\">{\"a\":\"\\u003cp\\u003eSafe \\u003cem\\u003eHTML"
	    "\\u003c/em\\u003e\\u003c/p\\u003e\"}</script>");
	tmpl_data_free(d);
}
END_TEST

START_TEST(attributes_escape_quotes)
{
	struct tmpl_data *d = sample();

	expect("<p class=\"a {{x}}\" title='{{x}}'>", d,
	    "<p class=\"a &lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; "
	    "onload=&#39;alert(1)\" title='&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)"
	    "&lt;/script&gt;&#39; onload=&#39;alert(1)'>");
	expect("<meta content=\"{{title}}\"><p>{{title}}</p>", d,
	    "<meta content=\"Fish &amp; chips\"><p>Fish &amp; chips</p>");
	/* Sections between attributes, and inside values. */
	expect("<li {{#yes}}aria-current=\"page\" {{/yes}}class=\"x{{#no}} on{{/no}}\">", d,
	    "<li aria-current=\"page\" class=\"x\">");
	tmpl_data_free(d);
}
END_TEST

START_TEST(urls_by_position)
{
	struct tmpl_data	*d = tmpl_data_new();
	struct tmpl_val		*r = tmpl_data_root(d);

	tmpl_put_text(d, r, "js", "javascript:alert(1)");
	tmpl_put_text(d, r, "ok", "https://x.org/a?b=1&c=2");
	tmpl_put_text(d, r, "rel", "/post/\"quoted\"/");
	tmpl_put_text(d, r, "tag", "a/b?c&d \"e\"");
	tmpl_put_text(d, r, "set", "/a.webp 320w, javascript:x 640w, /b.webp 1280w");
	expect("<a href=\"{{js}}\">", d, "<a href=\"" ESC_URL_BLOCKED "\">");
	expect("<a href=\" {{js}}\">", d, "<a href=\" " ESC_URL_BLOCKED "\">");
	expect("<img src='{{js}}'>", d, "<img src='" ESC_URL_BLOCKED "'>");
	expect("<form action={{! }}\"{{js}}\">", d, "<form action=\"" ESC_URL_BLOCKED "\">");
	expect("<a HREF=\"{{ok}}\">", d, "<a HREF=\"https://x.org/a?b=1&amp;c=2\">");
	expect("<a href=\"{{rel}}\">", d, "<a href=\"/post/%22quoted%22/\">");
	expect("<a href=\"/tag/{{tag}}/?q={{tag}}\">", d,
	    "<a href=\"/tag/a%2Fb%3Fc%26d%20%22e%22/?q=a%2Fb%3Fc%26d%20%22e%22\">");
	/* After a value that starts the URL, the next one is a part. */
	expect("<a href=\"{{ok}}{{js}}\">", d,
	    "<a href=\"https://x.org/a?b=1&amp;c=2javascript%3Aalert%281%29\">");
	expect("<img srcset=\"{{set}}\" src=\"{{ok}}\">", d,
	    "<img srcset=\"/a.webp 320w, /b.webp 1280w\" src=\"https://x.org/a?b=1&amp;c=2\">");
	expect("<img srcset=\"{{ok}} 1x, {{js}} 2x\">", d,
	    "<img srcset=\"https://x.org/a?b=1&amp;c=2 1x,  2x\">");
	/* Attributes that are not URLs are not checked as URLs. */
	expect("<meta content=\"{{js}}\">", d, "<meta content=\"javascript:alert(1)\">");
	tmpl_data_free(d);
}
END_TEST

START_TEST(json_ld)
{
	struct tmpl_data	*d = sample();
	struct tmpl_val		*r = tmpl_data_root(d), *a;
	char			*out, *end;

	tmpl_put_text(d, r, "ls", "line\xe2\x80\xa8sep");
	a = tmpl_put_map(d, r, "author");
	tmpl_put_text(d, a, "name", "A \"B\"");
	tmpl_put_int(d, a, "age", 7);
	out = render("<script type=\"application/ld+json\">\n"
	    "{\"headline\": {{x}}, \"q\": \"by {{x}}\", \"n\": {{n}}, \"no\": {{missing}},\n"
	    " \"list\": {{list}}, \"author\": {{author}}, \"ls\": \"{{ls}}\", \"esc\": \"\\\"{{n}}\"}\n"
	    "</script><p>{{x}}</p>", d);
	ck_assert_str_eq(out, "<script type=\"application/ld+json\">\n"
	    "{\"headline\": \"\\u003c/script\\u003e\\u003cscript\\u003ealert(\\\"x\\\")\\u003c/script"
	    "\\u003e\\u0027 onload=\\u0027alert(1)\", \"q\": \"by \\u003c/script\\u003e\\u003cscript"
	    "\\u003ealert(\\\"x\\\")\\u003c/script\\u003e\\u0027 onload=\\u0027alert(1)\", \"n\": 42, "
	    "\"no\": null,\n \"list\": [\"a\",\"\\u003cb\\u003e\"], \"author\": {\"name\":\"A "
	    "\\\"B\\\"\",\"age\":7}, \"ls\": \"line\\u2028sep\", \"esc\": \"\\\"42\"}\n"
	    "</script><p>&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; "
	    "onload=&#39;alert(1)</p>");
	/* Nothing closes the block before its own end. */
	end = strstr(out, "</script>");
	ck_assert_ptr_nonnull(end);
	ck_assert_ptr_eq(strstr(out, "</script"), end);
	ck_assert_ptr_null(strstr(out, "<!--"));
	free(out);
	tmpl_data_free(d);
}
END_TEST

START_TEST(syntax_errors)
{
	expect_error("a\n{{{x}}}", NULL, NULL, "t.html:2: {{{…}} is not supported");
	expect_error("{{&x}}", NULL, NULL, "t.html:1: {{&…}} is not supported");
	expect_error("{{=<% %>=}}", NULL, NULL, "t.html:1: changing the delimiters");
	expect_error("\n\n{{x", NULL, NULL, "t.html:3: a \"{{\" with no \"}}\"");
	expect_error("{{}}", NULL, NULL, "t.html:1: an empty tag");
	expect_error("{{a b}}", NULL, NULL, "t.html:1: \"a b\" is not a name");
	expect_error("{{a..b}}", NULL, NULL, "t.html:1: \"a..b\" is not a name");
	expect_error("{{>a.b}}", NULL, NULL, "t.html:1: \"a.b\" is not a name");
	expect_error("<p>\n{{#a}}\n{{#b}}\n{{/b}}\n", NULL, NULL, "t.html:2: {{#a}} is not closed");
	expect_error("{{#a}}\n{{^b}}\n{{/a}}\n", NULL, NULL, "t.html:3: {{/a}} closes {{^b}} of line 2");
	expect_error("x\n{{/a}}", NULL, NULL, "t.html:2: {{/a}} closes no section");
	expect_error("ok\n\xc3(", NULL, NULL, "t.html:2: not UTF-8");
}
END_TEST

START_TEST(values_where_html_takes_none)
{
	expect_error("<a href={{x}}>", NULL, NULL, "t.html:1: a template tag cannot stand inside");
	expect_error("<a title=x{{x}}>", NULL, NULL, "t.html:1: a template tag cannot stand inside");
	expect_error("<div {{x}}>", NULL, NULL, "t.html:1: only sections can stand between");
	expect_error("<div{{#a}} class=\"b\"{{/a}}>", NULL, NULL, "t.html:1: a template tag cannot");
	expect_error("<{{x}}>", NULL, NULL, "t.html:1: a template tag cannot stand inside");
	expect_error("<a\n onclick=\"go({{x}})\">", NULL, NULL, "t.html:2: a value cannot go in an event handler");
	expect_error("<p style=\"color: {{x}}\">", NULL, NULL, "t.html:1: a value cannot go in an event handler, style");
	expect_error("<iframe srcdoc=\"{{x}}\">", NULL, NULL, "t.html:1: a value cannot go in an event handler, style or srcdoc");
	expect_error("<style>p { color: {{x}} }</style>", NULL, NULL, "t.html:1: a value cannot go inside <script>");
	expect_error("<script>var a = \"{{x}}\";</script>", NULL, NULL, "t.html:1: a value cannot go inside <script>");
	expect_error("<script type=\"text/javascript\">{{x}}</script>", NULL, NULL, "t.html:1: a value cannot go inside <script>");
	expect_error("<script type=\"{{t}}\">{{x}}</script>", NULL, NULL, "t.html:1: a value cannot go inside <script>");
	expect_error("<!-- {{x}} -->", NULL, NULL, "t.html:1: a value cannot go in an HTML comment");
	expect_error("<a href=\"javascript:{{x}}\">", NULL, NULL, "t.html:1: a value cannot go in a URL whose scheme");
	expect_error("<a href=\"JavaScript:go('{{x}}')\">", NULL, NULL, "t.html:1: a value cannot go in a URL whose scheme");
	expect_error("<a href=\"{{x}}:alert(1)\">", NULL, NULL, "t.html:1: a ':' after a value");
	expect_error("<a href=\"j{{x}}:alert(1)\">", NULL, NULL, "t.html:1: a ':' after a value");
	expect_error("<p title=\"{{>head}}\">", NULL, NULL, "t.html:1: a partial can only stand in HTML text");
	expect_error("<script type=\"application/ld+json\">\n<!--</script>", NULL, NULL, "t.html:1: \"<!--\" inside <script>");
	/* A section must end where it began. */
	expect_error("{{#a}}<a href=\"{{/a}}\">", NULL, NULL, "t.html:1: the section {{#a}} of line 1 ends in another place");
	expect_error("<p>{{#a}}<!--{{/a}}-->", NULL, NULL, "t.html:1: the section {{#a}} of line 1 ends in another place");
	expect_error("<script type=\"application/ld+json\">{{#a}}\"{{/a}}\"</script>", NULL, NULL, "t.html:1: the section {{#a}}");
	expect_error("<a href=\"{{#a}}javascript:{{/a}}{{x}}\">", NULL, NULL, "t.html:1: a value cannot go in a URL whose scheme");
	/* And the template must end in text. */
	expect_error("<p>\n<a href=\"x\"\n", NULL, NULL, "t.html:2: the tag begun here is not closed");
	expect_error("<title>\nx", NULL, NULL, "t.html:1: the <title> element begun here is not closed");
	expect_error("<!--\n", NULL, NULL, "t.html:1: an HTML comment begun here is not closed");
}
END_TEST

START_TEST(html_the_scanner_follows)
{
	struct tmpl_data *d = sample();

	/* '>' inside quotes, comments and raw text does not end them early. */
	expect("<a title=\"a>b\" href=\"/{{title}}\">", d, "<a title=\"a>b\" href=\"/Fish%20%26%20chips\">");
	expect("<!-- <a href=\" -->{{title}}", d, "<!-- <a href=\" -->Fish &amp; chips");
	expect("<style>a[title=\"<p\"] { x: y }</style><a title=\"{{title}}\">", d,
	    "<style>a[title=\"<p\"] { x: y }</style><a title=\"Fish &amp; chips\">");
	expect("<!doctype html><title>a <b> {{title}}</title></TITLE >{{title}}", d,
	    "<!doctype html><title>a <b> Fish &amp; chips</title></TITLE >Fish &amp; chips");
	expect("<script type=\"application/ld+json\">{\"a\":\"</scrip\\\"t>\",\"b\":{{n}}}</script >", d,
	    "<script type=\"application/ld+json\">{\"a\":\"</scrip\\\"t>\",\"b\":42}</script >");
	expect("a < b {{n}} <!-->{{n}}", d, "a < b 42 <!-->42");
	tmpl_data_free(d);
}
END_TEST

START_TEST(nesting_limits)
{
	char	 src[2048] = "", err[256];
	int	 i;

	for (i = 0; i <= TMPL_NEST_MAX; i++)
		strcat(src, "{{#a}}");
	expect_error(src, NULL, NULL, "t.html:1: sections nested deeper than 32");
	(void)err;
}
END_TEST

START_TEST(output_and_step_limits)
{
	struct tmpl_data		*d = tmpl_data_new();
	struct tmpl_val			*l = tmpl_put_list(d, tmpl_data_root(d), "l");
	static const struct tmpl_limits	 small_output = { 100, 100000 }, few_steps = { 1 << 20, 1000 };
	int				 i;

	for (i = 0; i < 20; i++)
		tmpl_add_text(d, l, "0123456789");
	expect_error("<p>\n{{#l}}{{.}}{{/l}}</p>", d, &small_output, "t.html:2: the page is larger than 100 bytes");
	/* 20^4 walks of an empty body: bounded by steps, not by output. */
	expect_error("\n{{#l}}{{#l}}{{#l}}{{#l}}{{/l}}{{/l}}{{/l}}{{/l}}", d, &few_steps,
	    "t.html:2: more than 1000 steps");
	tmpl_data_free(d);
}
END_TEST

START_TEST(partial_depth_and_stack_limits)
{
	struct tmpl_set		*set = tmpl_set_new();
	struct tmpl_data	*d = tmpl_data_new();
	struct tmpl		*t;
	struct buf		 out = BUF_INIT;
	char			 name[16], src[512], err[256];
	int			 i, k;

	tmpl_put_map(d, tmpl_data_root(d), "m");
	/* p0 includes p1 … p9: deeper than TMPL_PARTIAL_DEPTH. */
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		if (i < 9)
			snprintf(src, sizeof(src), "{{>p%d}}", i + 1);
		else
			snprintf(src, sizeof(src), "end");
		ck_assert_int_eq(tmpl_parse(name, src, strlen(src), &t, err, sizeof(err)), 0);
		ck_assert_int_eq(tmpl_set_add(set, name, t, err, sizeof(err)), 0);
	}
	/* s0 opens 10 sections and includes s1 …: a stack deeper than TMPL_STACK_MAX. */
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		src[0] = '\0';
		for (k = 0; k < 10; k++)
			strcat(src, "{{#m}}");
		if (i < 7)
			snprintf(src + strlen(src), 16, "{{>s%d}}", i + 1);
		for (k = 0; k < 10; k++)
			strcat(src, "{{/m}}");
		ck_assert_int_eq(tmpl_parse(name, src, strlen(src), &t, err, sizeof(err)), 0);
		ck_assert_int_eq(tmpl_set_add(set, name, t, err, sizeof(err)), 0);
	}
	ck_assert_int_eq(tmpl_set_link(set, err, sizeof(err)), 0);
	ck_assert_int_eq(tmpl_render(tmpl_set_get(set, "p1"), d, &limits, &out, err, sizeof(err)), 0);
	ck_assert_str_eq(buf_str(&out), "end");
	buf_reset(&out);
	ck_assert_int_eq(tmpl_render(tmpl_set_get(set, "p0"), d, &limits, &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "p8:1: partials nested deeper than 8");
	ck_assert_int_eq(tmpl_render(tmpl_set_get(set, "s0"), d, &limits, &out, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "s6:1: sections nested deeper than 64");
	buf_free(&out);
	tmpl_data_free(d);
	tmpl_set_free(set);
}
END_TEST

START_TEST(set_errors)
{
	struct tmpl_set	*set = tmpl_set_new();
	struct tmpl	*t;
	char		 err[256];

	ck_assert_int_eq(tmpl_parse("a.html", "x", 1, &t, err, sizeof(err)), 0);
	ck_assert_int_eq(tmpl_set_add(set, "a", t, err, sizeof(err)), 0);
	ck_assert_int_eq(tmpl_parse("b.html", "y", 1, &t, err, sizeof(err)), 0);
	ck_assert_int_eq(tmpl_set_add(set, "a", t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "b.html:1: a second template called \"a\"");
	ck_assert_ptr_null(tmpl_set_get(set, "b"));
	tmpl_set_free(set);
}
END_TEST

START_TEST(source_size_limit)
{
	size_t	 len = TMPL_SOURCE_MAX + 1;
	char	*big = malloc(len), err[256];
	struct tmpl *t;

	memset(big, 'a', len);
	ck_assert_int_eq(tmpl_parse("big.html", big, len, &t, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "big.html:1: larger than 262144 bytes");
	ck_assert_int_eq(tmpl_parse("big.html", big, len - 1, &t, err, sizeof(err)), 0);
	tmpl_free(t);
	free(big);
}
END_TEST

START_TEST(failed_data_is_refused)
{
	struct tmpl_data	*d = tmpl_data_new();
	struct tmpl_val		*list = tmpl_put_list(d, tmpl_data_root(d), "l");

	tmpl_put_text(d, list, "k", "v");	/* a list is not a map: a misuse */
	ck_assert(tmpl_data_failed(d));
	expect_error("x", d, NULL, "t.html:1: the page's data could not be built");
	tmpl_data_free(d);
}
END_TEST

Suite *
tmpl_suite(void)
{
	Suite	*s = suite_create("tmpl");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, values);
	tcase_add_test(tc, sections);
	tcase_add_test(tc, standalone_lines_vanish);
	tcase_add_test(tc, partials);
	tcase_add_test(tc, partial_cycles_are_refused);
	tcase_add_test(tc, safe_html_only_in_text);
	tcase_add_test(tc, attributes_escape_quotes);
	tcase_add_test(tc, urls_by_position);
	tcase_add_test(tc, json_ld);
	tcase_add_test(tc, syntax_errors);
	tcase_add_test(tc, values_where_html_takes_none);
	tcase_add_test(tc, html_the_scanner_follows);
	tcase_add_test(tc, nesting_limits);
	tcase_add_test(tc, output_and_step_limits);
	tcase_add_test(tc, partial_depth_and_stack_limits);
	tcase_add_test(tc, set_errors);
	tcase_add_test(tc, source_size_limit);
	tcase_add_test(tc, failed_data_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
