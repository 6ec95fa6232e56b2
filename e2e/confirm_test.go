package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// allowClipboard lets the session's pages write and read the clipboard,
// as a person allows it by clicking.
func (s *session) allowClipboard() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.ctx, actionTimeout)
	defer cancel()
	for _, permission := range []string{"clipboard-write", "clipboard-read"} {
		_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission:       &browser.PermissionDescriptor{Name: permission},
			Setting:          browser.PermissionSettingGranted,
			Origin:           s.app.url,
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID,
		})
		if err != nil {
			s.t.Fatalf("allow %s: %v", permission, err)
		}
	}
}

var oneTimeLink = textbox("One-time link")

// TestDestructiveActionsAskFirst resets a password, disables a user and
// deletes a team through the pages: each asks first, naming what will
// happen, and the one-time link a reset gives is shown in a field of its
// own with a Copy button, or, without JavaScript, a field to select.
func TestDestructiveActionsAskFirst(t *testing.T) {
	requireSuite(t)
	t.Parallel()
	up := newUpstream(t)
	a := startApp(t, up)
	admin := user{name: "Ari Admin", email: "ari@example.com", password: "admin passphrase here", role: "admin"}
	editor := user{name: "Eddie Editor", email: "eddie@example.com", password: "editor passphrase here", role: "editor"}
	a.addUser(admin, "")
	a.addUser(editor, "Certificates")
	acme := organization(t, up, "Acme Widgets, Inc.")
	adm := a.newSession("admin")
	adm.signIn(admin)
	adm.allowClipboard()

	t.Run("reset a password", func(t *testing.T) {
		adm.t = t
		adm.follow(link("Users"), mainNav)
		adm.follow(link(editor.name))
		adm.follow(link("Reset password"))
		if got := adm.mainText(); !strings.Contains(got, "The password of Eddie Editor stops working at once.") {
			t.Errorf("the confirmation does not say what will happen:\n%s", got)
		}
		adm.check("confirm, reset password")
		adm.follow(button("Reset the password of " + editor.name))
		adm.expectStatus("Send them the one-time link below")
		pw := adm.value(oneTimeLink)
		if !passwordLink.MatchString(pw) {
			t.Fatalf("the One-time link field holds %q, want a password link", pw)
		}
		if !evaluate[bool](adm, `document.getElementById("one-time-link").readOnly`) {
			t.Error("the one-time link's field is not read-only")
		}
		adm.click(button("Copy link"))
		adm.expectStatus("Link copied.")
		if got := evaluate[string](adm, `navigator.clipboard.readText()`); got != pw {
			t.Errorf("the clipboard holds %q, want the link %q", got, pw)
		}
		adm.check("user, one-time link")
	})

	t.Run("disable a user", func(t *testing.T) {
		adm.t = t
		adm.follow(link("Disable user"))
		if got := adm.mainText(); !strings.Contains(got, "Eddie Editor cannot sign in until an administrator enables them again.") ||
			!strings.Contains(got, "They stay a member of Certificates") {
			t.Errorf("the confirmation does not say what will happen:\n%s", got)
		}
		adm.check("confirm, disable user")
		adm.follow(link("Cancel"))
		if !adm.has(link("Disable user")) {
			t.Fatal("Cancel did not go back to the user, still enabled")
		}
		adm.follow(link("Disable user"))
		adm.follow(button("Disable " + editor.name))
		adm.expectStatus("Eddie Editor is disabled and signed out everywhere.")
	})

	t.Run("delete a team", func(t *testing.T) {
		adm.t = t
		adm.follow(link("Teams"), mainNav)
		adm.follow(link("Certificates"))
		adm.fillField(name{"searchbox", "Search organizations"}, "acme")
		adm.follow(button("Search"))
		adm.follow(button("Add " + acme.Name))
		adm.follow(link("Delete team"))
		if got := adm.mainText(); !strings.Contains(got, "Eddie Editor can no longer change or read the history of "+strings.TrimSuffix(acme.Name, ".")+".") {
			t.Errorf("the confirmation does not name who loses what:\n%s", got)
		}
		adm.check("confirm, delete team")
		adm.follow(button("Delete the team Certificates"))
		adm.expectStatus("Deleted the team Certificates.")
	})

	t.Run("a one-time link without JavaScript", func(t *testing.T) {
		ns := a.newSession("admin, no scripts")
		ns.t = t
		ns.withoutScripts(true)
		ns.signIn(admin)
		ns.follow(link("Users"), mainNav)
		ns.follow(link(editor.name))
		ns.follow(link("Reset password"))
		ns.follow(button("Reset the password of " + editor.name))
		if pw := ns.value(oneTimeLink); !passwordLink.MatchString(pw) {
			t.Errorf("without JavaScript the One-time link field holds %q", pw)
		}
		if _, err := url.Parse(ns.value(oneTimeLink)); err != nil {
			t.Errorf("the link does not parse: %v", err)
		}
		if ns.has(button("Copy link")) {
			t.Error("without JavaScript a Copy button that cannot work is shown")
		}
		ns.checkWithoutScripts("user, one-time link without JavaScript")
	})
}
