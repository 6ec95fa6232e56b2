-- +goose Up

-- Sessions kept on the server. The browser's cookie holds only a random
-- 256-bit token; this table keeps its SHA-256 (token_hash), never the token,
-- so a copy of the database opens no session.
--
-- user_id is NULL for a pre-session: the short-lived session of a browser
-- that has not signed in, which holds the CSRF token of the sign-in, setup
-- and password forms. expires_at is the absolute end of the session; the
-- idle limit is counted from last_seen_at. csrf_token is the token every
-- form of the session carries. data holds the web layer's small values of
-- the session (its flash messages), as JSON.
--
-- id is what pages show to name a session (to end it); AUTOINCREMENT keeps
-- an ended session's id from naming a later one.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT NOT NULL,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    client_addr  TEXT NOT NULL,
    user_agent   TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE UNIQUE INDEX sessions_token ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Sessions used to be signed and encrypted cookies whose keys were kept in
-- settings, so a copy of the database could forge any session. The keys go:
-- cookies made with them open nothing, and their holders sign in again once.
-- users.session_version, which those cookies carried, is no longer read.
DELETE FROM settings WHERE key IN (
    'session_auth_key', 'session_encryption_key',
    'session_auth_key_previous', 'session_encryption_key_previous'
);

-- +goose Down
DROP TABLE sessions;
