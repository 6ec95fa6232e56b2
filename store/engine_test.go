package store

import (
	"context"
	"fmt"
	"sync"
	"testing"
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
