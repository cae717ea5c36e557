/*
 * quire-migrate: applies the SQL migrations of each schema, in order.
 *
 *   quire-migrate [--config FILE] [--sql-dir DIR] [--status]
 *                 [--admin-dsn DSN] [--database NAME [--create-database]]
 *                 [--create-roles] [SCHEMA ...]
 *
 * Migrations are files DIR/<schema>/NNN_name.sql. Each is applied in its own
 * transaction as the schema's own role — connected with the [schema] database
 * setting, or, given a superuser connection string (--admin-dsn, or
 * QUIRE_ADMIN_DSN in the environment, where other users cannot read it),
 * with SET ROLE quire_<schema> — and recorded in <schema>.schema_migrations
 * with its SHA-256. A file changed after it was applied is refused; a
 * failing file leaves the schema as it was. --create-roles (which needs the
 * superuser) first creates the login role quire_<schema> and the schema it
 * owns, with no access for anyone else. --database names the superuser's
 * database (whatever the connection string says), and --create-database
 * creates it when it does not exist.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <openssl/sha.h>

#include "buf.h"
#include "cfg.h"
#include "encode.h"

#define DEFAULT_CONFIG	"/etc/quire/quire.conf"
#define DEFAULT_SQL_DIR	"/usr/share/quire/sql"
#define MAX_FILES	1000

/* The schemas Quire has; their names are also role and section names. */
static const char *const all_schemas[] = { "auth", "post", "media" };

struct migration {
	char	 version[4];	/* "001" */
	char	*file;		/* "001_users.sql" */
	char	 sha256[65];
	char	*sql;
};

/* Frees what list_migrations made. */
static void
free_migrations(struct migration *m, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(m[i].file);
		free(m[i].sql);
	}
	free(m);
}

/* Returns whether name is NNN_[a-z0-9_]+.sql. */
static bool
migration_name(const char *name)
{
	size_t	 len = strlen(name), i;

	if (len < 9 || strcmp(name + len - 4, ".sql") != 0 || name[3] != '_')
		return false;
	for (i = 0; i < 3; i++)
		if (!isdigit((unsigned char)name[i]))
			return false;
	for (i = 4; i < len - 4; i++)
		if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) ||
		    name[i] == '_'))
			return false;
	return true;
}

static int
migration_cmp(const void *a, const void *b)
{
	return strcmp(((const struct migration *)a)->file, ((const struct migration *)b)->file);
}

/*
 * Lists DIR/<schema>/NNN_*.sql in order, with contents and checksums.
 * Returns 0 with *out and *n set (an absent folder has none), or -1.
 */
static int
list_migrations(const char *dir, const char *schema, struct migration **out, size_t *n)
{
	char		 path[4096], err[4300];
	DIR		*d;
	struct dirent	*de;
	struct migration *m;
	struct buf	 b = BUF_INIT;
	unsigned char	 digest[SHA256_DIGEST_LENGTH];
	size_t		 i, len;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, schema);
	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT)
			return 0;	/* a schema without migrations */
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((m = calloc(MAX_FILES, sizeof(*m))) == NULL) {
		closedir(d);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (!migration_name(de->d_name)) {
			fprintf(stderr, "%s/%s: a migration is named NNN_name.sql "
			    "(lowercase, digits, underscores)\n", path, de->d_name);
			goto fail;
		}
		if (*n == MAX_FILES || (m[*n].file = strdup(de->d_name)) == NULL)
			goto fail;
		memcpy(m[*n].version, de->d_name, 3);
		(*n)++;
	}
	closedir(d);
	d = NULL;
	qsort(m, *n, sizeof(*m), migration_cmp);
	for (i = 0; i < *n; i++) {
		if (i > 0 && strcmp(m[i].version, m[i - 1].version) == 0) {
			fprintf(stderr, "%s: %s and %s share a number\n", path, m[i - 1].file,
			    m[i].file);
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/%s/%s", dir, schema, m[i].file);
		buf_reset(&b);
		if (buf_read_file(&b, path, 64 * 1024 * 1024, err, sizeof(err)) == -1) {
			fprintf(stderr, "%s\n", err);
			goto fail;
		}
		SHA256((const unsigned char *)buf_str(&b), b.len, digest);
		hex_encode(digest, sizeof(digest), m[i].sha256);
		if ((m[i].sql = strdup(buf_str(&b))) == NULL)
			goto fail;
	}
	buf_free(&b);
	*out = m;
	return 0;
fail:
	if (d != NULL)
		closedir(d);
	buf_free(&b);
	free_migrations(m, *n);
	*out = NULL;
	*n = 0;
	return -1;
}

