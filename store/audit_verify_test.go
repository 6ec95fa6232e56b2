package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// derivedLogEvents is a log with a submission of every outcome, a
// security event and a change made outside: each row of the derived
// tables has something to check.
func derivedLogEvents() []AuditEvent {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	ev := func(sub string, kind AuditKind, org int, actor string, status int, minutes int) AuditEvent {
		return AuditEvent{
			SubmissionID: sub, Kind: kind, OccurredAt: at.Add(time.Duration(minutes) * time.Minute),
			ActorID: 1, ActorEmail: actor, OrganizationID: org, OrganizationName: fmt.Sprintf("Org %d", org),
			Status: status, Summary: string(kind) + " " + sub, Duration: time.Duration(status) * time.Millisecond,
		}
	}
	outside := ev("sub-outside", AuditChangedOutside, 101, "", 0, 9)
	outside.ActorID = 0
	lost := ev("sub-lost", AuditRequested, 103, "ada@example.com", 0, 6)
	lost.RequestID = BulkJobRequestID(3) // made by a bulk job
	return []AuditEvent{
		ev("sub-ok", AuditRequested, 101, "ada@example.com", 0, 0),
		ev("sub-ok", AuditResponded, 101, "ada@example.com", 204, 1),
		ev("sub-refused", AuditRequested, 102, "bob@example.com", 0, 2),
		ev("sub-refused", AuditResponded, 102, "bob@example.com", 400, 3),
		ev("sub-rejected", AuditRejected, 101, "ada@example.com", 0, 4),
		{SubmissionID: "sec-1", Kind: AuditSignedIn, OccurredAt: at.Add(5 * time.Minute), ActorEmail: "ada@example.com", Summary: "signed in"},
		lost,
		ev("sub-lost", AuditFailed, 103, "ada@example.com", 0, 7),
		ev("sub-lost", AuditReconciled, 103, "", 0, 24*60),
		ev("sub-pending", AuditRequested, 102, "bob@example.com", 0, 8),
		outside,
	}
}

// derivedLog writes derivedLogEvents to a new database and returns its
// path.
func derivedLog(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := testDSN(t)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	appendDerivedLog(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path
}

// appendDerivedLog appends derivedLogEvents to s.
func appendDerivedLog(t *testing.T, s *Store) {
	t.Helper()
	for _, e := range derivedLogEvents() {
		if _, err := s.AppendAuditEvent(context.Background(), e); err != nil {
			t.Fatalf("AppendAuditEvent: %v", err)
		}
	}
}

func TestVerifyAuditLogIntact(t *testing.T) {
	ctx := context.Background()
	s := openTamperableCopy(t, derivedLog(t))
	n := int64(len(derivedLogEvents()))
	check, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{RootsAt: []int64{1, 5, n, n + 1}})
	if err != nil {
		t.Fatalf("VerifyAuditLog: %v", err)
	}
	if check.Head.Count != int(n) || check.Tree.Size != n || check.Submissions != 6 {
		t.Errorf("VerifyAuditLog = %d events, tree of %d, %d submissions; want %d, %d, 6",
			check.Head.Count, check.Tree.Size, check.Submissions, n, n)
	}
	head, err := s.AuditTreeHead(ctx)
	if err != nil || head != check.Tree {
		t.Errorf("AuditTreeHead = %+v, %v; want the verified %+v", head, err, check.Tree)
	}
	for _, size := range []int64{1, 5, n} {
		root, err := s.AuditTreeRoot(ctx, size)
		if err != nil || root != check.Roots[size] {
			t.Errorf("AuditTreeRoot(%d) = %v, %v; the events make %v", size, root, err, check.Roots[size])
		}
	}
	if _, ok := check.Roots[n+1]; ok {
		t.Errorf("a root at %d, past the log's end", n+1)
	}
}

