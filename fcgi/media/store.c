/*
 * The rows of media.items and media.originals, and the JSON of an item.
 * Originals are bytea, sent and read in binary (no hex text doubling them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media.h"

json_t *
item_json(const struct media *m, PGresult *res, int row)
{
	const char	*id = PQgetvalue(res, row, IC_ID);
	long long	 width = strtoll(PQgetvalue(res, row, IC_WIDTH), NULL, 10);
	json_t		*variants, *item;
	char		 key[24], url[96];
	size_t		 i;

	if ((variants = json_object()) == NULL)
		return NULL;
	/*
	 * Every configured width up to the image's own, and the next one up,
	 * which serves the image at its own width (its largest variant).
	 */
	for (i = 0; i < m->nwidths && (i == 0 || m->widths[i - 1] < width); i++) {
		snprintf(key, sizeof(key), "%lld", m->widths[i]);
		snprintf(url, sizeof(url), "/media/%s/w/%lld.webp", id, m->widths[i]);
		json_object_set_new(variants, key, json_string(url));
	}
	snprintf(url, sizeof(url), "/media/%s/original", id);
	item = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:{s:s, s:o}}",
	    "id", id,
	    "owner_id", PQgetvalue(res, row, IC_OWNER),
	    "mime", PQgetvalue(res, row, IC_MIME),
	    "width", (json_int_t)width,
	    "height", (json_int_t)strtoll(PQgetvalue(res, row, IC_HEIGHT), NULL, 10),
	    "bytes", (json_int_t)strtoll(PQgetvalue(res, row, IC_BYTES), NULL, 10),
	    "sha256", PQgetvalue(res, row, IC_SHA256),
	    "alt", PQgetvalue(res, row, IC_ALT),
	    "created_at", PQgetvalue(res, row, IC_CREATED),
	    "urls", "original", url, "variants", variants);
	return item;
}

enum db_status
store_insert(struct db *db, const char *owner, const char *mime, size_t width, size_t height,
    const unsigned char sha256[32], const char *alt, const void *data, size_t len,
    PGresult **res)
{
	char		 w[24], h[24], bytes[24];
	const char	*values[8] = { owner, mime, w, h, bytes, (const char *)sha256, alt, data };
	const int	 lengths[8] = { 0, 0, 0, 0, 0, 32, 0, (int)len };
	const int	 formats[8] = { 0, 0, 0, 0, 0, 1, 0, 1 };

	snprintf(w, sizeof(w), "%zu", width);
	snprintf(h, sizeof(h), "%zu", height);
	snprintf(bytes, sizeof(bytes), "%zu", len);
	return db_exec(db, S_ITEM_INSERT, 8, values, lengths, formats, res);
}

enum db_status
store_by_hash(struct db *db, const char *owner, const unsigned char sha256[32], PGresult **res)
{
	const char	*values[2] = { owner, (const char *)sha256 };
	const int	 lengths[2] = { 0, 32 };
	const int	 formats[2] = { 0, 1 };

	return db_exec(db, S_ITEM_BY_HASH, 2, values, lengths, formats, res);
}

enum db_status
store_original(struct db *db, const char *id, PGresult **res)
{
	return DB_QUERY(db, S_ORIGINAL, res, id);
}
