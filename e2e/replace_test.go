package e2e

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/contactdesk/contactdesk/sandbox"
)

// newUpstreamWith serves a fresh sandbox with opts on a loopback port.
func newUpstreamWith(t *testing.T, opts sandbox.Options) *upstream {
	t.Helper()
	opts.APIKey = "e2e-api-key"
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &upstream{Server: sb, baseURL: srv.URL + "/services/v2", apiKey: opts.APIKey}
}

// withoutScripts turns JavaScript off in the session's tab, as some
// people browse, or back on.
func (s *session) withoutScripts(off bool) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off}); err != nil {
		s.t.Fatalf("turn JavaScript off (%v): %v", off, err)
	}
}

// checkWithoutScripts is check for a page loaded without JavaScript:
// scripts are allowed again only while axe-core runs, after the page's
// own script had its chance not to run.
func (s *session) checkWithoutScripts(label string) {
	s.t.Helper()
	s.withoutScripts(false)
	defer s.withoutScripts(true)
	s.check(label)
}

// newAdminSession starts the portal against up and signs an admin in.
func newAdminSession(t *testing.T, up *upstream) *session {
	t.Helper()
	a := startApp(t, up)
	admin := user{name: "Alex Admin", email: "alex@example.com", password: "a long admin passphrase", role: "admin"}
	a.addUser(admin, "")
	s := a.newSession("admin")
	s.signIn(admin)
	return s
}

