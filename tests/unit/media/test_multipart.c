/* Unit tests of multipart.c: boundaries, forms, and every malformed case. */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "media/media.h"
#include "media/multipart.h"
#include "srv.h"
#include "suites.h"

#define CT "multipart/form-data; boundary="

START_TEST(boundary_from_content_type)
{
	char	 b[MP_BOUNDARY_MAX + 1];
	char	 ct[200];

	ck_assert_int_eq(mp_boundary(CT "xyz", b), MP_OK);
	ck_assert_str_eq(b, "xyz");
	ck_assert_int_eq(mp_boundary("Multipart/Form-Data;charset=utf-8; BOUNDARY=\"a b:c\"", b),
	    MP_OK);
	ck_assert_str_eq(b, "a b:c");
	ck_assert_int_eq(mp_boundary(CT "----WebKitFormBoundary7MA4YWxkTrZu0gW", b), MP_OK);
	ck_assert_int_eq(mp_boundary("multipart/form-data ; boundary=x", b), MP_OK);

	ck_assert_int_eq(mp_boundary(NULL, b), MP_NOT_FORM);
	ck_assert_int_eq(mp_boundary("image/jpeg", b), MP_NOT_FORM);
	ck_assert_int_eq(mp_boundary("multipart/mixed; boundary=x", b), MP_NOT_FORM);
	ck_assert_int_eq(mp_boundary("multipart/form-datax; boundary=x", b), MP_NOT_FORM);
	ck_assert_int_eq(mp_boundary("multipart/form-data", b), MP_NO_BOUNDARY);
	ck_assert_int_eq(mp_boundary("multipart/form-data; charset=utf-8", b), MP_NO_BOUNDARY);
	ck_assert_int_eq(mp_boundary("multipart/form-data; boundary", b), MP_BAD_BOUNDARY);
	ck_assert_int_eq(mp_boundary(CT "\"\"", b), MP_BAD_BOUNDARY);
	ck_assert_int_eq(mp_boundary(CT "\"unclosed", b), MP_BAD_BOUNDARY);
	ck_assert_int_eq(mp_boundary(CT "\"ends with space \"", b), MP_BAD_BOUNDARY);
	ck_assert_int_eq(mp_boundary(CT "\"a\rb\"", b), MP_BAD_BOUNDARY);
	ck_assert_int_eq(mp_boundary(CT "x; boundary=y", b), MP_BAD_BOUNDARY);
	memset(ct, 'a', sizeof(ct));
	memcpy(ct, CT, strlen(CT));
	ct[strlen(CT) + 71] = '\0';			/* 71 characters */
	ck_assert_int_eq(mp_boundary(ct, b), MP_BAD_BOUNDARY);
	ct[strlen(CT) + 70] = '\0';			/* 70: the most */
	ck_assert_int_eq(mp_boundary(ct, b), MP_OK);
}
END_TEST

/* Parses a string literal body with boundary "BB" into parts[4]. */
static enum mp_err
parse(const char *body, struct mp_part *parts, size_t *n)
{
	return mp_parse(body, strlen(body), "BB", parts, 4, n);
}

