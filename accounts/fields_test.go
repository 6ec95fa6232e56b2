package accounts_test

import (
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// TestInviteRefusesBadValues: every refused value of the add user form
// comes back at once, under its field, and nothing is created.
func TestInviteRefusesBadValues(t *testing.T) {
	e := newEnv(t)
	red := e.team("Red")
	const (
		controls = "Name must not contain control characters or text direction overrides"
		notText  = "Name must be valid text (UTF-8)"
	)
	tests := []struct {
		name string
		in   accounts.Invitation
		want map[string]string
	}{
		{"empty", accounts.Invitation{}, map[string]string{
			"name": "Enter a name", "email": "Enter an email address", "role": "Select a role"}},
		{"blank name", accounts.Invitation{Name: "   ", Email: "a@example.com", Role: "editor"}, map[string]string{"name": "Enter a name"}},
		{"NUL in name", accounts.Invitation{Name: "Ada\x00Lovelace", Email: "a@example.com", Role: "editor"}, map[string]string{"name": controls}},
		{"new line in name", accounts.Invitation{Name: "Ada\nAdmin", Email: "a@example.com", Role: "editor"}, map[string]string{"name": controls}},
		{"right-to-left override in name", accounts.Invitation{Name: "Eve \u202Egnp.exe", Email: "a@example.com", Role: "editor"}, map[string]string{"name": controls}},
		{"isolate in name", accounts.Invitation{Name: "Eve \u2067x", Email: "a@example.com", Role: "editor"}, map[string]string{"name": controls}},
		{"invalid UTF-8 in name", accounts.Invitation{Name: "Ada \xff", Email: "a@example.com", Role: "editor"}, map[string]string{"name": notText}},
		{"name too long", accounts.Invitation{Name: strings.Repeat("é", accounts.MaxNameLength+1), Email: "a@example.com", Role: "editor"}, map[string]string{
			"name": "Name must be 100 characters or fewer"}},
		{"no at", accounts.Invitation{Name: "A", Email: "example.com", Role: "editor"}, map[string]string{
			"email": "Enter an email address in the correct format, like name@example.com"}},
		{"two ats", accounts.Invitation{Name: "A", Email: "a@b@example.com", Role: "editor"}, map[string]string{
			"email": "Enter an email address in the correct format, like name@example.com"}},
		{"no dot in domain", accounts.Invitation{Name: "A", Email: "a@localhost", Role: "editor"}, map[string]string{
			"email": "Enter an email address in the correct format, like name@example.com"}},
		{"space inside email", accounts.Invitation{Name: "A", Email: "a b@example.com", Role: "editor"}, map[string]string{
			"email": "Enter an email address in the correct format, like name@example.com"}},
		{"NUL in email", accounts.Invitation{Name: "A", Email: "a\x00@example.com", Role: "editor"}, map[string]string{
			"email": "Email address must not contain control characters or text direction overrides"}},
		{"override in email", accounts.Invitation{Name: "A", Email: "a\u202E@example.com", Role: "editor"}, map[string]string{
			"email": "Email address must not contain control characters or text direction overrides"}},
		{"invalid UTF-8 in email", accounts.Invitation{Name: "A", Email: "a\xc3@example.com", Role: "editor"}, map[string]string{
			"email": "Email address must be valid text (UTF-8)"}},
		{"email too long", accounts.Invitation{Name: "A", Email: strings.Repeat("a", 250) + "@example.com", Role: "editor"}, map[string]string{
			"email": "Email address must be 254 characters or fewer"}},
		{"email taken, in other case", accounts.Invitation{Name: "A", Email: " ROOT@example.com ", Role: "editor"}, map[string]string{
			"email": "A user with this email address already exists"}},
		{"unknown role", accounts.Invitation{Name: "A", Email: "a@example.com", Role: "root"}, map[string]string{"role": "Select a role"}},
		{"team that does not exist", accounts.Invitation{Name: "A", Email: "a@example.com", Role: "editor", TeamID: "999"}, map[string]string{
			"team": "Select a team from the list"}},
		{"team id that is not a number", accounts.Invitation{Name: "A", Email: "a@example.com", Role: "editor", TeamID: "red"}, map[string]string{
			"team": "Select a team from the list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := e.Service.Invite(e.ctx, e.Admin, tt.in)
			for field, want := range tt.want {
				if got := fieldError(t, err, field); got != want {
					t.Errorf("%s: %q, want %q", field, got, want)
				}
			}
		})
	}
	if n, err := e.Store.CountUsers(e.ctx); err != nil || n != 1 {
		t.Errorf("%d users after refused invitations (%v), want the admin alone", n, err)
	}

	u, link, err := e.Service.Invite(e.ctx, e.Admin, accounts.Invitation{
		Name: "  Zoë Ødegård ", Email: " Zoe@Example.COM", Role: "editor", TeamID: " " + itoa(red.ID) + " ",
	})
	if err != nil {
		t.Fatalf("a good invitation: %v", err)
	}
	if u.Name != "Zoë Ødegård" || u.Email != "zoe@example.com" || u.Role != store.RoleEditor || u.HasPassword() || link == "" {
		t.Errorf("invited %+v with link %q; want the trimmed name, the normalized email, no password and a link", u, link)
	}
	if teams, err := e.Store.UserTeams(e.ctx, u.ID); err != nil || len(teams) != 1 || teams[0].ID != red.ID {
		t.Errorf("teams of the invited user = %v, %v; want Red", teams, err)
	}
}

func TestCreateTeamRefusesBadNames(t *testing.T) {
	e := newEnv(t)
	e.team("Red")
	const controls = "Team name must not contain control characters or text direction overrides"
	tests := []struct{ name, team, want string }{
		{"empty", "  ", "Enter a team name"},
		{"NUL", "Red\x00Team", controls},
		{"tab", "Red\tTeam", controls},
		{"right-to-left override", "Team \u202Ederf", controls},
		{"invalid UTF-8", "Team \xe2\x82", "Team name must be valid text (UTF-8)"},
		{"too long", strings.Repeat("t", accounts.MaxTeamNameLength+1), "Team name must be 100 characters or fewer"},
		{"taken, in other case", " RED ", "A team with this name already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Service.CreateTeam(e.ctx, e.Admin, tt.team)
			if got := fieldError(t, err, "team_name"); got != tt.want {
				t.Errorf("CreateTeam(%q) = %q, want %q", tt.team, got, tt.want)
			}
		})
	}
	teams, err := e.Store.ListTeams(e.ctx)
	if err != nil || len(teams) != 1 {
		t.Errorf("teams after refusals = %v, %v; want Red alone", teams, err)
	}
	if blue, err := e.Service.CreateTeam(e.ctx, e.Admin, "  Équipe bleue "); err != nil || blue.Name != "Équipe bleue" {
		t.Errorf("a good name: %+v, %v", blue, err)
	}
}

func TestCheckSignInEmail(t *testing.T) {
	tests := []struct{ email, want string }{
		{"ada@example.com", ""},
		{"not an email at all", ""}, // answered like an unknown email
		{"zoë@exämple.com", ""},
		{"ada\x00@example.com", "Email address must not contain control characters or text direction overrides"},
		{"ada@example.com\r\n", "Email address must not contain control characters or text direction overrides"},
		{"\u202Emoc.elpmaxe@ada", "Email address must not contain control characters or text direction overrides"},
		{"ada\xff@example.com", "Email address must be valid text (UTF-8)"},
	}
	for _, tt := range tests {
		err := accounts.CheckSignInEmail(tt.email)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckSignInEmail(%q) = %v, want nil", tt.email, err)
			}
			continue
		}
		if got := fieldError(t, err, "email"); got != tt.want {
			t.Errorf("CheckSignInEmail(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}
