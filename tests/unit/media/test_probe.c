/* Unit tests of probe.c: magic bytes, and dimensions read from headers alone. */
#include <string.h>

#include "media/probe.h"
#include "suites.h"

/* Sniffs a string literal's bytes. Returns the type, or -1 when refused. */
static int
sniff(const char *p, size_t len)
{
	enum img_type t;

	return img_sniff(p, len, &t) ? (int)t : -1;
}

#define SNIFF(lit) sniff((lit), sizeof(lit) - 1)

START_TEST(sniff_by_magic_bytes)
{
	ck_assert_int_eq(SNIFF("\xff\xd8\xff\xe0\0\x10JFIF"), IMG_JPEG);
	ck_assert_int_eq(SNIFF("\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), IMG_PNG);
	ck_assert_int_eq(SNIFF("GIF87a\1\0\1\0"), IMG_GIF);
	ck_assert_int_eq(SNIFF("GIF89a\1\0\1\0"), IMG_GIF);
	ck_assert_int_eq(SNIFF("RIFF\x24\0\0\0WEBPVP8 "), IMG_WEBP);
	/* What ImageMagick would happily decode with another coder, never reaches it. */
	ck_assert_int_eq(SNIFF("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), -1);
	ck_assert_int_eq(SNIFF("<?xml version=\"1.0\"?><svg/>"), -1);
	ck_assert_int_eq(SNIFF("%!PS-Adobe-3.0\n"), -1);
	ck_assert_int_eq(SNIFF("%PDF-1.4\n"), -1);
	ck_assert_int_eq(SNIFF("push graphic-context\nviewbox 0 0 1 1\n"), -1);
	ck_assert_int_eq(SNIFF("<?xml version=\"1.0\"?><image><read filename=\"x\"/></image>"), -1);
	ck_assert_int_eq(SNIFF("hello, this is text named photo.jpg"), -1);
	ck_assert_int_eq(SNIFF("RIFF\x24\0\0\0WAVEfmt "), -1);
	ck_assert_int_eq(SNIFF("BM\x36\0\0\0"), -1);
	/* Too short for the whole signature. */
	ck_assert_int_eq(sniff("", 0), -1);
	ck_assert_int_eq(SNIFF("\xff\xd8"), -1);
	ck_assert_int_eq(SNIFF("\x89PNG\r\n"), -1);
	ck_assert_int_eq(SNIFF("GIF89"), -1);
	ck_assert_int_eq(SNIFF("RIFF\0\0\0\0WEB"), -1);
}
END_TEST

START_TEST(names_of_types)
{
	ck_assert_str_eq(img_mime(IMG_JPEG), "image/jpeg");
	ck_assert_str_eq(img_mime(IMG_WEBP), "image/webp");
	ck_assert_str_eq(img_magick(IMG_PNG), "PNG");
	ck_assert_str_eq(img_ext(IMG_JPEG), "jpg");
	ck_assert_str_eq(img_ext(IMG_GIF), "gif");
}
END_TEST

/* Writes a PNG signature and IHDR of w x h into out (33 bytes). */
static void
png_header(unsigned char out[33], uint32_t w, uint32_t h)
{
	memcpy(out, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	out[16] = (unsigned char)(w >> 24);
	out[17] = (unsigned char)(w >> 16);
	out[18] = (unsigned char)(w >> 8);
	out[19] = (unsigned char)w;
	out[20] = (unsigned char)(h >> 24);
	out[21] = (unsigned char)(h >> 16);
	out[22] = (unsigned char)(h >> 8);
	out[23] = (unsigned char)h;
	memcpy(out + 24, "\x08\x02\0\0\0\0\0\0\0", 9);	/* depth, colour, …, CRC */
}

START_TEST(png_pixel_flood_read_from_ihdr)
{
	unsigned char	 p[33];
	struct img_dims	 d;

	png_header(p, 100000, 100000);
	ck_assert_int_eq(img_probe(p, sizeof(p), IMG_PNG, &d), PROBE_OK);
	ck_assert_uint_eq(d.width, 100000);
	ck_assert_uint_eq(d.height, 100000);
	ck_assert(d.pixels == 10000000000ULL);
	ck_assert_uint_eq(d.max_side, 100000);
	ck_assert_uint_eq(d.frames, 1);

	png_header(p, 0, 10);
	ck_assert_int_eq(img_probe(p, sizeof(p), IMG_PNG, &d), PROBE_INVALID);
	png_header(p, 0x80000000u, 1);
	ck_assert_int_eq(img_probe(p, sizeof(p), IMG_PNG, &d), PROBE_INVALID);
	png_header(p, 10, 10);
	ck_assert_int_eq(img_probe(p, 20, IMG_PNG, &d), PROBE_TRUNCATED);
	ck_assert_int_eq(img_probe(p, 8, IMG_PNG, &d), PROBE_TRUNCATED);
	memcpy(p + 12, "tEXt", 4);			/* IHDR must come first */
	ck_assert_int_eq(img_probe(p, sizeof(p), IMG_PNG, &d), PROBE_INVALID);
}
END_TEST

/* A JPEG: SOI, APP0 JFIF, APP1 with some bytes, DQT, then SOF (marker sof). */
static size_t
jpeg_header(unsigned char *out, uint8_t sof, uint16_t w, uint16_t h)
{
	static const unsigned char head[] = {
		0xff, 0xd8,
		0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
		0xff, 0xe1, 0x00, 0x08, 'E', 'x', 'i', 'f', 0, 0,
		0xff, 0xff,				/* a fill byte */
		0xff, 0xc4, 0x00, 0x04, 0x00, 0x00,	/* DHT is not a frame header */
	};
	size_t n = sizeof(head);

	memcpy(out, head, n);
	out[n++] = 0xff;
	out[n++] = sof;
	out[n++] = 0x00;
	out[n++] = 0x11;
	out[n++] = 8;				/* precision */
	out[n++] = (unsigned char)(h >> 8);
	out[n++] = (unsigned char)h;
	out[n++] = (unsigned char)(w >> 8);
	out[n++] = (unsigned char)w;
	memset(out + n, 0, 10);
	n += 10;
	/* A scan: SOS, entropy-coded data with a stuffed FF and a restart, EOI. */
	memcpy(out + n, "\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
	    "\x12\xff\x00\x34\xff\xd0\x56\xff\xd9", 19);
	return n + 19;
}

START_TEST(jpeg_frame_header)
{
	unsigned char	 p[128];
	struct img_dims	 d;
	size_t		 n;

	n = jpeg_header(p, 0xc0, 4000, 3000);
	ck_assert_int_eq(img_probe(p, n, IMG_JPEG, &d), PROBE_OK);
	ck_assert_uint_eq(d.width, 4000);
	ck_assert_uint_eq(d.height, 3000);
	n = jpeg_header(p, 0xc2, 640, 480);		/* progressive */
	ck_assert_int_eq(img_probe(p, n, IMG_JPEG, &d), PROBE_OK);
	ck_assert_uint_eq(d.width, 640);
	n = jpeg_header(p, 0xc0, 0, 480);
	ck_assert_int_eq(img_probe(p, n, IMG_JPEG, &d), PROBE_INVALID);
	/* Cut anywhere, headers or scan: truncated, never read past the end. */
	n = jpeg_header(p, 0xc0, 4000, 3000);
	for (size_t cut = 3; cut < n; cut++)
		ck_assert_int_eq(img_probe(p, cut, IMG_JPEG, &d), PROBE_TRUNCATED);
	/* Too many scans (a progressive JPEG built to keep libjpeg busy). */
	{
		unsigned char	 many[64 + 8 * (JPEG_MAX_SCANS + 1)];
		size_t		 k, m = jpeg_header(many, 0xc2, 64, 64) - 2;

		for (k = 0; k < JPEG_MAX_SCANS; k++) {
			memcpy(many + m, "\x12\xff\xda\x00\x02\x34", 6);
			m += 6;
		}
		memcpy(many + m, "\xff\xd9", 2);
		ck_assert_int_eq(img_probe(many, m + 2, IMG_JPEG, &d), PROBE_INVALID);
		ck_assert_int_eq(img_probe(many, m + 2 - 6 * 2, IMG_JPEG, &d), PROBE_TRUNCATED);
	}
	/* A comment segment holding FF D9 between scans is skipped, not taken for the end. */
	{
		unsigned char	 tricky[64 + 8 * (JPEG_MAX_SCANS + 1)];
		size_t		 k, m = jpeg_header(tricky, 0xc2, 64, 64) - 2;

		memcpy(tricky + m, "\xff\xfe\x00\x04\xff\xd9", 6);
		m += 6;
		ck_assert_int_eq(img_probe(tricky, m, IMG_JPEG, &d), PROBE_TRUNCATED);
		for (k = 0; k < JPEG_MAX_SCANS; k++) {
			memcpy(tricky + m, "\x12\xff\xda\x00\x02\x34", 6);
			m += 6;
		}
		memcpy(tricky + m, "\xff\xd9", 2);
		ck_assert_int_eq(img_probe(tricky, m + 2, IMG_JPEG, &d), PROBE_INVALID);
	}
	/* Bytes after the end marker do no harm. */
	memcpy(p + n, "trailing", 8);
	ck_assert_int_eq(img_probe(p, n + 8, IMG_JPEG, &d), PROBE_OK);
	/* Scan data before any frame header. */
	memcpy(p, "\xff\xd8\xff\xda\x00\x08", 6);
	ck_assert_int_eq(img_probe(p, 20, IMG_JPEG, &d), PROBE_INVALID);
	/* Garbage where a marker should be. */
	memcpy(p, "\xff\xd8\xff\xe0\x00\x04\0\0\x42", 9);
	ck_assert_int_eq(img_probe(p, 20, IMG_JPEG, &d), PROBE_INVALID);
	/* A segment length that runs past the end. */
	memcpy(p, "\xff\xd8\xff\xe1\xff\xff", 6);
	ck_assert_int_eq(img_probe(p, 64, IMG_JPEG, &d), PROBE_TRUNCATED);
}
END_TEST

/* Appends one GIF frame of w x h (a local table when lct) at out[*n]. */
static void
gif_frame(unsigned char *out, size_t *n, uint16_t w, uint16_t h, bool lct)
{
	unsigned char	 f[] = { 0x2c, 0, 0, 0, 0, (unsigned char)w, (unsigned char)(w >> 8),
	    (unsigned char)h, (unsigned char)(h >> 8), lct ? 0x80 : 0 };

	memcpy(out + *n, f, sizeof(f));
	*n += sizeof(f);
	if (lct) {
		memset(out + *n, 0, 6);
		*n += 6;
	}
	memcpy(out + *n, "\x02\x02\x4c\x01\x00", 5);	/* code size, one sub-block, end */
	*n += 5;
}

START_TEST(gif_counts_every_frame)
{
	unsigned char	 p[256];
	struct img_dims	 d;
	size_t		 n = 0, whole;

	memcpy(p, "GIF89a\x0a\x00\x08\x00\x80\x00\x00", 13);	/* 10x8, 2-colour table */
	n = 13;
	memset(p + n, 0, 6);
	n += 6;
	memcpy(p + n, "\x21\xf9\x04\x00\x0a\x00\x00\x00", 8);	/* graphic control */
	n += 8;
	gif_frame(p, &n, 10, 8, false);
	memcpy(p + n, "\x21\xfe\x03hi!\x00", 7);		/* a comment */
	n += 7;
	gif_frame(p, &n, 300, 2, true);
	whole = n;
	p[n++] = 0x3b;
	ck_assert_int_eq(img_probe(p, n, IMG_GIF, &d), PROBE_OK);
	ck_assert_uint_eq(d.width, 10);
	ck_assert_uint_eq(d.height, 8);
	ck_assert_uint_eq(d.frames, 2);
	ck_assert(d.pixels == 80 + 80 + 600);	/* the canvas, then each frame */
	ck_assert_uint_eq(d.max_side, 300);
	/* Without the trailer, after whole frames: still fine. */
	ck_assert_int_eq(img_probe(p, whole, IMG_GIF, &d), PROBE_OK);
	/* Cut anywhere: truncated, unless right after a whole frame or block. */
	ck_assert_uint_eq(whole, 70);
	for (size_t cut = 0; cut < whole; cut++)
		ck_assert_int_eq(img_probe(p, cut, IMG_GIF, &d),
		    cut == 42 || cut == 49 ? PROBE_OK : PROBE_TRUNCATED);
	/* No frame at all. */
	p[19] = 0x3b;
	ck_assert_int_eq(img_probe(p, 20, IMG_GIF, &d), PROBE_INVALID);
	/* A block that is neither extension, frame nor trailer. */
	p[19] = 0x99;
	ck_assert_int_eq(img_probe(p, 30, IMG_GIF, &d), PROBE_INVALID);
	/* An empty screen. */
	memcpy(p, "GIF89a\x00\x00\x08\x00\x00\x00\x00", 13);
	ck_assert_int_eq(img_probe(p, n, IMG_GIF, &d), PROBE_INVALID);
}
END_TEST

START_TEST(webp_chunks)
{
	unsigned char	 p[128];
	struct img_dims	 d;
	size_t		 i, n;

	memset(p, 0, sizeof(p));
	memcpy(p, "RIFF\0\0\0\0WEBPVP8 \0\0\0\0\0\0\0\x9d\x01\x2a\x80\x02\xe0\x01", 30);
	ck_assert_int_eq(img_probe(p, 40, IMG_WEBP, &d), PROBE_OK);
	ck_assert_uint_eq(d.width, 640);
	ck_assert_uint_eq(d.height, 480);
	p[23] = 0;					/* no start code */
	ck_assert_int_eq(img_probe(p, 40, IMG_WEBP, &d), PROBE_INVALID);
	ck_assert_int_eq(img_probe(p, 25, IMG_WEBP, &d), PROBE_TRUNCATED);

	/* VP8L: 14-bit width - 1 and height - 1 after the 0x2f signature. */
	memcpy(p + 12, "VP8L\0\0\0\0\x2f", 9);
	p[21] = 99;					/* width 100 */
	p[22] = (49 << 6) & 0xff;			/* height 50: bits 14.. */
	p[23] = 49 >> 2;
	p[24] = 0;
	ck_assert_int_eq(img_probe(p, 40, IMG_WEBP, &d), PROBE_OK);
	ck_assert_uint_eq(d.width, 100);
	ck_assert_uint_eq(d.height, 50);

	/* VP8X: 24-bit canvas sizes - 1; animated with three ANMF chunks. */
	memset(p, 0, sizeof(p));
	memcpy(p, "RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x02\0\0\0\xcf\x07\0\xe7\x03\0", 30);
	n = 30;
	ck_assert_int_eq(img_probe(p, n, IMG_WEBP, &d), PROBE_OK);
	ck_assert_uint_eq(d.width, 2000);
	ck_assert_uint_eq(d.height, 1000);
	for (i = 0; i < 3; i++) {
		memcpy(p + n, "ANMF\x03\0\0\0abc\0", 12);	/* odd size: padded */
		n += 12;
	}
	ck_assert_int_eq(img_probe(p, n, IMG_WEBP, &d), PROBE_OK);
	ck_assert_uint_eq(d.frames, 3);
	ck_assert(d.pixels == 3ULL * 2000 * 1000);
	/* A chunk claiming more bytes than there are ends the count, nothing more. */
	memcpy(p + n, "ANMF\xff\xff\xff\x7f", 8);
	ck_assert_int_eq(img_probe(p, n + 8, IMG_WEBP, &d), PROBE_OK);
	ck_assert_uint_eq(d.frames, 4);
	memcpy(p + 12, "ABCD", 4);
	ck_assert_int_eq(img_probe(p, n, IMG_WEBP, &d), PROBE_INVALID);
}
END_TEST

Suite *
probe_suite(void)
{
	Suite	*s = suite_create("probe");
	TCase	*t = tcase_create("probe");

	tcase_add_test(t, sniff_by_magic_bytes);
	tcase_add_test(t, names_of_types);
	tcase_add_test(t, png_pixel_flood_read_from_ihdr);
	tcase_add_test(t, jpeg_frame_header);
	tcase_add_test(t, gif_counts_every_frame);
	tcase_add_test(t, webp_chunks);
	suite_add_tcase(s, t);
	return s;
}
