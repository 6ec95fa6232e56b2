package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
)

// TestAuditBatchWritesWhatOneByOneWrites appends the same events to two
// logs, in one transaction to the first and one transaction each to the
// second, and compares every derived table row by row: the batch's counts
// go in rounds (the same actor, organization and day counted many times,
// a submission opened and closed within the batch) and its submission rows
// in one upsert, and must come out as the events applied one at a time.
// Both logs then verify.
func TestAuditBatchWritesWhatOneByOneWrites(t *testing.T) {
	ctx := context.Background()
	var events []AuditEvent
	for i := range 6 {
		sub := fmt.Sprintf("sub-%d", i)
		requested := fullAuditEvent(sub, AuditRequested)
		requested.OrganizationID = 100 + i%2
		requested.OrganizationName = fmt.Sprintf("Org %d", i)
		events = append(events, requested)
		if i%3 != 2 { // some stay pending
			responded := fullAuditEvent(sub, AuditResponded)
			responded.OrganizationID = requested.OrganizationID
			responded.Status = 200 + 300*(i%2)
			events = append(events, responded)
		}
	}
	events = append(events, fullAuditEvent("sub-0", AuditReconciled))

	batched, oneByOne := openTestStore(t), openTestStore(t)
	// The first event on its own, so that the batch also updates rows
	// stored before it.
	if _, err := batched.AppendAuditEvent(ctx, events[0]); err != nil {
		t.Fatal(err)
	}
	rows := make([]*auditRow, 0, len(events)-1)
	for _, e := range events[1:] {
		r, err := newAuditRow(e)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, &r)
	}
	if err := batched.writeAudited(ctx, func(tx *sql.Tx) error { return insertAuditRows(ctx, tx, rows...) }); err != nil {
		t.Fatalf("append the batch: %v", err)
	}
	for _, e := range events {
		if _, err := oneByOne.AppendAuditEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for _, query := range []string{
		`SELECT ` + func() string { n, _, _ := submissionTableSQL(); return n }() + ` FROM audit_submissions ORDER BY id`,
		`SELECT id, name, submissions FROM audit_organizations ORDER BY id`,
		`SELECT email, submissions FROM audit_actors ORDER BY email`,
		`SELECT day, outcome, submissions FROM audit_daily WHERE submissions <> 0 ORDER BY day, outcome`,
		`SELECT id, hash FROM audit_tree ORDER BY id`,
	} {
		got, want := tableRows(t, batched, query), tableRows(t, oneByOne, query)
		if !slices.Equal(got, want) {
			t.Errorf("%s\nbatched:     %q\none by one:  %q", query, got, want)
		}
	}
	for name, s := range map[string]*Store{"batched": batched, "one by one": oneByOne} {
		if _, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{}); err != nil {
			t.Errorf("%s: VerifyAuditLog: %v", name, err)
		}
	}
}

// tableRows returns every row query reads, each printed as one string.
func tableRows(t *testing.T, s *Store, query string) []string {
	t.Helper()
	rows, err := s.reader.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		values := make([]any, len(cols))
		dest := make([]any, len(cols))
		for i := range values {
			dest[i] = &values[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(values...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
