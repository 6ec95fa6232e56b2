package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/contactdesk/contactdesk/store"
)

// MayManageMembers reports whether a may add and remove the members of the
// team teamID: administrators and the command line may, and so may the
// team's maintainers, who need not be administrators.
func (s *Service) MayManageMembers(ctx context.Context, a Actor, teamID int) (bool, error) {
	if a.mayManage() {
		return true, nil
	}
	if a.User == nil || a.User.Disabled {
		return false, nil
	}
	ok, err := s.store.IsTeamMaintainer(ctx, teamID, a.User.ID)
	if err != nil {
		return false, fmt.Errorf("accounts: may manage members: %w", err)
	}
	return ok, nil
}

// AddMaintainer lets the user userID add and remove the members of the
// team teamID, for an administrator or the command line. It reports
// whether they were not a maintainer already (nothing is recorded then),
// and returns store.ErrNotFound when the team or the user does not exist.
func (s *Service) AddMaintainer(ctx context.Context, a Actor, teamID, userID int) (bool, error) {
	if !a.mayManage() {
		return false, ErrNotAllowed
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("accounts: add team maintainer: %w", err)
	}
	ch := newChange(s, a, store.AuditTeamChanged, func(changed store.Team) string {
		return "Made " + describeUser(u) + " a maintainer of team " + strconv.Quote(changed.Name)
	})
	added, err := s.store.AddTeamMaintainer(ctx, teamID, u.ID, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return false, fmt.Errorf("accounts: add team maintainer: %w", err)
	}
	return added, nil
}

// RemoveMaintainer takes from the user userID the maintainership of the
// team teamID, for an administrator or the command line, reporting
// whether they had it.
func (s *Service) RemoveMaintainer(ctx context.Context, a Actor, teamID, userID int) (bool, error) {
	if !a.mayManage() {
		return false, ErrNotAllowed
	}
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("accounts: remove team maintainer: %w", err)
	}
	ch := newChange(s, a, store.AuditTeamChanged, func(changed store.Team) string {
		return "Removed " + describeUser(u) + " as a maintainer of team " + strconv.Quote(changed.Name)
	})
	removed, err := s.store.RemoveTeamMaintainer(ctx, teamID, u.ID, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return false, fmt.Errorf("accounts: remove team maintainer: %w", err)
	}
	return removed, nil
}
