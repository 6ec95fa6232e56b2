package contacts

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
)

// reads returns how many times the sandbox was asked for organization id.
func reads(sb *sandbox.Server, id int) int {
	n := 0
	for _, r := range sb.Requests() {
		if r.Method == http.MethodGet && r.Path == "/services/v2/organization/"+strconv.Itoa(id) {
			n++
		}
	}
	return n
}

// manualClock is a clock tests move by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2025, 3, 4, 11, 2, 3, 0, time.UTC)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// view calls OrganizationView and fails the test on an error.
func (f *flow) view(tb testing.TB, id int) View {
	tb.Helper()
	v, err := f.svc.OrganizationView(context.Background(), id)
	if err != nil {
		tb.Fatalf("OrganizationView(%d): %v", id, err)
	}
	return v
}

// setTechnicalJobTitle changes the technical contact in the sandbox
// directly, as someone using DigiCert's own portal would.
func (f *flow) setTechnicalJobTitle(tb testing.TB, title string) {
	tb.Helper()
	o, ok := f.sb.Organization(f.org.ID)
	if !ok || o.TechnicalContact == nil {
		tb.Fatalf("sandbox organization %d has no technical contact", f.org.ID)
	}
	o.TechnicalContact.JobTitle = title
	f.sb.AddOrganization(o)
}

func technicalJobTitle(v View) string {
	if v.Organization == nil || v.Organization.TechnicalContact == nil {
		return ""
	}
	return v.Organization.TechnicalContact.JobTitle
}

func TestOrganizationViewSharesConcurrentReads(t *testing.T) {
	f := newFlow(t)
	gets := func() int { return reads(f.sb, f.org.ID) }
	// The first read is slow, so that the other views arrive while it is
	// under way.
	f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Latency: 200 * time.Millisecond})
	const viewers = 10
	var wg sync.WaitGroup
	names := make([]string, viewers)
	errs := make([]error, viewers)
	view := func(i int) {
		v, err := f.svc.OrganizationView(context.Background(), f.org.ID)
		errs[i] = err
		if err == nil {
			names[i] = v.Organization.Name
		}
	}
	wg.Go(func() { view(0) })
	waitForRead(t, gets, 1)
	for i := 1; i < viewers; i++ {
		wg.Go(func() { view(i) })
	}
	wg.Wait()
	for i := range viewers {
		if errs[i] != nil || names[i] != f.org.Name {
			t.Fatalf("viewer %d: name %q, err %v", i, names[i], errs[i])
		}
	}
	if got := gets(); got != 1 {
		t.Errorf("%d concurrent views made %d reads, want 1", viewers, got)
	}
}

func TestOrganizationViewViewerLeaving(t *testing.T) {
	f := newFlow(t)
	f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Latency: 200 * time.Millisecond})
	leaving, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.OrganizationView(leaving, f.org.ID)
		done <- err
	}()
	waitForRead(t, func() int { return len(f.sb.Requests()) }, 1)
	staying := make(chan error, 1)
	go func() {
		_, err := f.svc.OrganizationView(context.Background(), f.org.ID)
		staying <- err
	}()
	cancel()
	if err := <-done; err == nil {
		t.Error("the viewer who left got no error")
	}
	if err := <-staying; err != nil {
		t.Errorf("the viewer who stayed failed with the one who left: %v", err)
	}
}

