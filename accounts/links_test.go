package accounts_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// linkToken checks that link is the one-time link at path under the
// configured base URL and returns its token.
func linkToken(t *testing.T, link, path string) string {
	t.Helper()
	prefix := testBaseURL + path + "?token="
	if !strings.HasPrefix(link, prefix) {
		t.Fatalf("link %q does not start with %q", link, prefix)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	token := u.Query().Get("token")
	if len(token) < 40 {
		t.Fatalf("token %q is too short", token)
	}
	return token
}

func TestNewServiceRefusesBadBaseURLs(t *testing.T) {
	e := newEnv(t)
	hasher, err := store.NewPasswordHasher(store.DefaultPasswordParams(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"", "desk.example.com", "ftp://desk.example.com", "https://", "https://desk.example.com/?a=b", "https://desk.example.com/#top", "https://user:pw@desk.example.com"} {
		if _, err := accounts.NewService(accounts.Config{Store: e.Store, Passwords: hasher, BaseURL: base}); err == nil {
			t.Errorf("NewService with base URL %q: no error", base)
		}
	}
	if _, err := accounts.NewService(accounts.Config{Store: e.Store, BaseURL: testBaseURL}); err == nil {
		t.Error("NewService without a password hasher: no error")
	}
}

// TestInvitationLink: the link goes to the configured address, works for
// LinkLifetime, once, by the password rules; the user is the actor of its
// event.
func TestInvitationLink(t *testing.T) {
	e := newEnv(t)
	ada, link, err := e.Service.Invite(e.ctx, e.Admin, accounts.Invitation{Name: "Ada Lovelace", Email: "ada@example.com", Role: "editor"})
	if err != nil {
		t.Fatal(err)
	}
	token := linkToken(t, link, accounts.PasswordPath)
	if u, err := e.Service.PasswordLinkUser(e.ctx, token); err != nil || u.ID != ada.ID {
		t.Fatalf("PasswordLinkUser = %+v, %v; want Ada", u, err)
	}
	if _, err := e.Service.PasswordLinkUser(e.ctx, token+"x"); !errors.Is(err, accounts.ErrLinkNotValid) {
		t.Errorf("a wrong token: %v, want ErrLinkNotValid", err)
	}

	anonymous := accounts.Actor{ClientAddr: "198.51.100.4", RequestID: "req-choose"}
	for _, tt := range []struct{ password, field string }{
		{"ada@example.com", "password"},
		{"qwertyuiop123", "password"},
		{"short", "password"},
	} {
		_, err := e.Service.ChoosePassword(e.ctx, anonymous, token, tt.password, tt.password)
		fieldError(t, err, tt.field)
	}
	if _, err := e.Service.ChoosePassword(e.ctx, anonymous, token, "a lantern by the river", "a lantern by the rover"); err == nil {
		t.Error("a confirmation that differs: no error")
	}

	u, err := e.Service.ChoosePassword(e.ctx, anonymous, token, "a lantern by the river", "a lantern by the river")
	if err != nil || !u.HasPassword() {
		t.Fatalf("ChoosePassword = %+v, %v", u, err)
	}
	ev := e.lastEvent()
	if ev.Kind != store.AuditPasswordChanged || ev.ActorID != ada.ID || ev.ActorEmail != "ada@example.com" ||
		ev.ClientAddr != "198.51.100.4" || ev.Summary != "Chose a password through a one-time link" {
		t.Errorf("event = %+v; want password_changed by Ada from her address", ev)
	}
	if _, err := e.Service.ChoosePassword(e.ctx, anonymous, token, "another lantern, another river", "another lantern, another river"); !errors.Is(err, accounts.ErrLinkNotValid) {
		t.Errorf("the link used twice: %v, want ErrLinkNotValid", err)
	}
}

func TestResetLinkExpires(t *testing.T) {
	e := newEnv(t)
	ed := e.user("ed@example.com", "Ed Editor", store.RoleEditor)
	u, link, err := e.Service.ResetPassword(e.ctx, e.Admin, ed.ID)
	if err != nil || u.HasPassword() {
		t.Fatalf("ResetPassword = %+v, %v; want the password removed", u, err)
	}
	token := linkToken(t, link, accounts.PasswordPath)
	e.Clock.Advance(accounts.LinkLifetime + time.Second)
	if _, err := e.Service.PasswordLinkUser(e.ctx, token); !errors.Is(err, accounts.ErrLinkNotValid) {
		t.Errorf("after its lifetime: %v, want ErrLinkNotValid", err)
	}
	if _, err := e.Service.ChoosePassword(e.ctx, accounts.Actor{}, token, "a lantern by the river", "a lantern by the river"); !errors.Is(err, accounts.ErrLinkNotValid) {
		t.Errorf("choose after its lifetime: %v, want ErrLinkNotValid", err)
	}
}

// TestSetupLink: the first administrator is created once, through the
// configured address, by the rules, and is the actor of the event.
func TestSetupLink(t *testing.T) {
	ctx := t.Context()
	e := newEnv(t)
	// newEnv made an admin already; a store of its own has none.
	empty := newEmptyService(t)
	link, err := empty.Service.NewSetupLink(ctx)
	if err != nil {
		t.Fatal(err)
	}
	token := linkToken(t, link, accounts.SetupPath)
	if err := empty.Service.CheckSetupLink(ctx, token); err != nil {
		t.Fatalf("CheckSetupLink = %v", err)
	}
	if err := empty.Service.CheckSetupLink(ctx, "nope"); !errors.Is(err, accounts.ErrLinkNotValid) {
		t.Errorf("a wrong token: %v, want ErrLinkNotValid", err)
	}
	a := accounts.Actor{ClientAddr: "203.0.113.5", RequestID: "req-setup"}
	_, err = empty.Service.CreateFirstAdmin(ctx, a, token, accounts.FirstAdmin{Name: "Root\u202E", Email: "root@example", Password: "root@example", Confirm: "x"})
	for _, field := range []string{"name", "email", "password"} {
		fieldError(t, err, field)
	}
	root, err := empty.Service.CreateFirstAdmin(ctx, a, token, accounts.FirstAdmin{
		Name: "Root Admin", Email: "Root@Example.com", Password: "plain words make good passwords", Confirm: "plain words make good passwords",
	})
	if err != nil || root.Role != store.RoleAdmin || root.Email != "root@example.com" {
		t.Fatalf("CreateFirstAdmin = %+v, %v", root, err)
	}
	ev := empty.lastEvent()
	if ev.Kind != store.AuditUserCreated || ev.ActorID != root.ID || ev.ClientAddr != "203.0.113.5" ||
		ev.Summary != "Created the first admin Root Admin <root@example.com> (user 1) through the setup link" {
		t.Errorf("event = %+v", ev)
	}
	if _, err := empty.Service.CreateFirstAdmin(ctx, a, token, accounts.FirstAdmin{
		Name: "Second", Email: "second@example.com", Password: "plain words make good passwords", Confirm: "plain words make good passwords",
	}); !errors.Is(err, accounts.ErrLinkNotValid) {
		t.Errorf("the setup link used twice: %v, want ErrLinkNotValid", err)
	}
	if link, err := empty.Service.NewSetupLink(ctx); err != nil || link != "" {
		t.Errorf("NewSetupLink once a user exists = %q, %v; want none", link, err)
	}
	if link, err := e.Service.NewSetupLink(ctx); err != nil || link != "" {
		t.Errorf("NewSetupLink with users = %q, %v; want none", link, err)
	}
}
