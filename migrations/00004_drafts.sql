-- +goose Up

-- Reviewed but not yet sent changes: what the user typed, so that the
-- review page's "Back to edit" link and its Send button both work from the
-- same input without carrying it in URLs. Drafts are short-lived scratch
-- data, not records: the audit log holds every submission.
CREATE TABLE drafts (
    id              TEXT PRIMARY KEY,
    organization_id INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    payload         BLOB NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;

CREATE INDEX drafts_created ON drafts (created_at);

-- +goose Down
DROP TABLE drafts;
