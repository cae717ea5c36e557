/* times: RFC 3339 and HTTP dates, written and read; the monotonic clock. */
#include "times.h"

#include <stdio.h>
#include <string.h>

void
time_rfc3339(time_t t, char out[21])
{
	struct tm tm;

	/*
	 * RFC 3339 years are four digits: %Y would write 999, so the fields are
	 * written with widths. Years outside 1 to 9999 do not fit: the epoch is
	 * written instead of a cut-off string.
	 */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 1 - 1900 || tm.tm_year > 9999 - 1900 ||
	    snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != 20)
		strcpy(out, "1970-01-01T00:00:00Z");
}

void
time_http(time_t t, char out[30])
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	/*
	 * Day and month names are fixed by RFC 9110, whatever the locale; the
	 * year has four digits, also before 1000 (%Y would not pad it). Years
	 * outside 1 to 9999 do not fit: the epoch is written, as by
	 * time_rfc3339().
	 */
	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < 1 - 1900 || tm.tm_year > 9999 - 1900 ||
	    snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec) != 29)
		strcpy(out, "Thu, 01 Jan 1970 00:00:00 GMT");
}

/* Reads n digits at s into *out. Returns 0 or -1. */
static int
digits(const char *s, int n, int *out)
{
	int	 i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
time_parse_rfc3339(const char *s, time_t *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm	 tm;
	int		 y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char	*p;
	time_t		 t;

	if (strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
		sign = 0;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && !digits(p + 1, 2, &oh) &&
	    p[3] == ':' && !digits(p + 4, 2, &om) && oh < 24 && om < 60)
		sign = *p == '+' ? 1 : -1;
	else
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 60 || (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec == 60 ? 59 : sec;	/* a leap second counts as the one before */
	t = timegm(&tm) - sign * (oh * 3600 + om * 60);
	/* An offset may carry it out of 0001-01-01T00:00:00Z…9999-12-31T23:59:59Z. */
	if (t < -62135596800LL || t > 253402300799LL)
		return -1;
	*out = t;
	return 0;
}

int64_t
time_mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
