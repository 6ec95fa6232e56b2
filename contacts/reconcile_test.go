package contacts

import (
	"context"
	"net/http"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// appendRequested records a requested event and nothing after it, as a
// process that stopped while the PUT was in flight leaves the log.
func appendRequested(t *testing.T, f *flow, submissionID string, orgID int, before Current, req []digicert.Contact) {
	t.Helper()
	body, err := digicert.EncodeContacts(req)
	if err != nil {
		t.Fatalf("EncodeContacts: %v", err)
	}
	_, err = f.st.AppendAuditEvent(context.Background(), store.AuditEvent{
		SubmissionID: submissionID, Kind: store.AuditRequested,
		ActorID: testActor.UserID, ActorEmail: testActor.Email, ClientAddr: testActor.ClientAddr, RequestID: testActor.RequestID,
		OrganizationID: orgID, OrganizationName: "Acme Widgets, Inc.",
		RequestBody: string(body), ContactsBefore: []byte(encodeCurrent(t, before)),
		Summary: "Technical contact removed",
	})
	if err != nil {
		t.Fatalf("AppendAuditEvent: %v", err)
	}
}

func TestReconcile(t *testing.T) {
	removal := []digicert.Contact{{ContactType: tech}}
	tests := []struct {
		name string
		// setup records the pending submission and may change the sandbox;
		// it returns the organization id the submission concerns.
		setup       func(t *testing.T, f *flow) int
		wantSummary string
		wantAfter   func(t *testing.T, f *flow) string
	}{
		{
			name: "change made",
			setup: func(t *testing.T, f *flow) int {
				before := f.current(t)
				appendRequested(t, f, "sub-1", f.org.ID, before, removal)
				o := f.org
				o.TechnicalContact = nil
				f.sb.AddOrganization(o) // DigiCert received the PUT
				return f.org.ID
			},
			wantSummary: "Reconciled: DigiCert shows the requested contacts: the change was made",
			wantAfter:   func(t *testing.T, f *flow) string { return encodeCurrent(t, f.current(t)) },
		},
		{
			name: "change not made",
			setup: func(t *testing.T, f *flow) int {
				appendRequested(t, f, "sub-1", f.org.ID, f.current(t), removal)
				return f.org.ID
			},
			wantSummary: "Reconciled: DigiCert shows the contacts as they were before: the change was not made",
			wantAfter:   func(t *testing.T, f *flow) string { return encodeCurrent(t, f.current(t)) },
		},
		{
			name: "something else happened",
			setup: func(t *testing.T, f *flow) int {
				appendRequested(t, f, "sub-1", f.org.ID, f.current(t), removal)
				o := f.org
				tc := *o.TechnicalContact
				tc.JobTitle = "Someone else's change"
				o.TechnicalContact = &tc
				f.sb.AddOrganization(o)
				return f.org.ID
			},
			wantSummary: "Reconciled: DigiCert shows contacts that match neither those before nor the request",
			wantAfter:   func(t *testing.T, f *flow) string { return encodeCurrent(t, f.current(t)) },
		},
		{
			name: "organization gone",
			setup: func(t *testing.T, f *flow) int {
				appendRequested(t, f, "sub-1", 999999, f.current(t), removal)
				return 999999
			},
			wantSummary: "Reconciled: DigiCert no longer knows this organization",
			wantAfter:   func(*testing.T, *flow) string { return "null" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			ctx := context.Background()
			orgID := tt.setup(t, f)
			n, err := f.svc.Reconcile(ctx)
			if err != nil || n != 1 {
				t.Fatalf("Reconcile: got %d, %v; want 1, nil", n, err)
			}
			events := f.events(t, "sub-1")
			assertKinds(t, events, store.AuditRequested, store.AuditReconciled)
			e := events[1]
			if got, want := string(e.ContactsAfter), tt.wantAfter(t, f); got != want {
				t.Errorf("contacts after:\n got  %s\n want %s", got, want)
			}
			if string(e.ContactsBefore) != string(events[0].ContactsBefore) {
				t.Errorf("contacts before: got %s, want the request's %s", e.ContactsBefore, events[0].ContactsBefore)
			}
			if e.Summary != tt.wantSummary || e.OrganizationID != orgID {
				t.Errorf("reconciled: got summary %q, organization %d; want %q, %d", e.Summary, e.OrganizationID, tt.wantSummary, orgID)
			}
			pending, err := f.st.PendingSubmissions(ctx)
			if err != nil || len(pending) != 0 {
				t.Errorf("PendingSubmissions after Reconcile: got %d, %v; want none", len(pending), err)
			}
			if n, err := f.svc.Reconcile(ctx); err != nil || n != 0 {
				t.Errorf("second Reconcile: got %d, %v; want 0, nil", n, err)
			}
			if puts := f.puts(); len(puts) != 0 {
				t.Errorf("PUT requests: got %d, want none: nothing is sent again", len(puts))
			}
			if n := f.verifyChain(t); n != 2 {
				t.Errorf("audit events: got %d, want 2", n)
			}
		})
	}
}

// TestReconcileLeavesUnreadablePending keeps a submission pending when
// DigiCert cannot be read, so that a later start records the real state.
func TestReconcileLeavesUnreadablePending(t *testing.T) {
	f := newFlow(t)
	ctx := context.Background()
	appendRequested(t, f, "sub-1", f.org.ID, f.current(t), []digicert.Contact{{ContactType: tech}})
	// Every attempt of the read (the client makes DefaultMaxAttempts)
	// meets a server error.
	f.sb.InjectFault(sandbox.Fault{Status: http.StatusServiceUnavailable, Count: digicert.DefaultMaxAttempts})
	n, err := f.svc.Reconcile(ctx)
	if err == nil || n != 0 {
		t.Fatalf("Reconcile with DigiCert down: got %d, %v; want 0 and an error", n, err)
	}
	pending, err := f.st.PendingSubmissions(ctx)
	if err != nil || len(pending) != 1 {
		t.Fatalf("PendingSubmissions: got %d, %v; want 1", len(pending), err)
	}
	assertKinds(t, f.events(t, "sub-1"), store.AuditRequested)

	// The next start, with DigiCert back.
	if n, err := f.svc.Reconcile(ctx); err != nil || n != 1 {
		t.Fatalf("Reconcile once DigiCert answers: got %d, %v; want 1, nil", n, err)
	}
	assertKinds(t, f.events(t, "sub-1"), store.AuditRequested, store.AuditReconciled)
}
