package accounts_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

const issuer = "https://id.example.com"

// identity is a verified person of the provider, with groups.
func identity(subject, email string, groups ...string) accounts.Identity {
	return accounts.Identity{Issuer: issuer, Subject: subject, Email: email, EmailVerified: true, Name: "Person " + subject, Groups: groups}
}

// mapGroup maps group to role and, when team is not "", that team.
func (e *env) mapGroup(group string, role store.Role, team string) {
	e.t.Helper()
	if _, _, err := e.Service.SetGroupMapping(e.ctx, accounts.CommandLine(), accounts.Mapping{Group: group, Role: string(role), TeamName: team}); err != nil {
		e.t.Fatalf("map %s: %v", group, err)
	}
}

// teamsOf names the teams of user id, in order.
func (e *env) teamsOf(id int) []string {
	e.t.Helper()
	teams, err := e.Store.UserTeams(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, t := range teams {
		names = append(names, t.Name)
	}
	return names
}

// securitySummaries returns the summaries of the newest n security
// events, oldest first.
func (e *env) securitySummaries(n int) []string {
	e.t.Helper()
	page, err := e.Store.ListSecurityEvents(e.ctx, store.SecurityEventQuery{Limit: n})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for i := len(page.Events) - 1; i >= 0; i-- {
		out = append(out, string(page.Events[i].Kind)+": "+page.Events[i].Summary)
	}
	return out
}

func TestSignInWithProviderCreatesAndUpdates(t *testing.T) {
	e := newEnv(t)
	e.team("Red")
	e.team("Blue")
	e.team("Hand-picked")
	e.mapGroup("cd-auditors", store.RoleAuditor, "")
	e.mapGroup("cd-editors", store.RoleEditor, "Red")
	e.mapGroup("cd-blue", store.RoleAuditor, "Blue")

	// First sign-in: created, with the highest role and every mapped team.
	u, err := e.Service.SignInWithProvider(e.ctx, accounts.Actor{ClientAddr: "192.0.2.1"}, identity("s-1", "Ada@Example.com", "cd-auditors", "cd-editors", "cd-blue", "unmapped"))
	if err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	if u.Email != "ada@example.com" || u.Role != store.RoleEditor || u.Issuer != issuer || u.Subject != "s-1" || u.HasPassword() {
		t.Errorf("created %+v", u)
	}
	if got := e.teamsOf(u.ID); !slices.Equal(got, []string{"Blue", "Red"}) {
		t.Errorf("teams %v, want [Blue Red]", got)
	}
	created := e.securitySummaries(3)
	if !strings.HasPrefix(created[0], "user_created: Created Person s-1 <ada@example.com>") ||
		!strings.Contains(created[1], "to team \"Red\"") || !strings.Contains(created[2], "to team \"Blue\"") {
		t.Errorf("events of the first sign-in: %q", created)
	}

	// A hand-picked team no mapping names stays.
	hand, err := e.Store.TeamByName(e.ctx, "Hand-picked")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.AddMember(e.ctx, accounts.CommandLine(), hand.ID, u.ID); err != nil {
		t.Fatal(err)
	}

	// Next sign-in: same subject, new email and name, fewer groups.
	id := identity("s-1", "ada.lovelace@example.com", "cd-auditors")
	id.Name = "Ada Lovelace"
	again, err := e.Service.SignInWithProvider(e.ctx, accounts.Actor{}, id)
	if err != nil {
		t.Fatalf("second sign-in: %v", err)
	}
	if again.ID != u.ID || again.Email != "ada.lovelace@example.com" || again.Name != "Ada Lovelace" || again.Role != store.RoleAuditor {
		t.Errorf("after the second sign-in: %+v", again)
	}
	if got := e.teamsOf(u.ID); !slices.Equal(got, []string{"Hand-picked"}) {
		t.Errorf("teams %v, want [Hand-picked]: mapped teams left, the other kept", got)
	}
	n, err := e.Store.CountUsers(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d users, want 2: a changed email makes no second user", n)
	}
	changes := strings.Join(e.securitySummaries(4), "\n")
	for _, want := range []string{"email from ada@example.com to ada.lovelace@example.com", "from editor to auditor",
		"Removed Ada Lovelace <ada.lovelace@example.com> (user 2) from team \"Blue\"", "from team \"Red\""} {
		if !strings.Contains(changes, want) {
			t.Errorf("events of the second sign-in lack %q:\n%s", want, changes)
		}
	}

	// A sign-in that changes nothing records nothing.
	before := e.eventCount()
	if _, err := e.Service.SignInWithProvider(e.ctx, accounts.Actor{}, id); err != nil {
		t.Fatal(err)
	}
	if after := e.eventCount(); after != before {
		t.Errorf("a sign-in changing nothing recorded %d events", after-before)
	}
}

func TestSignInWithProviderRefuses(t *testing.T) {
	e := newEnv(t)
	e.mapGroup("cd-editors", store.RoleEditor, "")
	local := e.user("local@example.com", "Local Person", store.RoleEditor)
	disabled, err := e.Service.SignInWithProvider(e.ctx, accounts.Actor{}, identity("s-off", "off@example.com", "cd-editors"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Disable(e.ctx, e.Admin, disabled.ID); err != nil {
		t.Fatal(err)
	}
	unverified := identity("s-2", "new@example.com", "cd-editors")
	unverified.EmailVerified = false
	noEmail := identity("s-3", "", "cd-editors")

	for _, tc := range []struct {
		name string
		id   accounts.Identity
		want error
	}{
		{"unverified email", unverified, accounts.ErrEmailNotVerified},
		{"no email", noEmail, accounts.ErrEmailNotVerified},
		{"no matching group", identity("s-4", "nogroup@example.com", "other", "cd-editors-not"), accounts.ErrNoMatchingGroup},
		{"no groups at all", identity("s-5", "nogroups@example.com"), accounts.ErrNoMatchingGroup},
		{"local account with the email", identity("s-6", "LOCAL@example.com", "cd-editors"), accounts.ErrEmailInUse},
		{"disabled", identity("s-off", "off@example.com", "cd-editors"), accounts.ErrUserDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.eventCount()
			_, err := e.Service.SignInWithProvider(e.ctx, accounts.Actor{}, tc.id)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if after := e.eventCount(); after != before {
				t.Errorf("a refusal recorded %d changes", after-before)
			}
			if tc.want != accounts.ErrUserDisabled {
				if _, err := e.Store.UserBySubject(e.ctx, issuer, tc.id.Subject); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("a refused person became a user: %v", err)
				}
			}
		})
	}
	if u, err := e.Store.GetUser(e.ctx, local.ID); err != nil || u.FromProvider() {
		t.Errorf("the local user was linked without an administrator: %+v, %v", u, err)
	}
}

func TestAllowLinkLinksAtNextSignIn(t *testing.T) {
	e := newEnv(t)
	e.mapGroup("cd-admins", store.RoleAdmin, "")
	local := e.user("grace@example.com", "Grace Hopper", store.RoleEditor)
	id := identity("s-grace", "grace@example.com", "cd-admins")

	if _, err := e.Service.AllowLink(e.ctx, e.web(local), local.ID); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Fatalf("a non-administrator allowed a link: %v", err)
	}
	if _, err := e.Service.AllowLink(e.ctx, e.Admin, local.ID); err != nil {
		t.Fatal(err)
	}
	if ev := e.lastEvent(); ev.Kind != store.AuditUserChanged || !strings.Contains(ev.Summary, "Allowed the next sign-in") || ev.ActorID != e.Admin.User.ID {
		t.Errorf("event %q by %d", ev.Summary, ev.ActorID)
	}
	u, err := e.Service.SignInWithProvider(e.ctx, accounts.Actor{}, id)
	if err != nil {
		t.Fatalf("sign-in after the link was allowed: %v", err)
	}
	if u.ID != local.ID || u.Subject != "s-grace" || u.LinkAllowed || u.Role != store.RoleAdmin {
		t.Errorf("linked user %+v", u)
	}
	if _, err := e.Service.AllowLink(e.ctx, e.Admin, local.ID); !errors.Is(err, store.ErrLinkNotAllowed) {
		t.Errorf("allowing a second link: %v, want ErrLinkNotAllowed", err)
	}
}

