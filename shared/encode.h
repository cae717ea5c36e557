/* encode: base64url, hex, percent-escapes and UUIDs, both ways. */
#ifndef QUIRE_ENCODE_H
#define QUIRE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_LEN 36	/* textual form, without the NUL */

/*
 * Writes the unpadded base64url form of in[0..len) to out, which must hold
 * b64url_encoded_len(len) + 1 bytes. Returns the length written.
 */
size_t	b64url_encode(const unsigned char *in, size_t len, char *out);
size_t	b64url_encoded_len(size_t len);
/*
 * Decodes unpadded base64url into out (room for len * 3 / 4 bytes).
 * Returns the decoded length, or -1 on a character outside the alphabet,
 * padding, or an impossible length.
 */
long	b64url_decode(const char *in, size_t len, unsigned char *out);

/* Writes 2 * len lowercase hex digits and a NUL to out. */
void	hex_encode(const unsigned char *in, size_t len, char *out);

/*
 * Decodes %XX escapes (and '+' as space when plus_is_space) from in[0..len)
 * into out (room for len + 1). Returns the decoded length, or -1 on a bad
 * escape or an encoded NUL.
 */
long	percent_decode(const char *in, size_t len, char *out, bool plus_is_space);

/* Returns whether s is a canonical lowercase-or-uppercase hyphenated UUID. */
bool	uuid_valid(const char *s);
/* Reads the 16 bytes of a UUID (either case). Returns 0, or -1 when s is not one. */
int	uuid_parse(const char *s, unsigned char out[16]);

#endif
