package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// leaseTestOptions make leases change hands quickly.
func leaseTestOptions(instance string, changes chan<- leaseChange) LeaseOptions {
	return LeaseOptions{
		Instance: instance,
		Retry:    50 * time.Millisecond,
		Check:    50 * time.Millisecond,
		OnChange: func(leading bool, err error) {
			if changes != nil {
				changes <- leaseChange{instance, leading, err}
			}
		},
	}
}

type leaseChange struct {
	instance string
	leading  bool
	err      error
}

// leaseProcess is one portal process's part in a lease: its store, its
// lease, and the work it runs under it.
type leaseProcess struct {
	lease *LeaderLease
	stop  context.CancelFunc
	done  sync.WaitGroup
	// terms counts the terms this process's work started in.
	terms atomic.Int32
}

// startLeaseProcess runs a lease on s with work that counts, in running,
// the processes doing it at once, and records in overlap any moment two
// did.
func startLeaseProcess(s *Store, opts LeaseOptions, running *atomic.Int32, overlap *atomic.Bool) *leaseProcess {
	ctx, cancel := context.WithCancel(context.Background())
	p := &leaseProcess{lease: s.NewLeaderLease(opts), stop: cancel}
	p.done.Go(func() { p.lease.Run(ctx) })
	p.done.Go(func() {
		p.lease.Lead(ctx, func(term context.Context) {
			p.terms.Add(1)
			if running.Add(1) > 1 {
				overlap.Store(true)
			}
			<-term.Done()
			running.Add(-1)
		})
	})
	return p
}

func (p *leaseProcess) close() {
	p.stop()
	p.done.Wait()
}

// waitFor waits for the condition, failing the test after a bound that
// only a broken lease reaches.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLeaderLeaseOnSQLiteAlwaysLeads(t *testing.T) {
	sqliteOnly(t)
	s := openTestStore(t)
	var running atomic.Int32
	var overlap atomic.Bool
	p := startLeaseProcess(s, leaseTestOptions("a", nil), &running, &overlap)
	waitFor(t, "the only process leading", func() bool { return p.lease.Leading() && running.Load() == 1 })
	p.close()
	if p.lease.Leading() || running.Load() != 0 {
		t.Errorf("after Run ended: Leading = %v, work running = %d; want false, 0", p.lease.Leading(), running.Load())
	}
}

// TestLeaderLeaseOneLeaderAtATime runs three processes' leases on one
// PostgreSQL database: one leads at a time, and when it stops, another
// takes over once the first one's work has returned.
func TestLeaderLeaseOneLeaderAtATime(t *testing.T) {
	if testEngine != postgres {
		t.Skip("PostgreSQL only: on SQLite one process uses the database")
	}
	dsn := testDSN(t)
	var running atomic.Int32
	var overlap atomic.Bool
	var procs []*leaseProcess
	for _, name := range []string{"a", "b", "c"} {
		s := openTestStoreAt(t, dsn)
		p := startLeaseProcess(s, leaseTestOptions(name, nil), &running, &overlap)
		t.Cleanup(p.close)
		procs = append(procs, p)
	}
	leader := func() *leaseProcess {
		var found *leaseProcess
		for _, p := range procs {
			if p.lease.Leading() {
				if found != nil {
					t.Fatal("two processes lead at once")
				}
				found = p
			}
		}
		return found
	}
	for round := 0; round < 2; round++ {
		waitFor(t, "a process leading", func() bool { return leader() != nil && running.Load() == 1 })
		first := leader()
		first.close()
		if first.lease.Leading() {
			t.Fatal("the process that stopped still leads")
		}
		waitFor(t, "another process taking over", func() bool { return leader() != nil && running.Load() == 1 })
		procs = remove(procs, first)
	}
	if overlap.Load() {
		t.Error("the work ran in two processes at once")
	}
}

// TestLeaderLeaseLostWithItsConnection ends the leader's session from the
// server, as a failover or an administrator would: the leader must stop
// its work and say why, and the other process must take over. (Which of
// the two comes first is not fixed: for a moment both may lead, as the
// lease's documentation says.)
func TestLeaderLeaseLostWithItsConnection(t *testing.T) {
	if testEngine != postgres {
		t.Skip("PostgreSQL only: on SQLite one process uses the database")
	}
	dsn := testDSN(t)
	changes := make(chan leaseChange, 16)
	var running atomic.Int32
	var overlap atomic.Bool
	a := startLeaseProcess(openTestStoreAt(t, dsn), leaseTestOptions("a", changes), &running, &overlap)
	t.Cleanup(a.close)
	waitFor(t, "a leading", a.lease.Leading)
	if c := <-changes; c.instance != "a" || !c.leading {
		t.Fatalf("first change = %+v, want a leading", c)
	}
	b := startLeaseProcess(openTestStoreAt(t, dsn), leaseTestOptions("b", changes), &running, &overlap)
	t.Cleanup(b.close)

	admin := openTestStoreAt(t, dsn)
	var ended int
	err := admin.writer.QueryRowContext(context.Background(),
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?`,
		"contactdesk leader lease: a").Scan(&ended)
	if err != nil || ended != 1 {
		t.Fatalf("end a's lease session: %d ended, %v; want 1", ended, err)
	}
	var aStopped, bLeads bool
	for !aStopped || !bLeads {
		select {
		case c := <-changes:
			switch {
			case c.instance == "a" && !c.leading:
				if c.err == nil {
					t.Errorf("a stopped leading without saying why")
				}
				aStopped = true
			case c.instance == "b" && c.leading:
				bLeads = true
			default:
				t.Fatalf("unexpected change %+v", c)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("after a's session ended: a stopped %v, b leads %v; want both", aStopped, bLeads)
		}
	}
	waitFor(t, "b's work alone running", func() bool { return running.Load() == 1 && !a.lease.Leading() })
	if a.terms.Load() != 1 || b.terms.Load() != 1 {
		t.Errorf("terms: a %d, b %d; want 1 each", a.terms.Load(), b.terms.Load())
	}
}

func TestLeaderLeaseLeadEndsWithItsContext(t *testing.T) {
	s := openTestStore(t)
	lease := s.NewLeaderLease(leaseTestOptions("a", nil))
	runCtx, stopRun := context.WithCancel(context.Background())
	defer stopRun()
	go lease.Run(runCtx)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		lease.Lead(ctx, func(term context.Context) {
			close(started)
			<-term.Done()
		})
	}()
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Lead did not return after its context ended")
	}
	if !lease.Leading() {
		t.Error("the process stopped leading when one piece of work stopped")
	}
	if errors.Is(runCtx.Err(), context.Canceled) {
		t.Error("Run ended")
	}
}

func remove(ps []*leaseProcess, p *leaseProcess) []*leaseProcess {
	var out []*leaseProcess
	for _, q := range ps {
		if q != p {
			out = append(out, q)
		}
	}
	return out
}
