package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// auditCount is the number of events in the audit log.
func (a *testApp) auditCount() int {
	a.t.Helper()
	head, err := a.Store.AuditChainHead(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	return head.Count
}

// securityKinds lists the kinds of the newest security events recorded
// for email, newest first.
func (a *testApp) securityKinds(email string, n int) []string {
	a.t.Helper()
	events, err := a.Store.SecurityEvents(context.Background(), email, n)
	if err != nil {
		a.t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, string(e.Kind))
	}
	return kinds
}

func TestSignInAndOut(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()

	r := b.get("/organizations?q=x")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Forganizations%3Fq%3Dx" {
		t.Fatalf("anonymous page: status %d, location %q; want 303 to the sign-in page with next", r.Status, r.Header.Get("Location"))
	}
	page := b.get(r.Header.Get("Location"))
	for _, want := range []string{
		`<label for="email">Email</label>`, `<label for="password">Password</label>`,
		`>Sign in</button>`, `novalidate`, `name="next" value="/organizations?q=x"`,
		`autocomplete="current-password"`,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
	if strings.Contains(page.Body, ">Sign out</button>") || strings.Contains(page.Body, `href="/users"`) {
		t.Error("the sign-in page shows the navigation of a signed-in user")
	}

	editor := b.createUser("ed@example.com", store.RoleEditor)
	r = b.submitSignIn("ED@Example.com", testPassword, "/organizations?q=x")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/organizations?q=x" {
		t.Fatalf("sign in: status %d, location %q; want 303 back to next", r.Status, r.Header.Get("Location"))
	}
	list := b.get("/organizations")
	for _, want := range []string{`href="/organizations"`, `href="/audit"`, ">Audit log<", ">Sign out</button>", editor.Name} {
		if !strings.Contains(list.Body, want) {
			t.Errorf("signed-in page lacks %s", want)
		}
	}
	if strings.Contains(list.Body, `href="/users"`) {
		t.Error("an editor's navigation offers Users")
	}
	if admin := app.get("/organizations"); !strings.Contains(admin.Body, `href="/users"`) || !strings.Contains(admin.Body, ">Users<") {
		t.Error("an admin's navigation lacks Users")
	}
	if r := b.get("/login"); r.Status != http.StatusSeeOther {
		t.Errorf("sign-in page while signed in: status %d, want 303 onwards", r.Status)
	}

	r = b.post("/logout", url.Values{"_csrf": {b.token()}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("sign out: status %d, location %q", r.Status, r.Header.Get("Location"))
	}
	if after := b.get("/login"); !strings.Contains(after.Body, "You have signed out.") {
		t.Error("no message after signing out")
	}
	if r := b.get("/organizations"); r.Status != http.StatusSeeOther {
		t.Errorf("after sign out: status %d, want 303 to sign in", r.Status)
	}
	if got := b.securityKinds(editor.Email, 5); strings.Join(got, " ") != "signed_out signed_in" {
		t.Errorf("security events = %v, want signed_out, signed_in", got)
	}
}

func TestSignInFormErrors(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	r := b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "email": {"  "}, "password": {""}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("empty form: status %d, want 422", r.Status)
	}
	for _, want := range []string{
		"<title>Error: Sign in", `role="alert"`, "There is a problem",
		`href="#email">Enter your email address</a>`, `href="#password">Enter your password</a>`,
		`aria-invalid="true"`, `aria-describedby="email-error"`, `id="email-error"`,
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("error page lacks %s", want)
		}
	}

	r = b.submitSignIn("nobody@example.com", "a secret value", "")
	if !strings.Contains(r.Body, `value="nobody@example.com"`) {
		t.Error("the typed email is not kept")
	}
	if strings.Contains(r.Body, "a secret value") {
		t.Error("the typed password is echoed back")
	}
}

