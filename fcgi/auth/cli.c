/* Commands for the administrator: a key pair, the first admin, a lost password. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "auth.h"

/*
 * Writes a PEM to a new file (never over an existing one) with mode. Returns
 * 0, or -1 with a message printed.
 */
static int
write_pem(const char *path, mode_t mode, EVP_PKEY *key, int private)
{
	FILE	*f;
	int	 fd, ok;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1) {
		fprintf(stderr, "keygen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	ok = private ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) :
	    PEM_write_PUBKEY(f, key);
	if (fclose(f) != 0 || !ok) {
		fprintf(stderr, "keygen: cannot write %s\n", path);
		unlink(path);
		return -1;
	}
	return 0;
}

/*
 * quire-auth keygen PRIVATE.pem PUBLIC_DIR
 * Makes an ES256 (P-256) key pair: the private key into a new file (mode
 * 0600), the public key into PUBLIC_DIR/<kid>.pem. Prints both paths and the
 * kid, each line saying what it is. Returns the exit status.
 */
int
cmd_keygen(int argc, char **argv)
{
	EVP_PKEY	*key;
	char		 kid[TOK_KID_LEN + 1], path[4096];
	int		 rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: quire-auth keygen PRIVATE.pem PUBLIC_DIR\n");
		return 2;
	}
	if (mkdir(argv[2], 0755) == -1 && errno != EEXIST) {
		fprintf(stderr, "keygen: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	if ((key = EVP_EC_gen("P-256")) == NULL || tok_kid(key, kid) == -1) {
		fprintf(stderr, "keygen: cannot generate a P-256 key\n");
		goto out;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.pem", argv[2], kid) >= sizeof(path))
		goto out;
	if (write_pem(argv[1], 0600, key, 1) == -1)
		goto out;
	if (write_pem(path, 0644, key, 0) == -1) {
		unlink(argv[1]);
		goto out;
	}
	/* Named: a bare key id looks like a secret to keep. */
	printf("private key: %s\npublic key: %s\nkey id (RFC 7638 thumbprint): %s\n", argv[1],
	    path, kid);
	rc = 0;
out:
	EVP_PKEY_free(key);
	return rc;
}

/*
 * quire-auth create-admin [--config FILE]
 * Creates an admin when there is none: username from $QUIRE_ADMIN_USER
 * (default "admin"), password from $QUIRE_ADMIN_PASSWORD, else generated and
 * printed once. Does nothing when an admin exists. Returns the exit status.
 */
int
cmd_create_admin(const struct service *svc, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx		 ctx;
	const struct auth_conf	*conf;
	PGresult		*res = NULL;
	const char		*config = NULL, *user, *password;
	char			 generated[PASSWORD_GENERATED_MAX], err[1024], *hash = NULL;
	enum db_status		 st;
	struct input_error	 e;
	int			 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'c') {
			fprintf(stderr, "usage: quire-auth create-admin [--config FILE]\n");
			return 2;
		}
		config = optarg;
	}
	if ((user = getenv("QUIRE_ADMIN_USER")) == NULL || *user == '\0')
		user = "admin";
	if (srv_ctx_open(&ctx, svc, srv_config_path(config), err, sizeof(err)) == -1) {
		fprintf(stderr, "create-admin: %s\n", err);
		return 1;
	}
	conf = ctx.app_conf;
	/* Generated, it is as long as the settings ask, and never shorter than 22. */
	if ((password = getenv("QUIRE_ADMIN_PASSWORD")) == NULL || *password == '\0') {
		if (password_generate(generated, conf->password_min_length) == -1) {
			fprintf(stderr, "create-admin: cannot read random bytes: %s\n",
			    strerror(errno));
			goto out;
		}
		password = generated;
	}
	if (username_check(user, &e) == -1 ||
	    password_rules_check(password, conf->password_min_length, &e) == -1) {
		fprintf(stderr, "create-admin: %s\n", e.msg);
		goto out;
	}
	if ((st = db_exec0(ctx.db, S_ADMIN_EXISTS, &res)) != DB_OK) {
		fprintf(stderr, "create-admin: %s\n", db_last_error(ctx.db));
		goto out;
	}
	if (PQntuples(res) > 0) {
		printf("An admin exists already; nothing to do.\n");
		rc = 0;
		goto out;
	}
	PQclear(res);
	res = NULL;
	if ((hash = password_hash(password, conf->password_cost)) == NULL)
		goto out;
	st = DB_QUERY(ctx.db, S_USER_INSERT, &res, user, hash, "admin", NULL);
	if (st != DB_OK) {
		fprintf(stderr, "create-admin: %s\n", st == DB_UNIQUE ?
		    "that username is taken by a user who is not an admin" :
		    db_last_error(ctx.db));
		goto out;
	}
	if (password == generated)
		printf("Created admin '%s' with password: %s\n"
		    "(shown once; change it with PATCH /auth/users/{id})\n", user, password);
	else
		printf("Created admin '%s' with the password from QUIRE_ADMIN_PASSWORD.\n", user);
	rc = 0;
out:
	PQclear(res);
	free(hash);
	srv_ctx_free(&ctx);
	return rc;
}

