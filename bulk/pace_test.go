package bulk

import (
	"context"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
)

// fakeBudget is a client's budget as the tests set it.
type fakeBudget struct{ b digicert.Budget }

func (f *fakeBudget) get() digicert.Budget { return f.b }

// admit counts n more bulk requests admitted.
func (f *fakeBudget) admit(n uint64) { f.b.Admitted[digicert.Bulk] += n }

// newFakeBudget is a budget of windows, nothing used yet.
func newFakeBudget(windows ...digicert.WindowBudget) *fakeBudget {
	return &fakeBudget{b: digicert.Budget{Windows: windows, Admitted: map[digicert.Class]uint64{}}}
}

// budgetWindow is a window of limit requests per per, with the default
// shares' caps (bulk 80 %), of which people and the job hold what is
// given.
func budgetWindow(limit int, per time.Duration, people, job int) digicert.WindowBudget {
	return digicert.WindowBudget{
		Limit: limit, Per: per,
		Used: map[digicert.Class]int{digicert.Interactive: people, digicert.Bulk: job},
		Caps: map[digicert.Class]int{digicert.Interactive: limit, digicert.Bulk: limit * 8 / 10, digicert.Background: limit / 2},
	}
}

var t0 = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)

func TestPacerSpreadsTheJobAtTheBulkRate(t *testing.T) {
	// 800 bulk requests per 10 s: 80 a second, one item of 3 every
	// 37.5 ms.
	f := newFakeBudget(budgetWindow(1000, 10*time.Second, 0, 0))
	p := newPacer(f.get, t0)
	if w := p.wait(t0, 1000); w != 0 {
		t.Fatalf("first item waits %s, want none", w)
	}
	step := 37500 * time.Microsecond
	now := t0
	for i := range 10 {
		f.admit(requestsPerItem)
		if w := p.wait(now, 999-i); w != step {
			t.Fatalf("item %d waits %s right after the last, want %s", i+2, w, step)
		}
		// A third of the way there, two thirds are left.
		if w := p.wait(now.Add(step/3), 999-i); w != step-step/3 {
			t.Fatalf("item %d waits %s a third of the way, want %s", i+2, w, step-step/3)
		}
		now = now.Add(step)
		if w := p.wait(now, 999-i); w != 0 {
			t.Fatalf("item %d waits %s when due, want none", i+2, w)
		}
	}
}

func TestPacerCatchesUpAFewItemsAtMost(t *testing.T) {
	f := newFakeBudget(budgetWindow(1000, 10*time.Second, 0, 0))
	p := newPacer(f.get, t0)
	step := 37500 * time.Microsecond
	// The first item took a whole second: the pace lets the item due
	// now and paceBurst more go at once, not the 26 it fell behind by.
	f.admit(requestsPerItem)
	late := t0.Add(time.Second)
	for i := range paceBurst + 1 {
		if w := p.wait(late, 999-i); w != 0 {
			t.Fatalf("catching up, item %d waits %s, want none", i+2, w)
		}
		f.admit(requestsPerItem)
	}
	if w := p.wait(late, 999-paceBurst-1); w != step {
		t.Errorf("caught up, the next item waits %s, want %s", w, step)
	}
}

func TestPacerTakesTheSlowestWindowThatBinds(t *testing.T) {
	tests := []struct {
		name    string
		windows []digicert.WindowBudget
		items   int
		want    time.Duration
	}{
		// 80 per 500 ms is 160/s; 800 per 10 s, 80/s, binds.
		{"long window binds", []digicert.WindowBudget{budgetWindow(100, 500*time.Millisecond, 0, 0), budgetWindow(1000, 10*time.Second, 0, 0)}, 1000, 37500 * time.Microsecond},
		// 30 items, 90 requests, fit the long window's 800: the short
		// one paces them.
		{"rest fits the long window", []digicert.WindowBudget{budgetWindow(100, 500*time.Millisecond, 0, 0), budgetWindow(1000, 10*time.Second, 0, 0)}, 30, 18750 * time.Microsecond},
		// 20 items, 60 requests, fit every window: no pace.
		{"rest fits every window", []digicert.WindowBudget{budgetWindow(100, 500*time.Millisecond, 0, 0), budgetWindow(1000, 10*time.Second, 0, 0)}, 20, 0},
		// The long window holds 790 of the job's requests already: the
		// 20 items left do not fit it.
		{"long window nearly full", []digicert.WindowBudget{budgetWindow(100, 500*time.Millisecond, 0, 0), budgetWindow(1000, 10*time.Second, 0, 790)}, 20, 37500 * time.Microsecond},
		{"no windows", nil, 1000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBudget(tt.windows...)
			p := newPacer(f.get, t0)
			f.admit(requestsPerItem)
			if w := p.wait(t0, tt.items); w != tt.want {
				t.Errorf("the item after the first waits %s, want %s", w, tt.want)
			}
		})
	}
}

func TestPacerYieldsToPeople(t *testing.T) {
	tests := []struct {
		name        string
		people, job int
		want        time.Duration
	}{
		// People hold 50 of 100: the job may hold 80 % of the other 50,
		// 40, and its next item would take it from 38 to 41.
		{"past the share of what people leave", 50, 38, 10 * time.Millisecond},
		{"an item still fits", 50, 37, 0},
		// Nobody holds anything: the job may take its whole cap, and
		// the limiter stops it there.
		{"people hold nothing", 0, 79, 0},
		// People hold the whole window: the job waits.
		{"people hold all", 100, 0, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The rest of the job fits the window's cap: only people can
			// hold it back.
			f := newFakeBudget(budgetWindow(100, time.Second, tt.people, tt.job))
			p := newPacer(f.get, t0)
			if w := p.wait(t0, 1); w != tt.want {
				t.Errorf("waits %s, want %s", w, tt.want)
			}
		})
	}
}

func TestPacerYieldingDoesNotMakeABurstAfter(t *testing.T) {
	// People held the job back for 2 s: once they leave room it catches
	// up paceBurst items, not the 2 s.
	f := newFakeBudget(budgetWindow(1000, 10*time.Second, 900, 78))
	p := newPacer(f.get, t0)
	if w := p.wait(t0, 1000); w != 10*time.Millisecond {
		t.Fatalf("with people holding 900 of 1000 and the job 78, waits %s, want 10ms", w)
	}
	f.b.Windows[0].Used[digicert.Interactive] = 0
	now := t0.Add(2 * time.Second)
	for i := range paceBurst + 1 {
		if w := p.wait(now, 1000-i); w != 0 {
			t.Fatalf("item %d waits %s, want none", i+1, w)
		}
		f.admit(requestsPerItem)
	}
	if w := p.wait(now, 1000-paceBurst-1); w != 37500*time.Microsecond {
		t.Errorf("then waits %s, want 37.5ms", w)
	}
}

func TestPacerWithoutBudget(t *testing.T) {
	p := newPacer(nil, t0)
	if w := p.wait(t0, 1000); w != 0 {
		t.Errorf("waits %s without a budget, want none", w)
	}
	if !keepPace(context.Background(), p, 1000) {
		t.Error("keepPace held an item back without a budget")
	}
}

func TestKeepPaceStopsWithItsContext(t *testing.T) {
	// People hold the whole window: the pace holds the item back, until
	// the context ends.
	f := newFakeBudget(budgetWindow(100, time.Second, 100, 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if keepPace(ctx, newPacer(f.get, time.Now()), 1) {
		t.Error("keepPace let an item go with people holding the whole window")
	}
}
