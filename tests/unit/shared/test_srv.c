/* Unit tests of ctx.c and dispatch.c: a context read from a configuration file, reads routed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>

#include "buf.h"
#include "nitems.h"
#include "srv.h"
#include "suites.h"

static char	 dir[] = "/tmp/quire-srv-XXXXXX";
static char	 conf_path[256], key_path[256];

/* Writes a fresh P-256 public key and the configuration text to the temp dir. */
static void
write_files(const char *conf)
{
	EVP_PKEY	*k = EVP_EC_gen("P-256");
	FILE		*f;

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(f = fopen(key_path, "w"));
	ck_assert_int_eq(PEM_write_PUBKEY(f, k), 1);
	fclose(f);
	EVP_PKEY_free(k);
	ck_assert_ptr_nonnull(f = fopen(conf_path, "w"));
	fprintf(f, "public_keys = %s\n%s", key_path, conf);
	fclose(f);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(conf_path, sizeof(conf_path), "%s/quire.conf", dir);
	snprintf(key_path, sizeof(key_path), "%s/key.pem", dir);
}

static void
teardown(void)
{
	unlink(conf_path);
	unlink(key_path);
	rmdir(dir);
	memcpy(dir + strlen(dir) - 6, "XXXXXX", 6);
}

/* Opens a context for a service named name; returns its max_body, or -1. */
static long long
max_body_of(const char *name, const char *max_body_default)
{
	struct service	 svc = { .name = name, .max_body_default = max_body_default };
	struct ctx	 ctx;
	char		 err[512];
	long long	 v;

	if (srv_ctx_open(&ctx, &svc, conf_path, err, sizeof(err)) == -1)
		return -1;
	v = ctx.conf.max_body;
	srv_ctx_free(&ctx);
	return v;
}

START_TEST(max_body_defaults_per_program)
{
	write_files("[auth]\ndatabase = dbname=x\n[post]\ndatabase = dbname=x\n"
	    "[media]\ndatabase = dbname=x\nmax_body = 2048\n");
	ck_assert_int_eq(max_body_of("auth", NULL), 65536);
	ck_assert_int_eq(max_body_of("post", "4194304"), 4194304);
	/* A value in the file wins over the program's default. */
	ck_assert_int_eq(max_body_of("media", "4194304"), 2048);
}
END_TEST

START_TEST(max_body_shared_key_wins_too)
{
	write_files("max_body = 100000\n[post]\ndatabase = dbname=x\n");
	ck_assert_int_eq(max_body_of("post", "4194304"), 100000);
}
END_TEST

/* A program whose start-up fails without saying why (as auth_init could). */
static int
init_fails_silently(struct ctx *ctx, char *err, size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	return -1;
}

