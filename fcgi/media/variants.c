/*
 * Serving images: GET /media/{id}/original and /media/{id}/w/{width}.{ext}.
 *
 * Both are files in the cache directory, made on first request and handed
 * to the web server with X-Sendfile: no image byte passes through FastCGI.
 * A variant that exists is served by the web server without asking us at
 * all (see web-conf/lighttpd/quire.conf), so here we only see misses. Each
 * file is made under its own lock: concurrent first requests make it once.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "media.h"
#include "util.h"

#define IMMUTABLE	"public, max-age=31536000, immutable"

/* The item columns of ITEM_COLUMNS that serving needs. */
enum { COL_ID, COL_MIME = 2, COL_WIDTH, COL_SHA256 = 6, COL_EPOCH = 9 };

int
variant_name_parse(const char *s, long long *width, enum img_type *type)
{
	static const enum img_type exts[] = { IMG_JPEG, IMG_WEBP, IMG_PNG };
	const char	*dot = strchr(s, '.');
	char		 digits[8];
	size_t		 i, n;

	if (dot == NULL || (n = (size_t)(dot - s)) == 0 || n >= sizeof(digits) || s[0] == '0')
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (parse_int(digits, 1, 1000000, width) == -1)
		return -1;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		if (strcmp(dot + 1, img_ext(exts[i])) == 0) {
			*type = exts[i];
			return 0;
		}
	}
	return -1;
}

/* qsort comparison of long longs. */
static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
widths_parse(const char *s, long long max, long long out[WIDTHS_MAX])
{
	char		 word[16];
	size_t		 n = 0, len, i, kept;

	while (*s != '\0') {
		s += strspn(s, " \t");
		len = strcspn(s, ",");
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(word) || n == WIDTHS_MAX)
			return -1;
		memcpy(word, s, len);
		word[len] = '\0';
		if (parse_int(word, 1, max, &out[n++]) == -1)
			return -1;
		s += strcspn(s, ",");
		if (*s == ',' && *++s == '\0')
			return -1;
	}
	if (n == 0)
		return -1;
	qsort(out, n, sizeof(out[0]), cmp_ll);
	for (i = 1, kept = 1; i < n; i++)
		if (out[i] != out[kept - 1])
			out[kept++] = out[i];
	return (int)kept;
}

long long
variant_width(long long want, long long w)
{
	return want < w ? want : w;
}

/* Returns whether width is one of the configured widths. */
static bool
width_known(const struct media *m, long long width)
{
	size_t	 i;

	for (i = 0; i < m->nwidths; i++)
		if (m->widths[i] == width)
			return true;
	return false;
}

/* Returns the type of a stored mime type (it passed the table's CHECK). */
static enum img_type
mime_type(const char *mime)
{
	if (strcmp(mime, "image/png") == 0)
		return IMG_PNG;
	if (strcmp(mime, "image/gif") == 0)
		return IMG_GIF;
	if (strcmp(mime, "image/webp") == 0)
		return IMG_WEBP;
	return IMG_JPEG;
}

/*
 * Makes the cache file path of item when it is missing: the stored
 * original itself (width 0) or a variant width pixels wide of type out.
 * Runs under the file's lock, and checks again once it holds it. Returns
 * 0, or -1 with the response set (404 when the item went meanwhile, 500,
 * 503).
 */
static int
cache_fill(struct req *r, const char *path, PGresult *item, long long width, enum img_type out)
{
	const struct media_conf	*conf = media_conf(r);
	PGresult		*orig = NULL;
	struct img_out		 img = { 0 };
	struct stat		 sb;
	enum db_status		 st;
	int64_t			 t0 = mono_usec();
	int			 lock, rc = -1;

	if (stat(path, &sb) == 0)
		return 0;
	if ((lock = cache_lock(path)) == -1) {
		log_msg("cannot lock %s: %s", path, strerror(errno));
		resp_error(r, ERR_INTERNAL, "the cache directory is not writable");
		return -1;
	}
	if (stat(path, &sb) == 0) {		/* made while we waited */
		rc = 0;
		goto out;
	}
	if ((st = store_original(r->ctx->db, PQgetvalue(item, 0, COL_ID), &orig)) != DB_OK) {
		resp_db_error(r, st);
		goto out;
	}
	if (PQntuples(orig) == 0) {
		resp_error(r, ERR_NOT_FOUND, "no such media item");
		goto out;
	}
	if (width > 0 && image_variant(PQgetvalue(orig, 0, 0), (size_t)PQgetlength(orig, 0, 0),
	    mime_type(PQgetvalue(item, 0, COL_MIME)), (size_t)width, out, (int)conf->quality,
	    &img) != IMG_OK) {
		resp_error(r, ERR_INTERNAL, "could not make the variant");
		goto out;
	}
	/*
	 * The file's mtime is a second before the item was made: the same every
	 * time the file is made again, and already old at the first request, so
	 * Apache's ETags from it are strong from the start (it makes them weak
	 * within a second of the mtime).
	 */
	if (cache_write(path, width > 0 ? (const char *)img.data : PQgetvalue(orig, 0, 0),
	    width > 0 ? img.len : (size_t)PQgetlength(orig, 0, 0),
	    (time_t)strtoll(PQgetvalue(item, 0, COL_EPOCH), NULL, 10) - 1) == -1) {
		log_msg("cannot write %s: %s", path, strerror(errno));
		resp_error(r, ERR_INTERNAL, "the cache directory is not writable");
		goto out;
	}
	log_msg("made %s in %lld us, sent with X-Sendfile (request_id=%s)", path,
	    (long long)(mono_usec() - t0), r->request_id);
	rc = 0;
out:
	image_out_free(&img);
	PQclear(orig);
	cache_unlock(lock);
	return rc;
}

