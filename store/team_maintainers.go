package store

import (
	"context"
	"fmt"
)

// Team maintainers add and remove the members of their team without being
// administrators. Which organizations a team owns stays with
// administrators.

// TeamMaintainers returns the team's maintainers, ordered by name then
// email.
func (s *Store) TeamMaintainers(ctx context.Context, teamID int) ([]User, error) {
	return s.teamUsers(ctx, teamMaintainers, teamID)
}

// IsTeamMaintainer reports whether the user maintains the team.
func (s *Store) IsTeamMaintainer(ctx context.Context, teamID, userID int) (bool, error) {
	var is bool
	err := s.reader.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM team_maintainers WHERE team_id = ? AND user_id = ?)`, teamID, userID).Scan(&is)
	if err != nil {
		return false, fmt.Errorf("store: does user %d maintain team %d: %w", userID, teamID, err)
	}
	return is, nil
}

// MaintainedTeams returns the teams the user maintains, ordered by name.
func (s *Store) MaintainedTeams(ctx context.Context, userID int) ([]Team, error) {
	teams, err := queryTeams(ctx, s.reader,
		`SELECT `+teamColumns+` FROM teams
		 WHERE id IN (SELECT team_id FROM team_maintainers WHERE user_id = ?)
		 ORDER BY name, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: teams maintained by user %d: %w", userID, err)
	}
	return teams, nil
}

// AddTeamMaintainer makes the user a maintainer of the team and records
// the change with event (see EventFor). It reports whether anything
// changed (nothing is recorded otherwise) and returns ErrNotFound when the
// team or the user does not exist.
func (s *Store) AddTeamMaintainer(ctx context.Context, teamID, userID int, event EventFor[Team]) (bool, error) {
	return s.addToTeam(ctx, teamMaintainers, teamID, userID, event)
}

// RemoveTeamMaintainer takes the user's maintainership of the team away,
// reporting whether they had it, and records the change with event (see
// EventFor).
func (s *Store) RemoveTeamMaintainer(ctx context.Context, teamID, userID int, event EventFor[Team]) (bool, error) {
	return s.removeFromTeam(ctx, teamMaintainers, teamID, userID, event)
}
