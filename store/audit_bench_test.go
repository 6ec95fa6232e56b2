package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// BenchmarkVerifyAuditChain measures a full check of a log of one million
// events of realistic sizes.
func BenchmarkVerifyAuditChain(b *testing.B) {
	const events = 1_000_000
	ctx := context.Background()
	s := openTestStore(b)
	start := time.Now()
	seedAuditEvents(b, s, events, benchmarkAuditEvent)
	b.Logf("seeded %d events in %v", events, time.Since(start))

	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			head, err := s.VerifyAuditChain(ctx)
			if err != nil {
				b.Fatalf("VerifyAuditChain: %v", err)
			}
			if head.Count != events {
				b.Fatalf("VerifyAuditChain counted %d events, want %d", head.Count, events)
			}
		}
	})
	b.Run("head", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.AuditChainHead(ctx); err != nil {
				b.Fatalf("AuditChainHead: %v", err)
			}
		}
	})
	b.Run("pending", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.PendingSubmissions(ctx); err != nil {
				b.Fatalf("PendingSubmissions: %v", err)
			}
		}
	})
	b.Run("submission", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.SubmissionEvents(ctx, "sub-00012345"); err != nil {
				b.Fatalf("SubmissionEvents: %v", err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		e := benchmarkAuditEvent(0)
		for b.Loop() {
			if _, err := s.AppendAuditEvent(ctx, e); err != nil {
				b.Fatalf("AppendAuditEvent: %v", err)
			}
		}
	})
}

// seedAuditEvents appends n events made by event(i) in one transaction,
// chained by the code every append uses, without the synchronous commit
// per event that AppendAuditEvent would take.
func seedAuditEvents(tb testing.TB, s *Store, n int, event func(i int) AuditEvent) {
	tb.Helper()
	seedAuditEventsFrom(tb, s, 0, n, event)
}

// seedAuditEventsFrom appends events event(from) to event(from+n-1) in one
// transaction.
func seedAuditEventsFrom(tb testing.TB, s *Store, from, n int, event func(i int) AuditEvent) {
	tb.Helper()
	ctx := context.Background()
	const chunk = 1000
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows := make([]auditRow, 0, chunk)
		ptrs := make([]*auditRow, 0, chunk)
		for i := from; i < from+n; i += chunk {
			rows, ptrs = rows[:0], ptrs[:0]
			for j := i; j < min(i+chunk, from+n); j++ {
				r, err := newAuditRow(event(j))
				if err != nil {
					return err
				}
				rows = append(rows, r)
			}
			for k := range rows {
				ptrs = append(ptrs, &rows[k])
			}
			if err := insertAuditRows(ctx, tx, ptrs...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("seed audit events: %v", err)
	}
}

// benchmarkAuditEvent returns the i-th event of a log where submissions go
// requested, responded, with a rejected one now and then.
func benchmarkAuditEvent(i int) AuditEvent {
	submission := fmt.Sprintf("sub-%08d", i/2)
	org := 100_000 + i%5000
	e := AuditEvent{
		SubmissionID:     submission,
		OccurredAt:       time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second),
		ActorID:          1 + i%20,
		ActorEmail:       fmt.Sprintf("editor%02d@example.com", i%20),
		OrganizationID:   org,
		OrganizationName: fmt.Sprintf("Organization %d Ltd", org),
		ClientAddr:       "192.0.2.10",
		RequestID:        fmt.Sprintf("req-%010d", i),
	}
	switch {
	case i%50 == 49:
		e.Kind = AuditRejected
		e.ErrorCodes = []string{"invalid_email"}
		e.ErrorMessage = "Email is not a valid email address."
		e.Summary = "rejected: invalid email"
	case i%2 == 0:
		e.Kind = AuditRequested
		e.RequestBody = benchmarkContacts("new")
		e.ContactsBefore = json.RawMessage(benchmarkContacts("old"))
		e.Summary = "technical contact updated"
	default:
		e.Kind = AuditResponded
		e.Status = 204
		e.Duration = 180 * time.Millisecond
		e.Summary = "204 No Content"
	}
	return e
}

func benchmarkContacts(who string) string {
	return fmt.Sprintf(`{"contacts":[{"contact_type":"organization_contact","first_name":"Ada","last_name":"Lovelace","email":"ada.%[1]s@example.com","job_title":"CTO","telephone":"+1 555 0100"},{"contact_type":"technical_contact","first_name":"Alan","last_name":"Turing","email":"alan.%[1]s@example.com","job_title":"Engineer","telephone":"+1 555 0101"}]}`, who)
}
