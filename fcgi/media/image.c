/*
 * The MagickWand work: cleaning an upload into the stored original, and
 * making variants. Every read names its decoder (the type sniffed from the
 * magic bytes), so no other ImageMagick coder ever sees client bytes; every
 * image that leaves here is stripped of profiles, comments and properties.
 * Safe order (PITFALLS.md): read, auto-orient, resize, strip, write.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <wand/MagickWand.h>

#include "log.h"
#include "media.h"

#define ORIGINAL_JPEG_QUALITY	92	/* when the upload's own cannot be read */

void
image_init(const struct media_conf *c)
{
	MagickWandGenesis();
	/* Limits can only be lowered, and only at start-up; never TimeResource. */
	MagickSetResourceLimit(ThreadResource, 1);
	MagickSetResourceLimit(MemoryResource, (MagickSizeType)c->magick_memory << 20);
	MagickSetResourceLimit(MapResource, (MagickSizeType)c->magick_map << 20);
	MagickSetResourceLimit(DiskResource, (MagickSizeType)c->magick_disk << 20);
	MagickSetResourceLimit(WidthResource, (MagickSizeType)c->max_side);
	MagickSetResourceLimit(HeightResource, (MagickSizeType)c->max_side);
	MagickSetResourceLimit(AreaResource, (MagickSizeType)c->max_pixels);
	MagickSetResourceLimit(ListLengthResource, MAX_FRAMES);
}

void
image_fini(void)
{
	MagickWandTerminus();
}

void
image_out_free(struct img_out *out)
{
	if (out->data != NULL)
		MagickRelinquishMemory(out->data);
	memset(out, 0, sizeof(*out));
}

/*
 * Classifies the wand's exception after a read (ok: whether the read
 * returned true). A corrupt-image warning (a truncated JPEG decodes with
 * one) counts as a failure. Returns IMG_OK or why not, logging the reason.
 */
static enum img_status
read_status(MagickWand *w, bool ok)
{
	ExceptionType	 sev;
	char		*desc = MagickGetException(w, &sev);
	enum img_status	 st = IMG_OK;

	if (sev == ResourceLimitError || sev == ResourceLimitFatalError ||
	    (sev == ResourceLimitWarning && !ok))
		st = IMG_TOO_LARGE;
	else if (!ok || sev == CorruptImageWarning || sev >= ErrorException)
		st = IMG_INVALID;	/* a truncated PNG fails with no exception at all */
	if (st != IMG_OK)
		log_msg("image refused (%d): %s", (int)sev, desc != NULL ? desc : "");
	if (desc != NULL)
		MagickRelinquishMemory(desc);
	MagickClearException(w);
	return st;
}

/*
 * Reads data[0..len) with the decoder of type alone, with a jpeg:size hint
 * when hint is not NULL. Returns a wand holding at least one image with
 * both sides above 0, or NULL with *st set.
 */
static MagickWand *
image_read(const void *data, size_t len, enum img_type type, const char *hint,
    enum img_status *st)
{
	MagickWand	*w;
	char		*format;
	bool		 same;

	if ((w = NewMagickWand()) == NULL) {
		*st = IMG_FAILED;
		return NULL;
	}
	MagickSetFormat(w, img_magick(type));
	if (hint != NULL)
		MagickSetOption(w, "jpeg:size", hint);
	*st = read_status(w, MagickReadImageBlob(w, data, len) == MagickTrue);
	if (*st != IMG_OK)
		goto fail;
	/* A forced decoder can "succeed" with nothing: demand real pixels of its type. */
	MagickResetIterator(w);
	format = MagickGetImageFormat(w);
	same = format != NULL && strcasecmp(format, img_magick(type)) == 0;
	if (format != NULL)
		MagickRelinquishMemory(format);
	if (MagickGetNumberImages(w) == 0 || !same || MagickGetImageWidth(w) == 0 ||
	    MagickGetImageHeight(w) == 0) {
		*st = IMG_INVALID;
		goto fail;
	}
	return w;
fail:
	DestroyMagickWand(w);
	return NULL;
}

/*
 * Encodes every image of w as type into out, progressive when a JPEG.
 * Returns IMG_OK or IMG_FAILED.
 */
static enum img_status
image_write(MagickWand *w, enum img_type type, struct img_out *out)
{
	MagickResetIterator(w);
	MagickSetFirstIterator(w);
	out->width = MagickGetImageWidth(w);
	out->height = MagickGetImageHeight(w);
	/* The wand's format (set for reading) decides the encoder, not the image's. */
	if (MagickSetFormat(w, img_magick(type)) != MagickTrue ||
	    MagickSetImageFormat(w, img_magick(type)) != MagickTrue ||
	    MagickSetInterlaceScheme(w, type == IMG_JPEG ? PlaneInterlace : NoInterlace) !=
	    MagickTrue)
		return IMG_FAILED;
	out->data = MagickGetImagesBlob(w, &out->len);
	if (out->data == NULL || out->len == 0) {
		read_status(w, false);
		image_out_free(out);
		return IMG_FAILED;
	}
	return IMG_OK;
}

