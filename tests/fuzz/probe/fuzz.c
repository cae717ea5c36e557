/*
 * Image probing: img_sniff() and img_probe() on any upload (in a buffer of
 * its exact size; "#!rep\n" inputs expand up to EXPAND_MAX), and img_probe()
 * of every type on the same bytes. A type is
 * sniffed only from its magic bytes; what a probe accepts has both sides,
 * a frame, and at least the canvas's pixels; nothing is read past the end.
 */
#include <string.h>

#include "fuzz.h"
#include "media/probe.h"

/*
 * Expanded uploads stop here, below Media's 20 MiB: a linear walk over 4 MiB
 * stays far below the per-input timeout, a quadratic one does not.
 */
#define EXPAND_MAX	(4 << 20)

/* Returns whether p[0..len) begins with the magic bytes of type t. */
static bool
magic_ok(const unsigned char *p, size_t len, enum img_type t)
{
	switch (t) {
	case IMG_JPEG:
		return len >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0;
	case IMG_PNG:
		return len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0;
	case IMG_GIF:
		return len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0);
	case IMG_WEBP:
		return len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0;
	}
	return false;
}

/* Checks what a probe of type t returned. */
static void
check_probe(const unsigned char *p, size_t len, enum img_type t)
{
	struct img_dims		 d;
	enum probe_status	 st = img_probe(p, len, t, &d);

	FUZZ_ASSERT(st == PROBE_OK || st == PROBE_TRUNCATED || st == PROBE_INVALID,
	    "img_probe returned %d", st);
	if (st != PROBE_OK)
		return;
	FUZZ_ASSERT(d.width > 0 && d.height > 0 && d.frames > 0 &&
	    d.pixels >= (uint64_t)d.width * d.height && d.max_side >= d.width &&
	    d.max_side >= d.height, "a %s of %ux%u, %u frames, %llu pixels, sides up to %u",
	    img_mime(t), d.width, d.height, d.frames, (unsigned long long)d.pixels, d.max_side);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		 len;
	unsigned char	*p = (unsigned char *)fuzz_input(data, size, EXPAND_MAX, false, &len);
	enum img_type	 t, all[] = { IMG_JPEG, IMG_PNG, IMG_GIF, IMG_WEBP };
	size_t		 i;

	if (img_sniff(p, len, &t))
		FUZZ_ASSERT(magic_ok(p, len, t) && *img_mime(t) != '\0' && *img_ext(t) != '\0' &&
		    *img_magick(t) != '\0', "sniffed as %s", img_mime(t));
	else
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			FUZZ_ASSERT(!magic_ok(p, len, all[i]), "a %s not sniffed", img_mime(all[i]));
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		check_probe(p, len, all[i]);
	free(p);
	return 0;
}
