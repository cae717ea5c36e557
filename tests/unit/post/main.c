/* Unit tests of the Post program's pure parts: one suite per module. */
#include <stdlib.h>

#include <check.h>

#include "suites.h"

int
main(void)
{
	SRunner	*sr = srunner_create(slug_suite());
	int	 failed;

	srunner_add_suite(sr, render_suite());
	srunner_add_suite(sr, input_suite());
	srunner_add_suite(sr, breaker_suite());
	srunner_add_suite(sr, feed_suite());
	srunner_add_suite(sr, media_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
