package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT ?`, `SELECT $1`},
		{`a = ? AND b IN (?, ?)`, `a = $1 AND b IN ($2, $3)`},
		{`x = ?1 OR y = ?1 OR z = ?2`, `x = $1 OR y = $1 OR z = $2`},
		{`SELECT '?', "a?b", ?`, `SELECT '?', "a?b", $1`},
		{`SELECT 'it''s ?' || ?`, `SELECT 'it''s ?' || $1`},
		{"-- is it?\nSELECT ?", "-- is it?\nSELECT $1"},
		{`/* ? */ SELECT ?`, `/* ? */ SELECT $1`},
		{`$$ RAISE '?' $$; SELECT ?`, `$$ RAISE '?' $$; SELECT $1`},
		{`$body$ ? $body$ ?`, `$body$ ? $body$ $1`},
		{`SELECT value::bigint FROM json_array_elements_text(?::json)`, `SELECT value::bigint FROM json_array_elements_text($1::json)`},
		{`LIKE ? ESCAPE '\'`, `LIKE $1 ESCAPE '\'`},
	} {
		if got := rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestTwoStoresShareOneAuditLog appends from two Store values on one
// database at once, as two portal processes do: events on their own and
// events recorded with a change, from several goroutines each. The log
// stays one chain and one tree, which both verify.
func TestTwoStoresShareOneAuditLog(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	var stores [2]*Store
	for i := range stores {
		stores[i] = openTestStoreAt(t, dsn)
	}
	const (
		goroutines = 4
		appends    = 15
	)
	var wg sync.WaitGroup
	errs := make(chan error, len(stores)*goroutines*appends)
	for i, s := range stores {
		for g := range goroutines {
			wg.Go(func() {
				for n := range appends {
					var err error
					if n%3 == 0 {
						_, err = s.CreateTeam(ctx, fmt.Sprintf("Team %d-%d-%d", i, g, n), testEvent[Team](AuditTeamChanged))
					} else {
						_, err = s.AppendAuditEvent(ctx, fullAuditEvent(fmt.Sprintf("sub-%d-%d-%d", i, g, n), AuditRequested))
					}
					if err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("append: %v", err)
	}
	const want = 2 * goroutines * appends
	for i, s := range stores {
		check, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
		if err != nil {
			t.Fatalf("store %d: VerifyAuditLog: %v", i, err)
		}
		if check.Head.Count != want || check.Tree.Size != want {
			t.Errorf("store %d: VerifyAuditLog = %d events, tree of %d; want %d", i, check.Head.Count, check.Tree.Size, want)
		}
	}
}

// TestTwoStoresRunBulkJobs has two stores on one database record the
// events of bulk items while the other appends, and lease running jobs
// at once: the audit log stays one verifiable chain, and each lease goes
// to one store.
func TestTwoStoresRunBulkJobs(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		stores[i] = s
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	const jobs = 6
	var ids []int64
	for range jobs {
		job := newTestJob(t, stores[0], t0)
		if err := stores[0].StartBulkJob(ctx, job.ID, BulkActor{UserID: 7}, t0); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, job.ID)
	}

	// Runners on each store lease jobs, one each, until none is left:
	// every job is leased exactly once.
	leased := make([][]int64, len(stores))
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() {
			for n := 0; ; n++ {
				job, err := s.LeaseBulkJob(ctx, fmt.Sprintf("runner-%d-%d", i, n), t0, t0.Add(time.Hour))
				if errors.Is(err, ErrNotFound) {
					return
				}
				if err != nil {
					t.Errorf("store %d: LeaseBulkJob: %v", i, err)
					return
				}
				leased[i] = append(leased[i], job.ID)
				if len(leased[i]) > jobs {
					t.Errorf("store %d leased %v: a job twice", i, leased[i])
					return
				}
			}
		})
	}
	wg.Wait()
	all := append(slices.Clone(leased[0]), leased[1]...)
	slices.Sort(all)
	if !slices.Equal(all, ids) {
		t.Errorf("leases: store 0 %v, store 1 %v; want each of %v once", leased[0], leased[1], ids)
	}

	// Each store records the events of the items of its jobs while the
	// other appends single submissions.
	for i, s := range stores {
		wg.Go(func() {
			for n, id := range leased[i] {
				items, err := s.BulkItems(ctx, id, BulkItemQuery{States: []BulkItemState{ItemPending}})
				if err != nil {
					t.Errorf("store %d: %v", i, err)
					return
				}
				for k, it := range items {
					sub := fmt.Sprintf("job-%d-item-%d", id, it.ID)
					steps := []struct {
						state BulkItemState
						kind  AuditKind
					}{{ItemSending, AuditRequested}, {ItemSucceeded, AuditResponded}}
					for _, step := range steps {
						e := AuditEvent{SubmissionID: sub, Kind: step.kind, OrganizationID: it.OrganizationID,
							RequestID: BulkJobRequestID(id), Status: 200, OccurredAt: t0}
						if _, err := s.RecordBulkItemEvent(ctx, id, it.ID, BulkItemUpdate{State: step.state, SubmissionID: sub}, e); err != nil {
							t.Errorf("store %d: RecordBulkItemEvent: %v", i, err)
							return
						}
					}
					if _, err := s.AppendAuditEvent(ctx, fullAuditEvent(fmt.Sprintf("single-%d-%d-%d", i, n, k), AuditRequested)); err != nil {
						t.Errorf("store %d: AppendAuditEvent: %v", i, err)
					}
				}
			}
		})
	}
	wg.Wait()
	const want = jobs * 2 * 3 // two items to send a job, three events each
	for i, s := range stores {
		check, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
		if err != nil {
			t.Fatalf("store %d: VerifyAuditLog: %v", i, err)
		}
		if check.Head.Count != want {
			t.Errorf("store %d: %d events, want %d", i, check.Head.Count, want)
		}
	}
	for _, id := range ids {
		job, err := stores[1].BulkJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if job.Items[ItemSucceeded] != 2 {
			t.Errorf("job %d: %d items succeeded, want 2", id, job.Items[ItemSucceeded])
		}
	}
}
