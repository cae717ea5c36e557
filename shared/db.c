#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "times.h"

#define DB_RETRY_USEC	1000000	/* at most one connection attempt a second */

struct db {
	char			*conninfo;
	char			*application_name;
	char			 connect_timeout[24];
	const char		*session_attrs;	/* target_session_attrs by default */
	char			 options[160];
	const struct db_stmt	*stmts;
	size_t			 nstmts;
	PGconn			*conn;
	bool			 in_tx;
	int64_t			 next_attempt;
	char			 error[256];
	int			(*on_connect)(void *, PGconn *);
	void			*on_connect_arg;
};

struct db *
db_new(const char *conninfo, enum db_target target, const char *application_name,
    const struct db_stmt *stmts, size_t nstmts, long long connect_timeout,
    long long statement_timeout)
{
	const char	*read_only = "";

	struct db *db;

	if ((db = calloc(1, sizeof(*db))) == NULL)
		return NULL;
	if ((db->conninfo = strdup(conninfo)) == NULL ||
	    (db->application_name = strdup(application_name)) == NULL) {
		db_free(db);
		return NULL;
	}
	snprintf(db->connect_timeout, sizeof(db->connect_timeout), "%lld", connect_timeout);
	switch (target) {
	case DB_PRIMARY:
		db->session_attrs = "read-write";
		break;
	case DB_STANDBY:
		db->session_attrs = "prefer-standby";
		read_only = " -c default_transaction_read_only=on";
		break;
	}
	/*
	 * Notices (a search of stop words only, say) would break the one-line
	 * log. JIT off: PostgreSQL compiles a plan whose estimated cost passes
	 * jit_above_cost, and a generic plan over the one-row settings tables
	 * (never analyzed) is estimated that high: 300 ms of compiling for a
	 * query that runs in 30 us, on every search and list page.
	 */
	snprintf(db->options, sizeof(db->options),
	    "-c statement_timeout=%lld -c client_min_messages=warning -c jit=off%s",
	    statement_timeout, read_only);
	db->stmts = stmts;
	db->nstmts = nstmts;
	return db;
}

void
db_free(struct db *db)
{
	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn);
	free(db->conninfo);
	free(db->application_name);
	free(db);
}

void
db_on_connect(struct db *db, int (*fn)(void *, PGconn *), void *arg)
{
	db->on_connect = fn;
	db->on_connect_arg = arg;
}

PGconn *
db_conn(struct db *db)
{
	return db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK ? db->conn : NULL;
}

const char *
db_last_error(const struct db *db)
{
	return db->error;
}

/* Records libpq's message for this connection or result, without its newline. */
static void
set_error(struct db *db, const char *msg)
{
	size_t	 n;

	snprintf(db->error, sizeof(db->error), "%s", msg != NULL ? msg : "");
	n = strlen(db->error);
	while (n > 0 && (db->error[n - 1] == '\n' || db->error[n - 1] == ' '))
		db->error[--n] = '\0';
}

/*
 * libpq's notice processor: a message the server sends outside a query (the
 * FATAL of a shutdown, read while waiting for notifications) goes to the
 * log as one line.
 */
static void
log_notice(void *arg, const char *message)
{
	size_t	 n = strcspn(message, "\n");

	(void)arg;
	log_msg("the database says: %.*s", (int)n, message);
}

/*
 * Opens a connection, prepares every statement and runs the on_connect hook.
 * Returns 0, or -1 (the error is recorded, and no new attempt is made for
 * DB_RETRY_USEC).
 */
static int
db_connect(struct db *db)
{
	/* The conninfo comes after the defaults, so it may override them. */
	const char *const keys[] = { "connect_timeout", "application_name", "options",
	    "target_session_attrs", "dbname", NULL };
	const char *const values[] = { db->connect_timeout, db->application_name,
	    db->options, db->session_attrs, db->conninfo, NULL };
	PGresult *res;
	size_t	 i;

	if (db->conn != NULL)
		PQfinish(db->conn);
	db->in_tx = false;
	db->conn = PQconnectdbParams(keys, values, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		set_error(db, db->conn != NULL ? PQerrorMessage(db->conn) : "out of memory");
		goto fail;
	}
	for (i = 0; i < db->nstmts; i++) {
		res = PQprepare(db->conn, db->stmts[i].name, db->stmts[i].sql,
		    db->stmts[i].nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			set_error(db, PQresultErrorMessage(res));
			log_msg("cannot prepare %s: %s", db->stmts[i].name, db->error);
			PQclear(res);
			goto fail;
		}
		PQclear(res);
	}
	PQsetNoticeProcessor(db->conn, log_notice, NULL);
	if (db->on_connect != NULL && db->on_connect(db->on_connect_arg, db->conn) == -1) {
		set_error(db, PQerrorMessage(db->conn));
		goto fail;
	}
	return 0;
fail:
	if (db->conn != NULL) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
	db->next_attempt = time_mono_usec() + DB_RETRY_USEC;
	return -1;
}

