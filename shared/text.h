/* text: numbers read from text, control characters, UTF-8. */
#ifndef QUIRE_TEXT_H
#define QUIRE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parses a whole string as a base-10 integer within [min, max].
 * Returns 0 and sets *out, or -1 (empty, trailing junk, out of range).
 */
int	text_parse_int(const char *s, long long min, long long max, long long *out);

/*
 * Returns whether s[0..len) holds a control character (C0 or DEL); tab, LF
 * and CR do not count when multiline.
 */
bool	text_has_control(const char *s, size_t len, bool multiline);

/* Returns whether s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool	utf8_valid(const char *s, size_t len);
/* Returns the number of characters (code points) of valid UTF-8 s[0..len). */
size_t	utf8_count(const char *s, size_t len);
/* Returns the number of characters (code points) of a valid UTF-8 string. */
size_t	utf8_length(const char *s);

#endif
