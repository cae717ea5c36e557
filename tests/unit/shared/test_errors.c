/* Unit tests of errors.c: the table of codes stays in step with the enum. */
#include <string.h>

#include "errors.h"
#include "suites.h"

START_TEST(every_error_has_a_code_and_status)
{
	int	 e, f;

	for (e = 0; e < ERR__COUNT; e++) {
		const struct err_info *i = err_info((enum err)e);

		ck_assert_msg(i->code != NULL && *i->code != '\0', "error %d has no code", e);
		ck_assert_msg(i->status >= 400 && i->status <= 599, "error %d: status %d", e,
		    i->status);
		ck_assert_str_ne(http_reason(i->status), "Unknown");
		if (e != ERR_INTERNAL)
			ck_assert_str_ne(i->code, "internal_error");
		for (f = 0; f < e; f++)
			ck_assert_str_ne(i->code, err_info((enum err)f)->code);
	}
}
END_TEST

START_TEST(media_errors)
{
	ck_assert_int_eq(err_info(ERR_INVALID_MULTIPART)->status, 400);
	ck_assert_str_eq(err_info(ERR_INVALID_MULTIPART)->code, "invalid_multipart");
	ck_assert_int_eq(err_info(ERR_EMPTY_BODY)->status, 400);
	ck_assert_str_eq(err_info(ERR_EMPTY_BODY)->code, "empty_body");
	ck_assert_int_eq(err_info(ERR_UNSUPPORTED_IMAGE)->status, 415);
	ck_assert_str_eq(err_info(ERR_UNSUPPORTED_IMAGE)->code, "unsupported_image");
	ck_assert_int_eq(err_info(ERR_INVALID_IMAGE)->status, 422);
	ck_assert_str_eq(err_info(ERR_INVALID_IMAGE)->code, "invalid_image");
	ck_assert_int_eq(err_info(ERR_IMAGE_TOO_LARGE)->status, 422);
	ck_assert_str_eq(err_info(ERR_IMAGE_TOO_LARGE)->code, "image_too_large");
	ck_assert_str_eq(http_reason(422), "Unprocessable Content");
}
END_TEST

Suite *
errors_suite(void)
{
	Suite	*s = suite_create("errors");
	TCase	*t = tcase_create("errors");

	tcase_add_test(t, every_error_has_a_code_and_status);
	tcase_add_test(t, media_errors);
	suite_add_tcase(s, t);
	return s;
}
