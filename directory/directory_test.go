package directory

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

const testKey = "directory-test-key"

// fixture is the directory wired as in production: the sandbox on
// loopback as DigiCert, the real client, a real store in a temporary
// folder, and the contacts service whose reads the directory records.
type fixture struct {
	t       *testing.T
	sb      *sandbox.Server
	client  *digicert.Client
	outside *digicert.Client
	st      *store.Store
	dbPath  string
	svc     *contacts.Service
	dir     *Directory
	reads   *readLog
}

// readLog collects the reads the directory reports.
type readLog struct {
	mu    sync.Mutex
	reads []Read
	// changed is closed and replaced at every read.
	changed chan struct{}
}

func newReadLog() *readLog { return &readLog{changed: make(chan struct{})} }

func (l *readLog) add(r Read) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reads = append(l.reads, r)
	close(l.changed)
	l.changed = make(chan struct{})
}

func (l *readLog) all() []Read {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reads)
}

// waitFor waits until cond holds for the reads so far.
func (l *readLog) waitFor(t *testing.T, what string, cond func([]Read) bool) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		ok, changed := cond(l.reads), l.changed
		l.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("timed out waiting for %s; reads so far: %d", what, len(l.all()))
		}
	}
}

type fixtureOptions struct {
	sandbox sandbox.Options
	windows []digicert.RateWindow
	opts    Options
	dbPath  string
	sb      *sandbox.Server
}

