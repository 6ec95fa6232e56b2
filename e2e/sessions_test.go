package e2e

import (
	"strings"
	"testing"
)

// TestSessions: a user sees their sessions on their account page and ends
// the others, which are signed out at their next page; an admin sees a
// user's sessions on the user's page.
func TestSessions(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	a := startApp(t, newUpstream(t))
	admin := user{name: "Ari Admin", email: "ari@example.com", password: "admin passphrase here", role: "admin"}
	editor := user{name: "Eddie Editor", email: "eddie@example.com", password: "editor passphrase here", role: "editor"}
	a.addUser(admin, "")
	a.addUser(editor, "")

	here := a.newSession("admin")
	here.signIn(admin)
	there := a.newSession("admin elsewhere")
	there.signIn(admin)
	ed := a.newSession("editor")
	ed.signIn(editor)

	here.follow(link(admin.name))
	sessions := name{"table", "Your sessions"}
	// One row per session: each shows the client's address once.
	if got := here.text(sessions); strings.Count(got, "127.0.0.1") != 2 || !strings.Contains(got, "Chrome on Linux (this device)") {
		t.Errorf("the sessions table says %q, want two Chrome sessions, this one marked", got)
	}
	here.check("account with two sessions")
	here.follow(button("End all other sessions"))
	here.expectStatus("Ended 1 other session.")
	if got := here.text(sessions); strings.Count(got, "127.0.0.1") != 1 {
		t.Errorf("after ending the others the table says %q, want this session only", got)
	}
	here.check("account, other sessions ended")

	there.open("/organizations")
	if !there.has(button("Sign in")) || !strings.Contains(there.bodyText(), "You have been signed out") {
		t.Errorf("the ended session's next page is %s, want the sign-in page saying so", there.location())
	}

	here.follow(name{"link", "Users"}, mainNav)
	here.follow(link(editor.name))
	if got := here.text(name{"table", "Sessions"}); !strings.Contains(got, "Chrome on Linux") || strings.Contains(got, "(this device)") {
		t.Errorf("the editor's sessions table says %q, want one Chrome session, not marked", got)
	}
	here.check("user with a session")
}
