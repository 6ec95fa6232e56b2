package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

// TestCSRFTokenIsTheSessions: the sign-in page starts a pre-session whose
// token its form carries; the token is nowhere in a cookie, and counts
// only in the form's body.
func TestCSRFTokenIsTheSessions(t *testing.T) {
	app := newEmptyTestApp(t)
	first := app.get("/login")
	set := first.Header.Values("Set-Cookie")
	if len(set) != 1 || !strings.HasPrefix(set[0], sessionCookie+"=") || !strings.Contains(set[0], "HttpOnly") ||
		!strings.Contains(set[0], "SameSite=Lax") || !strings.Contains(set[0], "Max-Age=3600") {
		t.Fatalf("sign-in page: Set-Cookie %q, want one HttpOnly, SameSite=Lax session cookie of an hour", set)
	}
	token := app.token()
	if m := csrfInput.FindStringSubmatch(first.Body); m == nil || m[1] != token || token == "" {
		t.Fatalf("the form's token is not the session's %q", token)
	}
	if strings.Contains(set[0], token) {
		t.Error("the CSRF token is in a cookie")
	}
	if again := app.get("/login"); len(again.Header.Values("Set-Cookie")) != 0 || app.token() != token {
		t.Errorf("the next page: Set-Cookie %q, token %q; want the same session", again.Header.Values("Set-Cookie"), app.token())
	}

	form := url.Values{"email": {"a@example.com"}, "password": {"wrong password!"}}
	if r := app.post("/login?_csrf="+url.QueryEscape(token), form); r.Status != http.StatusForbidden {
		t.Errorf("token in the address only: status %d, want 403", r.Status)
	}
	form.Set("_csrf", token)
	if r := app.post("/login", form); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("token in the form: status %d, want 422", r.Status)
	}

	// Anonymous requests that need no form start no session.
	b := app.browser()
	for _, path := range []string{"/organizations", "/healthz", "/nope", "/static/none.css"} {
		if r := b.get(path); len(r.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("GET %s: Set-Cookie %q, want none", path, r.Header.Values("Set-Cookie"))
		}
	}
}

// TestCSRFRefusesPlantedToken: a sibling subdomain can set a cookie for
// the parent domain, and the double-submit check this replaced took a
// contactdesk_csrf cookie with the same value in the form as proof. The
// token now lives in the session's row, so a planted pair is refused:
// before sign-in (signing the victim in to the attacker's account) and
// after.
func TestCSRFRefusesPlantedToken(t *testing.T) {
	app := newTestApp(t)
	u, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	const planted = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	plant := func(b *testApp) {
		b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "contactdesk_csrf", Value: planted, Path: "/"}})
	}

	plant(app)
	r := app.post("/teams", url.Values{"_csrf": {planted}, "team_name": {"Planted"}})
	if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This form has expired") {
		t.Errorf("signed in, planted token: status %d, want 403 with the expired-form page", r.Status)
	}
	if _, err := app.Store.TeamByName(context.Background(), "Planted"); err == nil {
		t.Error("the planted token created a team")
	}

	anon := app.browser()
	anon.get("/login")
	plant(anon)
	r = anon.post("/login", url.Values{"_csrf": {planted}, "email": {app.Admin.Email}, "password": {testPassword}})
	if r.Status != http.StatusForbidden {
		t.Errorf("sign-in with a planted token: status %d, want 403", r.Status)
	}
	if r := anon.get("/organizations"); r.Status != http.StatusSeeOther {
		t.Errorf("after the refused sign-in: status %d, want 303 to sign in", r.Status)
	}
}

// TestCSRFRefusesAnotherSessionsToken: a token is good for its own
// session only, signed in or not: an attacker's own valid token is
// refused in the victim's session, even with a cookie holding it planted
// beside it (which the double-submit check this replaced accepted).
func TestCSRFRefusesAnotherSessionsToken(t *testing.T) {
	app := newTestApp(t)
	other, _ := app.signedIn("other@example.com", store.RoleAdmin)
	borrowed := other.token()
	if borrowed == app.token() || borrowed == "" {
		t.Fatalf("two sessions share the token %q", app.token())
	}
	r := app.post("/teams", url.Values{"_csrf": {borrowed}, "team_name": {"Borrowed"}})
	if r.Status != http.StatusForbidden {
		t.Errorf("another signed-in session's token: status %d, want 403", r.Status)
	}
	u, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	app.client.Jar.SetCookies(u, []*http.Cookie{{Name: "contactdesk_csrf", Value: borrowed, Path: "/"}})
	r = app.post("/teams", url.Values{"_csrf": {borrowed}, "team_name": {"Borrowed"}})
	if r.Status != http.StatusForbidden {
		t.Errorf("another session's token, planted as a cookie too: status %d, want 403", r.Status)
	}
	if _, err := app.Store.TeamByName(context.Background(), "Borrowed"); err == nil {
		t.Error("another session's token created a team")
	}

	first, second := app.browser(), app.browser()
	firstToken, secondToken := first.csrf("/login"), second.csrf("/login")
	if firstToken == secondToken {
		t.Fatal("two pre-sessions share a token")
	}
	r = first.post("/login", url.Values{"_csrf": {secondToken}, "email": {app.Admin.Email}, "password": {testPassword}})
	if r.Status != http.StatusForbidden {
		t.Errorf("sign-in with another pre-session's token: status %d, want 403", r.Status)
	}
	if r := first.post("/login", url.Values{"_csrf": {firstToken}, "email": {app.Admin.Email}, "password": {testPassword}}); r.Status != http.StatusSeeOther {
		t.Errorf("sign-in with its own token: status %d, want 303", r.Status)
	}
}

// TestCrossOriginRefused: a state-changing request a browser marks as
// coming from another site is refused by http.CrossOriginProtection,
// even with the session's valid token.
func TestCrossOriginRefused(t *testing.T) {
	app := newTestApp(t)
	post := func(name string, header http.Header) response {
		t.Helper()
		form := url.Values{"_csrf": {app.token()}, "team_name": {name}}
		req, err := http.NewRequest(http.MethodPost, app.URL+"/teams", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		return app.do(req)
	}
	for _, tt := range []struct {
		name   string
		header http.Header
	}{
		{"Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"Sec-Fetch-Site same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}},
		{"foreign Origin", http.Header{"Origin": {"https://evil.example"}}},
	} {
		r := post("Cross "+tt.name, tt.header)
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This form came from another site") {
			t.Errorf("%s: status %d, want 403 with the cross-origin page", tt.name, r.Status)
		}
	}
	if teams, err := app.Store.ListTeams(context.Background()); err != nil || len(teams) != 0 {
		t.Errorf("teams after refused posts: %v, %v; want none", teams, err)
	}
	for _, tt := range []struct {
		name   string
		header http.Header
	}{
		{"same-origin", http.Header{"Sec-Fetch-Site": {"same-origin"}}},
		{"own Origin", http.Header{"Origin": {app.URL}}},
		{"no browser header", http.Header{}},
	} {
		if r := post("Own "+tt.name, tt.header); r.Status != http.StatusSeeOther {
			t.Errorf("%s: status %d, want 303", tt.name, r.Status)
		}
	}
}
