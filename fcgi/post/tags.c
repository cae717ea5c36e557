/*
 * Tag slugs: the URL segment of a tag's pages (/tag/{slug}/). A tag is any
 * line of 1 to TAG_MAX characters ('/', '.', capitals…), which must not
 * reach a path: its segment is the slug of it as a title, or, when nothing
 * is left of it (all punctuation, a script slug_from_title() does not
 * transliterate), "t-" and 8 hex digits of its SHA-256. Tags that slug alike
 * ("C", "c") share a page.
 */
#include <string.h>

#include <openssl/sha.h>

#include "post.h"
#include "encode.h"

void
tag_slug(const char *tag, char out[SLUG_BASE_MAX + 1])
{
	unsigned char	 digest[SHA256_DIGEST_LENGTH];
	char		 hex[2 * SHA256_DIGEST_LENGTH + 1];

	if (slug_from_title(tag, out) > 0)
		return;
	SHA256((const unsigned char *)tag, strlen(tag), digest);
	hex_encode(digest, sizeof(digest), hex);
	memcpy(out, "t-", 2);
	memcpy(out + 2, hex, 8);
	out[10] = '\0';
}

char *
tag_slugs_json(const char *tags)
{
	json_t		*in = json_loads(tags, 0, NULL), *out = json_array(), *t;
	char		 slug[SLUG_BASE_MAX + 1], *s = NULL;
	size_t		 i;

	if (!json_is_array(in) || out == NULL)
		goto done;
	json_array_foreach(in, i, t) {
		if (!json_is_string(t))
			continue;
		tag_slug(json_string_value(t), slug);
		if (json_array_append_new(out, json_string(slug)) == -1)
			goto done;
	}
	s = json_dumps(out, JSON_COMPACT);
done:
	json_decref(in);
	json_decref(out);
	return s;
}
