/*
 * Unit tests of sitedir.c on a temporary folder: a store is atomic and
 * complete (the page and its gzip copy under .gz/, readable by all), a later
 * store without a copy removes the old one, removal renames folders away at
 * once in both trees, unstore leaves a file another store replaced, and
 * paths are checked.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "post/sitedir.h"
#include "suites.h"

static struct sitedir	 sd;
static char		 root[128];

static void
setup(void)
{
	char	 err[256];

	tmpdir_make(root, sizeof(root) - 8);
	strcat(root, "/site");
	ck_assert_int_eq(sitedir_open(&sd, root, err, sizeof(err)), 0);
}

static void
teardown(void)
{
	sitedir_close(&sd);
}

/* Returns whether root/rel exists. */
static bool
exists(const char *rel)
{
	char		 path[300];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return stat(path, &st) == 0;
}

/* Returns the number of entries of root/rel (a folder), . and .. aside. */
static int
entries(const char *rel)
{
	char	 cmd[300];
	FILE	*p;
	int	 n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s/%s' | wc -l", root, rel);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* A page of text that compresses well. */
static void
page_text(struct buf *b, const char *word)
{
	int	 i;

	for (i = 0; i < 200; i++)
		buf_printf(b, "<p>%s, line %d of a page that repeats itself.</p>\n", word, i);
}

START_TEST(store_writes_both_atomically)
{
	struct buf		 page = BUF_INIT, gz = BUF_INIT, back = BUF_INIT;
	struct sitedir_stored	 st;
	struct stat		 s1, s2;
	char			 path[300], out[64 << 10];
	z_stream		 z;

	page_text(&page, "first");
	ck_assert_int_eq(sitedir_gzip(&sd, page.data, page.len, &gz), 0);
	ck_assert_uint_lt(gz.len, page.len / 2);
	ck_assert_int_eq(sitedir_store(&sd, "tag/x/page/2/index.html", page.data, page.len,
	    gz.data, gz.len, &st), 0);
	ck_assert_uint_eq(st.size, page.len);
	ck_assert_uint_eq(st.gz_size, gz.len);
	snprintf(path, sizeof(path), "%s/tag/x/page/2/index.html", root);
	ck_assert_int_eq(stat(path, &s1), 0);
	ck_assert_int_eq(s1.st_mode & 0777, 0644);
	ck_assert_int_eq(s1.st_size, (off_t)page.len);
	snprintf(path, sizeof(path), "%s/.gz/tag/x/page/2/index.html", root);
	ck_assert_int_eq(stat(path, &s2), 0);
	ck_assert_int_eq(s2.st_mode & 0777, 0644);
	ck_assert_int_eq(s2.st_size, (off_t)gz.len);
	/* The copy is a gzip stream of the page. */
	buf_read_file(&back, path, 1 << 20, (char[64]){ 0 }, 64);
	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)back.data;
	z.avail_in = (uInt)back.len;
	z.next_out = (Bytef *)out;
	z.avail_out = sizeof(out);
	ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(z.total_out, page.len);
	ck_assert_int_eq(memcmp(out, page.data, page.len), 0);
	inflateEnd(&z);
	/* Nothing is left in .tmp. */
	ck_assert_int_eq(entries(".tmp"), 0);
	/* Stored again without a .gz: the old .gz goes. */
	ck_assert_int_eq(sitedir_store(&sd, "tag/x/page/2/index.html", "tiny", 4, NULL, 0, &st),
	    0);
	ck_assert(!exists(".gz/tag/x/page/2/index.html"));
	ck_assert(sitedir_exists(&sd, "tag/x/page/2/index.html"));
	buf_free(&page);
	buf_free(&gz);
	buf_free(&back);
}
END_TEST

START_TEST(gzip_of_anything)
{
	struct buf	 gz = BUF_INIT;

	/* Even when it saves nothing: a gzip client's hit is decided by the copy. */
	ck_assert_int_eq(sitedir_gzip(&sd, "tiny", 4, &gz), 0);
	ck_assert_uint_gt(gz.len, 4);
	ck_assert_int_eq((unsigned char)gz.data[0], 0x1f);
	ck_assert_int_eq((unsigned char)gz.data[1], 0x8b);
	ck_assert_int_eq(sitedir_gzip(&sd, "", 0, &gz), 0);
	ck_assert_uint_gt(gz.len, 0);
	buf_free(&gz);
}
END_TEST

START_TEST(remove_folders_and_files)
{
	struct sitedir_stored	 st;

	ck_assert_int_eq(sitedir_store(&sd, "a-post/index.html", "x", 1, "y", 1, &st), 0);
	ck_assert_int_eq(sitedir_store(&sd, "feed.atom", "x", 1, "y", 1, &st), 0);
	ck_assert_int_eq(sitedir_store(&sd, "index.html", "x", 1, NULL, 0, &st), 0);
	ck_assert(exists(".gz/a-post/index.html"));
	/* A folder is renamed away in one step in each tree, then purged. */
	ck_assert_int_eq(sitedir_remove(&sd, "a-post/"), 0);
	ck_assert(!exists("a-post"));
	ck_assert(!exists(".gz/a-post"));
	ck_assert_int_eq(entries(".trash"), 2);
	/* A file and its copy. */
	ck_assert_int_eq(sitedir_remove(&sd, "feed.atom"), 0);
	ck_assert(!exists("feed.atom"));
	ck_assert(!exists(".gz/feed.atom"));
	/* What is missing already is removed. */
	ck_assert_int_eq(sitedir_remove(&sd, "no-such/"), 0);
	ck_assert_int_eq(sitedir_remove(&sd, "no-such.html"), 0);
	sitedir_purge(&sd);
	ck_assert_int_eq(entries(".trash"), 0);
	ck_assert(exists("index.html"));
}
END_TEST

