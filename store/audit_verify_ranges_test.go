package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// rangesLog writes a log of benchmarkAuditEvent events that VerifyAuditLog
// reads in several ranges (see foldSpan) and returns its database's name
// and its size.
func rangesLog(t *testing.T) (string, int64) {
	t.Helper()
	const events = 3*foldSpan + 100
	path := testDSN(t)
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	seedAuditEvents(t, s, events, benchmarkAuditEvent)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path, events
}

// submissionAt names the submission whose first event is event id of
// rangesLog (an odd id: a request).
func submissionAt(id int64) string {
	return fmt.Sprintf("submission sub-%08d", (id-1)/2)
}

func TestVerifyAuditLogAcrossRanges(t *testing.T) {
	ctx := context.Background()
	log, events := rangesLog(t)

	t.Run("intact", func(t *testing.T) {
		s := openTamperableCopy(t, log)
		sizes := []int64{1, foldSpan, foldSpan + 1, 2*foldSpan + 7, events}
		check, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{RootsAt: sizes})
		if err != nil {
			t.Fatalf("VerifyAuditLog: %v", err)
		}
		var stored int
		if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM audit_submissions`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if check.Tree.Size != events || check.Head.Count != int(events) || check.Submissions != stored {
			t.Errorf("VerifyAuditLog = tree of %d, %d events, %d submissions; want %d, %d, %d",
				check.Tree.Size, check.Head.Count, check.Submissions, events, events, stored)
		}
		for _, size := range sizes {
			root, err := s.AuditTreeRoot(ctx, size)
			if err != nil || root != check.Roots[size] {
				t.Errorf("AuditTreeRoot(%d) = %x, %v; the events make %x", size, root, err, check.Roots[size])
			}
		}
	})

	late := int64(2*foldSpan + 1) // a request in the third range
	for _, tc := range []struct {
		name        string
		edits       []string
		row, column string
	}{
		{"outcome in the last range", []string{
			fmt.Sprintf(`UPDATE audit_submissions SET outcome = 'no_answer' WHERE id = %d`, late),
		}, submissionAt(late), "outcome"},
		{"a stored row that differs before a missing one", []string{
			`DELETE FROM audit_submissions WHERE id = 1`,
			fmt.Sprintf(`UPDATE audit_submissions SET actor_email = 'x@example.com' WHERE id = %d`, late),
		}, submissionAt(late), "actor_email"},
		{"an outcome before a first column", []string{
			`UPDATE audit_submissions SET status = 500 WHERE id = 3`,
			fmt.Sprintf(`UPDATE audit_submissions SET summary = 'x' WHERE id = %d`, late),
		}, submissionAt(3), "status"},
		{"a first column before an outcome", []string{
			`UPDATE audit_submissions SET summary = 'x' WHERE id = 3`,
			fmt.Sprintf(`UPDATE audit_submissions SET outcome_id = NULL WHERE id = %d`, late),
		}, submissionAt(3), "summary"},
		{"a row moved before its event", []string{
			fmt.Sprintf(`UPDATE audit_submissions SET id = %d WHERE id = %d`, late-1, late),
		}, submissionAt(late), "id"},
		{"a row moved past the last event", []string{
			fmt.Sprintf(`UPDATE audit_submissions SET id = %d WHERE id = %d`, events+5, late),
		}, submissionAt(late), "id"},
		{"a row deleted in the middle", []string{
			fmt.Sprintf(`DELETE FROM audit_submissions WHERE id = %d`, foldSpan+1),
		}, submissionAt(foldSpan + 1), ""},
		{"a row added past the last", []string{
			fmt.Sprintf(`INSERT INTO audit_submissions (id, submission_id, occurred_at, actor_email, organization_name, summary, outcome)
				VALUES (%d, 'sub-made-up', '2025-01-01T00:00:00.000000000Z', 'x@example.com', 'Org', 'made up', 'succeeded')`, events+1),
		}, "submission sub-made-up", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTamperableCopy(t, log)
			dropDerivedTriggers(t, s)
			for _, e := range tc.edits {
				if _, err := s.writer.ExecContext(ctx, e); err != nil {
					t.Fatalf("%s: %v", e, err)
				}
			}
			_, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
			var derived *DerivedError
			if !errors.As(err, &derived) {
				t.Fatalf("VerifyAuditLog: error = %v, want a *DerivedError", err)
			}
			if derived.Table != "audit_submissions" || derived.Row != tc.row || derived.Column != tc.column {
				t.Errorf("VerifyAuditLog names %s %s, column %q (%v); want %s, column %q",
					derived.Table, derived.Row, derived.Column, err, tc.row, tc.column)
			}
		})
	}

	t.Run("an event rewritten in a middle range", func(t *testing.T) {
		s := openTamperableCopy(t, log)
		id := int64(foldSpan + 5)
		rewriteEvent(t, s, id)
		_, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
		var treeErr *TreeError
		if !errors.As(err, &treeErr) || treeErr.EventID != id {
			t.Errorf("VerifyAuditLog = %v, want a *TreeError at event %d", err, id)
		}
	})
}
