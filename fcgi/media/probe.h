/*
 * probe: what an upload is, decided from its first bytes alone, and how
 * large it says it is, read from its headers without decoding any pixel.
 * Pure functions over a byte range: nothing here reads past len.
 */
#ifndef QUIRE_PROBE_H
#define QUIRE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JPEG_MAX_SCANS	100	/* encoders write about ten; thousands are an attack */

/* The image types Media takes; keep img_types in probe.c in sync. */
enum img_type {
	IMG_JPEG,
	IMG_PNG,
	IMG_GIF,
	IMG_WEBP
};

/* What the headers of an image declare. */
struct img_dims {
	uint32_t	width, height;	/* the canvas */
	uint64_t	pixels;		/* every frame's area added up */
	uint32_t	frames;
	uint32_t	max_side;	/* the largest width or height of the canvas or a frame */
};

enum probe_status {
	PROBE_OK,
	PROBE_TRUNCATED,	/* the bytes end before the headers do */
	PROBE_INVALID		/* the headers are impossible (zero size, bad chunk) */
};

/*
 * Decides the type of p[0..len) from its magic bytes: JPEG (FF D8 FF), PNG
 * (89 'PNG' CR LF 1A LF), GIF (GIF87a/GIF89a), WebP (RIFF....WEBP). Returns
 * true and sets *type, or false for anything else (SVG, PostScript, PDF,
 * MVG, text...).
 */
bool		 img_sniff(const void *p, size_t len, enum img_type *type);

/*
 * Reads the dimensions the headers of p[0..len), of type type, declare: the
 * JPEG frame header, PNG IHDR, GIF screen and every image descriptor, WebP
 * VP8/VP8L/VP8X. A JPEG must also have its end-of-image marker after its
 * scans, and at most JPEG_MAX_SCANS of them. Returns PROBE_OK with *d set,
 * or why not.
 */
enum probe_status img_probe(const void *p, size_t len, enum img_type type,
		    struct img_dims *d);

/* Returns "image/jpeg", "image/png", "image/gif" or "image/webp". */
const char	*img_mime(enum img_type);
/* Returns the ImageMagick coder name: "JPEG", "PNG", "GIF", "WEBP". */
const char	*img_magick(enum img_type);
/* Returns the file extension of variants: "jpg", "png", "gif", "webp". */
const char	*img_ext(enum img_type);

#endif
