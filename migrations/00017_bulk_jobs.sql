-- +goose Up

-- Bulk changes: a job is many single changes, one per organization, each
-- sent through the same path as a change made on the organization's page
-- (read, compare with the review, write-ahead audit, PUT, outcome).
--
-- A job is made in state 'review' from what the user asked (spec, JSON of
-- the bulk service's own), with one item per organization planned against
-- the directory's copy of its contacts. Start makes it 'running'; Pause,
-- Resume and Cancel move it between 'running', 'paused' and 'cancelled';
-- it is 'finished' once no item is left to send. finished_at is also set
-- on a cancelled job once its item in flight, if any, has its outcome.
--
-- The runner that sends a job's items holds its lease (lease_owner,
-- lease_expires_at), so that a job is sent by one runner at a time.
-- elapsed_ms is the running time before running_since, which is set while
-- the job runs ('' otherwise): Pause stops the clock.
CREATE TABLE bulk_jobs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    kind               TEXT NOT NULL CHECK (kind IN ('change', 'restore')),
    title              TEXT NOT NULL,
    spec               TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('review', 'running', 'paused', 'cancelled', 'finished')),
    source_job_id      INTEGER REFERENCES bulk_jobs (id),
    created_by         INTEGER NOT NULL,
    created_by_email   TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    started_by         INTEGER,
    started_by_email   TEXT NOT NULL DEFAULT '',
    client_addr        TEXT NOT NULL DEFAULT '',
    started_at         TEXT NOT NULL DEFAULT '',
    finished_at        TEXT NOT NULL DEFAULT '',
    running_since      TEXT NOT NULL DEFAULT '',
    elapsed_ms         INTEGER NOT NULL DEFAULT 0,
    note               TEXT NOT NULL DEFAULT '',
    lease_owner        TEXT NOT NULL DEFAULT '',
    lease_expires_at   TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX bulk_jobs_state ON bulk_jobs (state, id);
CREATE INDEX bulk_jobs_created_by ON bulk_jobs (created_by, id);
CREATE INDEX bulk_jobs_started_by ON bulk_jobs (started_by, state);

-- One row per organization of a job, in the order the job sends them.
-- effect is the review's verdict: 'updated', 'replaced', 'removed' (sent),
-- 'nothing' (nothing to do) or 'not_allowed'; the last two are never sent
-- and their state is 'excluded'. reviewed is the contacts the plan was made
-- against (the audit log's encoding), input the change as the contacts
-- service takes it (JSON), request_body the exact body the plan sends.
-- source_submission_id names, for a restore, the submission whose
-- contacts before it restores.
--
-- state: 'pending' (to send), 'sending' (a request is recorded and its
-- outcome is not settled), 'succeeded', 'failed', 'stale' (the contacts
-- changed since the review: not sent), 'cancelled' (not started), or
-- 'excluded'. submission_id is the item's latest submission; an item is
-- set to 'sending' in the transaction that records its requested event.
CREATE TABLE bulk_items (
    id                   INTEGER PRIMARY KEY,
    job_id               INTEGER NOT NULL REFERENCES bulk_jobs (id),
    position             INTEGER NOT NULL,
    organization_id      INTEGER NOT NULL,
    organization_name    TEXT NOT NULL,
    effect               TEXT NOT NULL CHECK (effect IN ('updated', 'replaced', 'removed', 'nothing', 'not_allowed')),
    plan                 TEXT NOT NULL,
    reviewed             TEXT NOT NULL,
    input                TEXT NOT NULL,
    request_body         TEXT NOT NULL,
    source_submission_id TEXT NOT NULL DEFAULT '',
    state                TEXT NOT NULL CHECK (state IN ('excluded', 'pending', 'sending', 'succeeded', 'failed', 'stale', 'cancelled')),
    submission_id        TEXT NOT NULL DEFAULT '',
    attempts             INTEGER NOT NULL DEFAULT 0,
    note                 TEXT NOT NULL DEFAULT '',
    updated_at           TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX bulk_items_position ON bulk_items (job_id, position);
CREATE UNIQUE INDEX bulk_items_organization ON bulk_items (job_id, organization_id);
CREATE INDEX bulk_items_state ON bulk_items (job_id, state, position);

-- Submissions made by a job carry its id: their events record it in
-- request_id as 'job-<id>' (covered by the hash chain like every column),
-- and the audit log's list reads it from job_id, which, like every column
-- of audit_submissions, is written from the events by the store and
-- rebuilt and compared by audit verify. It never changes once written.
ALTER TABLE audit_submissions ADD COLUMN job_id INTEGER;

CREATE INDEX audit_submissions_job ON audit_submissions (job_id, occurred_at, id) WHERE job_id IS NOT NULL;

DROP TRIGGER audit_submissions_fixed_columns;

-- job_id of the submissions already written, by the rule the store
-- derives it with (jobOfRequest): the request id of the submission's first
-- event is 'job-' and a number without a leading zero. The trigger that
-- lets only a newer outcome change a row is set aside while they are
-- written, and made again as it was.
DROP TRIGGER audit_submissions_newer_outcome;

UPDATE audit_submissions SET job_id = (SELECT CAST(substr(e.request_id, 5) AS INTEGER)
    FROM audit_events AS e WHERE e.id = audit_submissions.id)
WHERE id IN (SELECT id FROM audit_events WHERE request_id GLOB 'job-[1-9]*'
    AND substr(request_id, 5) NOT GLOB '*[^0-9]*' AND length(request_id) <= 22);

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_newer_outcome BEFORE UPDATE ON audit_submissions
WHEN new.outcome_id IS NULL OR new.outcome_id <= coalesce(old.outcome_id, old.id)
    OR NOT EXISTS (SELECT 1 FROM audit_events AS e WHERE e.id = new.outcome_id
        AND e.submission_id = new.submission_id AND e.kind IN ('responded', 'failed', 'reconciled')) BEGIN
    SELECT RAISE(ABORT, 'audit_submissions: an outcome changes only with a newer outcome event of the submission');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_fixed_columns BEFORE UPDATE ON audit_submissions
WHEN new.id IS NOT old.id OR new.submission_id IS NOT old.submission_id
    OR new.occurred_at IS NOT old.occurred_at OR new.actor_id IS NOT old.actor_id
    OR new.actor_email IS NOT old.actor_email OR new.organization_id IS NOT old.organization_id
    OR new.organization_name IS NOT old.organization_name OR new.summary IS NOT old.summary
    OR new.job_id IS NOT old.job_id BEGIN
    SELECT RAISE(ABORT, 'audit_submissions: only the outcome of a submission changes');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_submissions_fixed_columns;

-- +goose StatementBegin
CREATE TRIGGER audit_submissions_fixed_columns BEFORE UPDATE ON audit_submissions
WHEN new.id IS NOT old.id OR new.submission_id IS NOT old.submission_id
    OR new.occurred_at IS NOT old.occurred_at OR new.actor_id IS NOT old.actor_id
    OR new.actor_email IS NOT old.actor_email OR new.organization_id IS NOT old.organization_id
    OR new.organization_name IS NOT old.organization_name OR new.summary IS NOT old.summary BEGIN
    SELECT RAISE(ABORT, 'audit_submissions: only the outcome of a submission changes');
END;
-- +goose StatementEnd

DROP INDEX audit_submissions_job;
ALTER TABLE audit_submissions DROP COLUMN job_id;
DROP TABLE bulk_items;
DROP TABLE bulk_jobs;
