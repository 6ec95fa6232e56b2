package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/internal/plaintext"
	"github.com/contactdesk/contactdesk/store"
)

// Identity is who the identity provider says signed in, from an ID token
// it signed (and its userinfo endpoint), checked by the caller.
type Identity struct {
	Issuer  string
	Subject string
	Email   string
	// EmailVerified is the provider's word that the person owns Email.
	EmailVerified bool
	Name          string
	// Groups are the groups the provider lists for the person.
	Groups []string
}

// The reasons a sign-in through the identity provider is refused, each
// with a page of its own.
var (
	// ErrEmailNotVerified: the provider gave no email, or did not say it
	// is verified.
	ErrEmailNotVerified = errors.New("accounts: the identity provider gave no verified email")
	// ErrNoMatchingGroup: none of the person's groups is mapped to a role.
	ErrNoMatchingGroup = errors.New("accounts: none of the person's groups is mapped to a role")
	// ErrEmailInUse: another account has the email, and no administrator
	// allowed linking it to the provider's user.
	ErrEmailInUse = errors.New("accounts: another account has this email")
	// ErrUserDisabled: the account is disabled in Contact Desk.
	ErrUserDisabled = errors.New("accounts: the account is disabled")
)

// SignInWithProvider returns the user the identity provider's id names,
// after setting their name, email, role and mapped teams from it:
//
//   - a user is found by the provider's issuer and subject, so a changed
//     email does not make a second user;
//   - at their first sign-in they are created, unless a local user has
//     the email: an administrator must then allow linking the two
//     (AllowLink), and the next sign-in links them;
//   - their role is the highest their groups map to, and they belong to
//     exactly the mapped teams of their groups (teams no mapping names
//     are left as they are); no mapped group refuses the sign-in.
//
// Each change records its security event. The refusals are
// ErrEmailNotVerified, ErrNoMatchingGroup, ErrEmailInUse and
// ErrUserDisabled; store.ErrLastAdmin when the groups would take the role
// of the last enabled administrator.
func (s *Service) SignInWithProvider(ctx context.Context, a Actor, id Identity) (store.User, error) {
	if id.Issuer == "" || id.Subject == "" {
		return store.User{}, errors.New("accounts: sign in with provider: no issuer or subject")
	}
	email := store.NormalizeEmail(id.Email)
	if !id.EmailVerified || emailMessage(id.Email) != "" {
		return store.User{}, ErrEmailNotVerified
	}
	access, err := s.accessOf(ctx, id.Groups)
	if err != nil {
		return store.User{}, err
	}
	name := providerName(id.Name, email)
	u, err := s.store.UserBySubject(ctx, id.Issuer, id.Subject)
	switch {
	case errors.Is(err, store.ErrNotFound):
		u, err = s.firstProviderSignIn(ctx, a, id, email, name, access.Role)
	case err == nil && u.Disabled:
		return store.User{}, ErrUserDisabled
	case err == nil:
		u, err = s.updateProviderUser(ctx, a, u, email, name)
	}
	if err != nil {
		return store.User{}, err
	}
	if u.Disabled {
		return store.User{}, ErrUserDisabled
	}
	return s.applyAccess(ctx, a, u, id.Groups, access)
}

