package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSetupLink(t *testing.T) {
	app := newEmptyTestApp(t)
	ctx := context.Background()
	token, err := app.Store.NewSetupToken(ctx)
	if err != nil || token == "" {
		t.Fatalf("NewSetupToken = %q, %v", token, err)
	}
	if r := app.get("/organizations"); r.Status != http.StatusSeeOther {
		t.Errorf("before setup, a page: status %d, want 303 to sign in", r.Status)
	}
	for _, bad := range []string{"/setup", "/setup?token=", "/setup?token=" + token + "x"} {
		if r := app.get(bad); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "This setup link is not valid") {
			t.Errorf("GET %s: status %d, want 404 with an explanation", bad, r.Status)
		}
	}

	link := "/setup?token=" + url.QueryEscape(token)
	page := app.get(link)
	for _, want := range []string{"Set up Contact Desk", `<label for="name">Name</label>`, `<label for="email">Email</label>`, `<label for="password">Password</label>`, `<label for="confirm">Confirm password</label>`, "novalidate"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("setup page lacks %s", want)
		}
	}
	form := url.Values{"_csrf": {app.token()}, "token": {token}, "name": {"Root"}, "email": {"root@example.com"}, "password": {"short"}, "confirm": {"short"}}
	r := app.post("/setup", form)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Password must be 12 characters or more") || !strings.Contains(r.Body, `value="root@example.com"`) {
		t.Errorf("short password: status %d, want 422 keeping the email", r.Status)
	}
	form.Set("password", "a long enough secret")
	form.Set("confirm", "a long enough secret")
	r = app.post("/setup", form)
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/users" {
		t.Fatalf("setup: status %d, location %q; want 303 to /users", r.Status, r.Header.Get("Location"))
	}
	if users := app.get("/users"); users.Status != http.StatusOK || !strings.Contains(users.Body, "root@example.com") {
		t.Errorf("after setup the new admin is not signed in: status %d", users.Status)
	}
	again := app.browser()
	if r := again.get(link); r.Status != http.StatusNotFound {
		t.Errorf("setup link used twice: status %d, want 404", r.Status)
	}
	form.Set("_csrf", again.csrf("/login"))
	form.Set("email", "second@example.com")
	if r := again.post("/setup", form); r.Status != http.StatusNotFound {
		t.Errorf("setup form posted again: status %d, want 404", r.Status)
	}
	if n, err := app.Store.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("%d users (%v), want 1", n, err)
	}
	if got := app.securityKinds("root@example.com", 5); strings.Join(got, " ") != "user_created" {
		t.Errorf("security events = %v, want user_created", got)
	}
}
