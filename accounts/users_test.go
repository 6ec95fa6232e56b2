package accounts_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// TestWhoMayChangeWhom: only enabled administrators and the command line
// change users and teams, and an administrator does not change their own
// role, disable themselves or reset their own password.
func TestWhoMayChangeWhom(t *testing.T) {
	e := newEnv(t)
	other := e.user("other@example.com", "Other Admin", store.RoleAdmin)
	editor := e.user("ed@example.com", "Ed Editor", store.RoleEditor)
	auditor := e.user("audit@example.com", "Aud Itor", store.RoleAuditor)
	disabledAdmin := e.user("gone@example.com", "Gone Admin", store.RoleAdmin)
	if _, err := e.Service.Disable(e.ctx, accounts.CommandLine(), disabledAdmin.ID); err != nil {
		t.Fatal(err)
	}
	disabledAdmin.Disabled = true
	red := e.team("Red")
	self := *e.Admin.User
	fresh := 0 // makes the names of new users and teams unique

	ops := []struct {
		name string
		do   func(a accounts.Actor, target int) error
	}{
		{"change role", func(a accounts.Actor, id int) error {
			u, err := e.Store.GetUser(e.ctx, id)
			if err != nil {
				return err
			}
			to := store.RoleAuditor
			if u.Role == to {
				to = store.RoleEditor
			}
			_, err = e.Service.ChangeRole(e.ctx, a, id, u.Role, to)
			return err
		}},
		{"disable", func(a accounts.Actor, id int) error { _, err := e.Service.Disable(e.ctx, a, id); return err }},
		{"enable", func(a accounts.Actor, id int) error { _, err := e.Service.Enable(e.ctx, a, id); return err }},
		{"reset password", func(a accounts.Actor, id int) error { _, _, err := e.Service.ResetPassword(e.ctx, a, id); return err }},
		{"end sessions", func(a accounts.Actor, id int) error { _, err := e.Service.EndSessions(e.ctx, a, id); return err }},
		{"add to a team", func(a accounts.Actor, id int) error { _, err := e.Service.AddMember(e.ctx, a, red.ID, id); return err }},
		{"remove from a team", func(a accounts.Actor, id int) error {
			_, err := e.Service.RemoveMember(e.ctx, a, red.ID, id)
			return err
		}},
		{"invite", func(a accounts.Actor, _ int) error {
			fresh++
			_, _, err := e.Service.Invite(e.ctx, a, accounts.Invitation{Name: "New", Email: "new" + strconv.Itoa(fresh) + "@example.com", Role: "editor"})
			return err
		}},
		{"create a team", func(a accounts.Actor, _ int) error {
			fresh++
			_, err := e.Service.CreateTeam(e.ctx, a, "Team "+strconv.Itoa(fresh))
			return err
		}},
	}
	actors := []struct {
		name string
		a    accounts.Actor
		want error
	}{
		{"editor", e.web(editor), accounts.ErrNotAllowed},
		{"auditor", e.web(auditor), accounts.ErrNotAllowed},
		{"disabled admin", e.web(disabledAdmin), accounts.ErrNotAllowed},
		{"nobody signed in", accounts.Actor{Email: "someone@example.com", ClientAddr: "192.0.2.9"}, accounts.ErrNotAllowed},
		{"another admin", e.web(other), nil},
		{"command line", accounts.CommandLine(), nil},
	}
	for _, op := range ops {
		for _, actor := range actors {
			t.Run(op.name+" by "+actor.name, func(t *testing.T) {
				before := e.eventCount()
				err := op.do(actor.a, editor.ID)
				if !errors.Is(err, actor.want) {
					t.Fatalf("error = %v, want %v", err, actor.want)
				}
				if actor.want != nil && e.eventCount() != before {
					t.Error("a refused change recorded an event")
				}
			})
		}
	}

	for _, tt := range []struct {
		name string
		do   func() error
	}{
		{"own role", func() error {
			_, err := e.Service.ChangeRole(e.ctx, e.Admin, self.ID, store.RoleAdmin, store.RoleEditor)
			return err
		}},
		{"disable oneself", func() error { _, err := e.Service.Disable(e.ctx, e.Admin, self.ID); return err }},
		{"reset own password", func() error { _, _, err := e.Service.ResetPassword(e.ctx, e.Admin, self.ID); return err }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, accounts.ErrOwnAccount) {
				t.Errorf("error = %v, want ErrOwnAccount", err)
			}
		})
	}
	if u, err := e.Store.GetUser(e.ctx, self.ID); err != nil || u.Role != store.RoleAdmin || u.Disabled || !u.HasPassword() {
		t.Errorf("admin after refused changes to their own account = %+v, %v", u, err)
	}
}

