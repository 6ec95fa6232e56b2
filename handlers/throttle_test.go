package handlers

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

var throttleStart0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// fail counts n failures of account from address, each as soon as the
// throttle allows it, and returns the time of the last.
func fail(t *testing.T, th *signInThrottle, now time.Time, account, address string, n int) time.Time {
	t.Helper()
	for i := range n {
		wait, _ := th.take(now, account, address)
		if wait == 0 {
			continue
		}
		now = now.Add(wait)
		if wait, _ = th.take(now, account, address); wait != 0 {
			t.Fatalf("failure %d of %s from %s: still %v to wait after waiting", i+1, account, address, wait)
		}
	}
	return now
}

// TestThrottleDelayGrows: the failures of one address on one account cost
// it more and more time, up to the cap.
func TestThrottleDelayGrows(t *testing.T) {
	th := newSignInThrottle(failureWindow, 100)
	now := throttleStart0
	// want[i] is the wait after i+1 failures.
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, 32 * time.Second, 64 * time.Second, 128 * time.Second, 256 * time.Second,
		512 * time.Second, 15 * time.Minute, 15 * time.Minute, 15 * time.Minute}
	th.take(now, "admin@example.com", "192.0.2.1")
	for i, w := range want {
		// An attempt at once is refused for the wait, or, with no wait,
		// counted as the next failure.
		wait, _ := th.take(now, "admin@example.com", "192.0.2.1")
		if wait != w {
			t.Errorf("after %d failures: wait %v, want %v", i+1, wait, w)
		}
		if wait == 0 {
			continue
		}
		if left, _ := th.take(now.Add(wait-time.Millisecond), "admin@example.com", "192.0.2.1"); left != time.Millisecond {
			t.Errorf("after %d failures, a millisecond before the end: wait %v, want 1ms", i+1, left)
		}
		now = now.Add(wait)
		if wait, _ := th.take(now, "admin@example.com", "192.0.2.1"); wait != 0 {
			t.Fatalf("after %d failures and the wait: still %v", i+1, wait)
		}
	}
}

// TestThrottleReportsDelaysBegun: the failure that begins a delay is
// reported once, for the audit log.
func TestThrottleReportsDelaysBegun(t *testing.T) {
	th := newSignInThrottle(failureWindow, 100)
	now := fail(t, th, throttleStart0, "admin@example.com", "192.0.2.1", 3)
	_, started := th.take(now, "admin@example.com", "192.0.2.1")
	if len(started) != 1 || started[0].address != "192.0.2.1" || started[0].failures != 4 {
		t.Errorf("4th failure from one address: started %+v, want the address's delay after 4", started)
	}
	// The account's own delay begins at its 6th failure, whichever address
	// sends it.
	_, started = th.take(now, "admin@example.com", "192.0.2.2")
	if len(started) != 0 {
		t.Errorf("5th failure: started %+v, want none", started)
	}
	_, started = th.take(now, "admin@example.com", "192.0.2.3")
	if len(started) != 1 || started[0].address != "" || started[0].failures != 6 {
		t.Errorf("6th failure: started %+v, want the account's delay after 6", started)
	}
}

// TestThrottleOtherAccountsDoNotCount: many failures from one address (a
// proxy, a shared NAT) on other accounts never delay a sign-in to another
// account from it.
func TestThrottleOtherAccountsDoNotCount(t *testing.T) {
	th := newSignInThrottle(failureWindow, 1000)
	for i := range 100 {
		fail(t, th, throttleStart0, "guess"+strconv.Itoa(i)+"@example.com", "192.0.2.1", 3)
	}
	if wait, _ := th.take(throttleStart0, "admin@example.com", "192.0.2.1"); wait != 0 {
		t.Errorf("after 300 failures on other accounts: wait %v, want 0", wait)
	}
}

// TestThrottleOwnerFromAnotherAddress: guesses at an account from one
// address, however many, never delay its owner at another.
func TestThrottleOwnerFromAnotherAddress(t *testing.T) {
	th := newSignInThrottle(failureWindow, 100)
	now := fail(t, th, throttleStart0, "admin@example.com", "192.0.2.66", 20)
	if wait, _ := th.take(now, "admin@example.com", "192.0.2.66"); wait != 15*time.Minute {
		t.Errorf("the guessing address: wait %v, want 15m", wait)
	}
	if wait, _ := th.take(now, "admin@example.com", "198.51.100.7"); wait != 0 {
		t.Errorf("the owner at another address: wait %v, want 0", wait)
	}
}

