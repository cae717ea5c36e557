/* The suites of the reader site's unit tests: escaping, templates, theme, pages. */
#ifndef QUIRE_TEST_SITE_SUITES_H
#define QUIRE_TEST_SITE_SUITES_H

#include <check.h>

Suite	*esc_suite(void);
Suite	*tmpl_suite(void);
Suite	*theme_suite(void);
Suite	*pages_suite(void);

#endif
