package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// fixture is a log of a few submissions with a checkpoint key.
type fixture struct {
	t    *testing.T
	path string
	st   *store.Store
	key  Key
	cp   *Checkpointer
}

func newFixture(t *testing.T, submissions int) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	f := &fixture{t: t, path: filepath.Join(dir, "cd.db")}
	var err error
	if f.st, err = store.Open(ctx, f.path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.st.Close() })
	key, created, err := LoadOrCreateKey(filepath.Join(dir, KeyFileName), "test.example/contactdesk-audit")
	if err != nil || !created {
		t.Fatalf("LoadOrCreateKey = %v, created %t", err, created)
	}
	f.key = key
	f.cp = NewCheckpointer(f.st, key, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.append(submissions)
	return f
}

// append adds n submissions, requested then responded.
func (f *fixture) append(n int) {
	f.t.Helper()
	ctx := context.Background()
	head, err := f.st.AuditLogHead(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range n {
		sub := fmt.Sprintf("sub-%d-%d", head.LastID, i)
		e := store.AuditEvent{SubmissionID: sub, Kind: store.AuditRequested, ActorID: 1, ActorEmail: "ada@example.com",
			OrganizationID: 100 + i%3, OrganizationName: fmt.Sprintf("Org %d", i%3), RequestBody: `{"contacts":[]}`, Summary: "change"}
		if _, err := f.st.AppendAuditEvent(ctx, e); err != nil {
			f.t.Fatal(err)
		}
		e.Kind, e.Status, e.RequestBody = store.AuditResponded, 204, ""
		if _, err := f.st.AppendAuditEvent(ctx, e); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *fixture) sign() store.AuditCheckpoint {
	f.t.Helper()
	cp, err := f.cp.Sign(context.Background())
	if err != nil {
		f.t.Fatalf("Sign: %v", err)
	}
	return cp
}

// exec runs SQL on the database file with every trigger that protects
// the log dropped, as someone holding the file could.
func (f *fixture) exec(statements ...string) {
	f.t.Helper()
	db, err := sql.Open("sqlite", f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name LIKE 'audit%'`)
	if err != nil {
		f.t.Fatal(err)
	}
	var triggers []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			f.t.Fatal(err)
		}
		triggers = append(triggers, n)
	}
	rows.Close()
	for _, n := range triggers {
		statements = append([]string{"DROP TRIGGER " + n}, statements...)
	}
	for _, stmt := range statements {
		if _, err := db.Exec(stmt); err != nil {
			f.t.Fatalf("%s: %v", stmt, err)
		}
	}
}

// rewrite writes the log again into a new database, with the actor of
// event id changed and every hash recomputed, chain and tree alike, as
// someone rewriting history with the code in hand would, and keeps the
// checkpoints signed before (they cannot sign new ones). The log then
// holds together on its own: only checkpoints tell.
func (f *fixture) rewrite(id int64) {
	f.t.Helper()
	f.rebuild(func(e *store.AuditEvent) bool {
		if e.ID == id {
			e.ActorEmail = "someone-else@example.com"
		}
		return true
	})
}

// rebuild writes the events keep keeps, as it changes them, into a new
// database with the same checkpoints.
func (f *fixture) rebuild(keep func(*store.AuditEvent) bool) {
	f.t.Helper()
	ctx := context.Background()
	var events []store.AuditEvent
	if _, err := f.st.ExportAuditEvents(ctx, store.AuditFilter{}, 0, func(r store.AuditRecord) error {
		e, err := r.Event()
		if keep(&e) {
			events = append(events, e)
		}
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	var checkpoints []store.AuditCheckpoint
	if err := f.st.EachAuditCheckpoint(ctx, func(cp store.AuditCheckpoint) error {
		checkpoints = append(checkpoints, cp)
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
	path := filepath.Join(f.t.TempDir(), "rewritten.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { st.Close() })
	for _, e := range events {
		if _, err := st.AppendAuditEvent(ctx, e); err != nil {
			f.t.Fatal(err)
		}
	}
	for _, cp := range checkpoints {
		if _, _, err := st.AddAuditCheckpoint(ctx, cp); err != nil {
			f.t.Fatal(err)
		}
	}
	f.st, f.path = st, path
}

func TestCheckpointSignAndOpen(t *testing.T) {
	f := newFixture(t, 3)
	cp := f.sign()
	if cp.ID != 1 || cp.TreeSize != 6 {
		t.Fatalf("first checkpoint = %d of %d events, want 1 of 6", cp.ID, cp.TreeSize)
	}
	if again := f.sign(); again.ID != 1 {
		t.Errorf("a log that did not grow got checkpoint %d, want the same 1", again.ID)
	}
	opened, err := Open([]byte(cp.Note), f.key.Verifier())
	if err != nil || opened.Size != 6 || opened.Root != cp.Root || opened.Origin != "test.example/contactdesk-audit" || opened.Time.IsZero() {
		t.Fatalf("Open = %+v, %v", opened, err)
	}
	if !strings.HasPrefix(cp.Note, "test.example/contactdesk-audit\n6\n") {
		t.Errorf("the note does not start as a C2SP checkpoint:\n%s", cp.Note)
	}
	status, err := f.cp.Latest(context.Background())
	if err != nil || !status.SignatureVerified || !status.MatchesLog {
		t.Errorf("Latest = %+v, %v; want verified and matching", status, err)
	}
	f.append(1)
	if next := f.sign(); next.ID != 2 || next.TreeSize != 8 {
		t.Errorf("after the log grew: checkpoint %d of %d events, want 2 of 8", next.ID, next.TreeSize)
	}
	key, created, err := LoadOrCreateKey(filepath.Join(filepath.Dir(f.path), KeyFileName), "other")
	if err != nil || created || key.PublicKey() != f.key.PublicKey() {
		t.Errorf("loading the key again: created %t, %v", created, err)
	}
	if fi, err := os.Stat(filepath.Join(filepath.Dir(f.path), KeyFileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}

// TestForgedCheckpointSignature: a checkpoint edited, or signed by
// another key, is refused with a *SignatureError.
func TestForgedCheckpointSignature(t *testing.T) {
	f := newFixture(t, 2)
	cp := f.sign()
	other, _, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "other.key"), "test.example/contactdesk-audit")
	if err != nil {
		t.Fatal(err)
	}
	forged, err := Sign(other, Checkpoint{Size: cp.TreeSize, Root: cp.Root, Time: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(cp.Note, "\n4\n", "\n3\n", 1)
	for name, note := range map[string]string{"another key": forged, "edited size": edited} {
		_, err := Open([]byte(note), f.key.Verifier())
		var sigErr *SignatureError
		if !errors.As(err, &sigErr) {
			t.Errorf("%s: Open = %v, want a *SignatureError", name, err)
		}
		_, err = VerifyLog(context.Background(), f.st, VerifyOptions{Verifier: f.key.Verifier(), External: []byte(note)})
		if !errors.As(err, &sigErr) {
			t.Errorf("%s: VerifyLog = %v, want a *SignatureError", name, err)
		}
	}
	// A forged checkpoint slipped into the database is found too.
	f.exec(fmt.Sprintf(`INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, note) VALUES (%d, '%x', '2026-01-01T00:00:00.000000000Z', '%s')`,
		cp.TreeSize, cp.Root[:], strings.ReplaceAll(forged, "'", "''")))
	_, err = VerifyLog(context.Background(), f.st, VerifyOptions{Verifier: f.key.Verifier()})
	var sigErr *SignatureError
	if !errors.As(err, &sigErr) {
		t.Errorf("forged checkpoint in the database: VerifyLog = %v, want a *SignatureError", err)
	}
}

// TestVerifyLogFindsDeletedTail: events removed from the end, the tree's
// too, leave a consistent log that the checkpoint kept elsewhere does
// not match; the first missing event is named.
func TestVerifyLogFindsDeletedTail(t *testing.T) {
	f := newFixture(t, 5)
	cp := f.sign()
	f.rebuild(func(e *store.AuditEvent) bool { return e.ID <= 7 })
	// The stored checkpoint is removed too: only the copy kept elsewhere
	// remains.
	f.exec("DELETE FROM audit_checkpoints")
	if _, err := f.st.VerifyAuditLog(context.Background(), store.VerifyAuditOptions{}); err != nil {
		t.Fatalf("the cut log does not hold together on its own (%v): the test needs one that does", err)
	}
	_, err := VerifyLog(context.Background(), f.st, VerifyOptions{Verifier: f.key.Verifier(), External: []byte(cp.Note)})
	var mismatch *MismatchError
	if !errors.As(err, &mismatch) || mismatch.FirstEvent != 8 {
		t.Fatalf("VerifyLog = %v, want a *MismatchError naming event 8", err)
	}
}

// TestVerifyLogFindsRewrittenHistory rewrites an event and recomputes
// every later hash, chain and tree alike: the log checks out on its own,
// and the checkpoints signed before tell, naming the range between the
// last checkpoint that still matches and the first that does not.
func TestVerifyLogFindsRewrittenHistory(t *testing.T) {
	f := newFixture(t, 3)
	f.sign() // 6 events
	f.append(1)
	external := f.sign() // 8 events
	f.append(1)
	f.sign() // 10 events
	f.rewrite(7)
	if _, err := f.st.VerifyAuditLog(context.Background(), store.VerifyAuditOptions{}); err != nil {
		t.Fatalf("the rewritten log does not hold together on its own (%v): the test needs one that does", err)
	}
	_, err := VerifyLog(context.Background(), f.st, VerifyOptions{Verifier: f.key.Verifier(), External: []byte(external.Note)})
	var mismatch *MismatchError
	if !errors.As(err, &mismatch) || mismatch.After != 6 || mismatch.Size != 8 {
		t.Fatalf("VerifyLog = %v, want a *MismatchError between events 7 and 8", err)
	}
	// With the stored checkpoints gone, the one kept elsewhere still tells.
	f.exec("DELETE FROM audit_checkpoints")
	_, err = VerifyLog(context.Background(), f.st, VerifyOptions{Verifier: f.key.Verifier(), External: []byte(external.Note)})
	if !errors.As(err, &mismatch) || mismatch.Checkpoint != "the checkpoint given" {
		t.Fatalf("VerifyLog without stored checkpoints = %v, want a *MismatchError of the checkpoint given", err)
	}
}

func TestVerifyLogIntact(t *testing.T) {
	f := newFixture(t, 4)
	first := f.sign()
	f.append(2)
	f.sign()
	check, err := VerifyLog(context.Background(), f.st, VerifyOptions{Verifier: f.key.Verifier(), External: []byte(first.Note)})
	if err != nil {
		t.Fatalf("VerifyLog: %v", err)
	}
	if check.Checkpoints != 2 || !check.SignaturesChecked || check.External == nil || check.External.Size != 8 || check.Tree.Size != 12 {
		t.Errorf("VerifyLog = %+v", check)
	}
}

func TestProveAndVerifyProof(t *testing.T) {
	f := newFixture(t, 5)
	cp := f.sign()
	ctx := context.Background()
	bundle, err := Prove(ctx, f.st, "sub-0-2", cp)
	if err != nil {
		t.Fatalf("Prove: %v", err)
	}
	data, err := json.Marshal(bundle)
	if err != nil {
		t.Fatal(err)
	}
	check, err := VerifyProof(data, f.key.Verifier())
	if err != nil || check.SubmissionID != "sub-0-2" || len(check.EventIDs) != 2 || check.EventIDs[0] != 5 {
		t.Fatalf("VerifyProof = %+v, %v", check, err)
	}
	for name, edit := range map[string]func(string) string{
		"edited event":  func(s string) string { return strings.Replace(s, "ada@example.com", "eve@example.com", 1) },
		"another index": func(s string) string { return strings.Replace(s, `index 4\n`, `index 3\n`, 1) },
	} {
		if _, err := VerifyProof([]byte(edit(string(data))), f.key.Verifier()); err == nil {
			t.Errorf("%s: the proof still verifies", name)
		}
	}
	f.append(1)
	if _, err := Prove(ctx, f.st, "sub-10-0", cp); !errors.Is(err, ErrNotCovered) {
		t.Errorf("a submission newer than the checkpoint: %v, want ErrNotCovered", err)
	}
}

// exportLog exports the log as JSON through the checkpoint signed now.
func exportLog(t *testing.T, f *fixture, filter store.AuditFilter) []byte {
	t.Helper()
	cp := f.sign()
	var buf bytes.Buffer
	if _, err := Export(context.Background(), f.st, filter, store.ExportJSON, cp, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestVerifyExport(t *testing.T) {
	f := newFixture(t, 4)
	whole := exportLog(t, f, store.AuditFilter{})
	check, err := VerifyExport(bytes.NewReader(whole), f.key.Verifier())
	if err != nil || !check.WholeLog || check.Events != 8 || check.Checkpoint.Size != 8 {
		t.Fatalf("VerifyExport of the whole log = %+v, %v", check, err)
	}
	filtered := exportLog(t, f, store.AuditFilter{OrganizationID: 101})
	check, err = VerifyExport(bytes.NewReader(filtered), f.key.Verifier())
	if err != nil || check.WholeLog || check.Events != 2 {
		t.Fatalf("VerifyExport of a filtered export = %+v, %v", check, err)
	}

	lines := func(data []byte) []string {
		var out []string
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			out = append(out, sc.Text())
		}
		return out
	}
	join := func(ls []string) []byte { return []byte(strings.Join(ls, "\n") + "\n") }
	rehash := func(line string) string {
		var rec store.AuditRecord
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		return strings.Replace(line, rec.Hash(), rec.ComputedHash(), 1)
	}
	tests := []struct {
		name   string
		data   func() []byte
		wantID int64
	}{
		{"edited event", func() []byte {
			ls := lines(whole)
			ls[2] = strings.Replace(ls[2], "ada@example.com", "eve@example.com", 1)
			return join(ls)
		}, 3},
		{"edited event, its hash recomputed", func() []byte {
			ls := lines(whole)
			ls[2] = rehash(strings.Replace(ls[2], "ada@example.com", "eve@example.com", 1))
			return join(ls)
		}, 4},
		{"deleted event", func() []byte {
			ls := lines(whole)
			return join(append(ls[:4:4], ls[5:]...))
		}, 5},
		{"cut before the checkpoint", func() []byte {
			ls := lines(whole)
			return join(ls[:len(ls)-1])
		}, 0},
		{"filtered, event rewritten with its hash", func() []byte {
			ls := lines(filtered)
			ls[0] = rehash(strings.Replace(ls[0], "ada@example.com", "eve@example.com", 1))
			return join(ls)
		}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyExport(bytes.NewReader(tc.data()), f.key.Verifier())
			var exportErr *ExportError
			if !errors.As(err, &exportErr) || exportErr.EventID != tc.wantID {
				t.Errorf("VerifyExport = %v, want an *ExportError naming event %d", err, tc.wantID)
			}
		})
	}
	edited := strings.Replace(string(whole), `\n8\n`, `\n7\n`, 1)
	var sigErr *SignatureError
	if _, err := VerifyExport(strings.NewReader(edited), f.key.Verifier()); !errors.As(err, &sigErr) {
		t.Errorf("export with its checkpoint edited: %v, want a *SignatureError", err)
	}
}
