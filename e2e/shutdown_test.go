package e2e

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/contactdesk/contactdesk/sandbox"
)

// TestShutdownLetsASendFinish stops the portal while DigiCert is slow to
// answer a change: the send completes and is recorded, DigiCert holds the
// change, and the portal then exits cleanly. (The browser's redirect to
// the result page finds the portal gone, as it would in production.)
func TestShutdownLetsASendFinish(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	a := startApp(t, up)
	admin := user{name: "Sam Shutdown", email: "sam@example.com", password: "shutdown passphrase", role: "admin"}
	a.addUser(admin, "")
	acme := organization(t, up, "Acme Widgets, Inc.")
	s := a.newSession("admin")
	s.signIn(admin)
	s.open("/organizations/" + strconv.Itoa(acme.ID))
	s.click(radio("Update"), orgContact)
	s.fill("Job title", "Chief Shutdown Officer", orgContact)
	s.follow(button("Review changes"))
	up.ResetRequests()
	up.InjectFault(sandbox.Fault{Method: "PUT", Latency: 2 * time.Second})

	sent := make(chan struct{})
	var problem string
	send := chromedp.Click("", byName(button("Send to DigiCert"), nil, &problem))
	go func() {
		defer close(sent)
		ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
		defer cancel()
		_, _ = chromedp.RunResponse(ctx, send) // the redirect after the send finds the portal stopped
	}()

	waitFor(t, "the PUT to reach DigiCert", func() bool {
		for _, r := range up.Requests() {
			if r.Method == "PUT" {
				return true
			}
		}
		return false
	})
	a.terminate()
	<-sent
	a.waitExit()

	sendLine := regexp.MustCompile(`path=/organizations/\d+/send .*status=303`)
	if !sendLine.MatchString(a.logs.String()) {
		t.Errorf("the portal's log shows no send answered with 303 before it stopped")
	}
	if got := current(t, up, acme.ID).OrganizationContact.JobTitle; got != "Chief Shutdown Officer" {
		t.Errorf("DigiCert holds job title %q, want the change sent during shutdown", got)
	}
	export := a.run("", nil, "audit", "export", "--format", "json")
	if !strings.Contains(export, `"responded"`) {
		t.Errorf("the audit log has no responded event after the shutdown:\n%s", export)
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// time. It is for state outside the browser, which has no event to wait on.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", actionTimeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
