package contacts

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/contactdesk/contactdesk/internal/pgtest"
	"github.com/contactdesk/contactdesk/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSendsToOneOrganizationFromTwoProcesses sends two changes reviewed
// against the same contacts to one organization at once, from two
// portal processes sharing a PostgreSQL database: the second must find
// the first's change and send nothing, as it does within one process.
func TestSendsToOneOrganizationFromTwoProcesses(t *testing.T) {
	f := newFlowWith(t, flowOptions{dsn: pgtest.Database(t), requestLog: 100})
	peer := f.peer(t)
	ctx := context.Background()
	fingerprint := f.fingerprint(t)
	inputs := []Input{
		f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" }),
		f.formChange(t, func(ch *Change) { ch.Technical.Action = ActionRemove }),
	}
	services := []*Service{f.svc, peer}
	results := make([]SendResult, len(inputs))
	errs := make([]error, len(inputs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, in := range inputs {
		wg.Go(func() {
			<-start
			results[i], errs[i] = services[i].Send(ctx, f.org.ID, in, fingerprint, testActor)
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
		t.Fatalf("outcomes: got %v, want %v: each process sent on a review the other had made stale", outcomes, want)
	}
	if puts := f.puts(); len(puts) != 1 {
		t.Errorf("PUT requests: got %d, want 1", len(puts))
	}
}

// TestReconcileLeavesASendInFlightElsewhere starts a second portal process
// while the first waits for DigiCert's answer to a send: its
// reconciliation at start must wait for that send, and then leave it as
// the first process recorded it, not settle it with a guess.
func TestReconcileLeavesASendInFlightElsewhere(t *testing.T) {
	dsn := pgtest.Database(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f := newFlowWith(t, flowOptions{dsn: dsn, requestLog: 100, clientDefaults: true, wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				once.Do(func() { close(arrived) })
				<-release
			}
			h.ServeHTTP(w, r)
		})
	}})
	ctx := context.Background()
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
	sent := make(chan SendResult, 1)
	go func() {
		res, err := f.svc.Send(ctx, f.org.ID, in, f.fingerprint(t), testActor)
		if err != nil {
			t.Errorf("Send: %v", err)
		}
		sent <- res
	}()
	<-arrived

	peer := f.peer(t)
	type reconciled struct {
		n   int
		err error
	}
	done := make(chan reconciled, 1)
	go func() {
		n, err := peer.Reconcile(ctx)
		done <- reconciled{n, err}
	}()
	// The second process must wait for the organization's lock, which
	// the send holds; it must not finish first.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for waiting := 0; waiting == 0; {
		select {
		case r := <-done:
			close(release)
			t.Fatalf("Reconcile finished (%d, %v) while the send was in flight", r.n, r.err)
		default:
		}
		if time.Now().After(deadline) {
			close(release)
			t.Fatal("Reconcile neither waited for the organization's lock nor finished")
		}
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	res := <-sent
	if r := <-done; r.err != nil || r.n != 0 {
		t.Errorf("Reconcile = %d, %v; want 0: the only pending submission was in flight", r.n, r.err)
	}
	if res.Outcome != OutcomeSent {
		t.Fatalf("send outcome %v, want sent", res.Outcome)
	}
	assertKinds(t, f.events(t, res.SubmissionID), store.AuditRequested, store.AuditResponded)
}

// TestReconcileAfterASendInFlightHere reconciles, as the leader does every
// minute, while a send of the same process waits for DigiCert: the
// reconciliation waits for the send and then leaves it as it was
// recorded.
func TestReconcileAfterASendInFlightHere(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	f := newFlowWith(t, flowOptions{requestLog: 100, clientDefaults: true, wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				once.Do(func() { close(arrived) })
				<-release
			}
			h.ServeHTTP(w, r)
		})
	}})
	ctx := context.Background()
	in := f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
	sent := make(chan SendResult, 1)
	go func() {
		res, err := f.svc.Send(ctx, f.org.ID, in, f.fingerprint(t), testActor)
		if err != nil {
			t.Errorf("Send: %v", err)
		}
		sent <- res
	}()
	<-arrived
	done := make(chan int, 1)
	go func() {
		n, err := f.svc.Reconcile(ctx)
		if err != nil {
			t.Errorf("Reconcile: %v", err)
		}
		done <- n
	}()
	// Reconcile waits for the organization's lock behind the send.
	waitUntil := time.Now().Add(30 * time.Second)
	for f.svc.lockUsers(f.org.ID) < 2 {
		if time.Now().After(waitUntil) {
			close(release)
			t.Fatal("Reconcile did not wait for the send's lock")
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	res := <-sent
	if n := <-done; n != 0 {
		t.Errorf("Reconcile = %d, want 0: the only pending submission was in flight", n)
	}
	assertKinds(t, f.events(t, res.SubmissionID), store.AuditRequested, store.AuditResponded)
}

// lockUsers counts those holding or waiting for organization id's lock in
// the process.
func (s *Service) lockUsers(id int) int {
	s.locks.mu.Lock()
	defer s.locks.mu.Unlock()
	if e := s.locks.byID[id]; e != nil {
		return e.users
	}
	return 0
}

// TestViewAfterASendFromAnotherProcess caches an organization's page in
// one portal process, changes the organization from another sharing the
// database, and opens the page in the first again: it must show the
// change at once, not the cached read from before it.
func TestViewAfterASendFromAnotherProcess(t *testing.T) {
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		t.Run(engine, func(t *testing.T) {
			var opts flowOptions
			if engine == "PostgreSQL" {
				opts.dsn = pgtest.Database(t)
			}
			f := newFlowWith(t, opts)
			peer := f.peer(t)
			ctx := context.Background()
			first, err := f.svc.OrganizationView(ctx, f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if cached, err := f.svc.OrganizationView(ctx, f.org.ID); err != nil || cached.ReadAt != first.ReadAt {
				t.Fatalf("second view: read at %v, %v; want the cached read of %v", cached.ReadAt, err, first.ReadAt)
			}
			in := f.formChange(t, func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" })
			res, err := peer.Send(ctx, f.org.ID, in, f.fingerprint(t), testActor)
			if err != nil || res.Outcome != OutcomeSent {
				t.Fatalf("the other process's send: %v, %v", res.Outcome, err)
			}
			after, err := f.svc.OrganizationView(ctx, f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := after.Organization.TechnicalContact.JobTitle; got != "Lead SRE" {
				t.Errorf("the page after another process's send shows job title %q, want %q", got, "Lead SRE")
			}
		})
	}
}
