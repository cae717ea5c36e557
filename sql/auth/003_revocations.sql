-- Auth: revoked subjects. A row says that the access tokens of user_id issued
-- at or before revoked_at are no longer valid; it matters until expires_at
-- (revoked_at + access_ttl), when every such token has expired anyway.
-- Times are seconds since the epoch by Auth's clock, like a token's iat.
-- No foreign key: a deleted user's revocation must outlive the user.
-- Every program learns of a new row by NOTIFY quire_revocations, and reads
-- the list from GET /auth/revocations; none reads this table but Auth.

CREATE TABLE auth.revocations (
    user_id     uuid PRIMARY KEY,
    revoked_at  bigint NOT NULL,
    expires_at  bigint NOT NULL CHECK (expires_at >= revoked_at)
);
CREATE INDEX revocations_expiry ON auth.revocations (expires_at);
