package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// seedAuditDB writes a database with n submissions (requested then
// responded) and returns its path.
func seedAuditDB(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cd.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		e := store.AuditEvent{
			SubmissionID: fmt.Sprintf("sub-%d", i), Kind: store.AuditRequested,
			OccurredAt: start.Add(time.Duration(i) * time.Hour), ActorID: 1, ActorEmail: fmt.Sprintf("user%d@example.com", i%2),
			OrganizationID: 100 + i%3, OrganizationName: fmt.Sprintf("Org %d", i%3),
			RequestBody: `{"contacts":[]}`, Summary: "=1+1",
		}
		if _, err := st.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
		e.Kind, e.Status, e.Duration, e.RequestBody = store.AuditResponded, 204, time.Second, ""
		if _, err := st.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCLI(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := envMap(map[string]string{"CONTACTDESK_DB": db})
	err := run(context.Background(), args, env, strings.NewReader(""), &out, &errOut)
	code = exitCode(err, &errOut)
	return code, out.String(), errOut.String()
}

// copyFile copies a closed database, so that tampering leaves the
// original intact.
func copyFile(t *testing.T, from string) string {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return to
}

// tamper runs SQL on a database with the append-only triggers dropped.
func tamper(t *testing.T, path string, statements ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all := append([]string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"}, statements...)
	for _, s := range all {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestAuditVerify(t *testing.T) {
	db := seedAuditDB(t, 5)
	code, stdout, stderr := runCLI(t, db, "audit", "verify")
	if code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "intact: 10 events") || !strings.Contains(stdout, "Head: event 10, hash ") {
		t.Errorf("stdout = %q, want the count and the head", stdout)
	}

	tests := []struct {
		name  string
		sql   []string
		event string
	}{
		{"edited summary", []string{"UPDATE audit_events SET summary = 'nothing' WHERE id = 4"}, "event 4:"},
		{"edited status", []string{"UPDATE audit_events SET status = 500 WHERE id = 6"}, "event 6:"},
		{"edited hash too", []string{"UPDATE audit_events SET actor_email = 'x', hash = '" + strings.Repeat("a", 64) + "' WHERE id = 3"}, "event 3:"},
		{"deleted event", []string{"DELETE FROM audit_events WHERE id = 7"}, "event 8:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := copyFile(t, db)
			tamper(t, bad, tt.sql...)
			code, _, stderr := runCLI(t, bad, "audit", "verify")
			if code != 1 {
				t.Fatalf("exit code = %d, want 1", code)
			}
			if !strings.Contains(stderr, "NOT intact") || !strings.Contains(stderr, tt.event) {
				t.Errorf("stderr = %q, want it to name %s", stderr, tt.event)
			}
		})
	}
	if code, _, _ := runCLI(t, db, "audit", "verify"); code != 0 {
		t.Errorf("original after tampering with copies: exit code %d, want 0", code)
	}
}

func TestAuditExport(t *testing.T) {
	db := seedAuditDB(t, 6)
	code, stdout, stderr := runCLI(t, db, "audit", "export", "--format", "json", "--organization", "101")
	if code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr %s", code, stderr)
	}
	var kinds []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var e struct {
			SubmissionID   string `json:"submission_id"`
			Kind           string `json:"kind"`
			OrganizationID int    `json:"organization_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if e.OrganizationID != 101 {
			t.Errorf("event of organization %d, want only 101", e.OrganizationID)
		}
		kinds = append(kinds, e.SubmissionID+"/"+e.Kind)
	}
	want := []string{"sub-1/requested", "sub-1/responded", "sub-4/requested", "sub-4/responded"}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Errorf("exported %v, want %v", kinds, want)
	}
	if !strings.Contains(stderr, "Exported 4 events") {
		t.Errorf("stderr = %q, want the count", stderr)
	}

	code, stdout, _ = runCLI(t, db, "audit", "export", "--user", "user0", "--from", "2026-03-01", "--to", "2026-03-01")
	if code != 0 {
		t.Fatalf("CSV exit code = %d, want 0", code)
	}
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 7 || records[0][0] != "id" {
		t.Fatalf("got %d CSV records, want a header and 6 events", len(records))
	}
	if got := records[1][18]; got != "'=1+1" {
		t.Errorf("summary cell = %q, want the formula neutralised", got)
	}
}

func TestAuditCommandUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cd.db")
	tests := [][]string{
		{"audit"},
		{"audit", "shred"},
		{"audit", "export", "--format", "xml"},
		{"audit", "export", "--outcome", "exploded"},
		{"audit", "export", "--from", "2026-03-02", "--to", "2026-03-01"},
		{"audit", "verify", "extra"},
	}
	for _, args := range tests {
		code, _, stderr := runCLI(t, db, args...)
		if code != 2 {
			t.Errorf("%v: exit code %d, want 2; stderr %s", args, code, stderr)
		}
	}
	code, stdout, _ := runCLI(t, db, "audit", "export", "--help")
	if code != 0 || !strings.Contains(stdout, "-outcome") {
		t.Errorf("export --help: exit code %d, stdout %q", code, stdout)
	}
}

func TestServeLogsAuditHead(t *testing.T) {
	db := seedAuditDB(t, 1)
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	var buf bytes.Buffer
	if err := logAuditHead(context.Background(), st, newLogger("text", &buf)); err != nil {
		t.Fatal(err)
	}
	head, err := st.AuditChainHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if line := buf.String(); !strings.Contains(line, "events=2") || !strings.Contains(line, "last_hash="+head.LastHash) {
		t.Errorf("log = %q, want the count and hash %s", line, head.LastHash)
	}
}