/*
 * After a file was made: if the item was deleted meanwhile (its delete may
 * have emptied the directory before we wrote), takes the file away again.
 * Returns 0 when the item still exists, else -1 with 404 (or 503) set.
 */
static int
still_there(struct req *r, const char *id, const char *path)
{
	PGresult	*res;
	enum db_status	 st;
	bool		 exists;

	if ((st = DB_QUERY(r->ctx->db, S_ITEM_EXISTS, &res, id)) != DB_OK) {
		resp_db_error(r, st);
		return -1;
	}
	exists = PQntuples(res) > 0;
	PQclear(res);
	if (exists)
		return 0;
	unlink(path);
	cache_remove_item(media_conf(r)->cache_dir, id);
	resp_error(r, ERR_NOT_FOUND, "no such media item");
	return -1;
}

/*
 * GET /media/{id}/original (public)
 * 200 with the stored original (X-Sendfile), a strong ETag and a year of
 * caching; 304 on If-None-Match; 400 invalid_precondition (a malformed
 * If-None-Match), invalid_id; 404; 500; 503.
 */
void
h_media_original(struct req *r)
{
	PGresult	*item;
	char		 id[UUID_LEN + 1], path[PATH_MAX], etag[80];
	const char	*mime, *if_none_match;

	if (req_etag_header(r, "HTTP_IF_NONE_MATCH", &if_none_match) == -1 ||
	    (item = item_fetch(r, id)) == NULL)
		return;
	mime = img_mime(mime_type(PQgetvalue(item, 0, COL_MIME)));
	snprintf(etag, sizeof(etag), "\"%s\"", PQgetvalue(item, 0, COL_SHA256));
	if (etag_matches(if_none_match, etag, true)) {
		resp_empty(r, 304);
	} else if (cache_path(path, sizeof(path), media_conf(r)->cache_dir, id, "original") == -1) {
		resp_error(r, ERR_INTERNAL, "the cache path is too long");
		goto out;
	} else {
		if (cache_fill(r, path, item, 0, IMG_JPEG) == -1 || still_there(r, id, path) == -1)
			goto out;
		resp_sendfile(r, path, mime);
	}
	resp_header(r, "ETag", "%s", etag);
	resp_header(r, "Cache-Control", IMMUTABLE);
out:
	PQclear(item);
}

/*
 * GET /media/{id}/w/{width}.{ext} (public)
 * 200 with the variant (X-Sendfile; the web server answers 304 itself). Its
 * ETag and Last-Modified come from the file's mtime, exactly as the web
 * server gives them to the file when it serves it as a cache hit: the ETag
 * is the mtime in microseconds, in hex (Apache's FileETag MTime; lighttpd's
 * media-hit.lua makes the same), and both servers keep ours with
 * X-Sendfile. 400 invalid_id; 404 for an unknown width or extension; 500;
 * 503.
 * A width above the original's serves the original's width.
 */
void
h_media_variant(struct req *r)
{
	const struct media	*m = media_state(r);
	PGresult		*item = NULL;
	long long		 width;
	enum img_type		 type;
	struct stat		 st;
	char			 id[UUID_LEN + 1], name[32], path[PATH_MAX], date[30];

	if (variant_name_parse(req_param(r, 1), &width, &type) == -1 || !width_known(m, width)) {
		if (media_id_param(r, id) == 0)
			resp_error(r, ERR_NOT_FOUND, "no such variant: widths are set in the "
			    "configuration, extensions are jpg, webp and png");
		return;
	}
	if ((item = item_fetch(r, id)) == NULL)
		return;
	snprintf(name, sizeof(name), "w/%lld.%s", width, img_ext(type));
	if (cache_path(path, sizeof(path), media_conf(r)->cache_dir, id, name) == -1) {
		resp_error(r, ERR_INTERNAL, "the cache path is too long");
		goto out;
	}
	width = variant_width(width, strtoll(PQgetvalue(item, 0, COL_WIDTH), NULL, 10));
	if (cache_fill(r, path, item, width, type) == -1 || still_there(r, id, path) == -1)
		goto out;
	resp_sendfile(r, path, img_mime(type));
	resp_header(r, "Cache-Control", IMMUTABLE);
	if (stat(path, &st) == 0) {
		time_http(st.st_mtime, date);
		resp_header(r, "Last-Modified", "%s", date);
		resp_header(r, "ETag", "\"%llx\"", (unsigned long long)st.st_mtime * 1000000ULL);
	}
out:
	PQclear(item);
}
