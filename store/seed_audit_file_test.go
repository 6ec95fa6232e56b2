package store

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestWriteAuditLogFile writes a database whose audit log holds 1,000,000
// chained events (500,000 settled submissions over 5,000 organizations), for
// measuring the audit pages of a portal with years of history:
//
//	CONTACTDESK_SEED_AUDIT_DB=/tmp/audit-1m.db go test ./store -run WriteAuditLogFile -timeout 30m
//
// The audit index is dropped while the events are written and rebuilt once
// by its migration, which is much faster than its triggers firing a
// million times.
func TestWriteAuditLogFile(t *testing.T) {
	path := os.Getenv("CONTACTDESK_SEED_AUDIT_DB")
	if path == "" {
		t.Skip("set CONTACTDESK_SEED_AUDIT_DB to the database file to write")
	}
	const events = 1_000_000
	ctx := context.Background()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.migrationProvider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 4); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	start := time.Now()
	seedAuditEvents(t, st, events, settledAuditEvent)
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	t.Logf("wrote %d audit events to %s in %v", events, path, time.Since(start))
}

// settledAuditEvent is benchmarkAuditEvent with every submission settled:
// where that log has a rejection after a request, which would leave the
// request pending and have the portal reconcile it at start, DigiCert
// refuses the change with a 400 instead.
func settledAuditEvent(i int) AuditEvent {
	e := benchmarkAuditEvent(i)
	if e.Kind == AuditRejected {
		e.Kind = AuditResponded
		e.Status = 400
		e.Duration = 120 * time.Millisecond
		e.Summary = "400 Bad Request: invalid email"
	}
	return e
}
