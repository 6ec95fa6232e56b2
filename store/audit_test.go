package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// fullAuditEvent returns an event with every field set.
func fullAuditEvent(submission string, kind AuditKind) AuditEvent {
	return AuditEvent{
		SubmissionID:     submission,
		Kind:             kind,
		OccurredAt:       time.Date(2025, 5, 6, 7, 8, 9, 123456789, time.FixedZone("EEST", 3*3600)),
		ActorID:          7,
		ActorEmail:       "editor@example.com",
		OrganizationID:   112233,
		OrganizationName: "Acme Ltd",
		RequestBody:      `{"contacts":[{"contact_type":"organization_contact","first_name":"Ada"}]}`,
		ContactsBefore:   json.RawMessage(`[{"contact_type":"organization_contact","first_name":"Al"}]`),
		ContactsAfter:    json.RawMessage(`[{"contact_type":"organization_contact","first_name":"Ada"}]`),
		Status:           400,
		ResponseBody:     `{"errors":[{"code":"invalid_email","message":"bad"}]}`,
		ErrorCodes:       []string{"invalid_email", "contact_type_duplicate"},
		ErrorMessage:     "bad",
		Duration:         1500 * time.Microsecond,
		ClientAddr:       "192.0.2.1",
		RequestID:        "req-1",
		Summary:          "organization contact updated",
	}
}

func TestAppendAuditEvent(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	in := fullAuditEvent("sub-1", AuditResponded)
	got, err := s.AppendAuditEvent(ctx, in)
	if err != nil {
		t.Fatalf("AppendAuditEvent: %v", err)
	}
	want := in
	want.ID = 1
	want.OccurredAt = in.OccurredAt.UTC()
	want.Duration = 2 * time.Millisecond // rounded up to whole milliseconds
	want.PrevHash = GenesisHash
	want.Hash = got.Hash
	if len(got.Hash) != 64 || got.Hash == GenesisHash {
		t.Errorf("Hash = %q, want 64 hex digits", got.Hash)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AppendAuditEvent returned\n%+v\nwant\n%+v", got, want)
	}
	stored, err := s.SubmissionEvents(ctx, "sub-1")
	if err != nil {
		t.Fatalf("SubmissionEvents: %v", err)
	}
	if len(stored) != 1 || !reflect.DeepEqual(stored[0], got) {
		t.Errorf("SubmissionEvents = %+v, want [%+v]", stored, got)
	}

	// Fields that do not apply come back empty, whatever the kind.
	minimal := AuditEvent{SubmissionID: "sub-2", Kind: AuditRejected}
	second, err := s.AppendAuditEvent(ctx, minimal)
	if err != nil {
		t.Fatalf("AppendAuditEvent(minimal): %v", err)
	}
	if second.ID != 2 || second.PrevHash != got.Hash {
		t.Errorf("second event: id %d, prev_hash %q; want id 2, prev_hash %q", second.ID, second.PrevHash, got.Hash)
	}
	if second.OccurredAt.IsZero() || second.OccurredAt.Location() != time.UTC {
		t.Errorf("OccurredAt = %v, want the time of the append in UTC", second.OccurredAt)
	}
	back, err := s.SubmissionEvents(ctx, "sub-2")
	if err != nil {
		t.Fatalf("SubmissionEvents: %v", err)
	}
	if len(back) != 1 || !reflect.DeepEqual(back[0], second) {
		t.Errorf("SubmissionEvents(sub-2) = %+v, want [%+v]", back, second)
	}
	if back[0].ActorID != 0 || back[0].Status != 0 || back[0].Duration != 0 ||
		back[0].ErrorCodes != nil || back[0].ContactsBefore != nil {
		t.Errorf("unset fields came back set: %+v", back[0])
	}
}