// firstProviderSignIn creates the provider's user, or links the local
// user an administrator allowed to be linked.
func (s *Service) firstProviderSignIn(ctx context.Context, a Actor, id Identity, email, name string, role store.Role) (store.User, error) {
	local, err := s.store.UserByEmail(ctx, email)
	switch {
	case err == nil && local.LinkAllowed && !local.FromProvider():
		ch := newChange(s, a, store.AuditUserChanged, func(linked store.User) string {
			return "Linked " + describeUser(linked) + " to the identity provider's user " + strconv.Quote(id.Subject) +
				" of " + id.Issuer + ", as an administrator allowed"
		})
		ch.actsAs = func(linked store.User) store.User { return linked }
		u, err := s.store.LinkProviderUser(ctx, local.ID, id.Issuer, id.Subject, ch.event)
		ch.done(ctx, err)
		if errors.Is(err, store.ErrLinkNotAllowed) {
			return store.User{}, ErrEmailInUse
		}
		if err != nil {
			return store.User{}, fmt.Errorf("accounts: link provider user: %w", err)
		}
		return s.updateProviderUser(ctx, a, u, email, name)
	case err == nil:
		return store.User{}, ErrEmailInUse
	case !errors.Is(err, store.ErrNotFound):
		return store.User{}, fmt.Errorf("accounts: first sign-in with provider: %w", err)
	}
	ch := newChange(s, a, store.AuditUserCreated, func(created store.User) string {
		return "Created " + describeUser(created) + " as " + string(created.Role) +
			" at their first sign-in with the identity provider (user " + strconv.Quote(id.Subject) + " of " + id.Issuer + ")"
	})
	ch.actsAs = func(created store.User) store.User { return created }
	u, err := s.store.CreateProviderUser(ctx, store.NewProviderUser{
		Issuer: id.Issuer, Subject: id.Subject, Email: email, Name: name, Role: role,
	}, ch.event)
	ch.done(ctx, err)
	if errors.Is(err, store.ErrEmailTaken) {
		return store.User{}, ErrEmailInUse
	}
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: first sign-in with provider: %w", err)
	}
	return u, nil
}

// updateProviderUser sets the name and email the provider gives now.
func (s *Service) updateProviderUser(ctx context.Context, a Actor, u store.User, email, name string) (store.User, error) {
	before := u
	ch := newChange(s, a, store.AuditUserChanged, func(changed store.User) string {
		var what []string
		if before.Email != changed.Email {
			what = append(what, "email from "+before.Email+" to "+changed.Email)
		}
		if before.Name != changed.Name {
			what = append(what, "name from "+strconv.Quote(before.Name)+" to "+strconv.Quote(changed.Name))
		}
		return "Changed the " + strings.Join(what, " and the ") + " of user " + strconv.Itoa(changed.ID) +
			", as the identity provider gave them at sign-in"
	})
	ch.actsAs = func(changed store.User) store.User { return changed }
	updated, _, err := s.store.UpdateProviderUser(ctx, u.ID, email, name, ch.event)
	ch.done(ctx, err)
	if errors.Is(err, store.ErrEmailTaken) {
		return store.User{}, ErrEmailInUse
	}
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: update provider user: %w", err)
	}
	return updated, nil
}

// RecheckProviderAccess sets the role and mapped teams of the user id from
// the groups the identity provider lists for them now, for a session
// whose groups were read a while ago. It returns the user as they now
// are, and whether their role changed, which ended their sessions. With
// no mapped group left it returns ErrNoMatchingGroup and changes nothing:
// the caller ends the session, and the next sign-in is refused.
func (s *Service) RecheckProviderAccess(ctx context.Context, a Actor, id int, groups []string) (store.User, bool, error) {
	access, err := s.accessOf(ctx, groups)
	if err != nil {
		return store.User{}, false, err
	}
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return store.User{}, false, fmt.Errorf("accounts: recheck provider access: %w", err)
	}
	if u.Disabled {
		return store.User{}, false, ErrUserDisabled
	}
	before := u.Role
	u, err = s.applyAccess(ctx, a, u, groups, access)
	if err != nil {
		return store.User{}, false, err
	}
	return u, u.Role != before, nil
}