// TestSignInSameAnswer checks that an unknown email, a wrong password, a
// disabled account and an account without a password get the same answer:
// the same status, headers and body but for the email typed.
func TestSignInSameAnswer(t *testing.T) {
	app := newTestApp(t)
	disabled := app.createUser("gone@example.com", store.RoleEditor)
	if _, err := app.Store.DisableUser(context.Background(), disabled.ID, fixtureEvent[store.User](store.AuditUserDisabled)); err != nil {
		t.Fatal(err)
	}
	pending, err := app.Store.CreateUser(context.Background(), store.NewUser{Email: "new@example.com", Name: "New", Role: store.RoleEditor}, fixtureEvent[store.User](store.AuditUserCreated))
	if err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	answer := func(email, password string) (int, string, []string) {
		t.Helper()
		r := b.submitSignIn(email, password, "")
		var names []string
		for name, values := range r.Header {
			switch name {
			case "X-Request-Id", "Date", "Content-Length":
				// Differ between any two requests, or with the email's length.
			case "Set-Cookie":
				for _, v := range values {
					cookie, _, _ := strings.Cut(v, "=")
					names = append(names, name+"="+cookie)
				}
			default:
				names = append(names, name+"="+strings.Join(values, ","))
			}
		}
		slices.Sort(names)
		return r.Status, strings.ReplaceAll(r.Body, email, "EMAIL"), names
	}
	wantStatus, wantBody, wantHeaders := answer("nobody@example.com", testPassword)
	if wantStatus != http.StatusUnprocessableEntity || !strings.Contains(wantBody, "Enter a correct email address and password") {
		t.Fatalf("unknown user: status %d, want 422 and the generic message", wantStatus)
	}
	for _, tt := range []struct{ name, email, password string }{
		{"wrong password", app.Admin.Email, "not the password at all"},
		{"disabled account", disabled.Email, testPassword},
		{"no password chosen yet", pending.Email, testPassword},
	} {
		status, body, headers := answer(tt.email, tt.password)
		if status != wantStatus || body != wantBody || strings.Join(headers, "\n") != strings.Join(wantHeaders, "\n") {
			t.Errorf("%s: answer differs from an unknown user's (status %d vs %d, headers %v vs %v)", tt.name, status, wantStatus, headers, wantHeaders)
		}
	}
	// The log's readers do learn the reason.
	events, err := app.Store.SecurityEvents(context.Background(), disabled.Email, 1)
	if err != nil || len(events) != 1 || events[0].Kind != store.AuditSignInFailed || !strings.Contains(events[0].Summary, "disabled") {
		t.Errorf("failed sign-in event = %+v, %v; want sign_in_failed saying the account is disabled", events, err)
	}
}

func TestSignInOversizedPassword(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	before := app.auditCount()

	huge := b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "email": {app.Admin.Email}, "password": {strings.Repeat("x", 1<<20)}})
	if huge.Status != http.StatusRequestEntityTooLarge || !strings.Contains(huge.Body, "too large") {
		t.Errorf("1 MB password: status %d, want 413 with an explanation", huge.Status)
	}
	long := b.submitSignIn(app.Admin.Email, strings.Repeat("x", 100<<10), "")
	if long.Status != http.StatusUnprocessableEntity || !strings.Contains(long.Body, "Password must be 128 characters or fewer") {
		t.Errorf("100 KB password: status %d, want 422 saying the limit", long.Status)
	}
	if got := app.auditCount(); got != before {
		t.Errorf("oversized passwords recorded %d audit events, want none: they were refused unread", got-before)
	}
}

func TestSignInNextRedirect(t *testing.T) {
	app := newTestApp(t)
	tests := []struct {
		next string
		want string
	}{
		{"/organizations/5?draft=x", "/organizations/5?draft=x"},
		{"/audit", "/audit"},
		{"", "/organizations"},
		{"//evil.example", "/organizations"},
		{"https://evil.example", "/organizations"},
		{"/\\evil.example", "/organizations"},
		{"\\\\evil.example", "/organizations"},
		{"/\t/evil.example", "/organizations"},
		{"javascript:alert(1)", "/organizations"},
		{"evil.example", "/organizations"},
		{"/login", "/organizations"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			b := app.browser()
			r := b.submitSignIn(app.Admin.Email, testPassword, tt.next)
			if r.Status != http.StatusSeeOther || r.Header.Get("Location") != tt.want {
				t.Errorf("next=%q: status %d, location %q; want 303 to %q", tt.next, r.Status, r.Header.Get("Location"), tt.want)
			}
			// The sign-in page does not even carry a foreign next.
			if tt.want == "/organizations" && tt.next != "" {
				page := app.browser().get("/login?next=" + url.QueryEscape(tt.next))
				if strings.Contains(page.Body, `name="next"`) {
					t.Errorf("sign-in page carries next=%q", tt.next)
				}
			}
		})
	}
}

