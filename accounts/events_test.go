package accounts_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// TestEventWording: each change records one security event, with the
// actor, their address and request, and a summary that says what changed
// in words.
func TestEventWording(t *testing.T) {
	e := newEnv(t)
	if err := e.Store.ReplaceOrganizations(e.ctx, []store.Organization{{ID: 7, Name: "Acme"}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	admin := e.Admin
	red := e.team("Red")
	var ada store.User

	tests := []struct {
		name string
		do   func() error
		kind store.AuditKind
		// summary is a template: {ada} and {red} stand for the ids.
		summary string
		orgID   int
	}{
		{"invite", func() error {
			var err error
			ada, _, err = e.Service.Invite(e.ctx, admin, accounts.Invitation{Name: "Ada Lovelace", Email: "ada@example.com", Role: "editor", TeamID: strconv.Itoa(red.ID)})
			return err
		}, store.AuditUserCreated, `Created Ada Lovelace <ada@example.com> (user {ada}) as editor in team "Red"; issued a one-time password link`, 0},
		{"change role", func() error {
			_, err := e.Service.ChangeRole(e.ctx, admin, ada.ID, store.RoleEditor, store.RoleAuditor)
			return err
		}, store.AuditUserChanged, `Changed the role of Ada Lovelace <ada@example.com> (user {ada}) from editor to auditor; their sessions ended`, 0},
		{"disable", func() error { _, err := e.Service.Disable(e.ctx, admin, ada.ID); return err },
			store.AuditUserDisabled, `Disabled Ada Lovelace <ada@example.com> (user {ada}); their sessions ended`, 0},
		{"enable", func() error { _, err := e.Service.Enable(e.ctx, admin, ada.ID); return err },
			store.AuditUserChanged, `Enabled Ada Lovelace <ada@example.com> (user {ada})`, 0},
		{"reset password", func() error { _, _, err := e.Service.ResetPassword(e.ctx, admin, ada.ID); return err },
			store.AuditUserChanged, `Reset the password of Ada Lovelace <ada@example.com> (user {ada}) and issued a one-time link; their sessions ended`, 0},
		{"end sessions", func() error { _, err := e.Service.EndSessions(e.ctx, admin, ada.ID); return err },
			store.AuditSignedOut, `Signed Ada Lovelace <ada@example.com> (user {ada}) out everywhere`, 0},
		{"remove from team", func() error { _, err := e.Service.RemoveMember(e.ctx, admin, red.ID, ada.ID); return err },
			store.AuditTeamChanged, `Removed Ada Lovelace <ada@example.com> (user {ada}) from team "Red"`, 0},
		{"add to team", func() error { _, err := e.Service.AddMember(e.ctx, admin, red.ID, ada.ID); return err },
			store.AuditTeamChanged, `Added Ada Lovelace <ada@example.com> (user {ada}) to team "Red"`, 0},
		{"give an organization", func() error { _, err := e.Service.AddOrganization(e.ctx, admin, red.ID, 7); return err },
			store.AuditTeamChanged, `Gave team "Red" the organization Acme (7)`, 7},
		{"take an organization", func() error { _, err := e.Service.RemoveOrganization(e.ctx, admin, red.ID, 7); return err },
			store.AuditTeamChanged, `Took the organization Acme (7) from team "Red"`, 7},
		{"create a team", func() error { _, err := e.Service.CreateTeam(e.ctx, admin, "Blue"); return err },
			store.AuditTeamChanged, `Created team "Blue"`, 0},
		{"delete a team", func() error { return e.Service.DeleteTeam(e.ctx, admin, red.ID) },
			store.AuditTeamChanged, `Deleted team "Red"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.eventCount()
			if err := tt.do(); err != nil {
				t.Fatal(err)
			}
			if n := e.eventCount(); n != before+1 {
				t.Fatalf("%d events recorded, want 1", n-before)
			}
			ev := e.lastEvent()
			want := strings.NewReplacer("{ada}", strconv.Itoa(ada.ID), "{red}", strconv.Itoa(red.ID)).Replace(tt.summary)
			if ev.Kind != tt.kind || ev.Summary != want || ev.OrganizationID != tt.orgID {
				t.Errorf("event %s %q (organization %d), want %s %q (organization %d)", ev.Kind, ev.Summary, ev.OrganizationID, tt.kind, want, tt.orgID)
			}
			if ev.ActorID != admin.User.ID || ev.ActorEmail != admin.User.Email || ev.ClientAddr != admin.ClientAddr || ev.RequestID != admin.RequestID {
				t.Errorf("event actor %d %s from %s (%s), want the admin's", ev.ActorID, ev.ActorEmail, ev.ClientAddr, ev.RequestID)
			}
		})
	}

	t.Run("command line", func(t *testing.T) {
		if _, err := e.Service.AddUser(e.ctx, accounts.CommandLine(), accounts.NewUser{
			Email: "cli@example.com", Name: "Cli User", Role: "auditor", Password: "plain words make good passwords",
		}); err != nil {
			t.Fatal(err)
		}
		ev := e.lastEvent()
		if ev.ActorID != 0 || ev.ActorEmail != "command line" || ev.RequestID != "cli" || !strings.HasPrefix(ev.Summary, "Created Cli User <cli@example.com>") {
			t.Errorf("event = %+v; want one by the command line", ev)
		}
	})
}

// TestEventsCarryNoControlCharacters: what was typed at a refused sign-in
// is recorded escaped: no NUL, no invalid UTF-8, no direction override in
// the audit log; and bounded.
func TestEventsCarryNoControlCharacters(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ typed, want string }{
		{"ada\x00@example.com", `ada\u0000@example.com`},
		{"ada\xff@example.com", `ada\xFF@example.com`},
		{"\u202Emoc.elpmaxe@ada", `\u202Emoc.elpmaxe@ada`},
		{"ada@example.com\r\nforged: line", `ada@example.com\u000D\u000Aforged: line`},
		{strings.Repeat("a", 2000) + "@example.com", strings.Repeat("a", accounts.MaxEmailLength)},
	}
	for _, tt := range tests {
		a := accounts.Actor{Email: tt.typed, ClientAddr: "192.0.2.1", RequestID: "req-sign-in"}
		if err := e.Service.Record(e.ctx, a, store.AuditSignInFailed, "Sign-in refused: typed "+tt.typed[:min(len(tt.typed), 20)]); err != nil {
			t.Fatal(err)
		}
		ev := e.lastEvent()
		if ev.ActorEmail != tt.want {
			t.Errorf("recorded email %q, want %q", ev.ActorEmail, tt.want)
		}
		for _, s := range []string{ev.ActorEmail, ev.Summary} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\r\n\u202E") {
				t.Errorf("recorded %q carries what was typed raw", s)
			}
		}
	}
	if _, err := e.Store.VerifyAuditChain(e.ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}