// TestReplacingAPerson replaces people the ways the form offers, with and
// without JavaScript, and checks that nothing of the person replaced is
// sent unless typed, and that the review says who replaces whom.
func TestReplacingAPerson(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	s := newAdminSession(t, up)
	acme := organization(t, up, "Acme Widgets, Inc.")
	page := "/organizations/" + strconv.Itoa(acme.ID)
	raj := acme.TechnicalContact

	t.Run("replace with someone else", func(t *testing.T) {
		s.t = t
		s.open(page)
		if s.has(textbox("Email"), techContact) {
			t.Error("with Keep as is chosen, the technical contact's fields are shown")
		}
		s.click(radio("Replace with someone else"), techContact)
		s.check("organization, replace chosen")
		s.fill("First name", "Priya", techContact)
		s.fill("Last name", "Raman", techContact)
		s.fill("Email", "priya.raman@acme-widgets.example", techContact)
		s.follow(button("Review changes"))
		got := s.mainText()
		for _, want := range []string{"Raj Patel will be replaced by Priya Raman.", "Every field after the change"} {
			if !strings.Contains(got, want) {
				t.Errorf("the review does not say %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "carried over") {
			t.Error("the review says values are carried over; none were")
		}
		s.check("review, replace")
		s.follow(button("Send to DigiCert"))
		s.expectStatus("DigiCert accepted the change")
		tc := current(t, up, acme.ID).TechnicalContact
		if tc == nil || tc.Email != "priya.raman@acme-widgets.example" || tc.JobTitle != "" || tc.Telephone != "" || tc.ID == raj.ID {
			t.Errorf("DigiCert holds %+v, want a new contact with none of Raj Patel's details", tc)
		}
	})

	t.Run("update with a new name: the review says what is carried over", func(t *testing.T) {
		s.t = t
		s.open(page)
		s.click(radio("Update"), orgContact)
		s.fill("First name", "Maggie", orgContact)
		s.fill("Email", "maggie@acme-widgets.example", orgContact)
		s.check("organization, update chosen")
		s.follow(button("Review changes"))
		got := s.mainText()
		for _, want := range []string{"Margaret Chen will be replaced by Maggie Chen.", "carried over from Margaret Chen", "Director of IT"} {
			if !strings.Contains(got, want) {
				t.Errorf("the review does not say %q:\n%s", want, got)
			}
		}
		s.check("review, update that replaces")
	})

	t.Run("without JavaScript", func(t *testing.T) {
		s.t = t
		ns := s.app.newSession("admin, no scripts")
		ns.withoutScripts(true)
		ns.signIn(user{email: "alex@example.com", password: "a long admin passphrase"})
		cedar := organization(t, up, "Cedar Ridge Health Partners")
		ns.open("/organizations/" + strconv.Itoa(cedar.ID))
		replacement := group("For Replace with someone else: who replaces " + cedar.TechnicalContact.FirstName + " " + cedar.TechnicalContact.LastName)
		ns.checkWithoutScripts("organization, without JavaScript")
		ns.click(radio("Replace with someone else"), techContact)
		ns.fill("First name", "Noor", techContact, replacement)
		ns.fill("Last name", "Haddad", techContact, replacement)
		ns.fill("Email", "noor.haddad@cedarridgehealth.example", techContact, replacement)
		ns.follow(button("Review changes"))
		if got := ns.mainText(); !strings.Contains(got, "Tyler Brooks will be replaced by Noor Haddad.") {
			t.Errorf("the review without JavaScript says:\n%s", got)
		}
		ns.follow(button("Send to DigiCert"))
		ns.expectStatus("DigiCert accepted the change")
		if tc := current(t, up, cedar.ID).TechnicalContact; tc == nil || tc.Email != "noor.haddad@cedarridgehealth.example" || tc.JobTitle != "" {
			t.Errorf("DigiCert holds %+v, want Noor Haddad with nothing of Tyler Brooks", tc)
		}
	})
}

// TestFormLoadedBeforeAnotherChange loads a page, lets the organization
// contact change at DigiCert, then removes the technical contact alone.
func TestFormLoadedBeforeAnotherChange(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	s := newAdminSession(t, up)
	lakeside := organization(t, up, "Lakeside Credit Union")
	s.open("/organizations/" + strconv.Itoa(lakeside.ID))

	o := current(t, up, lakeside.ID)
	o.OrganizationContact.JobTitle = "Chief Operating Officer"
	up.AddOrganization(o)

	s.click(radio("Remove"), techContact)
	s.check("organization, remove chosen")
	if status := s.follow(button("Review changes")); status != 200 {
		t.Fatalf("review: status %d, want 200:\n%s", status, s.mainText())
	}
	got := s.mainText()
	if strings.Contains(got, "chose Keep as is") {
		t.Errorf("the review takes someone else's change for the user's:\n%s", got)
	}
	for _, want := range []string{"The contacts changed in DigiCert after this form was loaded", "Kevin O'Brien will be removed"} {
		if !strings.Contains(got, want) {
			t.Errorf("the review does not say %q:\n%s", want, got)
		}
	}
	if cls := s.attribute(button("Send to DigiCert: remove the technical contact"), "class"); cls != "button--warning" {
		t.Errorf("the removal's button has class %q, want the warning style", cls)
	}
	s.check("review, removal after a change elsewhere")
	s.follow(button("Send to DigiCert: remove the technical contact"))
	s.expectStatus("DigiCert accepted the change")
	after := current(t, up, lakeside.ID)
	if after.TechnicalContact != nil || after.OrganizationContact.JobTitle != "Chief Operating Officer" {
		t.Errorf("DigiCert holds %+v and %+v, want no technical contact and the other change kept", after.TechnicalContact, after.OrganizationContact)
	}
}

func TestAddingATechnicalContact(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	s := newAdminSession(t, up)
	harbor := organization(t, up, "Blue Harbor Logistics LLC")
	s.open("/organizations/" + strconv.Itoa(harbor.ID))
	for _, absent := range []string{"Update", "Remove", "Replace with someone else"} {
		if s.has(radio(absent), techContact) {
			t.Errorf("with no technical contact the form offers %q", absent)
		}
	}
	s.click(radio("Add a technical contact"), techContact)
	s.fill("First name", "Ines", techContact)
	s.fill("Last name", "Costa", techContact)
	s.fill("Email", "ines.costa@blueharbor.example", techContact)
	s.fill("Telephone", "+1 (562) 555-0142", techContact)
	s.check("organization, add chosen")
	s.follow(button("Review changes"))
	if got := s.mainText(); !strings.Contains(got, "Ines Costa will be added as the technical contact.") || !strings.Contains(got, "Added") {
		t.Errorf("the review says:\n%s", got)
	}
	s.check("review, add")
	s.follow(button("Send to DigiCert"))
	s.expectStatus("technical contact added")
	if tc := current(t, up, harbor.ID).TechnicalContact; tc == nil || tc.Email != "ines.costa@blueharbor.example" {
		t.Errorf("DigiCert holds %+v, want Ines Costa", tc)
	}
}

func TestTelephoneLetters(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	s := newAdminSession(t, up)
	acme := organization(t, up, "Acme Widgets, Inc.")
	s.open("/organizations/" + strconv.Itoa(acme.ID))
	s.click(radio("Update"), techContact)
	s.fill("Telephone", "+1 415 CALL RAJ", techContact)
	if status := s.follow(button("Review changes")); status != 422 {
		t.Fatalf("review: status %d, want 422", status)
	}
	s.expectErrorSummary(textbox("Telephone"))
	if got := s.value(textbox("Telephone"), techContact); got != "+1 415 CALL RAJ" {
		t.Errorf("Telephone after the error = %q, want what was typed", got)
	}
	s.check("organization, telephone refused")
	for _, r := range up.Requests() {
		if r.Method == "PUT" {
			t.Fatal("a refused telephone reached DigiCert")
		}
	}
}

// TestOutage sends a change while DigiCert's CDN answers 503, then tries
// again once it is back.
func TestOutage(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	s := newAdminSession(t, up)
	acme := organization(t, up, "Acme Widgets, Inc.")
	s.open("/organizations/" + strconv.Itoa(acme.ID))
	s.click(radio("Update"), techContact)
	s.fill("Job title", "Head of PKI", techContact)
	s.follow(button("Review changes"))
	up.InjectFault(sandbox.Fault{Method: "PUT", Status: 503, Count: 4})
	if status := s.follow(button("Send to DigiCert")); status != 503 {
		t.Fatalf("send during the outage: status %d, want 503", status)
	}
	got := s.mainText()
	if !strings.Contains(got, "DigiCert is not available: nothing was changed") || strings.Contains(got, "refused") {
		t.Errorf("the outage page says:\n%s", got)
	}
	s.check("review, DigiCert not available")
	s.follow(button("Try again"))
	s.expectStatus("DigiCert accepted the change")
	if tc := current(t, up, acme.ID).TechnicalContact; tc.JobTitle != "Head of PKI" {
		t.Errorf("job title after Try again %q, want Head of PKI", tc.JobTitle)
	}
}

// TestTechnicalContactNotReported runs against a DigiCert that leaves the
// technical contact out of its reads, as its documentation has it.
func TestTechnicalContactNotReported(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstreamWith(t, sandbox.Options{OmitTechnicalContact: true})
	s := newAdminSession(t, up)
	harbor := organization(t, up, "Blue Harbor Logistics LLC")
	page := "/organizations/" + strconv.Itoa(harbor.ID)
	s.open(page)
	current := s.text(name{"region", "Current technical contact"})
	if !strings.Contains(current, "Not reported by DigiCert") || strings.Contains(current, "None") {
		t.Errorf("the technical contact's card says %q, want not reported, never None", current)
	}
	s.check("organization, technical contact not reported")

	s.click(radio("Replace with someone else"), techContact)
	s.fill("First name", "Ines", techContact)
	s.fill("Last name", "Costa", techContact)
	s.fill("Email", "ines.costa@blueharbor.example", techContact)
	s.fill("Job title", "Network Lead", techContact)
	s.follow(button("Review changes"))
	got := s.mainText()
	for _, want := range []string{"Ines Costa will be the technical contact.", "Fields left empty are deleted at DigiCert"} {
		if !strings.Contains(got, want) {
			t.Errorf("the review does not say %q:\n%s", want, got)
		}
	}
	s.check("review, technical contact not reported")
	s.follow(button("Send to DigiCert"))
	s.expectStatus("DigiCert accepted the change")

	// DigiCert still does not report it: the form starts from what Contact
	// Desk sent, and says so.
	s.open(page)
	if got := s.text(name{"region", "Current technical contact"}); !strings.Contains(got, "Contact Desk last set it to Ines Costa") {
		t.Errorf("the card says %q, want what Contact Desk last sent", got)
	}
	s.click(radio("Update"), techContact)
	if got := s.value(textbox("Job title"), techContact); got != "Network Lead" {
		t.Errorf("Update's job title starts as %q, want the value last sent", got)
	}
	if !strings.Contains(s.text(name{"group", "Technical contact"}), "The fields start with the values Contact Desk last sent for it") {
		t.Error("the form does not say where its starting values come from")
	}
	s.check("organization, starting from the values last sent")
}
