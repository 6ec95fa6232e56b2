-- +goose Up

-- audit_submissions lists submissions for the audit log page: one row per
-- submission, keyed by the id of its first event (requested or rejected),
-- with the outcome of its latest closing event (responded, failed or
-- reconciled). It is derived from audit_events by the triggers below and
-- holds nothing the events do not: the events stay the record, and the
-- chain covers them alone.
--
-- outcome is 'pending' (requested, no answer recorded yet), 'succeeded'
-- (DigiCert answered 2xx), 'digicert_error' (any other answer), 'no_answer'
-- (failed), 'reconciled' or 'rejected'.
CREATE TABLE audit_submissions (
    id                INTEGER PRIMARY KEY,
    submission_id     TEXT NOT NULL,
    occurred_at       TEXT NOT NULL,
    actor_id          INTEGER,
    actor_email       TEXT NOT NULL,
    organization_id   INTEGER,
    organization_name TEXT NOT NULL,
    summary           TEXT NOT NULL,
    outcome           TEXT NOT NULL,
    status            INTEGER,
    duration_ms       INTEGER,
    outcome_id        INTEGER
) STRICT;

-- Every list is newest first on (occurred_at, id). Each index starts with
-- the column it filters on, if any, then occurred_at, so a filter on its
-- first column reads a page in order without sorting (the rowid that ends
-- every index makes the order total). The other filter columns follow, so
-- that rows failing them are skipped inside the index, before the table
-- row is read.
CREATE UNIQUE INDEX audit_submissions_submission ON audit_submissions (submission_id);
CREATE INDEX audit_submissions_occurred ON audit_submissions (occurred_at, outcome, organization_id, actor_email);
CREATE INDEX audit_submissions_organization ON audit_submissions (organization_id, occurred_at, outcome, actor_email);
CREATE INDEX audit_submissions_actor ON audit_submissions (actor_email, occurred_at, outcome, organization_id);
CREATE INDEX audit_submissions_outcome ON audit_submissions (outcome, occurred_at, organization_id, actor_email);
-- An outcome combined with a user or an organization can match few rows
-- among many of each: these read exactly the rows that match.
CREATE INDEX audit_submissions_actor_outcome ON audit_submissions (actor_email, outcome, occurred_at, organization_id);
CREATE INDEX audit_submissions_organization_outcome ON audit_submissions (organization_id, outcome, occurred_at, actor_email);

-- The organizations and users that appear in the log, with the number of
-- submissions of each: a name or email typed in a filter is matched here,
-- and the counts tell which index reads fewest rows.
CREATE TABLE audit_organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    submissions INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_actors (
    email       TEXT PRIMARY KEY,
    submissions INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- The number of submissions per day (UTC, YYYY-MM-DD) and outcome, for
-- the audit log's chart.
CREATE TABLE audit_daily (
    day         TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    submissions INTEGER NOT NULL,
    PRIMARY KEY (day, outcome)
) STRICT, WITHOUT ROWID;

INSERT INTO audit_submissions (id, submission_id, occurred_at, actor_id, actor_email,
    organization_id, organization_name, summary, outcome)
SELECT id, submission_id, occurred_at, actor_id, actor_email, organization_id,
    organization_name, summary, CASE kind WHEN 'rejected' THEN 'rejected' ELSE 'pending' END
FROM audit_events
WHERE kind IN ('requested', 'rejected') AND id = (
    SELECT min(o.id) FROM audit_events AS o
    WHERE o.submission_id = audit_events.submission_id AND o.kind IN ('requested', 'rejected'))
ORDER BY id;

UPDATE audit_submissions
SET outcome = CASE c.kind
        WHEN 'failed' THEN 'no_answer'
        WHEN 'reconciled' THEN 'reconciled'
        ELSE CASE WHEN c.status BETWEEN 200 AND 299 THEN 'succeeded' ELSE 'digicert_error' END
    END,
    status = coalesce(c.status, audit_submissions.status),
    duration_ms = coalesce(c.duration_ms, audit_submissions.duration_ms),
    outcome_id = c.id
FROM (
    SELECT e.id, e.submission_id, e.kind, e.status, e.duration_ms FROM audit_events AS e
    WHERE e.kind IN ('responded', 'failed', 'reconciled') AND e.id = (
        SELECT max(o.id) FROM audit_events AS o
        WHERE o.submission_id = e.submission_id AND o.kind IN ('responded', 'failed', 'reconciled'))
) AS c
WHERE audit_submissions.submission_id = c.submission_id;

INSERT INTO audit_organizations (id, name, submissions)
SELECT organization_id, organization_name, count(*) FROM audit_submissions AS s
WHERE organization_id IS NOT NULL
    AND s.id = (SELECT max(id) FROM audit_submissions WHERE organization_id = s.organization_id)
GROUP BY organization_id;

UPDATE audit_organizations
SET submissions = (SELECT count(*) FROM audit_submissions WHERE organization_id = audit_organizations.id);

INSERT INTO audit_actors (email, submissions)
SELECT actor_email, count(*) FROM audit_submissions GROUP BY actor_email;

INSERT INTO audit_daily (day, outcome, submissions)
SELECT substr(occurred_at, 1, 10), outcome, count(*) FROM audit_submissions GROUP BY 1, 2;

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

-- +goose Down
DROP TRIGGER audit_submissions_close;
DROP TRIGGER audit_submissions_open;
DROP TRIGGER audit_daily_update;
DROP TRIGGER audit_daily_insert;
DROP TABLE audit_daily;
DROP TABLE audit_actors;
DROP TABLE audit_organizations;
DROP TABLE audit_submissions;
