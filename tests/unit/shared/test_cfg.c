/* Unit tests of cfg.c. */
#include <stddef.h>
#include <string.h>

#include "buf.h"
#include "cfg.h"
#include "suites.h"

struct sample {
	const char	*name;
	long long	 size;
	int		 flag;
};

static const struct cfg_key sample_keys[] = {
	{ "name", CFG_STR, "none", 0, 0, offsetof(struct sample, name) },
	{ "size", CFG_INT, "10", 1, 100, offsetof(struct sample, size) },
	{ "flag", CFG_BOOL, "no", 0, 0, offsetof(struct sample, flag) },
};

/* Parses text, failing the test on error. */
static struct cfg *
parse(const char *text)
{
	char		 err[256];
	struct cfg	*c = cfg_parse(text, strlen(text), err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

START_TEST(sections_and_fallback)
{
	struct cfg	*c = parse("# comment\n; another\nname = global \n\n[auth]\n"
	    "name=own\nsize = 42\r\n[post]\nflag = yes\n");

	ck_assert_str_eq(cfg_get(c, "auth", "name"), "own");
	ck_assert_str_eq(cfg_get(c, "post", "name"), "global");
	ck_assert_str_eq(cfg_get(c, "auth", "size"), "42");
	ck_assert_ptr_null(cfg_get(c, "media", "size"));
	cfg_free(c);
}
END_TEST

START_TEST(read_into_struct)
{
	struct cfg	*c = parse("[auth]\nsize = 42\nflag = on\n");
	struct sample	 s;
	char		 err[256];

	ck_assert_int_eq(cfg_read(c, "auth", sample_keys, 3, &s, err, sizeof(err)), 0);
	ck_assert_str_eq(s.name, "none");
	ck_assert_int_eq(s.size, 42);
	ck_assert_int_eq(s.flag, 1);
	ck_assert_int_eq(cfg_check_unused(c, "auth", err, sizeof(err)), 0);
	cfg_free(c);
}
END_TEST

START_TEST(bad_values)
{
	struct cfg	*c;
	struct sample	 s;
	char		 err[256];

	c = parse("[auth]\nsize = 1000\n");
	ck_assert_int_eq(cfg_read(c, "auth", sample_keys, 3, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "size"));
	cfg_free(c);
	c = parse("[auth]\nsize = ten\n");
	ck_assert_int_eq(cfg_read(c, "auth", sample_keys, 3, &s, err, sizeof(err)), -1);
	cfg_free(c);
	c = parse("[auth]\nflag = maybe\n");
	ck_assert_int_eq(cfg_read(c, "auth", sample_keys, 3, &s, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "flag"));
	cfg_free(c);
}
END_TEST

START_TEST(unknown_and_required_keys)
{
	static const struct cfg_key required[] = {
		{ "database", CFG_STR, NULL, 0, 0, 0 },
	};
	struct cfg	*c = parse("[auth]\nsize = 5\nszie = 6\n");
	struct sample	 s;
	const char	*db;
	char		 err[256];

	ck_assert_int_eq(cfg_read(c, "auth", sample_keys, 3, &s, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg_check_unused(c, "auth", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "szie"));
	ck_assert_int_eq(cfg_read(c, "auth", required, 1, &db, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "database"));
	cfg_free(c);
}
END_TEST

START_TEST(syntax_errors)
{
	static const char *const bad[] = {
		"[auth\nx = 1\n",
		"[Auth]\n",
		"just words\n",
		"[auth]\nx = 1\nx = 2\n",
		"Key = 1\n",
		"[auth]\n= 1\n",
		"x = \xff\n",
	};
	char	 err[256];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(cfg_parse(bad[i], strlen(bad[i]), err, sizeof(err)) == NULL,
		    "accepted: %s", bad[i]);
		ck_assert(err[0] != '\0');
	}
	ck_assert_ptr_null(cfg_parse("a = 1\0b = 2", 11, err, sizeof(err)));
	ck_assert_ptr_null(cfg_load("/nonexistent/quire.conf", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/quire.conf"));
}
END_TEST

/* Of many keys, the earliest line that repeats one is named, before a later fault. */
START_TEST(repeated_keys_among_many)
{
	struct buf	 text = BUF_INIT;
	struct cfg	*c;
	char		 err[256];
	int		 i;

	buf_puts(&text, "k1 = global\n[auth]\nk1 = auth\n[post]\n");
	for (i = 0; i < 20000; i++)
		buf_printf(&text, "k%d = %d\n", i, i);
	c = cfg_parse(text.data, text.len, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(cfg_get(c, "post", "k19999"), "19999");
	ck_assert_str_eq(cfg_get(c, "auth", "k1"), "auth");
	ck_assert_str_eq(cfg_get(c, "media", "k1"), "global");
	cfg_free(c);
	/* Line 20005 repeats k7, line 20006 k3 and k5 of [post]; then a bad line. */
	buf_puts(&text, "k7 = again\nk3 = again\n[media]\nk7 = fine\n[post]\nk5 = again\n"
	    "Bad = 1\n");
	ck_assert_ptr_null(cfg_parse(text.data, text.len, err, sizeof(err)));
	ck_assert_str_eq(err, "line 20005: 'k7' is set twice in [post]");
	buf_free(&text);
}
END_TEST

Suite *
cfg_suite(void)
{
	Suite	*s = suite_create("cfg");
	TCase	*t = tcase_create("cfg");

	tcase_add_test(t, sections_and_fallback);
	tcase_add_test(t, read_into_struct);
	tcase_add_test(t, bad_values);
	tcase_add_test(t, unknown_and_required_keys);
	tcase_add_test(t, syntax_errors);
	tcase_add_test(t, repeated_keys_among_many);
	suite_add_tcase(s, t);
	return s;
}
