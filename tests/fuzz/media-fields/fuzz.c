/*
 * Media's fields from a client: the parts of an upload form (the input is
 * a multipart body with the boundary "q", as read_form() takes it apart)
 * with alt_check() on each "alt" part, given exactly its bytes, and the
 * type sniffing and header probe on each "file" part; and
 * variant_name_parse() on the input as a {name} of /media/{id}/w/{name}.
 * An alt is taken exactly when it is valid UTF-8 of at most ALT_MAX_CHARS
 * characters without controls, else refused with a 400 in the error shape;
 * a variant name taken is written back the same.
 */
#include <string.h>

#include "fuzz.h"
#include "media/media.h"
#include "media/multipart.h"

/* Returns the number of characters of valid UTF-8 s[0..len). */
static size_t
chars(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

/* Checks alt_check() on alt[0..len), a part's data without a NUL after it. */
static void
check_alt(struct ctx *ctx, const char *data, size_t len)
{
	struct req	 r;
	char		*alt = malloc(len ? len : 1);
	bool		 good;
	int		 rc;

	if (alt == NULL)
		abort();
	memcpy(alt, data, len);
	fuzz_req(&r, ctx, NULL, NULL);
	rc = alt_check(&r, alt, len);
	good = utf8_valid(alt, len) && !has_control(alt, len, false) &&
	    chars(alt, len) <= ALT_MAX_CHARS;
	FUZZ_ASSERT((rc == 0) == good, "alt_check of %zu bytes (%zu characters) returned %d",
	    len, utf8_valid(alt, len) ? chars(alt, len) : 0, rc);
	if (rc == -1) {
		FUZZ_ASSERT(r.status == 400, "a refused alt answers %d", r.status);
		fuzz_check_error(&r);
	}
	req_free(&r);
	free(alt);
}

/* Checks the type and headers of a file part. */
static void
check_file(const char *data, size_t len)
{
	char		*file = malloc(len ? len : 1);
	enum img_type	 type;
	struct img_dims	 d;

	if (file == NULL)
		abort();
	memcpy(file, data, len);
	if (img_sniff(file, len, &type) && img_probe(file, len, type, &d) == PROBE_OK)
		FUZZ_ASSERT(d.width > 0 && d.height > 0 && d.frames > 0, "a %s of %ux%u, %u frames",
		    img_mime(type), d.width, d.height, d.frames);
	free(file);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx ctx;
	struct mp_part	 parts[4];
	enum img_type	 type;
	long long	 width;
	size_t		 n, i;
	char		*s = fuzz_str(data, size), back[32];

	if (mp_parse((const char *)data, size, "q", parts, 4, &n) == MP_OK) {
		for (i = 0; i < n; i++) {
			if (mp_name_is(&parts[i], "alt"))
				check_alt(&ctx, parts[i].data, parts[i].len);
			else if (mp_name_is(&parts[i], "file"))
				check_file(parts[i].data, parts[i].len);
		}
	}
	if (variant_name_parse(s, &width, &type) == 0) {
		snprintf(back, sizeof(back), "%lld.%s", width, img_ext(type));
		FUZZ_ASSERT(strcmp(back, s) == 0 && width >= 1 && width <= 1000000 &&
		    type != IMG_GIF, "\"%s\" is read as width %lld, type %s", s, width,
		    img_ext(type));
	}
	free(s);
	return 0;
}
