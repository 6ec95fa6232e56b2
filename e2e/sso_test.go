package e2e

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/internal/oidctest"
)

// TestSignInWithSSO has an admin map an identity provider group to a
// team, then a person sign in through the browser with the provider's
// login page and land on the organization list with the team's
// organizations; the admin makes them a maintainer of the team, whose
// page they then see. A person in no mapped group gets a page saying
// whom to ask.
func TestSignInWithSSO(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	idp, err := oidctest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := idp.Close(); err != nil {
			t.Errorf("close the identity provider: %v", err)
		}
	})
	const clientID, secret = "contact-desk", "e2e client secret"
	secretFile := filepath.Join(t.TempDir(), "oidc-secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := startAppWith(t, up,
		"CONTACTDESK_OIDC_ISSUER="+idp.Issuer,
		"CONTACTDESK_OIDC_CLIENT_ID="+clientID,
		"CONTACTDESK_OIDC_CLIENT_SECRET_FILE="+secretFile,
		"CONTACTDESK_PASSWORD_SIGNIN=admins",
	)
	idp.AddClient(clientID, secret, a.url+"/login/sso/callback")
	idp.AddUser(oidctest.User{Subject: "sub-ada", Username: "ada", Password: "ada's password", FirstName: "Ada", LastName: "Lovelace",
		Email: "ada@example.com", EmailVerified: true, Groups: []string{"cd-certificates", "everyone"}})
	idp.AddUser(oidctest.User{Subject: "sub-bob", Username: "bob", Password: "bob's password", FirstName: "Bob", LastName: "Stranger",
		Email: "bob@example.com", EmailVerified: true, Groups: []string{"marketing"}})

	admin := user{name: "Ari Admin", email: "ari@example.com", password: "admin passphrase here", role: "admin"}
	a.addUser(admin, "Certificates")
	a.addUser(user{name: "Carol Colleague", email: "carol@example.com", password: "carol passphrase here", role: "editor"}, "")
	acme := organization(t, up, "Acme Widgets, Inc.")
	other := organization(t, up, "Blue Harbor Logistics LLC")

	adm := a.newSession("admin")
	adm.signIn(admin)
	var teamPath string
	t.Run("admin maps a group to a team", func(t *testing.T) {
		adm.t = t
		adm.follow(link("Teams"), mainNav)
		adm.follow(link("Certificates"))
		team, err := url.Parse(adm.location())
		if err != nil {
			t.Fatal(err)
		}
		teamPath = team.Path
		adm.fillField(name{"searchbox", "Search organizations"}, "acme")
		adm.follow(button("Search"))
		adm.follow(button("Add " + acme.Name))

		adm.follow(link("Group mappings"), mainNav)
		adm.check("group mappings, none")
		adm.follow(button("Map group"))
		adm.check("group mappings, error")
		adm.fill("Group", "cd-certificates")
		adm.selectOption("Role", "Editor")
		adm.selectOption("Team (optional)", "Certificates")
		adm.follow(button("Map group"))
		if got := adm.text(name{"table", "1 mapping"}); !strings.Contains(got, "cd-certificates") || !strings.Contains(got, "Certificates") {
			t.Errorf("the mappings are %q", got)
		}
		adm.check("group mappings")
	})

	ada := a.newSession("ada")
	t.Run("a person signs in with the provider's login page", func(t *testing.T) {
		ada.t = t
		if status := ada.open("/login"); status != 200 {
			t.Fatalf("sign-in page: status %d", status)
		}
		ada.check("sign-in with SSO")
		ada.follow(button("Sign in with SSO"))
		if !strings.HasPrefix(ada.location(), idp.Issuer) {
			t.Fatalf("the button led to %s, not the identity provider", ada.location())
		}
		ada.fill("Username:", "ada")
		ada.fill("Password:", "ada's password")
		ada.follow(button("Login"))
		u, err := url.Parse(ada.location())
		if err != nil {
			t.Fatal(err)
		}
		if u.Path != "/organizations" {
			t.Fatalf("after signing in the browser is at %s, want the organization list", ada.location())
		}
		list := ada.mainText()
		if !strings.Contains(list, acme.Name) || strings.Contains(list, other.Name) {
			t.Errorf("the organization list shows %q, want the team's organization %s only", list, acme.Name)
		}
	})

	t.Run("admin makes them a maintainer", func(t *testing.T) {
		adm.t = t
		adm.open(teamPath)
		adm.selectOption("Maintainer", "Ada Lovelace (ada@example.com, Editor)")
		adm.follow(button("Add maintainer"))
		if got := adm.text(name{"table", "Maintainers"}); !strings.Contains(got, "Ada Lovelace") {
			t.Errorf("the maintainers are %q", got)
		}
		adm.check("team with a maintainer")
	})

	t.Run("the maintainer sees the team's page", func(t *testing.T) {
		ada.t = t
		ada.open("/account")
		ada.follow(link("Certificates"))
		if ada.has(button("Delete team")) || ada.has(button("Add maintainer")) {
			t.Error("the maintainer is offered what only admins do")
		}
		ada.check("team, as its maintainer")
		ada.selectOption("User", "Carol Colleague (carol@example.com, Editor)")
		ada.follow(button("Add member"))
		if got := ada.text(name{"table", "Members"}); !strings.Contains(got, "Carol Colleague") {
			t.Errorf("the members are %q, want Carol Colleague among them", got)
		}
	})

	t.Run("a person in no mapped group is refused", func(t *testing.T) {
		bob := a.newSession("bob")
		bob.t = t
		bob.open("/login")
		bob.follow(button("Sign in with SSO"))
		bob.fill("Username:", "bob")
		bob.fill("Password:", "bob's password")
		bob.follow(button("Login"))
		if !bob.has(name{"heading", "You are not in a group that may use Contact Desk"}) {
			t.Fatalf("no refusal page: %s", bob.mainText())
		}
		if text := bob.mainText(); !strings.Contains(text, "marketing") || !strings.Contains(text, admin.email) {
			t.Errorf("the refusal page does not list the groups and whom to ask: %q", text)
		}
		bob.check("sign-in refused, no mapped group")
	})
}
