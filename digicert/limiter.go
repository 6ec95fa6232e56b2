package digicert

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RateWindow is one client-side rate limit: at most Limit requests in any
// span of time of length Per.
type RateWindow struct {
	Limit int
	Per   time.Duration
}

// DefaultWindows are DigiCert's documented per-key limits: 100 requests per
// 5 seconds and 1000 per 5 minutes. The newest documentation says 1000 per 3
// minutes; staying under 1000 per 5 minutes keeps under that too.
func DefaultWindows() []RateWindow {
	return []RateWindow{
		{Limit: 100, Per: 5 * time.Second},
		{Limit: 1000, Per: 5 * time.Minute},
	}
}

// limiter admits requests so that no span of length Per of any window ever
// holds more than Limit admissions. Each window keeps the times of its last
// Limit admissions in a ring: a new admission is allowed once the oldest of
// them is at least Per old. Unlike a token bucket, this is exact for
// DigiCert's rolling windows, with no burst allowance to reason about.
type limiter struct {
	mu    sync.Mutex
	rings []ring
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
	// onWait, when set, is told of every wait before it starts.
	onWait func(time.Duration)
}

// ring holds the admission times of one window, oldest at next once full.
type ring struct {
	per    time.Duration
	stamps []time.Time
	next   int
	full   bool
}

// newLimiter builds a limiter for windows, which must be valid (see
// validateWindows). It returns nil for no windows: a nil *limiter admits
// everything at once.
func newLimiter(windows []RateWindow) *limiter {
	if len(windows) == 0 {
		return nil
	}
	l := &limiter{now: time.Now, sleep: sleepContext}
	for _, w := range windows {
		l.rings = append(l.rings, ring{per: w.Per, stamps: make([]time.Time, w.Limit)})
	}
	return l
}

// validateWindows refuses windows the limiter cannot honour.
func validateWindows(windows []RateWindow) error {
	for i, w := range windows {
		if w.Limit <= 0 || w.Per <= 0 {
			return fmt.Errorf("rate window %d: limit and period must be positive (got %d per %s)", i, w.Limit, w.Per)
		}
	}
	return nil
}

// wait blocks until every window has room, then counts one admission. It
// returns ErrThrottled at once when the wait would pass ctx's deadline, and
// ctx.Err() when ctx ends while waiting.
func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	_, err := l.acquire(ctx)
	return err
}

// acquire is wait that also returns the admission time.
func (l *limiter) acquire(ctx context.Context) (time.Time, error) {
	for {
		if err := ctx.Err(); err != nil {
			return time.Time{}, err
		}
		at, d := l.reserve()
		if d <= 0 {
			return at, nil
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			return time.Time{}, ErrThrottled
		}
		if l.onWait != nil {
			l.onWait(d)
		}
		// Another request may take the room first: check again after waking.
		if err := l.sleep(ctx, d); err != nil {
			return time.Time{}, err
		}
	}
}

// reserve counts an admission now when every window has room and returns
// its time; otherwise it counts nothing and returns how long until the
// fullest window has room.
func (l *limiter) reserve() (time.Time, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for i := range l.rings {
		wait = max(wait, l.rings[i].room(now))
	}
	if wait > 0 {
		return time.Time{}, wait
	}
	for i := range l.rings {
		l.rings[i].add(now)
	}
	return now, 0
}

// room is how long until r can admit one more at now (zero or less: now).
func (r *ring) room(now time.Time) time.Duration {
	if !r.full {
		return 0
	}
	return r.stamps[r.next].Add(r.per).Sub(now)
}

// add records an admission at now, overwriting the oldest once full.
func (r *ring) add(now time.Time) {
	r.stamps[r.next] = now
	r.next++
	if r.next == len(r.stamps) {
		r.next = 0
		r.full = true
	}
}

// sleepContext waits for d or until ctx ends, whichever comes first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
