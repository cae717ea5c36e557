/*
 * Integration tests of Media: real HTTP through lighttpd to quire-media, a
 * real PostgreSQL, and the cache directory the web server serves. Every
 * test image is made here, with MagickWand or by hand (EXIF, pixel floods,
 * files that only pretend to be images). Each test makes its own users.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/sha.h>
#include <wand/MagickWand.h>

#include "client.h"
#include "nitems.h"
#include "encode.h"

#define BOUNDARY	"----QuireTestBoundary7MA4YWxkTrZu0gW"
#define UPLOAD_MAX	4194304		/* set for this stack below */

/* An image made by a test: bytes to free with blob_free(). */
struct blob {
	unsigned char	*data;
	size_t		 len;
};

static void
blob_free(struct blob *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/*
 * Starts MagickWand in this process, once. Each test runs in its own forked
 * child, and ImageMagick's thread pool does not survive a fork: never start
 * it in the parent.
 */
static void
magick(void)
{
	static pid_t	 started;

	if (started == getpid())
		return;
	MagickWandGenesis();
	MagickSetResourceLimit(ThreadResource, 1);
	started = getpid();
}

/* Encodes the images of mw into b (all frames when all), copied out of ImageMagick's memory. */
static void
blob_take(struct blob *b, MagickWand *mw, bool all)
{
	size_t		 len = 0;
	unsigned char	*data = all ? MagickGetImagesBlob(mw, &len) : MagickGetImageBlob(mw, &len);

	ck_assert_ptr_nonnull(data);
	b->data = malloc(len);
	memcpy(b->data, data, len);
	b->len = len;
	MagickRelinquishMemory(data);
}

/*
 * Makes an image of w x h in format: a gradient (from, to colours), or, with
 * split, the left half `from` and the right half `to`.
 */
static struct blob
make_image(const char *format, size_t w, size_t h, const char *from, const char *to, bool split)
{
	MagickWand	*mw, *right;
	PixelWand	*c;
	struct blob	 b;
	char		 spec[64];

	magick();
	mw = NewMagickWand();
	c = NewPixelWand();
	if (split) {
		PixelSetColor(c, from);
		MagickNewImage(mw, w / 2, h, c);
		right = NewMagickWand();
		PixelSetColor(c, to);
		MagickNewImage(right, w - w / 2, h, c);
		MagickAddImage(mw, right);
		DestroyMagickWand(right);
		MagickResetIterator(mw);
		right = MagickAppendImages(mw, MagickFalse);
		DestroyMagickWand(mw);
		mw = right;
	} else {
		snprintf(spec, sizeof(spec), "gradient:%s-%s", from, to);
		MagickSetSize(mw, w, h);
		ck_assert(MagickReadImage(mw, spec) == MagickTrue);
	}
	MagickSetImageFormat(mw, format);
	MagickSetImageCompressionQuality(mw, 90);
	blob_take(&b, mw, false);
	DestroyPixelWand(c);
	DestroyMagickWand(mw);
	return b;
}

/* Makes an animated GIF of n frames of w x h, each its own colour. */
static struct blob
make_animation(size_t n, size_t w, size_t h)
{
	static const char *const colours[] = { "red", "lime", "blue", "yellow" };
	MagickWand	*mw;
	PixelWand	*c;
	struct blob	 b;
	size_t		 i;

	magick();
	mw = NewMagickWand();
	c = NewPixelWand();
	for (i = 0; i < n; i++) {
		PixelSetColor(c, colours[i % 4]);
		MagickNewImage(mw, w, h, c);
		MagickSetImageDelay(mw, 10);
		MagickSetImageFormat(mw, "GIF");
	}
	MagickResetIterator(mw);
	MagickSetFirstIterator(mw);
	MagickSetImageFormat(mw, "GIF");
	blob_take(&b, mw, true);
	DestroyPixelWand(c);
	DestroyMagickWand(mw);
	return b;
}

/* What a served image is, read back with MagickWand. */
struct seen {
	size_t	 width, height, frames;
	char	 format[16];
	char	 top[64], bottom[64];	/* colours at the middle of the top and bottom rows */
	bool	 alpha;
};

/* Decodes data (in format) and describes it; fails the test when it is not an image. */
static struct seen
look(const void *data, size_t len, const char *format)
{
	MagickWand	*mw;
	PixelWand	*p;
	struct seen	 s;
	char		*f, *c;

	magick();
	mw = NewMagickWand();
	p = NewPixelWand();
	memset(&s, 0, sizeof(s));
	MagickSetFormat(mw, format);
	ck_assert_msg(MagickReadImageBlob(mw, data, len) == MagickTrue, "not a %s", format);
	s.frames = MagickGetNumberImages(mw);
	MagickSetFirstIterator(mw);
	s.width = MagickGetImageWidth(mw);
	s.height = MagickGetImageHeight(mw);
	f = MagickGetImageFormat(mw);
	snprintf(s.format, sizeof(s.format), "%s", f);
	MagickRelinquishMemory(f);
	s.alpha = MagickGetImageAlphaChannel(mw) == MagickTrue;
	MagickGetImagePixelColor(mw, (ssize_t)s.width / 2, 2, p);
	c = PixelGetColorAsNormalizedString(p);
	snprintf(s.top, sizeof(s.top), "%s", c);
	MagickRelinquishMemory(c);
	MagickGetImagePixelColor(mw, (ssize_t)s.width / 2, (ssize_t)s.height - 3, p);
	c = PixelGetColorAsNormalizedString(p);
	snprintf(s.bottom, sizeof(s.bottom), "%s", c);
	MagickRelinquishMemory(c);
	DestroyPixelWand(p);
	DestroyMagickWand(mw);
	return s;
}

/* Returns whether a normalized colour string is mostly red ("r,g,b" in 0..1). */
static bool
reddish(const char *c)
{
	double r = 0, g = 1, b = 1;

	return sscanf(c, "%lf,%lf,%lf", &r, &g, &b) == 3 && r > 0.8 && g < 0.2 && b < 0.2;
}

static bool
bluish(const char *c)
{
	double r = 1, g = 1, b = 0;

	return sscanf(c, "%lf,%lf,%lf", &r, &g, &b) == 3 && r < 0.2 && g < 0.2 && b > 0.8;
}

/* Returns whether needle[0..n) occurs in data[0..len). */
static bool
contains(const void *data, size_t len, const char *needle, size_t n)
{
	return memmem(data, len, needle, n) != NULL;
}

/*
 * Inserts an APP1 Exif segment (Orientation 6: turn 90 degrees clockwise,
 * and a GPS latitude), an APP1 XMP packet and a comment right after a
 * JPEG's SOI. Returns the new JPEG (to free).
 */
static struct blob
with_exif(const struct blob *jpeg)
{
	/* TIFF, little-endian: IFD0 at 8 with Orientation and a GPS IFD pointer. */
	static const unsigned char tiff[] = {
		'I', 'I', 42, 0, 8, 0, 0, 0,
		2, 0,
		0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0,		/* Orientation = 6 */
		0x25, 0x88, 4, 0, 1, 0, 0, 0, 38, 0, 0, 0,		/* GPS IFD at 38 */
		0, 0, 0, 0,
		/* GPS IFD: LatitudeRef "N", Latitude 3 rationals at 68 */
		2, 0,
		0x01, 0x00, 2, 0, 2, 0, 0, 0, 'N', 0, 0, 0,
		0x02, 0x00, 5, 0, 3, 0, 0, 0, 68, 0, 0, 0,
		0, 0, 0, 0,
		48, 0, 0, 0, 1, 0, 0, 0, 51, 0, 0, 0, 1, 0, 0, 0, 0x60, 0x09, 0, 0, 100, 0, 0, 0,
	};
	static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:RDF>"
	    "exif:GPSLatitude 48,51.24N secret-xmp</rdf:RDF></x:xmpmeta>";
	static const char comment[] = "secret-comment: taken at home";
	struct blob	 b;
	size_t		 n = 0, seg;

	b.data = malloc(jpeg->len + sizeof(tiff) + sizeof(xmp) + sizeof(comment) + 64);
	memcpy(b.data, jpeg->data, 2);
	n = 2;
	seg = 2 + 6 + sizeof(tiff);
	memcpy(b.data + n, (unsigned char[]){ 0xff, 0xe1, (unsigned char)(seg >> 8),
	    (unsigned char)seg, 'E', 'x', 'i', 'f', 0, 0 }, 10);
	n += 10;
	memcpy(b.data + n, tiff, sizeof(tiff));
	n += sizeof(tiff);
	seg = 2 + sizeof(xmp) - 1;
	memcpy(b.data + n, (unsigned char[]){ 0xff, 0xe1, (unsigned char)(seg >> 8),
	    (unsigned char)seg }, 4);
	n += 4;
	memcpy(b.data + n, xmp, sizeof(xmp) - 1);
	n += sizeof(xmp) - 1;
	seg = 2 + sizeof(comment) - 1;
	memcpy(b.data + n, (unsigned char[]){ 0xff, 0xfe, (unsigned char)(seg >> 8),
	    (unsigned char)seg }, 4);
	n += 4;
	memcpy(b.data + n, comment, sizeof(comment) - 1);
	n += sizeof(comment) - 1;
	memcpy(b.data + n, jpeg->data + 2, jpeg->len - 2);
	b.len = n + jpeg->len - 2;
	return b;
}

/*
 * Walks a JPEG's marker segments up to the scan. Returns whether any of them
 * is an APP1-APP15 or a comment (APP0 JFIF is allowed), or the walk fails.
 */
static bool
jpeg_has_metadata(const unsigned char *p, size_t len)
{
	size_t	 i = 2;

	while (i + 4 <= len && p[i] == 0xff) {
		if (p[i + 1] == 0xda)
			return false;
		if ((p[i + 1] >= 0xe1 && p[i + 1] <= 0xef) || p[i + 1] == 0xfe)
			return true;
		i += 2 + ((size_t)p[i + 2] << 8 | p[i + 3]);
	}
	return true;
}

/* Sends a multipart/form-data POST /media with the parts given (NULL: left out). */
static long
post_form(const char *token, const char *file, size_t len, const char *filename,
    const char *alt, struct http_resp *r)
{
	struct buf	 body = BUF_INIT;
	char		 url[256], auth[AUTH_HEADER_SIZE];
	const char	*headers[3];
	long		 st;

	if (file != NULL) {
		buf_printf(&body, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
		    "filename=\"%s\"\r\nContent-Type: image/jpeg\r\n\r\n", filename);
		buf_append(&body, file, len);
		buf_puts(&body, "\r\n");
	}
	if (alt != NULL)
		buf_printf(&body, "--" BOUNDARY "\r\nContent-Disposition: form-data; "
		    "name=\"alt\"\r\n\r\n%s\r\n", alt);
	buf_puts(&body, "--" BOUNDARY "--\r\n");
	snprintf(url, sizeof(url), "%s/media", test_stack.base_url);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	headers[0] = auth;
	headers[1] = "Content-Type: multipart/form-data; boundary=" BOUNDARY;
	headers[2] = NULL;
	st = http_request("POST", url, headers, buf_str(&body), body.len, r);
	buf_free(&body);
	return st;
}

/* Sends POST path with a raw body of content_type. */
static long
post_raw(const char *token, const char *path, const char *content_type, const void *data,
    size_t len, struct http_resp *r)
{
	char		 url[2048], auth[AUTH_HEADER_SIZE], ct[256];
	const char	*headers[3] = { auth, ct, NULL };

	snprintf(url, sizeof(url), "%s%s", test_stack.base_url, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	snprintf(ct, sizeof(ct), "Content-Type: %s", content_type);
	return http_request("POST", url, headers, data, len, r);
}

/* GETs path with extra headers (NULL-terminated, or NULL). */
static long
get(const char *path, const char *const *headers, struct http_resp *r)
{
	char	 url[2048];

	snprintf(url, sizeof(url), "%s%s", test_stack.base_url, path);
	return http_request("GET", url, headers, NULL, 0, r);
}

/* Uploads an image as a new item and copies its id; fails the test unless 201. */
static void
upload(const char *token, const struct blob *b, char id[UUID_LEN + 1])
{
	struct http_resp r;

	post_form(token, (const char *)b->data, b->len, "photo.jpg", NULL, &r);
	ck_assert_msg(r.status == 201, "upload: %ld %s", r.status, buf_str(&r.body));
	snprintf(id, UUID_LEN + 1, "%s", http_resp_str(&r, "id"));
}

/* Returns how many items and originals an owner has, added up. */
static long
rows_of_owner(const char *owner)
{
	return db_number("quire_media", "SELECT count(*) FROM media.items WHERE owner_id = $1", owner) +
	    db_number("quire_media", "SELECT count(*) FROM media.originals o JOIN media.items i "
	    "ON i.id = o.item_id WHERE i.owner_id = $1", owner);
}

/* Returns how many entries the cache's media/ directory holds. */
static int
cache_entries(void)
{
	char	 cmd[1200];
	FILE	*f;
	int	 n = 0;

	snprintf(cmd, sizeof(cmd), "ls -A '%s/media-cache/media' 2>/dev/null | wc -l",
	    test_stack.var);
	f = popen(cmd, "r");
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

/* The cache path of an item's file ("w/640.webp"). */
static void
cache_file(char *out, size_t size, const char *id, const char *name)
{
	snprintf(out, size, "%s/media-cache/media/%s/%s", test_stack.var, id, name);
}

START_TEST(upload_and_metadata)
{
	struct http_resp r, m;
	struct blob	 jpg = make_image("JPEG", 1000, 600, "red", "blue", false);
	char		 name[USERNAME_MAX + 1], owner[UUID_LEN + 1], loc[128], path[128];
	const char	*tok;
	unsigned char	 sha[32];
	char		 hex[2 * SHA256_DIGEST_LENGTH + 1];
	json_t		*urls, *variants;
	const char	*key;
	json_t		*v;

	tok = new_user("author", name, owner);
	post_form(tok, (const char *)jpg.data, jpg.len, "cat.jpg", "a cat", &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, buf_str(&r.body));
	snprintf(path, sizeof(path), "/media/%s", http_resp_str(&r, "id"));
	ck_assert_str_eq(http_header(&r, "Location", loc, sizeof(loc)), path);
	ck_assert(uuid_valid(http_resp_str(&r, "id")));
	ck_assert_str_eq(http_resp_str(&r, "owner_id"), owner);
	ck_assert_str_eq(http_resp_str(&r, "mime"), "image/jpeg");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "width")), 1000);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "height")), 600);
	ck_assert_int_gt(json_integer_value(json_object_get(r.json, "bytes")), 0);
	ck_assert_str_eq(http_resp_str(&r, "alt"), "a cat");
	ck_assert_int_eq(strlen(http_resp_str(&r, "created_at")), 20);
	/* sha256 is of the bytes as uploaded. */
	SHA256(jpg.data, jpg.len, sha);
	hex_encode(sha, 32, hex);
	ck_assert_str_eq(http_resp_str(&r, "sha256"), hex);
	/* Exactly the keys Post codes against, with relative URLs. */
	ck_assert_int_eq(json_object_size(r.json), 10);
	urls = json_object_get(r.json, "urls");
	ck_assert_int_eq(json_object_size(urls), 2);
	snprintf(path, sizeof(path), "/media/%s/original", http_resp_str(&r, "id"));
	ck_assert_str_eq(json_string_value(json_object_get(urls, "original")), path);
	variants = json_object_get(urls, "variants");
	/* 320, 640, 960 up to 1000, and 1280, which serves the image at its 1000. */
	ck_assert_int_eq(json_object_size(variants), 4);
	json_object_foreach(variants, key, v) {
		snprintf(path, sizeof(path), "/media/%s/w/%s.webp", http_resp_str(&r, "id"), key);
		ck_assert_str_eq(json_string_value(v), path);
	}
	ck_assert_ptr_nonnull(json_object_get(variants, "1280"));
	ck_assert_ptr_null(json_object_get(variants, "1920"));

	/* Public metadata: the same item, no token needed. */
	snprintf(path, sizeof(path), "/media/%s", http_resp_str(&r, "id"));
	ck_assert_int_eq(api("GET", path, NULL, NULL, &m), 200);
	ck_assert(json_equal(m.json, r.json));
	/* An uppercase id is the same id. */
	for (char *p = path + 7; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	ck_assert_int_eq(api("GET", path, NULL, NULL, &m), 200);
	blob_free(&jpg);
}
END_TEST

