/* Temporary folders of the site tests: one per test, all inside one per test case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suites.h"

static char top[64];

void
tmpdir_begin(void)
{
	snprintf(top, sizeof(top), "/tmp/quire-site-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(top));
}

void
tmpdir_end(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ck_assert_int_eq(system(cmd), 0);
}

void
tmpdir_make(char *dir, size_t size)
{
	static int	 n;

	/* Forked, each test has its pid; not forked (CK_FORK=no), its number. */
	snprintf(dir, size, "%s/%ld-%d", top, (long)getpid(), n++);
	ck_assert_int_eq(mkdir(dir, 0755), 0);
}
