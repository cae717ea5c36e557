/* route: matching a method and path against a program's route table. */
#ifndef QUIRE_ROUTE_H
#define QUIRE_ROUTE_H

#include <stddef.h>

#include "buf.h"
#include "http.h"
#include "tok.h"

/* A request handler: it always leaves a response in the req. */
typedef void (*handler_fn)(struct req *);

/* One route: method and path pattern ("/auth/users/{id}") to a handler. */
struct route {
	const char	*method;	/* "GET" also answers HEAD */
	const char	*pattern;	/* literal segments and {name} segments */
	handler_fn	 handler;
	enum role	 min_role;	/* ROLE_ANON: public */
};

enum route_result {
	ROUTE_FOUND,
	ROUTE_NOT_FOUND,	/* no pattern matches the path: 404 */
	ROUTE_BAD_METHOD	/* a pattern matches, not with this method: 405 */
};

/*
 * Finds the first route of routes[0..n) whose pattern matches path and whose
 * method is method (GET routes also take HEAD). On ROUTE_FOUND sets *found
 * and writes each {name} segment, %-decoded, into scratch (room for
 * strlen(path) + REQ_MAX_PARAMS bytes) with params[i] pointing into it. On
 * ROUTE_BAD_METHOD appends the methods the path takes to allow ("GET, HEAD").
 * A segment that decodes to '/' or NUL, or has a bad escape, matches nothing.
 */
enum route_result route_match(const struct route *routes, size_t n, const char *method,
		    const char *path, const struct route **found, char *scratch,
		    char *params[REQ_MAX_PARAMS], size_t *nparams, struct buf *allow);

#endif
