/*
 * POST /media: an upload, as multipart/form-data (a "file" part and an
 * optional "alt" part) or as the raw image with an image Content-Type (image/...)
 * (and ?alt=).
 *
 * The checks run cheapest first, and nothing is written before all pass:
 * size (from Content-Length, before reading), form shape, type from the
 * magic bytes (never the name or the Content-Type), dimensions from the
 * headers (a pixel flood is refused before any decoding), then the decode
 * itself. The item and its original are inserted in one statement.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "media.h"
#include "multipart.h"

#define FORM_PARTS_MAX	4

/* An upload as read from the request; every pointer borrows from it. */
struct upload {
	const char	*data;
	size_t		 len;
	const char	*alt;
	size_t		 alt_len;
};

/*
 * Reads a multipart/form-data body with the given boundary. Returns 0 with
 * up set, or -1 with the response set (400 invalid_multipart, missing_field,
 * unknown_field, incomplete_body; 413).
 */
static int
read_form(struct req *r, const char *boundary, struct upload *up)
{
	struct mp_part	 parts[FORM_PARTS_MAX];
	size_t		 n, i;
	enum mp_err	 e;
	bool		 file = false, alt = false;

	if (req_read_body(r, (size_t)media_conf(r)->upload_max + MULTIPART_SLACK) == -1)
		return -1;
	if ((e = mp_parse(r->body.data, r->body.len, boundary, parts, FORM_PARTS_MAX, &n)) !=
	    MP_OK) {
		resp_error(r, ERR_INVALID_MULTIPART, "%s", mp_strerror(e));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (mp_name_is(&parts[i], "file") && !file) {
			file = true;
			up->data = parts[i].data;
			up->len = parts[i].len;
		} else if (mp_name_is(&parts[i], "alt") && !alt) {
			alt = true;
			up->alt = parts[i].data;
			up->alt_len = parts[i].len;
		} else if (mp_name_is(&parts[i], "file") || mp_name_is(&parts[i], "alt")) {
			resp_error(r, ERR_INVALID_MULTIPART, "the form has two \"%.*s\" parts",
			    (int)parts[i].name_len, parts[i].name);
			return -1;
		} else {
			resp_error(r, ERR_UNKNOWN_FIELD, "unknown part \"%.*s\": a form has "
			    "\"file\" and \"alt\"", parts[i].name_len <= 64 ?
			    (int)parts[i].name_len : 64, parts[i].name);
			return -1;
		}
	}
	if (!file) {
		resp_error(r, ERR_MISSING_FIELD, "the form has no \"file\" part");
		return -1;
	}
	return 0;
}

/*
 * Reads the upload in either form. Returns 0 with up set, or -1 with the
 * response set (400, 413, 415 unsupported_media_type).
 */
static int
read_upload(struct req *r, struct upload *up)
{
	const char	*ct = req_env(r, "CONTENT_TYPE");
	char		 boundary[MP_BOUNDARY_MAX + 1];
	enum mp_err	 e;
	int		 rc;

	if ((e = mp_boundary(ct, boundary)) == MP_OK)
		return read_form(r, boundary, up);
	if (e != MP_NOT_FORM) {
		resp_error(r, ERR_INVALID_MULTIPART, "%s", mp_strerror(e));
		return -1;
	}
	if (ct == NULL || strncasecmp(ct, "image/", 6) != 0) {
		resp_error(r, ERR_UNSUPPORTED_MEDIA_TYPE, "send multipart/form-data with a "
		    "\"file\" part, or the image itself with an image Content-Type (image/...)");
		return -1;
	}
	if ((rc = req_query(r, "alt", &up->alt)) == -1) {
		resp_error(r, ERR_INVALID_QUERY, "the query string is malformed");
		return -1;
	}
	if (rc == 0)
		up->alt_len = strlen(up->alt);
	if (req_read_body(r, (size_t)media_conf(r)->upload_max) == -1)
		return -1;
	up->data = r->body.data;
	up->len = r->body.len;
	return 0;
}

/*
 * Checks what the bytes are and what their headers declare. Returns 0 with
 * *type set, or -1 with e set (400 empty_body, 413, 415 unsupported_image,
 * 422 invalid_image or image_too_large).
 */
static int
check_image(const struct media_conf *conf, const struct upload *up, enum img_type *type,
    struct input_error *e)
{
	struct img_dims		 d;

