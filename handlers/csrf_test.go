package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// setCookies returns the Set-Cookie lines of r naming the CSRF cookie.
func csrfSetCookies(r response) []string {
	var lines []string
	for _, line := range r.Header.Values("Set-Cookie") {
		if strings.HasPrefix(line, "contactdesk_csrf=") {
			lines = append(lines, line)
		}
	}
	return lines
}

// TestCSRFCookie checks the token cookie's life: set once, HttpOnly and
// SameSite, replaced when malformed, equal to the forms' token, and never
// taken from the address.
func TestCSRFCookie(t *testing.T) {
	app := newEmptyTestApp(t)
	first := app.get("/login")
	set := csrfSetCookies(first)
	if len(set) != 1 || !strings.Contains(set[0], "HttpOnly") || !strings.Contains(set[0], "SameSite=Lax") || !strings.Contains(set[0], "Max-Age=43200") {
		t.Fatalf("first page: Set-Cookie %q, want one HttpOnly, SameSite=Lax cookie of 12 hours", set)
	}
	token := app.token()
	if m := csrfInput.FindStringSubmatch(first.Body); m == nil || m[1] != token {
		t.Errorf("the form's token is not the cookie's %q", token)
	}
	if again := app.get("/login"); len(csrfSetCookies(again)) != 0 {
		t.Errorf("the cookie is set again on the next page: %q", csrfSetCookies(again))
	}

	// A cookie that cannot be a token is replaced.
	u, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	app.client.Jar.SetCookies(u, []*http.Cookie{{Name: "contactdesk_csrf", Value: "not-a-token", Path: "/"}})
	if r := app.get("/login"); len(csrfSetCookies(r)) != 1 || app.token() == "not-a-token" || app.token() == token {
		t.Errorf("a malformed cookie was kept: Set-Cookie %q, token now %q", csrfSetCookies(r), app.token())
	}

	// The token counts only in the form's body, never in the address.
	token = app.token()
	form := url.Values{"email": {"a@example.com"}, "password": {"wrong password!"}}
	if r := app.post("/login?_csrf="+url.QueryEscape(token), form); r.Status != http.StatusForbidden {
		t.Errorf("token in the address only: status %d, want 403", r.Status)
	}
	form.Set("_csrf", token)
	if r := app.post("/login", form); r.Status == http.StatusForbidden {
		t.Errorf("token in the form: status 403")
	}
}
