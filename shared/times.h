/* times: RFC 3339 and HTTP dates, written and read; the monotonic clock. */
#ifndef QUIRE_TIMES_H
#define QUIRE_TIMES_H

#include <stdint.h>
#include <time.h>

/*
 * Formats t as RFC 3339 UTC with seconds ("2026-11-26T06:14:52Z") into
 * out[21]; a time outside years 1 to 9999 (which time_parse_rfc3339 never gives)
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
int	time_parse_rfc3339(const char *s, time_t *out);

/* Microseconds from a monotonic clock. */
int64_t	time_mono_usec(void);

#endif
