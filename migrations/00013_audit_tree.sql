-- +goose Up

-- The audit log as a Merkle tree (RFC 6962 hashing, as Certificate
-- Transparency has it): the leaf of event id N is leaf N-1, whose data is
-- the 32 bytes of the event's hash. audit_tree keeps the tree's stored
-- hashes in the layout of golang.org/x/mod/sumdb/tlog: id is
-- tlog.StoredHashIndex(level, n), hash the 32-byte node hash. From them
-- the root of the tree at any size, and any inclusion or consistency
-- proof, is read in a few lookups. The store appends them in the
-- transaction that appends the event; on opening a database written
-- before this table existed, it builds them from the events.
CREATE TABLE audit_tree (
    id   INTEGER PRIMARY KEY,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- Signed checkpoints: the tree's size and root at a moment, in the C2SP
-- signed-note format (note), signed by a key that lives outside the
-- database. root_hash is the root in hex.
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY,
    tree_size INTEGER NOT NULL,
    root_hash TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    note      TEXT NOT NULL
) STRICT;

-- +goose StatementBegin
CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree BEGIN
    SELECT RAISE(ABORT, 'audit_tree is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree BEGIN
    SELECT RAISE(ABORT, 'audit_tree is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints BEGIN
    SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
-- +goose StatementEnd

-- The tables the audit pages read beside the events (audit_submissions,
-- audit_organizations, audit_actors, audit_daily) were kept by triggers
-- written in SQL. From now on the store derives them in Go, with the one
-- function that audit verify also uses to rebuild them from the events
-- and compare (store/audit_derived.go).
DROP TRIGGER audit_submissions_open;
DROP TRIGGER audit_submissions_close;
DROP TRIGGER audit_submissions_changed_outside;
DROP TRIGGER audit_daily_insert;
DROP TRIGGER audit_daily_update;

-- Those tables are changed only by appends: a submission's first event
-- sets its row and only a later outcome changes it, in the outcome
-- columns alone and with a newer event; counts move by one. The triggers
-- refuse anything else, so that a plain UPDATE cannot quietly change what
-- the pages show. audit verify still compares every column with the
-- events, which also catches a change made with the triggers dropped.
-- +goose StatementBegin
CREATE TRIGGER audit_submissions_no_delete BEFORE DELETE ON audit_submissions BEGIN
    SELECT RAISE(ABORT, 'audit_submissions is derived from audit_events: rows are never deleted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_fixed_columns BEFORE UPDATE ON audit_submissions
WHEN new.id IS NOT old.id OR new.submission_id IS NOT old.submission_id
    OR new.occurred_at IS NOT old.occurred_at OR new.actor_id IS NOT old.actor_id
    OR new.actor_email IS NOT old.actor_email OR new.organization_id IS NOT old.organization_id
    OR new.organization_name IS NOT old.organization_name OR new.summary IS NOT old.summary BEGIN
    SELECT RAISE(ABORT, 'audit_submissions: only the outcome of a submission changes');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_newer_outcome BEFORE UPDATE ON audit_submissions
WHEN new.outcome_id IS NULL OR new.outcome_id <= coalesce(old.outcome_id, old.id)
    OR NOT EXISTS (SELECT 1 FROM audit_events AS e WHERE e.id = new.outcome_id
        AND e.submission_id = new.submission_id AND e.kind IN ('responded', 'failed', 'reconciled')) BEGIN
    SELECT RAISE(ABORT, 'audit_submissions: an outcome changes only with a newer outcome event of the submission');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_organizations_no_delete BEFORE DELETE ON audit_organizations BEGIN
    SELECT RAISE(ABORT, 'audit_organizations is derived from audit_events: rows are never deleted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_organizations_count BEFORE UPDATE ON audit_organizations
WHEN new.id IS NOT old.id OR new.submissions IS NOT old.submissions + 1 BEGIN
    SELECT RAISE(ABORT, 'audit_organizations: counts only grow by one');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_actors_no_delete BEFORE DELETE ON audit_actors BEGIN
    SELECT RAISE(ABORT, 'audit_actors is derived from audit_events: rows are never deleted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_actors_count BEFORE UPDATE ON audit_actors
WHEN new.email IS NOT old.email OR new.submissions IS NOT old.submissions + 1 BEGIN
    SELECT RAISE(ABORT, 'audit_actors: counts only grow by one');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_daily_no_delete BEFORE DELETE ON audit_daily BEGIN
    SELECT RAISE(ABORT, 'audit_daily is derived from audit_events: rows are never deleted');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_daily_count BEFORE UPDATE ON audit_daily
WHEN new.day IS NOT old.day OR new.outcome IS NOT old.outcome
    OR (new.submissions IS NOT old.submissions + 1 AND new.submissions IS NOT old.submissions - 1) BEGIN
    SELECT RAISE(ABORT, 'audit_daily: counts move by one');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_daily_count;
DROP TRIGGER audit_daily_no_delete;
DROP TRIGGER audit_actors_count;
DROP TRIGGER audit_actors_no_delete;
DROP TRIGGER audit_organizations_count;
DROP TRIGGER audit_organizations_no_delete;
DROP TRIGGER audit_submissions_newer_outcome;
DROP TRIGGER audit_submissions_fixed_columns;
DROP TRIGGER audit_submissions_no_delete;

-- +goose StatementBegin
CREATE TRIGGER audit_daily_insert AFTER INSERT ON audit_submissions BEGIN
    INSERT INTO audit_daily (day, outcome, submissions) VALUES (substr(new.occurred_at, 1, 10), new.outcome, 1)
    ON CONFLICT (day, outcome) DO UPDATE SET submissions = submissions + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_daily_update AFTER UPDATE OF outcome ON audit_submissions
WHEN old.outcome IS NOT new.outcome BEGIN
    UPDATE audit_daily SET submissions = submissions - 1
    WHERE day = substr(old.occurred_at, 1, 10) AND outcome = old.outcome;
    INSERT INTO audit_daily (day, outcome, submissions) VALUES (substr(new.occurred_at, 1, 10), new.outcome, 1)
    ON CONFLICT (day, outcome) DO UPDATE SET submissions = submissions + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_open AFTER INSERT ON audit_events
WHEN new.kind IN ('requested', 'rejected') BEGIN
    INSERT INTO audit_submissions (id, submission_id, occurred_at, actor_id, actor_email,
        organization_id, organization_name, summary, outcome)
    VALUES (new.id, new.submission_id, new.occurred_at, new.actor_id, new.actor_email,
        new.organization_id, new.organization_name, new.summary,
        CASE new.kind WHEN 'rejected' THEN 'rejected' ELSE 'pending' END)
    ON CONFLICT (submission_id) DO NOTHING;
    INSERT INTO audit_organizations (id, name, submissions)
    SELECT new.organization_id, new.organization_name, 1 WHERE new.organization_id IS NOT NULL
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, submissions = submissions + 1;
    INSERT INTO audit_actors (email, submissions) VALUES (new.actor_email, 1)
    ON CONFLICT (email) DO UPDATE SET submissions = submissions + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_close AFTER INSERT ON audit_events
WHEN new.kind IN ('responded', 'failed', 'reconciled') BEGIN
    UPDATE audit_submissions
    SET outcome = CASE new.kind
            WHEN 'failed' THEN 'no_answer'
            WHEN 'reconciled' THEN 'reconciled'
            ELSE CASE WHEN new.status BETWEEN 200 AND 299 THEN 'succeeded' ELSE 'digicert_error' END
        END,
        status = coalesce(new.status, status),
        duration_ms = coalesce(new.duration_ms, duration_ms),
        outcome_id = new.id
    WHERE submission_id = new.submission_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_changed_outside AFTER INSERT ON audit_events
WHEN new.kind = 'changed_outside' BEGIN
    INSERT INTO audit_submissions (id, submission_id, occurred_at, actor_id, actor_email,
        organization_id, organization_name, summary, outcome)
    VALUES (new.id, new.submission_id, new.occurred_at, new.actor_id, new.actor_email,
        new.organization_id, new.organization_name, new.summary, 'changed_outside')
    ON CONFLICT (submission_id) DO NOTHING;
    INSERT INTO audit_organizations (id, name, submissions)
    SELECT new.organization_id, new.organization_name, 1 WHERE new.organization_id IS NOT NULL
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, submissions = submissions + 1;
END;
-- +goose StatementEnd

DROP TRIGGER audit_checkpoints_no_delete;
DROP TRIGGER audit_checkpoints_no_update;
DROP TRIGGER audit_tree_no_delete;
DROP TRIGGER audit_tree_no_update;
DROP TABLE audit_checkpoints;
DROP TABLE audit_tree;