START_TEST(raw_uploads_and_types)
{
	struct http_resp r;
	struct blob	 png = make_image("PNG", 300, 200, "white", "black", false);
	struct blob	 webp = make_image("WEBP", 330, 100, "yellow", "green", false);
	struct blob	 gif = make_animation(3, 60, 40);
	char		 path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	struct seen	 s;

	/* The raw image with ?alt=; the Content-Type's subtype does not matter. */
	post_raw(tok, "/media?alt=a%20gradient%20%E2%9C%93", "image/jpeg", png.data, png.len, &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, buf_str(&r.body));
	ck_assert_str_eq(http_resp_str(&r, "mime"), "image/png");
	ck_assert_str_eq(http_resp_str(&r, "alt"), "a gradient \xe2\x9c\x93");
	ck_assert_int_eq(json_object_size(json_object_get(json_object_get(r.json, "urls"),
	    "variants")), 1);			/* narrower than 320: 320 serves its 300 */

	post_raw(tok, "/media", "image/webp", webp.data, webp.len, &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, buf_str(&r.body));
	ck_assert_str_eq(http_resp_str(&r, "mime"), "image/webp");
	ck_assert_int_eq(json_object_size(json_object_get(json_object_get(r.json, "urls"),
	    "variants")), 2);			/* 320, and 640 serving its 330 */

	/* An animated GIF keeps every frame in its original; variants take the first. */
	post_raw(tok, "/media", "image/gif", gif.data, gif.len, &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, buf_str(&r.body));
	ck_assert_str_eq(http_resp_str(&r, "mime"), "image/gif");
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "width")), 60);
	snprintf(path, sizeof(path), "/media/%s/original", http_resp_str(&r, "id"));
	ck_assert_int_eq(get(path, NULL, &r), 200);
	s = look(r.body.data, r.body.len, "GIF");
	ck_assert_uint_eq(s.frames, 3);
	memcpy(strstr(path, "original"), "w/320.png", 10);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	s = look(r.body.data, r.body.len, "PNG");
	ck_assert_uint_eq(s.frames, 1);
	ck_assert_uint_eq(s.width, 60);			/* never wider than the original */
	ck_assert(reddish(s.top));

	blob_free(&png);
	blob_free(&webp);
	blob_free(&gif);
}
END_TEST

