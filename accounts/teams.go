package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// CreateTeam adds a team named name (trimmed). A bad or taken name is a
// *ValidationError on "team_name".
func (s *Service) CreateTeam(ctx context.Context, a Actor, name string) (store.Team, error) {
	if !a.mayManage() {
		return store.Team{}, ErrNotAllowed
	}
	name = strings.TrimSpace(name)
	if msg := teamNameMessage(name); msg != "" {
		return store.Team{}, invalid("team_name", msg)
	}
	ch := newChange(s, a, store.AuditTeamChanged, func(created store.Team) string {
		return "Created team " + strconv.Quote(created.Name)
	})
	t, err := s.store.CreateTeam(ctx, name, ch.event)
	ch.done(ctx, err)
	switch {
	case errors.Is(err, store.ErrTeamNameTaken):
		return store.Team{}, invalid("team_name", "A team with this name already exists")
	case err != nil:
		return store.Team{}, fmt.Errorf("accounts: create team: %w", err)
	}
	return t, nil
}

// DeleteTeam removes the team id with its memberships and organizations.
func (s *Service) DeleteTeam(ctx context.Context, a Actor, id int) error {
	if !a.mayManage() {
		return ErrNotAllowed
	}
	ch := newChange(s, a, store.AuditTeamChanged, func(deleted store.Team) string {
		return "Deleted team " + strconv.Quote(deleted.Name)
	})
	err := s.store.DeleteTeam(ctx, id, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return fmt.Errorf("accounts: delete team: %w", err)
	}
	return nil
}

// AddMember makes the user userID a member of the team teamID, for an
// administrator or a maintainer of the team, reporting
// whether they were not one already (nothing is recorded then). It returns
// store.ErrNotFound when the team or the user does not exist.
func (s *Service) AddMember(ctx context.Context, a Actor, teamID, userID int) (bool, error) {
	if err := s.checkManagesMembers(ctx, a, teamID); err != nil {
		return false, err
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("accounts: add team member: %w", err)
	}
	ch := newChange(s, a, store.AuditTeamChanged, func(changed store.Team) string {
		return "Added " + describeUser(u) + " to team " + strconv.Quote(changed.Name)
	})
	added, err := s.store.AddTeamMember(ctx, teamID, u.ID, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return false, fmt.Errorf("accounts: add team member: %w", err)
	}
	return added, nil
}

// RemoveMember takes the user userID out of the team teamID, for an
// administrator or a maintainer of the team, reporting
// whether they were a member. An unknown user is a member of no team:
// memberships go with their user.
func (s *Service) RemoveMember(ctx context.Context, a Actor, teamID, userID int) (bool, error) {
	if err := s.checkManagesMembers(ctx, a, teamID); err != nil {
		return false, err
	}
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("accounts: remove team member: %w", err)
	}
	ch := newChange(s, a, store.AuditTeamChanged, func(changed store.Team) string {
		return "Removed " + describeUser(u) + " from team " + strconv.Quote(changed.Name)
	})
	removed, err := s.store.RemoveTeamMember(ctx, teamID, u.ID, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return false, fmt.Errorf("accounts: remove team member: %w", err)
	}
	return removed, nil
}

// OrganizationChange is what AddOrganization and RemoveOrganization did.
type OrganizationChange struct {
	// Label names the organization: its cached name and id.
	Label string
	// Changed is false when the team already owned it (adding) or did not
	// own it (removing): nothing was recorded.
	Changed bool
}

// AddOrganization gives the team teamID the organization orgID, which the
// organization cache must list (store.ErrNotFound otherwise, or when the
// team does not exist).
func (s *Service) AddOrganization(ctx context.Context, a Actor, teamID, orgID int) (OrganizationChange, error) {
	if !a.mayManage() {
		return OrganizationChange{}, ErrNotAllowed
	}
	label, err := s.organizationLabel(ctx, orgID)
	if err != nil {
		return OrganizationChange{}, err
	}
	res := OrganizationChange{Label: label}
	ch := newChange(s, a, store.AuditTeamChanged, func(changed store.Team) string {
		return "Gave team " + strconv.Quote(changed.Name) + " the organization " + res.Label
	})
	ch.organizationID = orgID
	res.Changed, err = s.store.AddTeamOrganization(ctx, teamID, orgID, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return res, fmt.Errorf("accounts: add team organization: %w", err)
	}
	return res, nil
}

// RemoveOrganization takes the organization orgID from the team teamID.
func (s *Service) RemoveOrganization(ctx context.Context, a Actor, teamID, orgID int) (OrganizationChange, error) {
	if !a.mayManage() {
		return OrganizationChange{}, ErrNotAllowed
	}
	label, err := s.organizationLabel(ctx, orgID)
	if err != nil {
		return OrganizationChange{}, err
	}
	res := OrganizationChange{Label: label}
	ch := newChange(s, a, store.AuditTeamChanged, func(changed store.Team) string {
		return "Took the organization " + res.Label + " from team " + strconv.Quote(changed.Name)
	})
	ch.organizationID = orgID
	res.Changed, err = s.store.RemoveTeamOrganization(ctx, teamID, orgID, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return res, fmt.Errorf("accounts: remove team organization: %w", err)
	}
	return res, nil
}

// organizationLabel names an organization by its cached name and id, or
// by its id alone when the cache does not list it.
func (s *Service) organizationLabel(ctx context.Context, id int) (string, error) {
	o, err := s.store.GetOrganization(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "organization " + strconv.Itoa(id), nil
	case err != nil:
		return "", fmt.Errorf("accounts: organization %d: %w", id, err)
	}
	return o.Name + " (" + strconv.Itoa(id) + ")", nil
}

// checkManagesMembers returns ErrNotAllowed unless a may add and remove
// the members of the team teamID (see MayManageMembers).
func (s *Service) checkManagesMembers(ctx context.Context, a Actor, teamID int) error {
	ok, err := s.MayManageMembers(ctx, a, teamID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotAllowed
	}
	return nil
}
