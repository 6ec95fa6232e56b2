package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
)

var basisInput = regexp.MustCompile(`<input type="hidden" name="basis" value="([^"]*)">`)

// fingerprintOf is the fingerprint of the organization's contacts as the
// sandbox holds them.
func fingerprintOf(o sandbox.Organization) string {
	existing := func(c *sandbox.Contact) *digicert.ExistingContact {
		if c == nil {
			return nil
		}
		return &digicert.ExistingContact{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email,
			JobTitle: c.JobTitle, Telephone: c.Telephone, TelephoneExtension: c.TelephoneExtension, LanguageID: c.LanguageID}
	}
	return contacts.Fingerprint(contacts.Current{Organization: existing(&o.OrganizationContact), Technical: existing(o.TechnicalContact)})
}

const changedSinceLoad = "The contacts changed in DigiCert after this form was loaded"

func TestChangeFormCarriesBasis(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	path := "/organizations/" + strconv.Itoa(org.ID)
	page := app.get(path)
	m := basisInput.FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("the form has no basis")
	}
	if want := fingerprintOf(org); m[1] != want {
		t.Errorf("basis %s, want the fingerprint of the contacts shown, %s", m[1], want)
	}

	// Back to edit from a review keeps the basis the form was loaded with,
	// even once the contacts have changed.
	form := prefilled(org, csrfInput.FindStringSubmatch(page.Body)[1])
	form.Set("basis", m[1])
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "Mine")
	r, _ := app.review(org.ID, form)
	back := regexp.MustCompile(`href="(/organizations/\d+\?draft=[0-9a-f]+)"`).FindStringSubmatch(r.Body)
	if back == nil {
		t.Fatalf("review: status %d, no Back to edit link", r.Status)
	}
	app.setTechnicalJobTitle(org.ID, "Changed at DigiCert")
	edit := app.get(html.UnescapeString(back[1]))
	if got := basisInput.FindStringSubmatch(edit.Body); got == nil || got[1] != m[1] {
		t.Errorf("Back to edit: basis %v, want %s", got, m[1])
	}
}

func TestReviewWarnsWhenContactsChangedSinceLoad(t *testing.T) {
	type setup struct {
		app   *testApp
		org   sandbox.Organization
		token string
		basis string
	}
	newSetup := func(t *testing.T) setup {
		app := newTestApp(t)
		org := orgWithTechnical(t, app.Sandbox)
		page := app.get("/organizations/" + strconv.Itoa(org.ID))
		m := basisInput.FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatal("the form has no basis")
		}
		return setup{app: app, org: org, token: csrfInput.FindStringSubmatch(page.Body)[1], basis: m[1]}
	}
	// changeTelephone changes the technical contact's telephone in the
	// sandbox directly, and returns the sentence that describes it.
	changeTelephone := func(s setup) string {
		o, _ := s.app.Sandbox.Organization(s.org.ID)
		o.TechnicalContact.Telephone = "+1 555 0199"
		s.app.Sandbox.AddOrganization(o)
		return html.EscapeString("The technical contact's telephone changed from " + s.org.TechnicalContact.Telephone + " to +1 555 0199")
	}

	t.Run("changed, review valid", func(t *testing.T) {
		s := newSetup(t)
		described := changeTelephone(s)
		form := prefilled(s.org, s.token)
		form.Set("basis", s.basis)
		form.Set("technical_contact.action", "update")
		form.Set("technical_contact.job_title", "Mine")
		r, _ := s.app.review(s.org.ID, form)
		if r.Status != http.StatusOK {
			t.Fatalf("review: status %d, want 200", r.Status)
		}
		for _, want := range []string{changedSinceLoad, "<li>" + described + "</li>", ">Send to DigiCert</button>"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
	})
	t.Run("changed, a kept contact changed elsewhere is not taken for an edit", func(t *testing.T) {
		s := newSetup(t)
		described := changeTelephone(s)
		form := prefilled(s.org, s.token)
		form.Set("basis", s.basis)
		form.Set("organization_contact.action", "update")
		form.Set("organization_contact.job_title", "Mine")
		r, _ := s.app.review(s.org.ID, form)
		if r.Status != http.StatusOK {
			t.Fatalf("review: status %d, want 200", r.Status)
		}
		for _, want := range []string{changedSinceLoad, "<li>" + described + "</li>", ">Send to DigiCert</button>"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, "chose Keep as is") || strings.Contains(r.Body, "technical_contact&#34;") {
			t.Error("the review takes the technical contact, changed elsewhere, for an edit")
		}
	})
	t.Run("changed, a kept contact edited too", func(t *testing.T) {
		s := newSetup(t)
		described := changeTelephone(s)
		form := prefilled(s.org, s.token)
		form.Set("basis", s.basis)
		form.Set("organization_contact.action", "update")
		form.Set("organization_contact.job_title", "Mine")
		form.Set("technical_contact.job_title", "Edited but kept")
		r := s.app.post("/organizations/"+strconv.Itoa(s.org.ID)+"/review", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("review: status %d, want 422", r.Status)
		}
		for _, want := range []string{changedSinceLoad, "<p>" + described + "</p>", "chose Keep as is"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("edit page lacks %q", want)
			}
		}
		if got := basisInput.FindStringSubmatch(r.Body); got == nil || got[1] != s.basis {
			t.Errorf("the form shown again: basis %v, want %s", got, s.basis)
		}
	})
	for _, tt := range []struct {
		name    string
		basis   func(s setup) string
		changed bool
	}{
		{"unchanged", func(s setup) string { return s.basis }, false},
		{"absent", func(setup) string { return "" }, true},
		{"malformed", func(setup) string { return "<not a fingerprint>" }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSetup(t)
			if tt.changed {
				changeTelephone(s)
			}
			form := prefilled(s.org, s.token)
			if b := tt.basis(s); b != "" {
				form.Set("basis", b)
			}
			form.Set("technical_contact.action", "update")
			form.Set("technical_contact.job_title", "Mine")
			r, _ := s.app.review(s.org.ID, form)
			if r.Status != http.StatusOK {
				t.Fatalf("review: status %d, want 200", r.Status)
			}
			if strings.Contains(r.Body, changedSinceLoad) {
				t.Error("review page warns that the contacts changed")
			}
		})
	}
}

