package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Team is a group of users that owns organizations: its editors may change
// those organizations' contacts.
type Team struct {
	ID        int
	Name      string
	CreatedAt time.Time
	// Members and Organizations are counts, filled by ListTeams and
	// GetTeam.
	Members       int
	Organizations int
}

// TeamOrganization is an organization a team owns, with its name from the
// cache ("" when the cache no longer lists it).
type TeamOrganization struct {
	ID   int
	Name string
}

// ErrTeamNameTaken reports that another team has the name (ignoring case).
var ErrTeamNameTaken = errors.New("store: a team with this name already exists")

const teamColumns = `id, name, created_at,
	(SELECT count(*) FROM team_members m WHERE m.team_id = teams.id),
	(SELECT count(*) FROM team_organizations o WHERE o.team_id = teams.id)`

// CreateTeam adds a team and records the change with event (see
// EventFor). It returns ErrTeamNameTaken when the name (trimmed) is in
// use. The rules for team names are the accounts service's.
func (s *Store) CreateTeam(ctx context.Context, name string, event EventFor[Team]) (Team, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Team{}, errors.New("store: create team: empty name")
	}
	var t Team
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		var taken bool
		if err := tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM teams WHERE lower(name) = lower(?))`, name).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return ErrTeamNameTaken
		}
		var id int64
		if err := tx.QueryRowContext(ctx,
			`INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id`, name, formatTime(time.Now())).Scan(&id); err != nil {
			return err
		}
		var err error
		if t, err = queryTeam(ctx, tx, int(id)); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, t)
	})
	if err != nil {
		return Team{}, fmt.Errorf("store: create team: %w", err)
	}
	return t, nil
}

// GetTeam returns the team with id, or ErrNotFound.
func (s *Store) GetTeam(ctx context.Context, id int) (Team, error) {
	var t Team
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = queryTeam(ctx, tx, id)
		return err
	})
	if err != nil {
		return Team{}, fmt.Errorf("store: get team %d: %w", id, err)
	}
	return t, nil
}

// TeamByName returns the team named name (ignoring case), or ErrNotFound.
func (s *Store) TeamByName(ctx context.Context, name string) (Team, error) {
	teams, err := queryTeams(ctx, s.reader,
		`SELECT `+teamColumns+` FROM teams WHERE lower(name) = lower(?)`, strings.TrimSpace(name))
	if err == nil && len(teams) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return Team{}, fmt.Errorf("store: team by name: %w", err)
	}
	return teams[0], nil
}

func queryTeam(ctx context.Context, q queryer, id int) (Team, error) {
	teams, err := queryTeams(ctx, q, `SELECT `+teamColumns+` FROM teams WHERE id = ?`, id)
	if err != nil {
		return Team{}, err
	}
	if len(teams) == 0 {
		return Team{}, ErrNotFound
	}
	return teams[0], nil
}

// ListTeams returns every team, ordered by name.
func (s *Store) ListTeams(ctx context.Context) ([]Team, error) {
	teams, err := queryTeams(ctx, s.reader, `SELECT `+teamColumns+` FROM teams ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list teams: %w", err)
	}
	return teams, nil
}

