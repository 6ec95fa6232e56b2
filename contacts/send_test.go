package contacts

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

func TestSendSent(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Change)
		check func(t *testing.T, before, after sandbox.Organization)
	}{
		{
			name: "technical contact updated in place",
			edit: func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" },
			check: func(t *testing.T, before, after sandbox.Organization) {
				if after.TechnicalContact == nil || after.TechnicalContact.ID != before.TechnicalContact.ID || after.TechnicalContact.JobTitle != "Lead SRE" {
					t.Errorf("technical contact: got %+v, want id %d with job title Lead SRE", after.TechnicalContact, before.TechnicalContact.ID)
				}
			},
		},
		{
			name: "technical contact replaced",
			edit: func(ch *Change) {
				ch.Technical = ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "Mei", LastName: "Lin", Email: "mei.lin@acme.example", LanguageID: "1"}}
			},
			check: func(t *testing.T, before, after sandbox.Organization) {
				if after.TechnicalContact == nil || after.TechnicalContact.ID == before.TechnicalContact.ID || after.TechnicalContact.Email != "mei.lin@acme.example" {
					t.Errorf("technical contact: got %+v, want a new contact for mei.lin@acme.example", after.TechnicalContact)
				}
				if after.TechnicalContact != nil && after.TechnicalContact.JobTitle != "" {
					t.Errorf("job title of the new technical contact: got %q, want none", after.TechnicalContact.JobTitle)
				}
			},
		},
		{
			name: "technical contact removed",
			edit: func(ch *Change) { ch.Technical.Action = ActionRemove },
			check: func(t *testing.T, _, after sandbox.Organization) {
				if after.TechnicalContact != nil {
					t.Errorf("technical contact: got %+v, want none", after.TechnicalContact)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			before, _ := f.sb.Organization(f.org.ID)
			currentBefore := f.current(t)
			in := f.formChange(t, tt.edit)
			res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Outcome != OutcomeSent || res.Status != http.StatusNoContent || res.Errors != nil || res.Problem != "" {
				t.Fatalf("result: got outcome %s, status %d, errors %v, problem %q; want sent, 204", res.Outcome, res.Status, res.Errors, res.Problem)
			}
			after, _ := f.sb.Organization(f.org.ID)
			tt.check(t, before, after)
			if res.After == nil || !reflect.DeepEqual(CurrentFrom(*res.After), currentOfSandbox(after)) {
				t.Errorf("After: got %+v, want the contacts the sandbox holds now", res.After)
			}
			if res.Duration <= 0 {
				t.Errorf("Duration: got %v, want more than 0", res.Duration)
			}

			events := f.events(t, res.SubmissionID)
			assertKinds(t, events, store.AuditRequested, store.AuditResponded)
			assertActor(t, events, res.SubmissionID, f.org.ID)
			requested, responded := events[0], events[1]
			assertSentBody(t, f, requested.RequestBody, 1)
			if requested.RequestBody != string(res.Review.Plan.Body) {
				t.Errorf("requested body: got %s, want the plan's %s", requested.RequestBody, res.Review.Plan.Body)
			}
			if got, want := string(requested.ContactsBefore), encodeCurrent(t, currentBefore); got != want {
				t.Errorf("contacts before:\n got  %s\n want %s", got, want)
			}
			if want := res.Review.Plan.Summary(); requested.Summary != want || want == "" {
				t.Errorf("requested summary: got %q, want %q", requested.Summary, want)
			}
			if responded.Status != http.StatusNoContent || responded.Duration <= 0 || len(responded.ErrorCodes) != 0 || responded.ResponseBody != "" {
				t.Errorf("responded: got status %d, duration %v, codes %v, body %q; want 204, > 0, none, empty",
					responded.Status, responded.Duration, responded.ErrorCodes, responded.ResponseBody)
			}
			if !strings.Contains(responded.Summary, "HTTP 204") {
				t.Errorf("responded summary: got %q, want it to name HTTP 204", responded.Summary)
			}
			if n := f.verifyChain(t); n != 2 {
				t.Errorf("audit events: got %d, want 2", n)
			}
		})
	}
}

// assertSentBody checks that the sandbox received exactly wantPuts PUTs,
// each with the body the audit log holds, byte for byte.
func assertSentBody(t *testing.T, f *flow, recorded string, wantPuts int) {
	t.Helper()
	puts := f.puts()
	if len(puts) != wantPuts {
		t.Fatalf("PUT requests received: got %d, want %d", len(puts), wantPuts)
	}
	for i, p := range puts {
		if string(p.Body) != recorded {
			t.Errorf("PUT %d body:\n got  %s\n want %s (as recorded)", i, p.Body, recorded)
		}
	}
}

