/*
 * The multipart/form-data parser. Every scan is bounded by the end of the
 * body: a truncated body (a lying Content-Length, a killed upload) ends in
 * MP_UNTERMINATED, never in a read past the buffer.
 */
#include "multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A (pointer, length) view of bytes. */
struct span {
	const char	*p;
	size_t		 len;
};

const char *
mp_strerror(enum mp_err e)
{
	switch (e) {
	case MP_OK:		return "no error";
	case MP_NOT_FORM:	return "the body is not multipart/form-data";
	case MP_NO_BOUNDARY:	return "the Content-Type names no boundary";
	case MP_BAD_BOUNDARY:	return "the boundary is empty, longer than 70 characters "
				    "or holds characters RFC 2046 does not allow";
	case MP_NO_DELIMITER:	return "the body does not start a part with the boundary";
	case MP_BAD_DELIMITER:	return "a boundary line is followed by something else";
	case MP_BAD_HEADERS:	return "the headers of a part are malformed";
	case MP_NO_NAME:	return "a part has no Content-Disposition: form-data with a name";
	case MP_UNTERMINATED:	return "the body ends before the closing boundary "
				    "(truncated?)";
	case MP_TOO_MANY_PARTS:	return "the form has too many parts";
	}
	return "malformed form";
}

/* Returns whether c is optional whitespace (space or tab). */
static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Returns whether c may appear in a boundary (RFC 2046 bchars). */
static bool
is_bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    strchr("'()+_,-./:=? ", c) != NULL;
}

/* Returns whether c may appear in a token (RFC 9110). */
static bool
is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * Reads the next "; key=value" parameter of a header value from *p (up to
 * end): value a token or a quoted string (without escapes, as RFC 7578
 * says browsers send them). Returns 1 with key and val set, 0 at the end, or
 * -1 when malformed.
 */
static int
param_next(const char **p, const char *end, struct span *key, struct span *val)
{
	const char *s = *p;

	key->len = 0;
	while (s < end && is_ows(*s))
		s++;
	if (s == end)
		return 0;
	if (*s++ != ';')
		return -1;
	while (s < end && is_ows(*s))
		s++;
	key->p = s;
	while (s < end && is_tchar(*s) && *s != '=')
		s++;
	key->len = (size_t)(s - key->p);
	if (key->len == 0 || s == end || *s++ != '=')
		return -1;
	if (s < end && *s == '"') {
		val->p = ++s;
		while (s < end && *s != '"')
			s++;
		if (s == end)
			return -1;
		val->len = (size_t)(s - val->p);
		s++;
	} else {
		val->p = s;
		while (s < end && is_tchar(*s))
			s++;
		val->len = (size_t)(s - val->p);
		if (val->len == 0)
			return -1;
	}
	*p = s;
	return 1;
}

/* Returns whether span s is text, case-insensitively. */
static bool
span_is(const struct span *s, const char *text)
{
	return s->len == strlen(text) && strncasecmp(s->p, text, s->len) == 0;
}

/*
 * If [*p, end) starts with the media type or disposition word (then OWS and
 * ';' or the end), advances *p past it. Returns whether it did.
 */
static bool
skip_word(const char **p, const char *end, const char *word)
{
	size_t	 n = strlen(word);

	if ((size_t)(end - *p) < n || strncasecmp(*p, word, n) != 0)
		return false;
	if (*p + n < end && !is_ows((*p)[n]) && (*p)[n] != ';')
		return false;
	*p += n;
	return true;
}

enum mp_err
mp_boundary(const char *ct, char out[MP_BOUNDARY_MAX + 1])
{
	const char	*p = ct, *end;
	struct span	 key, val, found = { NULL, 0 };
	size_t		 i;
	int		 rc;

	if (ct == NULL)
		return MP_NOT_FORM;
	end = ct + strlen(ct);
	while (p < end && is_ows(*p))
		p++;
	if (!skip_word(&p, end, "multipart/form-data"))
		return MP_NOT_FORM;
	while ((rc = param_next(&p, end, &key, &val)) == 1) {
		if (span_is(&key, "boundary")) {
			if (found.p != NULL)
				return MP_BAD_BOUNDARY;
			found = val;
		}
	}
	if (rc == -1)
		return found.p != NULL || span_is(&key, "boundary") ? MP_BAD_BOUNDARY :
		    MP_NO_BOUNDARY;
	if (found.p == NULL)
		return MP_NO_BOUNDARY;
	if (found.len == 0 || found.len > MP_BOUNDARY_MAX || found.p[found.len - 1] == ' ')
		return MP_BAD_BOUNDARY;
	for (i = 0; i < found.len; i++)
		if (!is_bchar(found.p[i]))
			return MP_BAD_BOUNDARY;
	memcpy(out, found.p, found.len);
	out[found.len] = '\0';
	return MP_OK;
}

