package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// ErrAlreadyDisabled is a user to disable who is disabled already.
var ErrAlreadyDisabled = errors.New("accounts: the user is disabled already")

// maxNamedOrganizations is how many organizations a consequence names
// before it counts the rest.
const maxNamedOrganizations = 5

// DisableConsequences returns the user id and what disabling them will do,
// one sentence each, for the administrator to confirm first. It refuses
// what Disable would refuse up front (ErrNotAllowed, ErrOwnAccount), and
// a user disabled already (ErrAlreadyDisabled).
func (s *Service) DisableConsequences(ctx context.Context, a Actor, id int) (store.User, []string, error) {
	switch {
	case !a.mayManage():
		return store.User{}, nil, ErrNotAllowed
	case a.is(id):
		return store.User{}, nil, ErrOwnAccount
	}
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return store.User{}, nil, fmt.Errorf("accounts: consequences of disabling user %d: %w", id, err)
	}
	if u.Disabled {
		return u, nil, ErrAlreadyDisabled
	}
	effects := []string{u.Name + " cannot sign in until an administrator enables them again."}
	signedOut, err := s.signedOutSentence(ctx, u)
	if err != nil {
		return store.User{}, nil, err
	}
	effects = append(effects, signedOut)
	teams, err := s.store.UserTeams(ctx, u.ID)
	if err != nil {
		return store.User{}, nil, fmt.Errorf("accounts: consequences of disabling user %d: %w", id, err)
	}
	if len(teams) > 0 {
		names := make([]string, len(teams))
		for i, t := range teams {
			names[i] = t.Name
		}
		effects = append(effects, "They stay a member of "+joinAnd(names)+"; enabling them gives back the access they had.")
	}
	return u, append(effects, "What they did stays in the audit log."), nil
}

// ResetPasswordConsequences returns the user id and what resetting their
// password will do, one sentence each, for the administrator to confirm
// first. It refuses what ResetPassword would refuse up front
// (ErrNotAllowed, ErrOwnAccount).
func (s *Service) ResetPasswordConsequences(ctx context.Context, a Actor, id int) (store.User, []string, error) {
	switch {
	case !a.mayManage():
		return store.User{}, nil, ErrNotAllowed
	case a.is(id):
		return store.User{}, nil, ErrOwnAccount
	}
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return store.User{}, nil, fmt.Errorf("accounts: consequences of resetting the password of user %d: %w", id, err)
	}
	var effects []string
	if u.HasPassword() {
		effects = append(effects, "The password of "+u.Name+" stops working at once.")
	} else {
		effects = append(effects, u.Name+" has no password yet; the one-time link they were sent before stops working.")
	}
	signedOut, err := s.signedOutSentence(ctx, u)
	if err != nil {
		return store.User{}, nil, err
	}
	effects = append(effects, signedOut,
		"You will be shown a new one-time link to send them. It works once, within "+strconv.Itoa(int(LinkLifetime.Hours()))+
			" hours, for them to choose a new password; until then nobody can sign in as "+u.Name+".")
	if u.Disabled {
		effects = append(effects, u.Name+" is disabled: the link works only once an administrator enables them.")
	}
	return u, effects, nil
}

// signedOutSentence says what happens to the user's sessions.
func (s *Service) signedOutSentence(ctx context.Context, u store.User) (string, error) {
	sessions, err := s.store.UserSessions(ctx, u.ID, s.now())
	if err != nil {
		return "", fmt.Errorf("accounts: sessions of user %d: %w", u.ID, err)
	}
	if len(sessions) == 0 {
		return "They are not signed in anywhere now.", nil
	}
	return "They are signed out everywhere at once.", nil
}