START_TEST(same_bytes_same_item)
{
	struct http_resp a, b, c;
	struct blob	 jpg = make_image("JPEG", 400, 300, "navy", "orange", false);
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);

	post_form(tok, (const char *)jpg.data, jpg.len, "a.jpg", "first", &a);
	post_raw(tok, "/media?alt=second", "image/jpeg", jpg.data, jpg.len, &b);
	ck_assert_int_eq(a.status, 201);
	ck_assert_int_eq(b.status, 200);
	ck_assert_str_eq(http_resp_str(&a, "id"), http_resp_str(&b, "id"));
	ck_assert_str_eq(http_resp_str(&b, "alt"), "first");
	/* Another owner's identical bytes are their own item. */
	post_form(other, (const char *)jpg.data, jpg.len, "a.jpg", NULL, &c);
	ck_assert_int_eq(c.status, 201);
	ck_assert_str_ne(http_resp_str(&a, "id"), http_resp_str(&c, "id"));
	blob_free(&jpg);
}
END_TEST

START_TEST(gps_exif_removed_and_orientation_applied)
{
	struct http_resp r;
	struct blob	 plain = make_image("JPEG", 200, 100, "red", "blue", true);
	struct blob	 exif = with_exif(&plain);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	struct seen	 s;

	/* The test image carries what must go. */
	ck_assert(contains(exif.data, exif.len, "Exif\0\0", 6));
	ck_assert(jpeg_has_metadata(exif.data, exif.len));
	post_form(tok, (const char *)exif.data, exif.len, "home.jpg", NULL, &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, buf_str(&r.body));
	/* Turned upright: 200x100 with orientation 6 is 100x200, left side on top. */
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "width")), 100);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "height")), 200);
	snprintf(id, sizeof(id), "%s", http_resp_str(&r, "id"));

	snprintf(path, sizeof(path), "/media/%s/original", id);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	ck_assert(!jpeg_has_metadata((unsigned char *)r.body.data, r.body.len));
	ck_assert(!contains(r.body.data, r.body.len, "Exif", 4));
	ck_assert(!contains(r.body.data, r.body.len, "secret", 6));
	ck_assert(!contains(r.body.data, r.body.len, "http://ns.adobe.com", 19));
	s = look(r.body.data, r.body.len, "JPEG");
	ck_assert_uint_eq(s.width, 100);
	ck_assert_uint_eq(s.height, 200);
	ck_assert_msg(reddish(s.top) && bluish(s.bottom), "top %s bottom %s", s.top, s.bottom);

	/* Variants too: a JPEG one (progressive) and a WebP one. */
	snprintf(path, sizeof(path), "/media/%s/w/320.jpg", id);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	ck_assert(!jpeg_has_metadata((unsigned char *)r.body.data, r.body.len));
	ck_assert(!contains(r.body.data, r.body.len, "secret", 6));
	ck_assert(contains(r.body.data, r.body.len, "\xff\xc2", 2));	/* SOF2: progressive */
	s = look(r.body.data, r.body.len, "JPEG");
	ck_assert_uint_eq(s.width, 100);
	ck_assert(reddish(s.top) && bluish(s.bottom));
	snprintf(path, sizeof(path), "/media/%s/w/320.webp", id);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	ck_assert(!contains(r.body.data, r.body.len, "EXIF", 4));
	ck_assert(!contains(r.body.data, r.body.len, "XMP ", 4));
	ck_assert(!contains(r.body.data, r.body.len, "secret", 6));

	blob_free(&plain);
	blob_free(&exif);
}
END_TEST