func TestAppendAuditEventRefusesInvalid(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	tests := []struct {
		name string
		edit func(*AuditEvent)
	}{
		{"unknown kind", func(e *AuditEvent) { e.Kind = "deleted" }},
		{"no kind", func(e *AuditEvent) { e.Kind = "" }},
		{"no submission", func(e *AuditEvent) { e.SubmissionID = "" }},
		{"negative duration", func(e *AuditEvent) { e.Duration = -time.Second }},
		{"contacts before not JSON", func(e *AuditEvent) { e.ContactsBefore = json.RawMessage("{") }},
		{"contacts after not JSON", func(e *AuditEvent) { e.ContactsAfter = json.RawMessage("nope") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fullAuditEvent("sub", AuditRequested)
			tt.edit(&e)
			if _, err := s.AppendAuditEvent(ctx, e); err == nil {
				t.Errorf("AppendAuditEvent succeeded, want an error")
			}
		})
	}
	head, err := s.AuditChainHead(ctx)
	if err != nil {
		t.Fatalf("AuditChainHead: %v", err)
	}
	if head.Count != 0 {
		t.Errorf("refused events were stored: count %d, want 0", head.Count)
	}
}

func TestAuditChainOfEmptyLog(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	want := ChainHead{LastHash: GenesisHash}
	head, err := s.VerifyAuditChain(ctx)
	if err != nil || head != want {
		t.Errorf("VerifyAuditChain on an empty log = %+v, %v; want %+v, nil", head, err, want)
	}
	head, err = s.AuditChainHead(ctx)
	if err != nil || head != want {
		t.Errorf("AuditChainHead on an empty log = %+v, %v; want %+v, nil", head, err, want)
	}
}

func TestVerifyAuditChain(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	var last AuditEvent
	for i := range 9 {
		var err error
		last, err = s.AppendAuditEvent(ctx, fullAuditEvent(fmt.Sprintf("sub-%d", i/2), AuditRequested))
		if err != nil {
			t.Fatalf("AppendAuditEvent: %v", err)
		}
	}
	want := ChainHead{Count: 9, LastID: last.ID, LastHash: last.Hash}
	head, err := s.VerifyAuditChain(ctx)
	if err != nil || head != want {
		t.Errorf("VerifyAuditChain = %+v, %v; want %+v, nil", head, err, want)
	}
	head, err = s.AuditChainHead(ctx)
	if err != nil || head != want {
		t.Errorf("AuditChainHead = %+v, %v; want %+v, nil", head, err, want)
	}
}

// tamperedLogSize is the length of the logs the tamper tests edit, long
// enough to be cut into several ranges by VerifyAuditChain.
const tamperedLogSize = 9

// tamperableLog builds a log of tamperedLogSize full events, closes it and
// returns the file's path, for tests to copy.
func tamperableLog(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := testDSN(t)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	for i := range tamperedLogSize {
		if _, err := s.AppendAuditEvent(ctx, fullAuditEvent(fmt.Sprintf("sub-%d", i), AuditResponded)); err != nil {
			t.Fatalf("AppendAuditEvent: %v", err)
		}
	}
	// Closing the last connection moves the WAL into the file.
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path
}

// openTamperableCopy opens a copy of the log at path with the append-only
// triggers dropped, as someone editing the file directly could.
func openTamperableCopy(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), copyTestDatabase(t, path))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	dropTriggers(t, s, "audit_events", "audit_events_no_update", "audit_events_no_delete")
	return s
}

// TestVerifyAuditChainFindsEdits edits one column at a time, for every
// column of the table, and expects VerifyAuditChain to name the edited
// event. Events are edited from the newest back, so that each new edit is
// the first broken event; they fall at the start, inside and at the end of
// the ranges verified side by side.
func TestVerifyAuditChainFindsEdits(t *testing.T) {
	log := tamperableLog(t)
	for _, col := range auditTableColumns(t) {
		t.Run(col.name, func(t *testing.T) {
			s := openTamperableCopy(t, log)
			if col.name == "id" {
				// Only the newest event can be renumbered without passing
				// another; it is then reported under its new id.
				tamper(t, s, "id = id + 10", tamperedLogSize)
				expectChainError(t, s, tamperedLogSize+10)
				return
			}
			for _, id := range []int64{tamperedLogSize, 5, 4, 1} {
				tamper(t, s, col.name+" = "+tamperedValue(col), id)
				expectChainError(t, s, id)
			}
		})
	}
}

