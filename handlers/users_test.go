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
	"time"

	"github.com/contactdesk/contactdesk/store"
)

var passwordLink = regexp.MustCompile(`https?://[^\s"<]+/password\?token=[A-Za-z0-9_-]+`)

// choosePassword opens a one-time link in browser b and chooses password.
func (a *testApp) choosePassword(link, password string) response {
	a.t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		a.t.Fatal(err)
	}
	page := a.get(u.RequestURI())
	if page.Status != http.StatusOK {
		return page
	}
	return a.post("/password", url.Values{
		"_csrf": {a.csrf(u.RequestURI())}, "token": {u.Query().Get("token")},
		"password": {password}, "confirm": {password},
	})
}

func TestCreateUserAndChoosePassword(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	team, err := app.Store.CreateTeam(ctx, "Red", fixtureEvent[store.Team](store.AuditTeamChanged))
	if err != nil {
		t.Fatal(err)
	}

	form := app.get("/users/new")
	for _, want := range []string{`<label for="name">Name</label>`, `<label for="email">Email</label>`, "<legend>Role</legend>", `<label for="team">Team (optional)</label>`, ">Add user</button>", "novalidate"} {
		if !strings.Contains(form.Body, want) {
			t.Errorf("add user form lacks %s", want)
		}
	}
	r := app.post("/users", url.Values{"_csrf": {app.token()}, "name": {"Ada Lovelace"}, "email": {"Ada@Example.com"}, "role": {"editor"}, "team": {strconv.Itoa(team.ID)}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/users/") {
		t.Fatalf("create user: status %d, location %q", r.Status, r.Header.Get("Location"))
	}
	page := app.get(r.Header.Get("Location"))
	link := passwordLink.FindString(html.UnescapeString(page.Body))
	if link == "" || !strings.Contains(page.Body, "Waiting for password") || !strings.Contains(page.Body, "Red") {
		t.Fatalf("user page lacks the one-time link, the status or the team:\n%s", page.Body)
	}
	ada, err := app.Store.UserByEmail(ctx, "ada@example.com")
	if err != nil || ada.HasPassword() {
		t.Fatalf("created user = %+v, %v; want one without a password", ada, err)
	}

	b := app.browser()
	short := b.post("/password", url.Values{"_csrf": {b.csrf(strings.TrimPrefix(link, app.URL))}, "token": {link[strings.Index(link, "token=")+6:]}, "password": {"short"}, "confirm": {"short"}})
	if short.Status != http.StatusUnprocessableEntity || !strings.Contains(short.Body, "Password must be 12 characters or more") {
		t.Errorf("short password: status %d, want 422 with the rule", short.Status)
	}
	if r := b.choosePassword(link, "a long enough secret"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("choose password: status %d, location %q", r.Status, r.Header.Get("Location"))
	}
	if r := app.browser().choosePassword(link, "another long secret"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "This link is not valid") {
		t.Errorf("link used twice: status %d, want 404 with an explanation", r.Status)
	}
	b.signIn("ada@example.com", "a long enough secret")
	if got := app.securityKinds(app.Admin.Email, 5); len(got) < 1 || got[0] != "user_created" {
		t.Errorf("admin's security events = %v, want user_created first", got)
	}
	if got := app.securityKinds("ada@example.com", 5); strings.Join(got, " ") != "signed_in password_changed" {
		t.Errorf("new user's security events = %v, want password_changed then signed_in", got)
	}
}

func TestCreateUserErrors(t *testing.T) {
	app := newTestApp(t)
	before, err := app.Store.CountUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		form url.Values
		want []string
	}{
		{"empty", url.Values{}, []string{`href="#name">Enter a name</a>`, `href="#email">Enter an email address</a>`, `href="#role-editor">Select a role</a>`}},
		{"bad email kept", url.Values{"name": {"Bob <b>"}, "email": {"bob at example"}, "role": {"editor"}}, []string{
			"Enter an email address in the correct format", `value="bob at example"`, `value="Bob &lt;b&gt;"`, `aria-invalid="true"`}},
		{"email taken", url.Values{"name": {"Other"}, "email": {"ADMIN@example.com"}, "role": {"auditor"}}, []string{"A user with this email address already exists"}},
		{"unknown role", url.Values{"name": {"R"}, "email": {"r@example.com"}, "role": {"root"}}, []string{"Select a role"}},
		{"team that does not exist", url.Values{"name": {"T"}, "email": {"t@example.com"}, "role": {"editor"}, "team": {"999"}}, []string{"Select a team from the list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("_csrf", app.token())
			r := app.post("/users", tt.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "<title>Error: Add a user") || !strings.Contains(r.Body, "There is a problem") {
				t.Fatalf("status %d, want 422 with the error summary", r.Status)
			}
			for _, want := range tt.want {
				if !strings.Contains(r.Body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
		})
	}
	if after, err := app.Store.CountUsers(context.Background()); err != nil || after != before {
		t.Errorf("users: %d before, %d after refused forms (%v)", before, after, err)
	}
}

func TestUserChanges(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	ed := app.createUser("ed@example.com", store.RoleEditor)
	id := strconv.Itoa(ed.ID)
	post := func(path string, form url.Values) response {
		t.Helper()
		form.Set("_csrf", app.token())
		return app.post(path, form)
	}
	user := func() store.User {
		t.Helper()
		u, err := app.Store.GetUser(ctx, ed.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	if r := post("/users/"+id+"/role", url.Values{"role": {"auditor"}}); r.Status != http.StatusSeeOther || user().Role != store.RoleAuditor {
		t.Errorf("change role: status %d, role %s", r.Status, user().Role)
	}
	if r := post("/users/"+id+"/role", url.Values{"role": {"superuser"}}); r.Status != http.StatusBadRequest || user().Role != store.RoleAuditor {
		t.Errorf("unknown role: status %d, role %s; want 400 and no change", r.Status, user().Role)
	}
	if r := post("/users/"+id+"/disable", url.Values{}); r.Status != http.StatusSeeOther || !user().Disabled {
		t.Errorf("disable: status %d, disabled %v", r.Status, user().Disabled)
	}
	page := app.get("/users/" + id)
	for _, want := range []string{"Disabled", ">Enable user</button>", "Recent activity"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("user page lacks %s", want)
		}
	}
	if r := post("/users/"+id+"/enable", url.Values{}); r.Status != http.StatusSeeOther || user().Disabled {
		t.Errorf("enable: status %d, disabled %v", r.Status, user().Disabled)
	}
	r := post("/users/"+id+"/reset-password", url.Values{})
	if r.Status != http.StatusSeeOther || user().HasPassword() {
		t.Fatalf("reset: status %d, has password %v", r.Status, user().HasPassword())
	}
	link := passwordLink.FindString(html.UnescapeString(app.get("/users/" + id).Body))
	if link == "" {
		t.Fatal("no one-time link after a reset")
	}
	b := app.browser()
	if r := b.choosePassword(link, "a brand new secret"); r.Status != http.StatusSeeOther {
		t.Fatalf("choose password after reset: status %d", r.Status)
	}
	b.signIn(ed.Email, "a brand new secret")

	for _, path := range []string{"/users/999", "/users/abc", "/users/0"} {
		if r := app.get(path); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, r.Status)
		}
	}
	if r := post("/users/999/disable", url.Values{}); r.Status != http.StatusNotFound {
		t.Errorf("disable an unknown user: status %d, want 404", r.Status)
	}
}

// TestAdminCannotLockThemselvesOut: an admin cannot demote or disable
// themselves, and the last admin stays whoever asks.
func TestAdminCannotLockThemselvesOut(t *testing.T) {
	app := newTestApp(t)
	self := strconv.Itoa(app.Admin.ID)
	before := app.Admin
	for _, tt := range []struct {
		path string
		form url.Values
	}{
		{"/users/" + self + "/role", url.Values{"role": {"editor"}}},
		{"/users/" + self + "/disable", url.Values{}},
		{"/users/" + self + "/reset-password", url.Values{}},
	} {
		tt.form.Set("_csrf", app.token())
		r := app.post(tt.path, tt.form)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("POST %s: status %d", tt.path, r.Status)
		}
		if page := app.get(r.Header.Get("Location")); !strings.Contains(page.Body, "your own account. Ask another administrator.") || !strings.Contains(page.Body, `role="alert"`) {
			t.Errorf("POST %s: no refusal message", tt.path)
		}
	}
	after, err := app.Store.GetUser(context.Background(), app.Admin.ID)
	if err != nil || after != before {
		t.Errorf("admin after refused changes = %+v, %v; want unchanged %+v", after, err, before)
	}
}