START_TEST(variants_miss_then_hit)
{
	struct http_resp miss, hit, nm;
	struct blob	 jpg = make_image("JPEG", 1400, 700, "red", "blue", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 rid[64], h1[128], h2[128], inm[160], made[1200];
	const char	*hdr[2] = { rid, NULL };
	const char	*cond[2] = { inm, NULL };
	struct seen	 s;

	upload(tok, &jpg, id);
	snprintf(path, sizeof(path), "/media/%s/w/640.webp", id);
	snprintf(made, sizeof(made), "made %s/media-cache/media/%s/w/640.webp", test_stack.var,
	    id);
	/* A miss: made by quire-media and sent with X-Sendfile. */
	snprintf(rid, sizeof(rid), "X-Request-Id: miss-%s", id);
	ck_assert_int_eq(get(path, hdr, &miss), 200);
	ck_assert_str_eq(http_header(&miss, "Content-Type", h1, sizeof(h1)), "image/webp");
	ck_assert_str_eq(http_header(&miss, "Cache-Control", h1, sizeof(h1)),
	    "public, max-age=31536000, immutable");
	ck_assert_ptr_nonnull(http_header(&miss, "X-Request-Id", h1, sizeof(h1)));
	ck_assert_ptr_null(http_header(&miss, "X-Sendfile", h1, sizeof(h1)));
	ck_assert_int_eq(program_log_count(rid + 14), 2);	/* the made line and the request line */
	ck_assert_int_eq(program_log_count(made), 1);
	s = look(miss.body.data, miss.body.len, "WEBP");
	ck_assert_uint_eq(s.width, 640);
	ck_assert_uint_eq(s.height, 320);

	/* A hit: the web server alone, same bytes and the same caching headers. */
	snprintf(rid, sizeof(rid), "X-Request-Id: hit-%s", id);
	ck_assert_int_eq(get(path, hdr, &hit), 200);
	ck_assert_int_eq(program_log_count(rid + 14), 0);	/* quire-media never saw it */
	ck_assert_ptr_null(http_header(&hit, "X-Request-Id", h1, sizeof(h1)));
	ck_assert_int_eq(program_log_count(made), 1);
	ck_assert_uint_eq(hit.body.len, miss.body.len);
	ck_assert(memcmp(hit.body.data, miss.body.data, hit.body.len) == 0);
	ck_assert_str_eq(http_header(&hit, "Content-Type", h1, sizeof(h1)), "image/webp");
	ck_assert_str_eq(http_header(&hit, "Cache-Control", h1, sizeof(h1)),
	    "public, max-age=31536000, immutable");
	ck_assert_str_eq(http_header(&hit, "X-Content-Type-Options", h1, sizeof(h1)), "nosniff");
	ck_assert_str_eq(http_header(&hit, "ETag", h1, sizeof(h1)),
	    http_header(&miss, "ETag", h2, sizeof(h2)));
	ck_assert(h1[0] == '"');			/* strong */
	ck_assert_str_eq(http_header(&hit, "Last-Modified", h1, sizeof(h1)),
	    http_header(&miss, "Last-Modified", h2, sizeof(h2)));

	/* If-None-Match: 304. */
	snprintf(inm, sizeof(inm), "If-None-Match: %s", http_header(&hit, "ETag", h1,
	    sizeof(h1)));
	ck_assert_int_eq(get(path, cond, &nm), 304);
	ck_assert_uint_eq(nm.body.len, 0);

	/* Wider than the original: the original's width; other formats. */
	snprintf(path, sizeof(path), "/media/%s/w/1920.jpg", id);
	ck_assert_int_eq(get(path, NULL, &nm), 200);
	ck_assert_str_eq(http_header(&nm, "Content-Type", h1, sizeof(h1)), "image/jpeg");
	s = look(nm.body.data, nm.body.len, "JPEG");
	ck_assert_uint_eq(s.width, 1400);
	snprintf(path, sizeof(path), "/media/%s/w/320.png", id);
	ck_assert_int_eq(get(path, NULL, &nm), 200);
	ck_assert_str_eq(http_header(&nm, "Content-Type", h1, sizeof(h1)), "image/png");
	ck_assert_uint_eq(look(nm.body.data, nm.body.len, "PNG").width, 320);

	/* The original: its own strong ETag, 304, a year of caching. */
	snprintf(path, sizeof(path), "/media/%s/original", id);
	ck_assert_int_eq(get(path, NULL, &nm), 200);
	ck_assert_str_eq(http_header(&nm, "Cache-Control", h1, sizeof(h1)),
	    "public, max-age=31536000, immutable");
	snprintf(inm, sizeof(inm), "If-None-Match: %s", http_header(&nm, "ETag", h1, sizeof(h1)));
	ck_assert_int_eq(get(path, cond, &nm), 304);

	blob_free(&jpg);
}
END_TEST

START_TEST(png_with_alpha_flattened_for_jpeg)
{
	struct http_resp r;
	struct blob	 png = make_image("PNG", 400, 200, "none", "none", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	struct seen	 s;

	upload(tok, &png, id);
	snprintf(path, sizeof(path), "/media/%s/w/320.jpg", id);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	s = look(r.body.data, r.body.len, "JPEG");
	ck_assert(!s.alpha);
	ck_assert_msg(strncmp(s.top, "1,1,1", 5) == 0, "transparent became %s", s.top);
	snprintf(path, sizeof(path), "/media/%s/w/320.png", id);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	ck_assert(look(r.body.data, r.body.len, "PNG").alpha);
	blob_free(&png);
}
END_TEST

START_TEST(unknown_variants_and_ids)
{
	struct http_resp r;
	struct blob	 jpg = make_image("JPEG", 700, 300, "teal", "pink", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	static const char *const names[] = { "333.webp", "640.gif", "640.WEBP", "0640.webp",
	    "640", "640.webp.lock", "99999999.webp" };
	/* Unknown ids: 404 everywhere; malformed ids: 400 everywhere. */
	static const struct api_case ids[] = {
		{ "GET", "/media/00000000-0000-4000-8000-000000000000", NULL, 404, "not_found", NULL },
		{ "GET", "/media/00000000-0000-4000-8000-000000000000/original", NULL, 404,
		    "not_found", NULL },
		{ "GET", "/media/00000000-0000-4000-8000-000000000000/w/640.webp", NULL, 404,
		    "not_found", NULL },
		{ "GET", "/media/not-a-uuid", NULL, 400, "invalid_id", NULL },
		{ "GET", "/media/not-a-uuid/original", NULL, 400, "invalid_id", NULL },
		{ "GET", "/media/0000000000000000000000000000000000000/w/640.webp", NULL, 400,
		    "invalid_id", NULL },
		{ "GET", "/media/%27%3B--/w/640.webp", NULL, 400, "invalid_id", NULL },
	};
	static const struct api_case writes[] = {
		{ "PATCH", "/media/nope", "{\"alt\":\"x\"}", 400, "invalid_id", NULL },
		{ "DELETE", "/media/nope", NULL, 400, "invalid_id", NULL },
	};
	size_t		 i;

	upload(tok, &jpg, id);
	for (i = 0; i < nitems(names); i++) {
		snprintf(path, sizeof(path), "/media/%s/w/%s", id, names[i]);
		get(path, NULL, &r);
		ck_error(&r, 404, "not_found");
	}
	api_expect_errors(NULL, NULL, ids, nitems(ids));
	api_expect_errors(tok, NULL, writes, nitems(writes));
	/* Errors are never cached as if they were images. */
	snprintf(path, sizeof(path), "/media/%s/w/333.webp", id);
	get(path, NULL, &r);
	ck_assert_str_eq(http_header(&r, "Cache-Control", path, sizeof(path)), "no-store");
	api("PUT", "/media", tok, NULL, &r);
	ck_error(&r, 405, "method_not_allowed");
	blob_free(&jpg);
}
END_TEST

START_TEST(cache_deleted_and_rebuilt)
{
	struct http_resp a, b;
	struct blob	 jpg = make_image("JPEG", 900, 600, "purple", "gold", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 file[1200], cmd[1300], e1[128], e2[128];
	struct stat	 sb;
	int		 i;

	upload(tok, &jpg, id);
	snprintf(path, sizeof(path), "/media/%s/w/640.webp", id);
	ck_assert_int_eq(get(path, NULL, &a), 200);
	cache_file(file, sizeof(file), id, "w/640.webp");
	ck_assert_int_eq(stat(file, &sb), 0);
	/* The whole cache directory goes. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/media-cache'", test_stack.var);
	ck_assert_int_eq(system(cmd), 0);
	/* The web server may answer from its stat cache for a second: ask until remade. */
	for (i = 0; i < 100 && stat(file, &sb) != 0; i++) {
		ck_assert_int_eq(get(path, NULL, &b), 200);
		if (stat(file, &sb) != 0)
			usleep(100000);
	}
	ck_assert_int_eq(stat(file, &sb), 0);
	ck_assert_int_eq(get(path, NULL, &b), 200);
	ck_assert_uint_eq(a.body.len, b.body.len);
	ck_assert(memcmp(a.body.data, b.body.data, a.body.len) == 0);
	/* Same bytes, same mtime: the same ETag as before the loss. */
	ck_assert_str_eq(http_header(&a, "ETag", e1, sizeof(e1)),
	    http_header(&b, "ETag", e2, sizeof(e2)));
	blob_free(&jpg);
}
END_TEST

START_TEST(concurrent_first_requests_make_it_once)
{
	struct blob	 jpg = make_image("JPEG", 2400, 1600, "red", "blue", false);
	char		 id[UUID_LEN + 1], url[256];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 made[1200];
	CURLM		*multi = curl_multi_init();
	CURL		*h[6];
	FILE		*sink = fopen("/dev/null", "w");
	long		 status;
	int		 i, running;

	upload(tok, &jpg, id);
	snprintf(url, sizeof(url), "%s/media/%s/w/1280.webp", test_stack.base_url, id);
	for (i = 0; i < 6; i++) {
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, url);
		curl_easy_setopt(h[i], CURLOPT_NOBODY, 0L);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, fwrite);
		curl_easy_setopt(h[i], CURLOPT_WRITEDATA, sink);
		curl_multi_add_handle(multi, h[i]);
	}
	do {
		curl_multi_perform(multi, &running);
		curl_multi_wait(multi, NULL, 0, 100, NULL);
	} while (running > 0);
	for (i = 0; i < 6; i++) {
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &status);
		ck_assert_int_eq(status, 200);
		curl_multi_remove_handle(multi, h[i]);
		curl_easy_cleanup(h[i]);
	}
	curl_multi_cleanup(multi);
	fclose(sink);
	/* Both workers served requests for it; one of them made the file. */
	snprintf(made, sizeof(made), "made %s/media-cache/media/%s/w/1280.webp", test_stack.var,
	    id);
	ck_assert_int_eq(program_log_count(made), 1);
	blob_free(&jpg);
}
END_TEST

START_TEST(delete_removes_everything)
{
	struct http_resp r;
	struct blob	 jpg = make_image("JPEG", 700, 500, "olive", "white", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		 dir[1200];
	struct stat	 sb;

	upload(tok, &jpg, id);
	snprintf(path, sizeof(path), "/media/%s/w/640.webp", id);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	snprintf(path, sizeof(path), "/media/%s/original", id);
	ck_assert_int_eq(get(path, NULL, &r), 200);
	cache_file(dir, sizeof(dir), id, "");
	ck_assert_int_eq(stat(dir, &sb), 0);
	ck_assert_int_eq(db_number("quire_media", "SELECT count(*) FROM media.originals WHERE item_id = $1",
	    id), 1);

	/* Not another author's to delete; nor anonymous. */
	snprintf(path, sizeof(path), "/media/%s", id);
	api("DELETE", path, other, NULL, &r);
	ck_error(&r, 403, "forbidden");
	api("DELETE", path, NULL, NULL, &r);
	ck_error(&r, 401, "missing_token");
	/* The owner deletes: the row, the original and every cached file are gone at once. */
	ck_assert_int_eq(api("DELETE", path, tok, NULL, &r), 204);
	ck_assert_int_ne(stat(dir, &sb), 0);
	ck_assert_int_eq(db_number("quire_media", "SELECT count(*) FROM media.items WHERE id = $1", id), 0);
	ck_assert_int_eq(db_number("quire_media", "SELECT count(*) FROM media.originals WHERE item_id = $1",
	    id), 0);
	api("GET", path, NULL, NULL, &r);
	ck_error(&r, 404, "not_found");
	api("DELETE", path, tok, NULL, &r);
	ck_error(&r, 404, "not_found");
	snprintf(path, sizeof(path), "/media/%s/original", id);
	api("GET", path, NULL, NULL, &r);
	ck_error(&r, 404, "not_found");
	snprintf(path, sizeof(path), "/media/%s/w/640.webp", id);
	get(path, NULL, &r);
	ck_error(&r, 404, "not_found");
	ck_assert_int_ne(stat(dir, &sb), 0);

	/* An editor may delete anyone's. */
	upload(tok, &jpg, id);
	snprintf(path, sizeof(path), "/media/%s", id);
	ck_assert_int_eq(api("DELETE", path, editor, NULL, &r), 204);
	blob_free(&jpg);
}
END_TEST

/*
 * A variant the web server has just served from the cache directory itself
 * is 404 right after the DELETE's 204, not a moment later (lighttpd's stat
 * cache kept it for up to a second). Three rounds, each within a second or
 * so of its own hit.
 */
START_TEST(deleted_variants_vanish_at_once)
{
	static const char *const names[] = { "w/640.webp", "w/320.jpg" };
	struct http_resp r;
	struct blob	 jpg = make_image("JPEG", 700, 500, "teal", "white", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	int		 round, i, hits;

	for (round = 0; round < 3; round++) {
		upload(tok, &jpg, id);
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "/media/%s/%s", id, names[i]);
			ck_assert_int_eq(get(path, NULL, &r), 200);	/* made */
		}
		/* Served by the web server alone: no log line of the program for it. */
		hits = program_log_count(id);
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "/media/%s/%s", id, names[i]);
			ck_assert_int_eq(get(path, NULL, &r), 200);
		}
		ck_assert_int_eq(program_log_count(id), hits);
		snprintf(path, sizeof(path), "/media/%s", id);
		ck_assert_int_eq(api("DELETE", path, tok, NULL, &r), 204);
		for (i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "/media/%s/%s", id, names[i]);
			get(path, NULL, &r);
			ck_error(&r, 404, "not_found");
		}
	}
	blob_free(&jpg);
}
END_TEST

