package handlers_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// signedOut fails the test unless b's next page sends it to sign in.
func signedOut(t *testing.T, what string, b *testApp) {
	t.Helper()
	r := b.get("/organizations")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("%s: the next page got %d %q, want 303 to sign in", what, r.Status, r.Header.Get("Location"))
	}
}

// signedInStill fails the test unless b's next page is served.
func signedInStill(t *testing.T, what string, b *testApp) {
	t.Helper()
	if r := b.get("/organizations"); r.Status != http.StatusOK {
		t.Errorf("%s: the next page got %d, want 200", what, r.Status)
	}
}

// TestCopiedCookieDeadAfterSignOut: signing out deletes the session, so a
// copy of its cookie opens nothing from that moment.
func TestCopiedCookieDeadAfterSignOut(t *testing.T) {
	app := newTestApp(t)
	copied := app.copyBrowser()
	signedInStill(t, "the copy before sign-out", copied)
	if r := app.post("/logout", url.Values{"_csrf": {app.token()}}); r.Status != http.StatusSeeOther {
		t.Fatalf("sign out: status %d", r.Status)
	}
	signedOut(t, "the copy after sign-out", copied)
	signedOut(t, "the browser that signed out", app)
}

// TestSignInStartsANewSession: a session id known before sign-in (set by
// someone else, for instance) is worth nothing after it.
func TestSignInStartsANewSession(t *testing.T) {
	app := newEmptyTestApp(t)
	app.createUser("ed@example.com", store.RoleEditor)
	app.csrf("/login")
	before := app.session()
	fixed := app.copyBrowser()
	if r := app.submitSignIn("ed@example.com", testPassword, ""); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in: status %d", r.Status)
	}
	after := app.session()
	if after.ID == before.ID || after.CSRFToken == before.CSRFToken || after.UserID == 0 {
		t.Errorf("session after sign-in: %+v; before: %+v; want a new one of the user", after, before)
	}
	signedOut(t, "the pre-session's cookie", fixed)
	signedInStill(t, "the new session", app)
}

