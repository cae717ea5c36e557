/*
 * Escaping for each context of an HTML page (see esc.h). Every function
 * walks the text by code point, so a multi-byte character is never cut and
 * ill-formed UTF-8 cannot slip through as something else.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "esc.h"
#include "nitems.h"

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD in UTF-8 */

/*
 * What a code point becomes in one context: NULL to keep it, else the
 * replacement (a literal, or written into tmp).
 */
typedef const char *(*esc_rep_fn)(uint32_t cp, char tmp[32]);

size_t
esc_utf8_next(const char *p, size_t n, uint32_t *cp)
{
	const unsigned char	*s = (const unsigned char *)p;
	uint32_t		 c;
	size_t			 len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Returns whether cp is a Unicode noncharacter. */
static bool
noncharacter(uint32_t cp)
{
	return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

/* Writes the UTF-8 form of cp into out[4]. Returns its length. */
static size_t
utf8_put(uint32_t cp, unsigned char out[4])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | cp >> 6);
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | cp >> 12);
		out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | cp >> 18);
	out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Writes %XX for each UTF-8 byte of cp into tmp. Returns tmp. */
static const char *
percent(uint32_t cp, char tmp[32])
{
	unsigned char	 u[4];
	size_t		 n = utf8_put(cp, u), i;

	for (i = 0; i < n; i++)
		snprintf(tmp + 3 * i, 4, "%%%02X", u[i]);
	return tmp;
}

/*
 * Appends s[0..len) to b with each code point replaced as rep says;
 * ill-formed bytes are taken as U+FFFD. Returns 0 or -1.
 */
static int
esc_walk(struct buf *b, const char *s, size_t len, esc_rep_fn rep)
{
	size_t		 i = 0, run = 0, n;
	uint32_t	 cp;
	const char	*r;
	char		 tmp[32];
	bool		 bad;

	while (i < len) {
		n = esc_utf8_next(s + i, len - i, &cp);
		if ((bad = n == 0)) {
			cp = 0xfffd;
			n = 1;
		}
		r = rep(cp, tmp);
		if (r == NULL && !bad) {
			i += n;
			continue;
		}
		if (r == NULL)
			r = REPLACEMENT;
		if (buf_append(b, s + run, i - run) == -1 || buf_puts(b, r) == -1)
			return -1;
		i += n;
		run = i;
	}
	return buf_append(b, s + run, i - run);
}

static const char *
rep_html(uint32_t cp, char tmp[32])
{
	(void)tmp;
	switch (cp) {
	case '&':	return "&amp;";
	case '<':	return "&lt;";
	case '>':	return "&gt;";
	case '"':	return "&quot;";
	case '\'':	return "&#39;";
	case '\t':
	case '\n':
	case '\r':	return NULL;
	}
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || noncharacter(cp))
		return REPLACEMENT;
	return NULL;
}

int
esc_html(struct buf *b, const char *s, size_t len)
{
	return esc_walk(b, s, len, rep_html);
}

