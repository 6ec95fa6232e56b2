package digicert

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that only moves when a waiter sleeps on it.
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

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(d)
	return ctx.Err()
}

func fakeLimiter(windows []RateWindow, clock *fakeClock) *limiter {
	l := newLimiter(windows)
	l.now, l.sleep = clock.now, clock.sleep
	return l
}

func TestLimiterWaitsForTheOldestAdmission(t *testing.T) {
	clock := newFakeClock()
	l := fakeLimiter([]RateWindow{{Limit: 3, Per: time.Second}}, clock)
	start := clock.now()
	var got []time.Duration
	for range 7 {
		at, err := l.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, at.Sub(start))
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
		at, err := l.acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, at.Sub(start))
	}
	want := []time.Duration{0, 0, time.Second, time.Minute, time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("admission times = %v, want %v", got, want)
		}
	}
}

func TestLimiterNeverExceedsAnyWindow(t *testing.T) {
	windows := []RateWindow{{Limit: 5, Per: 100 * time.Millisecond}, {Limit: 12, Per: time.Second}}
	clock := newFakeClock()
	l := fakeLimiter(windows, clock)
	var mu sync.Mutex
	var stamps []time.Time
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				at, err := l.acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				stamps = append(stamps, at)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(stamps) != 80 {
		t.Fatalf("got %d admissions, want 80", len(stamps))
	}
	assertWindows(t, stamps, windows)
}

func TestLimiterRealClock(t *testing.T) {
	windows := []RateWindow{{Limit: 3, Per: 20 * time.Millisecond}}
	l := newLimiter(windows)
	var mu sync.Mutex
	var stamps []time.Time
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				at, err := l.acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				stamps = append(stamps, at)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assertWindows(t, stamps, windows)
}

// assertWindows checks that no span of length Per holds more than Limit of
// stamps: for sorted stamps, s[i+Limit] must be at least Per after s[i].
func assertWindows(t *testing.T, stamps []time.Time, windows []RateWindow) {
	t.Helper()
	s := append([]time.Time(nil), stamps...)
	sort.Slice(s, func(i, j int) bool { return s[i].Before(s[j]) })
	for _, w := range windows {
		for i := 0; i+w.Limit < len(s); i++ {
			if gap := s[i+w.Limit].Sub(s[i]); gap < w.Per {
				t.Fatalf("%d admissions within %s (window %d per %s)", w.Limit+1, gap, w.Limit, w.Per)
			}
		}
	}
}

func TestLimiterRespectsContext(t *testing.T) {
	l := newLimiter([]RateWindow{{Limit: 1, Per: time.Hour}})
	if err := l.wait(context.Background()); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := l.wait(ctx); !errors.Is(err, ErrThrottled) {
		t.Errorf("wait past the deadline: err = %v, want ErrThrottled", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.wait(ctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: err = %v, want context.Canceled", err)
	}
}

func TestLimiterReportsWaits(t *testing.T) {
	clock := newFakeClock()
	l := fakeLimiter([]RateWindow{{Limit: 1, Per: time.Second}}, clock)
	var waits []time.Duration
	l.onWait = func(d time.Duration) { waits = append(waits, d) }
	for range 3 {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if len(waits) != 2 || waits[0] != time.Second || waits[1] != time.Second {
		t.Errorf("waits = %v, want [1s 1s]", waits)
	}
}

func TestNilLimiterAdmitsAtOnce(t *testing.T) {
	var l *limiter
	if err := l.wait(context.Background()); err != nil {
		t.Errorf("nil limiter: err = %v, want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("nil limiter, cancelled context: err = %v, want context.Canceled", err)
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