// TestIdleTimeoutFromTheRow: the last-seen time that decides idleness is
// the row's, which the portal rewrites at most once a minute.
func TestIdleTimeoutFromTheRow(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	start := app.session()

	app.Clock.Advance(30 * time.Second)
	signedInStill(t, "30 seconds on", app)
	if got := app.session(); !got.LastSeenAt.Equal(start.LastSeenAt) {
		t.Errorf("last seen after 30 seconds: %v, want it kept at %v", got.LastSeenAt, start.LastSeenAt)
	}
	app.Clock.Advance(31 * time.Second)
	signedInStill(t, "a minute on", app)
	if got := app.session(); !got.LastSeenAt.Equal(app.Clock.Now().UTC()) {
		t.Errorf("last seen after a minute: %v, want %v", got.LastSeenAt, app.Clock.Now().UTC())
	}

	// The row, not the clock alone, decides.
	if err := app.Store.TouchSession(ctx, start.ID, app.Clock.Now().Add(-31*time.Minute), "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	signedOut(t, "a row last seen 31 minutes ago", app)
	if page := app.get("/login"); !strings.Contains(page.Body, "had not used Contact Desk for 30 minutes") {
		t.Error("no idle timeout message")
	}
	if list, err := app.Store.UserSessions(ctx, app.Admin.ID, app.Clock.Now()); err != nil || len(list) != 0 {
		t.Errorf("sessions after the idle timeout: %+v, %v; want the idle one deleted", list, err)
	}
}

// TestUserChangesEndSessions: disabling a user, changing their role or
// password, resetting it and signing out everywhere delete the user's
// sessions, in every browser, and no one else's.
func TestUserChangesEndSessions(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	bystander, _ := app.signedIn("by@example.com", store.RoleEditor)
	for _, tt := range []struct {
		name string
		// change is made by the admin, or by the user's first browser.
		change func(first *testApp, u store.User) response
		// stays is set when the first browser keeps a (new) session.
		stays bool
	}{
		{"disable", func(_ *testApp, u store.User) response {
			return app.post("/users/"+strconv.Itoa(u.ID)+"/disable", url.Values{"_csrf": {app.token()}})
		}, false},
		{"role change", func(_ *testApp, u store.User) response {
			return app.post("/users/"+strconv.Itoa(u.ID)+"/role", url.Values{"_csrf": {app.token()}, "role": {"auditor"}})
		}, false},
		{"password reset", func(_ *testApp, u store.User) response {
			return app.post("/users/"+strconv.Itoa(u.ID)+"/reset-password", url.Values{"_csrf": {app.token()}})
		}, false},
		{"sign out everywhere by an admin", func(_ *testApp, u store.User) response {
			return app.post("/users/"+strconv.Itoa(u.ID)+"/sign-out", url.Values{"_csrf": {app.token()}})
		}, false},
		{"sign out everywhere", func(first *testApp, _ store.User) response {
			return first.post("/account/sign-out-everywhere", url.Values{"_csrf": {first.token()}})
		}, false},
		{"password change", func(first *testApp, _ store.User) response {
			return first.post("/account/password", url.Values{"_csrf": {first.token()}, "current": {testPassword},
				"password": {"a new long secret"}, "confirm": {"a new long secret"}})
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			first, u := app.signedIn(strings.ReplaceAll(tt.name, " ", "-")+"@example.com", store.RoleEditor)
			second := app.browser()
			second.signIn(u.Email, testPassword)
			before := first.session()
			if r := tt.change(first, u); r.Status != http.StatusSeeOther {
				t.Fatalf("change: status %d", r.Status)
			}
			list, err := app.Store.UserSessions(ctx, u.ID, app.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			signedOut(t, "the second browser", second)
			if !tt.stays {
				signedOut(t, "the first browser", first)
				if len(list) != 0 {
					t.Errorf("sessions left: %+v, want none", list)
				}
				return
			}
			signedInStill(t, "the browser that changed it", first)
			if len(list) != 1 || list[0].ID == before.ID {
				t.Errorf("sessions left: %+v; want one, new, in place of %d", list, before.ID)
			}
		})
	}
	signedInStill(t, "another user", bystander)
}

// TestDatabaseCopyMintsNoCookie: a copy of the database holds no key that
// signs anything and no session token, only the tokens' SHA-256.
func TestDatabaseCopyMintsNoCookie(t *testing.T) {
	app := newTestApp(t)
	ed, _ := app.signedIn("ed@example.com", store.RoleEditor)
	tokens := []string{app.cookie(sessionCookie), ed.cookie(sessionCookie)}
	db, err := sql.Open("sqlite", "file:"+app.DBPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	keys, err := db.Query(`SELECT key FROM settings`)
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	for keys.Next() {
		var k string
		if err := keys.Scan(&k); err != nil {
			t.Fatal(err)
		}
		if k != "setup_token_hash" {
			t.Errorf("settings holds %q: want only the setup token's hash", k)
		}
	}
	if err := keys.Err(); err != nil {
		t.Fatal(err)
	}

	// Every value of every table, as text.
	var everything strings.Builder
	tables, err := db.Query(`SELECT name FROM sqlite_schema WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var name string
		if err := tables.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := errors.Join(tables.Err(), tables.Close()); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		rows, err := db.Query(`SELECT * FROM "` + name + `"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			values := make([]any, len(cols))
			dest := make([]any, len(cols))
			for i := range values {
				dest[i] = &values[i]
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			for _, v := range values {
				switch v := v.(type) {
				case string:
					everything.WriteString(v + "\n")
				case []byte:
					everything.Write(v)
					everything.WriteString("\n")
				}
			}
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			t.Fatal(err)
		}
	}
	for _, token := range tokens {
		if token == "" {
			t.Fatal("a browser has no session cookie")
		}
		if strings.Contains(everything.String(), token) {
			t.Errorf("the database holds a session token")
		}
		sum := sha256.Sum256([]byte(token))
		if !strings.Contains(everything.String(), hex.EncodeToString(sum[:])) {
			t.Errorf("the database does not hold the token's SHA-256")
		}
	}
}

// TestOldCookieSignedOutOnce: a cookie from before sessions were kept on
// the server (or any cookie naming no session) is signed out once, with a
// message, and sign-in works at once.
func TestOldCookieSignedOutOnce(t *testing.T) {
	app := newEmptyTestApp(t)
	app.createUser("ed@example.com", store.RoleEditor)
	u, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	app.client.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: "MTcwMDAwMDAwMHxEdi1CQkFFQ180SUFBUkFCRUFBQVJ2LUNBQU1HYzNSeWFXNW5EQVVBQTNWcFpBTnBiblFFQWdBQ3xhYmNkZWY=", Path: "/"}})
	signedOut(t, "an old cookie", app)
	if page := app.get("/login"); !strings.Contains(page.Body, "You have been signed out") {
		t.Error("no message for the old cookie")
	}
	if page := app.get("/login"); strings.Contains(page.Body, "You have been signed out") {
		t.Error("the message is shown twice")
	}
	app.signIn("ed@example.com", testPassword)
}