func tamper(t *testing.T, s *Store, set string, id int64) {
	t.Helper()
	res, err := s.writer.ExecContext(context.Background(), "UPDATE audit_events SET "+set+" WHERE id = ?", id)
	if err != nil {
		t.Fatalf("edit event %d: %v", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("edit of event %d changed %d rows (%v), want 1", id, n, err)
	}
}

func TestVerifyAuditChainFindsDeletion(t *testing.T) {
	log := tamperableLog(t)
	for _, id := range []int64{1, 3, 5, 6} {
		t.Run(fmt.Sprintf("event %d", id), func(t *testing.T) {
			s := openTamperableCopy(t, log)
			if _, err := s.writer.ExecContext(context.Background(), "DELETE FROM audit_events WHERE id = ?", id); err != nil {
				t.Fatalf("delete: %v", err)
			}
			expectChainError(t, s, id+1)
		})
	}
}

func TestVerifyAuditChainFindsReplacedHistory(t *testing.T) {
	// Rewriting an event and recomputing its hash still breaks the link
	// from the next event.
	ctx := context.Background()
	s := openTamperableCopy(t, tamperableLog(t))
	var r auditRow
	err := s.writer.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id = 3`).Scan(r.pointers()...)
	if err != nil {
		t.Fatalf("read event 3: %v", err)
	}
	r.actorEmail = "someone-else@example.com"
	if _, err := s.writer.ExecContext(ctx, `UPDATE audit_events SET actor_email = ?, hash = ? WHERE id = 3`,
		r.actorEmail, r.chainHash()); err != nil {
		t.Fatalf("rewrite event 3: %v", err)
	}
	expectChainError(t, s, 4)
}

func expectChainError(t *testing.T, s *Store, wantID int64) {
	t.Helper()
	// Three workers cut the log into events 1-3, 4-6 and 7-9.
	for _, workers := range []int{1, 3} {
		_, err := s.verifyAuditChain(context.Background(), workers)
		var chainErr *ChainError
		if !errors.As(err, &chainErr) {
			t.Fatalf("verify with %d workers: error = %v, want a *ChainError", workers, err)
		}
		if chainErr.EventID != wantID {
			t.Errorf("verify with %d workers: ChainError names event %d (%s), want %d",
				workers, chainErr.EventID, chainErr.Reason, wantID)
		}
	}
}

type tableColumn struct {
	name, kind string
}

// auditTableColumns lists the columns of audit_events, so that a column
// added later is covered by the tamper tests without being listed here.
func auditTableColumns(t *testing.T) []tableColumn {
	t.Helper()
	cols := tableColumns(t, "audit_events")
	if len(cols) != hashedColumns+2 {
		t.Fatalf("audit_events has %d columns, the hash covers %d and the links 2", len(cols), hashedColumns)
	}
	return cols
}

// tamperedValue is an SQL expression for a different value of the column.
func tamperedValue(c tableColumn) string {
	if strings.EqualFold(c.kind, "INTEGER") {
		return "coalesce(" + c.name + ", 0) + 1"
	}
	return c.name + " || 'x'"
}

func TestAuditEventsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	if _, err := s.AppendAuditEvent(ctx, fullAuditEvent("sub-1", AuditRequested)); err != nil {
		t.Fatalf("AppendAuditEvent: %v", err)
	}
	for _, stmt := range []string{
		`UPDATE audit_events SET summary = 'changed'`,
		`UPDATE audit_events SET hash = hash`,
		`DELETE FROM audit_events`,
		`DELETE FROM audit_events WHERE id = 1`,
	} {
		_, err := s.writer.ExecContext(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "audit_events is append-only") {
			t.Errorf("%s: error = %v, want the append-only refusal", stmt, err)
		}
	}
	if _, err := s.VerifyAuditChain(ctx); err != nil {
		t.Errorf("VerifyAuditChain after refused edits: %v", err)
	}
}

func TestAppendAuditEventConcurrently(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	const goroutines, each = 8, 15
	errs := make(chan error, goroutines*each)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				e := fullAuditEvent(fmt.Sprintf("sub-%d-%d", g, i), AuditRequested)
				if _, err := s.AppendAuditEvent(ctx, e); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("AppendAuditEvent: %v", err)
	}
	head, err := s.VerifyAuditChain(ctx)
	if err != nil {
		t.Fatalf("VerifyAuditChain: %v", err)
	}
	if head.Count != goroutines*each || head.LastID != goroutines*each {
		t.Errorf("VerifyAuditChain = %+v, want %d events with ids 1 to %d", head, goroutines*each, goroutines*each)
	}
}

func TestPendingSubmissions(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	steps := []struct {
		submission string
		kind       AuditKind
	}{
		{"answered", AuditRequested},
		{"lost-1", AuditRequested},
		{"timed-out", AuditRequested},
		{"answered", AuditResponded},
		{"reconciled", AuditRequested},
		{"rejected", AuditRejected},
		{"timed-out", AuditFailed},
		{"reconciled", AuditReconciled},
		{"lost-2", AuditRequested},
	}
	for _, st := range steps {
		if _, err := s.AppendAuditEvent(ctx, AuditEvent{SubmissionID: st.submission, Kind: st.kind}); err != nil {
			t.Fatalf("AppendAuditEvent(%s %s): %v", st.submission, st.kind, err)
		}
	}
	pending, err := s.PendingSubmissions(ctx)
	if err != nil {
		t.Fatalf("PendingSubmissions: %v", err)
	}
	var got []string
	for _, e := range pending {
		if e.Kind != AuditRequested {
			t.Errorf("pending event %d is %s, want requested", e.ID, e.Kind)
		}
		got = append(got, e.SubmissionID)
	}
	if want := []string{"lost-1", "lost-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PendingSubmissions = %v, want %v", got, want)
	}

	events, err := s.SubmissionEvents(ctx, "timed-out")
	if err != nil {
		t.Fatalf("SubmissionEvents: %v", err)
	}
	var kinds []AuditKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	if want := []AuditKind{AuditRequested, AuditFailed}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("SubmissionEvents(timed-out) kinds = %v, want %v", kinds, want)
	}
	none, err := s.SubmissionEvents(ctx, "unknown")
	if err != nil || len(none) != 0 {
		t.Errorf("SubmissionEvents(unknown) = %v, %v; want no events", none, err)
	}
}

func TestChainHashEncodingIsUnambiguous(t *testing.T) {
	// Moving bytes from one field to the next must change the hash.
	a := auditRow{id: 1, submissionID: "ab", kind: "c", prevHash: GenesisHash}
	b := auditRow{id: 1, submissionID: "a", kind: "bc", prevHash: GenesisHash}
	if a.chainHash() == b.chainHash() {
		t.Error("rows differing only in where a field ends have the same hash")
	}
	// NULL and zero differ.
	c := auditRow{id: 1, prevHash: GenesisHash}
	d := c
	d.status.Valid = true
	if c.chainHash() == d.chainHash() {
		t.Error("a NULL status and a status of 0 have the same hash")
	}
}

// TestLatestOrganizationChange follows the events of changes sent to one
// organization: a request and its answer move it on, a rejection, a
// reconciliation or another organization's change do not.
func TestLatestOrganizationChange(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	latest := func() int64 {
		t.Helper()
		id, err := s.LatestOrganizationChange(ctx, 112233)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if got := latest(); got != 0 {
		t.Fatalf("with no event: %d, want 0", got)
	}
	appendKind := func(submission string, kind AuditKind, org int) int64 {
		t.Helper()
		e := fullAuditEvent(submission, kind)
		e.OrganizationID = org
		appended, err := s.AppendAuditEvent(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		return appended.ID
	}
	requested := appendKind("sub-1", AuditRequested, 112233)
	if got := latest(); got != requested {
		t.Errorf("after a request: %d, want %d", got, requested)
	}
	responded := appendKind("sub-1", AuditResponded, 112233)
	appendKind("sub-2", AuditRejected, 112233)
	appendKind("sub-3", AuditRequested, 445566)
	if got := latest(); got != responded {
		t.Errorf("after an answer, a rejection and another organization's request: %d, want the answer's %d", got, responded)
	}
}
