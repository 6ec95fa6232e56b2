package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// Mapping is a group mapping as an administrator fills it in: the
// provider's group, a role, and optionally a team by id (from a form's
// list) or by name (from the command line).
type Mapping struct {
	Group string
	Role  string
	// TeamID is the id of the team as a form's list gives it; "" for
	// none.
	TeamID string
	// TeamName names the team instead of TeamID; "" for none.
	TeamName string
}

// SetGroupMapping maps the group of m to its role and team, for an
// administrator or the command line. A group already mapped for that team
// gets the new role. It returns the mapping and whether anything changed
// (nothing is recorded otherwise). Refused values are a *ValidationError
// on "group", "role" or "team".
func (s *Service) SetGroupMapping(ctx context.Context, a Actor, m Mapping) (store.GroupMapping, bool, error) {
	if !a.mayManage() {
		return store.GroupMapping{}, false, ErrNotAllowed
	}
	group := strings.TrimSpace(m.Group)
	role := store.Role(strings.TrimSpace(m.Role))
	errs := &ValidationError{}
	errs.add("group", groupMessage(group))
	errs.add("role", roleMessage(role))
	team, err := s.mappingTeam(ctx, m, errs)
	if err != nil {
		return store.GroupMapping{}, false, err
	}
	if err := errs.err(); err != nil {
		return store.GroupMapping{}, false, err
	}
	ch := newChange(s, a, store.AuditGroupMappingChanged, func(set store.GroupMapping) string {
		return "Mapped the identity provider group " + describeMapping(set)
	})
	set, changed, err := s.store.SetGroupMapping(ctx, group, role, team, ch.event)
	ch.done(ctx, err)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.GroupMapping{}, false, invalid("team", "Select a team from the list")
	case err != nil:
		return store.GroupMapping{}, false, fmt.Errorf("accounts: set group mapping: %w", err)
	}
	return set, changed, nil
}

// mappingTeam finds the optional team of m, by id or by name; 0 for none.
func (s *Service) mappingTeam(ctx context.Context, m Mapping, errs *ValidationError) (int, error) {
	if name := strings.TrimSpace(m.TeamName); name != "" {
		t, err := s.store.TeamByName(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			errs.add("team", "No team is called "+strconv.Quote(name))
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("accounts: team of a group mapping: %w", err)
		}
		return t.ID, nil
	}
	t, err := s.teamChoice(ctx, m.TeamID, errs)
	if err != nil || t == nil {
		return 0, err
	}
	return t.ID, nil
}

// RemoveGroupMapping removes the group mapping id, for an administrator or
// the command line, and returns it as it was. Users keep their role and
// teams until they next sign in or their groups are read again.
func (s *Service) RemoveGroupMapping(ctx context.Context, a Actor, id int) (store.GroupMapping, error) {
	if !a.mayManage() {
		return store.GroupMapping{}, ErrNotAllowed
	}
	ch := newChange(s, a, store.AuditGroupMappingChanged, func(removed store.GroupMapping) string {
		return "Removed the mapping of the identity provider group " + describeMapping(removed)
	})
	removed, err := s.store.DeleteGroupMapping(ctx, id, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.GroupMapping{}, fmt.Errorf("accounts: remove group mapping: %w", err)
	}
	return removed, nil
}

// describeMapping names a mapping in event summaries.
func describeMapping(m store.GroupMapping) string {
	out := strconv.Quote(m.Group) + " to the role " + string(m.Role)
	if m.TeamID != 0 {
		out += " and team " + strconv.Quote(m.TeamName)
	}
	return out
}

// AllowLink lets the next sign-in through the identity provider with the
// email of the local user id, verified by the provider, link the two: the
// user then signs in with the provider. For an administrator or the
// command line; store.ErrLinkNotAllowed for a user linked already.
func (s *Service) AllowLink(ctx context.Context, a Actor, id int) (store.User, error) {
	if !a.mayManage() {
		return store.User{}, ErrNotAllowed
	}
	ch := newChange(s, a, store.AuditUserChanged, func(changed store.User) string {
		return "Allowed the next sign-in with the identity provider as " + changed.Email + " to link it to " + describeUser(changed)
	})
	u, err := s.store.SetLinkAllowed(ctx, id, true, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: allow link: %w", err)
	}
	return u, nil
}
