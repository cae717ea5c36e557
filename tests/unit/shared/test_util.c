/* Unit tests of util.c and buf.c. */
#include <string.h>

#include "buf.h"
#include "suites.h"
#include "util.h"

START_TEST(b64url_round_trip)
{
	const unsigned char in[] = { 0xfb, 0xff, 0x00, 0x10, 0x83 };
	unsigned char	 out[8];
	char		 enc[16];
	size_t		 len;

	for (len = 0; len <= sizeof(in); len++) {
		ck_assert_uint_eq(b64url_encode(in, len, enc), b64url_encoded_len(len));
		ck_assert_int_eq(b64url_decode(enc, strlen(enc), out), (long)len);
		ck_assert_mem_eq(out, in, len);
	}
	b64url_encode(in, 3, enc);
	ck_assert_str_eq(enc, "-_8A");	/* the URL-safe letters, no padding */
}
END_TEST

START_TEST(b64url_refuses_bad_input)
{
	unsigned char	 out[16];

	ck_assert_int_eq(b64url_decode("ab+c", 4, out), -1);	/* standard alphabet */
	ck_assert_int_eq(b64url_decode("ab/c", 4, out), -1);
	ck_assert_int_eq(b64url_decode("abc=", 4, out), -1);	/* padding */
	ck_assert_int_eq(b64url_decode("abcde", 5, out), -1);	/* impossible length */
	ck_assert_int_eq(b64url_decode("AB", 2, out), -1);	/* non-zero leftover bits */
	ck_assert_int_eq(b64url_decode("AA", 2, out), 1);
}
END_TEST

