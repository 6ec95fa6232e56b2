package handlers

import (
	"fmt"
	"net"
	"slices"
	"sync"
	"time"
)

// Sign-in throttling, after OWASP's Authentication and Credential Stuffing
// cheat sheets: each failed password costs whoever sends it time, the more
// the more they fail, and no one's failures lock an account's owner out.
//
// Failures are counted per account (the email typed, whether or not such
// a user exists, so that both are answered alike) and per (account, client
// address). An address that has failed on an account may try that account
// again only once a delay has passed since its own latest failure there;
// the delay is the larger of two:
//
//   - per (account, address): none for the first 3 failures (typos), then
//     1 s after the 4th, doubling with each failure up to 15 minutes (from
//     the 14th): one address guessing one account gets about 14 guesses
//     in its first 17 minutes and 4 an hour after that;
//   - per account: once the account has failed 5 times from anywhere,
//     1 s, doubling up to 10 s, so that an attack spread over many
//     addresses slows each of them from its first failure on.
//
// An address with no failure on an account is never delayed there, so that
// guesses from elsewhere, however many, never keep the owner out, and
// failures on other accounts never count (a proxy or a shared NAT is many
// people). A success forgets the address's failures on the account, in
// both counts. An attempt refused for a delay is not counted: hammering
// does not lengthen it. Refusing with the time to wait, rather than
// sleeping, ties up nothing on the server.
//
// An attacker with many addresses still gets a few guesses from each; the
// password rules (length, no common password) are what make those
// useless, not the throttle.
const (
	pairFreeFailures    = 3
	pairMaxDelay        = 15 * time.Minute
	accountFreeFailures = 5
	accountMaxDelay     = 10 * time.Second
	firstDelay          = time.Second
	// failureWindow is how long a key's count is kept after its latest
	// failure: long against the longest delay, so that waiting one out
	// does not start the count afresh.
	failureWindow = 24 * time.Hour
	// throttleMaxKeys bounds the memory the throttle uses whatever an
	// attacker sends: about 150 bytes a key.
	throttleMaxKeys = 10_000
)

// backoff is the delay after failures, free of them allowed without
// delay: firstDelay, doubling with each further failure, up to limit.
func backoff(failures, free int, limit time.Duration) time.Duration {
	if failures <= free {
		return 0
	}
	return min(firstDelay<<min(failures-free-1, 32), limit)
}

func pairDelay(failures int) time.Duration {
	return backoff(failures, pairFreeFailures, pairMaxDelay)
}

func accountDelay(failures int) time.Duration {
	return backoff(failures, accountFreeFailures, accountMaxDelay)
}

// throttleKey names what failures are counted against: an account, or an
// account from one client address.
type throttleKey struct {
	account string
	// address is "" for the account's own count.
	address string
}

// failureCount is a key's count of failures and the time of the latest.
type failureCount struct {
	failures int
	last     time.Time
}

// release is when the delay this count imposes ends.
func (f failureCount) release(k throttleKey) time.Time {
	if k.address == "" {
		return f.last.Add(accountDelay(f.failures))
	}
	return f.last.Add(pairDelay(f.failures))
}

// throttleStart reports a delay that a failure began, for the audit log.
type throttleStart struct {
	// address is "" when the account's own delay began.
	address  string
	failures int
}

func (s throttleStart) summary() string {
	if s.address == "" {
		return fmt.Sprintf("Sign-ins to this account delayed after %d failures from any address", s.failures)
	}
	return fmt.Sprintf("Sign-ins to this account from %s delayed after %d failures", s.address, s.failures)
}

// clientNetwork is what an address's failures are counted under: the
// address, or for IPv6 its /64, the block one customer usually holds, so
// that cycling through one's own addresses gains nothing.
func clientNetwork(addr string) string {
	if ip := net.ParseIP(addr); ip != nil && ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return addr
}

// signInThrottle counts failed sign-ins, in memory. It is safe for
// concurrent use. The counts are per process: a restart forgets them,
// which an attacker cannot cause.
type signInThrottle struct {
	window  time.Duration
	maxKeys int

	mu       sync.Mutex
	failures map[throttleKey]failureCount
}

// newSignInThrottle returns a throttle that forgets a key's count window
// after its latest failure and holds at most maxKeys keys.
func newSignInThrottle(window time.Duration, maxKeys int) *signInThrottle {
	return &signInThrottle{window: window, maxKeys: maxKeys, failures: map[throttleKey]failureCount{}}
}

