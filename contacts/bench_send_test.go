package contacts

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/contactdesk/contactdesk/internal/pgtest"
	"github.com/contactdesk/contactdesk/store"
)

// benchOrganizations is how many organizations BenchmarkSend changes.
const benchOrganizations = 200

// benchOrg is one organization of BenchmarkSend, with its contacts as the
// last send left them; a sender holds it while sending to it.
type benchOrg struct {
	id      int
	current Current
	sends   int
}

// next is the form for the organization's next change: the technical
// contact's job title, alternating between two values, so that every send
// changes something and goes through.
func (o *benchOrg) next() Input {
	ch := ChangeFrom(o.current)
	ch.Technical.Action = ActionUpdate
	ch.Technical.JobTitle = fmt.Sprintf("SRE %c", 'A'+o.sends%2)
	return Input{Mode: ModeForm, Change: ch}
}

// BenchmarkSend measures whole changes: the fresh read, the requested
// event, the PUT, the responded event and the read afterwards, with the
// sandbox on loopback HTTP and a durable store (synchronous FULL) in a
// temporary folder. Parallel senders each take an organization no other
// sender is changing at the time, as independent users would.
func BenchmarkSend(b *testing.B) {
	f := newFlowWith(b, flowOptions{clientDefaults: true, requestLog: 1})
	pool := make(chan *benchOrg, benchOrganizations)
	for range benchOrganizations {
		o := f.sb.AddOrganization(flowOrganization())
		pool <- &benchOrg{id: o.ID, current: currentOfSandbox(o)}
	}
	ctx := context.Background()
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o := <-pool
			res, err := f.svc.Send(ctx, o.id, o.next(), Fingerprint(o.current), testActor)
			if err != nil || res.Outcome != OutcomeSent || res.After == nil {
				b.Errorf("Send to organization %d: got %s, %v (after %v), want sent", o.id, res.Outcome, err, res.After)
				pool <- o
				return
			}
			o.current = CurrentFrom(*res.After)
			o.sends++
			pool <- o
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	head, err := f.st.AuditChainHead(ctx)
	if err != nil {
		b.Fatalf("AuditChainHead: %v", err)
	}
	if head.Count != 2*b.N {
		b.Errorf("audit events: got %d, want %d", head.Count, 2*b.N)
	}
}

// BenchmarkAuditAppend measures the audit log's share of a change: its
// requested and responded events, each a committed, synced transaction.
func BenchmarkAuditAppend(b *testing.B) {
	f := newFlow(b)
	ctx := context.Background()
	in := f.formChange(b, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
	rev, err := f.svc.Review(ctx, f.org.ID, in)
	if err != nil || rev.Errors != nil {
		b.Fatalf("Review: %v %v", err, rev.Errors)
	}
	before := []byte(encodeCurrent(b, rev.Current))
	appendChange := func(sub string) {
		base := store.AuditEvent{
			SubmissionID: sub, ActorID: testActor.UserID, ActorEmail: testActor.Email,
			ClientAddr: testActor.ClientAddr, RequestID: testActor.RequestID,
			OrganizationID: f.org.ID, OrganizationName: f.org.Name,
		}
		requested := base
		requested.Kind, requested.RequestBody, requested.ContactsBefore = store.AuditRequested, string(rev.Plan.Body), before
		requested.Summary = rev.Plan.Summary()
		responded := base
		responded.Kind, responded.Status, responded.Duration = store.AuditResponded, 204, 3_000_000
		responded.Summary = "Sent: DigiCert accepted the change (HTTP 204)"
		for _, e := range []store.AuditEvent{requested, responded} {
			if _, err := f.st.AppendAuditEvent(ctx, e); err != nil {
				b.Fatalf("AppendAuditEvent: %v", err)
			}
		}
	}
	b.Run("serial", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			appendChange(fmt.Sprintf("serial-%d", i))
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				appendChange(newSubmissionID())
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	})
}

// BenchmarkSendTwoInstances is BenchmarkSend on PostgreSQL with two
// instances: two services, each with a store and a client of its own, on
// one database (durable: fsync and synchronous commit on) and one
// sandbox, the senders taking turns between them. Their appends share
// the audit log's lock and their sends the organizations' locks, as two
// portal processes do.
func BenchmarkSendTwoInstances(b *testing.B) {
	f := newFlowWith(b, flowOptions{clientDefaults: true, requestLog: 1, dsn: pgtest.Database(b)})
	services := []*Service{f.svc, f.peer(b)}
	pool := make(chan *benchOrg, benchOrganizations)
	for range benchOrganizations {
		o := f.sb.AddOrganization(flowOrganization())
		pool <- &benchOrg{id: o.ID, current: currentOfSandbox(o)}
	}
	ctx := context.Background()
	var turn atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		svc := services[turn.Add(1)%2]
		for pb.Next() {
			o := <-pool
			res, err := svc.Send(ctx, o.id, o.next(), Fingerprint(o.current), testActor)
			if err != nil || res.Outcome != OutcomeSent || res.After == nil {
				b.Errorf("Send to organization %d: got %s, %v (after %v), want sent", o.id, res.Outcome, err, res.After)
				pool <- o
				return
			}
			o.current = CurrentFrom(*res.After)
			o.sends++
			pool <- o
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "changes/s")
	head, err := f.st.AuditChainHead(ctx)
	if err != nil {
		b.Fatalf("AuditChainHead: %v", err)
	}
	if head.Count != 2*b.N {
		b.Errorf("audit events: got %d, want %d", head.Count, 2*b.N)
	}
}
