package sandbox

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	// refused counts the requests refused since the start.
	refused int
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
			l.refused++
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

// RateLimited returns how many requests the server refused with 429
// request_limit_exceeded since it started: tests check that a client
// keeping to the windows is never refused.
func (s *Server) RateLimited() int {
	s.limiter.mu.Lock()
	defer s.limiter.mu.Unlock()
	return s.limiter.refused
}

// ParseWindows reads rate windows written as limit/period pairs separated
// by commas, the period in Go's duration syntax: "100/5s,1000/5m" is
// DigiCert's documented limits. It refuses anything else, and an empty
// string.
func ParseWindows(s string) ([]RateWindow, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no rate window given: write them like 100/5s,1000/5m")
	}
	var windows []RateWindow
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		limit, per, ok := strings.Cut(part, "/")
		if !ok {
			return nil, fmt.Errorf("rate window %q: want a limit and a period like 100/5s", part)
		}
		n, err := strconv.Atoi(strings.TrimSpace(limit))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("rate window %q: the limit must be a whole number above 0", part)
		}
		d, err := time.ParseDuration(strings.TrimSpace(per))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("rate window %q: the period must be a duration above 0 like 5s or 5m", part)
		}
		windows = append(windows, RateWindow{Limit: n, Per: d})
	}
	return windows, nil
}
