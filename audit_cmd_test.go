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

	"github.com/contactdesk/contactdesk/auditlog"
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
	// The key the portal makes at its first start.
	if _, _, err := auditlog.LoadOrCreateKey(auditlog.DefaultKeyFile(path), "test.example/contactdesk-audit"); err != nil {
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
		if strings.HasPrefix(sc.Text(), `{"checkpoint":"test.example/contactdesk-audit\n12\n`) {
			continue
		}
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
	if len(records) != 8 || records[0][0] != "id" || records[7][0] != "checkpoint" {
		t.Fatalf("got %d CSV records, want a header, 6 events and the checkpoint", len(records))
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

// TestAuditCheckpointCommands goes through what an auditor does from
// outside: take the public key and a checkpoint, check the log against it
// later, prove a submission and check the proof, check an export.
func TestAuditCheckpointCommands(t *testing.T) {
	db := seedAuditDB(t, 4)
	dir := t.TempDir()
	code, publicKey, stderr := runCLI(t, db, "audit", "public-key")
	if code != 0 || !strings.HasPrefix(publicKey, "test.example/contactdesk-audit+") {
		t.Fatalf("public-key: exit %d, %q %s", code, publicKey, stderr)
	}
	keyFile := filepath.Join(dir, "public.key")
	if err := os.WriteFile(keyFile, []byte(publicKey), 0o600); err != nil {
		t.Fatal(err)
	}
	// An export signs a checkpoint of the log as it is.
	code, export, stderr := runCLI(t, db, "audit", "export", "--format", "json")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	exportFile := filepath.Join(dir, "export.jsonl")
	if err := os.WriteFile(exportFile, []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	var line struct {
		Checkpoint string `json:"checkpoint"`
	}
	lines := strings.Split(strings.TrimSpace(export), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &line); err != nil || line.Checkpoint == "" {
		t.Fatalf("the export does not end with its checkpoint: %v", err)
	}
	checkpointFile := filepath.Join(dir, "checkpoint.txt")
	if err := os.WriteFile(checkpointFile, []byte(line.Checkpoint), 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCLI(t, db, "audit", "verify", "--checkpoint", checkpointFile, "--public-key", keyFile)
	if code != 0 || !strings.Contains(stdout, "Consistent with the checkpoint given: 8 events") || !strings.Contains(stdout, "every signature verified") {
		t.Errorf("verify --checkpoint: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "", "audit", "verify", "--export", exportFile, "--public-key", publicKey)
	if code != 0 || !strings.Contains(stdout, "Export intact: the whole log, 8 events") {
		t.Errorf("verify --export: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	edited := filepath.Join(dir, "edited.jsonl")
	if err := os.WriteFile(edited, []byte(strings.Replace(export, "user1@example.com", "user9@example.com", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCLI(t, "", "audit", "verify", "--export", edited, "--public-key", publicKey)
	if code != 1 || !strings.Contains(stderr, "event 3: its contents do not match its hash") {
		t.Errorf("verify --export of an edited export: exit %d, stderr %q", code, stderr)
	}

	code, proof, stderr := runCLI(t, db, "audit", "prove", "--submission", "sub-2")
	if code != 0 {
		t.Fatalf("prove: exit %d: %s", code, stderr)
	}
	proofFile := filepath.Join(dir, "proof.json")
	if err := os.WriteFile(proofFile, []byte(proof), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runCLI(t, "", "audit", "verify-proof", "--public-key", publicKey, "--proof", proofFile)
	if code != 0 || !strings.Contains(stdout, "Proof holds: the 2 events of submission sub-2 (event 5, event 6)") {
		t.Errorf("verify-proof: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if err := os.WriteFile(proofFile, []byte(strings.Replace(proof, "user0@example.com", "user1@example.com", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = runCLI(t, "", "audit", "verify-proof", "--public-key", publicKey, "--proof", proofFile); code != 1 || !strings.Contains(stderr, "does NOT hold") {
		t.Errorf("verify-proof of an edited proof: exit %d, stderr %q", code, stderr)
	}

	// Events removed from the end, with everything derived from them, no
	// longer make the checkpoint kept outside.
	bad := copyFile(t, db)
	tamper(t, bad, "DROP TRIGGER audit_tree_no_delete", "DROP TRIGGER audit_checkpoints_no_delete",
		"DROP TRIGGER audit_submissions_no_delete", "DROP TRIGGER audit_organizations_no_delete",
		"DROP TRIGGER audit_organizations_count", "DROP TRIGGER audit_actors_count", "DROP TRIGGER audit_daily_count",
		"DELETE FROM audit_events WHERE id > 6", "DELETE FROM audit_tree WHERE id >= 10",
		"DELETE FROM audit_submissions WHERE id > 6", "DELETE FROM audit_checkpoints",
		"UPDATE audit_organizations SET submissions = submissions - 1 WHERE id = 100",
		"UPDATE audit_actors SET submissions = submissions - 1 WHERE email = 'user1@example.com'",
		"UPDATE audit_daily SET submissions = submissions - 1 WHERE outcome = 'succeeded'")
	code, _, stderr = runCLI(t, bad, "audit", "verify", "--checkpoint", checkpointFile, "--public-key", keyFile)
	if code != 1 || !strings.Contains(stderr, "events 7 to 8 were removed") {
		t.Errorf("verify --checkpoint of a cut log: exit %d, stderr %q", code, stderr)
	}
}

// TestAuditNewKey creates the shared key of instances on PostgreSQL
// before their first start: the file is made readable by its owner only,
// its public key printed, and a second run leaves it as it is.
func TestAuditNewKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets", "audit.key")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	newKey := func() (int, string, string) {
		var out, errOut bytes.Buffer
		env := envMap(map[string]string{
			"CONTACTDESK_DB": "postgres://contactdesk@db.invalid/contactdesk", "CONTACTDESK_AUDIT_KEY_FILE": path,
			"CONTACTDESK_PUBLIC_URL": "https://contactdesk.example.com",
		})
		err := run(context.Background(), []string{"audit", "new-key"}, env, strings.NewReader(""), &out, &errOut)
		return exitCode(err, &errOut), out.String(), errOut.String()
	}
	code, out, stderr := newKey()
	if code != 0 || !strings.Contains(out, "contactdesk.example.com/contactdesk-audit+") {
		t.Fatalf("new-key: exit %d, %q %s", code, out, stderr)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", info, err)
	}
	key, err := auditlog.LoadKey(path)
	if err != nil || !strings.Contains(out, key.PublicKey()) {
		t.Fatalf("the printed public key is not the file's %v: %q", err, out)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := newKey(); code != 2 || !strings.Contains(stderr, "holds a key already") {
		t.Errorf("a second new-key: exit %d, %q; want 2, refusing", code, stderr)
	}
	if after, err := os.ReadFile(path); err != nil || string(after) != string(before) {
		t.Errorf("a second new-key changed the key file (%v)", err)
	}
}
