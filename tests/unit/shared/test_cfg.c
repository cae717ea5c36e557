/* Unit tests of cfg.c. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "nitems.h"
#include "cfg.h"
#include "suites.h"

struct sample {
	const char	*name;
	long long	 size;
	int		 flag;
};

static const struct cfg_key sample_keys[] = {
	CFG_KEY(struct sample, name, CFG_STR, "none", 0, 0),
	CFG_KEY(struct sample, size, CFG_INT, "10", 1, 100),
	CFG_KEY(struct sample, flag, CFG_BOOL, "no", 0, 0),
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

	for (i = 0; i < nitems(bad); i++) {
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

/* What --print-config shows: a required key, quoting, a negative range, a bool. */
struct shown {
	const char	*path;
	const char	*title;
	long long	 n;
	int		 on;
};

static const struct cfg_key shown_keys[] = {
	CFG_KEY(struct shown, path, CFG_STR, NULL, 0, 0),
	CFG_KEY(struct shown, title, CFG_STR, "say \"hi\" \\ bye", 0, 0),
	CFG_KEY(struct shown, n, CFG_INT, "-5", -10, 10),
	CFG_KEY(struct shown, on, CFG_BOOL, "true", 0, 0),
};

/*
 * Returns what cfg_print writes of keys with the values at base (NULL: the
 * defaults), to free; its return value in *rc.
 */
static char *
printed(const struct cfg_key *keys, size_t n, const void *base, int *rc, char *err,
    size_t errlen)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	*rc = cfg_print(f, "[x]", keys, n, base, err, errlen);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

START_TEST(print_defaults)
{
	char	 err[256];
	char	*text;
	int	 rc;

	text = printed(shown_keys, nitems(shown_keys), NULL, &rc, err, sizeof(err));
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(text,
	    "[x] path str required\n"
	    "[x] title str \"say \\\"hi\\\" \\\\ bye\"\n"
	    "[x] n int -5 -10..10\n"
	    "[x] on bool yes\n");
	free(text);
}
END_TEST

/* The values cfg_read stored, not the file's words: 007 is 7, off is no. */
START_TEST(print_values_read)
{
	struct cfg	*c = parse("[x]\npath = /p \"q\"\nn = 007\non = off\n");
	struct shown	 s;
	char		 err[256];
	char		*text;
	int		 rc;

	ck_assert_int_eq(cfg_read(c, "x", shown_keys, nitems(shown_keys), &s, err, sizeof(err)), 0);
	text = printed(shown_keys, nitems(shown_keys), &s, &rc, err, sizeof(err));
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(text,
	    "[x] path str \"/p \\\"q\\\"\"\n"
	    "[x] title str \"say \\\"hi\\\" \\\\ bye\"\n"
	    "[x] n int 7 -10..10\n"
	    "[x] on bool no\n");
	free(text);
	cfg_free(c);
}
END_TEST

/* A default that its own key would refuse is a fault of the table, named. */
START_TEST(print_refuses_a_bad_default)
{
	static const struct cfg_key out_of_range[] = {
		{ "size", CFG_INT, "11", 1, 10, 0 },
	};
	static const struct cfg_key not_a_bool[] = {
		{ "flag", CFG_BOOL, "maybe", 0, 0, 0 },
	};
	char	 err[256];
	char	*text;
	int	 rc;

	text = printed(out_of_range, 1, NULL, &rc, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(err, "size: its default '11' is not one of its values");
	free(text);
	text = printed(not_a_bool, 1, NULL, &rc, err, sizeof(err));
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_nonnull(strstr(err, "flag"));
	free(text);
}
END_TEST

START_TEST(print_fails_when_writing_fails)
{
	FILE	*f = fopen("/dev/full", "w");
	char	 err[256];

	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0);
	ck_assert_int_eq(cfg_print(f, "[x]", sample_keys, nitems(sample_keys), NULL, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "cannot write the key table");
	fclose(f);
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
	tcase_add_test(t, print_defaults);
	tcase_add_test(t, print_values_read);
	tcase_add_test(t, print_refuses_a_bad_default);
	tcase_add_test(t, print_fails_when_writing_fails);
	suite_add_tcase(s, t);
	return s;
}
