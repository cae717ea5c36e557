-- Failed logins are counted by client address: per (address, username) pair
-- and per address, so that failures from elsewhere never lock an account's
-- owner out. address is the client's IPv4 address or IPv6 prefix ('' for
-- rows from before).
ALTER TABLE auth.login_failures ADD COLUMN address text NOT NULL DEFAULT '';
DROP INDEX auth.login_failures_username;
CREATE INDEX login_failures_address ON auth.login_failures (address, failed_at);
