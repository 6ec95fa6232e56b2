package digicert

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that only moves when a waiter sleeps on it: each
// sleep with a known length moves it that far at once. A sleep with no
// length waits for the limiter to change.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	if d == untilChanged {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
			return nil
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(d)
	return ctx.Err()
}

func fakeLimiter(windows []RateWindow, clock *fakeClock) *limiter {
	l := newLimiter(windows, DefaultShares())
	l.now, l.sleep = clock.now, clock.sleep
	return l
}

// admitAndEnd admits a request of class c and ends it at once, returning
// when it was admitted.
func admitAndEnd(t testing.TB, l *limiter, c Class) time.Time {
	t.Helper()
	a, err := l.acquire(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	l.release(a)
	return a.at
}

func TestLimiterWaitsForTheOldestAdmission(t *testing.T) {
	clock := newFakeClock()
	l := fakeLimiter([]RateWindow{{Limit: 3, Per: time.Second}}, clock)
	start := clock.now()
	var got []time.Duration
	for range 7 {
		got = append(got, admitAndEnd(t, l, Interactive).Sub(start))
	}
	want := []time.Duration{0, 0, 0, time.Second, time.Second, time.Second, 2 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("admission times = %v, want %v", got, want)
		}
	}
}

func TestLimiterStricterWindowWins(t *testing.T) {
	clock := newFakeClock()
	l := fakeLimiter([]RateWindow{{Limit: 2, Per: time.Second}, {Limit: 3, Per: time.Minute}}, clock)
	start := clock.now()
	var got []time.Duration
	for range 5 {
		got = append(got, admitAndEnd(t, l, Interactive).Sub(start))
	}
	want := []time.Duration{0, 0, time.Second, time.Minute, time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("admission times = %v, want %v", got, want)
		}
	}
}

// A request counts until Per after its answer came, not after it was let
// through: DigiCert counted it somewhere in between.
func TestLimiterCountsARequestUntilItsAnswer(t *testing.T) {
	clock := newFakeClock()
	l := fakeLimiter([]RateWindow{{Limit: 1, Per: time.Second}}, clock)
	start := clock.now()
	first, err := l.acquire(context.Background(), Interactive)
	if err != nil {
		t.Fatal(err)
	}
	// The answer takes 300 ms; meanwhile nothing else may go.
	clock.mu.Lock()
	clock.t = clock.t.Add(300 * time.Millisecond)
	clock.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ctx, Interactive); !errors.Is(err, context.Canceled) {
		t.Fatalf("while the first is in flight: err = %v, want to wait (context.Canceled)", err)
	}
	l.release(first)
	if got, want := admitAndEnd(t, l, Interactive).Sub(start), 1300*time.Millisecond; got != want {
		t.Errorf("second admitted at %v, want %v: a second after the first's answer", got, want)
	}
}

// In any window, background holds at most its share, bulk its share, the
// two together the larger share; interactive takes the rest at once.
func TestLimiterSharesCapEachClass(t *testing.T) {
	clock := newFakeClock()
	l := fakeLimiter([]RateWindow{{Limit: 10, Per: time.Second}}, clock)
	start := clock.now()
	admitted := func(c Class, n int) []time.Duration {
		var at []time.Duration
		for range n {
			at = append(at, admitAndEnd(t, l, c).Sub(start))
		}
		return at
	}
	// Background: 5 of 10 at once, the sixth a window later.
	if got := admitted(Background, 6); got[4] != 0 || got[5] != time.Second {
		t.Fatalf("background admissions at %v, want five at 0 and the sixth at 1s", got)
	}
	// Now 1 background in the window (at 1s). Bulk may bring the two to
	// 8 together: 7 bulk at once, the eighth must wait.
	if got := admitted(Bulk, 8); got[6] != time.Second || got[7] != 2*time.Second {
		t.Fatalf("bulk admissions at %v, want seven at 1s and the eighth at 2s", got)
	}
	// The window at 2s holds 1 bulk; interactive fills all the rest at once.
	if got := admitted(Interactive, 9); got[8] != 2*time.Second {
		t.Fatalf("interactive admissions at %v, want all nine at 2s", got)
	}
	b := l.budget()
	if got := b.Windows[0].Caps; got[Background] != 5 || got[Bulk] != 8 || got[Interactive] != 10 || b.Windows[0].Shared != 8 {
		t.Errorf("caps = %v shared %d, want background 5, bulk 8, interactive 10, shared 8", got, b.Windows[0].Shared)
	}
	if got := b.Admitted; got[Background] != 6 || got[Bulk] != 8 || got[Interactive] != 9 {
		t.Errorf("admitted = %v, want 6 background, 8 bulk, 9 interactive", got)
	}
}

