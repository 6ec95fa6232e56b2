package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/contactdesk/contactdesk/migrations"
)

// signIn stores a session of the user (0: a pre-session) that lasts an
// hour from now and returns its token.
func signIn(t *testing.T, s *Store, userID int, now time.Time) string {
	t.Helper()
	token, _, err := s.CreateSession(context.Background(), NewSession{UserID: userID, Now: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return token
}

func TestSessionLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	u := createTestUser(t, s, "ed@example.com", RoleEditor)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	pre, preSession, err := s.CreateSession(ctx, NewSession{Now: now, ExpiresAt: now.Add(time.Hour), UserAgent: "Browser/1", ClientAddr: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	token, created, err := s.CreateSession(ctx, NewSession{
		UserID: u.ID, Now: now, ExpiresAt: now.Add(12 * time.Hour), Replaces: preSession.ID,
		ClientAddr: "192.0.2.1", UserAgent: strings.Repeat("é", MaxUserAgentLength+10), Data: `{"x":1}`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 || token == pre || len(created.CSRFToken) != 43 || created.CSRFToken == preSession.CSRFToken {
		t.Errorf("token %q, CSRF token %q: want 256-bit tokens, new ones at sign-in", token, created.CSRFToken)
	}
	if _, err := s.SessionByToken(ctx, pre); !errors.Is(err, ErrNotFound) {
		t.Errorf("the replaced pre-session: %v, want ErrNotFound", err)
	}
	got, err := s.SessionByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	want := Session{
		ID: created.ID, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(12 * time.Hour),
		ClientAddr: "192.0.2.1", UserAgent: strings.Repeat("é", MaxUserAgentLength), CSRFToken: created.CSRFToken, Data: `{"x":1}`,
	}
	if got != want || created != want {
		t.Errorf("SessionByToken = %+v\ncreated %+v\nwant %+v", got, created, want)
	}
	for _, wrong := range []string{"", token[1:], strings.ToUpper(token)} {
		if _, err := s.SessionByToken(ctx, wrong); !errors.Is(err, ErrNotFound) {
			t.Errorf("SessionByToken(%q) error = %v, want ErrNotFound", wrong, err)
		}
	}

	later := now.Add(5 * time.Minute)
	if err := s.TouchSession(ctx, got.ID, later, "198.51.100.7"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSessionData(ctx, got.ID, `{"x":2}`); err != nil {
		t.Fatal(err)
	}
	got, err = s.SessionByToken(ctx, token)
	if err != nil || !got.LastSeenAt.Equal(later) || got.ClientAddr != "198.51.100.7" || got.Data != `{"x":2}` || !got.CreatedAt.Equal(now) {
		t.Errorf("after touch and data: %+v, %v", got, err)
	}
	list, err := s.UserSessions(ctx, u.ID, now)
	if err != nil || len(list) != 1 || list[0] != got {
		t.Errorf("UserSessions = %+v, %v; want the one session", list, err)
	}
	if list, err := s.UserSessions(ctx, u.ID, now.Add(12*time.Hour)); err != nil || len(list) != 0 {
		t.Errorf("UserSessions at the session's end = %+v, %v; want none", list, err)
	}

	if err := s.DeleteSession(ctx, got.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionByToken(ctx, token); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted session: %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, got.ID); err != nil {
		t.Errorf("deleting it again: %v, want nil", err)
	}
}

// TestSessionTokensAreNotStored: the table holds the token's SHA-256 and
// nothing from which the token can be had.
func TestSessionTokensAreNotStored(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	u := createTestUser(t, s, "ed@example.com", RoleEditor)
	token := signIn(t, s, u.ID, time.Now())

	var (
		hash string
		row  []string
	)
	sum := sha256.Sum256([]byte(token))
	err := s.reader.QueryRowContext(ctx, `SELECT token_hash, `+sessionColumns+` FROM sessions`).Scan(
		&hash, new(int64), new(int64), new(string), new(string), new(string), new(string), new(string), new(string), new(string))
	if err != nil {
		t.Fatal(err)
	}
	if hash != hex.EncodeToString(sum[:]) {
		t.Errorf("token_hash = %q, want the token's SHA-256", hash)
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT * FROM sessions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		values := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range values {
			dest[i] = &values[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		for i, v := range values {
			row = append(row, cols[i]+"="+v.String)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if joined := strings.Join(row, " "); strings.Contains(joined, token) {
		t.Errorf("the session row holds the token: %s", joined)
	}
}

func TestEndSessions(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	ed := createTestUser(t, s, "ed@example.com", RoleEditor)
	ann := createTestUser(t, s, "ann@example.com", RoleEditor)
	now := time.Now()
	edTokens := []string{signIn(t, s, ed.ID, now), signIn(t, s, ed.ID, now), signIn(t, s, ed.ID, now)}
	annToken := signIn(t, s, ann.ID, now)
	preToken := signIn(t, s, 0, now)
	sessionOf := func(token string) Session {
		t.Helper()
		sess, err := s.SessionByToken(ctx, token)
		if err != nil {
			t.Fatalf("session: %v", err)
		}
		return sess
	}
	annSession, kept := sessionOf(annToken), sessionOf(edTokens[0])
	events := 0
	countEvent := func(kind AuditKind) EventFor[int] {
		return func(n int) (AuditEvent, error) {
			events++
			return AuditEvent{SubmissionID: "test", Kind: kind, Summary: fmt.Sprint(n)}, nil
		}
	}

	// One session, only the user's own.
	if _, err := s.EndSession(ctx, ed.ID, annSession.ID, testEvent[Session](AuditSignedOut)); !errors.Is(err, ErrNotFound) {
		t.Errorf("ending another user's session: %v, want ErrNotFound", err)
	}
	ended, err := s.EndSession(ctx, ed.ID, sessionOf(edTokens[2]).ID, testEvent[Session](AuditSignedOut))
	if err != nil || ended.UserID != ed.ID {
		t.Fatalf("EndSession = %+v, %v", ended, err)
	}
	if e := newestEvent(t, s); e.Kind != AuditSignedOut || !strings.Contains(e.Summary, fmt.Sprintf("ID:%d", ended.ID)) {
		t.Errorf("event of EndSession: %+v, want the ended session's", e)
	}

	// The others, keeping one.
	n, err := s.EndOtherSessions(ctx, ed.ID, kept.ID, countEvent(AuditSignedOut))
	if err != nil || n != 1 || events != 1 {
		t.Fatalf("EndOtherSessions = %d, %v (%d events); want 1 and its event", n, err, events)
	}
	if n, err := s.EndOtherSessions(ctx, ed.ID, kept.ID, countEvent(AuditSignedOut)); err != nil || n != 0 || events != 1 {
		t.Errorf("EndOtherSessions again = %d, %v (%d events); want 0 and no event", n, err, events)
	}
	if list, err := s.UserSessions(ctx, ed.ID, now); err != nil || len(list) != 1 || list[0].ID != kept.ID {
		t.Errorf("left: %+v, %v; want the kept session", list, err)
	}

	// Everyone's, leaving pre-sessions.
	if n, err := s.EndAllSessions(ctx, countEvent(AuditSignedOut)); err != nil || n != 2 || events != 2 {
		t.Errorf("EndAllSessions = %d, %v (%d events); want 2 and an event", n, err, events)
	}
	for _, token := range []string{edTokens[0], annToken} {
		if _, err := s.SessionByToken(ctx, token); !errors.Is(err, ErrNotFound) {
			t.Errorf("a session after EndAllSessions: %v, want ErrNotFound", err)
		}
	}
	sessionOf(preToken)

	// A refused event keeps the sessions.
	token := signIn(t, s, ed.ID, now)
	refuse := func(int) (AuditEvent, error) { return AuditEvent{}, errors.New("refused") }
	if _, err := s.EndOtherSessions(ctx, ed.ID, 0, refuse); err == nil {
		t.Error("EndOtherSessions with a refused event succeeded")
	}
	sessionOf(token)
}

func TestPurgeSessions(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	u := createTestUser(t, s, "ed@example.com", RoleEditor)
	now := time.Now()
	old := signIn(t, s, u.ID, now.Add(-2*time.Hour))
	pre := signIn(t, s, 0, now.Add(-time.Hour))
	live := signIn(t, s, u.ID, now.Add(-30*time.Minute))

	n, err := s.PurgeSessions(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("PurgeSessions = %d, %v; want 2", n, err)
	}
	for _, token := range []string{old, pre} {
		if _, err := s.SessionByToken(ctx, token); !errors.Is(err, ErrNotFound) {
			t.Errorf("an ended session after the purge: %v, want ErrNotFound", err)
		}
	}
	if _, err := s.SessionByToken(ctx, live); err != nil {
		t.Errorf("a live session after the purge: %v", err)
	}
}

// TestSessionsMigration upgrades a database of the schema before sessions
// were kept on the server: the stored cookie keys go, users stay.
func TestSessionsMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "contactdesk.db")
	db, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 6); err != nil {
		t.Fatal(err)
	}
	at := formatTime(time.Now())
	for _, stmt := range []string{
		`INSERT INTO users (email, name, role, password_hash, session_version, created_at, updated_at)
		 VALUES ('ed@example.com', 'Ed', 'editor', '$argon2id$ed', 3, '` + at + `', '` + at + `')`,
		`INSERT INTO settings (key, value, updated_at) VALUES
		 ('session_auth_key', x'01', '` + at + `'), ('session_encryption_key', x'02', '` + at + `'),
		 ('session_auth_key_previous', x'03', '` + at + `'), ('session_encryption_key_previous', x'04', '` + at + `'),
		 ('setup_token_hash', x'05', '` + at + `')`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var keys []string
	rows, err := s.reader.QueryContext(ctx, `SELECT key FROM settings ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "setup_token_hash" {
		t.Errorf("settings after the migration: %q, want only setup_token_hash", keys)
	}
	u, err := s.UserByEmail(ctx, "ed@example.com")
	if err != nil || u.Name != "Ed" || u.PasswordHash != "$argon2id$ed" {
		t.Errorf("user after the migration: %+v, %v", u, err)
	}
	if token := signIn(t, s, u.ID, time.Now()); token == "" {
		t.Error("no session after the migration")
	}
}
