/* The suites of the shared/ unit tests, one per module. */
#ifndef QUIRE_TEST_SUITES_H
#define QUIRE_TEST_SUITES_H

#include <check.h>

Suite	*util_suite(void);
Suite	*cfg_suite(void);
Suite	*route_suite(void);
Suite	*http_suite(void);
Suite	*tok_suite(void);
Suite	*errors_suite(void);
Suite	*srv_suite(void);
Suite	*bound_suite(void);
Suite	*deny_suite(void);

#endif