func TestOrganizationViewCachedForTTL(t *testing.T) {
	f := newFlow(t)
	clock := newManualClock()
	f.svc.now = clock.Now
	start := clock.Now()

	first := f.view(t, f.org.ID)
	if !first.ReadAt.Equal(start) || first.Organization.Name != f.org.Name {
		t.Fatalf("first view: read at %v, name %q; want %v, %q", first.ReadAt, first.Organization.Name, start, f.org.Name)
	}
	f.setTechnicalJobTitle(t, "Changed at DigiCert")
	clock.Advance(viewTTL - time.Second)
	second := f.view(t, f.org.ID)
	if got := reads(f.sb, f.org.ID); got != 1 {
		t.Errorf("a view within the TTL made %d reads in all, want 1", got)
	}
	if !second.ReadAt.Equal(start) || technicalJobTitle(second) != "SRE" {
		t.Errorf("view within the TTL: read at %v, job title %q; want the cached read from %v with SRE", second.ReadAt, technicalJobTitle(second), start)
	}

	clock.Advance(time.Second)
	third := f.view(t, f.org.ID)
	if got := reads(f.sb, f.org.ID); got != 2 {
		t.Errorf("a view at the TTL made %d reads in all, want 2", got)
	}
	if want := start.Add(viewTTL); !third.ReadAt.Equal(want) || technicalJobTitle(third) != "Changed at DigiCert" {
		t.Errorf("view at the TTL: read at %v, job title %q; want %v, the new title", third.ReadAt, technicalJobTitle(third), want)
	}
}

func TestOrganizationViewCopies(t *testing.T) {
	f := newFlow(t)
	first := f.view(t, f.org.ID)
	first.Organization.Name = "changed by one viewer"
	first.Organization.TechnicalContact.JobTitle = "changed by one viewer"
	second := f.view(t, f.org.ID)
	if second.Organization.Name != f.org.Name || technicalJobTitle(second) != "SRE" {
		t.Errorf("a viewer changed what the next one sees: %q, %q", second.Organization.Name, technicalJobTitle(second))
	}
}

func TestOrganizationViewTTLZeroCachesNothing(t *testing.T) {
	f := newFlow(t)
	f.svc.views = newViewCache(0, viewCacheCapacity)
	for i := 1; i <= 3; i++ {
		f.view(t, f.org.ID)
		if got := reads(f.sb, f.org.ID); got != i {
			t.Fatalf("after %d views: %d reads, want %d", i, got, i)
		}
	}
	for id, e := range f.svc.views.entries {
		if e.view.Organization != nil {
			t.Errorf("organization %d: a read is cached with a TTL of zero", id)
		}
	}
}

func TestRefreshOrganizationView(t *testing.T) {
	f := newFlow(t)
	clock := newManualClock()
	f.svc.now = clock.Now
	f.view(t, f.org.ID)
	f.setTechnicalJobTitle(t, "Changed at DigiCert")
	clock.Advance(5 * time.Second)

	fresh, err := f.svc.RefreshOrganizationView(context.Background(), f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := reads(f.sb, f.org.ID); got != 2 {
		t.Errorf("a forced read made %d reads in all, want 2", got)
	}
	if technicalJobTitle(fresh) != "Changed at DigiCert" || !fresh.ReadAt.Equal(clock.Now()) {
		t.Errorf("forced read: job title %q at %v, want the new title at %v", technicalJobTitle(fresh), fresh.ReadAt, clock.Now())
	}
	after := f.view(t, f.org.ID)
	if got := reads(f.sb, f.org.ID); got != 2 {
		t.Errorf("the view after a forced read made %d reads in all, want 2", got)
	}
	if technicalJobTitle(after) != "Changed at DigiCert" || !after.ReadAt.Equal(fresh.ReadAt) {
		t.Errorf("view after a forced read: job title %q at %v, want the forced read's", technicalJobTitle(after), after.ReadAt)
	}
}

func TestRefreshOrganizationViewSharesConcurrentReads(t *testing.T) {
	f := newFlow(t)
	f.view(t, f.org.ID)
	gets := func() int { return reads(f.sb, f.org.ID) }
	f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Latency: 200 * time.Millisecond})
	const viewers = 5
	errs := make([]error, viewers)
	var wg sync.WaitGroup
	refresh := func(i int) {
		_, errs[i] = f.svc.RefreshOrganizationView(context.Background(), f.org.ID)
	}
	wg.Go(func() { refresh(0) })
	waitForRead(t, gets, 2)
	for i := 1; i < viewers; i++ {
		wg.Go(func() { refresh(i) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("forced read %d: %v", i, err)
		}
	}
	if got := gets(); got != 2 {
		t.Errorf("%d concurrent forced reads made %d reads after the first view, want 1", viewers, got-1)
	}
}

