-- Post: slugs the reader site takes for its own pages (keep in sync with
-- reserved[] in fcgi/post/slug.c). A post that holds one is renamed to the
-- first free slug-N (N >= 2, in use neither as a slug nor as an old slug);
-- the old slug becomes an old slug of the post, so GET /posts/{old} answers
-- 301 to the new one. Its stored JSON says the new slug, and its ETag
-- changes (a new rendition), so a client holding the post sees the change.
-- Applied by quire-migrate as role quire_post, in one transaction.
DO $$
DECLARE
    p       record;
    n       integer;
    fresh   text;
BEGIN
    FOR p IN SELECT id, slug FROM post.posts WHERE slug IN ('admin', 'assets', 'auth',
            'author', 'feed', 'health', 'index', 'media', 'page', 'posts', 'search',
            'settings', 'sitemap', 'tag', 'robots', '404', '503') ORDER BY created_at
    LOOP
        n := 2;
        LOOP
            fresh := p.slug || '-' || n;
            EXIT WHEN NOT EXISTS (SELECT 1 FROM post.posts WHERE slug = fresh)
                AND NOT EXISTS (SELECT 1 FROM post.old_slugs WHERE slug = fresh);
            n := n + 1;
        END LOOP;
        INSERT INTO post.old_slugs (slug, post_id) VALUES (p.slug, p.id)
            ON CONFLICT (slug) DO UPDATE SET post_id = EXCLUDED.post_id;
        UPDATE post.posts SET slug = fresh,
            doc = regexp_replace(doc, '"slug":"[a-z0-9-]*"', '"slug":"' || fresh || '"'),
            item = regexp_replace(item, '"slug":"[a-z0-9-]*"', '"slug":"' || fresh || '"'),
            rendition = rendition + 1,
            etag = '"' || id || '.' || version || '.' || (rendition + 1) || '"'
        WHERE id = p.id;
    END LOOP;
END $$;
