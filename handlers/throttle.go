package handlers

import (
	"net"
	"sync"
	"time"
)

// Sign-in throttling: after too many failed sign-ins for one account or
// from one client address within the window, further attempts are refused
// without checking the password until the oldest counted failure leaves
// the window. Refused attempts are not counted, so an attacker cannot keep
// an account locked beyond one window by hammering it.
const (
	accountFailureLimit = 5
	addressFailureLimit = 20
	failureWindow       = 15 * time.Minute
	// throttleMaxKeys bounds the memory the throttle uses whatever an
	// attacker sends: about a hundred bytes per key.
	throttleMaxKeys = 10_000
)

// throttleKey names what failures are counted against, with its limit.
type throttleKey struct {
	name  string
	limit int
}

func accountKey(email string) throttleKey {
	return throttleKey{name: "account:" + email, limit: accountFailureLimit}
}

// addressKey counts IPv6 clients by /64, the block one customer usually
// holds, so that cycling through one's own addresses gains nothing.
func addressKey(addr string) throttleKey {
	if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
		addr = ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return throttleKey{name: "address:" + addr, limit: addressFailureLimit}
}

// signInThrottle remembers recent failed sign-ins, in memory. It is safe
// for concurrent use. The state is per process: a restart forgets it,
// which costs an attacker one window at most.
type signInThrottle struct {
	window  time.Duration
	maxKeys int

	mu sync.Mutex
	// failures holds, per key, the times of its latest failures within the
	// window, oldest first, at most the key's limit of them.
	failures map[string][]time.Time
}

func newSignInThrottle(window time.Duration, maxKeys int) *signInThrottle {
	return &signInThrottle{window: window, maxKeys: maxKeys, failures: map[string][]time.Time{}}
}

// take is called before a password is checked. When a key is blocked it
// returns how long to wait, and counts nothing. Otherwise it counts the
// attempt against every key at once, as a failure until succeed takes it
// back, and returns the keys it brought to their limit. Counting before
// checking, under one lock, means that many attempts in parallel cannot
// all pass the check before any of them has failed.
func (t *signInThrottle) take(now time.Time, keys ...throttleKey) (wait time.Duration, reached []throttleKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		times := t.recent(k.name, now)
		if len(times) >= k.limit {
			wait = max(wait, times[len(times)-k.limit].Add(t.window).Sub(now))
		}
	}
	if wait > 0 {
		return wait, nil
	}
	for _, k := range keys {
		times := t.recent(k.name, now)
		if times == nil {
			t.makeRoom(now)
		}
		times = append(times, now)
		if len(times) > k.limit {
			times = times[len(times)-k.limit:]
		}
		t.failures[k.name] = times
		if len(times) == k.limit {
			reached = append(reached, k)
		}
	}
	return 0, reached
}

// succeed takes back an attempt that take counted at now and that
// succeeded: the account starts afresh, its failures forgotten, while the
// other keys lose only this attempt, so that signing in to one's own
// account does not reset the count of guesses at others from the same
// address.
func (t *signInThrottle) succeed(now time.Time, account throttleKey, others ...throttleKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, account.name)
	for _, k := range others {
		times := t.failures[k.name]
		for i := len(times) - 1; i >= 0; i-- {
			if times[i].Equal(now) {
				times = append(times[:i], times[i+1:]...)
				break
			}
		}
		if len(times) == 0 {
			delete(t.failures, k.name)
		} else {
			t.failures[k.name] = times
		}
	}
}

// recent returns the failures of name within the window, dropping older
// ones (and the key, when none remain).
func (t *signInThrottle) recent(name string, now time.Time) []time.Time {
	times := t.failures[name]
	i := 0
	for i < len(times) && now.Sub(times[i]) >= t.window {
		i++
	}
	if i == len(times) {
		delete(t.failures, name)
		return nil
	}
	if i > 0 {
		times = times[i:]
		t.failures[name] = times
	}
	return times
}

// makeRoom keeps the map under maxKeys before a new key is added: first by
// dropping keys whose failures have all left the window, then, if every
// key is still live, the one whose last failure is the oldest.
func (t *signInThrottle) makeRoom(now time.Time) {
	if len(t.failures) < t.maxKeys {
		return
	}
	var (
		oldestName string
		oldestTime time.Time
	)
	for name, times := range t.failures {
		last := times[len(times)-1]
		if now.Sub(last) >= t.window {
			delete(t.failures, name)
			continue
		}
		if oldestName == "" || last.Before(oldestTime) {
			oldestName, oldestTime = name, last
		}
	}
	if len(t.failures) >= t.maxKeys {
		delete(t.failures, oldestName)
	}
}
