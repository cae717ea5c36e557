/* Unit tests of slug.c. */
#include <string.h>

#include "post/post.h"
#include "suites.h"

/* Returns the slug of title (a static buffer). */
static const char *
slug(const char *title)
{
	static char	 out[SLUG_BASE_MAX + 1];

	slug_from_title(title, out);
	return out;
}

START_TEST(ascii_titles)
{
	ck_assert_str_eq(slug("Hello, World!"), "hello-world");
	ck_assert_str_eq(slug("  --Leading and trailing--  "), "leading-and-trailing");
	ck_assert_str_eq(slug("C++ & Rust: 2 languages"), "c-rust-2-languages");
	ck_assert_str_eq(slug("Don't stop"), "dont-stop");
	ck_assert_str_eq(slug("Don\xe2\x80\x99t stop"), "dont-stop");	/* ’ */
	ck_assert_str_eq(slug("under_score/slash.dot"), "under-score-slash-dot");
}
END_TEST

START_TEST(unicode_titles)
{
	ck_assert_str_eq(slug("Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e"),
	    "cafe-creme-brulee");
	ck_assert_str_eq(slug("\xc3\x86r\xc3\xb8 Stra\xc3\x9f" "e \xc3\x9eing"),
	    "aero-strasse-thing");
	ck_assert_str_eq(slug("\xc5\x81\xc3\xb3" "d\xc5\xba \xc5\xbb\xc3\xb3\xc5\x82w"),
	    "lodz-zolw");					/* Łódź Żółw */
	ck_assert_str_eq(slug("\xc5\x92uvre \xc4\xb2ssel"), "oeuvre-ijssel");
	ck_assert_str_eq(slug("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, "
	    "\xd0\xbc\xd0\xb8\xd1\x80!"), "privet-mir");	/* Привет, мир! */
	ck_assert_str_eq(slug("\xd0\xa9\xd1\x83\xd0\xba\xd0\xb0"), "shchuka");
	ck_assert_str_eq(slug("\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xad\xcf\x81\xce\xb1 "
	    "\xce\xba\xcf\x8c\xcf\x83\xce\xbc\xce\xb5"), "kalimera-kosme");
	/* A decomposed accent is dropped, not a separator. */
	ck_assert_str_eq(slug("Cafe\xcc\x81 noir"), "cafe-noir");
	/* Scripts without a transliteration separate words and vanish. */
	ck_assert_str_eq(slug("Tokyo \xe6\x9d\xb1\xe4\xba\xac guide"), "tokyo-guide");
	ck_assert_str_eq(slug("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80"), "");
	ck_assert_str_eq(slug(""), "");
	ck_assert_str_eq(slug("!!!"), "");
}
END_TEST

START_TEST(long_titles_stop_at_the_limit)
{
	char	 title[400], out[SLUG_BASE_MAX + 1];
	size_t	 i, n;

	for (i = 0; i < 300; i++)
		title[i] = i % 4 == 3 ? ' ' : 'a';
	title[300] = '\0';
	n = slug_from_title(title, out);
	ck_assert_uint_le(n, SLUG_BASE_MAX);
	ck_assert_uint_eq(strlen(out), n);
	ck_assert_int_ne(out[n - 1], '-');
	ck_assert_ptr_null(slug_invalid(out));
	/* Multi-letter transliterations are cut at the limit too. */
	for (i = 0; i < 100; i++)
		memcpy(title + 2 * i, "\xd1\x89", 2);		/* щ: shch */
	title[200] = '\0';
	ck_assert_uint_eq(slug_from_title(title, out), SLUG_BASE_MAX);
}
END_TEST

/* A word that starts one character before the limit is left out whole,
 * never joined to the word before it (found by fuzzing). */
START_TEST(long_titles_never_join_words)
{
	char	 title[400], out[SLUG_BASE_MAX + 1], want[SLUG_BASE_MAX + 1];
	size_t	 i, n = 0;

	title[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(title, i == 0 ? "word" : " word");
	/* Whole "word-" groups up to the limit, the last dash dropped. */
	while (n + 5 <= SLUG_BASE_MAX) {
		memcpy(want + n, "word-", 5);
		n += 5;
	}
	want[n - 1] = '\0';
	ck_assert_uint_eq(slug_from_title(title, out), n - 1);
	ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(slug_rules)
{
	char	 s121[130];

	ck_assert_ptr_null(slug_invalid("hello-world"));
	ck_assert_ptr_null(slug_invalid("2026"));
	ck_assert_ptr_null(slug_invalid("-"));
	ck_assert_ptr_nonnull(slug_invalid(""));
	ck_assert_ptr_nonnull(slug_invalid("Hello"));
	ck_assert_ptr_nonnull(slug_invalid("a_b"));
	ck_assert_ptr_nonnull(slug_invalid("a b"));
	ck_assert_ptr_nonnull(slug_invalid("a/b"));
	ck_assert_ptr_nonnull(slug_invalid("caf\xc3\xa9"));
	ck_assert_ptr_nonnull(slug_invalid("feed.atom"));
	ck_assert_ptr_nonnull(slug_invalid("health"));
	ck_assert_ptr_nonnull(slug_invalid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"));
	memset(s121, 'a', 121);
	s121[121] = '\0';
	ck_assert_ptr_nonnull(slug_invalid(s121));
	s121[120] = '\0';
	ck_assert_ptr_null(slug_invalid(s121));
	ck_assert(slug_shaped("health"));
	ck_assert(!slug_shaped("Health"));
}
END_TEST

START_TEST(candidates)
{
	char	 out[SLUG_MAX + 1], base[SLUG_BASE_MAX + 1];

	slug_candidate("hello", 1, out);
	ck_assert_str_eq(out, "hello");
	slug_candidate("hello", 2, out);
	ck_assert_str_eq(out, "hello-2");
	slug_candidate("hello", 1234567, out);
	ck_assert_str_eq(out, "hello-1234567");
	memset(base, 'b', SLUG_BASE_MAX);
	base[SLUG_BASE_MAX] = '\0';
	slug_candidate(base, 999999999999999LL, out);
	ck_assert_ptr_null(slug_invalid(out));
}
END_TEST

Suite *
slug_suite(void)
{
	Suite	*s = suite_create("slug");
	TCase	*t = tcase_create("slug");

	tcase_add_test(t, ascii_titles);
	tcase_add_test(t, unicode_titles);
	tcase_add_test(t, long_titles_stop_at_the_limit);
	tcase_add_test(t, long_titles_never_join_words);
	tcase_add_test(t, slug_rules);
	tcase_add_test(t, candidates);
	suite_add_tcase(s, t);
	return s;
}
