/*
 * db: one persistent PostgreSQL connection per process, with every statement
 * of the program prepared once per connection.
 *
 * The connection is opened on first use and re-opened (and everything
 * re-prepared) after PostgreSQL restarts. While the server is unreachable
 * every call returns DB_UNAVAILABLE at once (connection attempts are spaced
 * by a second), which the programs answer with 503 and Retry-After.
 *
 * A handle either writes (the primary: target_session_attrs=read-write, so
 * that a connection string listing several hosts finds whichever is the
 * primary now, the new one after a failover) or only reads (a hot standby
 * preferred: target_session_attrs=prefer-standby, every transaction read
 * only, so that a write sent there by mistake fails instead of landing on
 * a primary it fell back to). The connection string may set
 * target_session_attrs itself.
 */
#ifndef QUIRE_DB_H
#define QUIRE_DB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/* One statement of a program, prepared under its name on every connection. */
struct db_stmt {
	const char	*name;
	const char	*sql;
	int		 nparams;
	bool		 retry;	/* safe to run again after a lost connection (reads) */
	bool		 binary;	/* results in binary format (bytea as raw bytes) */
};

enum db_status {
	DB_OK,
	DB_UNAVAILABLE,	/* no connection, or the statement timed out: 503 */
	DB_UNIQUE,	/* a unique constraint refused the row */
	DB_CONSTRAINT,	/* another integrity constraint refused it */
	DB_ERROR	/* anything else: a bug, logged */
};

/* What a handle's connection is for. */
enum db_target {
	DB_PRIMARY,	/* reads and writes: the primary */
	DB_STANDBY	/* reads only: a standby if one answers, else the primary */
};

struct db;

/*
 * Returns a handle that will connect with conninfo (a libpq connection
 * string) on first use, for target; stmts is borrowed and must outlive the
 * handle. connect_timeout is in seconds, statement_timeout in milliseconds
 * (0: none). Returns NULL when memory runs out.
 */
struct db	*db_new(const char *conninfo, enum db_target target, const char *application_name,
		    const struct db_stmt *stmts, size_t nstmts, long long connect_timeout,
		    long long statement_timeout);
void		 db_free(struct db *);

/*
 * Runs prepared statement number stmt with nparams text parameters (NULL
 * values are SQL NULL). lengths and formats may be NULL (all text), or give
 * binary parameters. On DB_OK, *res holds the result for the caller to
 * PQclear (res may be NULL to discard it); otherwise *res is NULL.
 */
enum db_status	 db_exec(struct db *, size_t stmt, int nparams, const char *const *values,
		    const int *lengths, const int *formats, PGresult **res);

/* db_exec with text parameters given inline: DB_QUERY(db, STMT_X, &res, a, b). */
#define DB_QUERY(db, stmt, res, ...)						\
	db_exec((db), (stmt),							\
	    (int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(const char *)),	\
	    (const char *const[]){ __VA_ARGS__ }, NULL, NULL, (res))

/* Runs stmt without parameters. */
enum db_status	 db_exec0(struct db *, size_t stmt, PGresult **res);

/* Opens, commits or rolls back a transaction. Returns DB_OK or another status. */
enum db_status	 db_begin(struct db *);
enum db_status	 db_commit(struct db *);
void		 db_rollback(struct db *);

/* Checks that the server answers. Returns DB_OK or DB_UNAVAILABLE. */
enum db_status	 db_ping(struct db *);

/*
 * Sets the function called after every successful connection (the first
 * one and each reconnection), once every statement is prepared, with the
 * new connection: what a session holds beyond its prepared statements
 * (LISTEN) is lost with the connection and set up again there. It returns
 * 0, or -1 to fail the connection (tried again like any failed one). One
 * hook per handle; NULL removes it.
 */
void		 db_on_connect(struct db *, int (*fn)(void *arg, PGconn *conn), void *arg);

/*
 * Returns the connection when one is open and not known to be broken
 * (borrowed: for reading notifications), else NULL. No system call.
 */
PGconn		*db_conn(struct db *);

/* Returns the last error message (borrowed; "" when none). */
const char	*db_last_error(const struct db *);

#endif
