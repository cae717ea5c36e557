/*
 * If-Match and If-None-Match lists: etag_matches() of any header value (the
 * input after its first line, without the blanks around it, as the web
 * servers pass it) against an entity tag (the first line, quoted when it is
 * not: ETags are always written quoted).
 *
 * What must hold: on a well-formed value (RFC 9110: "*" or a list of
 * [W/]"etagc*", empty elements allowed) the answer is the RFC's: "*"
 * matches, else a listed tag equal to the ETag, weak ones only for
 * If-None-Match; a strong match is also a weak one; a tag matches itself,
 * alone or anywhere in a list. What a malformed value gives is the
 * caller's to refuse (400), not checked here.
 */
#include <string.h>

#include "fuzz.h"

/* Returns whether c may be in an opaque tag (RFC 9110 etagc). */
static bool
etagc(unsigned char c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

/*
 * Reads h as RFC 9110's If-Match = "*" / #entity-tag. Returns -1 when it is
 * malformed, else whether it names etag (weak tags too when weak).
 */
static int
rfc_matches(const char *h, const char *etag, bool weak)
{
	const char	*p = h, *open;
	bool		 is_weak, match = false, element = false;
	size_t		 len = strlen(etag);

	if (strcmp(h, "*") == 0)
		return 1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return match;
		if (*p == ',') {
			p++;
			element = false;
			continue;
		}
		if (element)
			return -1;		/* two tags without a comma */
		is_weak = strncmp(p, "W/", 2) == 0;
		if (is_weak)
			p += 2;
		if (*p != '"')
			return -1;
		open = p++;
		while (etagc((unsigned char)*p))
			p++;
		if (*p++ != '"')
			return -1;
		if ((weak || !is_weak) && (size_t)(p - open) == len && strncmp(open, etag, len) == 0)
			match = true;
		element = true;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*nl = memchr(data, '\n', size);
	size_t		 elen = nl != NULL ? (size_t)(nl - data) : size, i, o = 0, hlen;
	char		*raw = fuzz_str(data, elen), *etag = malloc(elen + 3), *h, *list;
	int		 want;

	if (etag == NULL)
		abort();
	/* The ETag: the first line's opaque characters, quoted. */
	etag[o++] = '"';
	for (i = 0; i < elen; i++)
		if (etagc((unsigned char)raw[i]))
			etag[o++] = raw[i];
	etag[o++] = '"';
	etag[o] = '\0';
	h = fuzz_str(nl != NULL ? nl + 1 : data + size, nl != NULL ? size - elen - 1 : 0);
	if (strpbrk(h, "\r\n") != NULL || strlen(h) != (nl != NULL ? size - elen - 1 : 0))
		goto out;			/* no header value holds these */
	while (*h == ' ' || *h == '\t')
		memmove(h, h + 1, strlen(h));
	for (hlen = strlen(h); hlen > 0 && (h[hlen - 1] == ' ' || h[hlen - 1] == '\t'); hlen--)
		h[hlen - 1] = '\0';

	FUZZ_ASSERT(etag_matches(etag, etag, false) && etag_matches(etag, etag, true),
	    "%s does not match itself", etag);
	FUZZ_ASSERT(etag_matches("*", etag, false) && !etag_matches(NULL, etag, true), "* or none");
	if (etag_matches(h, etag, false))
		FUZZ_ASSERT(etag_matches(h, etag, true), "%s matches [%s] strongly, not weakly",
		    etag, h);
	if ((want = rfc_matches(h, etag, false)) != -1) {
		FUZZ_ASSERT(etag_matches(h, etag, false) == want,
		    "If-Match: %s names %s: RFC 9110 says %d", h, etag, want);
		FUZZ_ASSERT(etag_matches(h, etag, true) == rfc_matches(h, etag, true),
		    "If-None-Match: %s names %s: RFC 9110 says %d", h, etag,
		    rfc_matches(h, etag, true));
		if ((list = malloc(strlen(h) + 2 * strlen(etag) + 16)) == NULL)
			abort();
		sprintf(list, "%s, %s", h, etag);
		FUZZ_ASSERT(strcmp(h, "*") == 0 || etag_matches(list, etag, false),
		    "%s is not found at the end of If-Match: %s", etag, list);
		sprintf(list, "%s ,W/%s", h, etag);
		FUZZ_ASSERT(strcmp(h, "*") == 0 || etag_matches(list, etag, true),
		    "W/%s is not found at the end of If-None-Match: %s", etag, list);
		free(list);
	}
out:
	free(h);
	free(raw);
	free(etag);
	return 0;
}
