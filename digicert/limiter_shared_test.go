package digicert

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// memoryBudget is a SharedBudget kept in memory, on a fake clock: what
// the store keeps in PostgreSQL, for the limiter's rules. (The store's
// own is tested against PostgreSQL with the store.)
type memoryBudget struct {
	mu      sync.Mutex
	clock   *fakeClock
	next    int64
	entries map[int64]*memoryEntry
}

type memoryEntry struct {
	class         Class
	admitted, end time.Time
}

func newMemoryBudget(clock *fakeClock) *memoryBudget {
	return &memoryBudget{clock: clock, entries: map[int64]*memoryEntry{}}
}

func (b *memoryBudget) Admit(_ context.Context, c Class, q BudgetQuery, room func(time.Time, []WindowUse) time.Duration) (int64, time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.now()
	if wait := room(now, b.use(now, q)); wait > 0 {
		return 0, wait, nil
	}
	b.next++
	b.entries[b.next] = &memoryEntry{class: c, admitted: now}
	return b.next, 0, nil
}

func (b *memoryBudget) End(_ context.Context, id int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.entries[id]; e != nil && e.end.IsZero() {
		e.end = b.clock.now()
	}
	return nil
}

func (b *memoryBudget) Use(_ context.Context, q BudgetQuery) (time.Time, []WindowUse, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.now()
	return now, b.use(now, q), nil
}

func (b *memoryBudget) use(now time.Time, q BudgetQuery) []WindowUse {
	var out []WindowUse
	for _, span := range q.Spans {
		u := WindowUse{}
		for _, e := range b.entries {
			end := e.end
			if end.IsZero() && !now.Before(e.admitted.Add(q.MaxInFlight)) {
				end = e.admitted.Add(q.MaxInFlight)
			}
			if !end.IsZero() && !end.Add(span).After(now) {
				continue
			}
			cu := u[e.class]
			cu.Counted++
			if !end.IsZero() && (cu.FirstEnded.IsZero() || end.Before(cu.FirstEnded)) {
				cu.FirstEnded = end
			}
			u[e.class] = cu
		}
		out = append(out, u)
	}
	return out
}

// sharedLimiters returns n limiters on one shared budget, as n processes.
func sharedLimiters(n int, windows []RateWindow, clock *fakeClock) ([]*limiter, *memoryBudget) {
	b := newMemoryBudget(clock)
	var ls []*limiter
	for range n {
		l := fakeLimiter(windows, clock)
		l.share(b, time.Second, nil)
		ls = append(ls, l)
	}
	return ls, b
}

// TestSharedLimitersKeepToOneWindowTogether admits requests alternately
// through two limiters sharing a budget, as two portal processes using
// one API key: together they keep to the window, as one limiter would.
func TestSharedLimitersKeepToOneWindowTogether(t *testing.T) {
	clock := newFakeClock()
	ls, _ := sharedLimiters(2, []RateWindow{{Limit: 3, Per: time.Second}}, clock)
	start := clock.now()
	var got []time.Duration
	for i := range 7 {
		got = append(got, admitAndEnd(t, ls[i%2], Interactive).Sub(start))
	}
	want := []time.Duration{0, 0, 0, time.Second, time.Second, time.Second, 2 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("admission times = %v, want %v", got, want)
		}
	}
}

// TestSharedLimitersShareTheClassCaps fills the background share of the
// window from one process: the other's background requests wait, its
// people's do not.
func TestSharedLimitersShareTheClassCaps(t *testing.T) {
	clock := newFakeClock()
	ls, _ := sharedLimiters(2, []RateWindow{{Limit: 10, Per: time.Minute}}, clock)
	for range 5 { // 50 % of 10
		admitAndEnd(t, ls[0], Background)
	}
	start := clock.now()
	if at := admitAndEnd(t, ls[1], Interactive); at.Sub(start) != 0 {
		t.Errorf("a person's request in the other process waited %v", at.Sub(start))
	}
	if at := admitAndEnd(t, ls[1], Background); at.Sub(start) != time.Minute {
		t.Errorf("the other process's background request was admitted after %v, want a minute: the share was used", at.Sub(start))
	}
}

// TestSharedLimiterCountsAnUnendedRequest leaves a request's end
// unrecorded, as when its process is killed: it counts until MaxInFlight
// after its admission, then for the window's span.
func TestSharedLimiterCountsAnUnendedRequest(t *testing.T) {
	clock := newFakeClock()
	ls, _ := sharedLimiters(2, []RateWindow{{Limit: 1, Per: time.Second}}, clock)
	start := clock.now()
	if _, err := ls[0].acquire(context.Background(), Interactive); err != nil {
		t.Fatal(err)
	}
	// The process dies: its request never ends.
	at := admitAndEnd(t, ls[1], Interactive)
	// MaxInFlight is the attempt's timeout, 1 s here, and 5 s more.
	if want := 6*time.Second + time.Second; at.Sub(start) != want {
		t.Errorf("admitted after %v, want %v: until the dead request's end is assumed, then a span", at.Sub(start), want)
	}
}

// TestSharedLimiterThrottlesWhenTheWaitPassesTheDeadline refuses at once
// a person's request that could not be let through before its deadline.
func TestSharedLimiterThrottlesWhenTheWaitPassesTheDeadline(t *testing.T) {
	clock := newFakeClock()
	ls, _ := sharedLimiters(2, []RateWindow{{Limit: 1, Per: time.Hour}}, clock)
	admitAndEnd(t, ls[0], Interactive)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := ls[1].acquire(ctx, Interactive); !errors.Is(err, ErrThrottled) {
		t.Errorf("err = %v, want ErrThrottled", err)
	}
}

// TestSharedLimiterBudgetShowsEveryProcess reads the budget of one
// process while the other holds requests.
func TestSharedLimiterBudgetShowsEveryProcess(t *testing.T) {
	clock := newFakeClock()
	ls, _ := sharedLimiters(2, []RateWindow{{Limit: 10, Per: time.Minute}}, clock)
	admitAndEnd(t, ls[0], Background)
	admitAndEnd(t, ls[0], Interactive)
	b := ls[1].budget()
	if len(b.Windows) != 1 || b.Windows[0].Used[Background] != 1 || b.Windows[0].Used[Interactive] != 1 {
		t.Errorf("the other process's budget = %+v, want one background and one interactive request used", b.Windows)
	}
	if b.Admitted[Background] != 0 {
		t.Errorf("Admitted = %v: it counts this process's admissions", b.Admitted)
	}
}
