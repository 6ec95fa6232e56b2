package accounts_test

import (
	"context"
	"crypto/rand"
	"errors"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// testBaseURL is the public URL the tests' service makes links from.
const testBaseURL = "https://desk.example.com/contactdesk"

// env is the accounts service over a real store in a temp file.
type env struct {
	t       *testing.T
	ctx     context.Context
	Store   *store.Store
	Service *accounts.Service
	Clock   *clock
	// Admin is an enabled administrator, signed in through the web.
	Admin accounts.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := newEmptyService(t)
	admin := e.user("root@example.com", "Root Admin", store.RoleAdmin)
	e.Admin = e.web(admin)
	return e
}

// newEmptyService is the service over a store without users.
func newEmptyService(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "cd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	// Cheap parameters keep the tests fast; the store's tests cover the
	// real ones.
	hasher, err := store.NewPasswordHasher(store.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	svc, err := accounts.NewService(accounts.Config{Store: st, Passwords: hasher, BaseURL: testBaseURL + "/", Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, Store: st, Service: svc, Clock: c}
}

// user creates a user with a password, as the command line does.
func (e *env) user(email, name string, role store.Role) store.User {
	e.t.Helper()
	added, err := e.Service.AddUser(e.ctx, accounts.CommandLine(), accounts.NewUser{
		Email: email, Name: name, Role: string(role), Password: "plain words make good passwords",
	})
	if err != nil {
		e.t.Fatalf("add %s: %v", email, err)
	}
	return added.User
}

// web is u acting through the web, from one address.
func (e *env) web(u store.User) accounts.Actor {
	return accounts.Actor{User: &u, ClientAddr: "192.0.2.7", RequestID: "req-" + rand.Text()}
}

// team creates a team.
func (e *env) team(name string) store.Team {
	e.t.Helper()
	t, err := e.Service.CreateTeam(e.ctx, accounts.CommandLine(), name)
	if err != nil {
		e.t.Fatalf("create team %s: %v", name, err)
	}
	return t
}

// lastEvent is the newest security event.
func (e *env) lastEvent() store.AuditEvent {
	e.t.Helper()
	page, err := e.Store.ListSecurityEvents(e.ctx, store.SecurityEventQuery{Limit: 1})
	if err != nil || len(page.Events) == 0 {
		e.t.Fatalf("newest security event: %v (%d events)", err, len(page.Events))
	}
	return page.Events[0]
}

// eventCount is how many events the audit log holds.
func (e *env) eventCount() int {
	e.t.Helper()
	head, err := e.Store.VerifyAuditChain(e.ctx)
	if err != nil {
		e.t.Fatalf("audit chain: %v", err)
	}
	return head.Count
}

// fieldError returns the message on field of a *accounts.ValidationError,
// failing the test when err is not one.
func fieldError(t *testing.T, err error, field string) string {
	t.Helper()
	var invalid *accounts.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("error = %v, want a ValidationError on %s", err, field)
	}
	msg := invalid.Message(field)
	if msg == "" {
		t.Fatalf("error = %v, want a message on %s", err, field)
	}
	return msg
}

// clock is a clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func itoa(n int) string { return strconv.Itoa(n) }