// TestLastAdminGuard: no change leaves Contact Desk without an enabled
// administrator, whoever asks.
func TestLastAdminGuard(t *testing.T) {
	e := newEnv(t)
	root := *e.Admin.User
	cli := accounts.CommandLine()
	tests := []struct {
		name string
		do   func() error
	}{
		{"disable from the command line", func() error { _, err := e.Service.Disable(e.ctx, cli, root.ID); return err }},
		{"demote from the command line", func() error {
			_, err := e.Service.ChangeRole(e.ctx, cli, root.ID, store.RoleAdmin, store.RoleEditor)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.eventCount()
			if err := tt.do(); !errors.Is(err, store.ErrLastAdmin) {
				t.Errorf("error = %v, want store.ErrLastAdmin", err)
			}
			if e.eventCount() != before {
				t.Error("a refused change recorded an event")
			}
		})
	}

	second := e.user("second@example.com", "Second Admin", store.RoleAdmin)
	if _, err := e.Service.ChangeRole(e.ctx, e.web(second), root.ID, store.RoleAdmin, store.RoleEditor); err != nil {
		t.Fatalf("demote one of two admins: %v", err)
	}
	if _, err := e.Service.Disable(e.ctx, cli, second.ID); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("disable the admin left: %v, want store.ErrLastAdmin", err)
	}
	// A role change asked from a role the user no longer has is refused:
	// the event would name a role they did not have.
	if _, err := e.Service.ChangeRole(e.ctx, e.web(second), root.ID, store.RoleAdmin, store.RoleAuditor); !errors.Is(err, store.ErrRoleChanged) {
		t.Errorf("change from a stale role: %v, want store.ErrRoleChanged", err)
	}
	// The role held already: nothing changes, nothing is recorded.
	before := e.eventCount()
	if u, err := e.Service.ChangeRole(e.ctx, e.web(second), root.ID, store.RoleEditor, store.RoleEditor); err != nil || u.Role != store.RoleEditor {
		t.Errorf("same role: %+v, %v", u, err)
	}
	if e.eventCount() != before {
		t.Error("a change to the same role recorded an event")
	}
}

// TestAddUser: the command line's add checks every value before anything
// is created, then creates the team when no team has the name.
func TestAddUser(t *testing.T) {
	e := newEnv(t)
	cli := accounts.CommandLine()
	_, err := e.Service.AddUser(e.ctx, cli, accounts.NewUser{Email: "bad", Name: "\x00", Role: "root", Password: "bad@email", Team: "Red\u202E"})
	for _, field := range []string{"email", "name", "role", "password", "team_name"} {
		fieldError(t, err, field)
	}
	if _, err := e.Service.AddUser(e.ctx, cli, accounts.NewUser{Email: "ed@example.com", Name: "Ed", Role: "editor", Password: "password2024!"}); fieldError(t, err, "password") != accounts.TooCommonMessage {
		t.Errorf("a common password: %v", err)
	}

	added, err := e.Service.AddUser(e.ctx, cli, accounts.NewUser{Email: "Ed@Example.com", Name: "Ed", Role: "editor", Password: "plain words make good passwords", Team: " Red "})
	if err != nil || added.User.Email != "ed@example.com" || added.Team == nil || added.Team.Name != "Red" || !added.TeamCreated {
		t.Fatalf("AddUser = %+v, %v; want Ed in a new team Red", added, err)
	}
	added, err = e.Service.AddUser(e.ctx, cli, accounts.NewUser{Email: "eve@example.com", Name: "Eve", Role: "editor", Password: "plain words make good passwords", Team: "RED"})
	if err != nil || added.Team == nil || added.Team.Name != "Red" || added.TeamCreated {
		t.Fatalf("AddUser into an existing team = %+v, %v; want Eve in Red", added, err)
	}
	if members, err := e.Store.TeamMembers(e.ctx, added.Team.ID); err != nil || len(members) != 2 {
		t.Errorf("members of Red = %v, %v; want Ed and Eve", members, err)
	}
	if _, err := e.Service.AddUser(e.ctx, cli, accounts.NewUser{Email: "EVE@example.com", Name: "Eve", Role: "editor", Password: "plain words make good passwords"}); fieldError(t, err, "email") != "A user with this email address already exists" {
		t.Errorf("a taken email: %v", err)
	}
}