START_TEST(patch_alt)
{
	struct http_resp r;
	struct blob	 jpg = make_image("JPEG", 100, 100, "red", "red", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	char		*body = malloc(4200);
	int		 i, n;
	const struct api_case bad[] = {
		{ "PATCH", path, body, 400, "invalid_field", "alt" },	/* 1001 characters */
		{ "PATCH", path, "{\"alt\":\"a\\u0007b\"}", 400, "control_character", "alt" },
		{ "PATCH", path, "{\"alt\":\"x\",\"owner_id\":\"y\"}", 400, "unknown_field",
		    "owner_id" },
		{ "PATCH", path, "{}", 400, "missing_field", "alt" },
		{ "PATCH", path, "{\"alt\":7}", 400, "invalid_type", "alt" },
		{ "PATCH", "/media/00000000-0000-4000-8000-000000000000", "{\"alt\":\"x\"}", 404,
		    "not_found", NULL },
	};

	upload(tok, &jpg, id);
	snprintf(path, sizeof(path), "/media/%s", id);
	ck_assert_int_eq(api("PATCH", path, tok, "{\"alt\":\"a red square\"}", &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "alt"), "a red square");
	ck_assert_int_eq(api("PATCH", path, editor, "{\"alt\":\"edited\"}", &r), 200);
	api("PATCH", path, other, "{\"alt\":\"mine now\"}", &r);
	ck_error(&r, 403, "forbidden");
	api("PATCH", path, NULL, "{\"alt\":\"x\"}", &r);
	ck_error(&r, 401, "missing_token");
	/* 1000 characters (of three bytes each) is the most. */
	n = snprintf(body, 4200, "{\"alt\":\"");
	for (i = 0; i < 1000; i++)
		n += snprintf(body + n, 4200 - (size_t)n, "\xe2\x9c\x93");
	snprintf(body + n, 4200 - (size_t)n, "\"}");
	ck_assert_int_eq(api("PATCH", path, tok, body, &r), 200);
	snprintf(body + n, 4200 - (size_t)n, "x\"}");
	api_expect_errors(tok, NULL, bad, nitems(bad));
	/* Nothing of the refused changes stuck. */
	api("GET", path, NULL, NULL, &r);
	ck_assert_int_eq(strlen(http_resp_str(&r, "alt")), 3000);
	free(body);
	blob_free(&jpg);
}
END_TEST

START_TEST(list_own_or_everyone)
{
	struct http_resp r;
	struct blob	 a = make_image("JPEG", 80, 80, "red", "blue", false);
	struct blob	 b = make_image("JPEG", 80, 80, "blue", "red", false);
	char		 owner[UUID_LEN + 1], other_id[UUID_LEN + 1], id[UUID_LEN + 1], q[200];
	char		 v[64];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, owner);
	const char	*other = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, other_id);
	const char	*editor = new_user("editor", (char[USERNAME_MAX + 1]){ 0 }, NULL);

	upload(tok, &a, id);
	upload(tok, &b, id);
	upload(other, &a, id);
	ck_assert_int_eq(api("GET", "/media?per_page=1", tok, NULL, &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 2);
	ck_assert_int_eq(json_array_size(json_object_get(r.json, "items")), 1);
	ck_assert_str_eq(http_header(&r, "X-Total-Count", v, sizeof(v)), "2");
	ck_assert_ptr_nonnull(http_header(&r, "Link", q, sizeof(q)));
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(
	    r.json, "items"), 0), "owner_id")), owner);
	/* An author may name themself, nobody else. */
	snprintf(q, sizeof(q), "/media?owner=%s", owner);
	ck_assert_int_eq(api("GET", q, tok, NULL, &r), 200);
	snprintf(q, sizeof(q), "/media?owner=%s", other_id);
	api("GET", q, tok, NULL, &r);
	ck_error(&r, 403, "forbidden");
	/* An editor sees everyone's, or one owner's. */
	ck_assert_int_eq(api("GET", q, editor, NULL, &r), 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json, "total")), 1);
	ck_assert_int_eq(api("GET", "/media", editor, NULL, &r), 200);
	ck_assert_int_ge(json_integer_value(json_object_get(r.json, "total")), 3);
	api("GET", "/media?owner=bob", editor, NULL, &r);
	ck_error(&r, 400, "invalid_query");
	api("GET", "/media?per_page=101", tok, NULL, &r);
	ck_error(&r, 400, "invalid_query");
	api("GET", "/media", NULL, NULL, &r);
	ck_error(&r, 401, "missing_token");
	blob_free(&a);
	blob_free(&b);
}
END_TEST

