-- +goose Up

-- People who sign in. email is stored trimmed and lower-cased by the store,
-- so the unique index is case-insensitive in effect. password_hash is an
-- argon2id hash in PHC form, or '' while the user has not chosen a password
-- yet (a one-time link is pending). session_version is copied into every
-- session cookie; raising it ends every session of the user at once.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'auditor')),
    password_hash   TEXT NOT NULL DEFAULT '',
    disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    session_version INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX users_email ON users (email);

-- One-time links through which a user sets a password: after an admin
-- creates the account or resets its password. Only a SHA-256 hash of the
-- token is kept; a row is deleted when it is used.
CREATE TABLE password_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE INDEX password_tokens_user ON password_tokens (user_id);

-- Teams own organizations: an editor may change the organizations of the
-- teams they belong to.
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL COLLATE NOCASE,
    created_at TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX teams_name ON teams (name);

CREATE TABLE team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX team_members_user ON team_members (user_id);

-- organization_id refers to DigiCert's organization, not to the cache: a
-- sync that drops an organization from the cache must not drop who owns it.
CREATE TABLE team_organizations (
    team_id         INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    organization_id INTEGER NOT NULL,
    PRIMARY KEY (team_id, organization_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX team_organizations_organization ON team_organizations (organization_id);

-- +goose Down
DROP TABLE team_organizations;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE password_tokens;
DROP TABLE users;
