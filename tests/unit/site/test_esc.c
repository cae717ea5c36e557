/* Unit tests of esc.c: each context with hostile values, byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "post/esc.h"
#include "suites.h"

typedef int (*esc_fn)(struct buf *, const char *, size_t);

/* Returns f(s[0..len)) as a string (to free). */
static char *
escn(esc_fn f, const char *s, size_t len)
{
	struct buf	 b = BUF_INIT;
	char		*out;

	ck_assert_int_eq(f(&b, s, len), 0);
	out = strdup(buf_str(&b));
	buf_free(&b);
	return out;
}

/* Checks that f(s) is want. */
static void
check(esc_fn f, const char *s, const char *want)
{
	char	*got = escn(f, s, strlen(s));

	ck_assert_msg(strcmp(got, want) == 0, "'%s' gave '%s', not '%s'", s, got, want);
	free(got);
}

START_TEST(html_escapes_markup_and_quotes)
{
	check(esc_html, "<script>alert(\"x\")</script>", "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
	check(esc_html, "Tom & Jerry's \"show\"", "Tom &amp; Jerry&#39;s &quot;show&quot;");
	check(esc_html, "\" onmouseover=\"alert(1)", "&quot; onmouseover=&quot;alert(1)");
	check(esc_html, "plain text, caf\xc3\xa9", "plain text, caf\xc3\xa9");
	check(esc_html, "tab\tnew\nline\r", "tab\tnew\nline\r");
	check(esc_html, "{{x}}", "{{x}}");		/* a value is never a template */
}
END_TEST

START_TEST(html_replaces_what_html_forbids)
{
	char	*got;

	check(esc_html, "a\x01" "b\x7f" "c", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
	check(esc_html, "c1:\xc2\x85.", "c1:\xef\xbf\xbd.");			/* U+0085 */
	check(esc_html, "nc:\xef\xbf\xbe.", "nc:\xef\xbf\xbd.");		/* U+FFFE */
	check(esc_html, "nc:\xef\xb7\x90.", "nc:\xef\xbf\xbd.");		/* U+FDD0 */
	check(esc_html, "bad:\xc3(\xed\xa0\x80)\xf0\x9f", "bad:\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd)\xef\xbf\xbd\xef\xbf\xbd");			/* cut, surrogate, cut */
	check(esc_html, "ls:\xe2\x80\xa8.", "ls:\xe2\x80\xa8.");		/* U+2028 is fine in HTML */
	got = escn(esc_html, "a\0<", 3);					/* a NUL inside */
	ck_assert_str_eq(got, "a\xef\xbf\xbd&lt;");
	free(got);
}
END_TEST

START_TEST(url_blocks_other_schemes)
{
	check(esc_url, "javascript:alert(1)", ESC_URL_BLOCKED);
	check(esc_url, "JaVaScRiPt:alert(1)", ESC_URL_BLOCKED);
	check(esc_url, "vbscript:msgbox(1)", ESC_URL_BLOCKED);
	check(esc_url, "data:text/html;base64,PHNjcmlwdD4=", ESC_URL_BLOCKED);
	check(esc_url, "file:///etc/passwd", ESC_URL_BLOCKED);
	check(esc_url, "foo:bar", ESC_URL_BLOCKED);
	/* What a browser would strip or skip is encoded, so no scheme forms. */
	check(esc_url, " javascript:alert(1)", "%20javascript:alert(1)");
	check(esc_url, "java\tscript:alert(1)", "java%09script:alert(1)");
	check(esc_url, "java\nscript:alert(1)", "java%0Ascript:alert(1)");
	check(esc_url, "\x01javascript:alert(1)", "%01javascript:alert(1)");
	check(esc_url, "&#106;avascript:alert(1)", "&amp;#106;avascript:alert(1)");
}
END_TEST

START_TEST(url_keeps_good_urls)
{
	check(esc_url, "https://blog.example.org/a/b?c=1&d=2#e", "https://blog.example.org/a/b?c=1&amp;d=2#e");
	check(esc_url, "HTTP://X.ORG/", "HTTP://X.ORG/");
	check(esc_url, "mailto:me@example.org", "mailto:me@example.org");
	check(esc_url, "/tag/a/", "/tag/a/");
	check(esc_url, "./odd:name", "./odd:name");
	check(esc_url, "#top", "#top");
	check(esc_url, "?q=1", "?q=1");
	check(esc_url, "", "");
	check(esc_url, "/p%41th/%zz%4", "/p%41th/%25zz%254");
	check(esc_url, "/caf\xc3\xa9 au lait", "/caf%C3%A9%20au%20lait");
	check(esc_url, "/\"><script>'", "/%22%3E%3Cscript%3E%27");
}
END_TEST

START_TEST(url_part_encodes_all_but_unreserved)
{
	check(esc_url_part, "a b/c?d&e=f#g", "a%20b%2Fc%3Fd%26e%3Df%23g");
	check(esc_url_part, "javascript:alert(1)", "javascript%3Aalert%281%29");
	check(esc_url_part, "Stra\xc3\x9f" "e-1_2.3~", "Stra%C3%9Fe-1_2.3~");
	check(esc_url_part, "\"'<>", "%22%27%3C%3E");
	check(esc_url_part, "\xff", "%EF%BF%BD");
}
END_TEST

START_TEST(srcset_keeps_good_candidates)
{
	check(esc_srcset, "/m/1/w/320.webp 320w, /m/1/w/640.webp 640w", "/m/1/w/320.webp 320w, /m/1/w/640.webp 640w");
	check(esc_srcset, "a.png, b.png 2x,c.png 1.5x", "a.png, b.png 2x, c.png 1.5x");
	check(esc_srcset, "javascript:alert(1) 1x, /ok.png 2x", "/ok.png 2x");
	check(esc_srcset, "/a.png onerror=alert(1)", "");
	check(esc_srcset, "/a.png 1.5w, /b.png 2.x, /c.png .5x, /d.png 640w", "/d.png 640w");
	check(esc_srcset, "/a\".png 1x", "/a%22.png 1x");
	check(esc_srcset, "/a.png,, ,/b.png", "/a.png, /b.png");
	check(esc_srcset, "", "");
}
END_TEST

START_TEST(json_escapes_for_a_script_block)
{
	check(esc_json_str, "</script><script>alert(1)</script>",
	    "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e");
	check(esc_json_str, "<!-- \"q\" \\ 'a' & b", "\\u003c!-- \\\"q\\\" \\\\ \\u0027a\\u0027 \\u0026 b");
	check(esc_json_str, "l\xe2\x80\xa8p\xe2\x80\xa9", "l\\u2028p\\u2029");
	check(esc_json_str, "\n\r\t\x01\x7f\xc2\x80", "\\n\\r\\t\\u0001\\u007f\\u0080");
	check(esc_json_str, "\xf0\x9f\xbf\xbf", "\\ud83f\\udfff");		/* U+1FFFF */
	check(esc_json_str, "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80");
	check(esc_json_str, "bad\xc0\xaf", "bad\xef\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(utf8_decoder_refuses_ill_formed)
{
	uint32_t	 cp;

	ck_assert_uint_eq(esc_utf8_next("\xc3\xa9", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(esc_utf8_next("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x10ffff);
	ck_assert_uint_eq(esc_utf8_next("\xc0\x80", 2, &cp), 0);	/* overlong NUL */
	ck_assert_uint_eq(esc_utf8_next("\xe0\x80\xaf", 3, &cp), 0);	/* overlong '/' */
	ck_assert_uint_eq(esc_utf8_next("\xed\xa0\x80", 3, &cp), 0);	/* surrogate */
	ck_assert_uint_eq(esc_utf8_next("\xf4\x90\x80\x80", 4, &cp), 0);	/* past U+10FFFF */
	ck_assert_uint_eq(esc_utf8_next("\xe2\x82", 2, &cp), 0);	/* cut short */
	ck_assert_uint_eq(esc_utf8_next("", 0, &cp), 0);
}
END_TEST

Suite *
esc_suite(void)
{
	Suite	*s = suite_create("esc");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, html_escapes_markup_and_quotes);
	tcase_add_test(tc, html_replaces_what_html_forbids);
	tcase_add_test(tc, url_blocks_other_schemes);
	tcase_add_test(tc, url_keeps_good_urls);
	tcase_add_test(tc, url_part_encodes_all_but_unreserved);
	tcase_add_test(tc, srcset_keeps_good_candidates);
	tcase_add_test(tc, json_escapes_for_a_script_block);
	tcase_add_test(tc, utf8_decoder_refuses_ill_formed);
	suite_add_tcase(s, tc);
	return s;
}
