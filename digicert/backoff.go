package digicert

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff computes the wait before a retry: exponential growth from base,
// capped at max, with full jitter (a uniform draw between zero and the
// capped value), so that clients failing together do not retry together.
type backoff struct {
	base time.Duration
	max  time.Duration
	// randN returns a uniform value in [0, n); math/rand/v2.Int64N in
	// production, a fixed function in tests.
	randN func(n int64) int64
}

// ceiling is the upper bound of the wait before retry number retry (1 is
// the retry after the first attempt): base·2^(retry-1), capped at max.
func (b backoff) ceiling(retry int) time.Duration {
	if retry < 1 {
		retry = 1
	}
	d := b.base
	for i := 1; i < retry; i++ {
		if d >= b.max/2 {
			return b.max
		}
		d *= 2
	}
	return min(d, b.max)
}

// delay is the jittered wait before retry number retry.
func (b backoff) delay(retry int) time.Duration {
	c := b.ceiling(retry)
	if c <= 0 {
		return 0
	}
	return time.Duration(b.randN(int64(c) + 1))
}

// parseRetryAfter reads a Retry-After header value: delta seconds or an
// HTTP-date. A date in the past means no wait. ok is false when the header
// is absent or unreadable, in which case the caller backs off on its own.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Anything beyond a day is as good as "not within the budget";
		// capping avoids overflowing time.Duration.
		return time.Duration(min(secs, 86400)) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}
