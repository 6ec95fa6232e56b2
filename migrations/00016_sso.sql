-- +goose Up

-- Users who sign in with the company's identity provider (OpenID Connect)
-- are known by the provider's issuer and subject, not by their email, so
-- that a changed email does not make a second user. Both are '' for local
-- users. sso_link_allowed is set by an administrator to let the next
-- sign-in through the provider with a verified email equal to this local
-- user's link the two; the link clears it.
ALTER TABLE users ADD COLUMN oidc_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN oidc_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN sso_link_allowed INTEGER NOT NULL DEFAULT 0 CHECK (sso_link_allowed IN (0, 1));

CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_issuer, oidc_subject) WHERE oidc_subject != '';

-- Group mappings: a provider group gives its members a role and, when
-- team_id is set, membership of that team. A group may have one row per
-- team, and one row without a team.
CREATE TABLE group_mappings (
    id         INTEGER PRIMARY KEY,
    group_name TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'auditor')),
    team_id    INTEGER REFERENCES teams (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
) STRICT;

CREATE UNIQUE INDEX group_mappings_group_team ON group_mappings (group_name, coalesce(team_id, 0));

-- Team maintainers add and remove the team's members without being
-- administrators. A maintainer need not be a member.
CREATE TABLE team_maintainers (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX team_maintainers_user ON team_maintainers (user_id);

-- +goose Down
DROP TABLE team_maintainers;
DROP TABLE group_mappings;
DROP INDEX users_oidc_subject;
ALTER TABLE users DROP COLUMN sso_link_allowed;
ALTER TABLE users DROP COLUMN oidc_subject;
ALTER TABLE users DROP COLUMN oidc_issuer;
