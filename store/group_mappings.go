package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// GroupMapping gives the members of an identity provider's group a role
// and, when TeamID is set, membership of a team.
type GroupMapping struct {
	ID    int
	Group string
	Role  Role
	// TeamID is 0 for a mapping that gives a role only; TeamName is then
	// "".
	TeamID    int
	TeamName  string
	CreatedAt time.Time
}

const groupMappingColumns = `m.id, m.group_name, m.role, coalesce(m.team_id, 0), coalesce(t.name, ''), m.created_at`

const groupMappingFrom = ` FROM group_mappings m LEFT JOIN teams t ON t.id = m.team_id `

// ListGroupMappings returns every group mapping, ordered by group, then
// team name (role-only mappings first).
func (s *Store) ListGroupMappings(ctx context.Context) ([]GroupMapping, error) {
	ms, err := queryGroupMappings(ctx, s.reader,
		`SELECT `+groupMappingColumns+groupMappingFrom+`ORDER BY m.group_name, coalesce(t.name, ''), m.id`)
	if err != nil {
		return nil, fmt.Errorf("store: list group mappings: %w", err)
	}
	return ms, nil
}

// GetGroupMapping returns the group mapping id, or ErrNotFound.
func (s *Store) GetGroupMapping(ctx context.Context, id int) (GroupMapping, error) {
	m, err := queryGroupMapping(ctx, s.reader, `WHERE m.id = ?`, id)
	if err != nil {
		return GroupMapping{}, fmt.Errorf("store: get group mapping %d: %w", id, err)
	}
	return m, nil
}

// SetGroupMapping maps the group (trimmed) to the role and, when teamID is
// not 0, to that team. A group already mapped for the same team gets the
// new role. It reports whether anything changed (nothing is recorded
// otherwise) and records the change with event (see EventFor), given the
// mapping as it now is. It returns ErrNotFound when the team does not
// exist.
func (s *Store) SetGroupMapping(ctx context.Context, group string, role Role, teamID int, event EventFor[GroupMapping]) (GroupMapping, bool, error) {
	group = strings.TrimSpace(group)
	if group == "" || !role.Valid() {
		return GroupMapping{}, false, fmt.Errorf("store: set group mapping: group %q, role %q", group, role)
	}
	var team sql.NullInt64
	if teamID != 0 {
		team = sql.NullInt64{Int64: int64(teamID), Valid: true}
	}
	var (
		m       GroupMapping
		changed bool
	)
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		if teamID != 0 {
			if _, err := queryTeam(ctx, tx, teamID); err != nil {
				return err
			}
		}
		current, err := queryGroupMapping(ctx, tx, `WHERE m.group_name = ? AND coalesce(m.team_id, 0) = ?`, group, teamID)
		switch {
		case err == nil && current.Role == role:
			m = current
			return nil
		case err == nil:
			_, err = tx.ExecContext(ctx, `UPDATE group_mappings SET role = ? WHERE id = ?`, string(role), current.ID)
		case errors.Is(err, ErrNotFound):
			_, err = tx.ExecContext(ctx,
				`INSERT INTO group_mappings (group_name, role, team_id, created_at) VALUES (?, ?, ?, ?)`,
				group, string(role), team, formatTime(time.Now()))
		}
		if err != nil {
			return err
		}
		if m, err = queryGroupMapping(ctx, tx, `WHERE m.group_name = ? AND coalesce(m.team_id, 0) = ?`, group, teamID); err != nil {
			return err
		}
		changed = true
		return recordChange(ctx, tx, event, m)
	})
	if err != nil {
		return GroupMapping{}, false, fmt.Errorf("store: set group mapping: %w", err)
	}
	return m, changed, nil
}

// DeleteGroupMapping removes the group mapping id and records the change
// with event (see EventFor), given the mapping as it was. It returns
// ErrNotFound when there is no such mapping.
func (s *Store) DeleteGroupMapping(ctx context.Context, id int, event EventFor[GroupMapping]) (GroupMapping, error) {
	var m GroupMapping
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		var err error
		if m, err = queryGroupMapping(ctx, tx, `WHERE m.id = ?`, id); err != nil {
			return err
		}
		if err := execOne(ctx, tx, `DELETE FROM group_mappings WHERE id = ?`, id); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, m)
	})
	if err != nil {
		return GroupMapping{}, fmt.Errorf("store: delete group mapping %d: %w", id, err)
	}
	return m, nil
}