	if (up->len == 0)
		return input_fail(e, ERR_EMPTY_BODY, "the image is empty (zero bytes)");
	if (up->len > (size_t)conf->upload_max)
		return input_fail(e, ERR_BODY_TOO_LARGE, "the image is larger than %lld bytes",
		    conf->upload_max);
	if (!img_sniff(up->data, up->len, type))
		return input_fail(e, ERR_UNSUPPORTED_IMAGE, "the bytes are not a JPEG, PNG, GIF "
		    "or WebP image (the type is read from the file, not its name)");
	switch (img_probe(up->data, up->len, *type, &d)) {
	case PROBE_OK:
		break;
	case PROBE_TRUNCATED:
		return input_fail(e, ERR_INVALID_IMAGE, "the %s ends inside its headers "
		    "(truncated?)", img_magick(*type));
	case PROBE_INVALID:
		return input_fail(e, ERR_INVALID_IMAGE, "the %s headers are invalid",
		    img_magick(*type));
	}
	if (d.max_side > conf->max_side || d.pixels > (uint64_t)conf->max_pixels ||
	    d.frames > MAX_FRAMES)
		return input_fail(e, ERR_IMAGE_TOO_LARGE, "the image is %ux%u pixels in %u "
		    "frame(s): at most %lld pixels in all, %lld on a side and %d frames are taken",
		    d.width, d.height, d.frames, conf->max_pixels, conf->max_side, MAX_FRAMES);
	return 0;
}

/*
 * Answers with the owner's existing item of these bytes (200) when there is
 * one. Returns 1 when it answered (or failed: 503), 0 when there is none.
 */
static int
answer_existing(struct req *r, const unsigned char sha[SHA256_DIGEST_LENGTH])
{
	PGresult	*res;
	enum db_status	 st;
	int		 found;

	if ((st = store_by_hash(r->ctx->db, r->claims->sub, sha, &res)) != DB_OK) {
		resp_db_error(r, st);
		return 1;
	}
	if ((found = PQntuples(res) > 0))
		resp_json(r, 200, item_json(media_state(r), res, 0));
	PQclear(res);
	return found;
}

/*
 * POST /media (author, editor, admin)
 * 201 with Location and the item; 200 with the owner's existing item when
 * the same bytes were uploaded before. 400 (invalid_multipart, missing_field,
 * unknown_field, empty_body, incomplete_body, alt checks), 413, 415
 * (unsupported_media_type, unsupported_image), 422 (invalid_image,
 * image_too_large), 500, 503. A refused upload leaves nothing behind.
 */
void
h_media_create(struct req *r)
{
	struct upload		 up = { 0 };
	struct img_out		 img = { 0 };
	unsigned char		 sha[SHA256_DIGEST_LENGTH];
	enum img_type		 type;
	PGresult		*res = NULL;
	struct input_error	 e;
	enum db_status		 st;

	if (read_upload(r, &up) == -1)
		goto out;
	if ((up.alt != NULL && alt_check(up.alt, up.alt_len, &e) == -1) ||
	    check_image(media_conf(r), &up, &type, &e) == -1) {
		resp_error(r, e.code, "%s", e.msg);
		goto out;
	}
	SHA256((const unsigned char *)up.data, up.len, sha);
	if (answer_existing(r, sha))
		goto out;
	switch (image_clean(up.data, up.len, type, (int)media_conf(r)->quality, &img)) {
	case IMG_OK:
		break;
	case IMG_INVALID:
		resp_error(r, ERR_INVALID_IMAGE, "the %s could not be decoded (truncated or "
		    "corrupt)", img_magick(type));
		goto out;
	case IMG_TOO_LARGE:
		resp_error(r, ERR_IMAGE_TOO_LARGE, "the image needs more than the configured "
		    "resources to decode");
		goto out;
	case IMG_FAILED:
		resp_error(r, ERR_INTERNAL, "the image could not be processed");
		goto out;
	}
	if (img.len > INT_MAX) {
		resp_error(r, ERR_IMAGE_TOO_LARGE, "the cleaned image is too large to store");
		goto out;
	}
	st = store_insert(r->ctx->db, r->claims->sub, img_mime(type), img.width, img.height, sha,
	    up.alt != NULL ? req_strndup(r, up.alt, up.alt_len) : "", img.data, img.len, &res);
	if (st != DB_OK)
		resp_db_error(r, st);
	else if (PQntuples(res) == 0) {
		/* The same bytes arrived from the same owner meanwhile. */
		if (!answer_existing(r, sha))
			resp_error(r, ERR_CONFLICT, "the item changed meanwhile; try again");
	} else {
		resp_json(r, 201, item_json(media_state(r), res, 0));
		resp_header(r, "Location", "/media/%s", PQgetvalue(res, 0, IC_ID));
	}
out:
	PQclear(res);
	image_out_free(&img);
}
