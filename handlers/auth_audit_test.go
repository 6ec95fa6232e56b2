package handlers

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/metrics"
	"github.com/contactdesk/contactdesk/store"
)

// TestSecurityChangeCountedOnceCommitted checks that a change's event is
// counted and logged after its change commits, once, and only then: not
// for a change that changed nothing, nor for one undone after its event
// was made.
func TestSecurityChangeCountedOnceCommitted(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	var logs bytes.Buffer
	meters := metrics.New(metrics.Options{})
	passwords, err := store.NewPasswordHasher(store.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	users, err := accounts.NewService(accounts.Config{
		Store: st, Passwords: passwords, BaseURL: "http://127.0.0.1:8080", Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		OnAuditEvent: func(k store.AuditKind) { meters.AuditEvent(string(k)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{Config: Config{Store: st, Accounts: users, Metrics: meters, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/teams", nil).WithContext(ctx), httptest.NewRecorder())
	teamEvent := func(summary string) *securityChange[store.Team] {
		return newSecurityChange(s, c, func(store.Team) securityEvent {
			return securityEvent{kind: store.AuditTeamChanged, summary: summary}
		})
	}
	counted := func() string {
		t.Helper()
		rec := httptest.NewRecorder()
		s.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body, err := io.ReadAll(rec.Body)
		if err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(string(body), "\n") {
			if strings.HasPrefix(line, `contactdesk_audit_events_total{kind="team_changed"}`) {
				return line
			}
		}
		return "none"
	}

	created := teamEvent("Created team Red")
	team, err := st.CreateTeam(ctx, "Red", created.event)
	if err != nil {
		t.Fatal(err)
	}
	if got := counted(); got != "none" || logs.Len() != 0 {
		t.Errorf("before committed: counted %q, logged %q; want nothing yet", got, logs.String())
	}
	created.finish(err)
	if got := counted(); !strings.HasSuffix(got, " 1") || !strings.Contains(logs.String(), `summary="Created team Red"`) {
		t.Errorf("after committed: counted %q, logged %q; want one event", got, logs.String())
	}
	created.finish(nil)

	user, err := st.CreateUser(ctx, store.NewUser{Email: "ed@example.com", Name: "Ed", Role: store.RoleEditor, TeamID: team.ID},
		newSecurityChange(s, c, func(store.User) securityEvent {
			return securityEvent{kind: store.AuditUserCreated, summary: "Created Ed"}
		}).event)
	if err != nil {
		t.Fatal(err)
	}
	again := teamEvent("Added Ed again")
	changed, err := st.AddTeamMember(ctx, team.ID, user.ID, again.event)
	if err != nil || changed {
		t.Fatalf("AddTeamMember of a member = %t, %v", changed, err)
	}
	again.finish(err)
	undone := newSecurityChange(s, c, func(store.Team) securityEvent {
		cancel() // the request ends while the change is written
		return securityEvent{kind: store.AuditTeamChanged, summary: "Created team Blue"}
	})
	_, err = st.CreateTeam(ctx, "Blue", undone.event)
	if err == nil {
		t.Fatal("CreateTeam succeeded after its request ended")
	}
	if undone.made == nil {
		t.Fatal("the undone change made no event: the case is not tested")
	}
	undone.finish(err)
	if got := counted(); !strings.HasSuffix(got, " 1") || strings.Count(logs.String(), "security event") != 1 {
		t.Errorf("after changes that recorded nothing: counted %q, logged %q; want the first event only", got, logs.String())
	}
}