// TestThrottleSpreadAttack: failures spread over many addresses delay
// each address that failed, by the account's delay, capped low; an
// address that did not fail goes through.
func TestThrottleSpreadAttack(t *testing.T) {
	th := newSignInThrottle(failureWindow, 1000)
	for i := range 50 {
		fail(t, th, throttleStart0, "admin@example.com", "192.0.2."+strconv.Itoa(i), 1)
	}
	if wait, _ := th.take(throttleStart0, "admin@example.com", "192.0.2.7"); wait != accountMaxDelay {
		t.Errorf("an address with one of 50 failures: wait %v, want the account's %v", wait, accountMaxDelay)
	}
	// The owner typed a wrong password once: at most the account's delay,
	// counted from their own failure, however long the attack goes on.
	owner := fail(t, th, throttleStart0, "admin@example.com", "198.51.100.7", 1)
	fail(t, th, owner.Add(5*time.Second), "admin@example.com", "192.0.2.200", 1)
	if wait, _ := th.take(owner.Add(accountMaxDelay), "admin@example.com", "198.51.100.7"); wait != 0 {
		t.Errorf("the owner %v after their failure, the attack going on: wait %v, want 0", accountMaxDelay, wait)
	}
	if wait, _ := th.take(throttleStart0, "admin@example.com", "203.0.113.9"); wait != 0 {
		t.Errorf("an address with no failure: wait %v, want 0", wait)
	}
}

// TestThrottleSucceedForgetsTheAddress: a success forgets the address's
// failures on the account, and only those.
func TestThrottleSucceedForgetsTheAddress(t *testing.T) {
	th := newSignInThrottle(failureWindow, 100)
	now := fail(t, th, throttleStart0, "admin@example.com", "192.0.2.1", 7)
	fail(t, th, now, "admin@example.com", "192.0.2.2", 2)
	wait, _ := th.take(now, "admin@example.com", "192.0.2.1")
	now = now.Add(wait)
	if wait, _ := th.take(now, "admin@example.com", "192.0.2.1"); wait != 0 {
		t.Fatalf("after waiting: wait %v", wait)
	}
	th.succeed("admin@example.com", "192.0.2.1")

	if _, ok := th.failures[throttleKey{account: "admin@example.com", address: "192.0.2.1"}]; ok {
		t.Error("the address's failures are still counted after a success")
	}
	if got := th.failures[throttleKey{account: "admin@example.com"}].failures; got != 2 {
		t.Errorf("account after a success: %d failures, want the other address's 2", got)
	}
	// Three typos are free again.
	fail(t, th, now, "admin@example.com", "192.0.2.1", 2)
	if wait, _ := th.take(now, "admin@example.com", "192.0.2.1"); wait != 0 {
		t.Errorf("third failure after a success: wait %v, want 0", wait)
	}
}

// TestThrottleParallelAttempts: attempts racing each other cannot all
// pass the check before any has failed.
func TestThrottleParallelAttempts(t *testing.T) {
	th := newSignInThrottle(failureWindow, 100)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for range 100 {
		wg.Go(func() {
			if wait, _ := th.take(throttleStart0, "admin@example.com", "192.0.2.1"); wait == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != pairFreeFailures+1 {
		t.Errorf("%d of 100 parallel attempts went through, want %d", allowed, pairFreeFailures+1)
	}
}

// TestThrottleStaysBounded: invented accounts and addresses, as many as
// an attacker likes, leave the throttle within its number of keys, and
// push out their own keys before those of an address being delayed.
func TestThrottleStaysBounded(t *testing.T) {
	th := newSignInThrottle(failureWindow, 50)
	now := fail(t, th, throttleStart0, "admin@example.com", "192.0.2.66", 10)
	for i := range 5000 {
		th.take(now, "guess"+strconv.Itoa(i)+"@example.com", "198.51.100."+strconv.Itoa(i%256))
		if n := len(th.failures); n > 50 {
			t.Fatalf("after %d invented accounts: %d keys, want at most 50", i+1, n)
		}
	}
	if wait, _ := th.take(now, "admin@example.com", "192.0.2.66"); wait == 0 {
		t.Error("the delayed address's count was pushed out by invented accounts")
	}
	// A day later every count is forgotten.
	if wait, _ := th.take(now.Add(failureWindow), "admin@example.com", "192.0.2.66"); wait != 0 {
		t.Errorf("a day later: wait %v, want 0", wait)
	}
}

func TestClientNetworkGroupsIPv6(t *testing.T) {
	tests := []struct{ a, b string }{
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::2"},
		{"192.0.2.1", "192.0.2.1"},
	}
	for _, tt := range tests {
		if clientNetwork(tt.a) != clientNetwork(tt.b) {
			t.Errorf("clientNetwork(%s) != clientNetwork(%s): want one network", tt.a, tt.b)
		}
	}
	if clientNetwork("192.0.2.1") == clientNetwork("192.0.2.2") {
		t.Error("two IPv4 addresses share a network")
	}
	if clientNetwork("2001:db8:1:2::1") == clientNetwork("2001:db8:1:3::1") {
		t.Error("two IPv6 /64s share a network")
	}
}

func TestFormatWait(t *testing.T) {
	tests := []struct {
		wait time.Duration
		want string
	}{
		{300 * time.Millisecond, "1 second"},
		{time.Second, "1 second"},
		{1500 * time.Millisecond, "2 seconds"},
		{59 * time.Second, "59 seconds"},
		{time.Minute, "1 minute"},
		{61 * time.Second, "2 minutes"},
		{15 * time.Minute, "15 minutes"},
	}
	for _, tt := range tests {
		if got := formatWait(tt.wait); got != tt.want {
			t.Errorf("formatWait(%v) = %q, want %q", tt.wait, got, tt.want)
		}
	}
}
