package digicert

import (
	"context"
	"fmt"
	"math"
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

// limiter admits requests so that no span of length Per of any window
// ever holds more than Limit of them as DigiCert counts them, and shares
// the windows between the classes of requests.
//
// DigiCert counts a request when it arrives, some time after the client
// lets it go and before the answer comes back. The limiter counts each
// request from the moment it admits it until Per after its answer came
// (or its attempt gave up), so that two requests it sees Per apart
// reached DigiCert at least Per apart however long the network took:
// counting from admission alone would let a slow request and a quick one
// land closer than that, and earn a 429.
//
// Classes: in every window, bulk and background requests each hold at most
// their share (see Shares), and together at most the larger share, so the
// rest is always free for interactive requests, which may use the whole
// window. When room is short, interactive requests go first: while one
// waits, no other class is admitted.
type limiter struct {
	mu      sync.Mutex
	windows []*window
	// waiting counts, per class, the requests waiting for room.
	waiting [numClasses]int
	// admitted counts, per class, the requests admitted since the start.
	admitted [numClasses]uint64
	// changed is closed, and replaced, whenever room may have opened for
	// a waiter: a request ended, or a waiter left.
	changed chan struct{}
	now     func() time.Time
	// sleep waits for d, or until wake is closed or ctx ends; d is
	// untilChanged for no time limit.
	sleep func(ctx context.Context, d time.Duration, wake <-chan struct{}) error
	// onWait, when set, is told how long each request that had to wait
	// waited, once it is admitted.
	onWait func(time.Duration)

	// shared, when set, counts the requests of every process sharing the
	// API key, in place of windows' entries (see share); query describes
	// the windows to it, asking lets one request of the process at a
	// time ask it, and lastUse is what it counted last, at lastUseAt.
	shared        SharedBudget
	query         BudgetQuery
	asking        chan struct{}
	lastUse       []WindowUse
	lastUseAt     time.Time
	onSharedError func(error)
}

// window is one rate window and the requests it counts.
type window struct {
	limit int
	per   time.Duration
	// caps holds, per class, how many of the window's requests the class
	// may hold; shared is the cap of bulk and background together.
	caps   [numClasses]int
	shared int
	// entries are the requests counted now: in flight, or ended less
	// than per ago. There are never more than limit.
	entries []*admission
	count   [numClasses]int
}

// admission is one admitted request, counted by every window.
type admission struct {
	class Class
	// at is when it was admitted.
	at time.Time
	// ended is when the request's answer came or its attempt gave up;
	// zero while it is in flight.
	ended time.Time
	// shared is its id in the shared budget, when there is one.
	shared int64
}

// untilChanged is the wait when the time room opens cannot be known: the
// requests in the way are still in flight, or interactive requests wait
// first. The waiter sleeps until the limiter changes.
const untilChanged = time.Duration(math.MaxInt64)

// newLimiter builds a limiter for windows and shares, which must be valid
// (see validateWindows and Shares.validate). It returns nil for no
// windows: a nil *limiter admits everything at once.
func newLimiter(windows []RateWindow, shares Shares) *limiter {
	if len(windows) == 0 {
		return nil
	}
	l := &limiter{changed: make(chan struct{}), now: time.Now, sleep: sleepUntil}
	largest := max(shares.Bulk, shares.Background)
	for _, w := range windows {
		win := &window{limit: w.Limit, per: w.Per, shared: capOf(w.Limit, largest)}
		for _, c := range Classes() {
			win.caps[c] = capOf(w.Limit, shares.of(c))
		}
		l.windows = append(l.windows, win)
	}
	return l
}

// capOf is share of limit, rounded down, and at least one request.
func capOf(limit int, share float64) int {
	// The epsilon keeps 1000 × 0.8 at 800 whatever the rounding of 0.8.
	return max(1, int(float64(limit)*share+1e-9))
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

// acquire waits until every window has room for a request of class c and
// counts it; release must be called with the admission once the request's
// answer came or its attempt gave up. It returns ErrThrottled at once
// when the wait would pass ctx's deadline, and ctx.Err() when ctx ends
// while waiting. A nil limiter admits at once, with a nil admission.
func (l *limiter) acquire(ctx context.Context, c Class) (*admission, error) {
	if l == nil {
		return nil, ctx.Err()
	}
	if l.shared != nil {
		return l.acquireShared(ctx, c)
	}
	start := l.now()
	queued := false
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
		now := l.now()
		d := l.roomLocked(c, now)
		if d <= 0 {
			a := l.admitLocked(c, now)
			if queued {
				l.leaveLocked(c)
				queued = false
			}
			l.mu.Unlock()
			if waited := now.Sub(start); waited > 0 && l.onWait != nil {
				l.onWait(waited)
			}
			return a, nil
		}
		if !queued {
			l.waiting[c]++
			queued = true
		}
		wake := l.changed
		l.mu.Unlock()
		if d != untilChanged {
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
				return nil, ErrThrottled
			}
		}
		// Another request may take the room first: check again after
		// waking.
		if err := l.sleep(ctx, d, wake); err != nil {
			return nil, err
		}
	}
}

// roomLocked returns how long until a request of class c can be admitted
// at now: zero or less for now.
func (l *limiter) roomLocked(c Class, now time.Time) time.Duration {
	for _, w := range l.windows {
		w.prune(now)
	}
	if c != Interactive && l.waiting[Interactive] > 0 {
		return untilChanged
	}
	var wait time.Duration
	for _, w := range l.windows {
		wait = max(wait, w.room(c, now, w.use()))
	}
	return wait
}