// accessOf returns what groups give: the highest role any of their
// mappings gives, and every team they name. No mapped group is
// ErrNoMatchingGroup.
func (s *Service) accessOf(ctx context.Context, groups []string) (store.ProviderAccess, error) {
	mappings, err := s.store.ListGroupMappings(ctx)
	if err != nil {
		return store.ProviderAccess{}, fmt.Errorf("accounts: access from groups: %w", err)
	}
	var access store.ProviderAccess
	for _, m := range mappings {
		if !slices.Contains(groups, m.Group) {
			continue
		}
		if access.Role == "" || roleRank(m.Role) > roleRank(access.Role) {
			access.Role = m.Role
		}
		if m.TeamID != 0 && !slices.Contains(access.Teams, m.TeamID) {
			access.Teams = append(access.Teams, m.TeamID)
		}
	}
	if access.Role == "" {
		return store.ProviderAccess{}, ErrNoMatchingGroup
	}
	return access, nil
}

// roleRank orders roles for "the highest role wins": an auditor reads
// everything, an editor also changes their teams' organizations, an admin
// does everything.
func roleRank(r store.Role) int {
	switch r {
	case store.RoleAdmin:
		return 3
	case store.RoleEditor:
		return 2
	case store.RoleAuditor:
		return 1
	}
	return 0
}

// applyAccess gives u the role and mapped teams of access, recording one
// security event for each change, the user acting.
func (s *Service) applyAccess(ctx context.Context, a Actor, u store.User, groups []string, access store.ProviderAccess) (store.User, error) {
	because := "as their identity provider groups (" + describeGroups(groups) + ") map"
	ch := newChange(s, a, store.AuditUserChanged, func(c store.AccessChange) string {
		return "Changed the role of " + describeUser(c.User) + " from " + string(c.FromRole) + " to " + string(c.ToRole) +
			", " + because + "; their sessions ended"
	})
	ch.actsAs = func(c store.AccessChange) store.User { return c.User }
	teamEvent := newChange(s, a, store.AuditTeamChanged, func(c store.AccessChange) string {
		if c.Joined {
			return "Added " + describeUser(c.User) + " to team " + strconv.Quote(c.Team.Name) + ", " + because
		}
		return "Removed " + describeUser(c.User) + " from team " + strconv.Quote(c.Team.Name) + ", " + because
	})
	teamEvent.actsAs = ch.actsAs
	var committed []store.AuditEvent
	event := func(c store.AccessChange) (store.AuditEvent, error) {
		maker := ch
		if c.Team != nil {
			maker = teamEvent
		}
		ev, err := maker.event(c)
		committed = append(committed, ev)
		return ev, err
	}
	_, err := s.store.SetProviderAccess(ctx, u.ID, access, event)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: access from groups: %w", err)
	}
	for _, ev := range committed {
		s.EventCommitted(ctx, ev)
	}
	return s.store.GetUser(ctx, u.ID)
}

// describeGroups lists groups for an event summary, escaped and bounded.
func describeGroups(groups []string) string {
	const most = 20
	shown := groups
	if len(shown) > most {
		shown = shown[:most]
	}
	quoted := make([]string, len(shown))
	for i, g := range shown {
		quoted[i] = strconv.Quote(truncateRunes(g, MaxGroupLength))
	}
	out := strings.Join(quoted, ", ")
	if len(groups) > most {
		out += fmt.Sprintf(" and %d more", len(groups)-most)
	}
	if out == "" {
		return "none"
	}
	return out
}

// providerName is the name to keep for a provider's user: the name the
// provider gives, when it is plain text, cut to MaxNameLength characters;
// else the email.
func providerName(name, email string) string {
	name = strings.TrimSpace(name)
	if name == "" || plaintext.Problem(name) != plaintext.OK {
		return email
	}
	return truncateRunes(name, MaxNameLength)
}

// MaxGroupLength bounds a group name in a mapping, in characters.
const MaxGroupLength = 200

// groupMessage checks a group name, trimmed.
func groupMessage(group string) string {
	switch {
	case group == "":
		return "Enter the group's name as the identity provider sends it"
	case plaintext.Problem(group) != plaintext.OK:
		return textMessage("Group", group)
	case utf8.RuneCountInString(group) > MaxGroupLength:
		return fmt.Sprintf("Group must be %d characters or fewer", MaxGroupLength)
	}
	return ""
}