// TestVerifyAuditLogNamesEditedDerivedColumn edits each column of each
// derived table, as someone with the file could once the triggers are
// dropped, and expects VerifyAuditLog to name the row and the column.
// The columns of audit_submissions are read from the table, so that a
// column added later is covered too.
func TestVerifyAuditLogNamesEditedDerivedColumn(t *testing.T) {
	log := derivedLog(t)
	type edit struct {
		name, sql, row, column string
	}
	var edits []edit
	for _, col := range tableColumns(t, "audit_submissions") {
		edits = append(edits, edit{"audit_submissions." + col.name,
			"UPDATE audit_submissions SET " + col.name + " = " + tamperedValue(col) + " WHERE submission_id = 'sub-lost'",
			"submission sub-lost", col.name})
	}
	edits = append(edits,
		edit{"outcome and actor", `UPDATE audit_submissions SET outcome = 'rejected', actor_email = 'someone-else@example.com' WHERE submission_id = 'sub-ok'`,
			"submission sub-ok", "actor_email"},
		edit{"deleted submission", `DELETE FROM audit_submissions WHERE submission_id = 'sub-refused'`, "submission sub-refused", ""},
		edit{"added submission", `INSERT INTO audit_submissions (id, submission_id, occurred_at, actor_email, organization_name, summary, outcome)
			VALUES (99, 'sub-made-up', '2026-03-01T00:00:00.000000000Z', 'x@example.com', 'Org', 'made up', 'succeeded')`, "submission sub-made-up", ""},
		edit{"organization name", `UPDATE audit_organizations SET name = 'Other' WHERE id = 102`, "organization 102", "name"},
		edit{"organization count", `UPDATE audit_organizations SET submissions = submissions + 5 WHERE id = 101`, "organization 101", "submissions"},
		edit{"deleted organization", `DELETE FROM audit_organizations WHERE id = 103`, "organization 103", ""},
		edit{"actor count", `UPDATE audit_actors SET submissions = 1 WHERE email = 'ada@example.com'`, `user "ada@example.com"`, "submissions"},
		edit{"day count", `UPDATE audit_daily SET submissions = 7 WHERE outcome = 'succeeded'`, "2026-03-01 succeeded", "submissions"},
	)
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			s := openTamperableCopy(t, log)
			dropDerivedTriggers(t, s)
			if _, err := s.writer.ExecContext(context.Background(), e.sql); err != nil {
				t.Fatalf("%s: %v", e.sql, err)
			}
			_, err := s.VerifyAuditLog(context.Background(), VerifyAuditOptions{})
			var derived *DerivedError
			if !errors.As(err, &derived) {
				t.Fatalf("VerifyAuditLog after %s: error = %v, want a *DerivedError", e.sql, err)
			}
			if derived.Row != e.row || derived.Column != e.column {
				t.Errorf("VerifyAuditLog names %s, column %q (%v); want %s, column %q", derived.Row, derived.Column, err, e.row, e.column)
			}
		})
	}
}

// TestSubmissionTableListsEveryColumn keeps submissionTable, by which rows
// are written, read and compared, in step with the table.
func TestSubmissionTableListsEveryColumn(t *testing.T) {
	cols := tableColumns(t, "audit_submissions")
	if len(cols) != len(submissionTable) {
		t.Fatalf("audit_submissions has %d columns, submissionTable lists %d", len(cols), len(submissionTable))
	}
	for i, c := range cols {
		if submissionTable[i].name != c.name {
			t.Errorf("column %d is %s, submissionTable says %s", i, c.name, submissionTable[i].name)
		}
	}
}

// TestDerivedTablesRefuseEdits: with the triggers in place, a plain
// UPDATE or DELETE cannot change what the audit pages show.
func TestDerivedTablesRefuseEdits(t *testing.T) {
	s := openTamperableCopy(t, derivedLog(t))
	for _, stmt := range []string{
		`UPDATE audit_submissions SET actor_email = 'someone-else@example.com' WHERE submission_id = 'sub-ok'`,
		`UPDATE audit_submissions SET summary = 'x', organization_name = 'y'`,
		`UPDATE audit_submissions SET outcome = 'rejected' WHERE submission_id = 'sub-ok'`,
		`UPDATE audit_submissions SET outcome = 'succeeded', outcome_id = outcome_id + 1 WHERE submission_id = 'sub-refused'`,
		`UPDATE audit_submissions SET outcome = 'succeeded', outcome_id = 2 WHERE submission_id = 'sub-refused'`,
		`DELETE FROM audit_submissions WHERE submission_id = 'sub-ok'`,
		`UPDATE audit_organizations SET name = 'Other'`,
		`UPDATE audit_organizations SET submissions = 0`,
		`DELETE FROM audit_organizations`,
		`UPDATE audit_actors SET submissions = 0`,
		`DELETE FROM audit_actors`,
		`UPDATE audit_daily SET submissions = submissions + 5`,
		`DELETE FROM audit_daily`,
		`UPDATE audit_tree SET hash = hash`,
		`DELETE FROM audit_tree`,
	} {
		if _, err := s.writer.ExecContext(context.Background(), stmt); err == nil {
			t.Errorf("%s: no error, want a refusal", stmt)
		}
	}
	if _, err := s.VerifyAuditLog(context.Background(), VerifyAuditOptions{}); err != nil {
		t.Errorf("VerifyAuditLog after refused edits: %v", err)
	}
}

