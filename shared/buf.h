/* buf: a growable byte buffer, always NUL-terminated. */
#ifndef QUIRE_BUF_H
#define QUIRE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;	/* NUL-terminated; NULL until the first append */
	size_t	 len;	/* bytes used, not counting the NUL */
	size_t	 cap;	/* bytes allocated */
};

#define BUF_INIT { NULL, 0, 0 }

/* Appends len bytes. Returns 0, or -1 when memory runs out (buffer unchanged). */
int	buf_append(struct buf *, const void *, size_t);
/* Appends a NUL-terminated string. Returns 0 or -1. */
int	buf_puts(struct buf *, const char *);
/* Appends formatted text. Returns 0 or -1. */
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Empties the buffer, keeping its memory. */
void	buf_reset(struct buf *);
/* Frees the memory; the buffer is empty and reusable afterwards. */
void	buf_free(struct buf *);
/*
 * Appends the whole file at path, refusing files over max bytes. Returns 0,
 * or -1 with a message naming the file in err.
 */
int	buf_read_file(struct buf *, const char *path, size_t max, char *err, size_t errlen);
/* Returns the contents (never NULL: "" when empty), borrowed from the buffer. */
const char *buf_str(const struct buf *);

#endif