// rebasedSentence is what the review page says when fields the user did
// not change were given DigiCert's current values.
const rebasedSentence = "Fields you did not change now carry DigiCert's current values."

func TestReviewRebasesOntoContactsChangedSinceLoad(t *testing.T) {
	const (
		newTitle     = "Head of PKI"
		newTelephone = "+1 555 0123"
	)
	// start loads the organization's page, then changes the technical
	// contact's job title at DigiCert, and returns the form as the page
	// prefilled it, with the technical contact on Update.
	start := func(t *testing.T) (*testApp, sandbox.Organization, url.Values) {
		app := newTestApp(t)
		org := orgWithTechnical(t, app.Sandbox)
		page := app.get("/organizations/" + strconv.Itoa(org.ID))
		m := basisInput.FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatal("the form has no basis")
		}
		app.setTechnicalJobTitle(org.ID, newTitle)
		form := prefilled(org, csrfInput.FindStringSubmatch(page.Body)[1])
		form.Set("basis", m[1])
		form.Set("technical_contact.action", "update")
		return app, org, form
	}
	// body is the exact request body for the technical contact with this
	// job title and telephone, as the page shows it.
	body := func(t *testing.T, org sandbox.Organization, jobTitle, telephone string) string {
		tc := org.TechnicalContact
		b, err := digicert.EncodeContacts([]digicert.Contact{{FirstName: tc.FirstName, LastName: tc.LastName, Email: tc.Email,
			JobTitle: jobTitle, Telephone: telephone, TelephoneExtension: tc.TelephoneExtension, LanguageID: tc.LanguageID,
			ContactType: digicert.TechnicalContact}})
		if err != nil {
			t.Fatalf("EncodeContacts: %v", err)
		}
		return html.EscapeString(string(b))
	}
	inputValue := func(page, id string) string {
		input := regexp.MustCompile(`<input[^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(page)
		m := regexp.MustCompile(`value="([^"]*)"`).FindStringSubmatch(input)
		if m == nil {
			return ""
		}
		return html.UnescapeString(m[1])
	}

	t.Run("only the telephone changed on the form", func(t *testing.T) {
		app, org, form := start(t)
		form.Set("technical_contact.telephone", newTelephone)
		r, send := app.review(org.ID, form)
		if r.Status != http.StatusOK {
			t.Fatalf("review: status %d, want 200", r.Status)
		}
		changed := html.EscapeString("The technical contact's job title changed from " + org.TechnicalContact.JobTitle + " to " + newTitle)
		for _, want := range []string{changedSinceLoad, "<li>" + changed + "</li>", rebasedSentence, body(t, org, newTitle, newTelephone)} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, "You and someone else") {
			t.Error("review page reports a conflict; want none")
		}

		// Back to edit shows the rebased form, with the current contacts
		// as its basis.
		back := regexp.MustCompile(`href="(/organizations/\d+\?draft=[0-9a-f]+)"`).FindStringSubmatch(r.Body)
		if back == nil {
			t.Fatal("review: no Back to edit link")
		}
		edit := app.get(html.UnescapeString(back[1]))
		now, _ := app.Sandbox.Organization(org.ID)
		if got := basisInput.FindStringSubmatch(edit.Body); got == nil || got[1] != fingerprintOf(now) {
			t.Errorf("Back to edit: basis %v, want the fingerprint of the contacts now, %s", got, fingerprintOf(now))
		}
		for id, want := range map[string]string{"technical_contact.job_title": newTitle, "technical_contact.telephone": newTelephone} {
			if got := inputValue(edit.Body, id); got != want {
				t.Errorf("Back to edit: %s holds %q, want %q", id, got, want)
			}
		}

		// Reviewed again from there, the change raises no warning.
		again := prefilled(now, form.Get("_csrf"))
		again.Set("basis", fingerprintOf(now))
		again.Set("technical_contact.action", "update")
		again.Set("technical_contact.telephone", newTelephone)
		r2, _ := app.review(org.ID, again)
		if r2.Status != http.StatusOK {
			t.Fatalf("second review: status %d, want 200", r2.Status)
		}
		if strings.Contains(r2.Body, changedSinceLoad) || strings.Contains(r2.Body, rebasedSentence) {
			t.Error("second review warns that the contacts changed")
		}
		if want := body(t, org, newTitle, newTelephone); !strings.Contains(r2.Body, want) {
			t.Errorf("second review lacks the body %q", want)
		}

		// Sent, DigiCert keeps the new job title and takes the telephone.
		if res := app.post("/organizations/"+strconv.Itoa(org.ID)+"/send", send); res.Status != http.StatusSeeOther {
			t.Fatalf("send: status %d, want 303", res.Status)
		}
		after, _ := app.Sandbox.Organization(org.ID)
		if tc := after.TechnicalContact; tc == nil || tc.JobTitle != newTitle || tc.Telephone != newTelephone {
			t.Errorf("technical contact after the send: got %+v, want job title %q and telephone %q", tc, newTitle, newTelephone)
		}
	})
	t.Run("the job title changed on the form too", func(t *testing.T) {
		app, org, form := start(t)
		form.Set("technical_contact.job_title", "Mine")
		form.Set("technical_contact.telephone", newTelephone)
		r, _ := app.review(org.ID, form)
		if r.Status != http.StatusOK {
			t.Fatalf("review: status %d, want 200", r.Status)
		}
		conflict := html.EscapeString("You and someone else both changed the technical contact's job title: your value, Mine, will be sent.")
		for _, want := range []string{changedSinceLoad, "<li>" + conflict + "</li>", body(t, org, "Mine", newTelephone)} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("review page lacks %q", want)
			}
		}
		if strings.Contains(r.Body, rebasedSentence) {
			t.Error("review page says fields were given current values; none were")
		}
	})
}

