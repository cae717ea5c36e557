/* Unit tests of shared/: one suite per module. */
#include <stdlib.h>

#include <check.h>

#include "suites.h"

int
main(void)
{
	SRunner	*sr = srunner_create(util_suite());
	int	 failed;

	srunner_add_suite(sr, cfg_suite());
	srunner_add_suite(sr, route_suite());
	srunner_add_suite(sr, http_suite());
	srunner_add_suite(sr, tok_suite());
	srunner_add_suite(sr, errors_suite());
	srunner_add_suite(sr, srv_suite());
	srunner_add_suite(sr, bound_suite());
	srunner_add_suite(sr, deny_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
