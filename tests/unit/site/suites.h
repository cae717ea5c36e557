/* The suites of the reader site's unit tests: escaping, templates, theme, pages, store, rules. */
#ifndef QUIRE_TEST_SITE_SUITES_H
#define QUIRE_TEST_SITE_SUITES_H

#include <stddef.h>

#include <check.h>

Suite	*esc_suite(void);
Suite	*tmpl_suite(void);
Suite	*theme_suite(void);
Suite	*pages_suite(void);
Suite	*sitedir_suite(void);
Suite	*rules_suite(void);

/*
 * tmpdir.c: tmpdir_begin and tmpdir_end are a test case's unchecked fixture
 * (a folder that outlives failed tests, removed at the end); tmpdir_make
 * writes the path of a new empty folder inside it into dir.
 */
void	 tmpdir_begin(void);
void	 tmpdir_end(void);
void	 tmpdir_make(char *dir, size_t size);

#endif