func TestCSRFRefusalChangesNothing(t *testing.T) {
	app := newTestApp(t)
	editor := app.createUser("ed@example.com", store.RoleEditor)
	other, _ := app.signedIn("other@example.com", store.RoleAdmin)
	ctx := context.Background()

	type state struct {
		users, teams, audit int
		updated             time.Time
		disabled            bool
	}
	snapshot := func() state {
		t.Helper()
		users, err := app.Store.ListUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		teams, err := app.Store.ListTeams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		u, err := app.Store.GetUser(ctx, editor.ID)
		if err != nil {
			t.Fatal(err)
		}
		return state{len(users), len(teams), app.auditCount(), u.UpdatedAt, u.Disabled}
	}
	forms := []struct {
		path string
		form url.Values
	}{
		{"/users", url.Values{"name": {"Mallory"}, "email": {"m@example.com"}, "role": {"admin"}}},
		{"/users/" + strconv.Itoa(editor.ID) + "/disable", url.Values{}},
		{"/users/" + strconv.Itoa(editor.ID) + "/role", url.Values{"role": {"admin"}}},
		{"/teams", url.Values{"team_name": {"Mallory's"}}},
		{"/account/sign-out-everywhere", url.Values{}},
		{"/logout", url.Values{}},
		{"/login", url.Values{"email": {app.Admin.Email}, "password": {testPassword}}},
	}
	tokens := []struct {
		name  string
		token string
	}{
		{"missing", ""},
		{"wrong", "x" + app.token()},
		{"from another session", other.token()},
	}
	before := snapshot()
	for _, f := range forms {
		for _, tok := range tokens {
			form := url.Values{}
			for k, v := range f.form {
				form[k] = v
			}
			if tok.token != "" {
				form.Set("_csrf", tok.token)
			}
			r := app.post(f.path, form)
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "This form has expired") {
				t.Errorf("POST %s with a %s token: status %d, want 403 with the expired-form page", f.path, tok.name, r.Status)
			}
		}
	}
	if after := snapshot(); after != before {
		t.Errorf("refused posts changed the database: before %+v, after %+v", before, after)
	}
	if r := app.get("/account"); r.Status != http.StatusOK {
		t.Errorf("the admin's session did not survive the refused posts: status %d", r.Status)
	}
}

