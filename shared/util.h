/* util: small pure helpers shared by every program (encodings, numbers, ids, time). */
#ifndef QUIRE_UTIL_H
#define QUIRE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

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

/* Fills buf with len bytes from the kernel's CSPRNG. Returns 0 or -1. */
int	random_bytes(void *buf, size_t len);

/*
 * Parses a whole string as a base-10 integer within [min, max].
 * Returns 0 and sets *out, or -1 (empty, trailing junk, out of range).
 */
int	parse_int(const char *s, long long min, long long max, long long *out);

/* Returns whether s is a canonical lowercase-or-uppercase hyphenated UUID. */
bool	uuid_valid(const char *s);
/* Reads the 16 bytes of a UUID (either case). Returns 0, or -1 when s is not one. */
int	uuid_parse(const char *s, unsigned char out[16]);

/*
 * Returns whether s[0..len) holds a control character (C0 or DEL); tab, LF
 * and CR do not count when multiline.
 */
bool	has_control(const char *s, size_t len, bool multiline);

/* Returns whether s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool	utf8_valid(const char *s, size_t len);
/* Returns the number of characters (code points) of valid UTF-8 s[0..len). */
size_t	utf8_count(const char *s, size_t len);
/* Returns the number of characters (code points) of a valid UTF-8 string. */
size_t	utf8_length(const char *s);

/*
 * Formats t as RFC 3339 UTC with seconds ("2026-11-26T06:14:52Z") into
 * out[21]; a time outside years 1 to 9999 (which parse_rfc3339 never gives)
 * comes out as the epoch.
 */
void	time_rfc3339(time_t t, char out[21]);
/*
 * Formats t as an HTTP date ("Thu, 26 Nov 2026 06:14:52 GMT") into out[30];
 * a time outside years 1 to 9999 comes out as the epoch.
 */
void	time_http(time_t t, char out[30]);

/*
 * Parses an RFC 3339 date-time ("2026-11-26T06:14:52Z", "…52.25+01:00";
 * 'T' and 'Z' in either case; fractions dropped). Returns 0 and sets *out,
 * or -1 for anything else, including impossible dates.
 */
int	parse_rfc3339(const char *s, time_t *out);

/* Compares two buffers in time that depends only on len. Returns true if equal. */
bool	ct_equal(const void *a, const void *b, size_t len);

/*
 * Decodes %XX escapes (and '+' as space when plus_is_space) from in[0..len)
 * into out (room for len + 1). Returns the decoded length, or -1 on a bad
 * escape or an encoded NUL.
 */
long	percent_decode(const char *in, size_t len, char *out, bool plus_is_space);

/* Microseconds from a monotonic clock. */
int64_t	mono_usec(void);

#endif