/* Posts a raw multipart body as is (own Content-Type). */
static long
post_body(const char *token, const char *ct, const char *body, size_t len, struct http_resp *r)
{
	return post_raw(token, "/media", ct, body, len, r);
}

#define FORM_CT "multipart/form-data; boundary=" BOUNDARY
#define PART(name) "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"" name "\"\r\n\r\n"

START_TEST(bad_forms_leave_nothing)
{
	struct http_resp r;
	struct blob	 jpg = make_image("JPEG", 120, 80, "red", "blue", false);
	char		 owner[UUID_LEN + 1];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, owner);
	struct buf	 two = BUF_INIT;
	char		 alt[1100];
	int		 before = cache_entries();

	/* No file part. */
	post_body(tok, FORM_CT, PART("alt") "x\r\n--" BOUNDARY "--\r\n",
	    strlen(PART("alt") "x\r\n--" BOUNDARY "--\r\n"), &r);
	ck_error(&r, 400, "missing_field");
	/* Two file parts. */
	buf_puts(&two, PART("file"));
	buf_append(&two, jpg.data, jpg.len);
	buf_puts(&two, "\r\n" PART("file"));
	buf_append(&two, jpg.data, jpg.len);
	buf_puts(&two, "\r\n--" BOUNDARY "--\r\n");
	post_body(tok, FORM_CT, two.data, two.len, &r);
	ck_error(&r, 400, "invalid_multipart");
	/* A part that is neither. */
	post_body(tok, FORM_CT, PART("photo") "x\r\n--" BOUNDARY "--\r\n",
	    strlen(PART("photo") "x\r\n--" BOUNDARY "--\r\n"), &r);
	ck_error(&r, 400, "unknown_field");
	/* No boundary, a bad one, the wrong one. */
	post_body(tok, "multipart/form-data", two.data, two.len, &r);
	ck_error(&r, 400, "invalid_multipart");
	post_body(tok, "multipart/form-data; boundary=\"\"", two.data, two.len, &r);
	ck_error(&r, 400, "invalid_multipart");
	post_body(tok, "multipart/form-data; boundary=other", two.data, two.len, &r);
	ck_error(&r, 400, "invalid_multipart");
	/* Cut before the closing boundary. */
	post_body(tok, FORM_CT, two.data, two.len / 3, &r);
	ck_error(&r, 400, "invalid_multipart");
	/* Neither a form nor an image. */
	post_body(tok, "application/json", "{}", 2, &r);
	ck_error(&r, 415, "unsupported_media_type");
	post_body(tok, "text/plain", "hello", 5, &r);
	ck_error(&r, 415, "unsupported_media_type");
	/* Zero bytes, raw or as the file part. */
	post_raw(tok, "/media", "image/jpeg", "", 0, &r);
	ck_error(&r, 400, "empty_body");
	post_form(tok, "", 0, "empty.jpg", NULL, &r);
	ck_error(&r, 400, "empty_body");
	/* alt over 1000 characters, in a form or the query; bad UTF-8. */
	memset(alt, 'a', 1001);
	alt[1001] = '\0';
	post_form(tok, (const char *)jpg.data, jpg.len, "a.jpg", alt, &r);
	ck_error(&r, 400, "invalid_field");
	post_form(tok, (const char *)jpg.data, jpg.len, "a.jpg", "caf\xe9", &r);
	ck_error(&r, 400, "invalid_utf8");
	memcpy(alt, "/media?alt=", 11);
	memset(alt + 11, 'b', 1001);
	alt[1012] = '\0';
	post_raw(tok, alt, "image/jpeg", jpg.data, jpg.len, &r);
	ck_error(&r, 400, "invalid_field");
	post_raw(tok, "/media?alt=caf%E9", "image/jpeg", jpg.data, jpg.len, &r);
	ck_error(&r, 400, "invalid_utf8");
	/* Only authors and up upload. */
	post_raw("not-a-token", "/media", "image/jpeg", jpg.data, jpg.len, &r);
	ck_error(&r, 401, "invalid_token");

	ck_assert_int_eq(rows_of_owner(owner), 0);
	ck_assert_int_eq(cache_entries(), before);
	buf_free(&two);
	blob_free(&jpg);
}
END_TEST

