-- +goose Up

-- The audit log: one row per event, append-only, hash-chained.
--
-- Events of one submission share submission_id. kind is validated by the
-- store rather than by a CHECK constraint, so that new kinds need no table
-- rebuild. Text columns hold '' when a value does not apply; the integer
-- columns hold NULL. JSON columns (contacts_before, contacts_after,
-- error_codes) hold the exact JSON text or ''.
--
-- hash is hex(SHA-256) over prev_hash and a canonical encoding of the row
-- (see store/audit_hash.go); prev_hash of the first event is 64 zeros.
CREATE TABLE audit_events (
    id                INTEGER PRIMARY KEY,
    submission_id     TEXT NOT NULL,
    kind              TEXT NOT NULL,
    occurred_at       TEXT NOT NULL,
    actor_id          INTEGER,
    actor_email       TEXT NOT NULL,
    organization_id   INTEGER,
    organization_name TEXT NOT NULL,
    request_body      TEXT NOT NULL,
    contacts_before   TEXT NOT NULL,
    contacts_after    TEXT NOT NULL,
    status            INTEGER,
    response_body     TEXT NOT NULL,
    error_codes       TEXT NOT NULL,
    error_message     TEXT NOT NULL,
    duration_ms       INTEGER,
    client_addr       TEXT NOT NULL,
    request_id        TEXT NOT NULL,
    summary           TEXT NOT NULL,
    prev_hash         TEXT NOT NULL,
    hash              TEXT NOT NULL
) STRICT;

-- kind follows submission_id, and submission_id follows kind, so that
-- finding requests without an outcome reads these two indexes only.
CREATE INDEX audit_events_submission ON audit_events (submission_id, kind);
CREATE INDEX audit_events_organization ON audit_events (organization_id, id);
CREATE INDEX audit_events_occurred ON audit_events (occurred_at, id);
CREATE INDEX audit_events_kind ON audit_events (kind, submission_id);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_events_no_delete;
DROP TRIGGER audit_events_no_update;
DROP TABLE audit_events;