/* Returns whether c is an RFC 3986 unreserved character. */
static bool
unreserved(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

static const char *
rep_url_part(uint32_t cp, char tmp[32])
{
	return unreserved(cp) ? NULL : percent(cp, tmp);
}

int
esc_url_part(struct buf *b, const char *s, size_t len)
{
	return esc_walk(b, s, len, rep_url_part);
}

/*
 * What a whole URL keeps: RFC 3986 unreserved and reserved characters but '
 * and &, and '%' (esc_url encodes those that start no %XX).
 */
static const char *
rep_url(uint32_t cp, char tmp[32])
{
	if (unreserved(cp) || (cp < 0x80 && cp != 0 && strchr(":/?#[]@!$()*+,;=%", (int)cp)))
		return NULL;
	if (cp == '&')
		return "&amp;";
	return percent(cp, tmp);
}

/* Returns whether c is a hex digit. */
static bool
hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool
esc_url_allowed(const char *s, size_t len)
{
	static const char *const schemes[] = { "http", "https", "mailto" };
	size_t	 i, k;

	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return true;		/* relative: a scheme starts with a letter */
	for (i = 1; i < len && s[i] != ':'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' || s[i] == '.'))
			return true;	/* a path: no scheme */
	if (i == len)
		return true;
	for (k = 0; k < nitems(schemes); k++)
		if (strlen(schemes[k]) == i && strncasecmp(s, schemes[k], i) == 0)
			return true;
	return false;
}

int
esc_url(struct buf *b, const char *s, size_t len)
{
	size_t	 i, run;

	if (!esc_url_allowed(s, len))
		return buf_puts(b, ESC_URL_BLOCKED);
	/* A '%' that starts a %XX escape stays; any other is encoded. */
	for (i = run = 0; i < len; i++) {
		if (s[i] != '%' || (i + 2 < len && hexdigit(s[i + 1]) && hexdigit(s[i + 2])))
			continue;
		if (esc_walk(b, s + run, i - run, rep_url) == -1 || buf_puts(b, "%25") == -1)
			return -1;
		run = i + 1;
	}
	return esc_walk(b, s + run, len - run, rep_url);
}

/* Returns whether c is HTML whitespace. */
static bool
html_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Returns whether d[0..len) is empty or a srcset descriptor: 640w, 2x, 1.5x. */
static bool
descriptor_ok(const char *d, size_t len)
{
	size_t	 i = 0, digits = 0;
	bool	 dot = false;

	if (len == 0)
		return true;
	for (; i < len - 1; i++) {
		if (d[i] >= '0' && d[i] <= '9')
			digits++;
		else if (d[i] == '.' && !dot && digits > 0)
			dot = true;
		else
			return false;
	}
	return digits > 0 && d[i - 1] != '.' && (d[i] == 'x' || (d[i] == 'w' && !dot));
}

int
esc_srcset(struct buf *b, const char *s, size_t len)
{
	size_t	 i = 0, u0, u1, d0, d1;
	bool	 first = true;

	while (i < len) {
		while (i < len && (html_space(s[i]) || s[i] == ','))
			i++;
		if (i == len)
			break;
		for (u0 = i; i < len && !html_space(s[i]); i++)
			;
		u1 = i;
		d0 = d1 = i;
		if (s[u1 - 1] == ',') {
			while (u1 > u0 && s[u1 - 1] == ',')
				u1--;
		} else {
			while (i < len && html_space(s[i]))
				i++;
			for (d0 = i; i < len && s[i] != ','; i++)
				;
			for (d1 = i; d1 > d0 && html_space(s[d1 - 1]); d1--)
				;
		}
		if (u1 == u0 || !esc_url_allowed(s + u0, u1 - u0) || !descriptor_ok(s + d0, d1 - d0))
			continue;
		if ((!first && buf_puts(b, ", ") == -1) || esc_url(b, s + u0, u1 - u0) == -1 ||
		    (d1 > d0 && (buf_puts(b, " ") == -1 || buf_append(b, s + d0, d1 - d0) == -1)))
			return -1;
		first = false;
	}
	return 0;
}

/* Writes \uXXXX (a surrogate pair past the BMP) for cp into tmp. Returns tmp. */
static const char *
json_u(uint32_t cp, char tmp[32])
{
	if (cp < 0x10000)
		snprintf(tmp, 32, "\\u%04x", (unsigned)cp);
	else
		snprintf(tmp, 32, "\\u%04x\\u%04x", (unsigned)(0xd800 + ((cp - 0x10000) >> 10)),
		    (unsigned)(0xdc00 + ((cp - 0x10000) & 0x3ff)));
	return tmp;
}

static const char *
rep_json(uint32_t cp, char tmp[32])
{
	switch (cp) {
	case '"':	return "\\\"";
	case '\\':	return "\\\\";
	case '\n':	return "\\n";
	case '\r':	return "\\r";
	case '\t':	return "\\t";
	case '<':
	case '>':
	case '&':
	case '\'':
	case 0x2028:
	case 0x2029:	return json_u(cp, tmp);
	}
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || noncharacter(cp))
		return json_u(cp, tmp);
	return NULL;
}

int
esc_json_str(struct buf *b, const char *s, size_t len)
{
	return esc_walk(b, s, len, rep_json);
}
