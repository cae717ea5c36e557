/* Internal declarations of the Media program (uploads, originals, variants). */
#ifndef QUIRE_MEDIA_H
#define QUIRE_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "http.h"
#include "probe.h"
#include "srv.h"

#define ALT_MAX_CHARS	1000	/* characters (code points) of an alt text */
#define WIDTHS_MAX	16	/* configured variant widths at most */
#define MULTIPART_SLACK	16384	/* bytes of form framing allowed above upload_max */
#define MAX_FRAMES	1000	/* frames of an animation at most */
#define MEDIA_CHANNEL	"quire_media"	/* NOTIFY of a deleted item: its id */

/* The [media] settings (see the README for each). */
struct media_conf {
	const char	*cache_dir;
	long long	 upload_max;
	long long	 max_pixels;
	long long	 max_side;
	const char	*widths;
	long long	 quality;
	long long	 magick_memory;		/* MiB */
	long long	 magick_map;		/* MiB */
	long long	 magick_disk;		/* MiB */
	int		 x_sendfile;		/* no: the program sends the bytes */
};

/* The Media program's state, built once at start-up. */
struct media {
	long long	 widths[WIDTHS_MAX];	/* ascending */
	size_t		 nwidths;
	bool		 magick;		/* MagickWandGenesis was called */
};

/* Prepared statements; keep in sync with media_stmts in stmts.c. */
enum media_stmt {
	S_ITEM_BY_ID,
	S_ITEM_BY_HASH,
	S_ITEM_INSERT,
	S_ITEM_COUNT,
	S_ITEM_LIST,
	S_ITEM_SET_ALT,
	S_ITEM_DELETE,
	S_ITEM_EXISTS,
	S_ORIGINAL,
	S_ITEMS_GONE,
	S_MEDIA_STMT_COUNT
};

extern const struct db_stmt media_stmts[S_MEDIA_STMT_COUNT];

static inline const struct media_conf *
media_conf(const struct req *r)
{
	return r->ctx->app_conf;
}

static inline const struct media *
media_state(const struct req *r)
{
	return r->ctx->app;
}

/* items.c: /media/{id} and /media */
void	 h_media_get(struct req *);
void	 h_media_list(struct req *);
void	 h_media_patch(struct req *);
void	 h_media_delete(struct req *);
/*
 * Reads the {id} of the path into id[UUID_LEN + 1], lowercased. Returns 0, or
 * -1 with 400 invalid_id set.
 */
int	 media_id_param(struct req *, char id[UUID_LEN + 1]);
/*
 * Reads the item of the path's {id} (its lowercased id into id): for an
 * anonymous request on the standby, else (or when the standby does not have
 * it yet) on the primary, the handle that found it set in *db (when not
 * NULL). Returns its row (to PQclear), or NULL with the response set (400
 * invalid_id, 404, 503).
 */
PGresult *item_fetch(struct req *, char id[UUID_LEN + 1], struct db **db);
/*
 * Checks an alt text: valid UTF-8 (400 invalid_utf8), no control characters
 * (400 control_character), at most ALT_MAX_CHARS characters (400
 * invalid_field). Returns 0, or -1 with the response set.
 */
int	 alt_check(struct req *, const char *alt, size_t len);

/* store.c: the rows of media.items and media.originals */
/*
 * Returns a new JSON object for the item row (the columns of ITEM_COLUMNS in
 * stmts.c), with its URLs; variant URLs only for widths up to its width.
 */
json_t	*item_json(const struct media *, PGresult *, int row);
/*
 * Inserts an item and its original in one statement: either both exist
 * afterwards or neither. sha256 is the raw digest of the upload. Returns
 * DB_OK with *res holding the new row (no rows: the owner already has these
 * bytes), or another status.
 */
enum db_status store_insert(struct db *, const char *owner, const char *mime, size_t width,
	    size_t height, const unsigned char sha256[32], const char *alt,
	    const void *data, size_t len, PGresult **res);
/* Finds the owner's item with these uploaded bytes. DB_OK: *res has 0 or 1 row. */
enum db_status store_by_hash(struct db *, const char *owner, const unsigned char sha256[32],
	    PGresult **res);