START_TEST(parse_a_form)
{
	struct mp_part	 p[4];
	size_t		 n;
	const char	*body =
	    "preamble to ignore\r\n"
	    "--BB\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"cat.jpg\"\r\n"
	    "Content-Type: image/jpeg\r\n"
	    "\r\n"
	    "\xff\xd8\xff data with\r\n--B inside\r\n"
	    "--BB  \r\n"
	    "content-disposition: FORM-DATA; name=alt\r\n"
	    "\r\n"
	    "a cat\r\n"
	    "--BB--\r\n"
	    "epilogue";

	ck_assert_int_eq(parse(body, p, &n), MP_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert(mp_name_is(&p[0], "file"));
	ck_assert(!mp_name_is(&p[0], "fil"));
	ck_assert(!mp_name_is(&p[0], "files"));
	ck_assert_uint_eq(p[0].filename_len, 7);
	ck_assert(memcmp(p[0].filename, "cat.jpg", 7) == 0);
	ck_assert_uint_eq(p[0].len, strlen("\xff\xd8\xff data with\r\n--B inside"));
	ck_assert(memcmp(p[0].data, "\xff\xd8\xff", 3) == 0);
	ck_assert(mp_name_is(&p[1], "alt"));
	ck_assert_ptr_null(p[1].filename);
	ck_assert_uint_eq(p[1].len, 5);
	ck_assert(memcmp(p[1].data, "a cat", 5) == 0);

	/* Empty data, and a body opening with the boundary itself. */
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=file\r\n\r\n"
	    "\r\n--BB--", p, &n), MP_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(p[0].len, 0);
	/* A form of no parts at all. */
	ck_assert_int_eq(parse("--BB--\r\n", p, &n), MP_OK);
	ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(malformed_forms)
{
	struct mp_part	 p[4];
	size_t		 n;
	char		*big;

	/* The boundary never appears (a wrong boundary), or no body at all. */
	ck_assert_int_eq(parse("--XX\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n"
	    "--XX--", p, &n), MP_NO_DELIMITER);
	ck_assert_int_eq(parse("", p, &n), MP_NO_DELIMITER);
	ck_assert_int_eq(parse("just an image", p, &n), MP_NO_DELIMITER);
	/* Truncated: no closing boundary, or cut inside the headers or data. */
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=file\r\n\r\nxyz",
	    p, &n), MP_UNTERMINATED);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n"
	    "--BB", p, &n), MP_UNTERMINATED);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-da", p, &n), MP_UNTERMINATED);
	ck_assert_int_eq(parse("--BB", p, &n), MP_UNTERMINATED);
	/* A boundary line followed by junk. */
	ck_assert_int_eq(parse("--BBjunk\r\n", p, &n), MP_BAD_DELIMITER);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=file\r\n\r\nx\r\n"
	    "--BBX\r\n", p, &n), MP_BAD_DELIMITER);
	/* Parts without a usable Content-Disposition. */
	ck_assert_int_eq(parse("--BB\r\nContent-Type: image/png\r\n\r\nx\r\n--BB--", p, &n),
	    MP_NO_NAME);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: attachment; name=file\r\n\r\nx\r\n"
	    "--BB--", p, &n), MP_NO_NAME);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data\r\n\r\nx\r\n--BB--", p, &n),
	    MP_NO_NAME);
	ck_assert_int_eq(parse("--BB\r\n\r\nx\r\n--BB--", p, &n), MP_NO_NAME);
	/* Malformed headers. */
	ck_assert_int_eq(parse("--BB\r\nno colon here\r\n\r\nx\r\n--BB--", p, &n), MP_BAD_HEADERS);
	ck_assert_int_eq(parse("--BB\r\n: empty name\r\n\r\nx\r\n--BB--", p, &n), MP_BAD_HEADERS);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=a\r\n folded\r\n"
	    "\r\nx\r\n--BB--", p, &n), MP_BAD_HEADERS);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n"
	    "--BB--", p, &n), MP_BAD_HEADERS);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n"
	    "x\r\n--BB--", p, &n), MP_BAD_HEADERS);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=a\r\n"
	    "Content-Disposition: form-data; name=b\r\n\r\nx\r\n--BB--", p, &n), MP_BAD_HEADERS);
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=\r\n\r\nx\r\n--BB--",
	    p, &n), MP_BAD_HEADERS);
	/* A header block past the limit. */
	big = malloc(MP_HEADERS_MAX + 100);
	memcpy(big, "--BB\r\nX: ", 9);
	memset(big + 9, 'a', MP_HEADERS_MAX + 50);
	memcpy(big + 9 + MP_HEADERS_MAX + 50, "\r\n", 3);
	ck_assert_int_eq(parse(big, p, &n), MP_BAD_HEADERS);
	free(big);
	/* More parts than room. */
	ck_assert_int_eq(parse("--BB\r\nContent-Disposition: form-data; name=a\r\n\r\n\r\n"
	    "--BB\r\nContent-Disposition: form-data; name=b\r\n\r\n\r\n"
	    "--BB\r\nContent-Disposition: form-data; name=c\r\n\r\n\r\n"
	    "--BB\r\nContent-Disposition: form-data; name=d\r\n\r\n\r\n"
	    "--BB\r\nContent-Disposition: form-data; name=e\r\n\r\n\r\n--BB--", p, &n),
	    MP_TOO_MANY_PARTS);
	ck_assert_str_ne(mp_strerror(MP_UNTERMINATED), mp_strerror(MP_OK));
}
END_TEST