/* Makes sure a connection is open. Returns 0 or -1. */
static int
db_ensure(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (db->in_tx || time_mono_usec() < db->next_attempt) {
		snprintf(db->error, sizeof(db->error), "no database connection");
		return -1;
	}
	return db_connect(db);
}

/* Maps a failed result to a status, recording the error. */
static enum db_status
classify(struct db *db, PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	set_error(db, PQresultErrorMessage(res));
	if (PQstatus(db->conn) != CONNECTION_OK || state == NULL)
		return DB_UNAVAILABLE;
	if (strcmp(state, "23505") == 0)
		return DB_UNIQUE;
	if (strncmp(state, "23", 2) == 0)
		return DB_CONSTRAINT;
	/* query_canceled (statement_timeout), serialization, deadlock, shutdown. */
	if (strcmp(state, "57014") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0 || strncmp(state, "57P", 3) == 0 ||
	    strncmp(state, "08", 2) == 0)
		return DB_UNAVAILABLE;
	return DB_ERROR;
}

/* Returns whether res failed because the prepared statement is gone (26000). */
static bool
statement_lost(PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state != NULL && strcmp(state, "26000") == 0;
}

enum db_status
db_exec(struct db *db, size_t stmt, int nparams, const char *const *values,
    const int *lengths, const int *formats, PGresult **out)
{
	PGresult	*res;
	ExecStatusType	 st;
	enum db_status	 status;
	int		 attempt;

	if (out != NULL)
		*out = NULL;
	if (stmt >= db->nstmts || nparams != db->stmts[stmt].nparams) {
		log_msg("bug: statement %zu called with %d parameters", stmt, nparams);
		return DB_ERROR;
	}
	for (attempt = 0; attempt < 2; attempt++) {
		if (db_ensure(db) == -1)
			return DB_UNAVAILABLE;
		res = PQexecPrepared(db->conn, db->stmts[stmt].name, nparams, values, lengths,
		    formats, db->stmts[stmt].binary ? 1 : 0);
		st = PQresultStatus(res);
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			if (out != NULL)
				*out = res;
			else
				PQclear(res);
			return DB_OK;
		}
		status = classify(db, res);
		/* Re-prepare and retry when the statement vanished or the server restarted. */
		if (!db->in_tx && (statement_lost(res) ||
		    (status == DB_UNAVAILABLE && PQstatus(db->conn) != CONNECTION_OK &&
		    db->stmts[stmt].retry))) {
			PQclear(res);
			PQfinish(db->conn);
			db->conn = NULL;
			continue;
		}
		PQclear(res);
		if (status == DB_ERROR)
			log_msg("%s: %s", db->stmts[stmt].name, db->error);
		return status;
	}
	return DB_UNAVAILABLE;
}

enum db_status
db_exec0(struct db *db, size_t stmt, PGresult **res)
{
	return db_exec(db, stmt, 0, NULL, NULL, NULL, res);
}

/* Runs a fixed command (no parameters) outside the prepared set. */
static enum db_status
db_command(struct db *db, const char *sql)
{
	PGresult	*res;
	enum db_status	 status = DB_OK;

	if (db_ensure(db) == -1)
		return DB_UNAVAILABLE;
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		status = classify(db, res);
	PQclear(res);
	return status;
}

enum db_status
db_begin(struct db *db)
{
	enum db_status status = db_command(db, "BEGIN");

	db->in_tx = status == DB_OK;
	return status;
}

enum db_status
db_commit(struct db *db)
{
	PGresult	*res;
	enum db_status	 status = DB_OK;

	if (db_ensure(db) == -1) {
		db->in_tx = false;
		return DB_UNAVAILABLE;
	}
	res = PQexec(db->conn, "COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		status = classify(db, res);
	else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		/* COMMIT of a transaction that failed answers ROLLBACK: nothing was kept. */
		set_error(db, "the transaction was rolled back");
		log_msg("bug: COMMIT rolled back a failed transaction");
		status = DB_ERROR;
	}
	PQclear(res);
	db->in_tx = false;
	return status;
}

void
db_rollback(struct db *db)
{
	if (db->conn != NULL && PQstatus(db->conn) == CONNECTION_OK &&
	    PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
	db->in_tx = false;
}

enum db_status
db_ping(struct db *db)
{
	if (db_command(db, "SELECT 1") == DB_OK)
		return DB_OK;
	/* A connection lost to a server restart gets one fresh attempt. */
	if (!db->in_tx && db->conn != NULL && PQstatus(db->conn) != CONNECTION_OK) {
		PQfinish(db->conn);
		db->conn = NULL;
		if (db_command(db, "SELECT 1") == DB_OK)
			return DB_OK;
	}
	return DB_UNAVAILABLE;
}
