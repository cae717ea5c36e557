/*
 * multipart: a strict multipart/form-data parser (RFC 7578, RFC 2046) over a
 * body held in memory. Parts point into the body; nothing is copied, and
 * nothing is read past the body's length.
 */
#ifndef QUIRE_MULTIPART_H
#define QUIRE_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MP_BOUNDARY_MAX		70	/* RFC 2046 */
#define MP_HEADERS_MAX		8192	/* bytes of one part's header block */

/* One part of a form. Every pointer borrows from the body. */
struct mp_part {
	const char	*name;		/* the field name of Content-Disposition */
	size_t		 name_len;
	const char	*filename;	/* NULL when the part has none */
	size_t		 filename_len;
	const char	*data;
	size_t		 len;
};

enum mp_err {
	MP_OK,
	MP_NOT_FORM,		/* the Content-Type is not multipart/form-data */
	MP_NO_BOUNDARY,		/* it names no boundary */
	MP_BAD_BOUNDARY,	/* the boundary is empty, too long or of bad characters */
	MP_NO_DELIMITER,	/* the body never starts a part with the boundary */
	MP_BAD_DELIMITER,	/* a boundary line goes on with something else */
	MP_BAD_HEADERS,		/* a part's headers are malformed or too long */
	MP_NO_NAME,		/* a part without Content-Disposition: form-data; name= */
	MP_UNTERMINATED,	/* the body ends before the closing boundary */
	MP_TOO_MANY_PARTS
};

/* Returns a short sentence for e, for an error body. */
const char	*mp_strerror(enum mp_err e);

/*
 * Reads the boundary of a Content-Type header value ("multipart/form-data;
 * boundary=xyz", quoted or not, parameters in any order) into out. Returns
 * MP_OK, MP_NOT_FORM, MP_NO_BOUNDARY or MP_BAD_BOUNDARY.
 */
enum mp_err	 mp_boundary(const char *content_type, char out[MP_BOUNDARY_MAX + 1]);

/*
 * Splits body[0..len) into at most max parts. The body may have a preamble
 * and an epilogue; every part needs Content-Disposition: form-data with a
 * name; the closing boundary must be there. Returns MP_OK with *n set, or
 * the first fault found.
 */
enum mp_err	 mp_parse(const char *body, size_t len, const char *boundary,
		    struct mp_part *parts, size_t max, size_t *n);

/* Returns whether part's name is name. */
bool		 mp_name_is(const struct mp_part *, const char *name);

#endif
