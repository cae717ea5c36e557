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

#endif
