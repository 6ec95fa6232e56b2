package contacts

import (
	"context"
	"errors"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

func TestRestoreInput(t *testing.T) {
	grace := &digicert.ExistingContact{ID: 1, FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com", JobTitle: "CTO", Telephone: "+1 555 0100"}
	graceNewPhone := &digicert.ExistingContact{ID: 1, FirstName: "Grace", LastName: "Hopper", Email: "GRACE@example.com", JobTitle: "CTO", Telephone: "+1 555 0199"}
	alan := &digicert.ExistingContact{ID: 2, FirstName: "Alan", LastName: "Turing", Email: "alan@example.com"}
	tests := []struct {
		name            string
		before, current Current
		wantOrg         Action
		wantTech        Action
		changed         bool
	}{
		{"same contacts: nothing to do", Current{Organization: grace}, Current{Organization: grace}, ActionKeep, ActionKeep, false},
		{"same values under a new id: nothing to do", Current{Organization: grace}, Current{Organization: &digicert.ExistingContact{ID: 9, FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com", JobTitle: "CTO", Telephone: "+1 555 0100"}}, ActionKeep, ActionKeep, false},
		{"same person, other telephone: update", Current{Organization: grace}, Current{Organization: graceNewPhone}, ActionUpdate, ActionKeep, true},
		{"someone else now: replace", Current{Organization: grace, Technical: grace}, Current{Organization: alan, Technical: grace}, ActionReplace, ActionKeep, true},
		{"technical contact added since: remove it", Current{Organization: grace}, Current{Organization: grace, Technical: alan}, ActionKeep, ActionRemove, true},
		{"technical contact removed since: add it", Current{Organization: grace, Technical: alan}, Current{Organization: grace}, ActionKeep, ActionAdd, true},
		{"technical contact not reported now: kept", Current{Organization: grace, Technical: alan}, Current{Organization: grace, TechnicalOmitted: true}, ActionKeep, ActionKeep, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, changed := RestoreInput(tt.before, tt.current)
			if changed != tt.changed || in.Change.Organization.Action != tt.wantOrg || in.Change.Technical.Action != tt.wantTech {
				t.Fatalf("RestoreInput: changed %v, actions %s/%s; want %v, %s/%s", changed, in.Change.Organization.Action,
					in.Change.Technical.Action, tt.changed, tt.wantOrg, tt.wantTech)
			}
			if in.Basis != Fingerprint(tt.current) || in.Loaded == nil || Fingerprint(*in.Loaded) != Fingerprint(tt.current) {
				t.Errorf("the form is not loaded from the current contacts")
			}
			if !changed {
				return
			}
			// What the form sends makes the contacts those before again.
			req, errs := ValidateChange(in.Change, tt.current, defaultLocalesFor(t))
			if errs != nil {
				t.Fatalf("the restore form does not validate: %v", errs)
			}
			for _, c := range req {
				want := tt.before.of(c.ContactType)
				switch {
				case want == nil && !c.IsRemoval():
					t.Errorf("%s: sent %+v, want a removal", c.ContactType, c)
				case want != nil && existingAsContact(*want, c.ContactType) != c:
					t.Errorf("%s: sent %+v, want %+v", c.ContactType, c, *want)
				}
			}
		})
	}
}

func defaultLocalesFor(t *testing.T) LocaleSet {
	t.Helper()
	l, err := DefaultLocales()
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestMatchesRequest(t *testing.T) {
	alan := &digicert.ExistingContact{ID: 7, FirstName: "Alan", LastName: "Turing", Email: "alan@example.com"}
	body := `{"contacts":[{"first_name":"Alan","last_name":"Turing","email":"alan@example.com","contact_type":"technical_contact"}]}`
	for _, tt := range []struct {
		name    string
		current Current
		want    bool
	}{
		{"as sent", Current{Technical: alan}, true},
		{"changed again since", Current{Technical: &digicert.ExistingContact{ID: 7, FirstName: "Alan", LastName: "Turing", Email: "alan@example.com", JobTitle: "Boss"}}, false},
		{"removed since", Current{}, false},
		{"not reported", Current{TechnicalOmitted: true}, false},
	} {
		got, err := MatchesRequest(tt.current, body)
		if err != nil || got != tt.want {
			t.Errorf("%s: MatchesRequest = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	if _, err := MatchesRequest(Current{}, "{"); err == nil {
		t.Error("MatchesRequest of a broken body: no error")
	}
}

// TestRetryAfterReconciled checks that a retry whose earlier submission was
// already reconciled (at start, or by the read after an outage) and whose
// change DigiCert shows now sends nothing: the change was made.
func TestRetryAfterReconciled(t *testing.T) {
	f := newFlow(t)
	in := f.formChange(t, techJobTitle("Lead SRE"))
	fp := f.fingerprint(t)
	// The process stops after the PUT, before its outcome is recorded.
	lost := errors.New("stopped")
	res, err := f.svc.SendWith(context.Background(), f.org.ID, in, fp, testActor, SendOptions{
		Record: func(ctx context.Context, e store.AuditEvent) error {
			if e.Kind != store.AuditRequested {
				return lost
			}
			_, err := f.st.AppendAuditEvent(ctx, e)
			return err
		},
	})
	if !errors.Is(err, lost) || res.Outcome != OutcomeSent {
		t.Fatalf("first send: outcome %s, err %v; want sent with its outcome not recorded", res.Outcome, err)
	}
	if n, err := f.svc.Reconcile(context.Background()); err != nil || n != 1 {
		t.Fatalf("Reconcile: %d, %v; want 1", n, err)
	}
	puts := len(f.puts())
	again, err := f.svc.Retry(context.Background(), f.org.ID, in, fp, res.SubmissionID, testActor)
	if err != nil || again.Outcome != OutcomeAlreadyMade {
		t.Fatalf("Retry: outcome %s, err %v; want already_made", again.Outcome, err)
	}
	if n := len(f.puts()); n != puts {
		t.Errorf("Retry sent %d PUTs, want none", n-puts)
	}
	if kinds := kindsOf(f.events(t, res.SubmissionID)); len(kinds) != 2 {
		t.Errorf("events of the first submission: %v, want requested and reconciled, no more", kinds)
	}
}

// TestSendWithRecord checks that SendWith records every event through its
// Record hook, and that a hook refusing the requested event stops the send
// before anything leaves.
func TestSendWithRecord(t *testing.T) {
	f := newFlow(t)
	in := f.formChange(t, techJobTitle("Lead SRE"))
	var kinds []store.AuditKind
	record := func(ctx context.Context, e store.AuditEvent) error {
		kinds = append(kinds, e.Kind)
		_, err := f.st.AppendAuditEvent(ctx, e)
		return err
	}
	res, err := f.svc.SendWith(context.Background(), f.org.ID, in, f.fingerprint(t), testActor, SendOptions{Record: record})
	if err != nil || res.Outcome != OutcomeSent {
		t.Fatalf("SendWith: %s, %v", res.Outcome, err)
	}
	if len(kinds) != 2 || kinds[0] != store.AuditRequested || kinds[1] != store.AuditResponded {
		t.Errorf("recorded %v, want requested and responded", kinds)
	}

	refused := errors.New("job paused")
	in = f.formChange(t, techJobTitle("Head of SRE"))
	puts := len(f.puts())
	res, err = f.svc.SendWith(context.Background(), f.org.ID, in, f.fingerprint(t), testActor, SendOptions{
		Record: func(context.Context, store.AuditEvent) error { return refused },
	})
	if !errors.Is(err, refused) || res.Outcome != "" {
		t.Errorf("SendWith with the request refused: %s, %v; want the hook's error and no outcome", res.Outcome, err)
	}
	if n := len(f.puts()); n != puts {
		t.Errorf("%d PUTs sent after the request was refused, want none", n-puts)
	}
}

// TestSendWithReviewedFromDirectory checks the stale check against the
// contacts the directory knew: equal contacts send, a technical contact
// DigiCert does not report matches the directory's none, and any other
// difference is refused as stale.
func TestSendWithReviewedFromDirectory(t *testing.T) {
	f := newFlowWith(t, flowOptions{omitTechnical: true})
	known := f.current(t)
	// The directory never sees a technical contact DigiCert does not
	// report.
	known.Technical = nil
	in := Input{Mode: ModeForm, Change: ChangeFrom(known), Loaded: &known}
	in.Change.Organization.Action, in.Change.Organization.JobTitle = ActionUpdate, "Chief"
	res, err := f.svc.SendWith(context.Background(), f.org.ID, in, "", testActor, SendOptions{Reviewed: &known})
	if err != nil || res.Outcome != OutcomeSent {
		t.Fatalf("SendWith: %s, %v; want sent", res.Outcome, err)
	}

	// Reviewed before the change just made: stale.
	in.Change.Organization.JobTitle = "Chief Officer"
	res, err = f.svc.SendWith(context.Background(), f.org.ID, in, "", testActor, SendOptions{Reviewed: &known})
	if err != nil || res.Outcome != OutcomeStale {
		t.Fatalf("SendWith against old contacts: %s, %v; want stale", res.Outcome, err)
	}
	events := f.events(t, res.SubmissionID)
	if len(events) != 1 || events[0].Kind != store.AuditRejected || len(events[0].ErrorCodes) != 1 || events[0].ErrorCodes[0] != CodeStaleReview {
		t.Errorf("stale send recorded %+v, want one rejected event with stale_review", kindsOf(events))
	}
}