// With bulk and background at their caps, people still find room at once.
func TestInteractiveNeverWaitsBehindTheOtherClasses(t *testing.T) {
	clock := newFakeClock()
	windows := []RateWindow{{Limit: 100, Per: 5 * time.Second}, {Limit: 1000, Per: 5 * time.Minute}}
	l := fakeLimiter(windows, clock)
	start := clock.now()
	// Jobs take every request they may: 50 background and 30 bulk (80
	// together) of the first window.
	for range 50 {
		admitAndEnd(t, l, Background)
	}
	for range 30 {
		admitAndEnd(t, l, Bulk)
	}
	if at := admitAndEnd(t, l, Bulk).Sub(start); at == 0 {
		t.Fatal("a 31st bulk request was admitted at once: bulk and background together exceed 80 %")
	}
	// Whatever the jobs did, 20 interactive requests find room at once
	// in the current 5-second window.
	now := clock.now()
	for i := range 20 {
		if at := admitAndEnd(t, l, Interactive); !at.Equal(now) {
			t.Fatalf("interactive request %d waited %v behind bulk and background", i+1, at.Sub(now))
		}
	}
}

// manualClock moves only when the test says: sleepers wait for it.
type manualClock struct {
	mu       sync.Mutex
	t        time.Time
	timers   []manualTimer
	sleeping int
}

type manualTimer struct {
	at time.Time
	ch chan struct{}
}

func (m *manualClock) now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

func (m *manualClock) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	var fired chan struct{}
	m.mu.Lock()
	if d != untilChanged {
		fired = make(chan struct{})
		m.timers = append(m.timers, manualTimer{at: m.t.Add(d), ch: fired})
	}
	m.sleeping++
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		m.sleeping--
		m.mu.Unlock()
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
		return nil
	case <-fired:
		return nil
	}
}

// advance moves the clock and fires the timers due.
func (m *manualClock) advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = m.t.Add(d)
	kept := m.timers[:0]
	for _, tm := range m.timers {
		if tm.at.After(m.t) {
			kept = append(kept, tm)
			continue
		}
		close(tm.ch)
	}
	m.timers = kept
}

