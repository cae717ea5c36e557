/* The suites of the Post unit tests, one per module of fcgi/post. */
#ifndef QUIRE_TEST_POST_SUITES_H
#define QUIRE_TEST_POST_SUITES_H

#include <check.h>

Suite	*slug_suite(void);
Suite	*render_suite(void);
Suite	*input_suite(void);
Suite	*breaker_suite(void);
Suite	*feed_suite(void);
Suite	*media_suite(void);

#endif
