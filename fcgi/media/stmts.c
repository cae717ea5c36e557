/* Every SQL statement of the Media program, prepared once per connection. */
#include "media.h"

/* The columns item_json() reads, in this order. */
#define ITEM_COLUMNS "id, owner_id, mime, width, height, bytes, encode(sha256, 'hex'), alt, " \
	"to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " \
	"extract(epoch FROM date_trunc('second', created_at))::bigint"

/* Keep in sync with enum media_stmt in media.h. */
const struct db_stmt media_stmts[S_MEDIA_STMT_COUNT] = {
	[S_ITEM_BY_ID] = { "item_by_id",
	    "SELECT " ITEM_COLUMNS " FROM media.items WHERE id = $1", 1, true },
	/* $2 is the raw digest, sent as a binary parameter. */
	[S_ITEM_BY_HASH] = { "item_by_hash",
	    "SELECT " ITEM_COLUMNS " FROM media.items WHERE owner_id = $1 AND sha256 = $2",
	    2, true },
	/*
	 * The item and its original in one statement, so that both exist or
	 * neither does. No row back: the owner has these bytes already.
	 * $6 digest and $8 data are binary parameters.
	 */
	[S_ITEM_INSERT] = { "item_insert",
	    "WITH item AS (INSERT INTO media.items "
	    "(owner_id, mime, width, height, bytes, sha256, alt) "
	    "VALUES ($1, $2, $3, $4, $5, $6::bytea, $7) "
	    "ON CONFLICT (owner_id, sha256) DO NOTHING RETURNING *), "
	    "original AS (INSERT INTO media.originals (item_id, data) "
	    "SELECT id, $8::bytea FROM item) "
	    "SELECT " ITEM_COLUMNS " FROM item",
	    8, false },
	/* $1 owner: NULL counts and lists everyone's. */
	[S_ITEM_COUNT] = { "item_count",
	    "SELECT count(*) FROM media.items WHERE $1::uuid IS NULL OR owner_id = $1", 1, true },
	[S_ITEM_LIST] = { "item_list",
	    "SELECT " ITEM_COLUMNS " FROM media.items WHERE $1::uuid IS NULL OR owner_id = $1 "
	    "ORDER BY created_at, id LIMIT $2 OFFSET $3",
	    3, true },
	[S_ITEM_SET_ALT] = { "item_set_alt",
	    "UPDATE media.items SET alt = $2 WHERE id = $1 RETURNING " ITEM_COLUMNS, 2, false },
	/*
	 * $2 is the channel: every Media instance, on every node, removes the
	 * item's cached files when the deletion commits (coherence.c).
	 */
	[S_ITEM_DELETE] = { "item_delete",
	    "WITH d AS (DELETE FROM media.items WHERE id = $1 RETURNING id) "
	    "SELECT pg_notify($2, id::text) FROM d", 2, false },
	[S_ITEM_EXISTS] = { "item_exists",
	    "SELECT 1 FROM media.items WHERE id = $1", 1, true },
	/* The original's bytes, read in binary. */
	[S_ORIGINAL] = { "original",
	    "SELECT data FROM media.originals WHERE item_id = $1", 1, true, true },
	/* Of the ids in the array $1 ("{…}"), those no item has (any longer). */
	[S_ITEMS_GONE] = { "items_gone",
	    "SELECT u::text FROM unnest($1::uuid[]) u "
	    "WHERE NOT EXISTS (SELECT 1 FROM media.items WHERE id = u)", 1, true },
};
