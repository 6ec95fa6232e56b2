package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// TestFindAPerson has Grace Hopper become technical contact of two
// organizations in DigiCert, lets the directory read them, and has an
// admin find her by name on the People page, open her page and see both
// organizations; then the organization list finds them by her name, and
// the admin's Directory section shows the pass.
func TestFindAPerson(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	grace := sandbox.Contact{FirstName: "Grace", LastName: "Hopper", Email: "grace.hopper@navy.example", JobTitle: "Rear Admiral"}
	var hers []sandbox.Organization
	for _, name := range []string{"Acme Widgets, Inc.", "Blue Harbor Logistics LLC"} {
		o := organization(t, up, name)
		tc := grace
		o.TechnicalContact = &tc
		hers = append(hers, up.AddOrganization(o))
	}
	a := startApp(t, up)
	admin := user{name: "Ari Admin", email: "ari@example.com", password: "admin passphrase here", role: "admin"}
	a.addUser(admin, "")
	s := a.newSession("admin")
	s.signIn(admin)

	s.follow(link("People"), mainNav)
	// The directory reads the organizations in the background; new ones
	// first, within a few seconds.
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.fillField(name{"searchbox", "Search people"}, "grace hop")
		s.follow(button("Search"))
		if s.has(link("Grace Hopper")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Grace Hopper not found on the People page after 30 s: %s", s.mainText())
		}
		time.Sleep(500 * time.Millisecond)
	}
	s.check("people, search")
	s.follow(link("Grace Hopper"))
	if title := s.title(); !strings.HasPrefix(title, "Grace Hopper") {
		t.Errorf("person page title = %q, want it to start with Grace Hopper", title)
	}
	for _, o := range hers {
		if !s.has(link(o.Name)) {
			t.Errorf("Grace's page has no link to %s", o.Name)
		}
	}
	if text := s.mainText(); !strings.Contains(text, "Technical contact") || !strings.Contains(text, "Rear Admiral") {
		t.Errorf("Grace's page does not say she is technical contact, Rear Admiral: %q", text)
	}
	s.check("person")
	if status := s.follow(link(hers[1].Name)); status != 200 {
		t.Errorf("open %s from Grace's page: status %d", hers[1].Name, status)
	}

	s.follow(link("Organizations"), mainNav)
	s.fillField(name{"searchbox", "Search organizations"}, "grace")
	s.follow(button("Search"))
	if text := s.mainText(); !strings.Contains(text, "Matches the technical contact, Grace Hopper") || !strings.Contains(text, hers[0].Name) {
		t.Errorf("organization search for grace: %q", text)
	}
	s.check("organizations, contact search")

	s.follow(link("Directory"), mainNav)
	if !s.has(name{"progressbar", "Progress"}) || !s.has(button("Pause")) {
		t.Errorf("the Directory section lacks its progress bar or Pause: %q", s.mainText())
	}
	s.check("directory")
	s.follow(button("Pause"))
	s.expectStatus("paused")
	if !s.has(button("Resume")) {
		t.Error("no Resume after pausing")
	}
	s.check("directory, paused")
}