func newFixture(t *testing.T, fo fixtureOptions) *fixture {
	t.Helper()
	f := &fixture{t: t, sb: fo.sb, reads: newReadLog(), dbPath: fo.dbPath}
	if f.sb == nil {
		fo.sandbox.APIKey = testKey
		if fo.sandbox.Windows == nil {
			fo.sandbox.Windows = []sandbox.RateWindow{}
		}
		f.sb = sandbox.New(fo.sandbox)
	}
	srv := httptest.NewServer(f.sb)
	t.Cleanup(srv.Close)
	if fo.windows == nil {
		fo.windows = []digicert.RateWindow{}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := digicert.Config{BaseURL: srv.URL + "/services/v2", APIKey: testKey, Windows: fo.windows,
		Timeout: 2 * time.Second, MaxElapsed: 3 * time.Second, BaseBackoff: time.Millisecond, Logger: logger}
	var err error
	if f.client, err = digicert.New(cfg); err != nil {
		t.Fatal(err)
	}
	// Someone changing contacts in CertCentral, unknown to Contact Desk.
	cfg.Windows = []digicert.RateWindow{}
	if f.outside, err = digicert.New(cfg); err != nil {
		t.Fatal(err)
	}
	if f.dbPath == "" {
		f.dbPath = filepath.Join(t.TempDir(), "cd.db")
	}
	if f.st, err = store.Open(context.Background(), f.dbPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	locales, err := contacts.DefaultLocales()
	if err != nil {
		t.Fatal(err)
	}
	f.svc = contacts.NewService(f.client, f.st, locales, logger)
	fo.opts.Logger = logger
	fo.opts.OnRead = f.reads.add
	if fo.opts.MinBackoff == 0 {
		fo.opts.MinBackoff = 10 * time.Millisecond
	}
	f.dir = New(f.client, f.st, fo.opts)
	f.svc.ObserveReads(f.dir)
	if _, err := f.svc.SyncOrganizations(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

// run runs the worker until the test ends or stop is called, which
// returns once it has stopped.
func (f *fixture) run() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.dir.Run(ctx)
	}()
	stop = func() {
		cancel()
		<-done
	}
	f.t.Cleanup(stop)
	return stop
}

// byWorker counts the worker's reads with one of results.
func byWorker(reads []Read, results ...Result) int {
	n := 0
	for _, r := range reads {
		if !r.ByPage && slices.Contains(results, r.Result) {
			n++
		}
	}
	return n
}

// detailReads lists the organization ids the sandbox was asked for, in
// order, read by GET organization/{id}.
func (f *fixture) detailReads() []string {
	var ids []string
	for _, r := range f.sb.Requests() {
		if id, ok := strings.CutPrefix(r.Path, "/services/v2/organization/"); ok && r.Method == "GET" && !strings.Contains(id, "/") {
			ids = append(ids, id)
		}
	}
	return ids
}

func (f *fixture) status() Status {
	f.t.Helper()
	s, err := f.dir.Status(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func TestWorkerReadsEveryOrganizationWithinItsShare(t *testing.T) {
	windows := []sandbox.RateWindow{{Limit: 20, Per: 100 * time.Millisecond}, {Limit: 60, Per: 400 * time.Millisecond}}
	f := newFixture(t, fixtureOptions{
		sandbox: sandbox.Options{Windows: windows},
		windows: []digicert.RateWindow{{Limit: 20, Per: 100 * time.Millisecond}, {Limit: 60, Per: 400 * time.Millisecond}},
	})
	n := len(f.sb.Organizations())
	f.run()
	f.reads.waitFor(t, "every organization read", func(r []Read) bool { return byWorker(r, ResultFirst) == n })
	if got := f.sb.RateLimited(); got != 0 {
		t.Errorf("the sandbox refused %d requests with 429, want none", got)
	}
	b := f.client.Budget()
	if b.Admitted[digicert.Background] < uint64(n) || b.Admitted[digicert.Interactive] != 1 {
		t.Errorf("admitted %v, want the list read interactively and %d background reads", b.Admitted, n)
	}
	for _, w := range b.Windows {
		if w.Used[digicert.Background] > w.Caps[digicert.Background] {
			t.Errorf("background holds %d of a window whose cap is %d", w.Used[digicert.Background], w.Caps[digicert.Background])
		}
	}
	s := f.status()
	if s.Counts.Known != n || s.Counts.Unread != 0 || s.Pass.Done != n {
		t.Errorf("status = %+v, want all %d known, read in this pass", s.Counts, n)
	}
	page, err := f.st.SearchPeople(context.Background(), store.PeopleQuery{Search: "grace"})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total == 0 {
		t.Error("no Grace in the directory after a pass")
	}
}

// A restarted worker goes on where the last one stopped: the
// organizations read before are not read again, and the pass is the same.
func TestWorkerResumesAfterRestart(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "cd.db")
	sb := sandbox.New(sandbox.Options{APIKey: testKey, Windows: []sandbox.RateWindow{}})
	first := newFixture(t, fixtureOptions{sb: sb, dbPath: dbPath})
	n := len(sb.Organizations())
	stop := first.run()
	first.reads.waitFor(t, "20 reads", func(r []Read) bool { return byWorker(r, ResultFirst) >= 20 })
	stop()
	done := map[int]bool{}
	for _, r := range first.reads.all() {
		if r.Result == ResultFirst {
			done[r.OrganizationID] = true
		}
	}
	pass := first.status().Pass
	if !pass.UnderWay || pass.Remaining == 0 {
		t.Fatalf("pass after stopping = %+v, want one under way with work left", pass)
	}
	if err := first.st.Close(); err != nil {
		t.Fatal(err)
	}
	sb.ResetRequests()

	second := newFixture(t, fixtureOptions{sb: sb, dbPath: dbPath})
	second.run()
	second.reads.waitFor(t, "the rest read", func(r []Read) bool { return byWorker(r, ResultFirst) == n-len(done) })
	for _, id := range second.detailReads() {
		if done[atoi(t, id)] {
			t.Errorf("organization %s was read again after the restart", id)
		}
	}
	s := second.status()
	if !s.Pass.StartedAt.Equal(pass.StartedAt) || s.Counts.Known != n {
		t.Errorf("after the restart: pass began %v (want %v), %d known (want %d)", s.Pass.StartedAt, pass.StartedAt, s.Counts.Known, n)
	}
	waitUntil(t, "the pass to end", func() bool { return !second.status().Pass.UnderWay })
}

// A change made in CertCentral is recorded once, with every field before
// and after, however many reads see it; a first read and a matching read
// record nothing.
func TestChangeOutsideRecordedOnce(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	org := f.sb.Organizations()[0]
	if err := f.dir.readOne(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.dir.readOne(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	if got := outsideEvents(t, f.st); len(got) != 0 {
		t.Fatalf("a first and a matching read recorded %v", summaries(got))
	}
	tech := digicert.Contact{ContactType: digicert.TechnicalContact, FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", JobTitle: "Analyst"}
	if _, err := f.outside.UpdateContacts(ctx, org.ID, []digicert.Contact{tech}); err != nil {
		t.Fatal(err)
	}
	// The worker and a page read the change at about the same time, and
	// the worker reads it once more.
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := f.dir.readOne(ctx, org.ID); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		if _, err := f.svc.RefreshOrganizationView(ctx, org.ID); err != nil {
			t.Error(err)
		}
		f.dir.recordObservation(ctx, <-f.dir.observed)
	})
	wg.Wait()
	if err := f.dir.readOne(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	events := outsideEvents(t, f.st)
	if len(events) != 1 {
		t.Fatalf("recorded %d changed_outside events, want 1", len(events))
	}
	e := events[0]
	before, err := contacts.DecodeCurrent(e.ContactsBefore)
	if err != nil {
		t.Fatal(err)
	}
	after, err := contacts.DecodeCurrent(e.ContactsAfter)
	if err != nil {
		t.Fatal(err)
	}
	if before.Technical == nil || before.Technical.Email != org.TechnicalContact.Email ||
		after.Technical == nil || after.Technical.Email != "ada@example.com" || after.Technical.JobTitle != "Analyst" {
		t.Errorf("before %+v after %+v, want the old and new technical contacts", before.Technical, after.Technical)
	}
	if !strings.Contains(e.Summary, "technical contact") || e.OrganizationID != org.ID || e.ActorEmail != "" {
		t.Errorf("event = %+v, want a summary of the technical contact, no actor", e)
	}
	if _, err := f.st.VerifyAuditChain(ctx); err != nil {
		t.Errorf("audit chain: %v", err)
	}
}

// A change Contact Desk sent is not a change made outside, whether the
// worker or a page reads it first.
func TestOwnSubmissionNotRecordedAsOutside(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	orgs := f.sb.Organizations()
	for _, org := range orgs[:2] {
		if err := f.dir.readOne(ctx, org.ID); err != nil {
			t.Fatal(err)
		}
	}
	send := func(org sandbox.Organization) {
		t.Helper()
		current, err := f.svc.Organization(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.dir.recordObservation(ctx, <-f.dir.observed)
		in := contacts.Input{Mode: contacts.ModeJSON, RequestJSON: `{"contacts":[{"contact_type":"technical_contact",` +
			`"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com"}]}`}
		res, err := f.svc.Send(ctx, org.ID, in, contacts.Fingerprint(contacts.CurrentFrom(*current)),
			contacts.Actor{Email: "editor@example.com", UserID: 1})
		if err != nil || res.Outcome != contacts.OutcomeSent {
			t.Fatalf("send: %+v, %v", res.Outcome, err)
		}
	}
	// The first organization: the send's own reads reach the directory.
	send(orgs[0])
	for len(f.dir.observed) > 0 {
		f.dir.recordObservation(ctx, <-f.dir.observed)
	}
	// The second: its page reads are dropped, the worker reads it later.
	send(orgs[1])
	for len(f.dir.observed) > 0 {
		<-f.dir.observed
	}
	for _, org := range orgs[:2] {
		if err := f.dir.readOne(ctx, org.ID); err != nil {
			t.Fatal(err)
		}
	}
	if got := outsideEvents(t, f.st); len(got) != 0 {
		t.Errorf("Contact Desk's own sends were recorded as changed outside: %v", summaries(got))
	}
	for _, org := range orgs[:2] {
		e, err := f.st.DirectoryEntry(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c, ok := e.Contact(store.TechnicalContactType); !ok || c.Email != "ada@example.com" {
			t.Errorf("organization %d: directory holds %+v, want Ada as technical contact", org.ID, e.Contacts)
		}
	}
	// A change outside right after still counts: it is another type.
	org := orgs[0]
	oc := digicert.Contact{ContactType: digicert.OrganizationContact, FirstName: "Alan", LastName: "Turing", Email: "alan@example.com"}
	if _, err := f.outside.UpdateContacts(ctx, org.ID, []digicert.Contact{oc}); err != nil {
		t.Fatal(err)
	}
	if err := f.dir.readOne(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	if got := outsideEvents(t, f.st); len(got) != 1 || !strings.Contains(got[0].Summary, "organization contact") {
		t.Errorf("organization contact changed outside after a send of the technical one: events %v, want one", summaries(got))
	}
}

func summaries(events []store.AuditEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Summary)
	}
	return out
}

func outsideEvents(t *testing.T, st *store.Store) []store.AuditEvent {
	t.Helper()
	page, err := st.AuditSubmissions(context.Background(), store.AuditPageQuery{
		Filter: store.AuditFilter{Outcome: store.OutcomeChangedOutside}})
	if err != nil {
		t.Fatal(err)
	}
	var events []store.AuditEvent
	for _, s := range page.Submissions {
		evs, err := st.SubmissionEvents(context.Background(), s.SubmissionID)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, evs...)
	}
	return events
}

func TestGoneOrganizationIsMarkedNotDeleted(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	org := f.sb.Organizations()[0]
	if err := f.dir.readOne(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	f.sb.RemoveOrganization(org.ID)
	if err := f.dir.readOne(ctx, org.ID); err != nil {
		t.Fatalf("read of a deleted organization: %v, want it marked gone", err)
	}
	e, err := f.st.DirectoryEntry(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.GoneAt.IsZero() || len(e.Contacts) == 0 {
		t.Errorf("entry = %+v, want gone with its last contacts kept", e)
	}
	if s := f.status(); s.Counts.Gone != 1 {
		t.Errorf("gone = %d, want 1", s.Counts.Gone)
	}
	if got := byWorker(f.reads.all(), ResultGone); got != 1 {
		t.Errorf("%d reads reported gone, want 1", got)
	}
}

func TestForbiddenStopsTheWorkerUntilResumed(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.sb.InjectFault(sandbox.Fault{Status: 403, Method: "GET",
		Body: `{"errors":[{"code":"access_denied|access_denied_invalid_key","message":"Access denied due to access_denied_invalid_key."}]}`})
	f.run()
	f.reads.waitFor(t, "the refused read", func(r []Read) bool { return byWorker(r, ResultFailed) == 1 })
	waitUntil(t, "the worker to stop", func() bool { return f.status().Stopped != "" })
	s := f.status()
	if !strings.Contains(s.Stopped, "403") || !strings.Contains(s.Stopped, "DIGICERT_API_KEY") {
		t.Errorf("stop message = %q, want it to name the 403 and DIGICERT_API_KEY", s.Stopped)
	}
	n := len(f.detailReads())
	f.dir.Wake()
	if got := len(f.detailReads()); got != n {
		t.Errorf("a stopped worker read %d more organizations", got-n)
	}
	if err := f.dir.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := len(f.sb.Organizations())
	f.reads.waitFor(t, "every organization after resuming", func(r []Read) bool { return byWorker(r, ResultFirst) == all })
	if f.status().Stopped != "" {
		t.Error("still stopped after resuming")
	}
}

// TestResumedFromAnotherInstance stops the worker on a 403, as in the
// test above, and resumes it from another instance's Directory on the
// same database, which only the store connects to it.
func TestResumedFromAnotherInstance(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.dir.recheck = 20 * time.Millisecond
	f.sb.InjectFault(sandbox.Fault{Status: 403, Method: "GET",
		Body: `{"errors":[{"code":"access_denied|access_denied_invalid_key","message":"Access denied due to access_denied_invalid_key."}]}`})
	f.run()
	waitUntil(t, "the worker to stop", func() bool { return f.status().Stopped != "" })
	other := New(f.client, f.st, Options{})
	if err := other.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := len(f.sb.Organizations())
	f.reads.waitFor(t, "every organization after the other instance resumed", func(r []Read) bool { return byWorker(r, ResultFirst) == all })
	if f.status().Stopped != "" {
		t.Error("still stopped after resuming")
	}
}

func TestOutageBacksOffAndResumes(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	// Every attempt of two calls fails (the client tries 4 times).
	f.sb.InjectFault(sandbox.Fault{Status: 503, Method: "GET", Count: 8})
	f.run()
	f.reads.waitFor(t, "two failed reads", func(r []Read) bool { return byWorker(r, ResultFailed) >= 2 })
	all := len(f.sb.Organizations())
	f.reads.waitFor(t, "every organization after the outage", func(r []Read) bool { return byWorker(r, ResultFirst) == all })
	if s := f.status(); s.LastError != "" || !s.RetryAt.IsZero() {
		t.Errorf("after recovering: last error %q, retry at %v; want none", s.LastError, s.RetryAt)
	}
}

func TestPauseHoldsTheWorker(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	ctx := context.Background()
	if err := f.dir.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	stop := f.run()
	f.dir.Wake()
	stop()
	if n := len(f.detailReads()); n != 0 {
		t.Errorf("a paused worker read %d organizations", n)
	}
	if !f.status().Paused {
		t.Error("status does not say paused")
	}
	if err := f.dir.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	f.run()
	all := len(f.sb.Organizations())
	f.reads.waitFor(t, "every organization", func(r []Read) bool { return byWorker(r, ResultFirst) == all })
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("%q is not an id", s)
		}
		n = n*10 + int(r-'0')
	}
	return n
}

func TestMatches(t *testing.T) {
	c := store.DirectoryContact{FirstName: "Grâce", LastName: "Hopper-Smith", Email: "g.hopper@navy.example"}
	tests := map[string]bool{
		"grace":         true,
		"GRA":           true,
		"hopper smith":  true,
		"smith":         true,
		"navy.ex":       true,
		"g.hop":         true,
		"race":          false,
		"grace turing":  false,
		"":              false,
		"hopper-smi":    true,
		"hopper navy":   true,
		"smith.hopper":  false,
		"@@ grace":      true,
		"opper":         false,
		"grace hopper ": true,
	}
	for search, want := range tests {
		if got := Matches(search, c); got != want {
			t.Errorf("Matches(%q) = %v, want %v", search, got, want)
		}
	}
}

func TestEstimate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	budget := digicert.Budget{Windows: []digicert.WindowBudget{
		{Limit: 100, Per: 5 * time.Second, Caps: map[digicert.Class]int{digicert.Background: 50}},
		{Limit: 1000, Per: 5 * time.Minute, Caps: map[digicert.Class]int{digicert.Background: 500}},
	}}
	tests := []struct {
		name string
		pass Pass
		want time.Duration
	}{
		{"nothing left", Pass{Remaining: 0}, 0},
		{"at the pace so far", Pass{UnderWay: true, StartedAt: now.Add(-10 * time.Minute), Done: 100, Remaining: 300}, 30 * time.Minute},
		{"before any read, at the share", Pass{UnderWay: true, StartedAt: now, Remaining: 1000}, 10 * time.Minute},
	}
	for _, tt := range tests {
		if got := estimate(tt.pass, now, budget); got != tt.want {
			t.Errorf("%s: estimate = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := estimate(Pass{Remaining: 5}, now, digicert.Budget{}); got != 0 {
		t.Errorf("without a limiter: estimate = %v, want 0", got)
	}
}

// A directory whose oldest read is older than the TTL says so, with its
// age, and the organization is due again.
func TestStaleDirectory(t *testing.T) {
	clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}
	f := newFixture(t, fixtureOptions{opts: Options{TTL: time.Hour, Now: now}})
	ctx := context.Background()
	org := f.sb.Organizations()[0]
	if _, err := f.dir.ReadOrganization(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	if s := f.status(); s.Stale() || s.OldestAge() != 0 {
		t.Errorf("just read: stale %v, age %v; want current", s.Stale(), s.OldestAge())
	}
	mu.Lock()
	clock = clock.Add(3 * time.Hour)
	mu.Unlock()
	s := f.status()
	if !s.Stale() || s.OldestAge() != 3*time.Hour || s.Counts.Due != 1 {
		t.Errorf("3 hours later with a TTL of 1 hour: stale %v, age %v, due %d; want stale, 3h, 1 due", s.Stale(), s.OldestAge(), s.Counts.Due)
	}
}
