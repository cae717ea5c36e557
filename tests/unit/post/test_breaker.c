/* Unit tests of breaker.c: the time is given, so every step is exact. */
#include "post/post.h"
#include "suites.h"

#define SEC	1000000

START_TEST(opens_after_failures_in_a_row)
{
	struct breaker	 b;

	breaker_init(&b, 3, 30 * SEC);
	ck_assert(breaker_allow(&b, 0));
	breaker_failure(&b, 0);
	breaker_failure(&b, 1);
	ck_assert(breaker_allow(&b, 2));
	breaker_success(&b);			/* an answer resets the count */
	breaker_failure(&b, 3);
	breaker_failure(&b, 4);
	ck_assert(breaker_allow(&b, 5));
	breaker_failure(&b, 5);			/* the third in a row */
	ck_assert(!breaker_ready(&b, 6));
	ck_assert(!breaker_allow(&b, 6));
	ck_assert(!breaker_allow(&b, 5 + 30 * SEC - 1));
}
END_TEST

START_TEST(half_open_lets_one_trial_through)
{
	struct breaker	 b;
	int64_t		 t = 5 * SEC;

	breaker_init(&b, 1, 30 * SEC);
	breaker_failure(&b, t);
	t += 30 * SEC;
	ck_assert(breaker_ready(&b, t));
	ck_assert(breaker_ready(&b, t));	/* ready takes nothing */
	ck_assert(breaker_allow(&b, t));	/* the trial */
	ck_assert(!breaker_ready(&b, t));
	ck_assert(!breaker_allow(&b, t + 1));	/* one at a time */
	breaker_failure(&b, t + 2);		/* the trial failed: open again */
	ck_assert(!breaker_allow(&b, t + 3));
	ck_assert(!breaker_allow(&b, t + 2 + 30 * SEC - 1));
	ck_assert(breaker_allow(&b, t + 2 + 30 * SEC));
	breaker_success(&b);			/* the trial succeeded: closed */
	ck_assert(breaker_allow(&b, t + 2 + 30 * SEC));
	ck_assert(breaker_allow(&b, t + 2 + 30 * SEC));
}
END_TEST

START_TEST(a_failed_trial_reopens_below_the_threshold)
{
	struct breaker	 b;

	breaker_init(&b, 3, 10);
	breaker_failure(&b, 0);
	breaker_failure(&b, 0);
	breaker_failure(&b, 0);
	ck_assert(breaker_allow(&b, 10));
	breaker_failure(&b, 10);
	ck_assert(!breaker_allow(&b, 11));
	ck_assert(breaker_allow(&b, 20));
}
END_TEST

Suite *
breaker_suite(void)
{
	Suite	*s = suite_create("breaker");
	TCase	*t = tcase_create("breaker");

	tcase_add_test(t, opens_after_failures_in_a_row);
	tcase_add_test(t, half_open_lets_one_trial_through);
	tcase_add_test(t, a_failed_trial_reopens_below_the_threshold);
	suite_add_tcase(s, t);
	return s;
}
