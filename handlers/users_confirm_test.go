package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/contactdesk/contactdesk/store"
)

// postForm is a form of a page that posts: where to, its CSRF token and
// the text of its submit button.
type postForm struct {
	Action, Token, Button string
}

// postForms lists the forms of page that post.
func postForms(t *testing.T, page string) []postForm {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse the page: %v", err)
	}
	var forms []postForm
	var inForm *postForm
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.DataAtom == atom.Form && attr(n, "method") == "post" {
			forms = append(forms, postForm{Action: attr(n, "action")})
			inForm = &forms[len(forms)-1]
			defer func() { inForm = nil }()
		}
		if inForm != nil {
			switch {
			case n.DataAtom == atom.Input && attr(n, "name") == "_csrf":
				inForm.Token = attr(n, "value")
			case n.DataAtom == atom.Button && attr(n, "type") == "submit":
				inForm.Button = strings.TrimSpace(readText(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return forms
}

// formTo returns the form of page that posts to action, failing the test
// when there is none.
func formTo(t *testing.T, page, action string) postForm {
	t.Helper()
	for _, f := range postForms(t, page) {
		if f.Action == action {
			return f
		}
	}
	t.Fatalf("no form posts to %s", action)
	return postForm{}
}

func hasFormTo(t *testing.T, page, action string) bool {
	t.Helper()
	for _, f := range postForms(t, page) {
		if f.Action == action {
			return true
		}
	}
	return false
}

// oneTimeLinkField is the read-only field a one-time link is shown in,
// with its label and the Copy button the script reveals.
var oneTimeLinkField = regexp.MustCompile(`<label for="one-time-link">One-time link</label><div class="copy-field__row"><input type="text" id="one-time-link" value="(https?://[^"]+/password\?token=[A-Za-z0-9_-]+)" readonly spellcheck="false" autocomplete="off">\s*<button type="button" class="secondary" data-copy="one-time-link" hidden>Copy link</button>`)

// TestDisableAndResetAskFirst: the user page links to a page that says
// what disabling the user, or resetting their password, will do, and
// asks; only its form, posted with the CSRF token, makes the change. The
// one-time link a reset gives is shown in a read-only field of its own.
func TestDisableAndResetAskFirst(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	ed := app.createUser("ed@example.com", store.RoleEditor)
	base := "/users/" + strconv.Itoa(ed.ID)
	user := func() store.User {
		t.Helper()
		u, err := app.Store.GetUser(ctx, ed.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	page := app.get(base)
	for _, action := range []string{base + "/disable", base + "/reset-password"} {
		if hasFormTo(t, page.Body, action) {
			t.Errorf("the user page posts to %s at once, without asking", action)
		}
		if !strings.Contains(page.Body, `href="`+action+`"`) {
			t.Errorf("the user page has no link to %s", action)
		}
	}

	for _, tt := range []struct {
		path, title, button string
		effects             []string
	}{
		{base + "/disable", "Disable Test editor?", "Disable Test editor", []string{
			"Test editor cannot sign in until an administrator enables them again.", "What they did stays in the audit log."}},
		{base + "/reset-password", "Reset the password of Test editor?", "Reset the password of Test editor", []string{
			"The password of Test editor stops working at once.", "You will be shown a new one-time link to send them."}},
	} {
		confirm := app.get(tt.path)
		if confirm.Status != http.StatusOK {
			t.Fatalf("GET %s: status %d, want the confirmation page", tt.path, confirm.Status)
		}
		for _, want := range []string{"<title>" + tt.title + " – Contact Desk</title>", "<h1>" + tt.title + "</h1>", "What will happen"} {
			if !strings.Contains(confirm.Body, want) {
				t.Errorf("%s lacks %q", tt.path, want)
			}
		}
		for _, want := range tt.effects {
			if !strings.Contains(confirm.Body, html.EscapeString(want)) {
				t.Errorf("%s does not say %q", tt.path, want)
			}
		}
		if f := formTo(t, confirm.Body, tt.path); f.Token != app.token() || f.Button != tt.button {
			t.Errorf("%s: the form has token %q and button %q, want the session's token and %q", tt.path, f.Token, f.Button, tt.button)
		}
		if !strings.Contains(confirm.Body, `<a href="`+base+`">Cancel</a>`) {
			t.Errorf("%s offers no way back to the user", tt.path)
		}
	}
	if u := user(); u.Disabled || !u.HasPassword() {
		t.Fatalf("the confirmation pages changed the user: %+v", u)
	}

	reset := formTo(t, app.get(base+"/reset-password").Body, base+"/reset-password")
	if r := app.post(reset.Action, url.Values{"_csrf": {reset.Token}}); r.Status != http.StatusSeeOther || user().HasPassword() {
		t.Fatalf("reset through the confirmation: status %d, has password %v", r.Status, user().HasPassword())
	}
	m := oneTimeLinkField.FindStringSubmatch(app.get(base).Body)
	if m == nil {
		t.Fatal("the user page after a reset shows no one-time link in a read-only field with a Copy button")
	}
	if r := app.browser().choosePassword(html.UnescapeString(m[1]), "a brand new secret"); r.Status != http.StatusSeeOther {
		t.Errorf("the link in the field does not work: status %d", r.Status)
	}

	disable := formTo(t, app.get(base+"/disable").Body, base+"/disable")
	if r := app.post(disable.Action, url.Values{"_csrf": {disable.Token}}); r.Status != http.StatusSeeOther || !user().Disabled {
		t.Fatalf("disable through the confirmation: status %d, disabled %v", r.Status, user().Disabled)
	}
	if r := app.get(base + "/disable"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != base {
		t.Errorf("asking to disable a disabled user: status %d to %q, want back to the user", r.Status, r.Header.Get("Location"))
	} else if page := app.get(base); !strings.Contains(page.Body, "Test editor is disabled already.") {
		t.Error("the user page does not say the user is disabled already")
	}

	self := "/users/" + strconv.Itoa(app.Admin.ID)
	for _, path := range []string{self + "/disable", self + "/reset-password"} {
		if r := app.get(path); r.Status != http.StatusSeeOther || r.Header.Get("Location") != self {
			t.Errorf("GET %s on one's own account: status %d to %q, want back with the refusal", path, r.Status, r.Header.Get("Location"))
		}
		if page := app.get(self); !strings.Contains(page.Body, "your own account") {
			t.Errorf("after GET %s the page does not say why not", path)
		}
	}
}

// TestInvitationLinkInItsOwnField: the link a new user chooses their
// password through is shown in a read-only field with a Copy button.
func TestInvitationLinkInItsOwnField(t *testing.T) {
	app := newTestApp(t)
	r := app.post("/users", url.Values{"_csrf": {app.token()}, "name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "role": {"auditor"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("add a user: status %d", r.Status)
	}
	page := app.get(r.Header.Get("Location"))
	if m := oneTimeLinkField.FindStringSubmatch(page.Body); m == nil {
		t.Fatal("the new user's page shows no one-time link in a read-only field with a Copy button")
	}
	if !strings.Contains(page.Body, "Send them the one-time link below") {
		t.Error("the message does not point to the link")
	}
}

// TestDeleteTeamAsksFirst: the team page links to a page that names who
// loses which organizations; only its form deletes the team.
func TestDeleteTeamAsksFirst(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	ctx := context.Background()
	org := app.Sandbox.Organizations()[0]
	_, team := app.teamEditor("ed@example.com", "Red", org.ID)
	path := "/teams/" + strconv.Itoa(team.ID)

	if page := app.get(path); hasFormTo(t, page.Body, path+"/delete") || !strings.Contains(page.Body, `href="`+path+`/delete"`) {
		t.Error("the team page deletes the team at once, or has no link to the confirmation")
	}
	confirm := app.get(path + "/delete")
	if confirm.Status != http.StatusOK {
		t.Fatalf("GET %s/delete: status %d, want the confirmation page", path, confirm.Status)
	}
	for _, want := range []string{"Delete the team Red?", "Test editor can no longer change or read the history of " + strings.TrimSuffix(org.Name, ".") + "."} {
		if !strings.Contains(confirm.Body, html.EscapeString(want)) {
			t.Errorf("the confirmation lacks %q", want)
		}
	}
	if _, err := app.Store.GetTeam(ctx, team.ID); err != nil {
		t.Fatalf("the confirmation page changed the team: %v", err)
	}
	f := formTo(t, confirm.Body, path+"/delete")
	if f.Button != "Delete the team Red" {
		t.Errorf("the button says %q", f.Button)
	}
	if r := app.post(f.Action, url.Values{"_csrf": {f.Token}}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/teams" {
		t.Fatalf("delete through the confirmation: status %d to %q", r.Status, r.Header.Get("Location"))
	}
	if _, err := app.Store.GetTeam(ctx, team.ID); err == nil {
		t.Error("the team still exists")
	}
}