// take is called before a password is checked. When the address must
// still wait before trying the account again, it returns how long, and
// counts nothing. Otherwise it counts the attempt as a failure, until
// succeed takes it back, and returns the delays this failure begins.
// Counting before checking, under one lock, means that many attempts in
// parallel cannot all pass before any of them has failed.
func (t *signInThrottle) take(now time.Time, account, address string) (wait time.Duration, started []throttleStart) {
	accountK := throttleKey{account: account}
	pairK := throttleKey{account: account, address: clientNetwork(address)}

	t.mu.Lock()
	defer t.mu.Unlock()
	acc, accKnown := t.current(accountK, now)
	pair, pairKnown := t.current(pairK, now)
	if pair.failures > 0 {
		delay := max(pairDelay(pair.failures), accountDelay(acc.failures))
		if wait := pair.last.Add(delay).Sub(now); wait > 0 {
			return wait, nil
		}
	}

	added := 0
	if !accKnown {
		added++
	}
	if !pairKnown {
		added++
	}
	t.makeRoom(now, added, accountK, pairK)
	acc = failureCount{failures: acc.failures + 1, last: now}
	pair = failureCount{failures: pair.failures + 1, last: now}
	t.failures[accountK] = acc
	t.failures[pairK] = pair
	if pair.failures == pairFreeFailures+1 {
		started = append(started, throttleStart{address: pairK.address, failures: pair.failures})
	}
	if acc.failures == accountFreeFailures+1 {
		started = append(started, throttleStart{failures: acc.failures})
	}
	return 0, started
}

// succeed takes back the attempt take counted, which succeeded: the
// address's failures on the account are forgotten, from the account's
// count too. Failures from other addresses stay counted.
func (t *signInThrottle) succeed(account, address string) {
	accountK := throttleKey{account: account}
	pairK := throttleKey{account: account, address: clientNetwork(address)}

	t.mu.Lock()
	defer t.mu.Unlock()
	pair := t.failures[pairK]
	delete(t.failures, pairK)
	acc, ok := t.failures[accountK]
	if !ok {
		return
	}
	acc.failures -= max(pair.failures, 1)
	if acc.failures <= 0 {
		delete(t.failures, accountK)
		return
	}
	t.failures[accountK] = acc
}

// current returns k's count, dropping it when its latest failure is older
// than the window; known reports whether the map holds k.
func (t *signInThrottle) current(k throttleKey, now time.Time) (count failureCount, known bool) {
	count, known = t.failures[k]
	if known && now.Sub(count.last) >= t.window {
		delete(t.failures, k)
		return failureCount{}, false
	}
	return count, known
}

// makeRoom keeps the map within maxKeys before added keys are added: it
// drops the keys whose failures are forgotten and then, when that is not
// enough, a sixteenth of the keys (one scan pays for many additions), those
// whose delay ended first: an attacker adding keys of their own pushes
// out their own oldest before the keys of anyone still being delayed.
// The keys in keep, about to be written, stay.
func (t *signInThrottle) makeRoom(now time.Time, added int, keep ...throttleKey) {
	if len(t.failures)+added <= t.maxKeys {
		return
	}
	type candidate struct {
		key     throttleKey
		release time.Time
	}
	candidates := make([]candidate, 0, len(t.failures))
	for k, count := range t.failures {
		switch {
		case now.Sub(count.last) >= t.window:
			delete(t.failures, k)
		case !slices.Contains(keep, k):
			candidates = append(candidates, candidate{k, count.release(k)})
		}
	}
	excess := len(t.failures) + added - t.maxKeys
	if excess <= 0 {
		return
	}
	slices.SortFunc(candidates, func(a, b candidate) int { return a.release.Compare(b.release) })
	for _, c := range candidates[:min(len(candidates), max(excess, t.maxKeys/16))] {
		delete(t.failures, c.key)
	}
}

// formatWait says how long to wait in words: seconds under a minute,
// minutes (rounded up) from then on.
func formatWait(wait time.Duration) string {
	if wait < time.Minute {
		return plural(int((wait+time.Second-1)/time.Second), "second", "seconds")
	}
	return plural(int((wait+time.Minute-1)/time.Minute), "minute", "minutes")
}
