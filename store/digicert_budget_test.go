package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// limitRoom is a room function that admits while fewer than limit
// requests are counted in the first window, and asks for an hour's wait
// otherwise.
func limitRoom(limit int) func(time.Time, []map[string]RateUse) time.Duration {
	return func(_ time.Time, use []map[string]RateUse) time.Duration {
		total := 0
		for _, u := range use[0] {
			total += u.Counted
		}
		if total >= limit {
			return time.Hour
		}
		return 0
	}
}

// TestDigiCertBudgetAdmitsTogether admits requests from two stores on one
// database at once, as two portal processes using one API key: together
// they never take more than the room the rule gives.
func TestDigiCertBudgetAdmitsTogether(t *testing.T) {
	if testEngine != postgres {
		if b := openTestStore(t).DigiCertBudget(); b != nil {
			t.Fatal("a SQLite store shares a budget; its one process counts its own requests")
		}
		return
	}
	ctx := context.Background()
	dsn := testDSN(t)
	budgets := []*DigiCertBudget{openTestStoreAt(t, dsn).DigiCertBudget(), openTestStoreAt(t, dsn).DigiCertBudget()}
	q := RateQuery{Spans: []time.Duration{time.Hour}, MaxInFlight: time.Hour}
	const limit, tries = 5, 24
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		admitted int
	)
	for i := range tries {
		b := budgets[i%2]
		wg.Go(func() {
			id, wait, err := b.Admit(ctx, "interactive", q, limitRoom(limit))
			if err != nil {
				t.Error(err)
				return
			}
			if (id != 0) == (wait > 0) {
				t.Errorf("Admit = id %d, wait %v: want one or the other", id, wait)
			}
			if id != 0 {
				mu.Lock()
				admitted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if admitted != limit {
		t.Errorf("%d of %d requests admitted, want %d", admitted, tries, limit)
	}
}

// TestDigiCertBudgetCountsUntilTheSpanAfterTheEnd follows one request:
// counted in flight, counted with its end until a span after it, then
// forgotten; and one whose end is never recorded counts as ended
// MaxInFlight after its admission.
func TestDigiCertBudgetCountsUntilTheSpanAfterTheEnd(t *testing.T) {
	if testEngine != postgres {
		t.Skip("PostgreSQL only")
	}
	ctx := context.Background()
	b := openTestStore(t).DigiCertBudget()
	const span = 300 * time.Millisecond
	q := RateQuery{Spans: []time.Duration{span, time.Hour}, MaxInFlight: time.Hour}
	id, _, err := b.Admit(ctx, "bulk", q, limitRoom(10))
	if err != nil {
		t.Fatal(err)
	}
	_, use, err := b.Use(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if u := use[0]["bulk"]; u.Counted != 1 || !u.FirstEnded.IsZero() {
		t.Errorf("in flight: %+v, want counted, not ended", u)
	}
	if err := b.End(ctx, id); err != nil {
		t.Fatal(err)
	}
	now, use, err := b.Use(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if u := use[0]["bulk"]; u.Counted != 1 || u.FirstEnded.IsZero() || u.FirstEnded.After(now) {
		t.Errorf("ended: %+v at %v, want counted, ended before now", u, now)
	}
	time.Sleep(2 * span)
	_, use, err = b.Use(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if u := use[0]["bulk"]; u.Counted != 0 {
		t.Errorf("a span after its end: %+v, want it no longer counted by the short window", u)
	}
	if u := use[1]["bulk"]; u.Counted != 1 {
		t.Errorf("a span after its end: %+v, want it still counted by the hour's window", u)
	}

	// A request whose process died: never ended.
	short := RateQuery{Spans: []time.Duration{time.Hour}, MaxInFlight: 100 * time.Millisecond}
	if _, _, err := b.Admit(ctx, "background", short, limitRoom(10)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	_, use, err = b.Use(ctx, short)
	if err != nil {
		t.Fatal(err)
	}
	if u := use[0]["background"]; u.Counted != 1 || u.FirstEnded.IsZero() {
		t.Errorf("a request never ended, after MaxInFlight: %+v, want it counted as ended", u)
	}
}
