package store

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestWriteAuditLogFile writes a database whose audit log holds 1,000,000
// chained events (500,000 settled submissions over 5,000 organizations),
// with their Merkle tree and derived tables, for measuring the audit pages
// and audit verify on a portal with years of history:
//
//	CONTACTDESK_SEED_AUDIT_DB=/tmp/audit-1m.db go test ./store -run WriteAuditLogFile -count=1 -timeout 30m
//
// The events go through the code every append uses (insertAuditRows), in
// large transactions rather than one synchronous commit each.
func TestWriteAuditLogFile(t *testing.T) {
	sqliteOnly(t) // written once, in the first pass: the variable names the database, a file or a postgres:// URL
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
	start := time.Now()
	for i := 0; i < events; i += seedTransaction {
		seedAuditEventsFrom(t, st, i, min(seedTransaction, events-i), settledAuditEvent)
	}
	if err := st.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %d audit events to %s in %v", events, path, time.Since(start))
}

// seedTransaction is how many events one transaction of the seed writes.
const seedTransaction = 100_000

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

// BenchmarkVerifyAuditLogFile measures audit verify's full check of the
// database TestWriteAuditLogFile writes:
//
//	CONTACTDESK_SEED_AUDIT_DB=/tmp/audit-1m.db go test ./store -run '^$' -bench VerifyAuditLogFile -benchtime 3x
func BenchmarkVerifyAuditLogFile(b *testing.B) {
	path := os.Getenv("CONTACTDESK_SEED_AUDIT_DB")
	if path == "" {
		b.Skip("set CONTACTDESK_SEED_AUDIT_DB to a database TestWriteAuditLogFile wrote")
	}
	ctx := context.Background()
	st, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for b.Loop() {
		check, err := st.VerifyAuditLog(ctx, VerifyAuditOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(check.Tree.Size), "events")
	}
}

// BenchmarkAuditInclusionProofFile measures one inclusion proof (an
// event's path to the root, read from the stored hashes) in the database
// TestWriteAuditLogFile writes:
//
//	CONTACTDESK_SEED_AUDIT_DB=/tmp/audit-1m.db go test ./store -run '^$' -bench AuditInclusionProofFile
func BenchmarkAuditInclusionProofFile(b *testing.B) {
	path := os.Getenv("CONTACTDESK_SEED_AUDIT_DB")
	if path == "" {
		b.Skip("set CONTACTDESK_SEED_AUDIT_DB to a database TestWriteAuditLogFile wrote")
	}
	ctx := context.Background()
	st, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	head, err := st.AuditTreeHead(ctx)
	if err != nil {
		b.Fatal(err)
	}
	id := int64(1)
	for b.Loop() {
		id = id*7919%head.Size + 1 // events all over the log
		if _, err := st.AuditInclusionProof(ctx, id, head.Size); err != nil {
			b.Fatal(err)
		}
	}
}