/*
 * quire-auth reset-password [--config FILE] USERNAME
 * For a lost password (an admin's, say): gives the user a new password, from
 * $QUIRE_ADMIN_PASSWORD, else generated and printed once, and revokes the
 * user's sessions and access tokens as a password change through the API
 * does. Returns the exit status: 0, 1 on a failure (no such user included),
 * 2 on a usage error.
 */
int
cmd_reset_password(const struct service *svc, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx		 ctx;
	struct req		 r = { .ctx = &ctx };	/* for revocation_add: no request */
	const struct auth_conf	*conf;
	PGresult		*res = NULL;
	const char		*config = NULL, *user, *password;
	char			 generated[PASSWORD_GENERATED_MAX], err[1024], *hash = NULL;
	char			 id[UUID_LEN + 1];
	struct input_error	 e;
	enum db_status		 st;
	int			 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'c')
			goto usage;
		config = optarg;
	}
	if (optind != argc - 1)
		goto usage;
	user = argv[optind];
	if (srv_ctx_open(&ctx, svc, srv_config_path(config), err, sizeof(err)) == -1) {
		fprintf(stderr, "reset-password: %s\n", err);
		return 1;
	}
	conf = ctx.app_conf;
	if ((password = getenv("QUIRE_ADMIN_PASSWORD")) == NULL || *password == '\0') {
		if (password_generate(generated, conf->password_min_length) == -1) {
			fprintf(stderr, "reset-password: cannot read random bytes: %s\n",
			    strerror(errno));
			goto out;
		}
		password = generated;
	}
	if (password_rules_check(password, conf->password_min_length, &e) == -1) {
		fprintf(stderr, "reset-password: %s\n", e.msg);
		goto out;
	}
	if ((hash = password_hash(password, conf->password_cost)) == NULL)
		goto out;
	if ((st = db_begin(ctx.db)) != DB_OK ||
	    (st = DB_QUERY(ctx.db, S_USER_BY_NAME, &res, user)) != DB_OK)
		goto db_fail;
	if (PQntuples(res) == 0) {
		fprintf(stderr, "reset-password: there is no user named '%s'\n", user);
		goto out;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, LC_ID));
	PQclear(res);
	res = NULL;
	if ((st = DB_QUERY(ctx.db, S_USER_LOCK, NULL, id)) != DB_OK ||
	    (st = DB_QUERY(ctx.db, S_USER_SET_PASSWORD, NULL, id, hash)) != DB_OK ||
	    (st = DB_QUERY(ctx.db, S_USER_TOKENS_REVOKE, NULL, id)) != DB_OK ||
	    (st = revocation_add(&r, id)) != DB_OK ||
	    (st = db_commit(ctx.db)) != DB_OK)
		goto db_fail;
	if (password == generated)
		printf("New password of '%s': %s\n(shown once; its sessions and tokens are "
		    "revoked)\n", user, password);
	else
		printf("Set the password of '%s' from QUIRE_ADMIN_PASSWORD; its sessions and "
		    "tokens are revoked.\n", user);
	rc = 0;
	goto out;
usage:
	fprintf(stderr, "usage: quire-auth reset-password [--config FILE] USERNAME\n");
	return 2;
db_fail:
	fprintf(stderr, "reset-password: %s\n", db_last_error(ctx.db));
out:
	db_rollback(ctx.db);
	PQclear(res);
	free(hash);
	srv_ctx_free(&ctx);
	return rc;
}