func queryGroupMapping(ctx context.Context, q queryer, where string, args ...any) (GroupMapping, error) {
	ms, err := queryGroupMappings(ctx, q, `SELECT `+groupMappingColumns+groupMappingFrom+where, args...)
	if err != nil {
		return GroupMapping{}, err
	}
	if len(ms) == 0 {
		return GroupMapping{}, ErrNotFound
	}
	return ms[0], nil
}

func queryGroupMappings(ctx context.Context, q queryer, query string, args ...any) ([]GroupMapping, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ms []GroupMapping
	for rows.Next() {
		var (
			m             GroupMapping
			role, created string
		)
		if err := rows.Scan(&m.ID, &m.Group, &role, &m.TeamID, &m.TeamName, &created); err != nil {
			return nil, err
		}
		m.Role = Role(role)
		if m.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, rows.Err()
}

// ProviderAccess is what a user's groups give them: a role and the teams
// they belong to among the teams that group mappings name.
type ProviderAccess struct {
	Role Role
	// Teams are the ids of the mapped teams the user belongs to.
	Teams []int
}

// AccessChange is one change SetProviderAccess made: of the role (FromRole
// and ToRole set) or of a team membership (Team set; Joined says whether
// the user joined or left it).
type AccessChange struct {
	// User is the user after the change.
	User             User
	FromRole, ToRole Role
	Team             *Team
	Joined           bool
}

// SetProviderAccess gives the user id the role and the memberships access
// describes. Only teams that a group mapping names are joined or left:
// members of other teams are chosen by hand. A change of role ends the
// user's sessions, as every change of role does. Each change is recorded
// with event (see EventFor), all in one transaction, and returned. It
// returns ErrLastAdmin rather than leave no enabled admin.
func (s *Store) SetProviderAccess(ctx context.Context, id int, access ProviderAccess, event EventFor[AccessChange]) ([]AccessChange, error) {
	if !access.Role.Valid() {
		return nil, fmt.Errorf("store: set provider access of user %d: unknown role %q", id, access.Role)
	}
	var changes []AccessChange
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		changes = nil
		u, err := queryUser(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if u.Role != access.Role {
			from := u.Role
			if u, err = updateUserTx(ctx, tx, id, true, `role = ?`, string(access.Role)); err != nil {
				return err
			}
			ch := AccessChange{User: u, FromRole: from, ToRole: access.Role}
			if err := recordChange(ctx, tx, event, ch); err != nil {
				return err
			}
			changes = append(changes, ch)
		}
		managed, err := mappedTeams(ctx, tx)
		if err != nil {
			return err
		}
		for _, teamID := range managed {
			ch, err := setMembership(ctx, tx, u, teamID, slices.Contains(access.Teams, teamID))
			if err != nil {
				return err
			}
			if ch == nil {
				continue
			}
			if err := recordChange(ctx, tx, event, *ch); err != nil {
				return err
			}
			changes = append(changes, *ch)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: set provider access of user %d: %w", id, err)
	}
	return changes, nil
}

// mappedTeams returns the ids of the teams group mappings name.
func mappedTeams(ctx context.Context, tx *sql.Tx) ([]int, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT DISTINCT team_id FROM group_mappings WHERE team_id IS NOT NULL ORDER BY team_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// setMembership makes u a member of the team or not, and returns the
// change, or nil when there was none.
func setMembership(ctx context.Context, tx *sql.Tx, u User, teamID int, member bool) (*AccessChange, error) {
	query := `DELETE FROM team_members WHERE team_id = ? AND user_id = ?`
	if member {
		query = `INSERT INTO team_members (team_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING`
	}
	changed, err := execChanged(ctx, tx, query, teamID, u.ID)
	if err != nil || !changed {
		return nil, err
	}
	t, err := queryTeam(ctx, tx, teamID)
	if err != nil {
		return nil, err
	}
	return &AccessChange{User: u, Team: &t, Joined: member}, nil
}
