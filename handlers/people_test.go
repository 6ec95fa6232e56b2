package handlers_test

import (
	"context"
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// person returns the directory's person with this email.
func (a *testApp) person(email string) store.Person {
	a.t.Helper()
	page, err := a.Store.SearchPeople(context.Background(), store.PeopleQuery{Search: email})
	if err != nil {
		a.t.Fatal(err)
	}
	for _, p := range page.People {
		if strings.EqualFold(p.Email, email) {
			return p
		}
	}
	a.t.Fatalf("no person %s in the directory", email)
	return store.Person{}
}

// readDirectory reads organizations into the directory, as its worker
// would.
func (a *testApp) readDirectory(orgs ...sandbox.Organization) {
	a.t.Helper()
	for _, o := range orgs {
		if _, err := a.Directory.ReadOrganization(context.Background(), o.ID); err != nil {
			a.t.Fatal(err)
		}
	}
}

// shareContact makes Grace Hopper the technical contact of both
// organizations, outside Contact Desk.
func shareContact(t *testing.T, app *testApp, orgs ...sandbox.Organization) {
	t.Helper()
	client, err := digicert.New(digicert.Config{BaseURL: app.SandboxURL, APIKey: "test-key", Windows: []digicert.RateWindow{}})
	if err != nil {
		t.Fatal(err)
	}
	grace := digicert.Contact{ContactType: digicert.TechnicalContact, FirstName: "Grace", LastName: "Hopper",
		Email: "grace.hopper@navy.example", JobTitle: "Rear Admiral"}
	for _, o := range orgs {
		if _, err := client.UpdateContacts(context.Background(), o.ID, []digicert.Contact{grace}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPeopleFindsAPersonAndTheirOrganizations(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	orgs := app.Sandbox.Organizations()
	shareContact(t, app, orgs[0], orgs[1])
	app.readDirectory(orgs[:3]...)

	r := app.get("/people?q=grace")
	if r.Status != http.StatusOK {
		t.Fatalf("people search: status %d", r.Status)
	}
	for _, want := range []string{"Grace Hopper", "grace.hopper@navy.example", orgs[0].Name, orgs[1].Name, "technical contact"} {
		if !strings.Contains(r.Body, htmlEscape(want)) {
			t.Errorf("people search for grace lacks %q", want)
		}
	}
	if strings.Contains(r.Body, htmlEscape(orgs[2].Name)) {
		t.Errorf("people search for grace lists %s, where she is no contact", orgs[2].Name)
	}
	grace := app.person("grace.hopper@navy.example")
	page := app.get("/people/" + itoa(grace.ID))
	if page.Status != http.StatusOK || !strings.Contains(page.Body, htmlEscape(orgs[1].Name)) || !strings.Contains(page.Body, "Rear Admiral") {
		t.Errorf("Grace's page: status %d, want 200 listing %s with her job title", page.Status, orgs[1].Name)
	}

	// The organization list finds her organizations by her name and says
	// which contact matched.
	list := app.get("/organizations?q=grace")
	if !strings.Contains(list.Body, htmlEscape(orgs[0].Name)) || !strings.Contains(list.Body, "Matches the technical contact, Grace Hopper") {
		t.Errorf("organization search for grace: want %s with the matching contact named", orgs[0].Name)
	}
	if strings.Contains(list.Body, "No organization matches") {
		t.Error("organization search for grace found nothing")
	}
}

// Editors see only their teams' organizations, on every new page and in
// the export.
func TestPeopleScopedToTheEditorsTeams(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	orgs := app.Sandbox.Organizations()
	shareContact(t, app, orgs[0], orgs[1])
	app.readDirectory(orgs[:3]...)
	editor, _ := app.teamEditor("editor@example.com", "Red", orgs[0].ID)
	grace := app.person("grace.hopper@navy.example")
	other := app.person(orgs[2].OrganizationContact.Email)

	list := editor.get("/people?q=grace")
	if !strings.Contains(list.Body, htmlEscape(orgs[0].Name)) || strings.Contains(list.Body, htmlEscape(orgs[1].Name)) {
		t.Errorf("editor's people search lists Grace's organizations beyond the team's")
	}
	if all := editor.get("/people"); strings.Contains(all.Body, htmlEscape(orgs[2].OrganizationContact.Email)) {
		t.Errorf("editor's people list shows %s, a contact only of another team's organization", orgs[2].OrganizationContact.Email)
	}
	page := editor.get("/people/" + itoa(grace.ID))
	if page.Status != http.StatusOK || strings.Contains(page.Body, htmlEscape(orgs[1].Name)) {
		t.Errorf("editor's view of Grace: status %d, or lists another team's organization", page.Status)
	}
	if r := editor.get("/people/" + itoa(other.ID)); r.Status != http.StatusNotFound {
		t.Errorf("editor opening a person of another team's organization: status %d, want 404", r.Status)
	}

	rows := exportRows(t, editor.get("/people/export"))
	for _, row := range rows[1:] {
		if row[2] != itoa(orgs[0].ID) {
			t.Errorf("editor's export holds organization %s, outside the team", row[2])
		}
	}
	if len(rows) < 3 {
		t.Errorf("editor's export has %d rows, want the header and both contacts of the team's organization", len(rows))
	}
	if rows := exportRows(t, app.get("/people/export?q=grace")); len(rows) != 3 {
		t.Errorf("admin's export of grace has %d rows, want the header and two organizations", len(rows))
	}

	orgList := editor.get("/organizations?q=grace")
	if strings.Contains(orgList.Body, htmlEscape(orgs[1].Name)) {
		t.Error("editor's organization search by contact lists another team's organization")
	}
}

func TestPeopleOutsideOurDomains(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	orgs := app.Sandbox.Organizations()
	shareContact(t, app, orgs[0])
	app.readDirectory(orgs[0])
	r := app.get("/people?outside=1")
	if !strings.Contains(r.Body, "grace.hopper@navy.example") {
		t.Error("contacts outside our domains: Grace (navy.example) missing")
	}
	if ours := orgs[0].OrganizationContact.Email; strings.Contains(r.Body, ours) {
		t.Errorf("contacts outside our domains lists %s, at acme-widgets.example, which is ours", ours)
	}
}

func TestOrganizationsWithoutTechnicalContact(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	var with, without sandbox.Organization
	for _, o := range app.Sandbox.Organizations() {
		if o.TechnicalContact == nil && without.ID == 0 {
			without = o
		}
		if o.TechnicalContact != nil && with.ID == 0 {
			with = o
		}
	}
	app.readDirectory(with, without)
	r := app.get("/organizations?technical=none")
	if !strings.Contains(r.Body, htmlEscape(without.Name)) || strings.Contains(r.Body, htmlEscape(with.Name)) {
		t.Errorf("filter without technical contact: want %s and not %s", without.Name, with.Name)
	}
	all := app.get("/organizations")
	if !strings.Contains(all.Body, "Not read yet") || !strings.Contains(all.Body, "Technical contact") {
		t.Error("organization list lacks the contact columns")
	}
}

func TestDirectoryAdminPauseAndResume(t *testing.T) {
	app := newTestApp(t, func(c *digicert.Config) { c.Windows = digicert.DefaultWindows() })
	app.sync()
	r := app.get("/directory")
	for _, want := range []string{"Organizations known", "0 of " + itoa(len(app.Sandbox.Organizations())), "Directory (background)", "Progress"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("directory page lacks %q", want)
		}
	}
	if r := app.post("/directory/pause", url.Values{"_csrf": {app.token()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("pause: status %d", r.Status)
	}
	if r := app.get("/directory"); !strings.Contains(r.Body, "Paused.") || !strings.Contains(r.Body, ">Resume</button>") {
		t.Error("after pausing, the page does not say paused and offer Resume")
	}
	if r := app.post("/directory/resume", url.Values{"_csrf": {app.token()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("resume: status %d", r.Status)
	}
	if r := app.get("/directory"); strings.Contains(r.Body, "Paused.") {
		t.Error("still paused after resuming")
	}
	if r := app.post("/directory/pause", url.Values{}); r.Status == http.StatusSeeOther {
		t.Error("pause without the form token was accepted")
	}
}

func TestOrganizationPageSaysWhatChangedOutside(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	org := app.Sandbox.Organizations()[0]
	app.readDirectory(org)
	shareContact(t, app, org)
	app.readDirectory(org)
	r := app.get("/organizations/" + itoa(org.ID))
	if !strings.Contains(r.Body, "Changed outside Contact Desk.") || !strings.Contains(r.Body, "Grace") {
		t.Error("organization page does not say its technical contact changed outside Contact Desk")
	}
	audit := app.get("/audit?outcome=changed_outside")
	if !strings.Contains(audit.Body, "Outside Contact Desk") || !strings.Contains(audit.Body, htmlEscape(org.Name)) {
		t.Error("audit log filtered by Changed outside does not list the change")
	}
	if !strings.Contains(app.get("/audit").Body, ">Changed outside</option>") {
		t.Error("the Outcome filter does not offer Changed outside")
	}
}

func exportRows(t *testing.T, r response) [][]string {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("export: status %d", r.Status)
	}
	rows, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func htmlEscape(s string) string { return html.EscapeString(s) }

func itoa(n int) string { return strconv.Itoa(n) }