/* Runs a command without parameters. Returns 0, or -1 with the error printed. */
static int
run(PGconn *conn, const char *what, const char *sql)
{
	PGresult	*res = PQexec(conn, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
			    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "%s: %s", what, PQresultErrorMessage(res));
	PQclear(res);
	return ok ? 0 : -1;
}

/*
 * As a superuser: creates role quire_<schema> (LOGIN) and schema <schema>
 * owned by it, closed to everyone else. Returns 0 or -1.
 */
static int
create_role(PGconn *conn, const char *schema)
{
	const char	*params[1];
	char		 role[32], sql[512];
	PGresult	*res;
	bool		 exists;

	/* schema is one of all_schemas: a fixed identifier, not input. */
	snprintf(role, sizeof(role), "quire_%s", schema);
	params[0] = role;
	res = PQexecParams(conn, "SELECT 1 FROM pg_roles WHERE rolname = $1", 1, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "%s: %s", role, PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	exists = PQntuples(res) > 0;
	PQclear(res);
	if (!exists) {
		snprintf(sql, sizeof(sql), "CREATE ROLE %s LOGIN", role);
		if (run(conn, role, sql) == -1)
			return -1;
		printf("%s: role created\n", role);
	}
	snprintf(sql, sizeof(sql),
	    "CREATE SCHEMA IF NOT EXISTS %s AUTHORIZATION %s;"
	    "ALTER SCHEMA %s OWNER TO %s;"
	    "REVOKE ALL ON SCHEMA %s FROM PUBLIC;"
	    "ALTER ROLE %s SET search_path = %s;"
	    "REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
	    "DO $$ BEGIN EXECUTE format('REVOKE ALL ON DATABASE %%I FROM PUBLIC', "
	    "current_database()); EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %%I TO %s', "
	    "current_database()); END $$",
	    schema, role, schema, role, schema, role, schema, role);
	return run(conn, schema, sql);
}

/*
 * Applies the pending migrations of one schema on conn, which acts as the
 * schema's role (connected as it, or SET ROLE to it). Returns 0, or -1 with
 * the reason printed (nothing of a failed file stays).
 */
static int
migrate_schema(PGconn *conn, const char *dir, const char *schema, bool status_only)
{
	struct migration *m = NULL;
	size_t		 n = 0, i;
	PGresult	*res = NULL;
	const char	*params[3];
	char		 sql[512];
	int		 rc = -1, row, applied = 0;

	if (list_migrations(dir, schema, &m, &n) == -1)
		return -1;
	/* One migrator at a time, whatever the schema. */
	snprintf(sql, sizeof(sql), "SELECT pg_advisory_lock(hashtext('quire-migrate'));"
	    "CREATE TABLE IF NOT EXISTS %s.schema_migrations (version text PRIMARY KEY, "
	    "name text NOT NULL, sha256 text NOT NULL, "
	    "applied_at timestamptz NOT NULL DEFAULT now())", schema);
	if (run(conn, schema, sql) == -1)
		goto out;
	snprintf(sql, sizeof(sql), "SELECT version, name, sha256 FROM %s.schema_migrations "
	    "ORDER BY version", schema);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "%s: %s", schema, PQresultErrorMessage(res));
		goto out;
	}
	/* Everything applied must still be there, unchanged. */
	for (row = 0; row < PQntuples(res); row++) {
		for (i = 0; i < n; i++)
			if (strcmp(m[i].version, PQgetvalue(res, row, 0)) == 0)
				break;
		if (i == n) {
			fprintf(stderr, "%s: migration %s (%s) was applied but is not in %s/%s; "
			    "is this an older version of Quire?\n", schema, PQgetvalue(res, row, 0),
			    PQgetvalue(res, row, 1), dir, schema);
			goto out;
		}
		if (strcmp(m[i].sha256, PQgetvalue(res, row, 2)) != 0) {
			fprintf(stderr, "%s: %s/%s/%s changed after it was applied (sha256 %s, "
			    "now %s); never edit an applied migration, add a new one\n", schema,
			    dir, schema, m[i].file, PQgetvalue(res, row, 2), m[i].sha256);
			goto out;
		}
		free(m[i].sql);
		m[i].sql = NULL;	/* marks it applied */
	}
	for (i = 0; i < n; i++) {
		if (m[i].sql == NULL) {
			if (status_only)
				printf("%s: %s applied\n", schema, m[i].file);
			continue;
		}
		if (status_only) {
			printf("%s: %s pending\n", schema, m[i].file);
			continue;
		}
		snprintf(sql, sizeof(sql), "BEGIN; SET LOCAL search_path = %s", schema);
		if (run(conn, schema, sql) == -1)
			goto out;
		if (run(conn, m[i].file, m[i].sql) == -1 ||
		    PQtransactionStatus(conn) != PQTRANS_INTRANS) {
			if (PQtransactionStatus(conn) == PQTRANS_IDLE)
				fprintf(stderr, "%s: %s ended the transaction itself; a migration "
				    "holds no BEGIN or COMMIT\n", schema, m[i].file);
			run(conn, schema, "ROLLBACK");
			fprintf(stderr, "%s: %s failed; nothing of it was applied\n", schema,
			    m[i].file);
			goto out;
		}
		params[0] = m[i].version;
		params[1] = m[i].file;
		params[2] = m[i].sha256;
		snprintf(sql, sizeof(sql), "INSERT INTO %s.schema_migrations (version, name, "
		    "sha256) VALUES ($1, $2, $3)", schema);
		PQclear(res);
		res = PQexecParams(conn, sql, 3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_COMMAND_OK || run(conn, schema, "COMMIT") == -1) {
			fprintf(stderr, "%s: cannot record %s: %s", schema, m[i].file,
			    PQresultErrorMessage(res));
			run(conn, schema, "ROLLBACK");
			goto out;
		}
		printf("%s: %s applied\n", schema, m[i].file);
		applied++;
	}
	if (!status_only && applied == 0)
		printf("%s: up to date (%zu migration%s)\n", schema, n, n == 1 ? "" : "s");
	rc = 0;