/* Returns whether WebP bytes are lossless (their first chunk is VP8L). */
static bool
webp_lossless(const unsigned char *p, size_t len)
{
	return len >= 16 && memcmp(p + 12, "VP8L", 4) == 0;
}

enum img_status
image_clean(const void *data, size_t len, enum img_type type, int quality,
    struct img_out *out)
{
	MagickWand	*w;
	enum img_status	 st;
	size_t		 q, pw = 0, ph = 0;
	ssize_t		 px, py;

	memset(out, 0, sizeof(*out));
	if ((w = image_read(data, len, type, NULL, &st)) == NULL)
		return st;
	/* Only a GIF keeps its frames; anything else is one picture. */
	while (type != IMG_GIF && MagickGetNumberImages(w) > 1) {
		MagickSetLastIterator(w);
		MagickRemoveImage(w);
	}
	q = MagickGetImageCompressionQuality(w);
	MagickResetIterator(w);
	while (MagickNextImage(w) == MagickTrue) {
		if (type != IMG_GIF && MagickAutoOrientImage(w) != MagickTrue) {
			st = IMG_FAILED;
			goto out;
		}
		MagickStripImage(w);
		switch (type) {
		case IMG_JPEG:
			MagickSetImageCompressionQuality(w, q > 0 && q <= 100 ? q :
			    ORIGINAL_JPEG_QUALITY);
			break;
		case IMG_WEBP:
			MagickSetImageCompressionQuality(w, (size_t)quality);
			break;
		case IMG_PNG:
		case IMG_GIF:
			break;
		}
	}
	if (type == IMG_WEBP && webp_lossless(data, len))
		MagickSetOption(w, "webp:lossless", "true");
	if ((st = image_write(w, type, out)) != IMG_OK)
		goto out;
	/* An animation's size is its canvas. */
	MagickSetFirstIterator(w);
	if (type == IMG_GIF && MagickGetImagePage(w, &pw, &ph, &px, &py) == MagickTrue &&
	    pw > 0 && ph > 0) {
		out->width = pw;
		out->height = ph;
	}
out:
	DestroyMagickWand(w);
	return st;
}

/*
 * Turns the first frame of an animation into one picture the size of its
 * canvas (a first frame can be smaller, at an offset). Returns the new wand
 * (w is destroyed), or NULL.
 */
static MagickWand *
first_frame(MagickWand *w)
{
	MagickWand	*flat;
	PixelWand	*none;

	while (MagickGetNumberImages(w) > 1) {
		MagickSetLastIterator(w);
		MagickRemoveImage(w);
	}
	MagickSetFirstIterator(w);
	none = NewPixelWand();
	PixelSetColor(none, "none");
	MagickSetImageBackgroundColor(w, none);
	DestroyPixelWand(none);
	flat = MagickMergeImageLayers(w, FlattenLayer);
	DestroyMagickWand(w);
	return flat;
}

enum img_status
image_variant(const void *data, size_t len, enum img_type type, size_t width,
    enum img_type out_type, int quality, struct img_out *out)
{
	MagickWand	*w = NULL;
	PixelWand	*white;
	struct img_dims	 d;
	char		 hint[48];
	size_t		 height;
	enum img_status	 st;

	memset(out, 0, sizeof(*out));
	if (img_probe(data, len, type, &d) != PROBE_OK)
		return IMG_INVALID;
	height = (size_t)(((uint64_t)d.height * width + d.width / 2) / d.width);
	if (height == 0)
		height = 1;
	/* Shrink-on-load: libjpeg decodes at the smallest scale still above this. */
	snprintf(hint, sizeof(hint), "%zux%zu", width, height);
	if ((w = image_read(data, len, type, type == IMG_JPEG ? hint : NULL, &st)) == NULL)
		return st;
	if (MagickGetNumberImages(w) > 1 && (w = first_frame(w)) == NULL)
		return IMG_FAILED;
	st = IMG_FAILED;
	if (MagickThumbnailImage(w, width, height) != MagickTrue)
		goto out;
	/* Thumbnail leaves Thumb::URI and other properties behind: strip after it. */
	MagickStripImage(w);
	if (out_type == IMG_JPEG && MagickGetImageAlphaChannel(w) == MagickTrue) {
		white = NewPixelWand();
		PixelSetColor(white, "white");
		MagickSetImageBackgroundColor(w, white);
		DestroyPixelWand(white);
		MagickSetImageAlphaChannel(w, RemoveAlphaChannel);
	}
	MagickSetImageCompressionQuality(w, (size_t)quality);
	st = image_write(w, out_type, out);
out:
	DestroyMagickWand(w);
	return st;
}
