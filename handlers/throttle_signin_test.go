package handlers_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// browserFrom returns another anonymous browser whose connections come
// from ip, a loopback address (Linux routes all of 127.0.0.0/8 to the
// loopback interface), so that the portal sees another client address.
func (a *testApp) browserFrom(ip string) *testApp {
	a.t.Helper()
	b := a.browser()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	transport := &http.Transport{DialContext: dialer.DialContext}
	a.t.Cleanup(transport.CloseIdleConnections)
	b.client.Transport = transport
	return b
}

// failSignIns sends wrong passwords for email until n have been checked,
// moving the clock past each delay.
func (a *testApp) failSignIns(email string, n int) {
	a.t.Helper()
	for failed := 0; failed < n; {
		r := a.submitSignIn(email, "wrong password "+strconv.Itoa(failed), "")
		switch r.Status {
		case http.StatusUnprocessableEntity:
			failed++
		case http.StatusTooManyRequests:
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil {
				a.t.Fatalf("Retry-After %q: %v", r.Header.Get("Retry-After"), err)
			}
			a.Clock.Advance(time.Duration(secs) * time.Second)
		default:
			a.t.Fatalf("wrong password %d for %s: status %d", failed+1, email, r.Status)
		}
	}
}

// TestSignInDelaysGrow: wrong passwords from one address for one account
// cost it more and more time; while it waits, even the right password is
// refused unchecked; a success starts its count afresh.
func TestSignInDelaysGrow(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	for i := range 4 {
		if r := b.submitSignIn(app.Admin.Email, "wrong password", ""); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong password %d: status %d, want 422", i+1, r.Status)
		}
	}
	r := b.submitSignIn(app.Admin.Email, "wrong password", "")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != "1" {
		t.Fatalf("after 4 failures: status %d, Retry-After %q; want 429 and 1", r.Status, r.Header.Get("Retry-After"))
	}
	for _, want := range []string{"Too many failed sign-in attempts. Wait 1 second, then try again.", "<title>Error: Sign in", `role="alert"`} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("throttled page lacks %q", want)
		}
	}
	// Thousands more while it waits: every one refused without a password
	// check, none counted.
	for i := range throttledAttempts {
		if r := b.submitSignIn(app.Admin.Email, "wrong password", ""); r.Status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d while waiting: status %d, want 429", i+1, r.Status)
		}
	}
	if r := b.submitSignIn(app.Admin.Email, testPassword, ""); r.Status != http.StatusTooManyRequests {
		t.Errorf("the right password while waiting: status %d, want 429", r.Status)
	}
	// Four failures and the delay they began, not thousands.
	if got := app.securityKinds(app.Admin.Email, 100); len(got) != 6 || got[0] != "sign_in_throttled" {
		t.Errorf("security events = %v, want signed_in, 4 sign_in_failed and 1 sign_in_throttled", got)
	}

	// Each further failure doubles the wait.
	for _, want := range []string{"2", "4", "8"} {
		app.Clock.Advance(time.Minute)
		if r := b.submitSignIn(app.Admin.Email, "wrong password", ""); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("after the wait: status %d, want 422", r.Status)
		}
		r := b.submitSignIn(app.Admin.Email, "wrong password", "")
		if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != want {
			t.Errorf("status %d, Retry-After %q; want 429 and %s", r.Status, r.Header.Get("Retry-After"), want)
		}
	}

	app.Clock.Advance(time.Minute)
	if r := b.submitSignIn(app.Admin.Email, testPassword, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("the right password after the wait: status %d, want 303", r.Status)
	}
	// Signed in, the address's count is gone: typos are free again.
	c := app.browser()
	for i := range 4 {
		if r := c.submitSignIn(app.Admin.Email, "wrong password", ""); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("wrong password %d after a success: status %d, want 422", i+1, r.Status)
		}
	}
}

// TestSignInNotStoppedByOtherAccounts: many people behind one proxy or NAT
// share an address; their failures never refuse another's right password.
func TestSignInNotStoppedByOtherAccounts(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	for i := range 25 {
		for range 3 {
			b.submitSignIn("guess"+strconv.Itoa(i)+"@example.com", "wrong password", "")
		}
	}
	if r := b.submitSignIn(app.Admin.Email, testPassword, ""); r.Status != http.StatusSeeOther {
		t.Errorf("after 75 failures on other accounts from this address: status %d, want 303 (signed in)", r.Status)
	}
}

// TestSignInOwnerNotKeptOut: an attacker guessing an admin's password at
// one address does not keep the admin out at another.
func TestSignInOwnerNotKeptOut(t *testing.T) {
	app := newTestApp(t)
	attacker := app.browserFrom("127.0.0.2")
	attacker.failSignIns(app.Admin.Email, 5)
	if r := attacker.submitSignIn(app.Admin.Email, "wrong password", ""); r.Status != http.StatusTooManyRequests {
		t.Fatalf("the attacker after 5 failures: status %d, want 429", r.Status)
	}
	if r := app.browser().submitSignIn(app.Admin.Email, testPassword, ""); r.Status != http.StatusSeeOther {
		t.Errorf("the admin at another address: status %d, want 303 (signed in)", r.Status)
	}
	// The attacker's wait goes on.
	if r := attacker.submitSignIn(app.Admin.Email, "wrong password", ""); r.Status != http.StatusTooManyRequests {
		t.Errorf("the attacker after the admin signed in: status %d, want 429", r.Status)
	}
}