// sessionEvents returns the summaries of the newest sign-out events,
// newest first.
func (a *testApp) sessionEvents(n int) []string {
	a.t.Helper()
	page, err := a.Store.ListSecurityEvents(context.Background(), store.SecurityEventQuery{Kind: store.AuditSignedOut, Limit: n})
	if err != nil {
		a.t.Fatal(err)
	}
	var out []string
	for _, e := range page.Events {
		out = append(out, e.ActorEmail+": "+e.Summary)
	}
	return out
}

const (
	firefoxOnLinux = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
	safariOnIPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	chromeOnWin    = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)

// TestAccountSessions: the account page lists the user's sessions, this
// one marked, and ends one of the others, then all the others.
func TestAccountSessions(t *testing.T) {
	app := newEmptyTestApp(t)
	ed := app.createUser("ed@example.com", store.RoleEditor)
	var browsers []*testApp
	for _, ua := range []string{firefoxOnLinux, safariOnIPhone, chromeOnWin} {
		b := app.browser()
		b.UserAgent = ua
		b.signIn(ed.Email, testPassword)
		browsers = append(browsers, b)
	}
	other, _ := app.signedIn("ann@example.com", store.RoleEditor)
	here, phone, desktop := browsers[0], browsers[1], browsers[2]

	page := here.get("/account")
	for _, want := range []string{
		"Your sessions", "Firefox on Linux <strong>(this device)</strong>", "Safari on iPhone", "Chrome on Windows",
		"127.0.0.1", ">End all other sessions</button>",
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("account page lacks %s", want)
		}
	}
	if n := strings.Count(page.Body, ">End session<"); n != 2 {
		t.Errorf("%d End session buttons, want 2 (not one for this device)", n)
	}
	if strings.Contains(page.Body, "/account/sessions/"+strconv.FormatInt(here.session().ID, 10)+"/end") {
		t.Error("this device has an End session button")
	}

	phoneSession := phone.session()
	r := here.post("/account/sessions/"+strconv.FormatInt(phoneSession.ID, 10)+"/end", url.Values{"_csrf": {here.token()}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account" {
		t.Fatalf("end a session: status %d, location %q", r.Status, r.Header.Get("Location"))
	}
	if page := here.get("/account"); !strings.Contains(page.Body, "Ended the session on Safari on iPhone.") || strings.Contains(page.Body, "Safari on iPhone</td>") {
		t.Error("after ending the phone's session: no message, or it is still listed")
	}
	signedOut(t, "the ended session", phone)
	signedInStill(t, "the other session", desktop)

	// Another user's session cannot be ended from here.
	otherSession := other.session()
	r = here.post("/account/sessions/"+strconv.FormatInt(otherSession.ID, 10)+"/end", url.Values{"_csrf": {here.token()}})
	if page := here.get("/account"); r.Status != http.StatusSeeOther || !strings.Contains(page.Body, "That session had already ended.") {
		t.Errorf("ending another user's session: status %d, want 303 and a message", r.Status)
	}
	signedInStill(t, "the other user", other)

	r = here.post("/account/sessions/end-others", url.Values{"_csrf": {here.token()}})
	if page := here.get("/account"); r.Status != http.StatusSeeOther || !strings.Contains(page.Body, "Ended 1 other session.") {
		t.Errorf("end all others: status %d, want 303 and a message", r.Status)
	}
	signedOut(t, "the desktop after ending all others", desktop)
	signedInStill(t, "this device", here)
	signedInStill(t, "the other user", other)

	want := []string{
		"ed@example.com: Ended their other sessions (1 session)",
		"ed@example.com: Ended their session on Safari on iPhone (127.0.0.1, session " + strconv.FormatInt(phoneSession.ID, 10) + ")",
	}
	if got := app.sessionEvents(2); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("recorded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