func dropDerivedTriggers(t *testing.T, s *Store) {
	t.Helper()
	dropTriggers(t, s, "audit_submissions", "audit_submissions_no_delete", "audit_submissions_fixed_columns", "audit_submissions_newer_outcome")
	dropTriggers(t, s, "audit_organizations", "audit_organizations_no_delete", "audit_organizations_count")
	dropTriggers(t, s, "audit_actors", "audit_actors_no_delete", "audit_actors_count")
	dropTriggers(t, s, "audit_daily", "audit_daily_no_delete", "audit_daily_count")
	dropTriggers(t, s, "audit_tree", "audit_tree_no_update", "audit_tree_no_delete")
}

// rewriteEvent changes event id's summary and recomputes its hash and
// every later link, so that the chain holds together.
func rewriteEvent(t *testing.T, s *Store, id int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.writer.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id >= ? ORDER BY id`, id)
	if err != nil {
		t.Fatalf("read events: %v", err)
	}
	var events []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(r.pointers()...); err != nil {
			t.Fatalf("read events: %v", err)
		}
		events = append(events, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatalf("read events: %v", err)
	}
	prev := events[0].prevHash
	events[0].summary = "rewritten"
	for _, r := range events {
		r.prevHash = prev
		r.hash = r.chainHash()
		prev = r.hash
		if _, err := s.writer.ExecContext(ctx, `UPDATE audit_events SET summary = ?, prev_hash = ?, hash = ? WHERE id = ?`,
			r.summary, r.prevHash, r.hash, r.id); err != nil {
			t.Fatalf("rewrite event %d: %v", r.id, err)
		}
	}
}

func TestVerifyAuditLogFindsRewrittenHistory(t *testing.T) {
	s := openTamperableCopy(t, derivedLog(t))
	rewriteEvent(t, s, 3)
	if _, err := s.VerifyAuditChain(context.Background()); err != nil {
		t.Fatalf("the rewrite breaks the chain (%v): the test needs one that does not", err)
	}
	_, err := s.VerifyAuditLog(context.Background(), VerifyAuditOptions{})
	var treeErr *TreeError
	if !errors.As(err, &treeErr) || treeErr.EventID != 3 {
		t.Errorf("VerifyAuditLog = %v, want a *TreeError at event 3", err)
	}
}

func TestVerifyAuditLogFindsDeletedTail(t *testing.T) {
	s := openTamperableCopy(t, derivedLog(t))
	n := int64(len(derivedLogEvents()))
	if _, err := s.writer.ExecContext(context.Background(), `DELETE FROM audit_events WHERE id >= ?`, n-1); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.VerifyAuditChain(context.Background()); err != nil {
		t.Fatalf("deleting the tail breaks the chain (%v): the test needs one that does not", err)
	}
	_, err := s.VerifyAuditLog(context.Background(), VerifyAuditOptions{})
	var treeErr *TreeError
	if !errors.As(err, &treeErr) || treeErr.EventID != n-1 {
		t.Errorf("VerifyAuditLog = %v, want a *TreeError at event %d", err, n-1)
	}
}

func TestVerifyAuditLogFindsEditedTree(t *testing.T) {
	log := derivedLog(t)
	for _, tc := range []struct {
		name   string
		index  int64
		wantID int64
		reason string
	}{
		{"node over events 1 to 8", tlog.StoredHashIndex(3, 0), 1, "node over events 1 to 8"},
		{"leaf of the last event", tlog.StoredHashIndex(0, 10), 11, "leaf does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTamperableCopy(t, log)
			dropDerivedTriggers(t, s)
			if _, err := s.writer.ExecContext(context.Background(), `UPDATE audit_tree SET hash = ? WHERE id = ?`, make([]byte, 32), tc.index); err != nil {
				t.Fatalf("edit tree: %v", err)
			}
			_, err := s.VerifyAuditLog(context.Background(), VerifyAuditOptions{})
			var treeErr *TreeError
			if !errors.As(err, &treeErr) || treeErr.EventID != tc.wantID || !strings.Contains(treeErr.Reason, tc.reason) {
				t.Errorf("VerifyAuditLog = %v, want a *TreeError at event %d saying %q", err, tc.wantID, tc.reason)
			}
		})
	}
}

// TestAuditLogFromTriggersVerifies writes a log with the version before
// the tree, whose derived tables SQL triggers kept, then migrates: the
// tree is built for the existing events and the tables the triggers made
// are the tables deriveEvent makes.
func TestAuditLogFromTriggersVerifies(t *testing.T) {
	sqliteOnly(t) // PostgreSQL's schema starts after the triggers.
	ctx := context.Background()
	s := openTestStore(t)
	p, err := s.migrationProvider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 12); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		prev := GenesisHash
		for i, e := range derivedLogEvents() {
			r, err := newAuditRow(e)
			if err != nil {
				return err
			}
			r.id, r.prevHash = int64(i+1), prev
			r.hash = r.chainHash()
			prev = r.hash
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (`+auditColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.values()...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("write the log as the version before: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	if err := s.completeAuditTree(ctx); err != nil {
		t.Fatalf("completeAuditTree: %v", err)
	}
	check, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
	if err != nil {
		t.Fatalf("VerifyAuditLog: %v", err)
	}
	if check.Tree.Size != int64(len(derivedLogEvents())) || check.Submissions != 6 {
		t.Errorf("VerifyAuditLog = tree of %d, %d submissions; want %d, 6", check.Tree.Size, check.Submissions, len(derivedLogEvents()))
	}
	// Appends go on from the built tree.
	if _, err := s.AppendAuditEvent(ctx, fullAuditEvent("sub-new", AuditRequested)); err != nil {
		t.Fatalf("AppendAuditEvent: %v", err)
	}
	if _, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{}); err != nil {
		t.Errorf("VerifyAuditLog after an append: %v", err)
	}
}