START_TEST(parse_int_ranges)
{
	long long v;

	ck_assert_int_eq(parse_int("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(parse_int("-5", -10, 10, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(parse_int("101", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int("", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int("4x", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int(" 4", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int("+4", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int("99999999999999999999", 0, 100, &v), -1);
	ck_assert_int_eq(parse_int(NULL, 0, 100, &v), -1);
}
END_TEST

START_TEST(uuids)
{
	ck_assert(uuid_valid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"));
	ck_assert(uuid_valid("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"));
	ck_assert(!uuid_valid("0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d"));
	ck_assert(!uuid_valid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4"));
	ck_assert(!uuid_valid("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g"));
	ck_assert(!uuid_valid("1' OR '1'='1"));
	ck_assert(!uuid_valid(""));
	ck_assert(!uuid_valid(NULL));
}
END_TEST

START_TEST(uuid_bytes)
{
	static const unsigned char want[16] = { 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x4a, 0x6b,
	    0x8c, 0x7d, 0x9e, 0x0f, 0x1a, 0x2b, 0x3c, 0x4d };
	unsigned char	 id[16];

	ck_assert_int_eq(uuid_parse("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", id), 0);
	ck_assert_mem_eq(id, want, 16);
	memset(id, 0, sizeof(id));
	ck_assert_int_eq(uuid_parse("0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D", id), 0);
	ck_assert_mem_eq(id, want, 16);
	ck_assert_int_eq(uuid_parse("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g", id), -1);
	ck_assert_int_eq(uuid_parse("0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d", id), -1);
}
END_TEST

START_TEST(utf8)
{
	ck_assert(utf8_valid("plain", 5));
	ck_assert(utf8_valid("\xc3\xa9t\xc3\xa9", 6));		/* été */
	ck_assert(utf8_valid("\xf0\x9f\x98\x80", 4));		/* U+1F600 */
	ck_assert(!utf8_valid("\xc3", 1));			/* truncated */
	ck_assert(!utf8_valid("\xc0\xaf", 2));			/* overlong '/' */
	ck_assert(!utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	ck_assert(!utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4));		/* past U+10FFFF */
	ck_assert(!utf8_valid("\xff", 1));
	ck_assert(!utf8_valid("a\x80", 2));			/* lone continuation */
	ck_assert_uint_eq(utf8_length(""), 0);
	ck_assert_uint_eq(utf8_length("plain"), 5);
	ck_assert_uint_eq(utf8_length("\xc3\xa9t\xc3\xa9"), 3);
	ck_assert_uint_eq(utf8_length("a\xf0\x9f\x98\x80" "b"), 3);
	/* utf8_count stops at the length given, not at a NUL. */
	ck_assert_uint_eq(utf8_count("\xc3\xa9t\xc3\xa9--bound", 5), 3);
	ck_assert_uint_eq(utf8_count("ab\0cd", 5), 5);
}
END_TEST

START_TEST(controls)
{
	ck_assert(!has_control("plain \xc3\xa9", 8, false));
	ck_assert(has_control("a\tb", 3, false));
	ck_assert(!has_control("a\tb\r\n", 5, true));
	ck_assert(has_control("a\x01b", 3, true));
	ck_assert(has_control("a\x7f", 2, true));
	ck_assert(has_control("a\0b", 3, false));
}
END_TEST

START_TEST(percent)
{
	char	 out[32];

	ck_assert_int_eq(percent_decode("a%20b+c", 7, out, true), 5);
	ck_assert_str_eq(out, "a b c");
	ck_assert_int_eq(percent_decode("a%20b+c", 7, out, false), 5);
	ck_assert_str_eq(out, "a b+c");
	ck_assert_int_eq(percent_decode("%e2%82%AC", 9, out, false), 3);
	ck_assert_str_eq(out, "\xe2\x82\xac");
	ck_assert_int_eq(percent_decode("%", 1, out, false), -1);
	ck_assert_int_eq(percent_decode("%4", 2, out, false), -1);
	ck_assert_int_eq(percent_decode("%zz", 3, out, false), -1);
	ck_assert_int_eq(percent_decode("a%00b", 5, out, false), -1);	/* encoded NUL */
}
END_TEST

START_TEST(times)
{
	char	 a[21], b[30];

	time_rfc3339(0, a);
	ck_assert_str_eq(a, "1970-01-01T00:00:00Z");
	time_rfc3339(1795674892, a);
	ck_assert_str_eq(a, "2026-11-26T06:34:52Z");
	time_http(1795674892, b);
	ck_assert_str_eq(b, "Thu, 26 Nov 2026 06:34:52 GMT");
}
END_TEST

/* Issue 10 item 10: years before 1000 keep four digits; the range's edges hold. */
START_TEST(times_four_digit_years)
{
	char	 a[21], b[30];

	time_rfc3339(-62135596800LL, a);
	ck_assert_str_eq(a, "0001-01-01T00:00:00Z");
	time_rfc3339(-30610224001LL, a);
	ck_assert_str_eq(a, "0999-12-31T23:59:59Z");
	time_rfc3339(-30610224000LL, a);
	ck_assert_str_eq(a, "1000-01-01T00:00:00Z");
	time_rfc3339(253402300799LL, a);
	ck_assert_str_eq(a, "9999-12-31T23:59:59Z");
	/* Outside years 1 to 9999: the epoch, as documented. */
	time_rfc3339(253402300800LL, a);
	ck_assert_str_eq(a, "1970-01-01T00:00:00Z");
	time_rfc3339(-62135596801LL, a);
	ck_assert_str_eq(a, "1970-01-01T00:00:00Z");
	/* HTTP dates too (found by fuzzing). */
	time_http(-30610224001LL, b);
	ck_assert_str_eq(b, "Tue, 31 Dec 0999 23:59:59 GMT");
}
END_TEST

START_TEST(rfc3339)
{
	time_t	 t;

	ck_assert_int_eq(parse_rfc3339("2026-11-26T06:34:52Z", &t), 0);
	ck_assert_int_eq(t, 1795674892);
	ck_assert_int_eq(parse_rfc3339("2026-11-26t07:34:52.123456+01:00", &t), 0);
	ck_assert_int_eq(t, 1795674892);
	ck_assert_int_eq(parse_rfc3339("2026-11-26T01:04:52-05:30", &t), 0);
	ck_assert_int_eq(t, 1795674892);
	ck_assert_int_eq(parse_rfc3339("2024-02-29T00:00:00Z", &t), 0);
	ck_assert_int_eq(parse_rfc3339("2023-02-29T00:00:00Z", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-13-01T00:00:00Z", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-04-31T00:00:00Z", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-11-26T24:00:00Z", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-11-26 06:34:52Z", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-11-26T06:34:52", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-11-26T06:34:52+0100", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-11-26T06:34:52.Z", &t), -1);
	ck_assert_int_eq(parse_rfc3339("2026-11-26T06:34:52Zjunk", &t), -1);
	ck_assert_int_eq(parse_rfc3339("yesterday", &t), -1);
	/* An offset that carries the instant out of years 1 to 9999. */
	ck_assert_int_eq(parse_rfc3339("0001-01-01T00:30:00+01:00", &t), -1);
	ck_assert_int_eq(parse_rfc3339("9999-12-31T23:59:59-01:00", &t), -1);
	ck_assert_int_eq(parse_rfc3339("9999-12-31T23:59:59Z", &t), 0);
}
END_TEST

START_TEST(misc)
{
	unsigned char	 raw[3] = { 0x00, 0xab, 0xff }, r1[16], r2[16];
	char		 hex[7];

	hex_encode(raw, 3, hex);
	ck_assert_str_eq(hex, "00abff");
	ck_assert(ct_equal("abc", "abc", 3));
	ck_assert(!ct_equal("abc", "abd", 3));
	ck_assert_int_eq(random_bytes(r1, 16), 0);
	ck_assert_int_eq(random_bytes(r2, 16), 0);
	ck_assert(memcmp(r1, r2, 16) != 0);
}
END_TEST

START_TEST(buffers)
{
	struct buf	 b = BUF_INIT;
	int		 i;

	ck_assert_str_eq(buf_str(&b), "");
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_printf(&b, "%d,", i), 0);
	ck_assert_uint_eq(b.len, strlen(b.data));
	ck_assert_int_eq(strncmp(b.data, "0,1,2,", 6), 0);
	buf_reset(&b);
	ck_assert_str_eq(buf_str(&b), "");
	buf_append(&b, "x\0y", 3);
	ck_assert_uint_eq(b.len, 3);
	buf_free(&b);
	ck_assert_ptr_null(b.data);
}
END_TEST

Suite *
util_suite(void)
{
	Suite	*s = suite_create("util");
	TCase	*t = tcase_create("util");

	tcase_add_test(t, b64url_round_trip);
	tcase_add_test(t, b64url_refuses_bad_input);
	tcase_add_test(t, parse_int_ranges);
	tcase_add_test(t, uuids);
	tcase_add_test(t, uuid_bytes);
	tcase_add_test(t, utf8);
	tcase_add_test(t, controls);
	tcase_add_test(t, percent);
	tcase_add_test(t, times);
	tcase_add_test(t, times_four_digit_years);
	tcase_add_test(t, rfc3339);
	tcase_add_test(t, misc);
	tcase_add_test(t, buffers);
	suite_add_tcase(s, t);
	return s;
}