func TestOrganizationViewFollowsLiveReads(t *testing.T) {
	tests := []struct {
		name string
		read func(t *testing.T, f *flow)
	}{
		{"review", func(t *testing.T, f *flow) {
			if _, err := f.svc.Review(context.Background(), f.org.ID, Input{Mode: ModeJSON, RequestJSON: `{"contacts":[]}`}); err != nil {
				t.Fatal(err)
			}
		}},
		{"send refused as stale", func(t *testing.T, f *flow) {
			res, err := f.svc.Send(context.Background(), f.org.ID, f.formChange(t, func(*Change) {}), "an older fingerprint", testActor)
			if err != nil || res.Outcome != OutcomeStale {
				t.Fatalf("Send: outcome %s, err %v; want stale", res.Outcome, err)
			}
		}},
		{"reconcile", func(t *testing.T, f *flow) {
			appendRequested(t, f, "sub-1", f.org.ID, f.current(t), []digicert.Contact{{ContactType: tech}})
			if n, err := f.svc.Reconcile(context.Background()); err != nil || n != 1 {
				t.Fatalf("Reconcile: %d, %v; want 1 reconciled", n, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			f.view(t, f.org.ID)
			f.setTechnicalJobTitle(t, "Changed at DigiCert")
			tt.read(t, f)
			before := reads(f.sb, f.org.ID)
			v := f.view(t, f.org.ID)
			if technicalJobTitle(v) != "Changed at DigiCert" {
				t.Errorf("view after the live read: job title %q, want the one it read", technicalJobTitle(v))
			}
			if got := reads(f.sb, f.org.ID) - before; got != 0 {
				t.Errorf("view after the live read made %d reads, want it served from that read", got)
			}
		})
	}
}

func TestOrganizationViewInvalidatedBySend(t *testing.T) {
	jobTitle := func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" }
	tests := []struct {
		name string
		// faults are injected before the send.
		faults    []sandbox.Fault
		want      Outcome
		wantTitle string
	}{
		// A PUT fault that changes nothing lets the send's first read by;
		// the read after the PUT then fails, leaving nothing cached after
		// the invalidation.
		{"sent, the read after it failing", []sandbox.Fault{{Method: http.MethodPut, Latency: time.Millisecond}, {Method: http.MethodGet, Status: http.StatusForbidden}},
			OutcomeSent, "Lead SRE"},
		{"no answer, the read after it failing", []sandbox.Fault{{Method: http.MethodPut, Count: 4, DropConnection: true}, {Method: http.MethodGet, Status: http.StatusForbidden}},
			OutcomeNoAnswer, "SRE"},
		{"refused by DigiCert", []sandbox.Fault{{Method: http.MethodPut, Status: http.StatusBadRequest}}, OutcomeDigiCertError, "SRE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFlow(t)
			f.view(t, f.org.ID)
			for _, fault := range tt.faults {
				f.sb.InjectFault(fault)
			}
			res, err := f.svc.Send(context.Background(), f.org.ID, f.formChange(t, jobTitle), f.fingerprint(t), testActor)
			if err != nil || res.Outcome != tt.want {
				t.Fatalf("Send: outcome %s, err %v; want %s", res.Outcome, err, tt.want)
			}
			// Someone changes the contacts at DigiCert right after: only a
			// new read shows it.
			f.setTechnicalJobTitle(t, tt.wantTitle+", checked")
			before := reads(f.sb, f.org.ID)
			v := f.view(t, f.org.ID)
			if got := reads(f.sb, f.org.ID) - before; got != 1 {
				t.Errorf("view after the send made %d reads, want 1", got)
			}
			if got := technicalJobTitle(v); got != tt.wantTitle+", checked" {
				t.Errorf("view after the send: job title %q, want %q", got, tt.wantTitle+", checked")
			}
		})
	}
}

func TestOrganizationViewAfterSentShowsNewContacts(t *testing.T) {
	f := newFlow(t)
	f.view(t, f.org.ID)
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
	res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
	if err != nil || res.Outcome != OutcomeSent {
		t.Fatalf("Send: outcome %s, err %v; want sent", res.Outcome, err)
	}
	before := reads(f.sb, f.org.ID)
	v := f.view(t, f.org.ID)
	if got := technicalJobTitle(v); got != "Lead SRE" {
		t.Errorf("view after the send: job title %q, want Lead SRE", got)
	}
	if got := reads(f.sb, f.org.ID) - before; got != 0 {
		t.Errorf("view after the send made %d reads, want it served from the read after the send", got)
	}
}

// heldRead holds the answer to one GET of the sandbox until released: the
// read is made at once, so what it answers is from before whatever
// happens while it is held.
type heldRead struct {
	mu      sync.Mutex
	armed   bool
	held    chan struct{}
	release chan struct{}
}

// heldView starts a view of f's organization whose read from DigiCert
// hold keeps waiting, and returns once the read is held. The view comes on
// the channel after hold.release is closed.
func (f *flow) heldView(t *testing.T, hold *heldRead) <-chan View {
	t.Helper()
	hold.arm()
	slow := make(chan View, 1)
	go func() {
		v, err := f.svc.OrganizationView(context.Background(), f.org.ID)
		if err != nil {
			t.Errorf("slow view: %v", err)
		}
		slow <- v
	}()
	<-hold.held
	return slow
}

func newHeldRead() *heldRead {
	return &heldRead{held: make(chan struct{}), release: make(chan struct{})}
}

// arm makes the next GET be held.
func (h *heldRead) arm() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed = true
}

