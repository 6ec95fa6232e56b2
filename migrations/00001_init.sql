-- +goose Up

-- Generated secrets (session keys) and other small values the portal keeps
-- between restarts.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      BLOB NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- A cache of DigiCert's organization list, for fast search and paging. The
-- edit page always reads the organization from DigiCert itself.
--
-- sort_key and search_text are derived from the names by the store (Unicode
-- case folding done in Go), so ordering and matching are case-insensitive
-- beyond ASCII.
CREATE TABLE organizations (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    assumed_name TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT '',
    is_active    INTEGER NOT NULL DEFAULT 0 CHECK (is_active IN (0, 1)),
    synced_at    TEXT NOT NULL,
    sort_key     TEXT NOT NULL,
    search_text  TEXT NOT NULL
) STRICT;

CREATE INDEX organizations_sort ON organizations (sort_key, id);

-- Substring search for queries of three characters or more: a trigram index
-- over search_text. It reads its content from organizations, so it stores
-- only the index; the triggers below keep it in step.
CREATE VIRTUAL TABLE organizations_search USING fts5(
    search_text,
    content = 'organizations',
    content_rowid = 'id',
    tokenize = 'trigram case_sensitive 1'
);

-- The trigram list of organizations_search, read to turn a two-character
-- search into the trigrams that begin with it.
CREATE VIRTUAL TABLE organizations_search_terms USING fts5vocab(organizations_search, row);

-- +goose StatementBegin
CREATE TRIGGER organizations_search_insert AFTER INSERT ON organizations BEGIN
    INSERT INTO organizations_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER organizations_search_delete AFTER DELETE ON organizations BEGIN
    INSERT INTO organizations_search (organizations_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
END;
-- +goose StatementEnd

-- Every sync rewrites synced_at, so the index is touched only when the
-- searchable text really changed.
-- +goose StatementBegin
CREATE TRIGGER organizations_search_update AFTER UPDATE OF search_text ON organizations
WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO organizations_search (organizations_search, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    INSERT INTO organizations_search (rowid, search_text) VALUES (new.id, new.search_text);
END;
-- +goose StatementEnd

-- When each cached list was last replaced from DigiCert, one row per list.
CREATE TABLE sync_state (
    list       TEXT PRIMARY KEY,
    synced_at  TEXT NOT NULL,
    item_count INTEGER NOT NULL
) STRICT;

-- +goose Down
DROP TABLE sync_state;
DROP TRIGGER organizations_search_update;
DROP TRIGGER organizations_search_delete;
DROP TRIGGER organizations_search_insert;
DROP TABLE organizations_search_terms;
DROP TABLE organizations_search;
DROP TABLE organizations;
DROP TABLE settings;
