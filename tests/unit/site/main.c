/* Unit tests of the reader site of the Post program: one suite per module. */
#include <stdlib.h>

#include <check.h>

#include "suites.h"

int
main(void)
{
	SRunner	*sr = srunner_create(esc_suite());
	int	 failed;

	srunner_add_suite(sr, tmpl_suite());
	srunner_add_suite(sr, theme_suite());
	srunner_add_suite(sr, pages_suite());
	srunner_add_suite(sr, sitedir_suite());
	srunner_add_suite(sr, rules_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