func (h *heldRead) take(r *http.Request) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.armed || r.Method != http.MethodGet {
		return false
	}
	h.armed = false
	return true
}

func (h *heldRead) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.take(r) {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		close(h.held)
		<-h.release
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
}

func TestOrganizationViewReadBeforeSendNotCached(t *testing.T) {
	tests := []struct {
		name string
		// faults are injected before the send.
		faults []sandbox.Fault
		want   Outcome
		// wantReads is how many reads the view after the slow one makes.
		wantReads int
	}{
		{"sent, then read again", nil, OutcomeSent, 0},
		{"sent, the read after it failing", []sandbox.Fault{{Method: http.MethodPut, Latency: time.Millisecond}, {Method: http.MethodGet, Status: http.StatusForbidden}},
			OutcomeSent, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hold := newHeldRead()
			f := newFlowWith(t, flowOptions{wrap: hold.wrap, clientDefaults: true})
			slow := f.heldView(t, hold)

			for _, fault := range tt.faults {
				f.sb.InjectFault(fault)
			}
			in := f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
			res, err := f.svc.Send(context.Background(), f.org.ID, in, f.fingerprint(t), testActor)
			if err != nil || res.Outcome != tt.want {
				t.Fatalf("Send: outcome %s, err %v; want %s", res.Outcome, err, tt.want)
			}
			close(hold.release)
			if got := technicalJobTitle(<-slow); got != "SRE" {
				t.Fatalf("slow view: job title %q, want SRE, read before the send", got)
			}

			before := reads(f.sb, f.org.ID)
			v := f.view(t, f.org.ID)
			if got := technicalJobTitle(v); got != "Lead SRE" {
				t.Errorf("view after the send: job title %q, want Lead SRE (the slow read from before it was cached)", got)
			}
			if got := reads(f.sb, f.org.ID) - before; got != tt.wantReads {
				t.Errorf("view after the send made %d reads, want %d", got, tt.wantReads)
			}
		})
	}
}

func TestOrganizationViewAfterInvalidationDoesNotJoinOlderRead(t *testing.T) {
	hold := newHeldRead()
	f := newFlowWith(t, flowOptions{wrap: hold.wrap, clientDefaults: true})
	slow := f.heldView(t, hold)
	f.setTechnicalJobTitle(t, "Changed at DigiCert")
	f.svc.invalidateView(f.org.ID)
	// A view that joined the read under way would get its answer once
	// that is released.
	release := func() { close(hold.release) }
	timer := time.AfterFunc(time.Second, release)
	v := f.view(t, f.org.ID)
	if timer.Stop() {
		release()
	}
	<-slow
	if got := technicalJobTitle(v); got != "Changed at DigiCert" {
		t.Errorf("view after the invalidation: job title %q, want the new one, not the answer of the read under way", got)
	}
}

