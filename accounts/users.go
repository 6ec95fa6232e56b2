package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// Invitation is what an administrator fills in to add a user, who then
// chooses their own password through a one-time link.
type Invitation struct {
	Name  string
	Email string
	Role  string
	// TeamID is the id of a team the user joins, as the form's list of
	// teams gives it; "" for none.
	TeamID string
}

// Invite creates the user in, without a password, and returns them with
// the one-time link, valid for LinkLifetime, through which they choose
// one. The user, the link and the security event commit together.
func (s *Service) Invite(ctx context.Context, a Actor, in Invitation) (store.User, string, error) {
	if !a.mayManage() {
		return store.User{}, "", ErrNotAllowed
	}
	nu := store.NewUser{Name: strings.TrimSpace(in.Name), Email: store.NormalizeEmail(in.Email), Role: store.Role(in.Role)}
	errs := &ValidationError{}
	errs.add("name", nameMessage(nu.Name))
	errs.add("email", emailMessage(in.Email))
	errs.add("role", roleMessage(nu.Role))
	team, err := s.teamChoice(ctx, in.TeamID, errs)
	if err != nil {
		return store.User{}, "", err
	}
	if err := errs.err(); err != nil {
		return store.User{}, "", err
	}
	if team != nil {
		nu.TeamID = team.ID
	}
	ch := newChange(s, a, store.AuditUserCreated, func(created store.User) string {
		summary := "Created " + describeUser(created) + " as " + string(created.Role)
		if team != nil {
			summary += " in team " + strconv.Quote(team.Name)
		}
		return summary + "; issued a one-time password link"
	})
	user, token, err := s.store.InviteUser(ctx, nu, s.now().Add(LinkLifetime), ch.event)
	ch.done(ctx, err)
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		return store.User{}, "", invalid("email", "A user with this email address already exists")
	case errors.Is(err, store.ErrNotFound):
		// The team was deleted since it was looked up.
		return store.User{}, "", invalid("team", "Select a team from the list")
	case err != nil:
		return store.User{}, "", fmt.Errorf("accounts: invite %s: %w", nu.Email, err)
	}
	return user, s.link(PasswordPath, token), nil
}

// teamChoice reads the optional team of an invitation. A team id that does
// not name a team is refused under "team": the form offered only real
// ones.
func (s *Service) teamChoice(ctx context.Context, raw string, errs *ValidationError) (*store.Team, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	const pick = "Select a team from the list"
	id, err := strconv.Atoi(raw)
	if err != nil || id <= 0 {
		errs.add("team", pick)
		return nil, nil
	}
	t, err := s.store.GetTeam(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		errs.add("team", pick)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: team of a new user: %w", err)
	}
	return &t, nil
}

// NewUser is a user added with a password, from the command line.
type NewUser struct {
	Name     string
	Email    string
	Role     string
	Password string
	// Team, when not "", names a team the user joins; it is created when
	// no team has that name.
	Team string
}

// Added is what AddUser did.
type Added struct {
	User store.User
	// Team is the team the user joined, nil for none; TeamCreated says
	// whether it was created for them.
	Team        *store.Team
	TeamCreated bool
}

// AddUser creates the user nu describes with their password hashed, then
// puts them in the team named nu.Team, created when missing; each change
// records its own security event.
func (s *Service) AddUser(ctx context.Context, a Actor, nu NewUser) (Added, error) {
	if !a.mayManage() {
		return Added{}, ErrNotAllowed
	}
	want := store.NewUser{Name: strings.TrimSpace(nu.Name), Email: store.NormalizeEmail(nu.Email), Role: store.Role(nu.Role)}
	teamName := strings.TrimSpace(nu.Team)
	errs := &ValidationError{}
	errs.add("email", emailMessage(nu.Email))
	errs.add("name", nameMessage(want.Name))
	errs.add("role", roleMessage(want.Role))
	errs.add("password", s.passwordMessage(store.User{Name: want.Name, Email: want.Email}, nu.Password))
	if nu.Team != "" {
		errs.add("team_name", teamNameMessage(teamName))
	}
	if err := errs.err(); err != nil {
		return Added{}, err
	}
	hash, err := s.passwords.Hash(ctx, nu.Password)
	if err != nil {
		return Added{}, fmt.Errorf("accounts: add user: %w", err)
	}
	want.PasswordHash = hash
	ch := newChange(s, a, store.AuditUserCreated, func(created store.User) string {
		return "Created " + describeUser(created) + " as " + string(created.Role)
	})
	u, err := s.store.CreateUser(ctx, want, ch.event)
	ch.done(ctx, err)
	if errors.Is(err, store.ErrEmailTaken) {
		return Added{}, invalid("email", "A user with this email address already exists")
	}
	if err != nil {
		return Added{}, fmt.Errorf("accounts: add user: %w", err)
	}
	added := Added{User: u}
	if teamName == "" {
		return added, nil
	}
	team, created, err := s.joinTeamNamed(ctx, a, u, teamName)
	if err != nil {
		return added, err
	}
	added.Team, added.TeamCreated = &team, created
	return added, nil
}

