/* Every SQL statement of the Post program, prepared once per connection. */
#include "post.h"

#define RFC3339(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Everyone sees a post that is not a draft once its time has come. */
#define VISIBLE		"(status <> 'draft' AND published_at <= now())"
/* A scheduled post is published once its time has come, with no job running. */
#define EFFECTIVE_STATUS \
	"CASE WHEN status = 'draft' THEN 'draft' WHEN published_at <= now() " \
	"THEN 'published' ELSE 'scheduled' END"

/* The status and published_at a write stores, from the requested ones. */
#define STORED_STATUS(s, p) \
	"CASE WHEN " s " = 'draft' THEN 'draft' WHEN coalesce(" p "::timestamptz, now()) " \
	"> now() THEN 'scheduled' ELSE 'published' END"
#define STORED_PUBLISHED_AT(s, p) \
	"CASE WHEN " s " = 'draft' THEN " p "::timestamptz " \
	"ELSE coalesce(" p "::timestamptz, now()) END"

/*
 * Keep in sync with enum read_col in post.h. Stored columns and two
 * comparisons: every expression, and every uuid sent as text, costs time on
 * each read. $2 is the caller's user id (NULL when anonymous).
 */
#define READ_COLUMNS \
	"doc, etag, last_modified, status, published_at <= now(), author_id = $2::uuid, " \
	"unresolved"

/* The display name of the post's author, NULL when Post knows none. */
#define AUTHOR_DISPLAY \
	"(SELECT a.display_name FROM post.authors a WHERE a.id = author_id)"

/* Keep in sync with enum doc_col in post.h. */
#define DOC_COLUMNS \
	"id, slug, title, body, html, excerpt, author_id, author_name, to_json(tags)::text, " \
	"media::text, " RFC3339("created_at") ", " RFC3339("updated_at") ", " \
	RFC3339("published_at") ", version, rendition, " EFFECTIVE_STATUS ", " VISIBLE ", " \
	"floor(date_part('epoch', updated_at))::bigint, kind, " \
	"to_json(coalesce(tag_slugs, '{}'))::text, floor(date_part('epoch', published_at))::bigint, " \
	AUTHOR_DISPLAY

/*
 * The filters of GET /posts: $1 tag, $2 author, $3 q (with $4 the search
 * configuration), $5 which posts (published, draft, scheduled, any), $6
 * only this author's (NULL: everyone's), $7 the kind (post or page). A NULL
 * filter lets everything by.
 */
#define LIST_WHERE \
	"($1::text IS NULL OR tags @> ARRAY[$1::text]) " \
	"AND ($2::uuid IS NULL OR author_id = $2::uuid) " \
	"AND ($3::text IS NULL OR search @@ websearch_to_tsquery($4::regconfig, $3::text)) " \
	"AND ($6::uuid IS NULL OR author_id = $6::uuid) AND kind = $7::text " \
	"AND CASE $5::text WHEN 'published' THEN " VISIBLE " " \
	"WHEN 'draft' THEN status = 'draft' " \
	"WHEN 'scheduled' THEN status <> 'draft' AND published_at > now() ELSE true END"

/*
 * The site's settings and the theme its pages have, as the first columns of
 * every page's statement; keep in sync with enum state_col in post.h. Names
 * of their own, apart from the posts' (title, updated_at).
 */
#define SETTINGS_COLUMNS \
	"st_title, st_description, st_language, st_posts_per_page, st_navigation, " \
	"st_version, st_updated_at, st_theme"
#define SETTINGS_ROW \
	"(SELECT t.title AS st_title, t.description AS st_description, " \
	"t.language AS st_language, t.posts_per_page AS st_posts_per_page, " \
	"t.navigation::text AS st_navigation, t.version AS st_version, " \
	RFC3339("t.updated_at") " AS st_updated_at, s.theme AS st_theme " \
	"FROM post.settings t CROSS JOIN post.site_state s) st"

/* The most frequent spelling of the tags with slug p (NULL: none) among visible posts. */
#define TAG_NAME(p) \
	"(SELECT u.tag FROM post.posts tp, unnest(tp.tags, tp.tag_slugs) AS u(tag, slug) " \
	"WHERE u.slug = " p "::text AND tp.kind = 'post' AND tp.status <> 'draft' " \
	"AND tp.published_at <= now() GROUP BY u.tag ORDER BY count(*) DESC, u.tag LIMIT 1)"

