-- +goose Up

-- The directory: who is contact where. Every organization's contacts as
-- last read from DigiCert, kept current by a background worker and by the
-- reads pages make.

-- One row per organization the directory has read, or tried to. read_at
-- is when the last successful read began ('' while none has succeeded),
-- due_at when the organization should be read next, gone_at when DigiCert
-- answered that it knows no such organization ('' while it does). name is
-- the organization's name at the last read, so that one that left the
-- organization list keeps a name.
CREATE TABLE directory_organizations (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL,
    read_at TEXT NOT NULL,
    due_at  TEXT NOT NULL,
    gone_at TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX directory_organizations_due ON directory_organizations (due_at);
CREATE INDEX directory_organizations_read ON directory_organizations (read_at);

-- The organization and technical contact of each organization, every
-- field as DigiCert reported it. person_key is who the contact is: the
-- email folded for comparison (the same email in any case is one person),
-- or the folded name after "name:" for a contact without an email.
CREATE TABLE directory_contacts (
    organization_id     INTEGER NOT NULL REFERENCES directory_organizations (id),
    contact_type        TEXT NOT NULL CHECK (contact_type IN ('organization_contact', 'technical_contact')),
    contact_id          INTEGER NOT NULL,
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    email               TEXT NOT NULL,
    job_title           TEXT NOT NULL,
    telephone           TEXT NOT NULL,
    telephone_extension TEXT NOT NULL,
    language_id         TEXT NOT NULL,
    person_key          TEXT NOT NULL,
    read_at             TEXT NOT NULL,
    PRIMARY KEY (organization_id, contact_type)
) STRICT, WITHOUT ROWID;

CREATE INDEX directory_contacts_person ON directory_contacts (person_key, organization_id);

-- One row per person: the contacts with one person_key. The store keeps
-- it in step with directory_contacts in the same transactions; name and
-- email are those of the person's most recently read contact.
-- email_domain is the folded domain of the email, '' without one.
CREATE TABLE directory_people (
    id           INTEGER PRIMARY KEY,
    person_key   TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    email_domain TEXT NOT NULL,
    sort_key     TEXT NOT NULL,
    contacts     INTEGER NOT NULL
) STRICT;

CREATE INDEX directory_people_sort ON directory_people (sort_key, id);

-- Search by person: the words of names and emails, case and accents
-- folded, with prefix indexes so that "gra" finds Grace at once (see
-- BENCHMARKS.md for why an FTS5 index rather than a plain one). It
-- reads its content from directory_people; the triggers keep it in step.
CREATE VIRTUAL TABLE directory_people_search USING fts5(
    name,
    email,
    content = 'directory_people',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1 2 3'
);

-- +goose StatementBegin
CREATE TRIGGER directory_people_search_insert AFTER INSERT ON directory_people BEGIN
    INSERT INTO directory_people_search (rowid, name, email) VALUES (new.id, new.name, new.email);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER directory_people_search_delete AFTER DELETE ON directory_people BEGIN
    INSERT INTO directory_people_search (directory_people_search, rowid, name, email)
        VALUES ('delete', old.id, old.name, old.email);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER directory_people_search_update AFTER UPDATE OF name, email ON directory_people
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    INSERT INTO directory_people_search (directory_people_search, rowid, name, email)
        VALUES ('delete', old.id, old.name, old.email);
    INSERT INTO directory_people_search (rowid, name, email) VALUES (new.id, new.name, new.email);
END;
-- +goose StatementEnd

-- What the directory's worker keeps across restarts: whether an admin
-- paused it, and when the current pass over the organizations began and,
-- once every organization due was read, ended ('' for none yet).
CREATE TABLE directory_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    paused           INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    pass_started_at  TEXT NOT NULL DEFAULT '',
    pass_finished_at TEXT NOT NULL DEFAULT ''
) STRICT;

INSERT INTO directory_state (id) VALUES (1);

-- A change made outside Contact Desk is listed in the audit log like a
-- submission of its own, with the outcome 'changed_outside'. It has no
-- actor, so it adds to no user's count.
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

-- Once a submission has an outcome, the directory reads its organization
-- again at once rather than at its turn, so that what Contact Desk changed
-- shows there soon.
-- +goose StatementBegin
CREATE TRIGGER directory_due_after_submission AFTER INSERT ON audit_events
WHEN new.kind IN ('responded', 'failed', 'reconciled') AND new.organization_id IS NOT NULL BEGIN
    UPDATE directory_organizations SET due_at = new.occurred_at
    WHERE id = new.organization_id AND due_at > new.occurred_at;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER directory_due_after_submission;
DROP TRIGGER audit_submissions_changed_outside;
DROP TABLE directory_state;
DROP TRIGGER directory_people_search_update;
DROP TRIGGER directory_people_search_delete;
DROP TRIGGER directory_people_search_insert;
DROP TABLE directory_people_search;
DROP TABLE directory_people;
DROP TABLE directory_contacts;
DROP TABLE directory_organizations;
