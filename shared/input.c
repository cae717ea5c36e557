/* input: what a check of client input found wrong. */
#include "input.h"

#include <stdarg.h>
#include <stdio.h>

int
input_fail(struct input_error *e, enum err code, const char *fmt, ...)
{
	va_list	 ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}