func TestSendDigiCertError(t *testing.T) {
	const telephoneError = `{"errors":[{"code":"invalid_param:telephone","message":"Invalid telephone"}]}`
	techTelephone := func(ch *Change) { ch.Technical.Action, ch.Technical.Telephone = ActionUpdate, "+1 (415) 555-0199" }
	tests := []struct {
		name      string
		in        func(t *testing.T, f *flow) Input
		fault     sandbox.Fault
		wantCodes []string
		wantBody  string
		want      []FieldError
	}{
		{
			name:      "invalid telephone, form",
			in:        func(t *testing.T, f *flow) Input { return f.formChange(t, techTelephone) },
			fault:     sandbox.Fault{Status: http.StatusBadRequest, Body: telephoneError},
			wantCodes: []string{"invalid_param:telephone"},
			wantBody:  telephoneError,
			want: []FieldError{{Path: "contacts[0].telephone", Field: "technical_contact.telephone",
				Code: "invalid_param:telephone", Message: "Invalid telephone"}},
		},
		{
			name: "invalid telephone, json",
			in: func(*testing.T, *flow) Input {
				return Input{Mode: ModeJSON, RequestJSON: `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme.example","telephone":"+1 (415) 555-0199","contact_type":"technical_contact"}]}`}
			},
			fault:     sandbox.Fault{Status: http.StatusBadRequest, Body: telephoneError},
			wantCodes: []string{"invalid_param:telephone"},
			wantBody:  telephoneError,
			want: []FieldError{{Path: "contacts[0].telephone", Field: FieldRequestJSON,
				Code: "invalid_param:telephone", Message: "Invalid telephone"}},
		},
		{
			name:      "access denied",
			in:        func(t *testing.T, f *flow) Input { return f.formChange(t, techTelephone) },
			fault:     sandbox.Fault{Status: http.StatusForbidden},
			wantCodes: []string{"access_denied"},
			wantBody:  `{"errors":[{"code":"access_denied","message":"Forbidden."}]}`,
			want:      []FieldError{{Code: "access_denied", Message: "Forbidden."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			before := f.current(t)
			in := tt.in(t, f)
			f.sb.InjectFault(sandbox.Fault{}) // the fresh read goes through
			f.sb.InjectFault(tt.fault)        // the PUT meets the fault
			res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Outcome != OutcomeDigiCertError || res.Status != tt.fault.Status || res.After != nil {
				t.Fatalf("result: got outcome %s, status %d, after %v; want digicert_error, %d, none", res.Outcome, res.Status, res.After, tt.fault.Status)
			}
			assertErrors(t, res.Errors, tt.want)
			if got := f.current(t); !reflect.DeepEqual(got, before) {
				t.Errorf("sandbox contacts changed: got %+v, want %+v", got, before)
			}

			events := f.events(t, res.SubmissionID)
			assertKinds(t, events, store.AuditRequested, store.AuditResponded)
			assertActor(t, events, res.SubmissionID, f.org.ID)
			assertSentBody(t, f, events[0].RequestBody, 1)
			responded := events[1]
			if responded.Status != tt.fault.Status || responded.ResponseBody != tt.wantBody || !reflect.DeepEqual(responded.ErrorCodes, tt.wantCodes) || responded.Duration <= 0 {
				t.Errorf("responded: got status %d, body %s, codes %v, duration %v; want %d, %s, %v, > 0",
					responded.Status, responded.ResponseBody, responded.ErrorCodes, responded.Duration, tt.fault.Status, tt.wantBody, tt.wantCodes)
			}
			if responded.ErrorMessage == "" || responded.Summary == "" {
				t.Errorf("responded: got error message %q and summary %q, want both", responded.ErrorMessage, responded.Summary)
			}
		})
	}
}

func TestSendNoAnswer(t *testing.T) {
	tests := []struct {
		name  string
		fault sandbox.Fault
	}{
		// Four attempts (the client's default) all cut off; more faults
		// than attempts, so that none gets through.
		{"connection dropped", sandbox.Fault{DropConnection: true, Count: 8}},
		// Every attempt outlasts the 300 ms timeout until the 1 s budget is
		// spent.
		{"too slow", sandbox.Fault{Latency: 2 * time.Second, Count: 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			before := f.current(t)
			in := f.formChange(t, func(ch *Change) { ch.Technical.Action = ActionRemove })
			f.sb.InjectFault(sandbox.Fault{})
			f.sb.InjectFault(tt.fault)
			res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Outcome != OutcomeNoAnswer || res.Problem == "" || res.Status != 0 || res.Duration <= 0 {
				t.Fatalf("result: got outcome %s, problem %q, status %d, duration %v; want no_answer with a problem, no status, duration > 0",
					res.Outcome, res.Problem, res.Status, res.Duration)
			}
			if got := f.current(t); !reflect.DeepEqual(got, before) {
				t.Errorf("sandbox contacts changed: got %+v, want %+v", got, before)
			}
			events := f.events(t, res.SubmissionID)
			assertKinds(t, events, store.AuditRequested, store.AuditFailed)
			assertActor(t, events, res.SubmissionID, f.org.ID)
			failed := events[1]
			if failed.ErrorMessage != res.Problem || failed.Duration <= 0 || failed.Status != 0 {
				t.Errorf("failed: got message %q, duration %v, status %d; want %q, > 0, none", failed.ErrorMessage, failed.Duration, failed.Status, res.Problem)
			}
			puts := f.puts()
			if len(puts) < 2 {
				t.Errorf("PUT attempts: got %d, want the retries too", len(puts))
			}
			for i, p := range puts {
				if string(p.Body) != events[0].RequestBody {
					t.Errorf("PUT %d body: got %s, want %s", i, p.Body, events[0].RequestBody)
				}
			}
			pending, err := f.st.PendingSubmissions(context.Background())
			if err != nil || len(pending) != 0 {
				t.Errorf("PendingSubmissions: got %d, %v; want none", len(pending), err)
			}
		})
	}
}

func TestSendRejected(t *testing.T) {
	tests := []struct {
		name      string
		in        func(t *testing.T, f *flow) Input
		wantBody  string
		wantCodes []string
		wantField string
	}{
		{
			name: "form",
			in: func(t *testing.T, f *flow) Input {
				return f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.Email = ActionUpdate, " not an email " })
			},
			wantBody:  `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"not an email","job_title":"SRE","telephone":"+1 415 555 0102","language_id":"1","contact_type":"technical_contact"}]}`,
			wantCodes: []string{"invalid_input"},
			wantField: "technical_contact.email",
		},
		{
			name: "json with a duplicate type",
			in: func(*testing.T, *flow) Input {
				return Input{Mode: ModeJSON, RequestJSON: `{"contacts":[{"contact_type":"technical_contact"},{"contact_type":"technical_contact"}]}`}
			},
			wantBody:  `{"contacts":[{"contact_type":"technical_contact"},{"contact_type":"technical_contact"}]}`,
			wantCodes: []string{CodeDuplicateType},
			wantField: FieldRequestJSON,
		},
		{
			name:      "json that is not JSON",
			in:        func(*testing.T, *flow) Input { return Input{Mode: ModeJSON, RequestJSON: `{"contacts": [`} },
			wantBody:  `{"contacts": [`,
			wantCodes: []string{"invalid_input"},
			wantField: FieldRequestJSON,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			res, err := f.svc.Send(context.Background(), f.org.ID, tt.in(t, f), f.fingerprint(t), testActor)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if res.Outcome != OutcomeRejected || res.Errors.Empty() || res.Errors.Errors[0].Field != tt.wantField {
				t.Fatalf("result: got outcome %s, errors %v; want rejected with an error on %s", res.Outcome, res.Errors, tt.wantField)
			}
			if puts := f.puts(); len(puts) != 0 {
				t.Errorf("PUT requests: got %d, want none", len(puts))
			}
			events := f.events(t, res.SubmissionID)
			assertKinds(t, events, store.AuditRejected)
			assertActor(t, events, res.SubmissionID, f.org.ID)
			e := events[0]
			if e.RequestBody != tt.wantBody || !reflect.DeepEqual(e.ErrorCodes, tt.wantCodes) {
				t.Errorf("rejected: got body %s and codes %v, want %s and %v", e.RequestBody, e.ErrorCodes, tt.wantBody, tt.wantCodes)
			}
			if got, want := string(e.ContactsBefore), encodeCurrent(t, f.current(t)); got != want {
				t.Errorf("contacts before:\n got  %s\n want %s", got, want)
			}
			if !strings.Contains(e.ErrorMessage, res.Errors.Errors[0].Message) || e.Summary == "" {
				t.Errorf("rejected: got message %q and summary %q, want the message %q and a summary", e.ErrorMessage, e.Summary, res.Errors.Errors[0].Message)
			}
		})
	}
}