func TestViewCacheAtCapacity(t *testing.T) {
	f := newFlow(t)
	clock := newManualClock()
	f.svc.now = clock.Now
	f.svc.views.capacity = 2
	second := f.sb.AddOrganization(flowOrganization())
	third := f.sb.AddOrganization(flowOrganization())

	// A stale entry goes first.
	f.view(t, f.org.ID)
	clock.Advance(viewTTL)
	f.view(t, second.ID)
	f.view(t, third.ID)
	if _, ok := f.svc.views.entries[f.org.ID]; ok || len(f.svc.views.entries) != 2 {
		t.Errorf("entries: %d, with the stale one %t; want the two fresh ones", len(f.svc.views.entries), ok)
	}
	f.view(t, second.ID)
	if got := reads(f.sb, second.ID); got != 1 {
		t.Errorf("a fresh entry was dropped: %d reads of organization %d, want 1", got, second.ID)
	}

	// With none stale, all go: a read more, never more entries.
	f.view(t, f.org.ID)
	if n := len(f.svc.views.entries); n != 1 {
		t.Errorf("entries past capacity with none stale: %d, want 1", n)
	}
	f.view(t, second.ID)
	if got := reads(f.sb, second.ID); got != 2 {
		t.Errorf("organization %d after the cache emptied: %d reads in all, want 2", second.ID, got)
	}
}

func TestOrganizationViewErrorsNotCached(t *testing.T) {
	t.Run("not found", func(t *testing.T) {
		f := newFlow(t)
		const id = 4242
		if _, err := f.svc.OrganizationView(context.Background(), id); !errors.Is(err, ErrOrganizationNotFound) {
			t.Fatalf("view of an unknown organization: %v, want ErrOrganizationNotFound", err)
		}
		o := flowOrganization()
		o.ID = id
		f.sb.AddOrganization(o)
		if v := f.view(t, id); v.Organization.ID != id || reads(f.sb, id) != 2 {
			t.Errorf("view once it exists: id %d after %d reads, want %d after 2", v.Organization.ID, reads(f.sb, id), id)
		}
	})
	t.Run("not found invalidates the cache", func(t *testing.T) {
		f := newFlow(t)
		f.view(t, f.org.ID)
		f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Status: http.StatusNotFound})
		if _, err := f.svc.Organization(context.Background(), f.org.ID); !errors.Is(err, ErrOrganizationNotFound) {
			t.Fatalf("read: %v, want ErrOrganizationNotFound", err)
		}
		f.view(t, f.org.ID)
		if got := reads(f.sb, f.org.ID); got != 3 {
			t.Errorf("view after DigiCert said not found: %d reads in all, want 3", got)
		}
	})
	t.Run("failure", func(t *testing.T) {
		f := newFlow(t)
		f.sb.InjectFault(sandbox.Fault{Method: http.MethodGet, Status: http.StatusForbidden})
		if _, err := f.svc.OrganizationView(context.Background(), f.org.ID); err == nil {
			t.Fatal("view through a 403: no error")
		}
		if v := f.view(t, f.org.ID); v.Organization.Name != f.org.Name || reads(f.sb, f.org.ID) != 2 {
			t.Errorf("view after a failure: %q after %d reads, want %q after 2", v.Organization.Name, reads(f.sb, f.org.ID), f.org.Name)
		}
	})
}

// waitForRead waits until count reports at least n: the sandbox records a
// request as it arrives, before any injected latency.
func waitForRead(t *testing.T, count func() int, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for count() < n {
		if time.Now().After(deadline) {
			t.Fatal("the read never reached the sandbox")
		}
		time.Sleep(time.Millisecond)
	}
}