// UserTeams returns the teams the user belongs to, ordered by name.
func (s *Store) UserTeams(ctx context.Context, userID int) ([]Team, error) {
	teams, err := queryTeams(ctx, s.reader,
		`SELECT `+teamColumns+` FROM teams
		 WHERE id IN (SELECT team_id FROM team_members WHERE user_id = ?)
		 ORDER BY name, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: teams of user %d: %w", userID, err)
	}
	return teams, nil
}

func queryTeams(ctx context.Context, q queryer, query string, args ...any) ([]Team, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var teams []Team
	for rows.Next() {
		var (
			t       Team
			created string
		)
		if err := rows.Scan(&t.ID, &t.Name, &created, &t.Members, &t.Organizations); err != nil {
			return nil, err
		}
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		teams = append(teams, t)
	}
	return teams, rows.Err()
}

// DeleteTeam removes a team with its memberships and organizations and
// records the change with event (see EventFor), which is given the team as
// it was. It returns ErrNotFound when there is no such team.
func (s *Store) DeleteTeam(ctx context.Context, id int, event EventFor[Team]) error {
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		t, err := queryTeam(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := execOne(ctx, tx, `DELETE FROM teams WHERE id = ?`, id); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, t)
	})
	if err != nil {
		return fmt.Errorf("store: delete team %d: %w", id, err)
	}
	return nil
}

// TeamMembers returns the team's users, ordered by name then email.
func (s *Store) TeamMembers(ctx context.Context, teamID int) ([]User, error) {
	return s.teamUsers(ctx, teamMembers, teamID)
}

// AddTeamMember makes the user a member of the team and records the
// change with event (see EventFor). It reports whether
// anything changed (false when the user already was a member: nothing is
// recorded) and returns ErrNotFound when the team or the user does not
// exist.
func (s *Store) AddTeamMember(ctx context.Context, teamID, userID int, event EventFor[Team]) (bool, error) {
	return s.addToTeam(ctx, teamMembers, teamID, userID, event)
}

// RemoveTeamMember takes the user out of the team, reporting whether they
// were a member, and records the change with event (see EventFor).
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID int, event EventFor[Team]) (bool, error) {
	return s.removeFromTeam(ctx, teamMembers, teamID, userID, event)
}

// TeamOrganizations returns the organizations the team owns, ordered by
// id.
func (s *Store) TeamOrganizations(ctx context.Context, teamID int) ([]TeamOrganization, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT t.organization_id, coalesce(o.name, '')
		 FROM team_organizations t LEFT JOIN organizations o ON o.id = t.organization_id
		 WHERE t.team_id = ? ORDER BY t.organization_id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("store: organizations of team %d: %w", teamID, err)
	}
	defer rows.Close()
	var orgs []TeamOrganization
	for rows.Next() {
		var o TeamOrganization
		if err := rows.Scan(&o.ID, &o.Name); err != nil {
			return nil, fmt.Errorf("store: organizations of team %d: %w", teamID, err)
		}
		orgs = append(orgs, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: organizations of team %d: %w", teamID, err)
	}
	return orgs, nil
}

// AddTeamOrganization gives the team an organization from the cache and
// records the change with event (see EventFor). It reports
// whether anything changed (false when the team already owned it: nothing
// is recorded), and returns ErrNotFound when the team does not exist or
// the cache does not list the organization.
func (s *Store) AddTeamOrganization(ctx context.Context, teamID, organizationID int, event EventFor[Team]) (bool, error) {
	var added bool
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		if _, err := queryTeam(ctx, tx, teamID); err != nil {
			return err
		}
		var cached bool
		if err := tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM organizations WHERE id = ?)`, organizationID).Scan(&cached); err != nil {
			return err
		}
		if !cached {
			return ErrNotFound
		}
		var err error
		added, err = execChanged(ctx, tx,
			`INSERT INTO team_organizations (team_id, organization_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			teamID, organizationID)
		if err != nil || !added {
			return err
		}
		return recordTeamChange(ctx, tx, teamID, event)
	})
	if err != nil {
		return false, fmt.Errorf("store: add organization %d to team %d: %w", organizationID, teamID, err)
	}
	return added, nil
}

// RemoveTeamOrganization takes the organization from the team, reporting
// whether the team owned it, and records the change with event (see
// EventFor).
func (s *Store) RemoveTeamOrganization(ctx context.Context, teamID, organizationID int, event EventFor[Team]) (bool, error) {
	var removed bool
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		var err error
		removed, err = execChanged(ctx, tx,
			`DELETE FROM team_organizations WHERE team_id = ? AND organization_id = ?`,
			teamID, organizationID)
		if err != nil || !removed {
			return err
		}
		return recordTeamChange(ctx, tx, teamID, event)
	})
	if err != nil {
		return false, fmt.Errorf("store: remove organization %d from team %d: %w", organizationID, teamID, err)
	}
	return removed, nil
}

// UserOrganizationIDs returns the ids of the organizations owned by the
// user's teams, in increasing order. It is never nil: a user without teams
// gets an empty slice, which matches no organization in a search.
func (s *Store) UserOrganizationIDs(ctx context.Context, userID int) ([]int, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT DISTINCT o.organization_id FROM team_organizations o
		 JOIN team_members m ON m.team_id = o.team_id
		 WHERE m.user_id = ? ORDER BY o.organization_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: organizations of user %d: %w", userID, err)
	}
	defer rows.Close()
	ids := []int{}
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: organizations of user %d: %w", userID, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: organizations of user %d: %w", userID, err)
	}
	return ids, nil
}

// UserOwnsOrganization reports whether one of the user's teams owns the
// organization.
func (s *Store) UserOwnsOrganization(ctx context.Context, userID, organizationID int) (bool, error) {
	var owns bool
	err := s.reader.QueryRowContext(ctx,
		`SELECT EXISTS (
		     SELECT 1 FROM team_organizations o JOIN team_members m ON m.team_id = o.team_id
		     WHERE m.user_id = ? AND o.organization_id = ?)`, userID, organizationID).Scan(&owns)
	if err != nil {
		return false, fmt.Errorf("store: does user %d own organization %d: %w", userID, organizationID, err)
	}
	return owns, nil
}

// recordTeamChange appends, within tx, the event that event makes from the
// team as the change left it.
func recordTeamChange(ctx context.Context, tx *sql.Tx, teamID int, event EventFor[Team]) error {
	t, err := queryTeam(ctx, tx, teamID)
	if err != nil {
		return err
	}
	return recordChange(ctx, tx, event, t)
}

// execChanged runs a statement and reports whether it changed a row.
func execChanged(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// execOne runs a statement that must change exactly one row, else
// ErrNotFound.
func execOne(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	changed, err := execChanged(ctx, tx, query, args...)
	if err == nil && !changed {
		return ErrNotFound
	}
	return err
}

// TeamNamesByUser returns, for every user in at least one team, the names
// of their teams in order: one query for a whole list of users.
func (s *Store) TeamNamesByUser(ctx context.Context) (map[int][]string, error) {
	rows, err := s.reader.QueryContext(ctx,
		`SELECT m.user_id, t.name FROM team_members m JOIN teams t ON t.id = m.team_id
		 ORDER BY m.user_id, t.name, t.id`)
	if err != nil {
		return nil, fmt.Errorf("store: team names by user: %w", err)
	}
	defer rows.Close()
	names := map[int][]string{}
	for rows.Next() {
		var (
			id   int
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("store: team names by user: %w", err)
		}
		names[id] = append(names[id], name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: team names by user: %w", err)
	}
	return names, nil
}

// teamLink is one way a user belongs to a team: a member (team_members)
// or a maintainer (team_maintainers). Both tables hold (team_id, user_id)
// pairs, and adding or removing one is a change of the team.
type teamLink struct {
	// table holds the pairs; role names the user in errors.
	table, role string
}

var (
	teamMembers     = teamLink{"team_members", "member"}
	teamMaintainers = teamLink{"team_maintainers", "maintainer"}
)

// teamUsers returns the users linked to the team, ordered by name then
// email.
func (s *Store) teamUsers(ctx context.Context, link teamLink, teamID int) ([]User, error) {
	users, err := queryUsers(ctx, s.reader,
		`SELECT `+userColumns+` FROM users
		 WHERE id IN (SELECT user_id FROM `+link.table+` WHERE team_id = ?)
		 ORDER BY lower(name), email`, teamID)
	if err != nil {
		return nil, fmt.Errorf("store: %ss of team %d: %w", link.role, teamID, err)
	}
	return users, nil
}

// addToTeam links the user to the team and records the change with event.
// It reports whether anything changed (nothing is recorded otherwise) and
// returns ErrNotFound when the team or the user does not exist.
func (s *Store) addToTeam(ctx context.Context, link teamLink, teamID, userID int, event EventFor[Team]) (bool, error) {
	var added bool
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		if _, err := queryTeam(ctx, tx, teamID); err != nil {
			return err
		}
		if _, err := queryUser(ctx, tx, `WHERE id = ?`, userID); err != nil {
			return err
		}
		var err error
		added, err = execChanged(ctx, tx,
			`INSERT INTO `+link.table+` (team_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, teamID, userID)
		if err != nil || !added {
			return err
		}
		return recordTeamChange(ctx, tx, teamID, event)
	})
	if err != nil {
		return false, fmt.Errorf("store: add %s %d to team %d: %w", link.role, userID, teamID, err)
	}
	return added, nil
}

// removeFromTeam unlinks the user from the team, reporting whether they
// were linked, and records the change with event.
func (s *Store) removeFromTeam(ctx context.Context, link teamLink, teamID, userID int, event EventFor[Team]) (bool, error) {
	var removed bool
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		var err error
		removed, err = execChanged(ctx, tx,
			`DELETE FROM `+link.table+` WHERE team_id = ? AND user_id = ?`, teamID, userID)
		if err != nil || !removed {
			return err
		}
		return recordTeamChange(ctx, tx, teamID, event)
	})
	if err != nil {
		return false, fmt.Errorf("store: remove %s %d from team %d: %w", link.role, userID, teamID, err)
	}
	return removed, nil
}
