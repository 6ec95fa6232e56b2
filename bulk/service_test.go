package bulk

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

func TestReviewPlansEveryOrganization(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	spec := h.replaceGrace()
	spec.Technical = ContactSpec{Action: ActionRemove}
	// An editor whose teams own every organization but the third.
	unread := h.sb.AddOrganization(h.orgs[0]).ID + 1000
	editor := Requester{UserID: 2, Email: "ed@example.com", Scope: []int{h.orgs[0].ID, h.orgs[1].ID, h.orgs[3].ID, unread}}
	spec.Organizations = append(spec.Organizations, unread)
	job, err := h.svc.Review(ctx, spec, editor)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.BulkEffect]int{store.BulkRemoved: 2, store.BulkReplaced: 1, store.BulkNotAllowed: 2}
	for _, e := range store.BulkEffects() {
		if job.Effects[e] != want[e] {
			t.Errorf("%s: %d organizations, want %d (all: %v)", e, job.Effects[e], want[e], job.Effects)
		}
	}
	items := h.items(job.ID)
	for _, c := range []struct {
		org  int
		plan string
	}{
		{h.orgs[0].ID, "Technical contact: Grace Hopper (grace.hopper@example.com) removed"},
		{h.orgs[2].ID, "Not allowed: not one of your teams' organizations"},
		{h.orgs[3].ID, "Organization contact: Grace Hopper (grace.hopper@example.com) replaced by Alan Turing (alan.turing@example.com)"},
		{unread, "Not allowed: Not read from DigiCert yet"},
	} {
		if got := items[c.org].Plan; !strings.HasPrefix(got, c.plan) {
			t.Errorf("plan of %d: %q, want %q", c.org, got, c.plan)
		}
	}
	if body := items[h.orgs[0].ID].RequestBody; body != `{"contacts":[{"contact_type":"technical_contact"}]}` {
		t.Errorf("request body %s", body)
	}
	// Nothing was sent, nor read from DigiCert: the review is the
	// directory's.
	if n := len(h.sb.Requests()); n != 4 {
		t.Errorf("%d requests reached DigiCert, want the directory's 4 reads only", n)
	}
	if err := h.svc.Start(ctx, job.ID, editor); err != nil {
		t.Errorf("an editor starts a job of 3 organizations: %v", err)
	}
}

func TestStartNeedsAdminOverTheLimit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	editor := Requester{UserID: 2, Email: "ed@example.com"}
	spec := h.replaceGrace()
	spec.Technical = ContactSpec{Action: ActionUpdate, Details: contacts.Fields{Telephone: "+1 555 0199"}}
	// Four organizations to change, and editors may change three.
	job, err := h.svc.Review(ctx, spec, editor)
	if err != nil {
		t.Fatal(err)
	}
	if job.ToSend() != 4 || !h.svc.NeedsAdmin(job) {
		t.Fatalf("job sends to %d organizations; needs admin %v", job.ToSend(), h.svc.NeedsAdmin(job))
	}
	if err := h.svc.Start(ctx, job.ID, editor); !errors.Is(err, ErrNeedsAdmin) {
		t.Errorf("editor starts: %v, want ErrNeedsAdmin", err)
	}
	other := Requester{UserID: 3, Email: "other@example.com"}
	if err := h.svc.Start(ctx, job.ID, other); !errors.Is(err, ErrNotYours) {
		t.Errorf("another editor starts: %v, want ErrNotYours", err)
	}
	if err := h.svc.Start(ctx, job.ID, adminUser); err != nil {
		t.Errorf("admin starts: %v", err)
	}
}