/* Fetches the stored original of id (binary result). DB_OK: *res has 0 or 1 row. */
enum db_status store_original(struct db *, const char *id, PGresult **res);

/* image.c: the MagickWand work */
enum img_status {
	IMG_OK,
	IMG_INVALID,	/* the decoder refused the bytes (truncated, corrupt): 422 */
	IMG_TOO_LARGE,	/* a resource limit refused the image: 422 */
	IMG_FAILED	/* anything else (out of memory, encoder): 500 */
};

/* Encoded image bytes and their size; free with image_out_free(). */
struct img_out {
	unsigned char	*data;
	size_t		 len;
	size_t		 width, height;
};

/*
 * Sets MagickWand up for this process: one thread, and the resource limits
 * of conf (memory, map, disk in MiB; width, height, area from max_side and
 * max_pixels; never time). Call once at start-up.
 */
void	 image_init(const struct media_conf *);
void	 image_fini(void);
/*
 * Makes the stored original from uploaded bytes of a sniffed type: decoded
 * with that type's decoder only, turned upright (EXIF orientation), every
 * profile, comment and property stripped, encoded again in the same type
 * (every frame of an animated GIF kept). quality is used for WebP.
 * Returns IMG_OK with *out filled, or why not.
 */
enum img_status image_clean(const void *data, size_t len, enum img_type type, int quality,
	    struct img_out *out);
/*
 * Makes a variant width pixels wide (the height in proportion) of a stored
 * original, in type out_type at quality: decoded at reduced size when the
 * original is a JPEG (jpeg:size), the first frame of an animation, flattened
 * on white for JPEG, stripped, progressive/interlaced. Returns IMG_OK with
 * *out filled, or why not.
 */
enum img_status image_variant(const void *data, size_t len, enum img_type type, size_t width,
	    enum img_type out_type, int quality, struct img_out *out);
void	 image_out_free(struct img_out *);

/* upload.c: POST /media */
void	 h_media_create(struct req *);

/* variants.c: GET /media/{id}/original and /media/{id}/w/{width}.{ext} */
void	 h_media_original(struct req *);
void	 h_media_variant(struct req *);
/*
 * Parses "{width}.{ext}" of a variant URL. Returns 0 and sets *width and
 * *type, or -1 when it is not of that shape or the extension is not jpg,
 * webp or png.
 */
int	 variant_name_parse(const char *s, long long *width, enum img_type *type);
/*
 * Returns the width a variant of an image w pixels wide gets when asked for
 * `want`: want, or w when the image is narrower.
 */
long long variant_width(long long want, long long w);
/*
 * Parses a list of widths ("320, 640,960") into out[0..WIDTHS_MAX), sorted
 * and without duplicates, each from 1 to max. Returns the count, or -1.
 */
int	 widths_parse(const char *s, long long max, long long out[WIDTHS_MAX]);

/* cache.c: the variant cache directory, laid out like the URLs */
/*
 * Writes the cache path of name ("original", "w/640.webp", or "" for the
 * item's directory) of item id into out. Returns 0, or -1 when it does not
 * fit.
 */
int	 cache_path(char *out, size_t size, const char *dir, const char *id, const char *name);
/*
 * Writes data[0..len) to path atomically: a temporary file in the same
 * directory, fsync'd, its mtime set to mtime, then renamed. Creates missing
 * directories. Returns 0, or -1 with errno set (nothing left behind).
 */
int	 cache_write(const char *path, const void *data, size_t len, time_t mtime);
/*
 * Takes an exclusive lock on path + ".lock" (created as needed), waiting for
 * it. Returns the descriptor to pass to cache_unlock, or -1.
 */
int	 cache_lock(const char *path);
void	 cache_unlock(int fd);
/* Removes the item's cached files and directory. Returns 0, or -1 with errno set. */
int	 cache_remove_item(const char *dir, const char *id);
/* Makes sure the cache directory exists and is writable. Returns 0 or -1. */
int	 cache_ready(const char *dir);

/* coherence.c: every node's cache told of deletions */
/* The channels Media listens on: MEDIA_CHANNEL. */
extern const struct srv_channel media_channels[1];

#endif
