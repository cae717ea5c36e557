-- Media: uploaded images and their originals.
-- Applied by quire-migrate as role quire_media, in one transaction.

-- One row per image. owner_id is an Auth user id, not a foreign key: Media
-- never reads Auth's tables. sha256 is the digest of the bytes as uploaded,
-- so the same owner uploading the same bytes again gets the same item.
CREATE TABLE media.items (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id    uuid NOT NULL,
    mime        text NOT NULL
                CHECK (mime IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp')),
    width       integer NOT NULL CHECK (width > 0),
    height      integer NOT NULL CHECK (height > 0),
    bytes       bigint NOT NULL CHECK (bytes > 0),
    sha256      bytea NOT NULL CHECK (length(sha256) = 32),
    alt         text NOT NULL DEFAULT '' CHECK (char_length(alt) <= 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, sha256)
);
CREATE INDEX items_owner ON media.items (owner_id, created_at, id);
CREATE INDEX items_created ON media.items (created_at, id);

-- The stored original (upright, every metadata stripped): durable state, in
-- its own table so that listing and reading metadata never touch image
-- bytes. Inserted in the same statement as its item; deleted with it.
CREATE TABLE media.originals (
    item_id  uuid PRIMARY KEY REFERENCES media.items (id) ON DELETE CASCADE,
    data     bytea NOT NULL
);
-- Images are compressed already: store them out of line without trying again.
ALTER TABLE media.originals ALTER COLUMN data SET STORAGE EXTERNAL;
