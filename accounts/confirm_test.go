package accounts_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// wantEffects fails the test unless got holds every sentence of want, in
// order, and nothing else.
func wantEffects(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s says:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestDisableConsequences(t *testing.T) {
	e := newEnv(t)
	raj := e.user("raj@example.com", "Raj Patel", store.RoleEditor)
	red, blue := e.team("Red"), e.team("Blue")
	for _, team := range []store.Team{red, blue} {
		if _, err := e.Service.AddMember(e.ctx, accounts.CommandLine(), team.ID, raj.ID); err != nil {
			t.Fatal(err)
		}
	}
	u, effects, err := e.Service.DisableConsequences(e.ctx, e.Admin, raj.ID)
	if err != nil || u.ID != raj.ID {
		t.Fatalf("consequences: %+v, %v", u, err)
	}
	wantEffects(t, "disabling a user with teams", effects, []string{
		"Raj Patel cannot sign in until an administrator enables them again.",
		"They are not signed in anywhere now.",
		"They stay a member of Blue and Red; enabling them gives back the access they had.",
		"What they did stays in the audit log.",
	})

	if _, _, err := e.Store.CreateSession(e.ctx, store.NewSession{UserID: raj.ID, Now: e.Clock.Now(), ExpiresAt: e.Clock.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, effects, _ := e.Service.DisableConsequences(e.ctx, e.Admin, raj.ID); !slices.Contains(effects, "They are signed out everywhere at once.") {
		t.Errorf("disabling a signed-in user says %q, want that they are signed out", effects)
	}

	for _, tt := range []struct {
		name  string
		actor accounts.Actor
		id    int
		want  error
	}{
		{"own account", e.Admin, e.Admin.User.ID, accounts.ErrOwnAccount},
		{"by an editor", e.web(raj), raj.ID, accounts.ErrNotAllowed},
		{"unknown user", e.Admin, 9999, store.ErrNotFound},
	} {
		if _, _, err := e.Service.DisableConsequences(e.ctx, tt.actor, tt.id); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := e.Service.Disable(e.ctx, e.Admin, raj.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Service.DisableConsequences(e.ctx, e.Admin, raj.ID); !errors.Is(err, accounts.ErrAlreadyDisabled) {
		t.Errorf("a disabled user: error %v, want ErrAlreadyDisabled", err)
	}
}

func TestResetPasswordConsequences(t *testing.T) {
	e := newEnv(t)
	raj := e.user("raj@example.com", "Raj Patel", store.RoleEditor)
	_, effects, err := e.Service.ResetPasswordConsequences(e.ctx, e.Admin, raj.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEffects(t, "resetting a password", effects, []string{
		"The password of Raj Patel stops working at once.",
		"They are not signed in anywhere now.",
		"You will be shown a new one-time link to send them. It works once, within 24 hours, for them to choose a new password; until then nobody can sign in as Raj Patel.",
	})

	invited, _, err := e.Service.Invite(e.ctx, e.Admin, accounts.Invitation{Name: "Priya Raman", Email: "priya@example.com", Role: "editor"})
	if err != nil {
		t.Fatal(err)
	}
	if _, effects, _ := e.Service.ResetPasswordConsequences(e.ctx, e.Admin, invited.ID); effects[0] != "Priya Raman has no password yet; the one-time link they were sent before stops working." {
		t.Errorf("resetting an invited user's password says first %q", effects[0])
	}
	if _, _, err := e.Service.ResetPasswordConsequences(e.ctx, e.Admin, e.Admin.User.ID); !errors.Is(err, accounts.ErrOwnAccount) {
		t.Errorf("own account: error %v, want ErrOwnAccount", err)
	}
}

func TestDeleteTeamConsequences(t *testing.T) {
	e := newEnv(t)
	orgs := []store.Organization{{ID: 1, Name: "Acme"}, {ID: 2, Name: "Blue Harbor Inc."}, {ID: 3, Name: "Cedar Ridge"}}
	if err := e.Store.ReplaceOrganizations(e.ctx, orgs, time.Now()); err != nil {
		t.Fatal(err)
	}
	red, blue, empty := e.team("Red"), e.team("Blue"), e.team("Empty")
	raj := e.user("raj@example.com", "Raj Patel", store.RoleEditor)
	mei := e.user("mei@example.com", "Mei Lin", store.RoleEditor)
	noor := e.user("noor@example.com", "Noor Haddad", store.RoleEditor)
	aud := e.user("aud@example.com", "Aud Itor", store.RoleAuditor)
	cli := accounts.CommandLine()
	for _, id := range []int{1, 2} {
		if _, err := e.Service.AddOrganization(e.ctx, cli, red.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int{1, 2, 3} {
		if _, err := e.Service.AddOrganization(e.ctx, cli, blue.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []store.User{raj, mei, aud} {
		if _, err := e.Service.AddMember(e.ctx, cli, red.ID, m.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []store.User{mei, noor} {
		if _, err := e.Service.AddMember(e.ctx, cli, blue.ID, m.ID); err != nil {
			t.Fatal(err)
		}
	}

	team, effects, err := e.Service.DeleteTeamConsequences(e.ctx, e.Admin, red.ID)
	if err != nil || team.ID != red.ID {
		t.Fatalf("consequences: %+v, %v", team, err)
	}
	wantEffects(t, "deleting Red", effects, []string{
		"Mei Lin keeps every organization of the team through another team.",
		"Raj Patel can no longer change or read the history of Acme and Blue Harbor Inc.",
		"Aud Itor keeps what they may do: their role, not the team, gives it.",
		"The organizations themselves stay, with their history in the audit log.",
		"The audit log keeps the team's own history: its members and organizations over time.",
	})
	_, effects, err = e.Service.DeleteTeamConsequences(e.ctx, e.Admin, empty.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantEffects(t, "deleting an empty team", effects, []string{
		"The team has no members: nobody loses access.",
		"The audit log keeps the team's own history: its members and organizations over time.",
	})
	if _, _, err := e.Service.DeleteTeamConsequences(e.ctx, e.web(raj), red.ID); !errors.Is(err, accounts.ErrNotAllowed) {
		t.Errorf("an editor: error %v, want ErrNotAllowed", err)
	}
	if _, _, err := e.Service.DeleteTeamConsequences(e.ctx, e.Admin, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown team: error %v, want store.ErrNotFound", err)
	}
}
