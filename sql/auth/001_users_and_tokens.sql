-- Auth: users, refresh tokens, failed logins.
-- Applied by quire-migrate as role quire_auth, in one transaction.

CREATE TABLE auth.users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{3,64}$'),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A refresh token is stored only as the SHA-256 of its text. Tokens issued
-- from one login share a family: presenting a used token revokes the family.
CREATE TABLE auth.refresh_tokens (
    token_hash  bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family ON auth.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON auth.refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expiry ON auth.refresh_tokens (expires_at);

-- Failed logins by username (existing or not), for the brute-force limit.
CREATE TABLE auth.login_failures (
    username   text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username ON auth.login_failures (username, failed_at);
CREATE INDEX login_failures_time ON auth.login_failures (failed_at);