out:
	PQclear(res);
	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		PQclear(PQexec(conn, "SELECT pg_advisory_unlock(hashtext('quire-migrate'))"));
	free_migrations(m, n);
	return rc;
}

/*
 * Connects with dsn (a connection string or URI), to database when it is not
 * NULL whatever dsn says: to the primary when dsn lists several hosts (a
 * standby among them), unless dsn says otherwise. Returns the connection,
 * or NULL with the reason printed.
 */
static PGconn *
connect_to(const char *what, const char *dsn, const char *database)
{
	/* The first dbname is expanded as a connection string; a later one overrides it. */
	const char *const keys[] = { "target_session_attrs", "dbname",
	    database != NULL ? "dbname" : NULL, NULL };
	const char *const values[] = { "read-write", dsn, database, NULL };
	PGconn	*conn = PQconnectdbParams(keys, values, 1);

	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "quire-migrate: %s: cannot connect: %s", what, PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQclear(PQexec(conn, "SET client_min_messages = warning"));
	return conn;
}

/*
 * As a superuser (admin_dsn): creates database unless it exists, connected to
 * the maintenance database postgres. Returns 0, or -1 with the reason printed.
 */
static int
create_database(const char *admin_dsn, const char *database)
{
	const char	*params[] = { database };
	PGconn		*conn;
	PGresult	*res;
	char		*ident = NULL, sql[512];
	int		 rc = -1;

	if ((conn = connect_to("--create-database", admin_dsn, "postgres")) == NULL)
		return -1;
	res = PQexecParams(conn, "SELECT 1 FROM pg_database WHERE datname = $1", 1, NULL,
	    params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "%s: %s", database, PQresultErrorMessage(res));
		goto out;
	}
	if (PQntuples(res) > 0) {
		rc = 0;
		goto out;
	}
	if ((ident = PQescapeIdentifier(conn, database, strlen(database))) == NULL ||
	    (size_t)snprintf(sql, sizeof(sql), "CREATE DATABASE %s", ident) >= sizeof(sql)) {
		fprintf(stderr, "%s: cannot quote the database name\n", database);
		goto out;
	}
	if ((rc = run(conn, database, sql)) == 0)
		printf("%s: database created\n", database);
out:
	PQfreemem(ident);
	PQclear(res);
	PQfinish(conn);
	return rc;
}

/*
 * Migrates schema: over the superuser connection admin acting as the schema's
 * role (SET ROLE), or, when admin is NULL, over a connection of its own made
 * with its database setting. Returns 0 or -1.
 */
