/* The suites of the Media unit tests, one per module. */
#ifndef QUIRE_TEST_MEDIA_SUITES_H
#define QUIRE_TEST_MEDIA_SUITES_H

#include <check.h>

Suite	*probe_suite(void);
Suite	*multipart_suite(void);
Suite	*variants_suite(void);

#endif
