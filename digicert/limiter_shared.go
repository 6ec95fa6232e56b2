package digicert

import (
	"context"
	"fmt"
	"time"
)

// SharedBudget keeps the requests the rate windows count where every
// process that uses the same API key sees them, so that several portal
// processes keep to DigiCert's per-key limits together rather than each
// to the whole of them. The limiter still decides, by the same rules: a
// SharedBudget only counts, under a lock all processes share. (The
// store's implementation keeps them in the shared PostgreSQL database.)
type SharedBudget interface {
	// Admit reads, under the shared lock, what each window of q counts
	// now (by the budget's clock, the same for every process) and asks
	// room how long a request of class c must wait. When room answers
	// zero or less it records the request as admitted and in flight, and
	// returns its id; otherwise it returns room's wait.
	Admit(ctx context.Context, c Class, q BudgetQuery, room func(now time.Time, use []WindowUse) time.Duration) (id int64, wait time.Duration, err error)
	// End records that the request id's answer came, or its attempt gave
	// up, now.
	End(ctx context.Context, id int64) error
	// Use returns what each window of q counts now, and the budget's
	// time.
	Use(ctx context.Context, q BudgetQuery) (now time.Time, use []WindowUse, err error)
}

// BudgetQuery describes the windows a SharedBudget counts for.
type BudgetQuery struct {
	// Spans are the windows' lengths (RateWindow.Per), in order.
	Spans []time.Duration
	// MaxInFlight is the longest a request can be in flight: one whose
	// end was never recorded (its process died) counts as ended
	// MaxInFlight after it was admitted.
	MaxInFlight time.Duration
}

// sharedPoll is the longest a request waiting on a shared budget sleeps
// before it asks again: the requests of other processes end without
// waking this one.
const sharedPoll = 250 * time.Millisecond

// sharedTimeout bounds each exchange with a shared budget that no caller
// waits on: the record of a request's end, and Budget's read.
const sharedTimeout = 5 * time.Second

// share makes l count its requests in b, with those of every other
// process that uses it. Requests whose attempt takes longer than timeout
// give up; their end is recorded then.
func (l *limiter) share(b SharedBudget, timeout time.Duration, onError func(error)) {
	l.shared = b
	l.onSharedError = onError
	l.asking = make(chan struct{}, 1)
	for _, w := range l.windows {
		l.query.Spans = append(l.query.Spans, w.per)
	}
	// An attempt ends within its timeout; the margin covers the time
	// between admission and sending, and the record of the end.
	l.query.MaxInFlight = timeout + 5*time.Second
}

// acquireShared is acquire for a limiter whose windows count the requests
// of every process sharing its budget.
func (l *limiter) acquireShared(ctx context.Context, c Class) (*admission, error) {
	start := l.now()
	queued := false
	queue := func() {
		if !queued {
			l.waiting[c]++
			queued = true
		}
	}
	defer func() {
		if queued {
			l.mu.Lock()
			l.leaveLocked(c)
			l.mu.Unlock()
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		l.mu.Lock()
		wake := l.changed
		if c != Interactive && l.waiting[Interactive] > 0 {
			// People of this process first; they wake this one when
			// they are let through.
			queue()
			l.mu.Unlock()
			if err := l.sleep(ctx, untilChanged, wake); err != nil {
				return nil, err
			}
			continue
		}
		l.mu.Unlock()

		id, wait, err := l.askShared(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("shared rate budget: %w", err)
		}
		if wait <= 0 {
			l.mu.Lock()
			l.admitted[c]++
			l.mu.Unlock()
			if waited := l.now().Sub(start); waited > 0 && l.onWait != nil {
				l.onWait(waited)
			}
			return &admission{class: c, at: l.now(), shared: id}, nil
		}
		l.mu.Lock()
		queue()
		l.mu.Unlock()
		if wait != untilChanged {
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
				return nil, ErrThrottled
			}
		}
		// Another process's request may end before the wait is over,
		// and one of this process's wakes it: ask again by then.
		if err := l.sleep(ctx, min(wait, sharedPoll), wake); err != nil {
			return nil, err
		}
	}
}

// askShared asks the shared budget to admit a request of class c, one
// request of this process at a time.
func (l *limiter) askShared(ctx context.Context, c Class) (int64, time.Duration, error) {
	select {
	case l.asking <- struct{}{}:
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	defer func() { <-l.asking }()
	return l.shared.Admit(ctx, c, l.query, func(now time.Time, use []WindowUse) time.Duration {
		l.mu.Lock()
		l.lastUse, l.lastUseAt = use, now
		l.mu.Unlock()
		var wait time.Duration
		for i, w := range l.windows {
			if i < len(use) {
				wait = max(wait, w.room(c, now, use[i]))
			}
		}
		return wait
	})
}

// releaseShared records the end of a's request in the shared budget, and
// wakes this process's waiters.
func (l *limiter) releaseShared(a *admission) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	if err := l.shared.End(ctx, a.shared); err != nil && l.onSharedError != nil {
		// The request counts until MaxInFlight after it was admitted.
		l.onSharedError(fmt.Errorf("record the end of a request in the shared rate budget: %w", err))
	}
	l.mu.Lock()
	l.broadcastLocked()
	l.mu.Unlock()
}

// sharedUse returns what every window counts now by the shared budget,
// and its time; when the budget cannot be read, what it counted when it
// was last read.
func (l *limiter) sharedUse() (time.Time, []WindowUse) {
	ctx, cancel := context.WithTimeout(context.Background(), sharedTimeout)
	defer cancel()
	now, use, err := l.shared.Use(ctx, l.query)
	if err != nil {
		if l.onSharedError != nil {
			l.onSharedError(fmt.Errorf("read the shared rate budget: %w", err))
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.lastUseAt, l.lastUse
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastUse, l.lastUseAt = use, now
	return now, use
}
