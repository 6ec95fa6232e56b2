package e2e

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"github.com/contactdesk/contactdesk/sandbox"
)

// organization returns the sandbox's organization called orgName.
func organization(t *testing.T, up *upstream, orgName string) sandbox.Organization {
	t.Helper()
	for _, o := range up.Organizations() {
		if o.Name == orgName {
			return o
		}
	}
	t.Fatalf("the sandbox has no organization %q", orgName)
	return sandbox.Organization{}
}

// current reads the organization from the sandbox again.
func current(t *testing.T, up *upstream, id int) sandbox.Organization {
	t.Helper()
	o, ok := up.Organization(id)
	if !ok {
		t.Fatalf("the sandbox lost organization %d", id)
	}
	return o
}

var (
	orgContact  = group("Organization contact")
	techContact = group("Technical contact")
)

// TestChangeContacts walks an admin through every kind of change, against
// a DigiCert sandbox the test controls: update in place (by keyboard
// only), replace, remove, a validation error, a JSON error, a DigiCert
// error, then the audit log, a submission, the exports and sign-out.
func TestChangeContacts(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	a := startApp(t, up)
	admin := user{name: "Alex Admin", email: "alex@example.com", password: "a long admin passphrase", role: "admin"}
	a.addUser(admin, "")
	acme := organization(t, up, "Acme Widgets, Inc.")
	s := a.newSession("admin")

	t.Run("sign in with the keyboard", func(t *testing.T) {
		s.t = t
		s.open("/organizations")
		if p := s.path(); !strings.HasPrefix(p, "/login") {
			t.Errorf("signed out, /organizations went to %s, want the sign-in page", p)
		}
		if strings.Contains(s.bodyText(), "Sandbox mode.") {
			t.Errorf("sandbox banner shown with a DigiCert API key set")
		}
		s.check("sign in")
		s.tabTo("Email")
		s.press(admin.email)
		s.tabTo("Password")
		s.press(admin.password)
		if status := s.pressAndFollow(kb.Enter); status != 200 {
			t.Fatalf("sign in: status %d, want 200", status)
		}
		if p := s.path(); p != "/organizations" {
			t.Errorf("after sign-in: at %s, want /organizations", p)
		}
		s.check("organizations")
	})

	t.Run("find an organization", func(t *testing.T) {
		s.t = t
		s.fillField(name{"searchbox", "Search organizations"}, "acme")
		s.follow(button("Search"))
		if got := s.text(name{"table", ""}); !strings.Contains(got, acme.Name) || strings.Contains(got, "Blue Harbor") {
			t.Errorf("search for acme shows %q, want only %s", got, acme.Name)
		}
		s.check("organizations, search")
		if status := s.follow(link(acme.Name)); status != 200 {
			t.Fatalf("open %s: status %d", acme.Name, status)
		}
		// With scripts on, a contact kept as is shows no fields: Tab goes
		// through the choices, Review changes and the JSON panel.
		if n := s.assertFocusVisible("organization page"); n < 12 {
			t.Errorf("Tab reached %d elements on the organization page, want the whole form", n)
		}
		s.check("organization")
	})

	t.Run("update in place, by keyboard", func(t *testing.T) {
		s.t = t
		s.open("/organizations/" + strconv.Itoa(acme.ID))
		s.tabTo("Keep as is")
		s.press(kb.ArrowDown) // the radio group's next choice: Update
		if !s.checked(radio("Update"), orgContact) {
			t.Fatalf("ArrowDown did not choose Update for the organization contact")
		}
		s.tabTo("Job title")
		s.press(strings.Repeat(kb.Backspace, 40) + "Head of IT")
		s.tabTo("Review changes")
		if status := s.pressAndFollow(kb.Enter); status != 200 {
			t.Fatalf("review: status %d, want 200", status)
		}
		if got := s.mainText(); !strings.Contains(got, "Updated in place") || !strings.Contains(got, "Head of IT") {
			t.Errorf("review page says %q, want the contact updated in place with the new job title", got)
		}
		s.check("review, update in place")
		s.tabTo("Send to DigiCert")
		if status := s.pressAndFollow(kb.Enter); status != 200 {
			t.Fatalf("send: status %d, want 200", status)
		}
		s.expectStatus("DigiCert accepted the change")
		s.check("organization, updated")
		after := current(t, up, acme.ID)
		if after.OrganizationContact.JobTitle != "Head of IT" || after.OrganizationContact.ID != acme.OrganizationContact.ID {
			t.Errorf("DigiCert holds %+v, want contact %d with job title Head of IT", after.OrganizationContact, acme.OrganizationContact.ID)
		}
	})

	t.Run("replace the technical contact", func(t *testing.T) {
		s.t = t
		s.open("/organizations/" + strconv.Itoa(acme.ID))
		s.click(radio("Update"), techContact)
		s.fill("Email", "mei.lin@acme-widgets.example", techContact)
		s.fill("First name", "Mei", techContact)
		s.fill("Last name", "Lin", techContact)
		s.follow(button("Review changes"))
		if got := s.mainText(); !strings.Contains(got, "Replaced by a new contact") {
			t.Errorf("review page says %q, want the technical contact replaced", got)
		}
		s.check("review, replace")
		s.follow(link("Back to edit"))
		s.check("organization, back from review")
		if got := s.value(textbox("Email"), techContact); got != "mei.lin@acme-widgets.example" {
			t.Logf("Back to edit kept the technical Email as %q; typing it again", got)
			s.click(radio("Update"), techContact)
			s.fill("Email", "mei.lin@acme-widgets.example", techContact)
			s.fill("First name", "Mei", techContact)
			s.fill("Last name", "Lin", techContact)
		}
		s.follow(button("Review changes"))
		s.follow(button("Send to DigiCert"))
		s.expectStatus("DigiCert accepted the change")
		after := current(t, up, acme.ID)
		if tc := after.TechnicalContact; tc == nil || tc.Email != "mei.lin@acme-widgets.example" || tc.ID == acme.TechnicalContact.ID {
			t.Errorf("DigiCert holds technical contact %+v, want a new contact for mei.lin@acme-widgets.example", tc)
		}
		s.check("organization, replaced")
	})

	t.Run("a validation error", func(t *testing.T) {
		s.t = t
		s.open("/organizations/" + strconv.Itoa(acme.ID))
		s.click(radio("Update"), orgContact)
		s.fill("Email", "not an email", orgContact)
		if status := s.follow(button("Review changes")); status != 422 {
			t.Errorf("invalid email: status %d, want 422", status)
		}
		s.expectErrorSummary(name{"textbox", "Email"})
		if got := s.value(textbox("Email"), orgContact); got != "not an email" {
			t.Errorf("Email after the error = %q, want what was typed", got)
		}
		s.check("organization, invalid email")
		s.click(name{"link", ""}, name{"alert", "There is a problem"})
		if id, want := s.focusedID(), s.attribute(textbox("Email"), "id", orgContact); id != want {
			t.Errorf("the summary's link put the focus on %q, want the field %q", id, want)
		}
		if got := current(t, up, acme.ID).OrganizationContact.Email; got == "not an email" {
			t.Errorf("the invalid email reached DigiCert")
		}
	})

	t.Run("a JSON error", func(t *testing.T) {
		s.t = t
		s.open("/organizations/" + strconv.Itoa(acme.ID))
		s.click(name{"DisclosureTriangle", "Edit request JSON"})
		s.fill("Request JSON", `[{"contact_type": "organization_contact", "first_name": "Margaret"`)
		if status := s.follow(button("Review JSON")); status != 422 {
			t.Errorf("broken JSON: status %d, want 422", status)
		}
		s.expectErrorSummary(textbox("Request JSON"))
		s.check("organization, broken JSON")
	})

	cedar := organization(t, up, "Cedar Ridge Health Partners")
	t.Run("remove the technical contact", func(t *testing.T) {
		s.t = t
		s.open("/organizations/" + strconv.Itoa(cedar.ID))
		s.click(radio("Remove"), techContact)
		s.follow(button("Review changes"))
		if got := s.mainText(); !strings.Contains(got, "Removed") {
			t.Errorf("review page says %q, want the technical contact removed", got)
		}
		s.check("review, remove")
		s.follow(button("Send to DigiCert: remove the technical contact"))
		s.expectStatus("DigiCert accepted the change")
		if tc := current(t, up, cedar.ID).TechnicalContact; tc != nil {
			t.Errorf("DigiCert still holds technical contact %+v", tc)
		}
		s.check("organization, technical contact removed")
	})

	lakeside := organization(t, up, "Lakeside Credit Union")
	t.Run("a DigiCert error", func(t *testing.T) {
		s.t = t
		s.open("/organizations/" + strconv.Itoa(lakeside.ID))
		s.click(radio("Update"), orgContact)
		s.fill("Telephone", "+1 608 555 0199", orgContact)
		s.follow(button("Review changes"))
		up.InjectFault(sandbox.Fault{Method: "PUT", Status: 400,
			Body: `{"errors":[{"code":"invalid_param:organization_contact.telephone","message":"Telephone number is not valid for this country."}]}`})
		if status := s.follow(button("Send to DigiCert")); status != 422 {
			t.Errorf("DigiCert refused: status %d, want 422", status)
		}
		got := s.mainText()
		for _, want := range []string{"DigiCert refused the change", "Telephone number is not valid for this country.", "invalid_param:organization_contact.telephone"} {
			if !strings.Contains(got, want) {
				t.Errorf("the page does not say %q:\n%s", want, got)
			}
		}
		if v := s.attribute(textbox("Telephone"), "aria-invalid", orgContact); v != "true" {
			t.Errorf("the Telephone field DigiCert refused has aria-invalid=%q, want true", v)
		}
		if got := s.value(textbox("Telephone"), orgContact); got != "+1 608 555 0199" {
			t.Errorf("Telephone after DigiCert's refusal = %q, want what was typed", got)
		}
		s.check("organization, DigiCert refused")
		if tel := current(t, up, lakeside.ID).OrganizationContact.Telephone; tel != lakeside.OrganizationContact.Telephone {
			t.Errorf("DigiCert's telephone changed to %q though it refused", tel)
		}
	})

	t.Run("audit log and a submission", func(t *testing.T) {
		s.t = t
		s.follow(link("Audit log"), name{"navigation", "Main"})
		s.check("audit log")
		s.fill("Organization", strconv.Itoa(cedar.ID))
		s.follow(button("Filter"))
		rows := s.text(name{"table", "Submissions, newest first"})
		if !strings.Contains(rows, cedar.Name) || strings.Contains(rows, acme.Name) {
			t.Errorf("audit log filtered on organization %d shows %q", cedar.ID, rows)
		}
		s.check("audit log, filtered")
		s.follow(name{"link", ""}, name{"table", "Submissions, newest first"})
		if got := s.mainText(); !strings.Contains(got, cedar.Name) || !strings.Contains(got, `"contact_type"`) {
			t.Errorf("submission page says %q, want the organization and the request sent", got)
		}
		s.check("audit submission")
	})

	t.Run("export", func(t *testing.T) {
		s.t = t
		s.open("/audit")
		records, err := csv.NewReader(bytes.NewReader(s.download(link("Export CSV")))).ReadAll()
		if err != nil {
			t.Fatalf("Export CSV is not CSV: %v", err)
		}
		if len(records) < 2 || !strings.Contains(strings.Join(records[0], ","), "kind") {
			t.Errorf("Export CSV: %d records starting %q, want a header and events", len(records), records)
		}
		data := s.download(link("Export JSON"))
		events, err := decodeEvents(data)
		if err != nil {
			t.Fatalf("Export JSON: %v\n%.300s", err, data)
		}
		if len(events) == 0 {
			t.Errorf("Export JSON has no events: %.300s", data)
		}
	})

	t.Run("sign out", func(t *testing.T) {
		s.t = t
		s.follow(button("Sign out"))
		s.expectStatus("You have signed out.")
		s.check("signed out")
		s.open("/organizations/" + strconv.Itoa(acme.ID))
		if p := s.path(); !strings.HasPrefix(p, "/login") {
			t.Errorf("after sign-out an organization page went to %s, want the sign-in page", p)
		}
	})
}

// decodeEvents reads a JSON export: an array of events, or one event per
// line.
func decodeEvents(data []byte) ([]map[string]any, error) {
	var events []map[string]any
	if err := json.Unmarshal(data, &events); err == nil {
		return events, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var ev map[string]any
		if err := dec.Decode(&ev); err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}
