/* secret: random bytes from the kernel, comparisons that leak no timing. */
#ifndef QUIRE_SECRET_H
#define QUIRE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Fills buf with len bytes from the kernel's CSPRNG. Returns 0 or -1. */
int	secret_random(void *buf, size_t len);

/* Compares two buffers in time that depends only on len. Returns true if equal. */
bool	secret_equal(const void *a, const void *b, size_t len);

#endif
