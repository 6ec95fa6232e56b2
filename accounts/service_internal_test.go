package accounts

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

// TestChangeCountedOnceCommitted checks that a change's event is counted
// and logged after its change commits, once, and only then: not for a
// change that changed nothing, nor for one undone after its event was
// made.
func TestChangeCountedOnceCommitted(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	hasher, err := store.NewPasswordHasher(store.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	counted := map[store.AuditKind]int{}
	s, err := NewService(Config{
		Store: st, Passwords: hasher, BaseURL: "http://localhost:8080",
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
		OnAuditEvent: func(k store.AuditKind) { counted[k]++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a := CommandLine()

	created := newChange(s, a, store.AuditTeamChanged, func(store.Team) string { return "Created team Red" })
	team, err := st.CreateTeam(ctx, "Red", created.event)
	if err != nil {
		t.Fatal(err)
	}
	if counted[store.AuditTeamChanged] != 0 || logs.Len() != 0 {
		t.Errorf("before done: counted %v, logged %q; want nothing yet", counted, logs.String())
	}
	created.done(ctx, err)
	if counted[store.AuditTeamChanged] != 1 || !strings.Contains(logs.String(), `summary="Created team Red"`) {
		t.Errorf("after done: counted %v, logged %q; want one event", counted, logs.String())
	}
	created.done(ctx, nil)

	ed, err := s.AddUser(ctx, a, NewUser{Email: "ed@example.com", Name: "Ed", Role: "editor", Password: "plain words make good passwords", Team: "Red"})
	if err != nil {
		t.Fatal(err)
	}
	if counted[store.AuditTeamChanged] != 2 || counted[store.AuditUserCreated] != 1 {
		t.Fatalf("after adding Ed to Red: counted %v", counted)
	}
	if added, err := s.AddMember(ctx, a, team.ID, ed.User.ID); err != nil || added {
		t.Fatalf("AddMember of a member = %t, %v", added, err)
	}
	undone := newChange(s, a, store.AuditTeamChanged, func(store.Team) string {
		cancel() // the request ends while the change is written
		return "Created team Blue"
	})
	_, err = st.CreateTeam(ctx, "Blue", undone.event)
	if err == nil {
		t.Fatal("CreateTeam succeeded after its request ended")
	}
	if undone.made == nil {
		t.Fatal("the undone change made no event: the case is not tested")
	}
	undone.done(ctx, err)
	if counted[store.AuditTeamChanged] != 2 || strings.Count(logs.String(), "security event") != 3 {
		t.Errorf("after changes that recorded nothing: counted %v, logged %q; want the three earlier events", counted, logs.String())
	}
}