func TestAuditInclusionAndConsistencyProofs(t *testing.T) {
	ctx := context.Background()
	s := openTamperableCopy(t, derivedLog(t))
	n := int64(len(derivedLogEvents()))
	events, err := s.SubmissionEvents(ctx, "sub-lost")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{9, n} {
		root, err := s.AuditTreeRoot(ctx, size)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			proof, err := s.AuditInclusionProof(ctx, e.ID, size)
			if err != nil {
				t.Fatalf("AuditInclusionProof(%d, %d): %v", e.ID, size, err)
			}
			leaf, err := LeafHash(e.Hash)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkRecord(proof, size, root, e.ID-1, leaf); err != nil {
				t.Errorf("proof of event %d in %d: %v", e.ID, size, err)
			}
		}
	}
	if _, err := s.AuditInclusionProof(ctx, 1, n+1); !errors.Is(err, ErrTreeSize) {
		t.Errorf("a proof in a tree larger than the log: %v, want ErrTreeSize", err)
	}
	oldRoot, err := s.AuditTreeRoot(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	newRoot, err := s.AuditTreeRoot(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := s.AuditConsistencyProof(ctx, 4, n)
	if err != nil {
		t.Fatalf("AuditConsistencyProof: %v", err)
	}
	if err := checkTree(proof, n, newRoot, 4, oldRoot); err != nil {
		t.Errorf("consistency proof from 4 to %d: %v", n, err)
	}
}

// checkRecord and checkTree are tlog's checks, named for the tests.
var (
	checkRecord = tlog.CheckRecord
	checkTree   = tlog.CheckTree
)
