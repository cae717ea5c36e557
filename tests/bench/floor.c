/*
 * quire-bench-floor: the floor any dynamic read pays, for `make bench`. A
 * FastCGI program spawned by lighttpd like Quire's, holding one PostgreSQL
 * connection, that answers GET /floor?id=N with one prepared primary-key
 * query and the bytes it returns, and nothing else: no routing, no
 * token, no log line.
 *
 * The connection string comes from $QUIRE_FLOOR_DSN; the table is
 * bench.floor (id integer primary key, doc text), made by the bench driver.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

/* Connects and prepares the query. Returns the connection, or NULL. */
static PGconn *
floor_connect(void)
{
	const char	*dsn = getenv("QUIRE_FLOOR_DSN");
	PGconn		*c;
	PGresult	*res;

	c = PQconnectdb(dsn != NULL ? dsn : "");
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	res = PQprepare(c, "doc", "SELECT doc FROM bench.floor WHERE id = $1", 1, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		fprintf(stderr, "floor: %s", PQresultErrorMessage(res));
		PQclear(res);
		PQfinish(c);
		return NULL;
	}
	PQclear(res);
	return c;
}

/* Answers one request on out: 200 with the document, or 404/503. */
static void
answer(PGconn **conn, FCGX_ParamArray env, FCGX_Stream *out)
{
	const char	*q = FCGX_GetParam("QUERY_STRING", env), *params[1];
	PGresult	*res;

	if (*conn == NULL && (*conn = floor_connect()) == NULL) {
		FCGX_PutS("Status: 503 Service Unavailable\r\n\r\n", out);
		return;
	}
	params[0] = q != NULL && strncmp(q, "id=", 3) == 0 ? q + 3 : "0";
	res = PQexecPrepared(*conn, "doc", 1, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		FCGX_FPrintF(out, "Status: 200 OK\r\nContent-Type: application/json\r\n"
		    "Content-Length: %d\r\n\r\n", PQgetlength(res, 0, 0));
		FCGX_PutStr(PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0), out);
	} else
		FCGX_PutS("Status: 404 Not Found\r\n\r\n", out);
	PQclear(res);
}

int
main(void)
{
	FCGX_Request	 r;
	PGconn		*conn = NULL;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		answer(&conn, r.envp, r.out);
		FCGX_Finish_r(&r);
	}
	PQfinish(conn);
	return 0;
}