// admitLocked counts a request of class c in every window.
func (l *limiter) admitLocked(c Class, now time.Time) *admission {
	a := &admission{class: c, at: now}
	for _, w := range l.windows {
		w.entries = append(w.entries, a)
		w.count[c]++
	}
	l.admitted[c]++
	return a
}

// leaveLocked takes a waiter of class c off the count, and wakes the
// others: those it held back may go now.
func (l *limiter) leaveLocked(c Class) {
	l.waiting[c]--
	l.broadcastLocked()
}

// release records that a's request ended now, so that it leaves the
// windows Per from now. Calling it again, or with nil, does nothing.
func (l *limiter) release(a *admission) {
	if l == nil || a == nil {
		return
	}
	if l.shared != nil {
		l.releaseShared(a)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.ended.IsZero() {
		a.ended = l.now()
		l.broadcastLocked()
	}
}

func (l *limiter) broadcastLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// prune forgets the requests that ended at least per before now.
func (w *window) prune(now time.Time) {
	kept := w.entries[:0]
	for _, a := range w.entries {
		if !a.ended.IsZero() && !a.ended.Add(w.per).After(now) {
			w.count[a.class]--
			continue
		}
		kept = append(kept, a)
	}
	clear(w.entries[len(kept):])
	w.entries = kept
}

// ClassUse is what a rate window counts of one class of requests at one
// moment: the requests in flight or ended less than the window's span
// ago, and when the first of those that ended ended (zero when none did).
type ClassUse struct {
	Counted    int
	FirstEnded time.Time
}

// WindowUse is what a rate window counts at one moment, by class.
type WindowUse map[Class]ClassUse

// use returns what w counts now, by class; w must be pruned.
func (w *window) use() WindowUse {
	u := WindowUse{}
	for _, a := range w.entries {
		cu := u[a.class]
		cu.Counted++
		if !a.ended.IsZero() && (cu.FirstEnded.IsZero() || a.ended.Before(cu.FirstEnded)) {
			cu.FirstEnded = a.ended
		}
		u[a.class] = cu
	}
	return u
}

// room is how long until w can count one more request of class c at now
// (zero for now), or untilChanged, when it counts u.
func (w *window) room(c Class, now time.Time, u WindowUse) time.Duration {
	var wait time.Duration
	total := 0
	for _, cu := range u {
		total += cu.Counted
	}
	if total >= w.limit {
		wait = max(wait, w.leaving(now, u, Interactive, Bulk, Background))
	}
	if c == Interactive {
		return wait
	}
	if u[c].Counted >= w.caps[c] {
		wait = max(wait, w.leaving(now, u, c))
	}
	if u[Bulk].Counted+u[Background].Counted >= w.shared {
		wait = max(wait, w.leaving(now, u, Bulk, Background))
	}
	return wait
}

// leaving is how long until the first of the counted requests of classes
// leaves the window, or untilChanged when they are all in flight.
func (w *window) leaving(now time.Time, u WindowUse, classes ...Class) time.Duration {
	var first time.Time
	for _, c := range classes {
		if e := u[c].FirstEnded; !e.IsZero() && (first.IsZero() || e.Before(first)) {
			first = e
		}
	}
	if first.IsZero() {
		return untilChanged
	}
	return first.Add(w.per).Sub(now)
}

// Budget is the state of a client's rate budget at one moment.
type Budget struct {
	// Windows lists each rate window with what each class holds of it.
	Windows []WindowBudget
	// Admitted counts the requests each class was let through since the
	// client was built, every attempt counted.
	Admitted map[Class]uint64
	// Waiting counts the requests of each class waiting for room now.
	Waiting map[Class]int
}

// WindowBudget is one rate window as the classes use it.
type WindowBudget struct {
	Limit int
	Per   time.Duration
	// Used is how many of the window's requests each class holds now:
	// in flight, or ended less than Per ago.
	Used map[Class]int
	// Caps is how many each class may hold; Shared is the cap of bulk and
	// background together.
	Caps   map[Class]int
	Shared int
}

// budget returns the limiter's state now; the zero Budget for a nil
// limiter.
func (l *limiter) budget() Budget {
	if l == nil {
		return Budget{}
	}
	var sharedUse []WindowUse
	if l.shared != nil {
		_, sharedUse = l.sharedUse()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := Budget{Admitted: make(map[Class]uint64), Waiting: make(map[Class]int)}
	for _, c := range Classes() {
		b.Admitted[c] = l.admitted[c]
		b.Waiting[c] = l.waiting[c]
	}
	for i, w := range l.windows {
		w.prune(now)
		wb := WindowBudget{Limit: w.limit, Per: w.per, Shared: w.shared,
			Used: make(map[Class]int), Caps: make(map[Class]int)}
		for _, c := range Classes() {
			wb.Used[c] = w.count[c]
			wb.Caps[c] = w.caps[c]
		}
		if l.shared != nil {
			// Every process's requests, as counted when the budget was
			// read.
			for _, c := range Classes() {
				wb.Used[c] = 0
				if i < len(sharedUse) {
					wb.Used[c] = sharedUse[i][c].Counted
				}
			}
		}
		b.Windows = append(b.Windows, wb)
	}
	return b
}

// sleepUntil waits for d (no limit for untilChanged), or until wake is
// closed or ctx ends.
func sleepUntil(ctx context.Context, d time.Duration, wake <-chan struct{}) error {
	var expired <-chan time.Time
	if d != untilChanged {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
		return nil
	case <-expired:
		return nil
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

// Budget reports how the client's requests use its rate windows now: for
// the admin pages and metrics. It is the zero Budget when the limiter is
// off.
func (c *Client) Budget() Budget { return c.limiter.budget() }
