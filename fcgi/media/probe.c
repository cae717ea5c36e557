/*
 * Magic-byte sniffing and header-only size checks. A pixel flood (a PNG that
 * claims 100000 x 100000) is refused from these numbers before any decoder
 * sees the bytes.
 */
#include "probe.h"

#include <string.h>

/* Keep in sync with enum img_type. */
static const struct {
	const char	*mime, *magick, *ext;
} img_types[] = {
	[IMG_JPEG] = { "image/jpeg", "JPEG", "jpg" },
	[IMG_PNG] = { "image/png", "PNG", "png" },
	[IMG_GIF] = { "image/gif", "GIF", "gif" },
	[IMG_WEBP] = { "image/webp", "WEBP", "webp" },
};

const char *
img_mime(enum img_type t)
{
	return img_types[t].mime;
}

const char *
img_magick(enum img_type t)
{
	return img_types[t].magick;
}

const char *
img_ext(enum img_type t)
{
	return img_types[t].ext;
}

/* Big- and little-endian integers of 2, 3 and 4 bytes at p (the caller checked the length). */
static uint32_t
be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[3] << 24 | le24(p);
}

bool
img_sniff(const void *data, size_t len, enum img_type *type)
{
	const unsigned char	*p = data;

	if (len >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		*type = IMG_JPEG;
	else if (len >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		*type = IMG_PNG;
	else if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		*type = IMG_GIF;
	else if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		*type = IMG_WEBP;
	else
		return false;
	return true;
}

/* Fills d for a still image of w x h. Returns PROBE_OK, or PROBE_INVALID for an empty side. */
static enum probe_status
still(struct img_dims *d, uint32_t w, uint32_t h)
{
	if (w == 0 || h == 0)
		return PROBE_INVALID;
	d->width = w;
	d->height = h;
	d->pixels = (uint64_t)w * h;
	d->frames = 1;
	d->max_side = w > h ? w : h;
	return PROBE_OK;
}

/*
 * Walks what follows the first scan's header: entropy-coded data (where FF
 * is followed by 00, a stuffed byte, or D0-D7, a restart marker), and the
 * marker segments between scans (tables, comments: skipped by their length,
 * so that no FF D9 inside one passes for the end), counting the scans up to
 * the end-of-image marker. Returns PROBE_OK, PROBE_TRUNCATED without an end,
 * or PROBE_INVALID past JPEG_MAX_SCANS (a progressive JPEG of thousands of
 * scans keeps libjpeg busy for minutes) or on a malformed segment.
 */
static enum probe_status
jpeg_scans(const unsigned char *p, size_t len)
{
	size_t		 i = 0, seglen;
	unsigned	 scans = 1;
	uint8_t		 m;

	for (;;) {
		while (i < len && p[i] != 0xff)
			i++;
		while (i < len && p[i] == 0xff)	/* fill bytes */
			i++;
		if (i >= len)
			return PROBE_TRUNCATED;
		m = p[i++];
		if (m == 0x00 || (m >= 0xd0 && m <= 0xd7) || m == 0x01)
			continue;		/* data, a restart, a marker without length */
		if (m == 0xd9)
			return PROBE_OK;
		if (m == 0xd8)
			return PROBE_INVALID;
		if (m == 0xda && ++scans > JPEG_MAX_SCANS)
			return PROBE_INVALID;
		if (len - i < 2)
			return PROBE_TRUNCATED;
		if ((seglen = be16(p + i)) < 2)
			return PROBE_INVALID;
		if (len - i < seglen)
			return PROBE_TRUNCATED;
		i += seglen;
	}
}

/*
 * JPEG: walks the marker segments to the first scan. The frame header (SOF0-15
 * but DHT, JPG and DAC) before it holds the height and width; an end-of-image
 * marker must follow the scan, or the file was cut short (libjpeg would
 * decode the rest as grey without a word). Inside entropy-coded data an FF
 * byte is always followed by 00 or a restart marker, so FF D9 there is the
 * real end, and FF DA another scan.
 */
static enum probe_status
probe_jpeg(const unsigned char *p, size_t len, struct img_dims *d)
{
	size_t		 i = 2, seglen;
	uint8_t		 m;
	bool		 frame = false;
	enum probe_status st;

	for (;;) {
		if (i >= len)
			return PROBE_TRUNCATED;
		if (p[i] != 0xff)
			return PROBE_INVALID;
		while (i < len && p[i] == 0xff)	/* fill bytes */
			i++;
		if (i >= len)
			return PROBE_TRUNCATED;
		m = p[i++];
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))	/* no length */
			continue;
		if (m == 0xd8 || m == 0xd9 || m == 0x00 || (m == 0xda && !frame))
			return PROBE_INVALID;	/* the end, or a scan, before a frame */
		if (len - i < 2)
			return PROBE_TRUNCATED;
		seglen = be16(p + i);
		if (seglen < 2)
			return PROBE_INVALID;
		if (len - i < seglen)
			return PROBE_TRUNCATED;
		if (m == 0xda)
			return jpeg_scans(p + i + seglen, len - i - seglen);
		if (!frame && m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
			if (seglen < 8)
				return PROBE_INVALID;
			if ((st = still(d, be16(p + i + 5), be16(p + i + 3))) != PROBE_OK)
				return st;
			frame = true;
		}
		i += seglen;
	}
}

