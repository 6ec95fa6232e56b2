package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/internal/pgtest"
	"github.com/contactdesk/contactdesk/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestMigrateCopiesIntoPostgres copies a SQLite database with a user into
// an empty PostgreSQL database, then refuses to copy into it again.
func TestMigrateCopiesIntoPostgres(t *testing.T) {
	ctx := context.Background()
	target := pgtest.Database(t)
	from := filepath.Join(t.TempDir(), "cd.db")
	st, err := store.Open(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	event := func(u store.User) (store.AuditEvent, error) {
		return store.AuditEvent{SubmissionID: "user-" + u.Email, Kind: store.AuditUserCreated, Summary: "created"}, nil
	}
	if _, err := st.CreateUser(ctx, store.NewUser{Email: "ada@example.com", Name: "Ada", Role: store.RoleAdmin}, event); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	migrate := func() (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(ctx, []string{"migrate", "--from", from, "--to", target},
			envMap(map[string]string{"CONTACTDESK_DB": filepath.Join(t.TempDir(), "unused.db")}), nil, &stdout, &stderr)
		return stdout.String(), err
	}
	out, err := migrate()
	if err != nil {
		t.Fatalf("migrate --from --to: %v", err)
	}
	if !strings.Contains(out, "The audit log verifies on both sides: 1 events") {
		t.Errorf("migrate printed %q, want the verified audit log's size", out)
	}
	copied, err := store.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	u, err := copied.UserByEmail(ctx, "ada@example.com")
	if err != nil || u.Role != store.RoleAdmin {
		t.Errorf("UserByEmail on the copy = %+v, %v; want Ada, admin", u, err)
	}
	if err := copied.Close(); err != nil {
		t.Fatal(err)
	}

	if _, err := migrate(); err == nil || !strings.Contains(err.Error(), "--to: the database holds data already") {
		t.Errorf("a second migrate into the same database: error = %v, want --to refused as not empty", err)
	}
}

func TestMigrateCopyNeedsBothEnds(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"migrate", "--from", filepath.Join(t.TempDir(), "missing.db"), "--to", "postgres://nowhere/db"},
		envMap(map[string]string{"CONTACTDESK_DB": filepath.Join(t.TempDir(), "cd.db")}), nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--from: cannot read the database") {
		t.Errorf("migrate from a missing file: error = %v, want --from refused", err)
	}
	err = run(context.Background(), []string{"migrate", "--to", "postgres://nowhere/db"},
		envMap(map[string]string{"CONTACTDESK_DB": filepath.Join(t.TempDir(), "cd.db")}), nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--from and --to go together") {
		t.Errorf("migrate --to alone: error = %v, want a usage error", err)
	}
}

// TestMigrateOnPostgres applies the migrations to a database named by
// URL: no folder is made for it, and the checkpoint key's default file is
// not beside it.
func TestMigrateOnPostgres(t *testing.T) {
	url := pgtest.Database(t)
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, envMap(map[string]string{"CONTACTDESK_DB": url}), nil, &stdout, &stderr); err != nil {
		t.Fatalf("migrate: %v (stderr %s)", err, stderr.String())
	}
	if _, err := os.Stat("postgres:"); err == nil {
		t.Errorf("migrate made a folder postgres: for the URL")
	}
	if got, want := (config{DB: url}).auditKeyFile(), filepath.Join("data", auditlog.KeyFileName); got != want {
		t.Errorf("auditKeyFile with a database URL = %q, want %q", got, want)
	}
}

// TestServeOnPostgres starts the portal on a PostgreSQL database: it
// migrates, answers its health and readiness checks, and serves the setup
// page its first start links to.
func TestServeOnPostgres(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	if _, _, err := auditlog.LoadOrCreateKey(keyFile, "contactdesk.test/audit"); err != nil {
		t.Fatal(err)
	}
	base, setupLink, _ := startServeWith(t, map[string]string{
		"CONTACTDESK_DB":             pgtest.Database(t),
		"CONTACTDESK_AUDIT_KEY_FILE": keyFile,
	})
	client := &http.Client{Timeout: 10 * time.Second}
	for _, url := range []string{base + "/healthz", base + "/readyz", setupLink} {
		if status, body := get(t, client, url); status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200; body %.200s", url, status, body)
		}
	}
}