/*
 * What the reader site shows of a post; keep in sync with enum site_col in
 * pages.c. The first <img> of the HTML is its image (cmark escapes '>' in
 * attribute values).
 */
#define SITE_COLUMNS \
	"slug, title, excerpt, author_name, " AUTHOR_DISPLAY ", to_json(tags)::text, " \
	"to_json(coalesce(tag_slugs, '{}'))::text, " \
	"floor(date_part('epoch', published_at))::bigint, " \
	"floor(date_part('epoch', updated_at))::bigint, substring(html FROM '<img [^>]*>')"

/* The advisory lock of the due-time tick ("quire.site.tick"). */
#define TICK_LOCK_KEY	"7170812001"

/* Keep in sync with enum post_stmt in post.h. */
const struct db_stmt post_stmts[S_POST_STMT_COUNT] = {
	[S_POST_BY_ID] = { "post_by_id",
	    "SELECT " READ_COLUMNS " FROM post.posts WHERE id = $1", 2, true },
	[S_POST_BY_SLUG] = { "post_by_slug",
	    "SELECT " READ_COLUMNS " FROM post.posts WHERE slug = $1", 2, true },
	/* Where an old slug leads: the current slug, who may follow it (enum old_slug_col). */
	[S_OLD_SLUG] = { "old_slug",
	    "SELECT p.slug, " VISIBLE ", p.author_id FROM post.old_slugs o "
	    "JOIN post.posts p ON p.id = o.post_id WHERE o.slug = $1", 1, true },
	/* Keep in sync with enum meta_col in post.h. */
	[S_POST_META] = { "post_meta",
	    "SELECT author_id, " VISIBLE ", etag FROM post.posts WHERE id = $1", 1, true },
	[S_POST_FOR_WRITE] = { "post_for_write",
	    "SELECT " DOC_COLUMNS ", excerpt_given, status FROM post.posts WHERE id = $1",
	    1, true },
	/*
	 * The slugs in use that are base or base-N, current or old, with who
	 * may see their post (enum holder_col from HC_VISIBLE on).
	 */
	[S_SLUG_FAMILY] = { "slug_family",
	    "SELECT slug, " VISIBLE ", author_id FROM post.posts "
	    "WHERE slug = $1 OR slug LIKE $1 || '-%' UNION ALL "
	    "SELECT o.slug, " VISIBLE ", p.author_id FROM post.old_slugs o "
	    "JOIN post.posts p ON p.id = o.post_id WHERE o.slug = $1 OR o.slug LIKE $1 || '-%'",
	    1, false },
	/* The posts holding slug $1, as their current slug or an old one (enum holder_col). */
	[S_SLUG_HOLDERS] = { "slug_holders",
	    "SELECT id, " VISIBLE ", author_id, false FROM post.posts WHERE slug = $1 "
	    "UNION ALL SELECT p.id, " VISIBLE ", p.author_id, true FROM post.old_slugs o "
	    "JOIN post.posts p ON p.id = o.post_id WHERE o.slug = $1", 1, false },
	/* Whether any post holds slug $1, current or old. */
	[S_SLUG_USED] = { "slug_used",
	    "SELECT 1 FROM post.posts WHERE slug = $1 UNION ALL "
	    "SELECT 1 FROM post.old_slugs WHERE slug = $1", 1, false },
	/* A hidden post giving way: a new slug, a new version, no redirect from the old one. */
	[S_POST_RENAME] = { "post_rename",
	    "UPDATE post.posts SET slug = $2, version = version + 1, rendition = 0, "
	    "updated_at = now() WHERE id = $1 RETURNING " DOC_COLUMNS, 2, false },
	[S_POST_INSERT] = { "post_insert",
	    "INSERT INTO post.posts (slug, title, body, html, excerpt, excerpt_given, status, "
	    "published_at, author_id, author_name, tags, media, unresolved, render_tried_at, "
	    "search, kind, tag_slugs, went_live) VALUES ($1, $2, $3, $4, $5, $6, "
	    STORED_STATUS("$7", "$8") ", " STORED_PUBLISHED_AT("$7", "$8") ", $9, $10, "
	    "ARRAY(SELECT jsonb_array_elements_text($11::jsonb)), $12::jsonb, $13, "
	    "CASE WHEN $13::boolean THEN now() END, "
	    "post.search_vector($14::regconfig, $2, $3), $15, "
	    "ARRAY(SELECT jsonb_array_elements_text($16::jsonb)), "
	    STORED_STATUS("$7", "$8") " <> 'scheduled') RETURNING " DOC_COLUMNS,
	    16, false },
	/* Only from the version and rendition the caller read ($2, $3). */
	[S_POST_UPDATE] = { "post_update",
	    "UPDATE post.posts SET slug = $4, title = $5, body = $6, html = $7, excerpt = $8, "
	    "excerpt_given = $9, status = " STORED_STATUS("$10", "$11") ", "
	    "published_at = " STORED_PUBLISHED_AT("$10", "$11") ", "
	    "tags = ARRAY(SELECT jsonb_array_elements_text($12::jsonb)), media = $13::jsonb, "
	    "unresolved = $14, render_tried_at = CASE WHEN $14::boolean THEN now() END, "
	    "search = post.search_vector($15::regconfig, $5, $6), version = version + 1, "
	    "rendition = 0, updated_at = now(), kind = $16, "
	    "tag_slugs = ARRAY(SELECT jsonb_array_elements_text($17::jsonb)), "
	    "went_live = " STORED_STATUS("$10", "$11") " <> 'scheduled' "
	    "WHERE id = $1 AND version = $2 AND rendition = $3 RETURNING " DOC_COLUMNS,
	    17, false },
	[S_POST_SET_DOC] = { "post_set_doc",
	    "UPDATE post.posts SET doc = $2, item = $3, etag = $4, last_modified = $5 "
	    "WHERE id = $1", 5, false },
	/* With an ETag ($2), only if the post is still at it. Returns what it was. */
	[S_POST_DELETE] = { "post_delete",
	    "DELETE FROM post.posts WHERE id = $1 AND ($2::text IS NULL OR etag = $2) "
	    "RETURNING " DOC_COLUMNS, 2, false },
	/* The current version of the post as a revision, by editor $2. */
	[S_REVISION_INSERT] = { "revision_insert",
	    "INSERT INTO post.revisions (post_id, version, slug, title, body, excerpt, status, "
	    "tags, published_at, editor_id) SELECT id, version, slug, title, body, excerpt, "
	    "status, tags, published_at, $2 FROM post.posts WHERE id = $1",
	    2, false },
	[S_OLD_SLUG_ADD] = { "old_slug_add",
	    "INSERT INTO post.old_slugs (slug, post_id) VALUES ($1, $2) "
	    "ON CONFLICT (slug) DO UPDATE SET post_id = EXCLUDED.post_id", 2, false },
	[S_OLD_SLUG_CLEAR] = { "old_slug_clear",
	    "DELETE FROM post.old_slugs WHERE slug = $1", 1, false },
	/*
	 * Takes the one re-render attempt of this breaker interval ($3
	 * seconds) for a post read with ETag $2. Returns the body and how
	 * many references did not resolve, or no row.
	 */
	[S_HEAL_CLAIM] = { "heal_claim",
	    "UPDATE post.posts SET render_tried_at = now() WHERE id = $1 AND etag = $2 "
	    "AND unresolved AND (render_tried_at IS NULL OR "
	    "render_tried_at <= now() - make_interval(secs => $3)) RETURNING body, "
	    "(SELECT count(*) FROM jsonb_array_elements(media) m "
	    "WHERE m->>'state' = 'unresolved')",
	    3, false },
	[S_HEAL_APPLY] = { "heal_apply",
	    "UPDATE post.posts SET html = $3, media = $4::jsonb, unresolved = $5, "
	    "rendition = rendition + 1, updated_at = now() "
	    "WHERE id = $1 AND etag = $2 RETURNING " DOC_COLUMNS,
	    5, false },
	/* A body that cannot be rendered again: no read tries it again, only an edit. */
	[S_HEAL_GIVE_UP] = { "heal_give_up",
	    "UPDATE post.posts SET render_tried_at = 'infinity' WHERE id = $1 AND etag = $2",
	    2, false },
	/* The hot list: published posts, newest first, and how many there are. */
	[S_LIST_PUBLISHED] = { "list_published",
	    "SELECT item, 'published', count(*) OVER () FROM post.posts "
	    "WHERE " VISIBLE " AND kind = 'post' ORDER BY published_at DESC, id DESC "
	    "LIMIT $1 OFFSET $2",
	    2, true },
	[S_LIST_FILTERED] = { "list_filtered",
	    "SELECT item, " EFFECTIVE_STATUS ", count(*) OVER () FROM post.posts "
	    "WHERE " LIST_WHERE " ORDER BY published_at DESC NULLS LAST, updated_at DESC, "
	    "id DESC LIMIT $8 OFFSET $9",
	    9, true },
	[S_COUNT_FILTERED] = { "count_filtered",
	    "SELECT count(*) FROM post.posts WHERE " LIST_WHERE, 7, true },
	/* Keep in sync with revision_json() in revisions.c. */
	[S_REVISIONS] = { "revisions",
	    "SELECT version, slug, title, body, excerpt, status, to_json(tags)::text, "
	    RFC3339("published_at") ", editor_id, " RFC3339("created_at") ", count(*) OVER () "
	    "FROM post.revisions WHERE post_id = $1 ORDER BY version DESC LIMIT $2 OFFSET $3",
	    3, true },
	[S_REVISION_COUNT] = { "revision_count",
	    "SELECT count(*) FROM post.revisions WHERE post_id = $1", 1, true },
	/*
	 * The settings, then the columns of enum feed_col in feed.c: the latest
	 * posts, with tag slug $1 (NULL: all), and that tag's name.
	 */
	[S_FEED] = { "feed",
	    "SELECT " SETTINGS_COLUMNS ", id, slug, title, excerpt, html, "
	    "coalesce(" AUTHOR_DISPLAY ", author_name), "
	    "to_json(tags)::text, " RFC3339("published_at") ", " RFC3339("updated_at") ", "
	    "version, rendition, " TAG_NAME("$1") " FROM post.posts CROSS JOIN " SETTINGS_ROW " "
	    "WHERE " VISIBLE " AND kind = 'post' "
	    "AND ($1::text IS NULL OR tag_slugs @> ARRAY[$1::text]) "
	    "ORDER BY published_at DESC, id DESC LIMIT 20",
	    1, true },

	/*
	 * The reader site: one statement a page, each with the settings first
	 * (enum state_col in post.h), the rest in sync with enum site_col in
	 * pages.c. A page without rows (a fresh site) reads S_SITE_STATE.
	 */
	[S_SITE_STATE] = { "site_state",
	    "SELECT " SETTINGS_COLUMNS " FROM " SETTINGS_ROW, 0, true },
	/*
	 * Page $3 (from 1) of published posts (not pages), posts_per_page a
	 * page: $1 a tag slug (and its name), $2 an author's username, $4 a
	 * search ($5 its configuration); NULL lets all by.
	 */
	[S_SITE_LIST] = { "site_list",
	    "SELECT " SETTINGS_COLUMNS ", " SITE_COLUMNS ", count(*) OVER (), " TAG_NAME("$1")
	    " FROM post.posts CROSS JOIN " SETTINGS_ROW " WHERE " VISIBLE " "
	    "AND kind = 'post' AND ($1::text IS NULL OR tag_slugs @> ARRAY[$1::text]) "
	    "AND ($2::text IS NULL OR author_name = $2::text) "
	    "AND ($4::text IS NULL OR search @@ websearch_to_tsquery($5::regconfig, $4::text)) "
	    "ORDER BY published_at DESC, id DESC "
	    "LIMIT (SELECT posts_per_page FROM post.settings) "
	    "OFFSET (SELECT posts_per_page FROM post.settings) * ($3::bigint - 1)", 5, true },
	[S_SITE_POST] = { "site_post",
	    "SELECT " SETTINGS_COLUMNS ", " SITE_COLUMNS ", html, kind FROM post.posts "
	    "CROSS JOIN " SETTINGS_ROW " WHERE slug = $1 AND " VISIBLE, 1, true },
	[S_SITEMAP] = { "sitemap",
	    "SELECT " SETTINGS_COLUMNS ", slug, " RFC3339("updated_at") " FROM post.posts "
	    "CROSS JOIN " SETTINGS_ROW " WHERE " VISIBLE " "
	    "ORDER BY published_at DESC, id DESC LIMIT 50000", 0, true },
	/* The given fields ($1..$5, NULL: kept) over version $6; keep in sync with settings.c. */
	[S_SETTINGS_UPDATE] = { "settings_update",
	    "UPDATE post.settings SET title = coalesce($1, title), "
	    "description = coalesce($2, description), language = coalesce($3, language), "
	    "posts_per_page = coalesce($4::integer, posts_per_page), "
	    "navigation = coalesce($5::jsonb, navigation), version = version + 1, "
	    "updated_at = now() WHERE version = $6::integer RETURNING version", 6, false },
	/* Records theme $1 as the site's; a row when it was another (pages to delete). */
	[S_THEME_CLAIM] = { "theme_claim",
	    "UPDATE post.site_state SET theme = $1 WHERE theme <> $1 RETURNING 1", 1, false },
	/* One process at a time does the due-time work (in its transaction). */
	[S_TICK_LOCK] = { "tick_lock",
	    "SELECT pg_try_advisory_xact_lock(" TICK_LOCK_KEY ")", 0, false },
	/* Scheduled posts whose time came: their pages are deleted as for a publish. */
	[S_TICK_DUE] = { "tick_due",
	    "UPDATE post.posts SET went_live = true WHERE status = 'scheduled' "
	    "AND published_at <= now() AND NOT went_live RETURNING " DOC_COLUMNS, 0, false },
	/* Seconds until the next scheduled post is due (NULL: none). */
	[S_TICK_NEXT] = { "tick_next",
	    "SELECT extract(epoch FROM min(published_at) - now())::float8 FROM post.posts "
	    "WHERE status = 'scheduled' AND NOT went_live", 0, true },
	/*
	 * Counts a change of the site's pages and tells every node's Post which
	 * pages it deleted: payload "node\nchanges\nALL|paths" (site_nodes.c).
	 */
	[S_SITE_NOTIFY] = { "site_notify",
	    "UPDATE post.site_state SET changes = changes + 1 RETURNING changes, "
	    "pg_notify($1, $2 || E'\\n' || changes || E'\\n' || $3)", 3, false },
	/* How many changes of the site's pages there were (a node compares its own count). */
	[S_SITE_CHANGES] = { "site_changes",
	    "SELECT changes FROM post.site_state", 0, true },
	/*
	 * The names of author $1 from a token issued at $4: username $2,
	 * display name $3 (NULL: none). Writes only a change (from a token no
	 * older than the one the stored names came from) or an author not seen
	 * before; returns how many rows it updated, then inserted.
	 */
	/* A row when S_AUTHOR_LEARN would write nothing: the names known, or from a later token. */
	[S_AUTHOR_KNOWN] = { "author_known",
	    "SELECT 1 FROM post.authors WHERE id = $1::uuid AND (name_iat > $4::bigint "
	    "OR (username = $2 AND display_name IS NOT DISTINCT FROM $3::text))", 4, false },
	[S_AUTHOR_LEARN] = { "author_learn",
	    "WITH up AS (UPDATE post.authors SET username = $2, display_name = $3::text, "
	    "name_iat = $4 WHERE id = $1::uuid AND name_iat <= $4::bigint "
	    "AND (display_name IS DISTINCT FROM $3::text OR username <> $2) RETURNING 1), "
	    "ins AS (INSERT INTO post.authors (id, username, display_name, name_iat) "
	    "SELECT $1::uuid, $2, $3::text, $4::bigint "
	    "WHERE NOT EXISTS (SELECT 1 FROM post.authors WHERE id = $1::uuid) "
	    "ON CONFLICT (id) DO NOTHING RETURNING 1) "
	    "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM ins)", 4, false },
	/* The visible posts and pages of author $1: slug, kind, tag slugs (JSON). */
	[S_AUTHOR_POSTS] = { "author_posts",
	    "SELECT slug, kind, to_json(coalesce(tag_slugs, '{}'))::text FROM post.posts "
	    "WHERE author_id = $1 AND " VISIBLE, 1, false },
	/*
	 * Every post of author $1 gets a new rendition (so a new ETag) for a
	 * JSON that names them anew.
	 */
	[S_AUTHOR_REDOC] = { "author_redoc",
	    "UPDATE post.posts SET rendition = rendition + 1 WHERE author_id = $1 "
	    "RETURNING " DOC_COLUMNS, 1, false },
	/* Posts written before tags had slugs (filled in batches by the tick). */
	[S_TAGS_UNSLUGGED] = { "tags_unslugged",
	    "SELECT id, to_json(tags)::text FROM post.posts WHERE tag_slugs IS NULL LIMIT 200",
	    0, false },
	[S_TAGS_SET_SLUGS] = { "tags_set_slugs",
	    "UPDATE post.posts SET tag_slugs = ARRAY(SELECT jsonb_array_elements_text($2::jsonb)) "
	    "WHERE id = $1", 2, false },
};
