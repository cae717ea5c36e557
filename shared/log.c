#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

static const char *log_program = "quire";

void
log_init(const char *program)
{
	log_program = program;
}

/* Appends s, escaping bytes that would break the line or the key=value format. */
static void
append_clean(struct buf *b, const char *s, size_t max)
{
	size_t	 i;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == ' ' || c == '"' || c == '\\')
			buf_printf(b, "\\x%02x", c);
		else
			buf_append(b, &s[i], 1);
	}
	if (s[i] != '\0')
		buf_puts(b, "...");
}

/* Writes the line in one write(2), so lines of several processes never interleave. */
static void
log_write(struct buf *b)
{
	ssize_t	 n;

	buf_append(b, "\n", 1);
	n = write(STDERR_FILENO, buf_str(b), b->len);
	(void)n;
	buf_free(b);
}

void
log_request(const char *method, const char *path, int status, int64_t usec,
    const char *request_id)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "%s: method=", log_program);
	append_clean(&b, method, 16);
	buf_puts(&b, " path=");
	append_clean(&b, path, 512);
	buf_printf(&b, " status=%d us=%lld request_id=", status, (long long)usec);
	append_clean(&b, request_id, 64);
	log_write(&b);
}

void
log_msg(const char *fmt, ...)
{
	struct buf	 b = BUF_INIT;
	va_list		 ap;

	buf_printf(&b, "%s[%d]: ", log_program, (int)getpid());
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	log_write(&b);
}
