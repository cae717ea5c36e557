/* Every SQL statement of the Media program, prepared once per connection. */
#include "media.h"

/* Keep in sync with enum item_col in media.h. */
#define ITEM_COLUMNS "id, owner_id, mime, width, height, bytes, encode(sha256, 'hex'), alt, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"extract(epoch FROM date_trunc('second', created_at))::bigint"

/* Keep in sync with enum media_stmt in media.h. */
const struct db_stmt media_stmts[S_MEDIA_STMT_COUNT] = {
	[S_ITEM_BY_ID] = { .name = "item_by_id", .sql =
	    "SELECT " ITEM_COLUMNS " FROM media.items WHERE id = $1", .nparams = 1, .retry = true },
	/* $2 is the raw digest, sent as a binary parameter. */
	[S_ITEM_BY_HASH] = { .name = "item_by_hash", .sql =
	    "SELECT " ITEM_COLUMNS " FROM media.items WHERE owner_id = $1 AND sha256 = $2",
	    .nparams = 2, .retry = true },
	/*
	 * The item and its original in one statement, so that both exist or
	 * neither does. No row back: the owner has these bytes already.
	 * $6 digest and $8 data are binary parameters.
	 */
	[S_ITEM_INSERT] = { .name = "item_insert", .sql =
	    "WITH item AS (INSERT INTO media.items "
	    "(owner_id, mime, width, height, bytes, sha256, alt) "
	    "VALUES ($1, $2, $3, $4, $5, $6::bytea, $7) "
	    "ON CONFLICT (owner_id, sha256) DO NOTHING RETURNING *), "
	    "original AS (INSERT INTO media.originals (item_id, data) "
	    "SELECT id, $8::bytea FROM item) "
	    "SELECT " ITEM_COLUMNS " FROM item",
	    .nparams = 8, .retry = false },
	/* $1 owner: NULL counts and lists everyone's. */
	[S_ITEM_COUNT] = { .name = "item_count", .sql =
	    "SELECT count(*) FROM media.items WHERE $1::uuid IS NULL OR owner_id = $1",
	    .nparams = 1, .retry = true },
	[S_ITEM_LIST] = { .name = "item_list", .sql =
	    "SELECT " ITEM_COLUMNS " FROM media.items WHERE $1::uuid IS NULL OR owner_id = $1 "
	    "ORDER BY created_at, id LIMIT $2 OFFSET $3",
	    .nparams = 3, .retry = true },
	[S_ITEM_SET_ALT] = { .name = "item_set_alt", .sql =
	    "UPDATE media.items SET alt = $2 WHERE id = $1 RETURNING " ITEM_COLUMNS,
	    .nparams = 2, .retry = false },
	/*
	 * $2 is the channel: every Media instance, on every node, removes the
	 * item's cached files when the deletion commits (coherence.c).
	 */
	[S_ITEM_DELETE] = { .name = "item_delete", .sql =
	    "WITH d AS (DELETE FROM media.items WHERE id = $1 RETURNING id) "
	    "SELECT pg_notify($2, id::text) FROM d", .nparams = 2, .retry = false },
	[S_ITEM_EXISTS] = { .name = "item_exists", .sql =
	    "SELECT 1 FROM media.items WHERE id = $1", .nparams = 1, .retry = true },
	/* The original's bytes, read in binary. */
	[S_ORIGINAL] = { .name = "original", .sql =
	    "SELECT data FROM media.originals WHERE item_id = $1",
	    .nparams = 1, .retry = true, .binary = true },
	/* Of the ids in the array $1 ("{…}"), those no item has (any longer). */
	[S_ITEMS_GONE] = { .name = "items_gone", .sql =
	    "SELECT u::text FROM unnest($1::uuid[]) u "
	    "WHERE NOT EXISTS (SELECT 1 FROM media.items WHERE id = u)",
	    .nparams = 1, .retry = true },
};
