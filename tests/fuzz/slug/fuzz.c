/*
 * Slugs: slug_from_title() on any title (valid UTF-8, as jansson gives it),
 * slug_invalid() on any given slug, slug_candidate() on any base. A slug
 * made from a title is shaped (no leading, trailing or double '-'), is its
 * own slug, and for an ASCII title is its words joined by '-' and cut at
 * SLUG_BASE_MAX; the slug a post gets from it (as pick_slug() chooses) is
 * valid; a slug slug_invalid() takes is 1..SLUG_MAX of [a-z0-9-] (a client
 * may give "a--b"), not a UUID, not reserved.
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "post/post.h"
#include "util.h"

/* Checks that s is a well-formed slug of 1..max characters. */
static void
check_shape(const char *s, size_t max, const char *title)
{
	size_t	 len = strlen(s);

	FUZZ_ASSERT(len >= 1 && len <= max && slug_shaped(s) && s[0] != '-' &&
	    s[len - 1] != '-' && strstr(s, "--") == NULL,
	    "\"%s\" gives the slug \"%s\"", title, s);
}

/*
 * Writes the slug of an ASCII title as the rule says, into out
 * (SLUG_BASE_MAX + 1): lowercase letters and digits, apostrophes dropped,
 * any other run one '-', cut at SLUG_BASE_MAX, without a trailing '-'.
 */
static void
ascii_slug(const char *title, char out[SLUG_BASE_MAX + 1])
{
	char	 full[4096];
	size_t	 len = 0;
	bool	 sep = false;

	for (; *title != '\0' && len + 2 < sizeof(full); title++) {
		if (isalnum((unsigned char)*title)) {
			if (sep && len > 0)
				full[len++] = '-';
			full[len++] = (char)tolower((unsigned char)*title);
			sep = false;
		} else if (*title != '\'')
			sep = true;
	}
	if (len > SLUG_BASE_MAX)
		len = SLUG_BASE_MAX;
	while (len > 0 && full[len - 1] == '-')
		len--;
	memcpy(out, full, len);
	out[len] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*title = fuzz_str(data, size), base[SLUG_BASE_MAX + 1];
	char		 again[SLUG_BASE_MAX + 1], want[SLUG_BASE_MAX + 1];
	char		 cand[SLUG_MAX + 1];
	const char	*why, *p;
	size_t		 len;
	bool		 ascii = true;
	long long	 n;

	if (!utf8_valid(title, strlen(title)))
		goto out;
	len = slug_from_title(title, base);
	FUZZ_ASSERT(len == strlen(base) && len <= SLUG_BASE_MAX, "\"%s\": length %zu", title, len);
	if (len > 0) {
		check_shape(base, SLUG_BASE_MAX, title);
		FUZZ_ASSERT(slug_from_title(base, again) == len && strcmp(again, base) == 0,
		    "the slug \"%s\" of \"%s\" is not its own slug (\"%s\")", base, title, again);
	}
	for (p = title; *p != '\0'; p++)
		ascii = ascii && (unsigned char)*p < 0x80;
	if (ascii) {
		ascii_slug(title, want);
		FUZZ_ASSERT(strcmp(base, want) == 0, "\"%s\" gives \"%s\", not \"%s\"", title, base,
		    want);
	}

	/* The slug a new post gets: the base, else base-2 (write.c's pick_slug). */
	if (len == 0)
		snprintf(base, sizeof(base), "post");
	slug_candidate(base, slug_invalid(base) == NULL ? 1 : 2, cand);
	FUZZ_ASSERT(slug_invalid(cand) == NULL, "\"%s\" gets the slug \"%s\": %s", title, cand,
	    slug_invalid(cand));
	n = size >= 3 ? 2 + (data[0] | data[1] << 8 | data[2] << 16) : 2;
	slug_candidate(base, n, cand);
	check_shape(cand, SLUG_MAX, title);

	/* The input as a slug a client gives. */
	if ((why = slug_invalid(title)) == NULL)
		FUZZ_ASSERT(slug_shaped(title) && strlen(title) <= SLUG_MAX && !uuid_valid(title) &&
		    strcmp(title, "health") != 0, "\"%s\" is taken as a slug", title);
	else
		FUZZ_ASSERT(*why != '\0', "\"%s\": an empty reason", title);
out:
	free(title);
	return 0;
}
