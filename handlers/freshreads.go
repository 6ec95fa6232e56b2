package handlers

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// freshReadsPerMinute is how many times a minute one user may have
// Contact Desk read DigiCert again on demand (Read again from DigiCert,
// Refresh from DigiCert), and how many they may make at once. DigiCert
// allows 100 requests per 5 seconds for the whole account: these are the
// reads a person can repeat at will, so none of them may spend it alone.
const freshReadsPerMinute = 10

// freshReadLimiter is a token bucket per user for reads of DigiCert made
// on demand. It lives in memory: a restart gives everyone a full bucket,
// which DigiCert's budget easily absorbs.
type freshReadLimiter struct {
	perMinute int

	mu     sync.Mutex
	byUser map[int]*rate.Limiter
}

func newFreshReadLimiter(perMinute int) *freshReadLimiter {
	return &freshReadLimiter{perMinute: perMinute, byUser: make(map[int]*rate.Limiter)}
}

// allow takes one read from the user's bucket at now. When the bucket is
// empty it takes nothing and returns false with the time the next read
// will be allowed.
func (l *freshReadLimiter) allow(userID int, now time.Time) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.byUser[userID]
	if !ok {
		lim = rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)
		l.byUser[userID] = lim
	}
	r := lim.ReserveN(now, 1)
	if wait := r.DelayFrom(now); wait > 0 {
		r.CancelAt(now)
		return false, now.Add(wait)
	}
	return true, now
}
