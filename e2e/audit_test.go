package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/contactdesk/contactdesk/sandbox"
)

// inTimeZone makes the session's tab keep time in zone, as a viewer there
// would.
func (s *session) inTimeZone(zone string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
		s.t.Fatalf("set the time zone %s: %v", zone, err)
	}
}

var auditTable = name{"table", "Submissions, newest first"}

// TestAuditLogReadable makes a change of each kind (a replacement, one
// DigiCert refuses, one sent during an outage, which is reconciled, one
// not sent because the contacts changed at DigiCert since the review,
// which is recorded as changed outside), then reads the audit log as
// someone in New York: who replaced whom, users by name, each outcome in
// words and the viewer's local time beside UTC; a failed submission's page
// says it failed. Without JavaScript the times stay in UTC alone.
func TestAuditLogReadable(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	s := newAdminSession(t, up)
	s.inTimeZone("America/New_York")

	acme := organization(t, up, "Acme Widgets, Inc.")
	s.open("/organizations/" + strconv.Itoa(acme.ID))
	s.click(radio("Replace with someone else"), techContact)
	s.fill("First name", "Priya", techContact)
	s.fill("Last name", "Raman", techContact)
	s.fill("Email", "priya.raman@acme-widgets.example", techContact)
	s.follow(button("Review changes"))
	s.follow(button("Send to DigiCert"))
	s.expectStatus("DigiCert accepted the change")

	cedar := organization(t, up, "Cedar Ridge Health Partners")
	s.open("/organizations/" + strconv.Itoa(cedar.ID))
	s.click(radio("Update"), techContact)
	s.fill("Job title", "Head of PKI", techContact)
	s.follow(button("Review changes"))
	up.InjectFault(sandbox.Fault{Method: "PUT", Status: 400,
		Body: `{"errors":[{"code":"invalid_param:technical_contact.job_title","message":"Job title is not valid."}]}`})
	if status := s.follow(button("Send to DigiCert")); status != 422 {
		t.Fatalf("send refused by DigiCert: status %d, want 422", status)
	}

	lakeside := organization(t, up, "Lakeside Credit Union")
	s.open("/organizations/" + strconv.Itoa(lakeside.ID))
	s.click(radio("Update"), orgContact)
	s.fill("Job title", "Chief Executive", orgContact)
	s.follow(button("Review changes"))
	up.InjectFault(sandbox.Fault{Method: "PUT", Status: 503, Count: 4})
	if status := s.follow(button("Send to DigiCert")); status != 503 {
		t.Fatalf("send during an outage: status %d, want 503", status)
	}

	harbor := organization(t, up, "Blue Harbor Logistics LLC")
	s.open("/organizations/" + strconv.Itoa(harbor.ID))
	s.click(radio("Update"), orgContact)
	s.fill("Job title", "Managing Director", orgContact)
	s.follow(button("Review changes"))
	o := current(t, up, harbor.ID)
	o.OrganizationContact.Telephone = "+1 562 555 0100"
	up.AddOrganization(o)
	if status := s.follow(button("Send to DigiCert")); status != 409 {
		t.Fatalf("send after a change elsewhere: status %d, want 409", status)
	}

	s.follow(link("Audit log"), mainNav)
	rows := strings.Join(strings.Fields(s.text(auditTable)), " ")
	raj := acme.TechnicalContact.FirstName + " " + acme.TechnicalContact.LastName
	for _, want := range []string{
		raj + " → Priya Raman", "Alex Admin", "alex@example.com",
		"Succeeded", "DigiCert error", "Not sent", "Reconciled", "Changed outside", "(your time:",
	} {
		if !strings.Contains(rows, want) {
			t.Errorf("the audit log does not say %q:\n%s", want, rows)
		}
	}
	// Five rows: the four submissions, and the change made at DigiCert
	// that the last send found.
	if n := strings.Count(rows, "(your time:"); n != 5 {
		t.Errorf("%d local times beside the UTC ones, want 5:\n%s", n, rows)
	}
	if !strings.Contains(rows, "EST") && !strings.Contains(rows, "EDT") && !strings.Contains(rows, "GMT-") {
		t.Errorf("the local times are not New York's:\n%s", rows)
	}
	s.check("audit log, every outcome")

	// The newest submission is the one not sent.
	s.follow(name{"link", ""}, auditTable)
	want := "Submission to " + harbor.Name + " failed"
	if h := s.text(name{"heading", ""}, name{"main", ""}); !strings.Contains(h, want) {
		t.Errorf("the failed submission's heading is %q, want %q", h, want)
	}
	if title := s.title(); !strings.HasPrefix(title, want) {
		t.Errorf("the failed submission's title is %q, want it to start %q", title, want)
	}
	s.check("audit submission, not sent")

	ns := s.app.newSession("admin, no scripts")
	ns.withoutScripts(true)
	ns.inTimeZone("America/New_York")
	ns.signIn(user{email: "alex@example.com", password: "a long admin passphrase"})
	ns.open("/audit")
	if rows := ns.text(auditTable); strings.Contains(rows, "your time") || !strings.Contains(rows, "UTC") {
		t.Errorf("without JavaScript the audit log shows:\n%s\nwant UTC alone", rows)
	}
}
