/*
 * Unit tests of theme.c: the shipped theme loads, an owner's folder
 * overrides it file by file, a broken file is reported as file:line and
 * leaves the last good theme serving, assets get fingerprinted names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "post/site.h"
#include "nitems.h"
#include "suites.h"

static char owner[64];

/* Makes an empty owner's theme folder for the test (partials/ and assets/ in it). */
static void
setup(void)
{
	char		 path[128];

	tmpdir_make(owner, sizeof(owner));
	snprintf(path, sizeof(path), "%s/partials", owner);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/assets", owner);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

/* Writes text to owner/rel. */
static void
put(const char *rel, const char *text)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", owner, rel);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Returns the asset called name of t, or NULL. */
static const struct theme_asset *
asset(const struct theme *t, const char *name)
{
	size_t	 i;

	for (i = 0; i < t->nassets; i++)
		if (strcmp(t->assets[i].name, name) == 0)
			return &t->assets[i];
	return NULL;
}

/* Renders the 404 page of t. Returns it (to free). */
static char *
not_found(const struct theme *t)
{
	static const struct site_settings s = { "T", "D", "en", "https://x.example", NULL, 0 };
	static const struct tmpl_limits lim = { 1 << 20, 100000 };
	struct site_page p = { .kind = SITE_NOT_FOUND };
	struct buf	 out = BUF_INIT;
	char		 err[256];

	ck_assert_msg(site_render(t, &s, &p, &lim, &out, err, sizeof(err)) == 0, "%s", err);
	return out.data;
}

START_TEST(shipped_theme_loads)
{
	const char			*dirs[] = { "theme" };
	const struct theme_asset	*a;
	struct theme			*t;
	char				 err[512];
	size_t				 i;

	ck_assert_msg(theme_load(dirs, 1, &t, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < nitems(theme_pages); i++)
		ck_assert_ptr_nonnull(tmpl_set_get(t->set, theme_pages[i]));
	ck_assert_ptr_nonnull(tmpl_set_get(t->set, "head"));
	ck_assert_ptr_nonnull(a = asset(t, "style.css"));
	ck_assert_str_eq(a->key, "style_css");
	ck_assert_uint_eq(strlen(a->url), strlen("/assets/style.0123456789.css"));
	ck_assert_int_eq(strncmp(a->url, "/assets/style.", 14), 0);
	ck_assert_uint_eq(strspn(a->url + 14, "0123456789abcdef"), THEME_FINGERPRINT);
	ck_assert_ptr_nonnull(asset(t, "print.css"));
	ck_assert_ptr_nonnull(asset(t, "favicon.svg"));
	theme_free(t);
}
END_TEST

START_TEST(owner_overrides_file_by_file)
{
	const char			*shipped[] = { "theme" }, *both[] = { owner, "theme" };
	struct theme			*base, *t;
	const struct theme_asset	*a, *b;
	char				 err[512], *h;

	put("partials/footer.html", "<footer><p>The owner's footer</p></footer>\n");
	put("assets/style.css", "body { color: red; }\n");
	put("assets/extra-file.css", "p { margin: 0; }\n");
	ck_assert_msg(theme_load(shipped, 1, &base, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(theme_load(both, 2, &t, err, sizeof(err)) == 0, "%s", err);
	h = not_found(t);
	ck_assert_ptr_nonnull(strstr(h, "The owner's footer"));
	ck_assert_ptr_nonnull(strstr(h, "This page is not here"));	/* 404.html: shipped */
	free(h);
	a = asset(t, "style.css");
	b = asset(base, "style.css");
	ck_assert_str_eq(buf_str(&a->data), "body { color: red; }\n");
	ck_assert_str_ne(a->url, b->url);	/* new contents, new name */
	ck_assert_ptr_nonnull(a = asset(t, "extra-file.css"));
	ck_assert_str_eq(a->key, "extra_file_css");
	ck_assert_ptr_nonnull(asset(t, "print.css"));
	theme_free(t);
	theme_free(base);
}
END_TEST

START_TEST(broken_override_keeps_the_last_good_theme)
{
	const char	*both[] = { owner, "theme" };
	struct theme	*good, *t = NULL;
	char		 err[512], want[256], *h;

	ck_assert_msg(theme_load(both, 2, &good, err, sizeof(err)) == 0, "%s", err);
	put("post.html", "<!doctype html>\n<p>\n{{#post}}\n<a href=\"{{post.url}}\">\n");
	ck_assert_int_eq(theme_load(both, 2, &t, err, sizeof(err)), -1);
	ck_assert_ptr_null(t);
	snprintf(want, sizeof(want), "%s/post.html:3: {{#post}} is not closed", owner);
	ck_assert_str_eq(err, want);
	put("post.html", "<p>{{>nowhere}}</p>\n");
	ck_assert_int_eq(theme_load(both, 2, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/post.html:1: the partial \"nowhere\" does not exist", owner);
	ck_assert_str_eq(err, want);
	put("post.html", "<p>fine</p>\n");
	put("partials/loop.html", "{{>loop}}");
	ck_assert_int_eq(theme_load(both, 2, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/partials/loop.html:1: the partial \"loop\" includes itself",
	    owner);
	ck_assert_str_eq(err, want);
	h = not_found(good);			/* the caller still has its theme */
	ck_assert_ptr_nonnull(strstr(h, "This page is not here"));
	free(h);
	theme_free(good);
}
END_TEST

START_TEST(missing_template)
{
	const char	*dirs[] = { owner };
	struct theme	*t;
	char		 err[512], want[256];

	ck_assert_int_eq(theme_load(dirs, 1, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "home.html: no such template in %s", owner);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(bad_asset_name)
{
	const char	*both[] = { owner, "theme" };
	struct theme	*t;
	char		 err[512], want[256];

	put("assets/Bad Name.css", "x");
	ck_assert_int_eq(theme_load(both, 2, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s/assets/Bad Name.css: a name other than", owner);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
}
END_TEST

Suite *
theme_suite(void)
{
	Suite	*s = suite_create("theme");
	TCase	*tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, tmpdir_begin, tmpdir_end);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, shipped_theme_loads);
	tcase_add_test(tc, owner_overrides_file_by_file);
	tcase_add_test(tc, broken_override_keeps_the_last_good_theme);
	tcase_add_test(tc, missing_template);
	tcase_add_test(tc, bad_asset_name);
	suite_add_tcase(s, tc);
	return s;
}
