package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// TestBulkReplaceEverywhere has Lena Leaver be the technical contact of
// three organizations, and an admin replace her everywhere from her page:
// the form (refused once without an email), the review, Start, the
// progress followed by the page's script until the job finishes, the
// audit log filtered by the job, and the restore of one submission. Every
// page and state is checked with axe-core, light and dark, and on a phone.
func TestBulkReplaceEverywhere(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	lena := sandbox.Contact{FirstName: "Lena", LastName: "Leaver", Email: "lena.leaver@example.com", JobTitle: "SRE", LanguageID: "1"}
	var hers []sandbox.Organization
	for _, orgName := range []string{"Acme Widgets, Inc.", "Blue Harbor Logistics LLC", "Cedar Ridge Health Partners"} {
		o := organization(t, up, orgName)
		tc := lena
		o.TechnicalContact = &tc
		hers = append(hers, up.AddOrganization(o))
	}
	a := startApp(t, up)
	admin := user{name: "Ari Admin", email: "ari@example.com", password: "admin passphrase here", role: "admin"}
	a.addUser(admin, "")
	s := a.newSession("admin")
	s.signIn(admin)

	s.follow(link("People"), mainNav)
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.fillField(name{"searchbox", "Search people"}, "lena leaver")
		s.follow(button("Search"))
		if s.has(link("Lena Leaver")) && strings.Contains(s.mainText(), hers[2].Name) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Lena Leaver not found in her three organizations after 30 s: %s", s.mainText())
		}
		time.Sleep(500 * time.Millisecond)
	}
	s.follow(link("Lena Leaver"))
	s.follow(link("Replace or remove everywhere"))
	for _, o := range hers {
		if !s.checked(name{"checkbox", o.Name + " (technical contact)"}) {
			t.Errorf("the form does not tick %s", o.Name)
		}
	}
	s.check("bulk form")

	technical := group("Where Lena Leaver is the technical contact")
	replacement := group("Who replaces the technical contact")
	s.click(radio("Replace with someone else"), technical)
	s.fill("First name", "Nora", replacement)
	s.fill("Last name", "Newcomb", replacement)
	if status := s.follow(button("Review bulk change")); status != http.StatusUnprocessableEntity {
		t.Fatalf("review without an email: status %d, want 422", status)
	}
	s.expectErrorSummary(textbox("Email"))
	s.check("bulk form, errors")
	s.fill("Email", "nora.newcomb@example.com", replacement)
	s.follow(button("Review bulk change"))
	if title := s.title(); !strings.HasPrefix(title, "Review bulk change") {
		t.Fatalf("after Review bulk change the title is %q", title)
	}
	if text := s.mainText(); !strings.Contains(text, "Lena Leaver (lena.leaver@example.com) replaced by Nora Newcomb (nora.newcomb@example.com)") {
		t.Errorf("the review does not say who replaces whom: %q", text)
	}
	s.check("bulk review")

	// DigiCert answers each change slowly, so that the job is seen
	// running.
	up.InjectFault(sandbox.Fault{Method: http.MethodPut, Count: len(hers), Latency: 5 * time.Second})
	s.follow(button("Start"))
	if !s.has(name{"progressbar", "Progress"}) || !s.has(button("Pause")) || !s.has(button("Cancel")) {
		t.Fatalf("the running job's page lacks its Progress bar, Pause or Cancel: %q", s.mainText())
	}
	s.check("bulk job, running")
	// The page's script follows the job and reloads once it has finished.
	deadline = time.Now().Add(time.Minute)
	for !s.has(button("Restore all")) {
		if time.Now().After(deadline) {
			t.Fatalf("the job's page did not show it finished within a minute: %q", s.mainText())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if text := s.mainText(); !strings.Contains(text, "3 of 3 organizations have their outcome") {
		t.Errorf("the finished job's page: %q", text)
	}
	s.check("bulk job, finished")
	for _, o := range hers {
		if got := current(t, up, o.ID).TechnicalContact; got == nil || got.Email != "nora.newcomb@example.com" {
			t.Errorf("%s: technical contact %+v, want Nora Newcomb", o.Name, got)
		}
	}

	s.follow(link("Audit log of this job"))
	table := name{"table", "Submissions, newest first"}
	if n := strings.Count(s.text(table), "Bulk change"); n != len(hers) {
		t.Errorf("the audit log filtered by the job lists %d submissions of it, want %d", n, len(hers))
	}
	s.check("audit log, filtered by job")
	s.follow(name{"link", ""}, table)
	s.follow(link("Restore previous contacts"))
	if text := s.mainText(); !strings.Contains(text, "the contacts as they were before") {
		t.Errorf("the restore form does not say what it holds: %q", text)
	}
	s.check("organization, restore form")
	s.follow(button("Review changes"))
	s.follow(button("Send to DigiCert"))
	restored := 0
	for _, o := range hers {
		if tc := current(t, up, o.ID).TechnicalContact; tc != nil && tc.Email == lena.Email {
			restored++
		}
	}
	if restored != 1 {
		t.Errorf("%d organizations have Lena back, want the one restored", restored)
	}
	s.follow(link("Bulk changes"), mainNav)
	if !s.has(link("1: Replace Lena Leaver everywhere")) {
		t.Errorf("the list of bulk changes lacks the job: %q", s.mainText())
	}
	s.check("bulk changes")
}
