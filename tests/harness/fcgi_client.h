/* fcgi_client: a minimal FastCGI client, to drive a program without a web server. */
#ifndef QUIRE_FCGI_CLIENT_H
#define QUIRE_FCGI_CLIENT_H

#include <stddef.h>

#include "buf.h"

/* Connects to the unix socket at path. Returns the descriptor, or -1. */
int	fcgi_connect(const char *path);
/*
 * Starts request 1 on fd as a responder and sends params (a NULL-terminated
 * list of "NAME=value"). Returns 0 or -1.
 */
int	fcgi_begin(int fd, char *const params[]);
/* Sends len bytes of the request body; len 0 ends the body. Returns 0 or -1. */
int	fcgi_stdin(int fd, const void *data, size_t len);
/*
 * Reads the response until the end of the request, appending what the
 * program wrote to stdout to out. Returns 0, or -1 when the connection ends
 * early.
 */
int	fcgi_read_response(int fd, struct buf *out);

/*
 * One whole request on the unix socket at sock: method uri, with
 * "Authorization: Bearer token" when token is not NULL and json as an
 * application/json body when not NULL. Appends the raw CGI response
 * ("Status: …" headers, a blank line, the body) to out. Returns the status,
 * or -1 when no answer came.
 */
long	fcgi_call(const char *sock, const char *method, const char *uri, const char *token,
	    const char *json, struct buf *out);
/* Returns the body of a raw CGI response (borrowed from it; "" when none). */
const char *fcgi_body(const struct buf *response);

#endif