// DeleteTeamConsequences returns the team id and what deleting it will do,
// one sentence each, for the administrator to confirm first: which editors
// lose which organizations (those no other team of theirs owns), who keeps
// their access, and that the organizations and history stay.
func (s *Service) DeleteTeamConsequences(ctx context.Context, a Actor, id int) (store.Team, []string, error) {
	if !a.mayManage() {
		return store.Team{}, nil, ErrNotAllowed
	}
	t, err := s.store.GetTeam(ctx, id)
	if err != nil {
		return store.Team{}, nil, fmt.Errorf("accounts: consequences of deleting team %d: %w", id, err)
	}
	members, err := s.store.TeamMembers(ctx, id)
	if err != nil {
		return store.Team{}, nil, fmt.Errorf("accounts: consequences of deleting team %d: %w", id, err)
	}
	owned, err := s.store.TeamOrganizations(ctx, id)
	if err != nil {
		return store.Team{}, nil, fmt.Errorf("accounts: consequences of deleting team %d: %w", id, err)
	}
	var effects []string
	switch {
	case len(members) == 0:
		effects = append(effects, "The team has no members: nobody loses access.")
	case len(owned) == 0:
		effects = append(effects, "Its members lose no access: the team owns no organization.")
	default:
		lines, err := s.memberLosses(ctx, id, members, owned)
		if err != nil {
			return store.Team{}, nil, err
		}
		effects = append(effects, lines...)
	}
	switch len(owned) {
	case 0:
	case 1:
		effects = append(effects, "The organization itself stays, with its history in the audit log.")
	default:
		effects = append(effects, "The organizations themselves stay, with their history in the audit log.")
	}
	effects = append(effects, "The audit log keeps the team's own history: its members and organizations over time.")
	return t, effects, nil
}

// memberLosses says, for each member of the team teamID, what deleting it
// takes from them: an editor loses the team's organizations that no other
// team of theirs owns; admins and auditors lose nothing, their role
// letting them read everything.
func (s *Service) memberLosses(ctx context.Context, teamID int, members []store.User, owned []store.TeamOrganization) ([]string, error) {
	var lines, others []string
	otherTeams := map[int]map[int]bool{} // team id → organizations it owns
	for _, m := range members {
		if m.Role != store.RoleEditor {
			others = append(others, m.Name)
			continue
		}
		kept, err := s.keptOrganizations(ctx, m, teamID, otherTeams)
		if err != nil {
			return nil, err
		}
		var lost []string
		for _, o := range owned {
			if !kept[o.ID] {
				lost = append(lost, organizationName(o))
			}
		}
		if len(lost) == 0 {
			lines = append(lines, m.Name+" keeps every organization of the team through another team.")
			continue
		}
		lines = append(lines, sentence(m.Name+" can no longer change or read the history of "+nameSome(lost)))
	}
	switch len(others) {
	case 0:
	case 1:
		lines = append(lines, others[0]+" keeps what they may do: their role, not the team, gives it.")
	default:
		lines = append(lines, joinAnd(others)+" keep what they may do: their role, not the team, gives it.")
	}
	return lines, nil
}

// keptOrganizations returns the organizations the user m keeps through
// teams other than teamID, reading each team once into teams.
func (s *Service) keptOrganizations(ctx context.Context, m store.User, teamID int, teams map[int]map[int]bool) (map[int]bool, error) {
	theirs, err := s.store.UserTeams(ctx, m.ID)
	if err != nil {
		return nil, fmt.Errorf("accounts: teams of user %d: %w", m.ID, err)
	}
	kept := map[int]bool{}
	for _, t := range theirs {
		if t.ID == teamID {
			continue
		}
		if teams[t.ID] == nil {
			orgs, err := s.store.TeamOrganizations(ctx, t.ID)
			if err != nil {
				return nil, fmt.Errorf("accounts: organizations of team %d: %w", t.ID, err)
			}
			teams[t.ID] = map[int]bool{}
			for _, o := range orgs {
				teams[t.ID][o.ID] = true
			}
		}
		for id := range teams[t.ID] {
			kept[id] = true
		}
	}
	return kept, nil
}

// organizationName names a team's organization by its cached name, or by
// its id when the cache has no name for it.
func organizationName(o store.TeamOrganization) string {
	if o.Name != "" {
		return o.Name
	}
	return "organization " + strconv.Itoa(o.ID)
}

// nameSome names up to maxNamedOrganizations organizations and counts the
// rest: "A, B and 3 other organizations".
func nameSome(names []string) string {
	if len(names) <= maxNamedOrganizations {
		return joinAnd(names)
	}
	rest := len(names) - maxNamedOrganizations
	more := strconv.Itoa(rest) + " other organizations"
	if rest == 1 {
		more = "1 other organization"
	}
	return strings.Join(names[:maxNamedOrganizations], ", ") + " and " + more
}

// sentence ends s with a full stop, unless it ends with one already (a
// name such as "Acme Widgets, Inc.").
func sentence(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// joinAnd joins words as a sentence lists them: "a", "a and b", "a, b and
// c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