func TestSendStale(t *testing.T) {
	f := newFlow(t)
	ctx := context.Background()
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
	rev, err := f.svc.Review(ctx, f.org.ID, in)
	if err != nil || rev.Errors != nil {
		t.Fatalf("Review: %v %v", err, rev.Errors)
	}

	// Someone changes the technical contact at DigiCert in between.
	changed := f.org
	tc := *changed.TechnicalContact
	tc.JobTitle = "Platform Engineer"
	changed.TechnicalContact = &tc
	f.sb.AddOrganization(changed)

	res, err := f.svc.Send(ctx, f.org.ID, in, rev.Fingerprint, testActor)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	wantChanges := []string{"The technical contact's job title changed from SRE to Platform Engineer"}
	if res.Outcome != OutcomeStale || !reflect.DeepEqual(res.Changes, wantChanges) {
		t.Fatalf("result: got outcome %s, changes %q; want stale, %q", res.Outcome, res.Changes, wantChanges)
	}
	if res.Review.Fingerprint != f.fingerprint(t) || res.Review.Fingerprint == rev.Fingerprint {
		t.Errorf("fresh review fingerprint: got %s, want the new contacts' %s", res.Review.Fingerprint, f.fingerprint(t))
	}
	if puts := f.puts(); len(puts) != 0 {
		t.Errorf("PUT requests: got %d, want none", len(puts))
	}
	if got := f.current(t).Technical.JobTitle; got != "Platform Engineer" {
		t.Errorf("technical job title: got %q, want the other change, Platform Engineer", got)
	}
	events := f.events(t, res.SubmissionID)
	assertKinds(t, events, store.AuditRejected)
	assertActor(t, events, res.SubmissionID, f.org.ID)
	e := events[0]
	if !reflect.DeepEqual(e.ErrorCodes, []string{CodeStaleReview}) || !strings.Contains(e.ErrorMessage, wantChanges[0]) {
		t.Errorf("rejected: got codes %v, message %q; want [stale_review] and the change", e.ErrorCodes, e.ErrorMessage)
	}
	if got, want := string(e.ContactsBefore), encodeCurrent(t, f.current(t)); got != want {
		t.Errorf("contacts before:\n got  %s\n want %s", got, want)
	}

	// The fresh review can be sent.
	again, err := f.svc.Send(ctx, f.org.ID, in, res.Review.Fingerprint, testActor)
	if err != nil || again.Outcome != OutcomeSent {
		t.Fatalf("Send of the fresh review: got %s, %v; want sent", again.Outcome, err)
	}
}