func TestRecheckProviderAccess(t *testing.T) {
	e := newEnv(t)
	e.team("Red")
	e.mapGroup("red", store.RoleEditor, "Red")
	e.mapGroup("cd-admins", store.RoleAdmin, "")
	u, err := e.Service.SignInWithProvider(e.ctx, accounts.Actor{}, identity("s-1", "ada@example.com", "red"))
	if err != nil {
		t.Fatal(err)
	}

	// Same groups: nothing changes.
	if _, changed, err := e.Service.RecheckProviderAccess(e.ctx, accounts.Actor{User: &u}, u.ID, []string{"red"}); err != nil || changed {
		t.Fatalf("same groups: role changed %v, %v", changed, err)
	}
	// Removed from the group: no mapped group left.
	if _, _, err := e.Service.RecheckProviderAccess(e.ctx, accounts.Actor{User: &u}, u.ID, nil); !errors.Is(err, accounts.ErrNoMatchingGroup) {
		t.Fatalf("no groups: %v, want ErrNoMatchingGroup", err)
	}
	// Made an admin: the role changes.
	after, changed, err := e.Service.RecheckProviderAccess(e.ctx, accounts.Actor{User: &u}, u.ID, []string{"cd-admins"})
	if err != nil || !changed || after.Role != store.RoleAdmin {
		t.Fatalf("admin group: %+v, changed %v, %v", after, changed, err)
	}
	if got := e.teamsOf(u.ID); len(got) != 0 {
		t.Errorf("teams %v after leaving the red group", got)
	}

	// The last enabled admin cannot lose the role through their groups.
	if _, err := e.Service.Disable(e.ctx, accounts.CommandLine(), e.Admin.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Service.RecheckProviderAccess(e.ctx, accounts.Actor{User: &after}, u.ID, []string{"red"}); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("demoting the last admin: %v, want ErrLastAdmin", err)
	}
}

