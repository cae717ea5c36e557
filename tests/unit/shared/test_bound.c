/* Unit tests of bound.c: a child's output, its deadline, nothing left behind. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>

#include "bound.h"
#include "suites.h"

#define BIG	(3u << 20)	/* far more than a pipe holds */

/* Writes BIG bytes, a pattern the test checks. */
static int
write_big(void *arg, struct buf *out)
{
	size_t	 i;

	(void)arg;
	for (i = 0; i < BIG; i++)
		if (buf_append(out, &(char){ (char)('a' + i % 26) }, 1) == -1)
			return -1;
	return 0;
}

/* Never ends. */
static int
spin(void *arg, struct buf *out)
{
	volatile unsigned long	 n = 0;

	(void)arg;
	(void)out;
	for (;;)
		n++;
	return 0;
}

/* Fails. */
static int
fail_half(void *arg, struct buf *out)
{
	(void)arg;
	buf_puts(out, "half");
	return -1;
}

/* Asserts that this process has no child left, running or a zombie. */
static void
no_child_left(void)
{
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

START_TEST(output_comes_back_whole)
{
	struct buf	 out = BUF_INIT;
	char		 err[128];
	size_t		 i;

	ck_assert_int_eq(bound_run(write_big, NULL, 30000, &out, err, sizeof(err)), BOUND_OK);
	ck_assert_uint_eq(out.len, BIG);
	for (i = 0; i < BIG; i++)
		if (out.data[i] != (char)('a' + i % 26))
			ck_abort_msg("byte %zu differs", i);
	buf_free(&out);
	no_child_left();
}
END_TEST

START_TEST(endless_work_is_killed_and_reaped)
{
	struct buf	 out = BUF_INIT;
	char		 err[128];

	ck_assert_int_eq(bound_run(spin, NULL, 100, &out, err, sizeof(err)), BOUND_OVER);
	ck_assert_uint_eq(out.len, 0);
	no_child_left();
	/* The caller goes on: the next run works. */
	ck_assert_int_eq(bound_run(write_big, NULL, 30000, &out, err, sizeof(err)), BOUND_OK);
	buf_free(&out);
	no_child_left();
}
END_TEST

START_TEST(a_failure_gives_nothing)
{
	struct buf	 out = BUF_INIT;
	char		 err[128] = "";

	ck_assert_int_eq(bound_run(fail_half, NULL, 30000, &out, err, sizeof(err)), BOUND_FAILED);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_str_eq(err, "the child failed (exit status 1)");
	buf_free(&out);
	no_child_left();
}
END_TEST

Suite *
bound_suite(void)
{
	Suite	*s = suite_create("bound");
	TCase	*t = tcase_create("bound");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, output_comes_back_whole);
	tcase_add_test(t, endless_work_is_killed_and_reaped);
	tcase_add_test(t, a_failure_gives_nothing);
	suite_add_tcase(s, t);
	return s;
}
