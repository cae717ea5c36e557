-- Post: posts, their revisions, the slugs they had before, and full-text search.
-- Applied by quire-migrate as role quire_post, in one transaction.

-- The search vector of a post. A tsvector holds at most 1 MiB, which a 1 MiB
-- body of distinct words can exceed: then only the body's first 100000
-- characters are indexed, rather than refusing the post.
CREATE FUNCTION post.search_vector(config regconfig, title text, body text)
RETURNS tsvector LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN setweight(to_tsvector(config, title), 'A') ||
        setweight(to_tsvector(config, body), 'B');
EXCEPTION WHEN program_limit_exceeded THEN
    RETURN setweight(to_tsvector(config, title), 'A') ||
        setweight(to_tsvector(config, left(body, 100000)), 'B');
END $$;

-- A post. status is stored as written: 'scheduled' with a published_at in the
-- future; once that time passes the post is published without any job
-- running (visible means status <> 'draft' AND published_at <= now()).
-- doc and item are the post's JSON, without "status", made when it is
-- written (item lacks body and html), and etag and last_modified its HTTP
-- validators: a read sends them as they are.
CREATE TABLE post.posts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,120}$'),
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    body            text NOT NULL CHECK (octet_length(body) <= 1048576),
    html            text NOT NULL,
    excerpt         text NOT NULL,
    excerpt_given   boolean NOT NULL DEFAULT false,
    status          text NOT NULL CHECK (status IN ('draft', 'published', 'scheduled')),
    author_id       uuid NOT NULL,          -- a user of Auth: no foreign key across schemas
    author_name     text NOT NULL,          -- the token's name when the post was created
    tags            text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    media           jsonb NOT NULL DEFAULT '[]',    -- [{"id","state",…}] as rendered
    unresolved      boolean NOT NULL DEFAULT false, -- a media reference did not resolve
    render_tried_at timestamptz,            -- last time Media was asked for this post
    rendition       integer NOT NULL DEFAULT 0,     -- re-renders of this version
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    search          tsvector NOT NULL,
    doc             text NOT NULL DEFAULT '',
    item            text NOT NULL DEFAULT '',
    etag            text NOT NULL DEFAULT '',
    last_modified   text NOT NULL DEFAULT '',
    CHECK (status = 'draft' OR published_at IS NOT NULL)
);
CREATE INDEX posts_visible ON post.posts (published_at DESC, id DESC) WHERE status <> 'draft';
CREATE INDEX posts_author ON post.posts (author_id);
CREATE INDEX posts_tags ON post.posts USING gin (tags);
CREATE INDEX posts_search ON post.posts USING gin (search);

-- Every version of every post, so that no edit loses text.
CREATE TABLE post.revisions (
    post_id       uuid NOT NULL REFERENCES post.posts (id) ON DELETE CASCADE,
    version       integer NOT NULL,
    slug          text NOT NULL,
    title         text NOT NULL,
    body          text NOT NULL,
    excerpt       text NOT NULL,
    status        text NOT NULL,
    tags          text[] NOT NULL,
    published_at  timestamptz,
    editor_id     uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, version)
);

-- Slugs a post had before: reading one answers 301 to the current slug. A
-- post that takes such a slug as its own takes it over.
CREATE TABLE post.old_slugs (
    slug     text PRIMARY KEY,
    post_id  uuid NOT NULL REFERENCES post.posts (id) ON DELETE CASCADE
);
CREATE INDEX old_slugs_post ON post.old_slugs (post_id);
