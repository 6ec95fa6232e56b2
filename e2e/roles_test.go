package e2e

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	mainNav      = name{"navigation", "Main"}
	passwordLink = regexp.MustCompile(`http://\S+/password\?token=[A-Za-z0-9_\-]+`)
)

// TestRoles has an admin set up a team and an editor through the pages,
// then checks what an editor and an auditor may not do, typed URLs
// included.
func TestRoles(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	a := startApp(t, up)
	admin := user{name: "Ari Admin", email: "ari@example.com", password: "admin passphrase here", role: "admin"}
	auditor := user{name: "Aud Itor", email: "audit@example.com", password: "auditor passphrase here", role: "auditor"}
	editor := user{name: "Eddie Editor", email: "eddie@example.com", password: "editor passphrase here", role: "editor"}
	a.addUser(admin, "")
	a.addUser(auditor, "")
	acme := organization(t, up, "Acme Widgets, Inc.")
	other := organization(t, up, "Blue Harbor Logistics LLC")

	adm := a.newSession("admin")
	adm.signIn(admin)

	t.Run("admin sets up a team", func(t *testing.T) {
		adm.t = t
		adm.follow(link("Teams"), mainNav)
		adm.check("teams")
		adm.fill("Team name", "Certificates")
		adm.follow(button("Create team"))
		if !adm.has(name{"heading", "Certificates"}) {
			adm.follow(link("Certificates"))
		}
		adm.fillField(name{"searchbox", "Search organizations"}, "acme")
		adm.follow(button("Search"))
		adm.check("team, search")
		adm.follow(button("Add " + acme.Name))
		if got := adm.text(name{"table", "Organizations"}); !strings.Contains(got, acme.Name) {
			t.Errorf("the team's organizations are %q, want %s", got, acme.Name)
		}
		adm.check("team with an organization")
	})

	var pwLink string
	t.Run("admin adds an editor", func(t *testing.T) {
		adm.t = t
		adm.follow(name{"link", "Users"}, mainNav)
		adm.check("users")
		adm.follow(name{"link", "Add a user"})
		adm.check("new user")
		if status := adm.follow(button("Add user")); status != 422 {
			t.Errorf("add an empty user: status %d, want 422", status)
		}
		adm.expectErrorSummary(textbox("Name"), textbox("Email"))
		adm.check("new user, empty")
		adm.fill("Name", editor.name)
		adm.fill("Email", editor.email)
		adm.click(radio("Editor: changes the contacts of their teams' organizations"))
		adm.selectOption("Team (optional)", "Certificates")
		if status := adm.follow(button("Add user")); status != 200 {
			t.Fatalf("add user: status %d", status)
		}
		pwLink = passwordLink.FindString(adm.value(textbox("One-time link")))
		if pwLink == "" {
			t.Fatalf("no one-time password link in %q", adm.text(name{"status", ""}))
		}
		adm.check("user added")
	})

	ed := a.newSession("editor")
	t.Run("editor chooses a password and signs in", func(t *testing.T) {
		ed.t = t
		u, err := url.Parse(pwLink)
		if err != nil {
			t.Fatal(err)
		}
		ed.open(u.RequestURI())
		ed.check("choose password")
		ed.fill("New password", editor.password)
		ed.fill("Confirm new password", editor.password)
		ed.follow(button("Save password"))
		ed.expectStatus("Your password is saved")
		ed.check("password saved")
		ed.signIn(editor)
	})

	t.Run("what an editor may not do", func(t *testing.T) {
		ed.t = t
		ed.open("/organizations")
		if got := ed.text(name{"table", ""}); !strings.Contains(got, acme.Name) || strings.Contains(got, other.Name) {
			t.Errorf("an editor of Certificates sees %q, want only %s", got, acme.Name)
		}
		ed.check("organizations of an editor")
		for _, n := range []string{"Users", "Teams"} {
			if ed.has(name{"link", n}, mainNav) {
				t.Errorf("an editor's navigation offers %s", n)
			}
		}
		if status := ed.open("/organizations/" + strconv.Itoa(other.ID)); status != 403 {
			t.Errorf("an editor opening another team's organization: status %d, want 403", status)
		}
		ed.check("organization of another team")
		for _, path := range []string{"/users", "/teams", "/metrics"} {
			if status := ed.open(path); status != 403 {
				t.Errorf("an editor opening %s: status %d, want 403", path, status)
			}
		}
		ed.open("/organizations/" + strconv.Itoa(acme.ID))
		if !ed.has(button("Review changes")) {
			t.Errorf("an editor cannot change their own team's organization")
		}
		ed.follow(name{"link", editor.name})
		if got := ed.mainText(); !strings.Contains(got, "Certificates") || !strings.Contains(got, "Editor") {
			t.Errorf("the editor's account page says %q, want the role and the team", got)
		}
		ed.check("account of an editor")
		ed.follow(name{"link", "Audit log"}, mainNav)
		ed.check("audit log of an editor")
	})

	t.Run("what an auditor may not do", func(t *testing.T) {
		au := a.newSession("auditor")
		au.t = t
		au.signIn(auditor)
		if status := au.open("/organizations/" + strconv.Itoa(other.ID)); status != 200 {
			t.Errorf("an auditor opening an organization: status %d, want 200", status)
		}
		if au.has(button("Review changes")) || au.has(group("Organization contact")) {
			t.Errorf("an auditor is offered the change form")
		}
		au.check("organization, read-only")
		for _, path := range []string{"/users", "/teams", "/metrics"} {
			if status := au.open(path); status != 403 {
				t.Errorf("an auditor opening %s: status %d, want 403", path, status)
			}
		}
		au.open("/organizations")
		au.follow(name{"link", "Audit log"}, mainNav)
		au.check("audit log of an auditor")
	})

	t.Run("metrics for admins", func(t *testing.T) {
		adm.t = t
		if status := adm.open("/metrics"); status != 200 {
			t.Fatalf("an admin opening /metrics: status %d, want 200", status)
		}
		text := adm.bodyText()
		for _, want := range []string{`contactdesk_http_requests_total{code="200",method="GET",route="/organizations"}`, `contactdesk_digicert_calls_total{method="GET",outcome="success"}`, "contactdesk_sandbox_mode 0"} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics has no %q", want)
			}
		}
	})
}