func TestPasswordLinkExpires(t *testing.T) {
	app := newTestApp(t)
	r := app.post("/users", url.Values{"_csrf": {app.token()}, "name": {"Late"}, "email": {"late@example.com"}, "role": {"editor"}})
	link := passwordLink.FindString(html.UnescapeString(app.get(r.Header.Get("Location")).Body))
	if link == "" {
		t.Fatal("no link")
	}
	app.Clock.Advance(24*time.Hour + time.Second)
	if r := app.browser().choosePassword(link, "a long enough secret"); r.Status != http.StatusNotFound {
		t.Errorf("link after 24 hours: status %d, want 404", r.Status)
	}
}

func TestAccountPage(t *testing.T) {
	app := newTestApp(t)
	b, ed := app.signedIn("ed@example.com", store.RoleEditor)
	other := app.browser()
	other.signIn(ed.Email, testPassword)

	page := b.get("/account")
	for _, want := range []string{"Your account", ed.Email, "Editor", `<label for="current">Current password</label>`, ">Change password</button>", ">Sign out everywhere</button>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("account page lacks %s", want)
		}
	}
	tests := []struct {
		name                       string
		current, password, confirm string
		want                       string
	}{
		{"wrong current", "not my password", "a new long secret", "a new long secret", "Your current password is not correct"},
		{"too short", testPassword, "short", "short", "Password must be 12 characters or more"},
		{"mismatch", testPassword, "a new long secret", "another long secret", "Enter the same password twice"},
	}
	for _, tt := range tests {
		r := b.post("/account/password", url.Values{"_csrf": {b.token()}, "current": {tt.current}, "password": {tt.password}, "confirm": {tt.confirm}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.want) || strings.Contains(r.Body, tt.password+`"`) {
			t.Errorf("%s: status %d, want 422 with %q and no password echoed", tt.name, r.Status, tt.want)
		}
	}
	r := b.post("/account/password", url.Values{"_csrf": {b.token()}, "current": {testPassword}, "password": {"a new long secret"}, "confirm": {"a new long secret"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("change password: status %d", r.Status)
	}
	if r := b.get("/account"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Your password is changed") {
		t.Errorf("this browser after the change: status %d, want 200 with a message", r.Status)
	}
	if r := other.get("/account"); r.Status != http.StatusSeeOther {
		t.Errorf("the other browser after the change: status %d, want 303 to sign in", r.Status)
	}

	other.signIn(ed.Email, "a new long secret")
	if r := b.post("/account/sign-out-everywhere", url.Values{"_csrf": {b.token()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: status %d", r.Status)
	}
	for name, br := range map[string]*testApp{"this browser": b, "the other browser": other} {
		if r := br.get("/account"); r.Status != http.StatusSeeOther {
			t.Errorf("%s after signing out everywhere: status %d, want 303", name, r.Status)
		}
	}
}

// TestOneTimeLinksIgnoreForgedHost: a one-time link is made from the
// address the portal is configured with (here its listen address, as
// without CONTACTDESK_PUBLIC_URL), never from the request's Host or
// forwarding headers, which a client sets as it likes.
func TestOneTimeLinksIgnoreForgedHost(t *testing.T) {
	app := newTestApp(t)
	appURL, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The request goes to the portal with a Host of evil.example. An
	// http.Client picks cookies by the Host, so the browser's cookies
	// are carried, and the answer's kept, by hand.
	forged := func(path string, form url.Values) response {
		t.Helper()
		form.Set("_csrf", app.token())
		req, err := http.NewRequest(http.MethodPost, app.URL+path, strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "evil.example"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-Host", "evil.example")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("Forwarded", "host=evil.example;proto=https")
		for _, ck := range app.client.Jar.Cookies(appURL) {
			req.AddCookie(ck)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		app.client.Jar.SetCookies(appURL, resp.Cookies())
		return response{Status: resp.StatusCode, Header: resp.Header}
	}
	want := app.URL + "/password?token="
	check := func(what string, r response) {
		t.Helper()
		if r.Status != http.StatusSeeOther {
			t.Fatalf("%s: status %d, want 303", what, r.Status)
		}
		page := html.UnescapeString(app.get(r.Header.Get("Location")).Body)
		if strings.Contains(page, "evil.example") {
			t.Errorf("%s: the page names the forged host", what)
		}
		if link := passwordLink.FindString(page); !strings.HasPrefix(link, want) {
			t.Errorf("%s: one-time link %q, want one starting with %q", what, link, want)
		}
	}
	r := forged("/users", url.Values{"name": {"Ada Lovelace"}, "email": {"ada@example.com"}, "role": {"editor"}})
	check("add a user", r)
	check("reset a password", forged(r.Header.Get("Location")+"/reset-password", url.Values{}))
}

// TestPasswordRulesOnForms: the forms where a password is chosen refuse
// the user's own email or name and common passwords, with the rule in
// words next to the field.
func TestPasswordRulesOnForms(t *testing.T) {
	app := newTestApp(t)
	r := app.post("/users", url.Values{"_csrf": {app.token()}, "name": {"Ada Lovelace"}, "email": {"Ada.Byron@example.com"}, "role": {"editor"}})
	link := passwordLink.FindString(html.UnescapeString(app.get(r.Header.Get("Location")).Body))
	if link == "" {
		t.Fatal("no one-time link")
	}
	b := app.browser()
	tests := []struct{ password, want string }{
		{"ada.byron@example.com", "Password must not be your name or email address"},
		{"Ada Lovelace 1815", "Password must not be your name or email address"},
		{"qwertyuiop123", "This password is too common: choose another"},
		{"password2024!", "This password is too common: choose another"},
	}
	for _, tt := range tests {
		r := b.choosePassword(link, tt.password)
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.want) || !strings.Contains(r.Body, `href="#password">`+tt.want) {
			t.Errorf("choose %q: status %d, want 422 with %q in the summary and by the field", tt.password, r.Status, tt.want)
		}
	}
	if r := b.choosePassword(link, "a lantern by the river"); r.Status != http.StatusSeeOther {
		t.Errorf("a good password: status %d, want 303", r.Status)
	}

	ed, edUser := app.signedIn("eddie@example.com", store.RoleEditor)
	for _, password := range []string{"eddie@example.com", "1qaz2wsx3edc"} {
		r := ed.post("/account/password", url.Values{"_csrf": {ed.token()}, "current": {testPassword}, "password": {password}, "confirm": {password}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `href="#password">`) {
			t.Errorf("account page, %q: status %d, want 422 with a password error", password, r.Status)
		}
	}
	if u, err := app.Store.GetUser(context.Background(), edUser.ID); err != nil || u.PasswordHash != edUser.PasswordHash {
		t.Errorf("password changed by a refused form (%v)", err)
	}
}

// TestNamesRefuseControlCharacters: user and team names are plain text:
// no control characters, no direction overrides, valid UTF-8.
func TestNamesRefuseControlCharacters(t *testing.T) {
	app := newTestApp(t)
	tests := []struct {
		name, path string
		form       url.Values
		want       string
	}{
		{"override in a user's name", "/users", url.Values{"name": {"Eve \u202Egnp.exe"}, "email": {"eve@example.com"}, "role": {"editor"}},
			"Name must not contain control characters or text direction overrides"},
		{"invalid UTF-8 in a user's name", "/users", url.Values{"name": {"Eve \xff"}, "email": {"eve@example.com"}, "role": {"editor"}},
			"Name must be valid text (UTF-8)"},
		{"NUL in an email", "/users", url.Values{"name": {"Eve"}, "email": {"eve\x00@example.com"}, "role": {"editor"}},
			"Email address must not contain control characters or text direction overrides"},
		{"override in a team's name", "/teams", url.Values{"team_name": {"Red \u202Emaet"}},
			"Team name must not contain control characters or text direction overrides"},
		{"NUL in a team's name", "/teams", url.Values{"team_name": {"Red\x00"}},
			"Team name must not contain control characters or text direction overrides"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("_csrf", app.token())
			r := app.post(tt.path, tt.form)
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.want) {
				t.Errorf("status %d, want 422 with %q", r.Status, tt.want)
			}
		})
	}
	if n, err := app.Store.CountUsers(context.Background()); err != nil || n != 1 {
		t.Errorf("%d users (%v), want the admin alone", n, err)
	}
	if teams, err := app.Store.ListTeams(context.Background()); err != nil || len(teams) != 0 {
		t.Errorf("teams = %v (%v), want none", teams, err)
	}
}
