/*
 * Slugs: the URL names of posts. A slug is 1 to SLUG_MAX of [a-z0-9-]; one
 * made from a title transliterates Latin, Greek and Cyrillic letters, drops
 * apostrophes and combining accents, and turns anything else into '-'.
 */
#include <stdio.h>
#include <string.h>

#include "post.h"
#include "util.h"

/*
 * Slugs the routes and the reader site take for themselves (GET
 * /posts/health, /tag/…, /feed.atom …); keep in sync with
 * sql/post/003_reserved_slugs.sql, which renames posts that held one.
 */
static const char *const reserved[] = {
	"admin", "assets", "auth", "author", "feed", "health", "index", "media", "page", "posts",
	"search", "settings", "sitemap", "tag", "robots", "404", "503",
};

/* U+00C0..U+00FF; '?' marks the two-letter ones, ' ' a separator. */
static const char latin1[] =
    "aaaaaa?ceeeeiiiidnooooo ouuuuy??"
    "aaaaaa?ceeeeiiiidnooooo ouuuuy?y";

/* U+0100..U+017F (Latin Extended-A); '?' marks the two-letter ones. */
static const char latin_ext[] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii??jjkkkllllllllll"
    "nnnnnnnnnoooooo??rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

_Static_assert(sizeof(latin1) == 64 + 1, "latin1 covers U+00C0..U+00FF");
_Static_assert(sizeof(latin_ext) == 128 + 1, "latin_ext covers U+0100..U+017F");

/* U+0386..U+03CE (Greek, with tonos and dialytika); NULL: not a letter. */
static const char *const greek[] = {
	"a", NULL, "e", "i", "i", NULL, "o", NULL, "y", "o",		/* 0386-038F */
	"i", "a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l",	/* 0390-039B */
	"m", "n", "x", "o", "p", "r", NULL, "s", "t", "y", "f", "ch",	/* 039C-03A7 */
	"ps", "o", "i", "y", "a", "e", "i", "i", "y", "a", "v", "g",	/* 03A8-03B3 */
	"d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o",	/* 03B4-03BF */
	"p", "r", "s", "s", "t", "y", "f", "ch", "ps", "o", "i", "y",	/* 03C0-03CB */
	"o", "y", "o",							/* 03CC-03CE */
};

_Static_assert(sizeof(greek) / sizeof(greek[0]) == 0x3ce - 0x386 + 1, "greek table");

/* U+0430..U+044F (Cyrillic lowercase; uppercase is 0x20 below). */
static const char *const cyrillic[] = {
	"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
	"r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
};

_Static_assert(sizeof(cyrillic) / sizeof(cyrillic[0]) == 32, "cyrillic table");

/*
 * Returns the ASCII letters of code point cp, "" for a character dropped
 * without a trace (apostrophes, combining accents), or NULL for a separator.
 */
static const char *
translit(unsigned cp)
{
	static char	 one[2];

	if (cp < 0x80) {
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			one[0] = (char)cp;
			return one;
		}
		if (cp >= 'A' && cp <= 'Z') {
			one[0] = (char)(cp - 'A' + 'a');
			return one;
		}
		return cp == '\'' ? "" : NULL;
	}
	if (cp == 0x2019 || (cp >= 0x300 && cp <= 0x36f))
		return "";
	switch (cp) {
	case 0xc6: case 0xe6:	return "ae";
	case 0xde: case 0xfe:	return "th";
	case 0xdf:		return "ss";
	case 0x132: case 0x133:	return "ij";
	case 0x152: case 0x153:	return "oe";
	case 0x401: case 0x451:	return "e";
	case 0x404: case 0x454:	return "ye";
	case 0x406: case 0x456:	return "i";
	case 0x407: case 0x457:	return "yi";
	case 0x490: case 0x491:	return "g";
	}
	one[0] = '\0';
	if (cp >= 0xc0 && cp <= 0xff)
		one[0] = latin1[cp - 0xc0];
	else if (cp >= 0x100 && cp <= 0x17f)
		one[0] = latin_ext[cp - 0x100];
	else if (cp >= 0x386 && cp <= 0x3ce)
		return greek[cp - 0x386];
	else if (cp >= 0x410 && cp <= 0x44f)
		return cyrillic[(cp - 0x410) % 32];
	return one[0] >= 'a' && one[0] <= 'z' ? one : NULL;
}

/* Decodes the UTF-8 character at *s (valid UTF-8) and advances *s past it. */
static unsigned
next_code_point(const unsigned char **s)
{
	const unsigned char	*p = *s;
	unsigned		 cp;
	int			 n, i;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	n = p[0] >= 0xf0 ? 3 : p[0] >= 0xe0 ? 2 : 1;
	cp = p[0] & (0x3f >> n);
	for (i = 1; i <= n && (p[i] & 0xc0) == 0x80; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	*s = p + i;
	return cp;
}

size_t
slug_from_title(const char *title, char out[SLUG_BASE_MAX + 1])
{
	const unsigned char	*s = (const unsigned char *)title;
	const char		*t;
	size_t			 len = 0, tlen;
	bool			 sep = false;

	while (*s != '\0' && len < SLUG_BASE_MAX) {
		if ((t = translit(next_code_point(&s))) == NULL) {
			sep = true;
			continue;
		}
		if ((tlen = strlen(t)) == 0)
			continue;
		if (sep && len > 0) {
			/* No room for a separator and a character after it. */
			if (len + 1 >= SLUG_BASE_MAX)
				break;
			out[len++] = '-';
		}
		sep = false;
		if (tlen > SLUG_BASE_MAX - len)
			tlen = SLUG_BASE_MAX - len;
		memcpy(out + len, t, tlen);
		len += tlen;
	}
	out[len] = '\0';
	return len;
}

bool
slug_shaped(const char *s)
{
	size_t	 len = strlen(s);

	return len >= 1 && len <= SLUG_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

const char *
slug_invalid(const char *s)
{
	size_t	 i;

	if (!slug_shaped(s))
		return "a slug is 1 to 120 of a-z, 0-9 and '-'";
	if (uuid_valid(s))
		return "a slug may not look like a post id (a UUID)";
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(s, reserved[i]) == 0)
			return "this slug is taken by the site's own pages; choose another";
	return NULL;
}

void
slug_candidate(const char *base, long long n, char out[SLUG_MAX + 1])
{
	if (n <= 1)
		snprintf(out, SLUG_MAX + 1, "%s", base);
	else
		snprintf(out, SLUG_MAX + 1, "%.*s-%lld", SLUG_BASE_MAX, base, n);
}
