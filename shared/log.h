/* log: one line per request, and messages, on stderr (the web server's error log). */
#ifndef QUIRE_LOG_H
#define QUIRE_LOG_H

#include <stdint.h>

/* Sets the program name that starts every line ("quire-auth"). Borrowed. */
void	log_init(const char *program);

/* Writes one request line: method, path, status, duration in µs, request id. */
void	log_request(const char *method, const char *path, int status, int64_t usec,
	    const char *request_id);

/* Writes a message line. */
void	log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