// joinTeamNamed adds u to the team named name, creating the team first
// when no team has that name.
func (s *Service) joinTeamNamed(ctx context.Context, a Actor, u store.User, name string) (store.Team, bool, error) {
	created := false
	team, err := s.store.TeamByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		team, err = s.CreateTeam(ctx, a, name)
		created = err == nil
	}
	if err != nil {
		return store.Team{}, false, err
	}
	if _, err := s.AddMember(ctx, a, team.ID, u.ID); err != nil {
		return store.Team{}, false, err
	}
	return team, created, nil
}

// ChangeRole gives the user id the role to in place of from, the role the
// administrator saw, and ends their sessions so the new role applies at
// once. It refuses an unknown role (a *ValidationError on "role"), an
// administrator's own role (ErrOwnAccount), a user whose role is no longer
// from (store.ErrRoleChanged) and a change that leaves no enabled
// administrator (store.ErrLastAdmin). A role already held changes nothing
// and records nothing.
func (s *Service) ChangeRole(ctx context.Context, a Actor, id int, from, to store.Role) (store.User, error) {
	switch {
	case !a.mayManage():
		return store.User{}, ErrNotAllowed
	case a.is(id):
		return store.User{}, ErrOwnAccount
	case !to.Valid():
		return store.User{}, invalid("role", roleMessage(to))
	case to == from:
		return s.store.GetUser(ctx, id)
	}
	ch := newChange(s, a, store.AuditUserChanged, func(changed store.User) string {
		return "Changed the role of " + describeUser(changed) + " from " + string(from) + " to " + string(to) + "; their sessions ended"
	})
	u, err := s.store.SetUserRole(ctx, id, from, to, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: change role: %w", err)
	}
	return u, nil
}

// Disable stops the user id from signing in and ends their sessions. It
// refuses an administrator's own account (ErrOwnAccount) and the last
// enabled administrator (store.ErrLastAdmin).
func (s *Service) Disable(ctx context.Context, a Actor, id int) (store.User, error) {
	switch {
	case !a.mayManage():
		return store.User{}, ErrNotAllowed
	case a.is(id):
		return store.User{}, ErrOwnAccount
	}
	ch := newChange(s, a, store.AuditUserDisabled, func(changed store.User) string {
		return "Disabled " + describeUser(changed) + "; their sessions ended"
	})
	u, err := s.store.DisableUser(ctx, id, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: disable: %w", err)
	}
	return u, nil
}

// Enable lets the disabled user id sign in again.
func (s *Service) Enable(ctx context.Context, a Actor, id int) (store.User, error) {
	if !a.mayManage() {
		return store.User{}, ErrNotAllowed
	}
	ch := newChange(s, a, store.AuditUserChanged, func(changed store.User) string {
		return "Enabled " + describeUser(changed)
	})
	u, err := s.store.EnableUser(ctx, id, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: enable: %w", err)
	}
	return u, nil
}

// ResetPassword removes the password of the user id, ends their sessions
// and returns the one-time link, valid for LinkLifetime, through which
// they choose a new one. It refuses an administrator's own account
// (ErrOwnAccount): they change their password on their account page.
func (s *Service) ResetPassword(ctx context.Context, a Actor, id int) (store.User, string, error) {
	switch {
	case !a.mayManage():
		return store.User{}, "", ErrNotAllowed
	case a.is(id):
		return store.User{}, "", ErrOwnAccount
	}
	ch := newChange(s, a, store.AuditUserChanged, func(changed store.User) string {
		return "Reset the password of " + describeUser(changed) + " and issued a one-time link; their sessions ended"
	})
	u, token, err := s.store.ResetPassword(ctx, id, s.now().Add(LinkLifetime), ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.User{}, "", fmt.Errorf("accounts: reset password: %w", err)
	}
	return u, s.link(PasswordPath, token), nil
}

// EndSessions signs the user id out everywhere.
func (s *Service) EndSessions(ctx context.Context, a Actor, id int) (store.User, error) {
	if !a.mayManage() {
		return store.User{}, ErrNotAllowed
	}
	ch := newChange(s, a, store.AuditSignedOut, func(changed store.User) string {
		return "Signed " + describeUser(changed) + " out everywhere"
	})
	u, err := s.store.EndUserSessions(ctx, id, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: end sessions: %w", err)
	}
	return u, nil
}
