-- authors: what Post knows of each author's names, learnt from the claims of
-- their access tokens (sub, name, display_name) on each authenticated
-- request (fcgi/post/authors.c). display_name NULL: pages show the username.
-- name_iat is the iat of the token the names came from, so that an older
-- token still in use cannot put back an older name. A change re-renders the
-- pages that show the name (the invalidation matrix in site-phase2.md).

CREATE TABLE post.authors (
    id              uuid PRIMARY KEY,       -- a user of Auth: no foreign key across schemas
    username        text NOT NULL,
    display_name    text,
    name_iat        bigint NOT NULL
);