func TestSendStaleWithoutReview(t *testing.T) {
	f := newFlow(t)
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action = ActionRemove })
	res, err := f.svc.Send(context.Background(), f.org.ID, in, "a fingerprint no review gave", testActor)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if res.Outcome != OutcomeStale || len(res.Changes) != 1 {
		t.Fatalf("result: got outcome %s, changes %q; want stale with one line", res.Outcome, res.Changes)
	}
	if puts := f.puts(); len(puts) != 0 {
		t.Errorf("PUT requests: got %d, want none", len(puts))
	}
}

func TestSendConcurrentToOneOrganization(t *testing.T) {
	f := newFlow(t)
	ctx := context.Background()
	fingerprint := f.fingerprint(t)
	inputs := []Input{
		f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" }),
		f.formChange(t, func(ch *Change) { ch.Technical.Action = ActionRemove }),
	}
	if _, err := f.svc.Review(ctx, f.org.ID, inputs[0]); err != nil {
		t.Fatalf("Review: %v", err)
	}

	results := make([]SendResult, len(inputs))
	errs := make([]error, len(inputs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Go(func() {
			<-start
			results[i], errs[i] = f.svc.Send(ctx, f.org.ID, in, fingerprint, testActor)
		})
	}
	close(start)
	wg.Wait()

	var outcomes []Outcome
	for i, res := range results {
		if errs[i] != nil {
			t.Fatalf("Send %d: %v", i, errs[i])
		}
		outcomes = append(outcomes, res.Outcome)
	}
	slices.Sort(outcomes)
	if want := []Outcome{OutcomeSent, OutcomeStale}; !reflect.DeepEqual(outcomes, want) {
		t.Fatalf("outcomes: got %v, want %v", outcomes, want)
	}
	sent, stale := results[0], results[1]
	if sent.Outcome != OutcomeSent {
		sent, stale = stale, sent
	}
	if len(stale.Changes) == 0 {
		t.Error("the stale send does not say what changed")
	}
	assertKinds(t, f.events(t, sent.SubmissionID), store.AuditRequested, store.AuditResponded)
	assertKinds(t, f.events(t, stale.SubmissionID), store.AuditRejected)
	if puts := f.puts(); len(puts) != 1 {
		t.Errorf("PUT requests: got %d, want 1", len(puts))
	}
	if n := f.verifyChain(t); n != 3 {
		t.Errorf("audit events: got %d, want 3", n)
	}
}

func TestSendNothingWhenTheRequestCannotBeRecorded(t *testing.T) {
	f := newFlowWith(t, flowOptions{keepStoreOpen: true})
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action = ActionRemove })
	fingerprint := f.fingerprint(t)
	if err := f.st.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
	res, err := f.svc.Send(context.Background(), f.org.ID, in, fingerprint, testActor)
	if err == nil {
		t.Fatalf("Send with the store closed: got outcome %s and no error, want an error", res.Outcome)
	}
	if puts := f.puts(); len(puts) != 0 {
		t.Errorf("PUT requests: got %d, want none", len(puts))
	}
	if f.current(t).Technical == nil {
		t.Error("the technical contact was removed although nothing could be recorded")
	}
}

