/*
 * RFC 3339 dates (published_at): parse_rfc3339, and time_rfc3339 and
 * time_http writing the time back. What parses must come back, formatted,
 * as the same instant; a formatted time is always of its fixed shape.
 */
#include <string.h>

#include "fuzz.h"
#include "util.h"

#define T_MIN	-62135596800LL	/* 0001-01-01T00:00:00Z */
#define T_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */

/* Returns whether s is "YYYY-MM-DDTHH:MM:SSZ" digit for digit. */
static bool
rfc3339_shaped(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	size_t	 i;

	if (strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i] != '\0'; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return false;
	return true;
}

/* Checks that t, in range, is written in shape and parses back to itself. */
static void
round_trip(time_t t, const char *from)
{
	char	 out[21], http[30];
	time_t	 back;

	time_rfc3339(t, out);
	FUZZ_ASSERT(rfc3339_shaped(out), "%lld (from \"%s\") is written \"%s\"", (long long)t,
	    from, out);
	FUZZ_ASSERT(parse_rfc3339(out, &back) == 0 && back == t,
	    "%lld (from \"%s\") is written \"%s\", which does not parse back", (long long)t,
	    from, out);
	time_http(t, http);
	FUZZ_ASSERT(strlen(http) == 29 && memcmp(http + 25, " GMT", 4) == 0,
	    "%lld (from \"%s\") is written \"%s\" as an HTTP date", (long long)t, from, http);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s = fuzz_str(data, size);
	time_t		 t;
	int64_t		 raw;

	if (parse_rfc3339(s, &t) == 0) {
		FUZZ_ASSERT(t >= T_MIN && t <= T_MAX, "\"%s\" parses to %lld", s, (long long)t);
		round_trip(t, s);
	}
	/* Any instant of the range, from the input's first bytes. */
	if (size >= sizeof(raw)) {
		memcpy(&raw, data, sizeof(raw));
		round_trip((time_t)(T_MIN + (int64_t)((uint64_t)raw % (uint64_t)(T_MAX - T_MIN + 1))),
		    "raw bytes");
	}
	free(s);
	return 0;
}
