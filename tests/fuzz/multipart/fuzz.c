/*
 * multipart/form-data: mp_boundary() on the Content-Type (the input's first
 * line) and mp_parse() on the body (the rest, expanded when it starts with
 * "#!rep\n", in a buffer of its exact size). A boundary taken is 1..70
 * characters RFC 2046 allows; every part lies inside the body, after the
 * one before, with a name and no delimiter inside its data.
 */
#include <string.h>

#include "fuzz.h"
#include "media/media.h"
#include "media/multipart.h"

#define PARTS_MAX	4	/* upload.c's FORM_PARTS_MAX */
/*
 * Expanded bodies stop here: a linear pass over 2 MiB stays far below the
 * per-input timeout even on a loaded machine, a quadratic one does not.
 */
#define EXPAND_MAX	(2 << 20)

/* Returns whether [p, p + len) lies inside [lo, hi). */
static bool
inside(const char *p, size_t len, const char *lo, const char *hi)
{
	return p >= lo && p <= hi && len <= (size_t)(hi - p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	size_t		 ctlen = nl != NULL ? (size_t)(nl - data) : size, len, n, i, k;
	char		*ct = fuzz_str(data, ctlen), *body, boundary[MP_BOUNDARY_MAX + 1];
	char		 delim[MP_BOUNDARY_MAX + 5];
	struct mp_part	 parts[PARTS_MAX];
	const char	*end, *prev;
	enum mp_err	 e;

	e = mp_boundary(ct, boundary);
	FUZZ_ASSERT(e == MP_OK || e == MP_NOT_FORM || e == MP_NO_BOUNDARY || e == MP_BAD_BOUNDARY,
	    "mp_boundary(\"%s\") = %d", ct, e);
	FUZZ_ASSERT(*mp_strerror(e) != '\0', "no sentence for %d", e);
	if (e == MP_OK)
		FUZZ_ASSERT(strlen(boundary) >= 1 && strlen(boundary) <= MP_BOUNDARY_MAX &&
		    strspn(boundary, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "'()+_,-./:=? ") == strlen(boundary) && boundary[strlen(boundary) - 1] != ' ',
		    "\"%s\" gives the boundary \"%s\"", ct, boundary);
	else
		snprintf(boundary, sizeof(boundary), "b");	/* parse the body all the same */

	body = fuzz_input(nl != NULL ? nl + 1 : data + size, nl != NULL ? size - ctlen - 1 : 0,
	    EXPAND_MAX, false, &len);
	end = body + len;
	e = mp_parse(body, len, boundary, parts, PARTS_MAX, &n);
	FUZZ_ASSERT(*mp_strerror(e) != '\0', "no sentence for %d", e);
	if (e == MP_OK) {
		snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
		FUZZ_ASSERT(n <= PARTS_MAX, "%zu parts", n);
		for (i = 0, prev = body; i < n; i++) {
			const struct mp_part *p = &parts[i];

			FUZZ_ASSERT(p->name != NULL && inside(p->name, p->name_len, body, end),
			    "part %zu: a name outside the body", i);
			FUZZ_ASSERT(p->filename == NULL || inside(p->filename, p->filename_len, body,
			    end), "part %zu: a filename outside the body", i);
			FUZZ_ASSERT(p->data != NULL && inside(p->data, p->len, body, end) &&
			    p->data >= prev && p->name < p->data,
			    "part %zu: data outside the body or before the part before", i);
			FUZZ_ASSERT(memmem(p->data, p->len, delim, strlen(delim)) == NULL,
			    "part %zu holds the delimiter", i);
			for (k = 0; k < p->name_len; k++)
				FUZZ_ASSERT(p->name[k] != '"', "part %zu: a name holding a quote", i);
			FUZZ_ASSERT(mp_name_is(p, "file") == (p->name_len == 4 &&
			    memcmp(p->name, "file", 4) == 0), "mp_name_is");
			prev = p->data + p->len;
		}
	}
	free(body);
	free(ct);
	return 0;
}
