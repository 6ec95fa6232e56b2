package bulk

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// harness is a bulk service on a real store, talking through the real
// client to the sandbox on loopback, with a directory that has read every
// organization of the test.
type harness struct {
	t      *testing.T
	sb     *sandbox.Server
	st     *store.Store
	client *digicert.Client
	svc    *Service
	dir    *directory.Directory
	// orgs are the organizations of the test, in order: Grace Hopper is
	// the technical contact of the first three, and the organization
	// contact of the fourth.
	orgs []sandbox.Organization
	// gate, when set, holds every request of method gateMethod until it
	// is closed.
	mu         sync.Mutex
	gate       chan struct{}
	gateMethod string
	// arrived is told of every PUT that reaches the gate.
	arrived chan int
}

var grace = sandbox.Contact{FirstName: "Grace", LastName: "Hopper", Email: "grace.hopper@example.com", JobTitle: "Rear Admiral", Telephone: "+1 555 0100", LanguageID: "1"}

var alan = contacts.Fields{FirstName: "Alan", LastName: "Turing", Email: "alan.turing@example.com", JobTitle: "Mathematician"}

const admin = 1

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, arrived: make(chan int, 100)}
	h.sb = sandbox.New(sandbox.Options{APIKey: "key", Windows: []sandbox.RateWindow{}, Organizations: 1})
	srv := httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(srv.Close)
	var err error
	if h.st, err = store.Open(ctx, filepath.Join(t.TempDir(), "cd.db")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.st.Close() })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.client, err = digicert.New(digicert.Config{BaseURL: srv.URL + "/services/v2", APIKey: "key", Timeout: 2 * time.Second,
		MaxElapsed: 3 * time.Second, BaseBackoff: time.Millisecond, Logger: logger,
		Windows: []digicert.RateWindow{{Limit: 10000, Per: time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	locales, err := contacts.DefaultLocales()
	if err != nil {
		t.Fatal(err)
	}
	cs := contacts.NewService(h.client, h.st, locales, logger)
	h.dir = directory.New(h.client, h.st, directory.Options{Logger: logger})
	h.svc = New(Config{Store: h.st, Contacts: cs, AdminOver: 3, Logger: logger, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Budget: h.client.Budget})
	other := sandbox.Contact{FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com"}
	for i, name := range []string{"Acme", "Bolt", "Cog", "Dyno"} {
		o := sandbox.Organization{Name: name, OrganizationContact: other}
		g := grace
		if i < 3 {
			o.TechnicalContact = &g
		} else {
			o.OrganizationContact = g
		}
		h.orgs = append(h.orgs, h.sb.AddOrganization(o))
	}
	h.readAll()
	return h
}

// readAll has the directory read every organization of the test.
func (h *harness) readAll() {
	h.t.Helper()
	for _, o := range h.orgs {
		if _, err := h.dir.ReadOrganization(context.Background(), o.ID); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) serve(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	gate := h.gate
	if r.Method != h.gateMethod {
		gate = nil
	}
	h.mu.Unlock()
	if gate != nil {
		h.arrived <- 1
		<-gate
	}
	h.sb.ServeHTTP(w, r)
}

// holdPUTs makes every PUT wait until the returned function is called.
func (h *harness) holdPUTs() (release func()) { return h.hold(http.MethodPut) }

// hold makes every request of method wait until the returned function is
// called.
func (h *harness) hold(method string) (release func()) {
	gate := make(chan struct{})
	h.mu.Lock()
	h.gate, h.gateMethod = gate, method
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		h.gate = nil
		h.mu.Unlock()
		close(gate)
	}
}

// person returns Grace Hopper's directory person.
func (h *harness) person() Person {
	h.t.Helper()
	page, err := h.st.SearchPeople(context.Background(), store.PeopleQuery{Search: "grace hopper"})
	if err != nil || len(page.People) != 1 {
		h.t.Fatalf("Grace Hopper in the directory: %+v, %v", page.People, err)
	}
	p := page.People[0]
	return Person{ID: p.ID, Name: p.Name, Email: p.Email}
}

// replaceGrace is the spec that replaces Grace Hopper with Alan Turing
// everywhere, as her page asks for it.
func (h *harness) replaceGrace() Spec {
	spec := Spec{Person: ptr(h.person()),
		Organization: ContactSpec{Action: ActionReplace, Replacement: alan},
		Technical:    ContactSpec{Action: ActionReplace, Replacement: alan}}
	for _, o := range h.orgs {
		spec.Organizations = append(spec.Organizations, o.ID)
	}
	return spec
}

func ptr[T any](v T) *T { return &v }

// run runs the runner until the job is no longer running, and stops it.
func (h *harness) run(id int64) store.BulkJob {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.svc.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()
	return h.waitJob(id, func(j store.BulkJob) bool { return !j.State.Active() || j.State == store.BulkPaused })
}

// waitJob waits until job id satisfies done.
func (h *harness) waitJob(id int64, done func(store.BulkJob) bool) store.BulkJob {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		j, err := h.st.BulkJob(context.Background(), id)
		if err != nil {
			h.t.Fatal(err)
		}
		if done(j) {
			return j
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("job %d: %s with items %v, still not done", id, j.State, j.Items)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// puts counts the PUTs the sandbox received per organization.
func (h *harness) puts() map[int]int {
	counts := map[int]int{}
	for _, r := range h.sb.Requests() {
		if r.Method != http.MethodPut {
			continue
		}
		for _, o := range h.orgs {
			if r.Path == "/services/v2/organization/"+strconv.Itoa(o.ID)+"/contact" {
				counts[o.ID]++
			}
		}
	}
	return counts
}

// items returns the items of a job by organization id.
func (h *harness) items(id int64) map[int]store.BulkItem {
	h.t.Helper()
	items, err := h.st.BulkItems(context.Background(), id, store.BulkItemQuery{})
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[int]store.BulkItem{}
	for _, it := range items {
		out[it.OrganizationID] = it
	}
	return out
}

func (h *harness) org(id int) sandbox.Organization {
	h.t.Helper()
	o, ok := h.sb.Organization(id)
	if !ok {
		h.t.Fatalf("organization %d gone", id)
	}
	return o
}

var adminUser = Requester{UserID: admin, Email: "admin@example.com", Admin: true}