/* PNG: the IHDR chunk must come first and hold 13 bytes. */
static enum probe_status
probe_png(const unsigned char *p, size_t len, struct img_dims *d)
{
	uint32_t w, h;

	if (len < 8 + 8 + 13)
		return PROBE_TRUNCATED;
	if (be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0)
		return PROBE_INVALID;
	w = be32(p + 16);
	h = be32(p + 20);
	if (w > 0x7fffffff || h > 0x7fffffff)
		return PROBE_INVALID;
	return still(d, w, h);
}

/* Skips GIF data sub-blocks from *i to the terminator. Returns 0, or -1 when truncated. */
static int
gif_skip_blocks(const unsigned char *p, size_t len, size_t *i)
{
	while (*i < len) {
		if (p[*i] == 0) {
			(*i)++;
			return 0;
		}
		*i += 1 + (size_t)p[*i];
	}
	return -1;
}

/*
 * GIF: the logical screen (the canvas), then every image descriptor, so
 * that an animation's frames count together with it (each is decoded into
 * its own canvas).
 * Stops at the trailer, or at the end of the bytes after a whole frame.
 */
static enum probe_status
probe_gif(const unsigned char *p, size_t len, struct img_dims *d)
{
	size_t		 i = 13;
	uint32_t	 fw, fh;

	if (len < 13)
		return PROBE_TRUNCATED;
	if (still(d, le16(p + 6), le16(p + 8)) != PROBE_OK)
		return PROBE_INVALID;
	/* The canvas counts too: variants flatten the frames onto it. */
	d->frames = 0;
	if (p[10] & 0x80)
		i += 3u << ((p[10] & 7) + 1);
	while (i < len && p[i] != 0x3b) {
		if (p[i] == 0x21) {		/* extension: label, sub-blocks */
			i += 2;
			if (gif_skip_blocks(p, len, &i) == -1)
				return PROBE_TRUNCATED;
		} else if (p[i] == 0x2c) {	/* image descriptor */
			if (len - i < 10)
				return PROBE_TRUNCATED;
			fw = le16(p + i + 5);
			fh = le16(p + i + 7);
			if (fw == 0 || fh == 0)
				return PROBE_INVALID;
			d->pixels += (uint64_t)fw * fh;
			d->frames++;
			if (fw > d->max_side)
				d->max_side = fw;
			if (fh > d->max_side)
				d->max_side = fh;
			if (p[i + 9] & 0x80)
				i += 3u << ((p[i + 9] & 7) + 1);
			i += 10 + 1;		/* descriptor, LZW minimum code size */
			if (gif_skip_blocks(p, len, &i) == -1)
				return PROBE_TRUNCATED;
		} else
			return PROBE_INVALID;
	}
	if (d->frames == 0)
		return i < len ? PROBE_INVALID : PROBE_TRUNCATED;
	return PROBE_OK;
}

/*
 * WebP: the first chunk is VP8 (lossy: 14-bit sizes after the start code),
 * VP8L (lossless: 14-bit sizes minus one) or VP8X (extended: 24-bit canvas
 * sizes minus one; an animation counts as many canvases as it has ANMF
 * chunks).
 */
static enum probe_status
probe_webp(const unsigned char *p, size_t len, struct img_dims *d)
{
	const unsigned char	*c = p + 12;
	uint32_t		 w, h, frames = 0, clen;
	size_t			 i;

	if (len < 12 + 8 + 10)
		return PROBE_TRUNCATED;
	if (memcmp(c, "VP8 ", 4) == 0) {
		if (c[11] != 0x9d || c[12] != 0x01 || c[13] != 0x2a)
			return PROBE_INVALID;
		return still(d, le16(c + 14) & 0x3fff, le16(c + 16) & 0x3fff);
	}
	if (memcmp(c, "VP8L", 4) == 0) {
		if (c[8] != 0x2f)
			return PROBE_INVALID;
		w = (le32(c + 9) & 0x3fff) + 1;
		h = ((le32(c + 9) >> 14) & 0x3fff) + 1;
		return still(d, w, h);
	}
	if (memcmp(c, "VP8X", 4) != 0)
		return PROBE_INVALID;
	w = le24(c + 12) + 1;
	h = le24(c + 15) + 1;
	if (still(d, w, h) != PROBE_OK)
		return PROBE_INVALID;
	if (!(c[8] & 0x02))		/* not animated */
		return PROBE_OK;
	for (i = 12; i <= len && len - i >= 8; i += 8 + (size_t)clen + (clen & 1)) {
		clen = le32(p + i + 4);
		if (memcmp(p + i, "ANMF", 4) == 0)
			frames++;
		if (clen > len - i - 8)
			break;
	}
	d->frames = frames > 0 ? frames : 1;
	d->pixels = (uint64_t)w * h * d->frames;
	return PROBE_OK;
}

enum probe_status
img_probe(const void *data, size_t len, enum img_type type, struct img_dims *d)
{
	const unsigned char *p = data;

	memset(d, 0, sizeof(*d));
	switch (type) {
	case IMG_JPEG:
		return probe_jpeg(p, len, d);
	case IMG_PNG:
		return probe_png(p, len, d);
	case IMG_GIF:
		return probe_gif(p, len, d);
	case IMG_WEBP:
		return probe_webp(p, len, d);
	}
	return PROBE_INVALID;
}