/*
 * Issue 10 item 5: an alt sent as a form part is measured by the part's
 * length: 1000 characters pass (the boundary after them does not count),
 * 1001 do not.
 */
START_TEST(form_alt_measured_by_its_length)
{
	struct http_resp r;
	struct blob	 jpg = make_image("JPEG", 90, 70, "orange", "purple", false);
	char		 owner[UUID_LEN + 1];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, owner);
	char		 alt[1002];

	memset(alt, 'a', 1001);
	alt[1001] = '\0';
	post_form(tok, (const char *)jpg.data, jpg.len, "a.jpg", alt, &r);
	ck_error(&r, 400, "invalid_field");
	alt[1000] = '\0';
	post_form(tok, (const char *)jpg.data, jpg.len, "a.jpg", alt, &r);
	ck_assert_msg(r.status == 201, "%ld %s", r.status, buf_str(&r.body));
	ck_assert_str_eq(http_resp_str(&r, "alt"), alt);
	blob_free(&jpg);
}
END_TEST

/*
 * Issue 10 item 11 (b): a malformed If-None-Match that reaches Media (the
 * first request of an original, before the web server has the file) is 400
 * invalid_precondition; a well-formed one that does not match is a 200.
 */
START_TEST(malformed_if_none_match_is_400)
{
	struct http_resp r;
	struct blob	 png = make_image("PNG", 60, 40, "teal", "maroon", false);
	char		 id[UUID_LEN + 1], path[160];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, NULL);
	const char	*bad[] = { "If-None-Match: abc", NULL };
	const char	*good[] = { "If-None-Match: \"abc\", W/\"def\"", NULL };

	upload(tok, &png, id);
	snprintf(path, sizeof(path), "/media/%s/original", id);
	get(path, bad, &r);
	ck_error(&r, 400, "invalid_precondition");
	ck_assert_int_eq(get(path, good, &r), 200);
	blob_free(&png);
}
END_TEST

START_TEST(bad_images_leave_nothing)
{
	static const char svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"10\" height=\"10\"><image href=\"file:///etc/passwd\"/></svg>\n";
	static const char ps[] = "%!PS-Adobe-3.0\n%%BoundingBox: 0 0 10 10\n"
	    "(/etc/passwd) (r) file\nshowpage\n";
	static const char mvg[] = "push graphic-context\nviewbox 0 0 10 10\n"
	    "image over 0,0 0,0 'url(https://example.com/x.jpg)'\npop graphic-context\n";
	static const char pdf[] = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
	struct http_resp r;
	struct blob	 jpg = make_image("JPEG", 300, 200, "red", "blue", false);
	struct blob	 png = make_image("PNG", 300, 200, "red", "blue", false);
	char		 owner[UUID_LEN + 1];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, owner);
	int		 before = cache_entries();

	/* Named .jpg, sent as image/jpeg: still refused, by their bytes. */
	post_form(tok, svg, sizeof(svg) - 1, "cat.jpg", NULL, &r);
	ck_error(&r, 415, "unsupported_image");
	post_form(tok, ps, sizeof(ps) - 1, "cat.jpg", NULL, &r);
	ck_error(&r, 415, "unsupported_image");
	post_raw(tok, "/media", "image/jpeg", mvg, sizeof(mvg) - 1, &r);
	ck_error(&r, 415, "unsupported_image");
	post_raw(tok, "/media", "image/jpeg", pdf, sizeof(pdf) - 1, &r);
	ck_error(&r, 415, "unsupported_image");
	post_form(tok, "just some text, honestly", 24, "photo.jpg", NULL, &r);
	ck_error(&r, 415, "unsupported_image");
	/* Truncated images. */
	post_form(tok, (const char *)jpg.data, jpg.len / 2, "half.jpg", NULL, &r);
	ck_error(&r, 422, "invalid_image");
	post_form(tok, (const char *)jpg.data, jpg.len - 2, "nearly.jpg", NULL, &r);
	ck_error(&r, 422, "invalid_image");
	post_form(tok, (const char *)jpg.data, 100, "head.jpg", NULL, &r);
	ck_error(&r, 422, "invalid_image");
	post_raw(tok, "/media", "image/png", png.data, png.len / 2, &r);
	ck_error(&r, 422, "invalid_image");
	post_raw(tok, "/media", "image/png", png.data, 20, &r);
	ck_error(&r, 422, "invalid_image");
	/* Right magic, garbage after it. */
	post_raw(tok, "/media", "image/gif", "GIF89a\x10\x00\x10\x00\x00\x00\x00\x55\x55", 15, &r);
	ck_error(&r, 422, "invalid_image");

	ck_assert_int_eq(rows_of_owner(owner), 0);
	ck_assert_int_eq(cache_entries(), before);
	blob_free(&jpg);
	blob_free(&png);
}
END_TEST

