package handlers

import (
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestThrottleWindow(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	th := newSignInThrottle(15*time.Minute, 100)
	key := throttleKey{name: "account:a@example.com", limit: 3}

	for i := range 3 {
		wait, reached := th.take(start.Add(time.Duration(i)*time.Minute), key)
		if wait != 0 {
			t.Fatalf("attempt %d: wait %v, want 0", i+1, wait)
		}
		if want := i == 2; (len(reached) == 1) != want {
			t.Errorf("attempt %d: reached %v, want the limit reached only at the third", i+1, reached)
		}
	}
	tests := []struct {
		at   time.Duration
		want time.Duration
	}{
		{3 * time.Minute, 12 * time.Minute},            // the first attempt leaves at 15 min
		{14*time.Minute + 59*time.Second, time.Second}, // just before
		{15 * time.Minute, 0},                          // the first has left: 2 remain
	}
	for _, tt := range tests {
		got, _ := th.take(start.Add(tt.at), key)
		if got != tt.want {
			t.Errorf("at +%v: wait %v, want %v", tt.at, got, tt.want)
		}
		if got == 0 {
			th.succeed(start.Add(tt.at), key)
		}
	}
}

func TestThrottleSucceed(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	th := newSignInThrottle(15*time.Minute, 100)
	account := throttleKey{name: "account:a@example.com", limit: 3}
	address := throttleKey{name: "address:192.0.2.1", limit: 3}
	th.take(now, account, address)
	th.take(now.Add(time.Second), account, address)
	th.take(now.Add(2*time.Second), account, address)
	th.succeed(now.Add(2*time.Second), account, address)
	if n := len(th.failures[account.name]); n != 0 {
		t.Errorf("account after a success: %d failures, want 0", n)
	}
	if n := len(th.failures[address.name]); n != 2 {
		t.Errorf("address after a success: %d failures, want the 2 earlier ones", n)
	}
}

// TestThrottleParallelAttempts: attempts racing each other cannot all
// pass the check before any has failed.
func TestThrottleParallelAttempts(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	th := newSignInThrottle(15*time.Minute, 100)
	key := throttleKey{name: "account:a@example.com", limit: 5}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		allowed int
	)
	for range 100 {
		wg.Go(func() {
			if wait, _ := th.take(now, key); wait == 0 {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Errorf("%d of 100 parallel attempts went through, want 5", allowed)
	}
}

func TestThrottleStaysBounded(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	th := newSignInThrottle(15*time.Minute, 50)
	victim := throttleKey{name: "account:victim@example.com", limit: 2}
	th.take(start, victim)
	th.take(start.Add(time.Second), victim)
	// An attacker sends failures for thousands of other keys.
	for i := range 5000 {
		th.take(start.Add(2*time.Second), throttleKey{name: "account:" + strconv.Itoa(i), limit: 5})
	}
	if n := len(th.failures); n > 50 {
		t.Errorf("throttle holds %d keys, want at most 50", n)
	}
	// Keys whose failures have all left the window go first.
	later := start.Add(20 * time.Minute)
	th.take(later, throttleKey{name: "account:new", limit: 5})
	if n := len(th.failures); n != 1 {
		t.Errorf("after the window: %d keys, want only the new one", n)
	}
}

func TestAddressKeyGroupsIPv6(t *testing.T) {
	tests := []struct{ a, b string }{
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::2"},
		{"192.0.2.1", "192.0.2.1"},
	}
	for _, tt := range tests {
		if addressKey(tt.a) != addressKey(tt.b) {
			t.Errorf("addressKey(%s) != addressKey(%s): want one key", tt.a, tt.b)
		}
	}
	if addressKey("192.0.2.1") == addressKey("192.0.2.2") {
		t.Error("two IPv4 addresses share a key")
	}
	if addressKey("2001:db8:1:2::1") == addressKey("2001:db8:1:3::1") {
		t.Error("two IPv6 /64s share a key")
	}
}
