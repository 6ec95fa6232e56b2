package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

func TestSessionsEnd(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cd.db")
	env := map[string]string{"CONTACTDESK_DB": db}
	st := openCLIStore(t, db)
	event := func(store.User) (store.AuditEvent, error) {
		return store.AuditEvent{SubmissionID: "fixture", Kind: store.AuditUserCreated, ActorEmail: "test", Summary: "fixture"}, nil
	}
	var users []store.User
	for _, email := range []string{"ed@example.com", "ann@example.com"} {
		u, err := st.CreateUser(ctx, store.NewUser{Email: email, Name: email, Role: store.RoleEditor, PasswordHash: "$argon2id$x"}, event)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	now := time.Now()
	session := func(userID int) string {
		t.Helper()
		token, _, err := st.CreateSession(ctx, store.NewSession{UserID: userID, Now: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	ed := []string{session(users[0].ID), session(users[0].ID)}
	ann := session(users[1].ID)
	pre := session(0)
	alive := func(token string) bool {
		t.Helper()
		_, err := st.SessionByToken(ctx, token)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"neither", []string{"sessions", "end"}, 2, "either --email or --all"},
		{"both", []string{"sessions", "end", "--all", "--email", "ed@example.com"}, 2, "either --email or --all"},
		{"unknown command", []string{"sessions", "rotate-keys"}, 2, `unknown command "rotate-keys"`},
		{"unknown user", []string{"sessions", "end", "--email", "nobody@example.com"}, 1, "no user has the email"},
	} {
		if code, _, stderr := runUserCLI(t, env, "", tt.args...); code != tt.code || !strings.Contains(stderr, tt.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.name, code, stderr, tt.code, tt.stderr)
		}
	}
	if !alive(ed[0]) || !alive(ed[1]) || !alive(ann) {
		t.Fatal("a refused command ended sessions")
	}

	code, stdout, stderr := runUserCLI(t, env, "", "sessions", "end", "--email", "ED@example.com")
	if code != 0 || stdout != "Ended 2 sessions of ed@example.com.\n" {
		t.Fatalf("sessions end --email: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if alive(ed[0]) || alive(ed[1]) || !alive(ann) {
		t.Errorf("after ending ed's sessions: ed's alive %v %v, ann's %v; want only ann's", alive(ed[0]), alive(ed[1]), alive(ann))
	}

	code, stdout, stderr = runUserCLI(t, env, "", "sessions", "end", "--all")
	if code != 0 || stdout != "Ended 1 session.\n" {
		t.Fatalf("sessions end --all: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if alive(ann) || !alive(pre) {
		t.Errorf("after --all: ann's alive %v, the pre-session %v; want only the pre-session", alive(ann), alive(pre))
	}
	page, err := st.ListSecurityEvents(ctx, store.SecurityEventQuery{Kind: store.AuditSignedOut})
	if err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for _, e := range page.Events {
		summaries = append(summaries, e.Summary)
	}
	want := []string{
		"Ended every user's sessions (1)",
		"Ended the sessions of ed@example.com <ed@example.com> (user 1) (2)",
	}
	if strings.Join(summaries, "\n") != strings.Join(want, "\n") {
		t.Errorf("recorded events:\n%s\nwant:\n%s", strings.Join(summaries, "\n"), strings.Join(want, "\n"))
	}
	if result, err := st.VerifyAuditChain(ctx); err != nil {
		t.Errorf("audit chain after ending sessions: %+v, %v", result, err)
	}

	if code, stdout, _ := runUserCLI(t, env, "", "sessions", "end", "--all"); code != 0 || stdout != "Ended 0 sessions.\n" {
		t.Errorf("sessions end --all with none left: exit %d, stdout %q", code, stdout)
	}
}

// TestServedDatabaseMintsNoCookie: the database of a running portal with
// a signed-in admin holds no key that signs a cookie (the portal used to
// keep its cookie keys in settings) and no session token, only its
// SHA-256.
func TestServedDatabaseMintsNoCookie(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cd.db")
	base, setupLink := startServeOn(t, db)
	client := setUpFirstAdmin(t, setupLink)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	var token string
	for _, c := range client.Jar.Cookies(u) {
		if c.Name == "contactdesk_session" {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("no session cookie after setting up the first admin")
	}

	st := openCLIStore(t, db)
	for _, key := range []string{"session_auth_key", "session_encryption_key", "session_auth_key_previous", "session_encryption_key_previous"} {
		if _, err := st.GetSetting(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("settings %q: %v, want ErrNotFound", key, err)
		}
	}
	sess, err := st.SessionByToken(ctx, token)
	if err != nil || sess.UserID == 0 {
		t.Fatalf("the admin's session: %+v, %v", sess, err)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(db + "-wal")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(token)) || bytes.Contains(wal, []byte(token)) {
		t.Error("the database file holds the session token")
	}
}

// TestPurgeSessions: the portal's purge deletes the sessions past their
// end when it starts, and leaves the others.
func TestPurgeSessions(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	st := openCLIStore(t, filepath.Join(t.TempDir(), "cd.db"))
	now := time.Now()
	ended, _, err := st.CreateSession(ctx, store.NewSession{Now: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	live, _, err := st.CreateSession(ctx, store.NewSession{Now: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		purgeSessions(ctx, st, time.Hour, slog.New(slog.NewTextHandler(&logs, nil)))
	}()
	// The first purge runs at once; wait for it, then stop the loop.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "purged ended sessions"); {
		if time.Now().After(deadline) {
			t.Fatalf("no purge logged: %q", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if !strings.Contains(logs.String(), "sessions=1") {
		t.Errorf("log %q, want the purge of one session", logs.String())
	}
	if _, err := st.SessionByToken(context.Background(), ended); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the ended session after the purge: %v, want ErrNotFound", err)
	}
	if _, err := st.SessionByToken(context.Background(), live); err != nil {
		t.Errorf("the live session after the purge: %v", err)
	}
}