func TestRevocationSignsOutAtOnce(t *testing.T) {
	app := newTestApp(t)
	ed, editor := app.signedIn("ed@example.com", store.RoleEditor)
	id := strconv.Itoa(editor.ID)
	signedOut := func(what string, b *testApp) {
		t.Helper()
		r := b.get("/organizations")
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Errorf("%s: the user's next request got %d %q, want 303 to sign in", what, r.Status, r.Header.Get("Location"))
		}
	}

	for _, tt := range []struct {
		name, path string
		form       url.Values
	}{
		{"role change", "/users/" + id + "/role", url.Values{"role": {"auditor"}}},
		{"sign out everywhere by an admin", "/users/" + id + "/sign-out", url.Values{}},
	} {
		ed.signIn(editor.Email, testPassword)
		tt.form.Set("_csrf", app.token())
		if r := app.post(tt.path, tt.form); r.Status != http.StatusSeeOther {
			t.Fatalf("%s: status %d", tt.name, r.Status)
		}
		signedOut(tt.name, ed)
		if page := ed.get("/login"); !strings.Contains(page.Body, "You have been signed out") {
			t.Errorf("%s: the sign-in page does not say the session ended", tt.name)
		}
	}

	ed.signIn(editor.Email, testPassword)
	if r := app.post("/users/"+id+"/reset-password", url.Values{"_csrf": {app.token()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("reset password: status %d", r.Status)
	}
	signedOut("password reset", ed)
	if r := ed.submitSignIn(editor.Email, testPassword, ""); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("old password after a reset: status %d, want 422", r.Status)
	}

	// Disabling ends every session of the user, in every browser.
	first, other := app.signedIn("other@example.com", store.RoleEditor)
	second := app.browser()
	second.signIn(other.Email, testPassword)
	if r := app.post("/users/"+strconv.Itoa(other.ID)+"/disable", url.Values{"_csrf": {app.token()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("disable: status %d", r.Status)
	}
	signedOut("disable (first browser)", first)
	signedOut("disable (second browser)", second)
	if r := first.submitSignIn(other.Email, testPassword, ""); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("disabled user signing in: status %d, want 422", r.Status)
	}
}

func TestSessionTimeouts(t *testing.T) {
	app := newTestApp(t)
	ed, _ := app.signedIn("ed@example.com", store.RoleEditor)

	// Activity keeps the session alive past the idle timeout.
	for range 3 {
		app.Clock.Advance(25 * time.Minute)
		if r := ed.get("/organizations"); r.Status != http.StatusOK {
			t.Fatalf("active session after 25 minutes: status %d, want 200", r.Status)
		}
	}
	app.Clock.Advance(31 * time.Minute)
	r := ed.get("/organizations")
	if r.Status != http.StatusSeeOther {
		t.Fatalf("after 31 idle minutes: status %d, want 303 to sign in", r.Status)
	}
	if page := ed.get("/login"); !strings.Contains(page.Body, "had not used Contact Desk for 30 minutes") {
		t.Error("no idle timeout message")
	}

	// However active, a session ends 12 hours after sign-in.
	ed.signIn("ed@example.com", testPassword)
	for elapsed := time.Duration(0); elapsed < 12*time.Hour-20*time.Minute; elapsed += 20 * time.Minute {
		app.Clock.Advance(20 * time.Minute)
		if r := ed.get("/account"); r.Status != http.StatusOK {
			t.Fatalf("active session at %v: status %d, want 200", elapsed+20*time.Minute, r.Status)
		}
	}
	app.Clock.Advance(20 * time.Minute)
	if r := ed.get("/account"); r.Status != http.StatusSeeOther {
		t.Fatalf("after 12 hours: status %d, want 303 to sign in", r.Status)
	}
	if page := ed.get("/login"); !strings.Contains(page.Body, "more than 12 hours ago") {
		t.Error("no absolute timeout message")
	}
}

func TestTamperedSessionCookie(t *testing.T) {
	app := newTestApp(t)
	u, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	var cookies []*http.Cookie
	for _, c := range app.client.Jar.Cookies(u) {
		if c.Name == "contactdesk_session" {
			v := []byte(c.Value)
			v[len(v)/2] ^= 1
			c.Value = string(v)
		}
		cookies = append(cookies, c)
	}
	b := app.browser()
	b.client.Jar.SetCookies(u, cookies)
	if r := b.get("/organizations"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("tampered cookie: status %d, location %q; want 303 to sign in", r.Status, r.Header.Get("Location"))
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	app := newTestApp(t)
	anon := app.browser()
	b := app.browser()
	token := b.csrf("/login")
	for range 20 {
		b.post("/login", url.Values{"_csrf": {token}, "email": {"x@example.com"}, "password": {"wrong password"}})
	}
	page := app.get("/organizations")
	css := page.Body[strings.Index(page.Body, `href="/static/`)+len(`href="`):]
	css = css[:strings.IndexByte(css, '"')]

	tests := []struct {
		name    string
		do      func() response
		noStore bool
	}{
		{"signed-in page", func() response { return app.get("/organizations") }, true},
		{"admin page", func() response { return app.get("/users") }, true},
		{"sign-in page", func() response { return anon.get("/login") }, true},
		{"redirect to sign in", func() response { return anon.get("/organizations") }, true},
		{"not found", func() response { return app.get("/nope") }, true},
		{"forbidden", func() response {
			ed, _ := app.signedIn("ed@example.com", store.RoleEditor)
			return ed.get("/users")
		}, true},
		{"CSRF refusal", func() response { return app.post("/teams", url.Values{}) }, true},
		{"throttled", func() response {
			return b.post("/login", url.Values{"_csrf": {token}, "email": {"x@example.com"}, "password": {"wrong password"}})
		}, true},
		{"too large", func() response {
			return anon.post("/login", url.Values{"password": {strings.Repeat("x", 1<<20)}})
		}, false},
		{"static file", func() response { return anon.get(css) }, false},
		{"health", func() response { return anon.get("/healthz") }, false},
		{"export", func() response { return app.get("/audit/export?format=csv") }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.do()
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "DENY",
			} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("status %d: %s = %q, want %q", r.Status, h, got, want)
				}
			}
			csp := r.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("status %d: CSP = %q", r.Status, csp)
			}
			if got := r.Header.Get("Cache-Control"); tt.noStore && got != "no-store" {
				t.Errorf("status %d: Cache-Control = %q, want no-store", r.Status, got)
			}
			if got := r.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("over plain http: HSTS = %q, want none", got)
			}
		})
	}
}

// TestSignInUpgradesWeakHash: a hash made with weaker parameters than the
// portal's is replaced at the next successful sign-in, without ending the
// session that sign-in starts.
func TestSignInUpgradesWeakHash(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	weak, err := store.NewPasswordHasher(store.PasswordParams{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := weak.Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, err := app.Store.CreateUser(ctx, store.NewUser{Email: "old@example.com", Name: "Old", Role: store.RoleEditor, PasswordHash: hash}, fixtureEvent[store.User](store.AuditUserCreated))
	if err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	b.signIn(u.Email, testPassword)
	after, err := app.Store.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(after.PasswordHash, "$argon2id$v=19$m=64,") {
		t.Errorf("after sign-in: hash %q; want the portal's parameters", after.PasswordHash)
	}
	if r := b.get("/account"); r.Status != http.StatusOK {
		t.Errorf("session after the upgrade: status %d, want 200", r.Status)
	}
}