static int
migrate(struct cfg *cfg, PGconn *admin, const char *dir, const char *schema, bool status_only)
{
	PGconn		*conn = admin;
	const char	*dsn;
	char		 sql[64];
	int		 rc;

	if (admin == NULL) {
		if ((dsn = cfg_get(cfg, schema, "database")) == NULL) {
			fprintf(stderr, "quire-migrate: no database setting for [%s]\n", schema);
			return -1;
		}
		if ((conn = connect_to(schema, dsn, NULL)) == NULL)
			return -1;
	} else {
		/* schema is one of all_schemas: a fixed identifier, not input. */
		snprintf(sql, sizeof(sql), "SET ROLE quire_%s", schema);
		if (run(conn, schema, sql) == -1)
			return -1;
	}
	rc = migrate_schema(conn, dir, schema, status_only);
	if (admin == NULL)
		PQfinish(conn);
	else
		run(conn, schema, "RESET ROLE");
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: quire-migrate [--config FILE] [--sql-dir DIR] [--status]\n"
	    "                     [--admin-dsn DSN] [--database NAME [--create-database]]\n"
	    "                     [--create-roles] [SCHEMA ...]\n"
	    "SCHEMA is auth, post or media (default: all three). The superuser's\n"
	    "connection string is better given as QUIRE_ADMIN_DSN in the environment:\n"
	    "a command line is visible to every user of the machine.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sql-dir", required_argument, NULL, 'd' },
		{ "status", no_argument, NULL, 's' },
		{ "create-roles", no_argument, NULL, 'r' },
		{ "admin-dsn", required_argument, NULL, 'a' },
		{ "database", required_argument, NULL, 'b' },
		{ "create-database", no_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*config = NULL, *dir = DEFAULT_SQL_DIR, *admin = NULL, *env;
	const char	*database = NULL, *schemas[3];
	bool		 status_only = false, create_roles = false, create_db = false;
	struct cfg	*cfg = NULL;
	PGconn		*conn;
	char		 err[1024];
	size_t		 i, j, ns = 0;
	int		 ch, rc = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': config = optarg; break;
		case 'd': dir = optarg; break;
		case 's': status_only = true; break;
		case 'r': create_roles = true; break;
		case 'a': admin = optarg; break;
		case 'b': database = optarg; break;
		case 'B': create_db = true; break;
		default:
			usage();
			return ch == 'h' ? 0 : 2;
		}
	}
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		for (j = 0; j < 3; j++)
			if (strcmp(argv[i], all_schemas[j]) == 0)
				break;
		if (j == 3 || ns == 3) {
			fprintf(stderr, "quire-migrate: unknown schema %s\n", argv[i]);
			return 2;
		}
		schemas[ns++] = all_schemas[j];
	}
	if (ns == 0)
		for (; ns < 3; ns++)
			schemas[ns] = all_schemas[ns];
	/* Set, even empty (libpq's defaults: the local server), it names the superuser. */
	if (admin == NULL)
		admin = getenv("QUIRE_ADMIN_DSN");
	if ((create_roles || database != NULL) && admin == NULL) {
		fprintf(stderr, "quire-migrate: --create-roles and --database need a superuser "
		    "connection string (QUIRE_ADMIN_DSN or --admin-dsn)\n");
		return 2;
	}
	if (create_db && database == NULL) {
		fprintf(stderr, "quire-migrate: --create-database needs --database\n");
		return 2;
	}
	if (config == NULL && (env = getenv("QUIRE_CONFIG")) != NULL && *env != '\0')
		config = env;
	/* With a superuser connection, the programs' settings are not needed. */
	if (admin == NULL &&
	    (cfg = cfg_load(config != NULL ? config : DEFAULT_CONFIG, err, sizeof(err))) == NULL) {
		fprintf(stderr, "quire-migrate: %s\n", err);
		return 1;
	}
	conn = NULL;
	if (create_db && create_database(admin, database) == -1)
		return 1;
	if (admin != NULL && (conn = connect_to("the superuser", admin, database)) == NULL)
		rc = 1;
	for (i = 0; i < ns && rc == 0 && create_roles; i++)
		if (create_role(conn, schemas[i]) == -1)
			rc = 1;
	for (i = 0; i < ns && rc == 0; i++)
		if (migrate(cfg, conn, dir, schemas[i], status_only) == -1)
			rc = 1;
	PQfinish(conn);
	cfg_free(cfg);
	return rc;
}
