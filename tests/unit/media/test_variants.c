/* Unit tests of variant names and widths, and of the cache directory (cache.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/media.h"
#include "suites.h"

#define ID "0b0e9c1c-5f0a-4a7e-9a55-2d1f0c3e4b5a"

START_TEST(variant_names)
{
	long long	 w;
	enum img_type	 t;

	ck_assert_int_eq(variant_name_parse("640.webp", &w, &t), 0);
	ck_assert_int_eq(w, 640);
	ck_assert_int_eq(t, IMG_WEBP);
	ck_assert_int_eq(variant_name_parse("1920.jpg", &w, &t), 0);
	ck_assert_int_eq(t, IMG_JPEG);
	ck_assert_int_eq(variant_name_parse("320.png", &w, &t), 0);
	ck_assert_int_eq(t, IMG_PNG);
	ck_assert_int_eq(variant_name_parse("640.gif", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("640.WEBP", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("640.webp.lock", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("0640.webp", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("0.webp", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("-1.webp", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse(".webp", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("640", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("640.", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("99999999.webp", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("6x0.webp", &w, &t), -1);
	/* Only digits before the dot: no sign, no blanks (found by fuzzing). */
	ck_assert_int_eq(variant_name_parse("\r\n640.webp", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse(" 640.webp", &w, &t), -1);
	ck_assert_int_eq(variant_name_parse("+640.webp", &w, &t), -1);
}
END_TEST

START_TEST(widths_never_wider_than_the_original)
{
	ck_assert_int_eq(variant_width(640, 1200), 640);
	ck_assert_int_eq(variant_width(1920, 1200), 1200);
	ck_assert_int_eq(variant_width(320, 320), 320);
}
END_TEST

START_TEST(width_lists)
{
	long long	 w[WIDTHS_MAX];

	ck_assert_int_eq(widths_parse("320,640,960,1280,1920", 16384, w), 5);
	ck_assert_int_eq(w[0], 320);
	ck_assert_int_eq(w[4], 1920);
	ck_assert_int_eq(widths_parse(" 960 , 320,640,320 ", 16384, w), 3);	/* sorted, once */
	ck_assert_int_eq(w[0], 320);
	ck_assert_int_eq(w[1], 640);
	ck_assert_int_eq(w[2], 960);
	ck_assert_int_eq(widths_parse("100", 16384, w), 1);
	ck_assert_int_eq(widths_parse("", 16384, w), -1);
	ck_assert_int_eq(widths_parse("320,", 16384, w), -1);
	ck_assert_int_eq(widths_parse("320,,640", 16384, w), -1);
	ck_assert_int_eq(widths_parse("0", 16384, w), -1);
	ck_assert_int_eq(widths_parse("20000", 16384, w), -1);
	ck_assert_int_eq(widths_parse("abc", 16384, w), -1);
	ck_assert_int_eq(widths_parse("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", 16384, w), -1);
}
END_TEST

START_TEST(cache_paths_mirror_urls)
{
	char	 p[128];

	ck_assert_int_eq(cache_path(p, sizeof(p), "/c", ID, "w/640.webp"), 0);
	ck_assert_str_eq(p, "/c/media/" ID "/w/640.webp");
	ck_assert_int_eq(cache_path(p, sizeof(p), "/c", ID, "original"), 0);
	ck_assert_str_eq(p, "/c/media/" ID "/original");
	ck_assert_int_eq(cache_path(p, sizeof(p), "/c", ID, ""), 0);
	ck_assert_str_eq(p, "/c/media/" ID);
	ck_assert_int_eq(cache_path(p, 20, "/c", ID, "original"), -1);
}
END_TEST

/* Makes a fresh directory for one test; returns its path (static). */
static const char *
scratch_dir(void)
{
	static char	 dir[64];

	snprintf(dir, sizeof(dir), "/tmp/quire-unit-media-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

/* Counts the entries of a directory (without . and ..). */
static int
entries(const char *dir)
{
	char	 cmd[256];
	FILE	*f;
	int	 n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	f = popen(cmd, "r");
	ck_assert_int_eq(fscanf(f, "%d", &n), 1);
	pclose(f);
	return n;
}

START_TEST(cache_files_appear_whole)
{
	const char	*dir = scratch_dir();
	char		 path[256], wdir[256], buf[16], cmd[300];
	struct stat	 sb;
	int		 fd;

	ck_assert_int_eq(cache_ready(dir), 0);
	ck_assert_int_eq(cache_path(path, sizeof(path), dir, ID, "w/640.webp"), 0);
	/* Parents are made; the file has the given mtime and is world-readable. */
	ck_assert_int_eq(cache_write(path, "RIFFdata", 8, 1700000000), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 8);
	ck_assert_int_eq(sb.st_mtime, 1700000000);
	ck_assert_int_eq(sb.st_mode & 0777, 0644);
	/* Rewriting replaces it; no temporary file stays. */
	ck_assert_int_eq(cache_write(path, "RIFFdat2", 8, 1700000000), 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 8);
	close(fd);
	ck_assert(memcmp(buf, "RIFFdat2", 8) == 0);
	snprintf(wdir, sizeof(wdir), "%s/media/%s/w", dir, ID);
	ck_assert_int_eq(entries(wdir), 1);
	/* A directory in the way: the write fails and leaves nothing behind. */
	ck_assert_int_eq(cache_path(path, sizeof(path), dir, ID, "w/320.webp"), 0);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	ck_assert_int_eq(cache_write(path, "x", 1, 0), -1);
	ck_assert_int_eq(entries(wdir), 2);
	/* Removing the item takes everything, and twice is fine. */
	ck_assert_int_eq(cache_remove_item(dir, ID), 0);
	ck_assert_int_eq(cache_remove_item(dir, ID), 0);
	snprintf(wdir, sizeof(wdir), "%s/media", dir);
	ck_assert_int_eq(entries(wdir), 0);
	/* The whole cache directory deleted: it comes back. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(cache_write(path, "x", 1, 0), 0);
	ck_assert_int_eq(cache_ready(dir), 0);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(one_lock_per_file)
{
	const char	*dir = scratch_dir();
	char		 a[256], b[256], lock[300], cmd[300];
	int		 fa, fb, probe;

	cache_path(a, sizeof(a), dir, ID, "w/640.webp");
	cache_path(b, sizeof(b), dir, ID, "w/640.jpg");
	ck_assert_int_ne(fa = cache_lock(a), -1);
	/* Another file's lock is free. */
	ck_assert_int_ne(fb = cache_lock(b), -1);
	/* The same file's lock is held: another open file description cannot take it. */
	snprintf(lock, sizeof(lock), "%s.lock", a);
	probe = open(lock, O_RDWR);
	ck_assert_int_eq(flock(probe, LOCK_EX | LOCK_NB), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	cache_unlock(fa);
	ck_assert_int_eq(flock(probe, LOCK_EX | LOCK_NB), 0);
	close(probe);
	cache_unlock(fb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *
variants_suite(void)
{
	Suite	*s = suite_create("variants");
	TCase	*t = tcase_create("variants");

	tcase_add_test(t, variant_names);
	tcase_add_test(t, widths_never_wider_than_the_original);
	tcase_add_test(t, width_lists);
	tcase_add_test(t, cache_paths_mirror_urls);
	tcase_add_test(t, cache_files_appear_whole);
	tcase_add_test(t, one_lock_per_file);
	suite_add_tcase(s, t);
	return s;
}
