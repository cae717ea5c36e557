-- display_name: the name pages show for a user, set by the user or an admin
-- (POST /auth/users, PATCH /auth/users/{id}). NULL means "show the username".
-- Checked by display_name_check() (fcgi/auth/password.c): at most 100
-- characters, no control characters, no surrounding spaces, not empty.
-- Access tokens carry it as the claim display_name when it is set; Post keeps
-- a copy in post.authors.

ALTER TABLE auth.users ADD COLUMN display_name text
    CHECK (display_name IS NULL OR (display_name <> '' AND char_length(display_name) <= 100));