START_TEST(clear_keeps_what_it_is_told)
{
	static const char *const keep[] = { "assets", "404.html" };
	struct sitedir_stored	 st;

	ck_assert_int_eq(sitedir_store(&sd, "assets/style.0123456789.css", "x", 1, "y", 1, &st),
	    0);
	ck_assert_int_eq(sitedir_store(&sd, "404.html", "x", 1, NULL, 0, &st), 0);
	ck_assert_int_eq(sitedir_store(&sd, "index.html", "x", 1, "y", 1, &st), 0);
	ck_assert_int_eq(sitedir_store(&sd, "tag/t/index.html", "x", 1, "y", 1, &st), 0);
	ck_assert_int_eq(sitedir_clear(&sd, keep, 2), 0);
	ck_assert(exists("assets/style.0123456789.css"));
	ck_assert(exists(".gz/assets/style.0123456789.css"));
	ck_assert(exists("404.html"));
	ck_assert(!exists("index.html"));
	ck_assert(!exists(".gz/index.html"));
	ck_assert(!exists("tag"));
	ck_assert(!exists(".gz/tag"));
	ck_assert(exists(".gz"));
	ck_assert(exists(".tmp"));
	ck_assert(exists(".trash"));
	sitedir_purge(&sd);
}
END_TEST

START_TEST(unstore_spares_a_newer_file)
{
	struct sitedir_stored	 old, fresh;

	ck_assert_int_eq(sitedir_store(&sd, "p/index.html", "old", 3, "o", 1, &old), 0);
	ck_assert_int_eq(sitedir_store(&sd, "p/index.html", "new", 3, "n", 1, &fresh), 0);
	sitedir_unstore(&sd, "p/index.html", &old);
	ck_assert(exists("p/index.html"));
	ck_assert(exists(".gz/p/index.html"));
	sitedir_unstore(&sd, "p/index.html", &fresh);
	ck_assert(!exists("p/index.html"));
	ck_assert(!exists(".gz/p/index.html"));
}
END_TEST

START_TEST(generations)
{
	struct sitedir_gen	 a, b, c;

	sitedir_generation(&sd, &a);
	ck_assert_int_eq(sitedir_bump(&sd), 0);
	sitedir_generation(&sd, &b);
	ck_assert(!sitedir_gen_same(&a, &b));
	sitedir_generation(&sd, &c);
	ck_assert(sitedir_gen_same(&b, &c));
	ck_assert_int_eq(sitedir_bump(&sd), 0);
	ck_assert_int_eq(sitedir_bump(&sd), 0);
	sitedir_generation(&sd, &c);
	ck_assert(!sitedir_gen_same(&b, &c));
	ck_assert(!sitedir_gen_same(&a, &c));
}
END_TEST

START_TEST(paths_are_checked)
{
	struct sitedir_stored	 st;
	struct sitedir		 bad;
	char			 err[256];

	ck_assert(sitedir_rel_ok("index.html"));
	ck_assert(sitedir_rel_ok("tag/t-0a1b2c3d/feed.atom"));
	ck_assert(sitedir_rel_ok("author/ann.b_c/"));
	ck_assert(!sitedir_rel_ok(""));
	ck_assert(!sitedir_rel_ok("/index.html"));
	ck_assert(!sitedir_rel_ok("../etc/passwd"));
	ck_assert(!sitedir_rel_ok("a/../b"));
	ck_assert(!sitedir_rel_ok("a//b"));
	ck_assert(!sitedir_rel_ok(".trash/x"));
	ck_assert(!sitedir_rel_ok("author/.hidden/"));
	ck_assert(!sitedir_rel_ok("Upper/index.html"));
	ck_assert(!sitedir_rel_ok("a b/index.html"));
	ck_assert(!sitedir_rel_ok("a%2Fb/index.html"));
	ck_assert_int_eq(sitedir_store(&sd, "../x", "x", 1, NULL, 0, &st), -1);
	ck_assert_int_eq(sitedir_store(&sd, "folder/", "x", 1, NULL, 0, &st), -1);
	ck_assert(!sitedir_rel_ok(".gz/index.html"));
	ck_assert_int_eq(sitedir_remove(&sd, ".tmp/"), -1);
	ck_assert_int_eq(sitedir_remove(&sd, "../"), -1);
	ck_assert(exists(".tmp"));
	ck_assert_int_eq(sitedir_open(&bad, "relative/site", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "site_dir"));
}
END_TEST

/*
 * A struct never opened (zeroed, as Post's state is when its start or a
 * SIGHUP's reload fails before the site directory) closes nothing: its fd
 * field is 0, the FastCGI socket's descriptor.
 */
START_TEST(close_of_a_struct_never_opened)
{
	struct sitedir	 never;
	int		 fd = open("/dev/null", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	memset(&never, 0, sizeof(never));
	never.fd = fd;
	sitedir_close(&never);
	ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
	close(fd);
}
END_TEST

Suite *
sitedir_suite(void)
{
	Suite	*s = suite_create("sitedir");
	TCase	*t = tcase_create("sitedir");

	tcase_add_unchecked_fixture(t, tmpdir_begin, tmpdir_end);
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, store_writes_both_atomically);
	tcase_add_test(t, gzip_of_anything);
	tcase_add_test(t, remove_folders_and_files);
	tcase_add_test(t, clear_keeps_what_it_is_told);
	tcase_add_test(t, unstore_spares_a_newer_file);
	tcase_add_test(t, generations);
	tcase_add_test(t, paths_are_checked);
	tcase_add_test(t, close_of_a_struct_never_opened);
	suite_add_tcase(s, t);
	return s;
}
