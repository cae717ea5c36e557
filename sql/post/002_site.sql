-- Post: the reader site. Its settings (one row), the theme its stored pages
-- were made with, and what each post needs to be a page: its kind, the URL
-- segments of its tags, and whether a scheduled post has gone live (its
-- pages deleted).
-- Applied by quire-migrate as role quire_post, in one transaction.

-- The site's settings: GET and PATCH /posts/settings. A fresh database gets
-- the defaults; the [post] feed_title key, if set, is no longer read.
CREATE TABLE post.settings (
    id              boolean PRIMARY KEY DEFAULT true CHECK (id),   -- one row
    title           text NOT NULL DEFAULT 'Quire' CHECK (char_length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
    language        text NOT NULL DEFAULT 'en' CHECK (char_length(language) BETWEEN 2 AND 35),
    posts_per_page  integer NOT NULL DEFAULT 10 CHECK (posts_per_page BETWEEN 1 AND 50),
    navigation      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(navigation) = 'array'
                    AND jsonb_array_length(navigation) <= 20),
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
INSERT INTO post.settings DEFAULT VALUES;

-- theme: the fingerprint of the theme the stored pages were made with; a
-- process that loads another deletes them all (and only then stores its own).
CREATE TABLE post.site_state (
    id          boolean PRIMARY KEY DEFAULT true CHECK (id),
    theme       text NOT NULL DEFAULT ''
);
INSERT INTO post.site_state DEFAULT VALUES;

-- kind: a post (in lists and feeds) or a page (an About page: its own URL
-- and the sitemap only). tag_slugs: the URL segment of each tag, in the
-- order of tags, made by Post (NULL until Post fills it). went_live: false
-- while a scheduled post's pages have not been invalidated for its coming.
ALTER TABLE post.posts
    ADD COLUMN kind text NOT NULL DEFAULT 'post' CHECK (kind IN ('post', 'page')),
    ADD COLUMN tag_slugs text[],
    ADD COLUMN went_live boolean NOT NULL DEFAULT true;
UPDATE post.posts SET went_live = false WHERE status = 'scheduled' AND published_at > now();
CREATE INDEX posts_tag_slugs ON post.posts USING gin (tag_slugs);
CREATE INDEX posts_due ON post.posts (published_at) WHERE status = 'scheduled' AND NOT went_live;
CREATE INDEX posts_author_name ON post.posts (author_name);

-- The stored JSON of every post says its kind, as a new write would.
UPDATE post.posts SET doc = '{"kind":"post",' || substr(doc, 2) WHERE doc LIKE '{%';
UPDATE post.posts SET item = '{"kind":"post",' || substr(item, 2) WHERE item LIKE '{%';