/* A PNG whose IHDR claims w x h, with a tiny IDAT after it: a decompression bomb's header. */
static struct blob
png_flood(uint32_t w, uint32_t h)
{
	static const unsigned char tail[] = {
		0, 0, 0, 10, 'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0, 1, 0, 0, 5, 0, 1, 0, 0, 0, 0,
		0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82,
	};
	struct blob	 b;

	b.len = 33 + sizeof(tail);
	b.data = malloc(b.len);
	memcpy(b.data, "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
	for (int i = 0; i < 4; i++) {
		b.data[16 + i] = (unsigned char)(w >> (24 - 8 * i));
		b.data[20 + i] = (unsigned char)(h >> (24 - 8 * i));
	}
	memcpy(b.data + 24, "\x08\x06\0\0\0\0\0\0\0", 9);
	memcpy(b.data + 33, tail, sizeof(tail));
	return b;
}

START_TEST(pixel_floods_refused_from_headers)
{
	struct http_resp r;
	struct blob	 flood = png_flood(100000, 100000);
	struct blob	 wide = png_flood(20000, 10);
	struct blob	 many = make_animation(1, 8, 8);
	char		 owner[UUID_LEN + 1];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, owner);

	/* 10 gigapixels: refused from IHDR, before any decoder allocates a byte. */
	post_form(tok, (const char *)flood.data, flood.len, "flood.png", NULL, &r);
	ck_error(&r, 422, "image_too_large");
	/* A side over max_side. */
	post_raw(tok, "/media", "image/png", wide.data, wide.len, &r);
	ck_error(&r, 422, "image_too_large");
	/* The worker is alive and well. */
	ck_assert_int_eq(api("GET", "/media/health", NULL, NULL, &r), 200);
	/* Over upload_max: 413 from Content-Length, before reading. */
	free(many.data);
	many.len = UPLOAD_MAX + 1;
	many.data = calloc(1, many.len);
	memcpy(many.data, "\xff\xd8\xff", 3);
	post_raw(tok, "/media", "image/jpeg", many.data, many.len, &r);
	ck_error(&r, 413, "body_too_large");
	ck_assert_int_eq(rows_of_owner(owner), 0);
	blob_free(&flood);
	blob_free(&wide);
	blob_free(&many);
}
END_TEST

/* Opens a TCP connection to the stack. Returns the socket. */
static int
dial(void)
{
	struct sockaddr_in	 sa;
	int			 fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)test_stack.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Writes all of p[0..len) to fd. */
static void
write_all(int fd, const void *p, size_t len)
{
	ck_assert_int_eq(write(fd, p, len), (ssize_t)len);
}

START_TEST(killed_uploads_and_lying_lengths_leave_nothing)
{
	struct blob	 jpg = make_image("JPEG", 1600, 1200, "red", "blue", false);
	char		 owner[UUID_LEN + 1];
	const char	*tok = new_user("author", (char[USERNAME_MAX + 1]){ 0 }, owner);
	char		 head[6000], resp[256];
	struct http_resp r;
	ssize_t		 n;
	int		 fd, before = cache_entries();

	/* The client dies halfway through its body. */
	fd = dial();
	snprintf(head, sizeof(head), "POST /media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n\r\n",
	    tok, jpg.len);
	write_all(fd, head, strlen(head));
	write_all(fd, jpg.data, jpg.len / 2);
	close(fd);

	/* Content-Length says less than is sent: the program sees a cut image. */
	fd = dial();
	snprintf(head, sizeof(head), "POST /media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", tok, jpg.len / 2);
	write_all(fd, head, strlen(head));
	write_all(fd, jpg.data, jpg.len);
	n = read(fd, resp, sizeof(resp) - 1);
	ck_assert_int_gt(n, 12);
	resp[n] = '\0';
	ck_assert_msg(strncmp(resp, "HTTP/1.1 422", 12) == 0, "%s", resp);
	close(fd);

	/* Content-Length says more than is sent, then the client gives up. */
	fd = dial();
	snprintf(head, sizeof(head), "POST /media HTTP/1.1\r\nHost: 127.0.0.1\r\n"
	    "Authorization: Bearer %s\r\nContent-Type: image/jpeg\r\nContent-Length: %zu\r\n\r\n",
	    tok, jpg.len * 2);
	write_all(fd, head, strlen(head));
	write_all(fd, jpg.data, jpg.len);
	shutdown(fd, SHUT_WR);
	n = read(fd, resp, sizeof(resp) - 1);
	close(fd);

	/* Nothing of any of them exists, and the service goes on. */
	ck_assert_int_eq(api("GET", "/media/health", NULL, NULL, &r), 200);
	ck_assert_int_eq(rows_of_owner(owner), 0);
	ck_assert_int_eq(cache_entries(), before);
	ck_assert_int_eq(post_raw(tok, "/media", "image/jpeg", jpg.data, jpg.len, &r), 201);
	blob_free(&jpg);
}
END_TEST

START_TEST(health)
{
	struct http_resp r;

	ck_assert_int_eq(api("GET", "/media/health", NULL, NULL, &r), 200);
	ck_assert_str_eq(http_resp_str(&r, "status"), "ok");
}
END_TEST

static Suite *
media_suite(void)
{
	Suite	*s = suite_create("media");
	TCase	*t = tcase_create("media");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, upload_and_metadata);
	tcase_add_test(t, raw_uploads_and_types);
	tcase_add_test(t, same_bytes_same_item);
	tcase_add_test(t, gps_exif_removed_and_orientation_applied);
	tcase_add_test(t, variants_miss_then_hit);
	tcase_add_test(t, png_with_alpha_flattened_for_jpeg);
	tcase_add_test(t, unknown_variants_and_ids);
	tcase_add_test(t, cache_deleted_and_rebuilt);
	tcase_add_test(t, concurrent_first_requests_make_it_once);
	tcase_add_test(t, delete_removes_everything);
	tcase_add_test(t, deleted_variants_vanish_at_once);
	tcase_add_test(t, patch_alt);
	tcase_add_test(t, list_own_or_everyone);
	tcase_add_test(t, bad_forms_leave_nothing);
	tcase_add_test(t, form_alt_measured_by_its_length);
	tcase_add_test(t, malformed_if_none_match_is_400);
	tcase_add_test(t, bad_images_leave_nothing);
	tcase_add_test(t, pixel_floods_refused_from_headers);
	tcase_add_test(t, killed_uploads_and_lying_lengths_leave_nothing);
	tcase_add_test(t, health);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	/* A small upload limit, so that the limit itself can be tested. */
	return client_main(media_suite(), NULL, "upload_max = 4194304\n");
}