// TestSendOutcomeNotRecorded stops the store while the PUT is in flight,
// as a crash or a full disk would: the change is made, Send says the
// outcome was not recorded, the submission stays pending, and the next
// start reconciles it.
func TestSendOutcomeNotRecorded(t *testing.T) {
	var st *store.Store
	var closeErr error
	var once sync.Once
	f := newFlowWith(t, flowOptions{
		keepStoreOpen: true,
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPut {
					once.Do(func() { closeErr = st.Close() })
				}
				next.ServeHTTP(w, r)
			})
		},
	})
	st = f.st
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action = ActionRemove })
	res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
	if closeErr != nil {
		t.Fatalf("close store: %v", closeErr)
	}
	if err == nil || res.Outcome != OutcomeSent || res.SubmissionID == "" {
		t.Fatalf("Send: got outcome %s and error %v, want sent with an error", res.Outcome, err)
	}

	// The next start.
	reopened, err := store.Open(context.Background(), f.dbPath)
	if err != nil {
		t.Fatalf("reopen store: %v", err)
	}
	t.Cleanup(func() {
		if err := reopened.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	pending, err := reopened.PendingSubmissions(context.Background())
	if err != nil || len(pending) != 1 || pending[0].SubmissionID != res.SubmissionID {
		t.Fatalf("PendingSubmissions: got %v, %v; want the submission %s", pending, err, res.SubmissionID)
	}
	svc := NewService(f.client, reopened, f.svc.locales, testLogger(t))
	n, err := svc.Reconcile(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Reconcile: got %d, %v; want 1, nil", n, err)
	}
	events, err := reopened.SubmissionEvents(context.Background(), res.SubmissionID)
	if err != nil {
		t.Fatalf("SubmissionEvents: %v", err)
	}
	assertKinds(t, events, store.AuditRequested, store.AuditReconciled)
	if want := "Reconciled: DigiCert shows the requested contacts: the change was made"; events[1].Summary != want {
		t.Errorf("reconciled summary: got %q, want %q", events[1].Summary, want)
	}
	if puts := f.puts(); len(puts) != 1 {
		t.Errorf("PUT requests: got %d, want 1 (nothing sent again)", len(puts))
	}
}

func TestSendUnknownOrganization(t *testing.T) {
	f := newFlow(t)
	_, err := f.svc.Send(context.Background(), 999999, Input{Mode: ModeJSON, RequestJSON: `{"contacts":[]}`}, "x", testActor)
	if !errors.Is(err, ErrOrganizationNotFound) {
		t.Fatalf("Send: got %v, want ErrOrganizationNotFound", err)
	}
	if n := f.verifyChain(t); n != 0 {
		t.Errorf("audit events: got %d, want none", n)
	}
}

func TestSendAbandonedBeforeRecording(t *testing.T) {
	f := newFlow(t)
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action = ActionRemove })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.svc.Send(ctx, f.org.ID, in, f.fingerprint(t), testActor); !errors.Is(err, context.Canceled) {
		t.Fatalf("Send with an ended context: got %v, want context.Canceled", err)
	}
	if puts := f.puts(); len(puts) != 0 {
		t.Errorf("PUT requests: got %d, want none", len(puts))
	}
}
