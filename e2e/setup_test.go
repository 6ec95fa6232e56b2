package e2e

import (
	"net/url"
	"strings"
	"testing"
)

// TestFirstRunInSandboxMode starts the portal as a new operator would:
// no API key (sandbox mode, with its banner), no users, the setup link from
// the log. The first admin is created through it and makes a first change.
func TestFirstRunInSandboxMode(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	a := startApp(t, nil)
	setup, err := url.Parse(a.setupLink())
	if err != nil {
		t.Fatal(err)
	}
	admin := user{name: "Ada Admin", email: "ada@example.com", password: "correct horse battery staple", role: "admin"}

	s := a.newSession("admin")
	if status := s.open(setup.RequestURI()); status != 200 {
		t.Fatalf("setup link: status %d, want 200", status)
	}
	s.check("setup")
	if !strings.Contains(s.bodyText(), "Sandbox mode.") {
		t.Errorf("no sandbox banner on the setup page")
	}

	// A mistyped confirmation: the form comes back with the GOV.UK error
	// summary, focused, and the values typed kept (but passwords).
	s.fill("Name", admin.name)
	s.fill("Email", admin.email)
	s.fill("Password", admin.password)
	s.fill("Confirm password", admin.password+"x")
	if status := s.follow(button("Create administrator")); status != 422 {
		t.Errorf("mismatched passwords: status %d, want 422", status)
	}
	s.expectErrorSummary(textbox("Confirm password"))
	if got := s.value(textbox("Name")); got != admin.name {
		t.Errorf("Name after the error = %q, want %q", got, admin.name)
	}
	s.check("setup, passwords differ")

	s.fill("Password", admin.password)
	s.fill("Confirm password", admin.password)
	if status := s.follow(button("Create administrator")); status != 200 {
		t.Fatalf("create the first admin: status %d, want 200", status)
	}
	s.expectStatus("administrator account is ready")
	s.check("users after setup")

	// A first change, through the built-in emulator.
	s.follow(link("Organizations"), mainNav)
	if !strings.Contains(s.bodyText(), "Sandbox mode.") {
		t.Errorf("no sandbox banner on the organizations page")
	}
	s.fillField(name{"searchbox", "Search organizations"}, "Hudson")
	s.follow(button("Search"))
	s.follow(link("Hudson Software Group, Inc."))
	s.click(radio("Update"), techContact)
	s.fill("Telephone extension", "456", techContact)
	s.follow(button("Review changes"))
	s.check("review in sandbox mode")
	s.follow(button("Send to DigiCert"))
	s.expectStatus("DigiCert accepted the change")
	s.click(radio("Update"), techContact) // shows the contact's own fields
	if got := s.value(textbox("Telephone extension"), techContact); got != "456" {
		t.Errorf("after the change the form shows extension %q, want 456 read back from the emulator", got)
	}
	s.check("organization after a change in sandbox mode")

	// The link works once.
	other := a.newSession("stranger")
	if status := other.open(setup.RequestURI()); status != 404 {
		t.Errorf("setup link used again: status %d, want 404", status)
	}
	other.check("setup link used")

	// The checks themselves must see problems: break the page on purpose.
	evaluate[bool](other, `(() => {
		const main = document.querySelector('main');
		main.append(document.createElement('input'));
		const faint = document.createElement('p');
		faint.textContent = 'faint';
		faint.style.color = '#bbb';
		faint.style.background = '#fff';
		main.append(faint);
		return true;
	})()`)
	found := map[string]bool{}
	for _, v := range other.runAxe("broken on purpose").Violations {
		found[v.ID] = true
	}
	for _, rule := range []string{"label", "color-contrast"} {
		if !found[rule] {
			t.Errorf("axe-core did not report %q on a page broken on purpose; it found %v", rule, found)
		}
	}
	// An inline script is refused by the CSP, and the refusal is caught.
	evaluate[bool](other, `(() => {
		const s = document.createElement('script');
		s.textContent = 'document.title = "injected"';
		document.body.append(s);
		return true;
	})()`)
	var seen string
	waitFor(t, "the CSP violation to be reported", func() bool {
		seen += other.problems.take()
		return strings.Contains(seen, "CSP violation")
	})
	if title := other.title(); title == "injected" {
		t.Errorf("an inline script ran despite the CSP")
	}
}