START_TEST(failed_init_still_says_something)
{
	struct service	 svc = { .name = "auth", .init = init_fails_silently };
	struct ctx	 ctx;
	char		 err[512] = "left over from before";

	write_files("[auth]\ndatabase = dbname=x\n");
	ck_assert_int_eq(srv_ctx_open(&ctx, &svc, conf_path, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "quire-auth could not start (no reason given)");
}
END_TEST

/* Returns the handle srv_db_read() picks for a request with the CGI parameters env. */
static struct db *
read_handle(struct ctx *ctx, char **env)
{
	struct req	 r;
	struct db	*db;

	ck_assert_int_eq(req_init(&r, ctx, (size_t)ctx->conf.max_body, env, NULL, NULL), 0);
	db = srv_db_read(&r);
	req_free(&r);
	return db;
}

START_TEST(anonymous_reads_go_to_database_read)
{
	struct service	 svc = { .name = "post" };
	struct ctx	 ctx;
	char		 err[512];
	char		*anonymous[] = { "REQUEST_URI=/posts/x", NULL };
	char		*writer[] = { "REQUEST_URI=/posts/x", "HTTP_AUTHORIZATION=Bearer x", NULL };

	write_files("[post]\ndatabase = host=db1,db2 dbname=x\n"
	    "database_read = host=db2,db1 dbname=x\n");
	ck_assert_int_eq(srv_ctx_open(&ctx, &svc, conf_path, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(ctx.db_read);
	ck_assert_ptr_eq(read_handle(&ctx, anonymous), ctx.db_read);
	/* Any token, even one that will not verify: the request is a writer's. */
	ck_assert_ptr_eq(read_handle(&ctx, writer), ctx.db);
	srv_ctx_free(&ctx);

	/* Without database_read, every read goes to the primary. */
	write_files("[post]\ndatabase = dbname=x\n");
	ck_assert_int_eq(srv_ctx_open(&ctx, &svc, conf_path, err, sizeof(err)), 0);
	ck_assert_ptr_null(ctx.db_read);
	ck_assert_ptr_eq(read_handle(&ctx, anonymous), ctx.db);
	srv_ctx_free(&ctx);
}
END_TEST

START_TEST(a_primary_only_program_refuses_database_read)
{
	struct service	 svc = { .name = "auth", .primary_only = true };
	struct ctx	 ctx;
	char		 err[512];

	write_files("[auth]\ndatabase = dbname=x\ndatabase_read = dbname=y\n");
	ck_assert_int_eq(srv_ctx_open(&ctx, &svc, conf_path, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "[auth] database_read: quire-auth reads nothing that may lag "
	    "behind the primary; remove it");
}
END_TEST

/* A program with three settings of its own, for --print-config. */
struct own_conf {
	const char	*place;
	long long	 count;
	int		 loud;
};

static const struct cfg_key own_keys[] = {
	CFG_KEY(struct own_conf, place, CFG_STR, NULL, 0, 0),
	CFG_KEY(struct own_conf, count, CFG_INT, "7", 1, 99),
	CFG_KEY(struct own_conf, loud, CFG_BOOL, "no", 0, 0),
};

static const struct service own_service = {
	.name = "own",
	.keys = own_keys,
	.nkeys = nitems(own_keys),
	.conf_size = sizeof(struct own_conf),
	.max_body_default = "4096",
};

/* One line of --print-config, split into its fields. */
struct shown {
	char		 marker[16], name[64], type[8], value[256];
	long long	 min, max;	/* int only */
};

#define MAX_SHOWN	64

/*
 * Runs srv_print_config for svc (path: NULL, the defaults) into shown.
 * Returns the number of lines, or -1 when it failed (err set). Every line
 * must have the form of quire.conf(5): MARKER NAME TYPE VALUE [MIN..MAX].
 */
static int
print_config(const struct service *svc, const char *path, struct shown *shown, char *err,
    size_t errlen)
{
	char	*text = NULL, *line, *next;
	size_t	 len = 0;
	FILE	*f = open_memstream(&text, &len);
	int	 n = 0, at;

	ck_assert_ptr_nonnull(f);
	if (srv_print_config(svc, path, f, err, errlen) == -1) {
		fclose(f);
		free(text);
		return -1;
	}
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_msg(len > 0 && text[len - 1] == '\n', "not whole lines: %s", text);
	for (line = text; *line != '\0'; line = next) {
		struct shown *k = &shown[n++];

		ck_assert_int_le(n, MAX_SHOWN);
		next = strchr(line, '\n');
		*next++ = '\0';
		ck_assert_msg(sscanf(line, "%15s %63s %7s %n", k->marker, k->name, k->type, &at) == 3,
		    "bad line: %s", line);
		if (strcmp(k->type, "int") == 0) {
			ck_assert_msg(sscanf(line + at, "%255s %lld..%lld", k->value, &k->min,
			    &k->max) == 3, "bad int line: %s", line);
		} else {
			ck_assert_msg(strcmp(k->type, "str") == 0 || strcmp(k->type, "bool") == 0,
			    "bad type: %s", line);
			ck_assert_uint_lt(strlen(line + at), sizeof(k->value));
			strcpy(k->value, line + at);
		}
	}
	free(text);
	return n;
}

/* Returns the line of shown[0..n) for marker and name, or NULL. */
static const struct shown *
shown_find(const struct shown *shown, int n, const char *marker, const char *name)
{
	int	 i;

	for (i = 0; i < n; i++)
		if (strcmp(shown[i].marker, marker) == 0 && strcmp(shown[i].name, name) == 0)
			return &shown[i];
	return NULL;
}

START_TEST(print_config_shows_every_key_once)
{
	static const struct service bare = { .name = "bare" };
	struct shown		 shown[MAX_SHOWN], common[MAX_SHOWN];
	const struct shown	*k;
	char			 err[512];
	int			 n, ncommon, i, j;

	ck_assert_int_gt(ncommon = print_config(&bare, NULL, common, err, sizeof(err)), 0);
	ck_assert_int_gt(n = print_config(&own_service, NULL, shown, err, sizeof(err)), 0);
	/* The keys every program reads, then exactly the program's own table. */
	ck_assert_int_eq(n, ncommon + (int)nitems(own_keys));
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(shown[i].marker, i < ncommon ? "[*]" : "[own]");
		if (i < ncommon)
			ck_assert_str_eq(shown[i].name, common[i].name);
		else
			ck_assert_str_eq(shown[i].name, own_keys[i - ncommon].name);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(shown[i].name, shown[j].name) != 0,
			    "%s shown twice", shown[i].name);
	}
	ck_assert_ptr_nonnull(k = shown_find(shown, n, "[*]", "token_leeway"));
	ck_assert_str_eq(k->type, "int");
	ck_assert_str_eq(k->value, "30");
	ck_assert_int_eq(k->min, 0);
	ck_assert_int_eq(k->max, 600);
	ck_assert_ptr_nonnull(k = shown_find(shown, n, "[*]", "database"));
	ck_assert_str_eq(k->value, "required");
	ck_assert_ptr_nonnull(k = shown_find(shown, n, "[*]", "issuer"));
	ck_assert_str_eq(k->value, "\"quire-auth\"");
	/* The program's own default of max_body, where another has 65536. */
	ck_assert_str_eq(shown_find(shown, n, "[*]", "max_body")->value, "4096");
	ck_assert_str_eq(shown_find(common, ncommon, "[*]", "max_body")->value, "65536");
	ck_assert_str_eq(shown_find(shown, n, "[own]", "place")->value, "required");
	ck_assert_ptr_nonnull(k = shown_find(shown, n, "[own]", "count"));
	ck_assert_str_eq(k->value, "7");
	ck_assert_int_eq(k->min, 1);
	ck_assert_int_eq(k->max, 99);
	ck_assert_str_eq(shown_find(shown, n, "[own]", "loud")->value, "no");
}
END_TEST

/*
 * Every key shown, set in the file to another value than its default, is
 * shown with that value: each is a key the program reads, from its own
 * section, into its own field. The public keys are neither needed nor read.
 */
START_TEST(print_config_shows_the_file_values)
{
	struct shown	 shown[MAX_SHOWN], file[MAX_SHOWN];
	struct buf	 text = BUF_INIT, want = BUF_INIT;
	char		 err[512];
	FILE		*f;
	int		 n, i;

	ck_assert_int_gt(n = print_config(&own_service, NULL, shown, err, sizeof(err)), 0);
	buf_puts(&text, "public_keys = /nonexistent\n[own]\n");
	for (i = 0; i < n; i++) {
		struct shown *k = &shown[i];

		buf_reset(&want);
		if (strcmp(k->type, "int") == 0) {
			buf_printf(&want, "%lld", strtoll(k->value, NULL, 10) == k->min ?
			    k->max : k->min);
			buf_printf(&text, "%s = %s\n", k->name, buf_str(&want));
		} else if (strcmp(k->type, "bool") == 0) {
			buf_puts(&want, strcmp(k->value, "yes") == 0 ? "no" : "yes");
			buf_printf(&text, "%s = %s\n", k->name, strcmp(k->value, "yes") == 0 ?
			    "off" : "on");
		} else {
			buf_printf(&want, "\"v %s \\\"q\\\"\"", k->name);
			buf_printf(&text, "%s = v %s \"q\"\n", k->name, k->name);
		}
		ck_assert_uint_lt(want.len, sizeof(k->value));
		strcpy(k->value, buf_str(&want));
	}
	ck_assert_ptr_nonnull(f = fopen(conf_path, "w"));
	fputs(buf_str(&text), f);
	fclose(f);
	ck_assert_int_eq(print_config(&own_service, conf_path, file, err, sizeof(err)), n);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(file[i].name, shown[i].name);
		ck_assert_msg(strcmp(file[i].value, shown[i].value) == 0, "%s: %s, not %s",
		    shown[i].name, file[i].value, shown[i].value);
	}
	buf_free(&text);
	buf_free(&want);
}
END_TEST

/* A file the program would refuse at start is refused, with the reason. */
START_TEST(print_config_refuses_a_bad_file)
{
	struct shown	 shown[MAX_SHOWN];
	char		 err[512];

	write_files("[own]\ndatabase = dbname=x\nplace = here\nnope = 1\n");
	ck_assert_int_eq(print_config(&own_service, conf_path, shown, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "line 5: unknown key 'nope' in [own]");
	write_files("[own]\ndatabase = dbname=x\nplace = here\ncount = 100\n");
	ck_assert_int_eq(print_config(&own_service, conf_path, shown, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "[own] count: '100' is not a whole number from 1 to 99");
	write_files("[own]\ndatabase = dbname=x\n");
	ck_assert_int_eq(print_config(&own_service, conf_path, shown, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "[own] place: required, and not set");
	ck_assert_int_eq(print_config(&own_service, "/nonexistent/quire.conf", shown, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/quire.conf"));
}
END_TEST

Suite *
srv_suite(void)
{
	Suite	*s = suite_create("srv");
	TCase	*t = tcase_create("srv");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, max_body_defaults_per_program);
	tcase_add_test(t, max_body_shared_key_wins_too);
	tcase_add_test(t, failed_init_still_says_something);
	tcase_add_test(t, anonymous_reads_go_to_database_read);
	tcase_add_test(t, a_primary_only_program_refuses_database_read);
	tcase_add_test(t, print_config_shows_every_key_once);
	tcase_add_test(t, print_config_shows_the_file_values);
	tcase_add_test(t, print_config_refuses_a_bad_file);
	suite_add_tcase(s, t);
	return s;
}