func TestGroupMappings(t *testing.T) {
	e := newEnv(t)
	red := e.team("Red")
	editor := e.user("ed@example.com", "Ed Itor", store.RoleEditor)

	if _, _, err := e.Service.SetGroupMapping(e.ctx, e.web(editor), accounts.Mapping{Group: "g", Role: "editor"}); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Errorf("an editor mapped a group: %v", err)
	}
	_, _, err := e.Service.SetGroupMapping(e.ctx, e.Admin, accounts.Mapping{Group: " ", Role: "boss", TeamID: "999"})
	for _, field := range []string{"group", "role", "team"} {
		if fieldError(t, err, field) == "" {
			t.Errorf("no message on %s", field)
		}
	}
	_, _, err = e.Service.SetGroupMapping(e.ctx, e.Admin, accounts.Mapping{Group: "bad\u202egroup", Role: "editor"})
	if fieldError(t, err, "group") == "" {
		t.Error("a group with a direction override was accepted")
	}

	m, changed, err := e.Service.SetGroupMapping(e.ctx, e.Admin, accounts.Mapping{Group: "cd-red", Role: "editor", TeamID: itoa(red.ID)})
	if err != nil || !changed || m.TeamName != "Red" {
		t.Fatalf("map: %+v, %v, %v", m, changed, err)
	}
	if ev := e.lastEvent(); ev.Kind != store.AuditGroupMappingChanged || ev.Summary != `Mapped the identity provider group "cd-red" to the role editor and team "Red"` {
		t.Errorf("event %s %q", ev.Kind, ev.Summary)
	}
	before := e.eventCount()
	if _, changed, err := e.Service.SetGroupMapping(e.ctx, e.Admin, accounts.Mapping{Group: "cd-red", Role: "editor", TeamName: "red"}); err != nil || changed {
		t.Errorf("mapping again: changed %v, %v", changed, err)
	}
	if e.eventCount() != before {
		t.Error("mapping again recorded an event")
	}
	m2, changed, err := e.Service.SetGroupMapping(e.ctx, e.Admin, accounts.Mapping{Group: "cd-red", Role: "auditor", TeamName: "Red"})
	if err != nil || !changed || m2.ID != m.ID || m2.Role != store.RoleAuditor {
		t.Errorf("new role: %+v, %v, %v", m2, changed, err)
	}
	if _, err := e.Service.RemoveGroupMapping(e.ctx, e.Admin, m.ID); err != nil {
		t.Fatal(err)
	}
	if ev := e.lastEvent(); !strings.HasPrefix(ev.Summary, `Removed the mapping of the identity provider group "cd-red"`) {
		t.Errorf("event %q", ev.Summary)
	}
	if _, err := e.Service.RemoveGroupMapping(e.ctx, e.Admin, m.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("removing again: %v, want ErrNotFound", err)
	}
}