// waitSleeping waits until n waiters sleep on the clock.
func (m *manualClock) waitSleeping(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.mu.Lock()
		got := m.sleeping
		m.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d waiters sleeping, want %d", got, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// When one slot opens and a person and the directory both wait for it,
// the person gets it and the directory waits for the next, whichever
// began waiting first.
func TestLimiterServesWaitingInteractiveFirst(t *testing.T) {
	for _, order := range [][]Class{{Background, Interactive}, {Interactive, Background}} {
		t.Run(order[0].String()+" first", func(t *testing.T) {
			servesInteractiveFirst(t, order)
		})
	}
}

func servesInteractiveFirst(t *testing.T, order []Class) {
	clock := &manualClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := newLimiter([]RateWindow{{Limit: 2, Per: time.Second}}, DefaultShares())
	l.now, l.sleep = clock.now, clock.sleep
	start := clock.now()
	admitAndEnd(t, l, Interactive) // leaves at 1s
	clock.advance(500 * time.Millisecond)
	admitAndEnd(t, l, Interactive) // leaves at 1.5s

	type result struct {
		class Class
		at    time.Duration
	}
	results := make(chan result, 2)
	var wg sync.WaitGroup
	for i, c := range order {
		wg.Go(func() {
			a, err := l.acquire(context.Background(), c)
			if err != nil {
				t.Error(err)
				return
			}
			l.release(a)
			results <- result{c, a.at.Sub(start)}
		})
		clock.waitSleeping(t, i+1)
	}
	clock.advance(500 * time.Millisecond) // 1s: one slot opens
	first := <-results
	if first.class != Interactive || first.at != time.Second {
		t.Fatalf("first admitted: %v at %v, want interactive at 1s", first.class, first.at)
	}
	clock.waitSleeping(t, 1)
	clock.advance(500 * time.Millisecond) // 1.5s: the next slot opens
	second := <-results
	wg.Wait()
	if second.class != Background || second.at != 1500*time.Millisecond {
		t.Errorf("second admitted: %v at %v, want background at 1.5s", second.class, second.at)
	}
}

func TestLimiterNeverExceedsAnyWindowOrShare(t *testing.T) {
	windows := []RateWindow{{Limit: 10, Per: 100 * time.Millisecond}, {Limit: 24, Per: time.Second}}
	clock := newFakeClock()
	l := fakeLimiter(windows, clock)
	var mu sync.Mutex
	stamps := map[Class][]time.Time{}
	var wg sync.WaitGroup
	for i := range 9 {
		c := Classes()[i%numClasses]
		wg.Go(func() {
			for range 10 {
				at := admitAndEnd(t, l, c)
				mu.Lock()
				stamps[c] = append(stamps[c], at)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var all, jobs []time.Time
	for c, s := range stamps {
		all = append(all, s...)
		if c != Interactive {
			jobs = append(jobs, s...)
		}
	}
	if len(all) != 90 {
		t.Fatalf("got %d admissions, want 90", len(all))
	}
	assertWindows(t, "all", all, windows)
	shares := DefaultShares()
	capped := func(share float64) []RateWindow {
		var out []RateWindow
		for _, w := range windows {
			out = append(out, RateWindow{Limit: capOf(w.Limit, share), Per: w.Per})
		}
		return out
	}
	assertWindows(t, "background", stamps[Background], capped(shares.Background))
	assertWindows(t, "bulk", stamps[Bulk], capped(shares.Bulk))
	assertWindows(t, "bulk and background", jobs, capped(max(shares.Bulk, shares.Background)))
}

func TestLimiterRealClock(t *testing.T) {
	windows := []RateWindow{{Limit: 3, Per: 20 * time.Millisecond}}
	l := newLimiter(windows, DefaultShares())
	var mu sync.Mutex
	var stamps []time.Time
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 3 {
				a, err := l.acquire(context.Background(), Classes()[i%numClasses])
				if err != nil {
					t.Error(err)
					return
				}
				l.release(a)
				mu.Lock()
				stamps = append(stamps, a.at)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assertWindows(t, "all", stamps, windows)
}

// assertWindows checks that no span of length Per holds more than Limit of
// stamps: for sorted stamps, s[i+Limit] must be at least Per after s[i].
func assertWindows(t *testing.T, what string, stamps []time.Time, windows []RateWindow) {
	t.Helper()
	s := append([]time.Time(nil), stamps...)
	sort.Slice(s, func(i, j int) bool { return s[i].Before(s[j]) })
	for _, w := range windows {
		for i := 0; i+w.Limit < len(s); i++ {
			if gap := s[i+w.Limit].Sub(s[i]); gap < w.Per {
				t.Fatalf("%s: %d admissions within %s (window %d per %s)", what, w.Limit+1, gap, w.Limit, w.Per)
			}
		}
	}
}

func TestLimiterRespectsContext(t *testing.T) {
	l := newLimiter([]RateWindow{{Limit: 1, Per: time.Hour}}, DefaultShares())
	a, err := l.acquire(context.Background(), Interactive)
	if err != nil {
		t.Fatal(err)
	}
	l.release(a)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := l.acquire(ctx, Interactive); !errors.Is(err, ErrThrottled) {
		t.Errorf("wait past the deadline: err = %v, want ErrThrottled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := l.acquire(ctx, Background)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: err = %v, want context.Canceled", err)
	}
	if w := l.budget().Waiting; w[Interactive] != 0 || w[Background] != 0 {
		t.Errorf("waiting after the waiters left = %v, want none", w)
	}
}

func TestLimiterReportsWaits(t *testing.T) {
	clock := newFakeClock()
	l := fakeLimiter([]RateWindow{{Limit: 1, Per: time.Second}}, clock)
	var waits []time.Duration
	l.onWait = func(d time.Duration) { waits = append(waits, d) }
	for range 3 {
		admitAndEnd(t, l, Interactive)
	}
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != time.Second {
		t.Errorf("waits = %v, want [1s 1s]", waits)
	}
}

func TestNilLimiterAdmitsAtOnce(t *testing.T) {
	var l *limiter
	a, err := l.acquire(context.Background(), Background)
	if err != nil {
		t.Errorf("nil limiter: err = %v, want nil", err)
	}
	l.release(a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ctx, Interactive); !errors.Is(err, context.Canceled) {
		t.Errorf("nil limiter, cancelled context: err = %v, want context.Canceled", err)
	}
	if b := l.budget(); b.Windows != nil {
		t.Errorf("nil limiter budget = %+v, want none", b)
	}
}

func TestValidateWindows(t *testing.T) {
	tests := []struct {
		windows []RateWindow
		wantErr bool
	}{
		{nil, false},
		{DefaultWindows(), false},
		{[]RateWindow{{Limit: 0, Per: time.Second}}, true},
		{[]RateWindow{{Limit: 1, Per: 0}}, true},
		{[]RateWindow{{Limit: -1, Per: time.Second}}, true},
	}
	for _, tt := range tests {
		if err := validateWindows(tt.windows); (err != nil) != tt.wantErr {
			t.Errorf("validateWindows(%v) = %v, want error %v", tt.windows, err, tt.wantErr)
		}
	}
}

func TestSharesValidate(t *testing.T) {
	tests := []struct {
		shares  Shares
		wantErr bool
	}{
		{DefaultShares(), false},
		{Shares{Bulk: 1, Background: 1}, false},
		{Shares{Bulk: 0, Background: 0.5}, true},
		{Shares{Bulk: 0.8, Background: 1.5}, true},
		{Shares{Bulk: -0.1, Background: 0.5}, true},
	}
	for _, tt := range tests {
		if err := tt.shares.validate(); (err != nil) != tt.wantErr {
			t.Errorf("%+v.validate() = %v, want error %v", tt.shares, err, tt.wantErr)
		}
	}
}

func TestClassOf(t *testing.T) {
	ctx := context.Background()
	if got := ClassOf(ctx); got != Interactive {
		t.Errorf("ClassOf(no class) = %v, want interactive", got)
	}
	for _, c := range Classes() {
		if got := ClassOf(WithClass(ctx, c)); got != c {
			t.Errorf("ClassOf(WithClass(%v)) = %v", c, got)
		}
	}
	if got := ClassOf(WithClass(ctx, Class(7))); got != Interactive {
		t.Errorf("ClassOf(unknown class) = %v, want interactive", got)
	}
}