// TestStaleSendRebases checks that a send refused because the contacts
// changed after the review shows the review again planned from DigiCert's
// current values for the fields the user did not change, and that the
// next send sends exactly that.
func TestStaleSendRebases(t *testing.T) {
	const (
		newTitle     = "Head of PKI"
		newTelephone = "+1 555 0123"
	)
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	page := app.get("/organizations/" + strconv.Itoa(org.ID))
	form := prefilled(org, csrfInput.FindStringSubmatch(page.Body)[1])
	form.Set("basis", basisInput.FindStringSubmatch(page.Body)[1])
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.telephone", newTelephone)
	if r, _ := app.review(org.ID, form); r.Status != http.StatusOK || strings.Contains(r.Body, changedSinceLoad) {
		t.Fatalf("review: status %d, want 200 without a warning", r.Status)
	}
	r, send := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d", r.Status)
	}

	// Someone changes the job title at DigiCert between review and send.
	app.setTechnicalJobTitle(org.ID, newTitle)
	stale := app.post("/organizations/"+strconv.Itoa(org.ID)+"/send", send)
	if stale.Status != http.StatusConflict {
		t.Fatalf("send after a change at DigiCert: status %d, want 409", stale.Status)
	}
	tc := org.TechnicalContact
	want, err := digicert.EncodeContacts([]digicert.Contact{{FirstName: tc.FirstName, LastName: tc.LastName, Email: tc.Email,
		JobTitle: newTitle, Telephone: newTelephone, TelephoneExtension: tc.TelephoneExtension, LanguageID: tc.LanguageID,
		ContactType: digicert.TechnicalContact}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{rebasedSentence, html.EscapeString(string(want))} {
		if !strings.Contains(stale.Body, s) {
			t.Errorf("the review shown again lacks %q", s)
		}
	}
	if after, _ := app.Sandbox.Organization(org.ID); after.TechnicalContact.Telephone == newTelephone {
		t.Fatal("a stale send was sent")
	}

	// Sending from the review shown again sends what it shows.
	again := url.Values{"_csrf": send["_csrf"]}
	again.Set("draft", draftInput.FindStringSubmatch(stale.Body)[1])
	again.Set("fingerprint", fingerprintInput.FindStringSubmatch(stale.Body)[1])
	if res := app.post("/organizations/"+strconv.Itoa(org.ID)+"/send", again); res.Status != http.StatusSeeOther {
		t.Fatalf("second send: status %d, want 303", res.Status)
	}
	after, _ := app.Sandbox.Organization(org.ID)
	if got := after.TechnicalContact; got.JobTitle != newTitle || got.Telephone != newTelephone {
		t.Errorf("technical contact after the second send: job title %q, telephone %q; want %q, %q", got.JobTitle, got.Telephone, newTitle, newTelephone)
	}
}
