-- +goose Up

-- A search of one character has no trigram to go by. The table and the two
-- indexes below answer it without reading every organization.
--
-- organization_characters counts, for each character, the organizations
-- whose search_text contains it: the total of a one-character search. The
-- store rewrites it whenever it replaces the cache, from the names it is
-- writing; the statement below fills it once for a cache written before.
CREATE TABLE organization_characters (
    character     TEXT PRIMARY KEY,
    organizations INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

WITH RECURSIVE positions (i) AS (
    SELECT 1
    UNION ALL
    SELECT i + 1 FROM positions WHERE i < (SELECT max(length(search_text)) FROM organizations)
)
INSERT INTO organization_characters (character, organizations)
SELECT character, count(*) FROM (
    SELECT DISTINCT o.id, substr(o.search_text, p.i, 1) AS character
    FROM organizations AS o JOIN positions AS p ON p.i <= length(o.search_text)
)
GROUP BY character;

-- search_text ends with a newline, which no search contains; every other
-- character of it but the one before that newline begins a trigram of
-- organizations_search. This index finds the organizations by that one:
-- with the trigrams that begin with a character, it finds every
-- organization containing the character.
CREATE INDEX organizations_last_character ON organizations (substr(search_text, -2, 1));

-- A common character is found by walking the names in order until a page
-- is full; with the search text in the index, the walk reads no table row.
CREATE INDEX organizations_sort_text ON organizations (sort_key, id, search_text);

-- The audit log lists and exports submissions in (occurred_at, id) order.
-- In the indexes of 00005, other columns came between occurred_at and the
-- rowid, so submissions at the same time had to be sorted, and an export
-- sorted every event it read. With id right after occurred_at, reading an
-- index with its first column fixed gives that order as it is, and an
-- export streams. The columns after id still let rows failing the other
-- filters be skipped inside the index. The time index, which exports of a
-- period or of everything read, also holds submission_id, so that they
-- join each submission to its events without reading its row.
DROP INDEX audit_submissions_occurred;
DROP INDEX audit_submissions_organization;
DROP INDEX audit_submissions_actor;
DROP INDEX audit_submissions_outcome;
DROP INDEX audit_submissions_actor_outcome;
DROP INDEX audit_submissions_organization_outcome;
CREATE INDEX audit_submissions_occurred ON audit_submissions (occurred_at, id, outcome, organization_id, actor_email, submission_id);
CREATE INDEX audit_submissions_organization ON audit_submissions (organization_id, occurred_at, id, outcome, actor_email);
CREATE INDEX audit_submissions_actor ON audit_submissions (actor_email, occurred_at, id, outcome, organization_id);
CREATE INDEX audit_submissions_outcome ON audit_submissions (outcome, occurred_at, id, organization_id, actor_email);
CREATE INDEX audit_submissions_actor_outcome ON audit_submissions (actor_email, outcome, occurred_at, id, organization_id);
CREATE INDEX audit_submissions_organization_outcome ON audit_submissions (organization_id, outcome, occurred_at, id, actor_email);

-- +goose Down
DROP INDEX audit_submissions_organization_outcome;
DROP INDEX audit_submissions_actor_outcome;
DROP INDEX audit_submissions_outcome;
DROP INDEX audit_submissions_actor;
DROP INDEX audit_submissions_organization;
DROP INDEX audit_submissions_occurred;
CREATE INDEX audit_submissions_occurred ON audit_submissions (occurred_at, outcome, organization_id, actor_email);
CREATE INDEX audit_submissions_organization ON audit_submissions (organization_id, occurred_at, outcome, actor_email);
CREATE INDEX audit_submissions_actor ON audit_submissions (actor_email, occurred_at, outcome, organization_id);
CREATE INDEX audit_submissions_outcome ON audit_submissions (outcome, occurred_at, organization_id, actor_email);
CREATE INDEX audit_submissions_actor_outcome ON audit_submissions (actor_email, outcome, occurred_at, organization_id);
CREATE INDEX audit_submissions_organization_outcome ON audit_submissions (organization_id, outcome, occurred_at, actor_email);
DROP INDEX organizations_sort_text;
DROP INDEX organizations_last_character;
DROP TABLE organization_characters;