func TestMaintainersManageMembers(t *testing.T) {
	e := newEnv(t)
	red := e.team("Red")
	blue := e.team("Blue")
	maintainer := e.user("m@example.com", "Main Tainer", store.RoleEditor)
	other := e.user("o@example.com", "Other Person", store.RoleAuditor)

	if _, err := e.Service.AddMaintainer(e.ctx, e.web(maintainer), red.ID, maintainer.ID); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Fatalf("an editor made themselves maintainer: %v", err)
	}
	if _, err := e.Service.AddMember(e.ctx, e.web(maintainer), red.ID, other.ID); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Fatalf("a non-maintainer added a member: %v", err)
	}
	if added, err := e.Service.AddMaintainer(e.ctx, e.Admin, red.ID, maintainer.ID); err != nil || !added {
		t.Fatalf("add maintainer: %v, %v", added, err)
	}
	if ev := e.lastEvent(); ev.Summary != `Made Main Tainer <m@example.com> (user 2) a maintainer of team "Red"` {
		t.Errorf("event %q", ev.Summary)
	}
	if added, err := e.Service.AddMember(e.ctx, e.web(maintainer), red.ID, other.ID); err != nil || !added {
		t.Fatalf("maintainer adds a member: %v, %v", added, err)
	}
	if ev := e.lastEvent(); ev.ActorID != maintainer.ID || !strings.Contains(ev.Summary, `to team "Red"`) {
		t.Errorf("event %q by %d", ev.Summary, ev.ActorID)
	}
	if _, err := e.Service.AddMember(e.ctx, e.web(maintainer), blue.ID, other.ID); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Errorf("a maintainer of Red changed Blue: %v", err)
	}
	if _, err := e.Service.AddOrganization(e.ctx, e.web(maintainer), red.ID, 1); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Errorf("a maintainer changed the team's organizations: %v", err)
	}
	if removed, err := e.Service.RemoveMember(e.ctx, e.web(maintainer), red.ID, other.ID); err != nil || !removed {
		t.Errorf("maintainer removes a member: %v, %v", removed, err)
	}
	if removed, err := e.Service.RemoveMaintainer(e.ctx, e.Admin, red.ID, maintainer.ID); err != nil || !removed {
		t.Fatalf("remove maintainer: %v, %v", removed, err)
	}
	if _, err := e.Service.AddMember(e.ctx, e.web(maintainer), red.ID, other.ID); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Errorf("a former maintainer added a member: %v", err)
	}
}
