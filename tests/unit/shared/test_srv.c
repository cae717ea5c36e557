/* Unit tests of ctx.c and dispatch.c: a context read from a configuration file, reads routed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>

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
	suite_add_tcase(s, t);
	return s;
}
