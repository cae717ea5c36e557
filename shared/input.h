/*
 * input: what a check of client input found wrong. A check fills a struct
 * input_error and returns -1; the handler answers with it
 * (resp_error(r, e.code, "%s", e.msg)), so checks need no request and can be
 * tested, and used by the command line, on their own.
 */
#ifndef QUIRE_INPUT_H
#define QUIRE_INPUT_H

#include "errors.h"

struct input_error {
	enum err	 code;
	char		 msg[200];
};

/* Sets e's code and its message (truncated to fit), and returns -1. */
int	 input_fail(struct input_error *e, enum err code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
