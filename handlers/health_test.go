package handlers_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/contactdesk/contactdesk/handlers"
)

// TestReadyzReportsTheDatabase reads /readyz as a load balancer and an
// operator do: the database's engine and whether it answers, the
// instance's name and whether it leads; 503 once the database is gone.
func TestReadyzReportsTheDatabase(t *testing.T) {
	var leading atomic.Bool
	leading.Store(true)
	app := startTestApp(t, func(_ string, cfg *handlers.Config) {
		cfg.Instance = "web-1"
		cfg.Leading = leading.Load
	})
	r := app.get("/readyz")
	if want := "ok\ndatabase: SQLite, reachable\ninstance: web-1\nleader: yes\n"; r.Status != http.StatusOK || r.Body != want {
		t.Errorf("/readyz = %d %q, want 200 %q", r.Status, r.Body, want)
	}
	leading.Store(false)
	if r := app.get("/readyz"); !strings.Contains(r.Body, "\nleader: no\n") {
		t.Errorf("/readyz of an instance that does not lead = %q", r.Body)
	}
	if err := app.Store.Close(); err != nil {
		t.Fatal(err)
	}
	r = app.get("/readyz")
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "database: SQLite, not reachable\n") {
		t.Errorf("/readyz with the database closed = %d %q, want 503 saying SQLite is not reachable", r.Status, r.Body)
	}
}