/*
 * Reads a part's Content-Disposition value (form-data; name=...;
 * filename=...) into part. Returns MP_OK, MP_NO_NAME or MP_BAD_HEADERS.
 */
static enum mp_err
disposition(const char *p, const char *end, struct mp_part *part)
{
	struct span	 key, val;
	int		 rc;

	if (!skip_word(&p, end, "form-data"))
		return MP_NO_NAME;
	while ((rc = param_next(&p, end, &key, &val)) == 1) {
		if (span_is(&key, "name")) {
			if (part->name != NULL)
				return MP_BAD_HEADERS;
			part->name = val.p;
			part->name_len = val.len;
		} else if (span_is(&key, "filename")) {
			if (part->filename != NULL)
				return MP_BAD_HEADERS;
			part->filename = val.p;
			part->filename_len = val.len;
		}
	}
	if (rc == -1)
		return MP_BAD_HEADERS;
	return part->name != NULL ? MP_OK : MP_NO_NAME;
}

/*
 * Reads the header block of a part from p (up to end) to its empty line,
 * setting *body to where the data starts. Returns MP_OK, or a fault.
 */
static enum mp_err
part_headers(const char *p, const char *end, struct mp_part *part, const char **body)
{
	const char	*start = p, *eol, *colon, *v;
	bool		 seen = false;
	enum mp_err	 e;

	for (;;) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (eol == NULL)
			return (size_t)(end - start) > MP_HEADERS_MAX ? MP_BAD_HEADERS :
			    MP_UNTERMINATED;
		if ((size_t)(eol - start) > MP_HEADERS_MAX)
			return MP_BAD_HEADERS;
		if (eol == p) {			/* the empty line */
			*body = eol + 2;
			return seen ? MP_OK : MP_NO_NAME;
		}
		if ((colon = memchr(p, ':', (size_t)(eol - p))) == NULL || colon == p ||
		    is_ows(*p))
			return MP_BAD_HEADERS;
		for (v = colon + 1; v < eol && is_ows(*v); v++)
			;
		if ((size_t)(colon - p) == 19 &&
		    strncasecmp(p, "Content-Disposition", 19) == 0) {
			if (seen)
				return MP_BAD_HEADERS;
			seen = true;
			if ((e = disposition(v, eol, part)) != MP_OK)
				return e;
		}
		p = eol + 2;
	}
}

/*
 * After a boundary at p (up to end): "--" closes the body (*closed set);
 * else optional padding and CRLF start a part. Returns where the next bytes
 * are, or NULL with *e set.
 */
static const char *
after_delimiter(const char *p, const char *end, bool *closed, enum mp_err *e)
{
	if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
		*closed = true;
		return p + 2;
	}
	while (p < end && is_ows(*p))
		p++;
	if (end - p < 2) {
		*e = MP_UNTERMINATED;
		return NULL;
	}
	if (p[0] != '\r' || p[1] != '\n') {
		*e = MP_BAD_DELIMITER;
		return NULL;
	}
	return p + 2;
}

enum mp_err
mp_parse(const char *body, size_t len, const char *boundary, struct mp_part *parts,
    size_t max, size_t *n)
{
	const char	*end = body + len, *p, *next;
	char		 delim[2 + 2 + MP_BOUNDARY_MAX + 1];
	size_t		 dlen;
	bool		 closed = false;
	enum mp_err	 e = MP_OK;

	*n = 0;
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	if (strlen(boundary) == 0 || dlen >= sizeof(delim))
		return MP_BAD_BOUNDARY;
	/* The first boundary opens the body, or ends a preamble. */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else
		return MP_NO_DELIMITER;
	for (;;) {
		if ((p = after_delimiter(p, end, &closed, &e)) == NULL)
			return e;
		if (closed)
			return MP_OK;		/* the epilogue is ignored */
		if (*n == max)
			return MP_TOO_MANY_PARTS;
		memset(&parts[*n], 0, sizeof(parts[*n]));
		if ((e = part_headers(p, end, &parts[*n], &p)) != MP_OK)
			return e;
		/* The data runs up to the next CRLF "--" boundary. */
		if ((next = memmem(p, (size_t)(end - p), delim, dlen)) == NULL)
			return MP_UNTERMINATED;
		parts[*n].data = p;
		parts[*n].len = (size_t)(next - p);
		(*n)++;
		p = next + dlen;
	}
}

bool
mp_name_is(const struct mp_part *part, const char *name)
{
	return part->name_len == strlen(name) && memcmp(part->name, name, part->name_len) == 0;
}