func TestRunReplacesEverywhere(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.svc.Review(ctx, h.replaceGrace(), adminUser)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Start(ctx, job.ID, Requester{UserID: admin, Email: "admin@example.com", ClientAddr: "192.0.2.7", Admin: true}); err != nil {
		t.Fatal(err)
	}
	done := h.run(job.ID)
	if done.State != store.BulkFinished || done.Items[store.ItemSucceeded] != 4 {
		t.Fatalf("job %s with items %v, want finished with 4 succeeded", done.State, done.Items)
	}
	for i, o := range h.orgs {
		got := h.org(o.ID)
		person := got.OrganizationContact
		if i < 3 {
			person = *got.TechnicalContact
		}
		if person.Email != alan.Email || person.FirstName != "Alan" {
			t.Errorf("%s: contact %+v, want Alan Turing", o.Name, person)
		}
	}
	for id, n := range h.puts() {
		if n != 1 {
			t.Errorf("organization %d got %d PUTs, want 1", id, n)
		}
	}
	budget := h.client.Budget()
	if budget.Admitted[digicert.Bulk] < 8 || budget.Admitted[digicert.Interactive] != 0 {
		t.Errorf("requests by class: %v; want the job's all bulk", budget.Admitted)
	}
	// Every submission carries the job; its events the starter.
	page, err := h.st.AuditSubmissions(ctx, store.AuditPageQuery{Filter: store.AuditFilter{JobID: job.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Submissions) != 4 {
		t.Fatalf("%d submissions of the job, want 4", len(page.Submissions))
	}
	for _, sub := range page.Submissions {
		events, err := h.st.SubmissionEvents(ctx, sub.SubmissionID)
		if err != nil {
			t.Fatal(err)
		}
		if e := events[0]; e.RequestID != store.BulkJobRequestID(job.ID) || e.ActorEmail != "admin@example.com" || e.ClientAddr != "192.0.2.7" {
			t.Errorf("requested event: request id %q, actor %q from %q", e.RequestID, e.ActorEmail, e.ClientAddr)
		}
	}
	if _, err := h.st.VerifyAuditChain(ctx); err != nil {
		t.Error(err)
	}
}

// TestStaleItemSkipped changes an organization at DigiCert between the
// review and the send: it is skipped, not sent, recorded as such, and
// offered for a new review, which plans it against its new contacts.
func TestStaleItemSkipped(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.svc.Review(ctx, h.replaceGrace(), adminUser)
	if err != nil {
		t.Fatal(err)
	}
	changed := h.orgs[1]
	g := grace
	g.Telephone = "+1 555 0111"
	changed.TechnicalContact = &g
	h.sb.AddOrganization(changed)
	if err := h.svc.Start(ctx, job.ID, adminUser); err != nil {
		t.Fatal(err)
	}
	done := h.run(job.ID)
	if done.Items[store.ItemStale] != 1 || done.Items[store.ItemSucceeded] != 3 {
		t.Fatalf("items %v, want 1 stale and 3 succeeded", done.Items)
	}
	if n := h.puts()[changed.ID]; n != 0 {
		t.Errorf("the changed organization got %d PUTs, want none", n)
	}
	item := h.items(job.ID)[changed.ID]
	if item.State != store.ItemStale || !strings.Contains(item.Note, "telephone changed") {
		t.Errorf("item %s, note %q", item.State, item.Note)
	}
	outcome, err := h.st.SubmissionOutcome(ctx, item.SubmissionID)
	if err != nil || outcome != store.OutcomeRejected {
		t.Errorf("its submission: %s, %v; want rejected", outcome, err)
	}
	// The directory knows what the job's read found.
	h.readAll()
	again, err := h.svc.ReviewAgain(ctx, job.ID, adminUser)
	if err != nil {
		t.Fatal(err)
	}
	if again.ToSend() != 1 || again.SourceJobID != job.ID {
		t.Fatalf("review again: %d to send from job %d", again.ToSend(), again.SourceJobID)
	}
	if err := h.svc.Start(ctx, again.ID, adminUser); err != nil {
		t.Fatal(err)
	}
	if done := h.run(again.ID); done.Items[store.ItemSucceeded] != 1 {
		t.Errorf("again: items %v, want the one succeeded", done.Items)
	}
	if got := h.org(changed.ID).TechnicalContact; got == nil || got.Email != alan.Email {
		t.Errorf("technical contact %+v, want Alan", got)
	}
}

// TestPauseResumeCancel pauses a job while its first organization is in
// flight: that one ends, no other starts until Resume. Cancel then stops
// it for good while the next one is in flight: what was sent stays sent,
// the rest is not started.
func TestPauseResumeCancel(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.svc.Review(ctx, h.replaceGrace(), adminUser)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Start(ctx, job.ID, adminUser); err != nil {
		t.Fatal(err)
	}
	release := h.holdPUTs()
	runCtx, stop := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		h.svc.Run(runCtx)
	}()
	defer func() {
		stop()
		<-ran
	}()
	<-h.arrived
	if err := h.svc.Pause(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	release()
	paused := h.waitJob(job.ID, func(j store.BulkJob) bool { return j.Items[store.ItemSending] == 0 })
	if paused.State != store.BulkPaused || paused.Items[store.ItemSucceeded] != 1 || paused.Items[store.ItemPending] != 3 {
		t.Fatalf("after pause: %s, items %v; want paused, 1 succeeded, 3 pending", paused.State, paused.Items)
	}
	if err := h.svc.Pause(ctx, job.ID); !errors.Is(err, store.ErrBulkJobState) {
		t.Errorf("pause twice: %v", err)
	}

	release = h.holdPUTs()
	if err := h.svc.Resume(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	<-h.arrived
	if err := h.svc.Cancel(ctx, job.ID); err != nil {
		t.Fatal(err)
	}
	release()
	over := h.waitJob(job.ID, func(j store.BulkJob) bool { return !j.FinishedAt.IsZero() })
	if over.State != store.BulkCancelled || over.Items[store.ItemSucceeded] != 2 || over.Items[store.ItemCancelled] != 2 {
		t.Fatalf("after cancel: %s, items %v; want cancelled, 2 succeeded, 2 cancelled", over.State, over.Items)
	}
	puts := h.puts()
	if total := puts[h.orgs[0].ID] + puts[h.orgs[1].ID] + puts[h.orgs[2].ID] + puts[h.orgs[3].ID]; total != 2 {
		t.Errorf("%d PUTs, want 2: %v", total, puts)
	}
	if err := h.svc.Resume(ctx, job.ID); !errors.Is(err, store.ErrBulkJobState) {
		t.Errorf("resume a cancelled job: %v", err)
	}
}

// TestPausedBeforeTheRequest pauses a job, behind the runner's back,
// while the runner reads the organization it is about to send: the
// request is not recorded and nothing is sent, because the item's state
// is checked in the transaction that records the request.
func TestPausedBeforeTheRequest(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.svc.Review(ctx, h.replaceGrace(), adminUser)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Start(ctx, job.ID, adminUser); err != nil {
		t.Fatal(err)
	}
	running, err := h.st.BulkJob(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	item, err := h.st.NextBulkItem(ctx, job.ID)
	if err != nil {
		t.Fatal(err)
	}
	release := h.hold(http.MethodGet)
	sent := make(chan itemOutcome, 1)
	go func() { sent <- h.svc.sendItem(ctx, running, item) }()
	<-h.arrived
	if err := h.st.PauseBulkJob(ctx, job.ID, "", h.svc.now()); err != nil {
		t.Fatal(err)
	}
	release()
	if out := <-sent; out != itemStopped {
		t.Errorf("send after the pause: %v, want stopped", out)
	}
	if n := len(h.puts()); n != 0 {
		t.Errorf("%d PUTs, want none", n)
	}
	head, err := h.st.AuditChainHead(ctx)
	if err != nil || head.Count != 0 {
		t.Errorf("%d audit events, %v; want none", head.Count, err)
	}
}

// TestRecoveryAfterCrash leaves items as a crash does: one with its
// request recorded and its PUT made, one with its request recorded and
// its PUT never sent. The runner settles both from a read, sends the
// second once, and never the first again.
func TestRecoveryAfterCrash(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.svc.Review(ctx, h.replaceGrace(), adminUser)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Start(ctx, job.ID, adminUser); err != nil {
		t.Fatal(err)
	}
	items := h.items(job.ID)
	made, lost := items[h.orgs[0].ID], items[h.orgs[1].ID]
	for _, it := range []store.BulkItem{made, lost} {
		e := store.AuditEvent{SubmissionID: "crash-" + strconv.Itoa(it.Position), Kind: store.AuditRequested, OrganizationID: it.OrganizationID,
			RequestBody: it.RequestBody, ContactsBefore: it.Reviewed, RequestID: store.BulkJobRequestID(job.ID)}
		if _, err := h.st.RecordBulkItemEvent(ctx, job.ID, it.ID, updateFor(e), e); err != nil {
			t.Fatal(err)
		}
	}
	// The first PUT reached DigiCert before the crash.
	req, err := http.NewRequest(http.MethodPut, "/services/v2/organization/"+strconv.Itoa(h.orgs[0].ID)+"/contact", strings.NewReader(made.RequestBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-DC-DEVKEY", "key")
	rec := httptest.NewRecorder()
	h.sb.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Fatalf("the PUT before the crash: %d", rec.Code)
	}
	// At start, pending submissions are reconciled, then the job resumes.
	if n, err := h.svc.contacts.Reconcile(ctx); err != nil || n != 2 {
		t.Fatalf("Reconcile: %d, %v", n, err)
	}
	done := h.run(job.ID)
	if done.State != store.BulkFinished || done.Items[store.ItemSucceeded] != 4 {
		t.Fatalf("job %s, items %v; want finished, 4 succeeded", done.State, done.Items)
	}
	puts := h.puts()
	for _, o := range h.orgs {
		if puts[o.ID] != 1 {
			t.Errorf("%s: %d PUTs, want exactly 1", o.Name, puts[o.ID])
		}
	}
	if got := h.items(job.ID)[made.OrganizationID]; got.SubmissionID != "crash-"+strconv.Itoa(made.Position) {
		t.Errorf("the item already made ends with submission %s, want the one before the crash", got.SubmissionID)
	}
}

func TestRestoreAll(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	job, err := h.svc.Review(ctx, h.replaceGrace(), adminUser)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.svc.Start(ctx, job.ID, adminUser); err != nil {
		t.Fatal(err)
	}
	h.run(job.ID)
	// Someone changes the third organization again, outside.
	third := h.org(h.orgs[2].ID)
	third.TechnicalContact.JobTitle = "Codebreaker"
	h.sb.AddOrganization(third)
	h.readAll()

	restore, err := h.svc.ReviewRestore(ctx, job.ID, adminUser)
	if err != nil {
		t.Fatal(err)
	}
	items := h.items(restore.ID)
	if it := items[third.ID]; it.Effect != store.BulkNotAllowed || !strings.Contains(it.Plan, "changed again since") {
		t.Errorf("the organization changed again: %s %q, want listed, not restored", it.Effect, it.Plan)
	}
	if restore.ToSend() != 3 || restore.Kind != store.BulkRestore || restore.SourceJobID != job.ID {
		t.Fatalf("restore job: %d to send, kind %s, from %d", restore.ToSend(), restore.Kind, restore.SourceJobID)
	}
	if err := h.svc.Start(ctx, restore.ID, adminUser); err != nil {
		t.Fatal(err)
	}
	if done := h.run(restore.ID); done.Items[store.ItemSucceeded] != 3 {
		t.Fatalf("restore: items %v", done.Items)
	}
	for i, o := range h.orgs {
		got := h.org(o.ID)
		person := got.OrganizationContact
		if i < 3 {
			person = *got.TechnicalContact
		}
		wantGrace := i != 2
		if isGrace := person.Email == grace.Email && person.Telephone == grace.Telephone && person.JobTitle == grace.JobTitle; isGrace != wantGrace {
			t.Errorf("%s: contact %+v; Grace back: %v, want %v", o.Name, person, isGrace, wantGrace)
		}
	}
}

func TestValidateSpec(t *testing.T) {
	locales, err := contacts.DefaultLocales()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		spec  Spec
		field string
	}{
		{"nothing chosen", Spec{Organizations: []int{1}}, "organization_contact.action"},
		{"no organization", Spec{Technical: ContactSpec{Action: ActionRemove}}, FieldOrganizations},
		{"organization contact removed", Spec{Organizations: []int{1}, Organization: ContactSpec{Action: ActionRemove}}, "organization_contact.action"},
		{"replacement without email", Spec{Organizations: []int{1}, Technical: ContactSpec{Action: ActionReplace,
			Replacement: contacts.Fields{FirstName: "A", LastName: "B"}}}, "technical_contact.replacement.email"},
		{"update without details", Spec{Organizations: []int{1}, Technical: ContactSpec{Action: ActionUpdate}}, "technical_contact.action"},
		{"update with a bad telephone", Spec{Organizations: []int{1}, Technical: ContactSpec{Action: ActionUpdate,
			Details: contacts.Fields{Telephone: "call me"}}}, "technical_contact.telephone"},
	} {
		errs := tc.spec.Validate(locales)
		if errs.Message(tc.field) == "" {
			t.Errorf("%s: errors %v, want one on %s", tc.name, errs, tc.field)
		}
	}
	ok := Spec{Organizations: []int{1}, Technical: ContactSpec{Action: ActionReplace, Replacement: alan}}
	if errs := ok.Validate(locales); errs != nil {
		t.Errorf("a valid replacement: %v", errs)
	}
	if got := ok.Title(); got != "Replace the contacts of 1 organization" {
		t.Errorf("title %q", got)
	}
	if !slices.Contains(RetryStates(), store.ItemStale) {
		t.Error("review again leaves out the stale items")
	}
}
