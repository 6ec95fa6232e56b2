package handlers_test

import (
	"html"
	"net/http"
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
	t.Run("changed, a kept contact no longer matching", func(t *testing.T) {
		s := newSetup(t)
		described := changeTelephone(s)
		form := prefilled(s.org, s.token)
		form.Set("basis", s.basis)
		form.Set("organization_contact.action", "update")
		form.Set("organization_contact.job_title", "Mine")
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
