package sandbox

import (
	"sync"
	"time"
)

// RateWindow is one rate limit: at most Limit requests in any period of
// length Per (a sliding window, not fixed buckets).
type RateWindow struct {
	Limit int
	Per   time.Duration
}

// defaultWindows are DigiCert's documented limits per API key.
func defaultWindows() []RateWindow {
	return []RateWindow{
		{Limit: 100, Per: 5 * time.Second},
		{Limit: 1000, Per: 5 * time.Minute},
	}
}

// limiter enforces the windows per API key. It keeps, per key, the times of
// the requests it let through within the longest window. Refused requests
// are not recorded, so a client that backs off is served again as soon as
// its oldest request leaves the window.
type limiter struct {
	mu      sync.Mutex
	windows []RateWindow
	longest time.Duration
	hits    map[string][]time.Time
}

// newLimiter builds a limiter; nil windows means DigiCert's, and windows
// with a non-positive limit or period are ignored.
func newLimiter(windows []RateWindow) *limiter {
	if windows == nil {
		windows = defaultWindows()
	}
	l := &limiter{hits: make(map[string][]time.Time)}
	for _, w := range windows {
		if w.Limit > 0 && w.Per > 0 {
			l.windows = append(l.windows, w)
			l.longest = max(l.longest, w.Per)
		}
	}
	return l
}

// allow reports whether a request for key at now fits every window, and
// if so counts it.
func (l *limiter) allow(key string, now time.Time) bool {
	if len(l.windows) == 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	hits := l.prune(l.hits[key], now)
	for _, w := range l.windows {
		if countSince(hits, now.Add(-w.Per)) >= w.Limit {
			l.hits[key] = hits
			return false
		}
	}
	l.hits[key] = append(hits, now)
	return true
}

// prune drops the hits that have left the longest window.
func (l *limiter) prune(hits []time.Time, now time.Time) []time.Time {
	cutoff := now.Add(-l.longest)
	i := 0
	for i < len(hits) && !hits[i].After(cutoff) {
		i++
	}
	return hits[i:]
}

// countSince counts the hits after since. Hits are in arrival order, so it
// counts from the newest end.
func countSince(hits []time.Time, since time.Time) int {
	n := 0
	for i := len(hits) - 1; i >= 0 && hits[i].After(since); i-- {
		n++
	}
	return n
}