/* Every prefix of a good form is refused (never read past its end) but the whole. */
START_TEST(every_truncation_is_refused)
{
	const char	*body = "--BB\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n"
	    "\x89PNG\r\n\x1a\n\r\n--BB--";
	size_t		 len = strlen(body), cut, n;
	struct mp_part	 p[4];
	char		*copy;

	for (cut = 0; cut < len; cut++) {
		copy = malloc(cut + 1);		/* exactly cut bytes: ASan sees any overread */
		memcpy(copy, body, cut);
		ck_assert_int_ne(mp_parse(copy, cut, "BB", p, 4, &n), MP_OK);
		free(copy);
	}
	ck_assert_int_eq(mp_parse(body, len, "BB", p, 4, &n), MP_OK);
}
END_TEST

/* Calls alt_check on alt[0..len) and returns its result, with the status it set. */
static int
alt_check_status(const char *alt, size_t len, int *status)
{
	static struct ctx	 ctx;
	char			*env[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/media", NULL };
	struct req		 r;
	int			 rc;

	ck_assert_int_eq(req_init(&r, &ctx, env, NULL, NULL), 0);
	rc = alt_check(&r, alt, len);
	*status = r.status;
	req_free(&r);
	return rc;
}

/*
 * Issue 10 item 5: an alt part is measured by its length, not up to a NUL:
 * the bytes after it in the form (the next boundary) do not count.
 */
START_TEST(alt_measured_by_its_length)
{
	static const char	 tail[] = "\r\n--BB--\r\n";
	char			*form = malloc(2 * ALT_MAX_CHARS + sizeof(tail) + 2);
	size_t			 i;
	int			 status;

	memset(form, 'a', ALT_MAX_CHARS + 1);
	memcpy(form + ALT_MAX_CHARS, tail, sizeof(tail));
	ck_assert_int_eq(alt_check_status(form, ALT_MAX_CHARS, &status), 0);
	ck_assert_int_eq(status, 0);
	memset(form, 'a', ALT_MAX_CHARS + 1);
	memcpy(form + ALT_MAX_CHARS + 1, tail, sizeof(tail));
	ck_assert_int_eq(alt_check_status(form, ALT_MAX_CHARS + 1, &status), -1);
	ck_assert_int_eq(status, 400);
	/* Characters, not bytes: 1000 two-byte characters pass. */
	for (i = 0; i < ALT_MAX_CHARS; i++)
		memcpy(form + 2 * i, "\xc3\xa9", 2);
	memcpy(form + 2 * ALT_MAX_CHARS, tail, sizeof(tail));
	ck_assert_int_eq(alt_check_status(form, 2 * ALT_MAX_CHARS, &status), 0);
	free(form);
}
END_TEST

Suite *
multipart_suite(void)
{
	Suite	*s = suite_create("multipart");
	TCase	*t = tcase_create("multipart");

	tcase_add_test(t, boundary_from_content_type);
	tcase_add_test(t, parse_a_form);
	tcase_add_test(t, malformed_forms);
	tcase_add_test(t, every_truncation_is_refused);
	tcase_add_test(t, alt_measured_by_its_length);
	suite_add_tcase(s, t);
	return s;
}
