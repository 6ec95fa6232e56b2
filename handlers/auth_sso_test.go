package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/handlers"
	"github.com/contactdesk/contactdesk/handlers/sso"
	"github.com/contactdesk/contactdesk/internal/oidctest"
	"github.com/contactdesk/contactdesk/store"
)

const (
	ssoClientID = "contact-desk"
	ssoSecret   = "client-secret"
)

// ssoApp is the portal with sign-in through a real OpenID Connect
// provider on loopback, and an admin signed in with a password.
type ssoApp struct {
	*testApp
	Provider *oidctest.Provider
}

// newSSOTestApp starts a provider and the portal using it, asking for
// scopes besides openid, email and profile. configure, when not nil,
// changes the portal's configuration further.
func newSSOTestApp(t *testing.T, scopes []string, configure func(*handlers.Config)) *ssoApp {
	t.Helper()
	p, err := oidctest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close provider: %v", err)
		}
	})
	app := startTestApp(t, func(base string, cfg *handlers.Config) {
		redirect := base + handlers.SSOCallbackPath
		p.AddClient(ssoClientID, ssoSecret, redirect)
		client, err := sso.New(sso.Config{
			Issuer: p.Issuer, ClientID: ssoClientID, ClientSecret: ssoSecret, RedirectURL: redirect,
			Scopes: append([]string{"openid", "email", "profile"}, scopes...), Clock: cfg.Clock,
		})
		if err != nil {
			t.Fatal(err)
		}
		cfg.SSO = client
		if configure != nil {
			configure(cfg)
		}
	})
	app.Admin = app.createUser("admin@example.com", store.RoleAdmin)
	app.signIn(app.Admin.Email, testPassword)
	return &ssoApp{testApp: app, Provider: p}
}

// person adds a person to the provider, who signs in as username with
// the password "pw".
func (a *ssoApp) person(subject, username, email string, verified bool, groups ...string) {
	a.Provider.AddUser(oidctest.User{
		Subject: subject, Username: username, Password: "pw", FirstName: "Person", LastName: username,
		Email: email, EmailVerified: verified, Groups: groups,
	})
}

// mapGroup maps group to role and, when teamID is not 0, to that team.
func (a *ssoApp) mapGroup(group string, role store.Role, teamID int) {
	a.t.Helper()
	team := ""
	if teamID != 0 {
		team = strconv.Itoa(teamID)
	}
	r := a.post("/group-mappings", url.Values{"_csrf": {a.token()}, "group": {group}, "role": {string(role)}, "team": {team}})
	if r.Status != http.StatusSeeOther {
		a.t.Fatalf("map %s: status %d", group, r.Status)
	}
}

// startSSO presses the SSO button in browser b and returns where the
// portal sends the browser: the provider's authorization endpoint.
func (a *ssoApp) startSSO(b *testApp) string {
	a.t.Helper()
	token := b.token()
	if token == "" {
		token = b.csrf(signInPage)
	}
	r := b.post("/login/sso", url.Values{"_csrf": {token}})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), a.Provider.Issuer) {
		a.t.Fatalf("SSO button: status %d, location %q", r.Status, r.Header.Get("Location"))
	}
	return r.Header.Get("Location")
}

// ssoCallback signs in at the provider as username, from where the
// portal sent browser b, and returns the callback address the provider
// sends b back to (a path with its query), not opened yet.
func (a *ssoApp) ssoCallback(b *testApp, username string) string {
	a.t.Helper()
	cb, err := a.Provider.SignIn(a.startSSO(b), username, "pw")
	if err != nil {
		a.t.Fatal(err)
	}
	if cb.Path != handlers.SSOCallbackPath {
		a.t.Fatalf("the provider sent the browser to %s", cb)
	}
	return cb.RequestURI()
}

// ssoSignIn signs browser b in through the provider as username and
// returns the portal's answer to the callback.
func (a *ssoApp) ssoSignIn(b *testApp, username string) response {
	a.t.Helper()
	return b.get(a.ssoCallback(b, username))
}

// newestSecurityEvent returns the newest security event.
func (a *testApp) newestSecurityEvent() store.AuditEvent {
	a.t.Helper()
	page, err := a.Store.ListSecurityEvents(context.Background(), store.SecurityEventQuery{Limit: 1})
	if err != nil || len(page.Events) == 0 {
		a.t.Fatalf("newest security event: %v", err)
	}
	return page.Events[0]
}

func TestSSOSignIn(t *testing.T) {
	app := newSSOTestApp(t, nil, nil)
	app.sync()
	ctx := context.Background()
	orgs := app.Sandbox.Organizations()
	red, err := app.Store.CreateTeam(ctx, "Red", fixtureEvent[store.Team](store.AuditTeamChanged))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.AddTeamOrganization(ctx, red.ID, orgs[0].ID, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
		t.Fatal(err)
	}
	app.mapGroup("cd-red", store.RoleEditor, red.ID)
	app.person("sub-ada", "ada", "ada@example.com", true, "cd-red", "unrelated")

	b := app.browser()
	if page := b.get(signInPage); !strings.Contains(page.Body, ">Sign in with SSO</button>") || !strings.Contains(page.Body, `id="password"`) {
		t.Fatalf("the sign-in page lacks the SSO button or the password form:\n%s", page.Body)
	}
	r := app.ssoSignIn(b, "ada")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/organizations" {
		t.Fatalf("callback: status %d, location %q\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	list := b.get("/organizations")
	if list.Status != http.StatusOK || !strings.Contains(list.Body, html.EscapeString(orgs[0].Name)) || strings.Contains(list.Body, html.EscapeString(orgs[1].Name)) {
		t.Errorf("the organization list does not show exactly the team's organization (status %d)", list.Status)
	}
	u, err := app.Store.UserBySubject(ctx, app.Provider.Issuer, "sub-ada")
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || u.Name != "Person ada" || u.Role != store.RoleEditor {
		t.Errorf("user %+v", u)
	}
	if ev := app.newestSecurityEvent(); ev.Kind != store.AuditSignedIn || ev.ActorID != u.ID || ev.Summary != "Signed in with SSO" {
		t.Errorf("newest event %s %q by %d", ev.Kind, ev.Summary, ev.ActorID)
	}
	if sess := b.session(); sess.UserID != u.ID || !strings.Contains(sess.Data, `"groups_checked_at"`) {
		t.Errorf("session %+v: want the user's, with the groups' read time", sess)
	}
}

func TestSSORefusals(t *testing.T) {
	for _, tc := range []struct {
		name      string
		bad       oidctest.Misbehaviour
		verified  bool
		groups    []string
		status    int
		heading   string
		reason    string
		extraText string
	}{
		{name: "wrong audience", bad: oidctest.Misbehaviour{Audience: "another-client"}, verified: true, groups: []string{"cd-editors"},
			status: http.StatusBadGateway, heading: "Signing in with SSO failed", reason: "expected audience"},
		{name: "expired token", bad: oidctest.Misbehaviour{IDTokenLifetime: -time.Minute}, verified: true, groups: []string{"cd-editors"},
			status: http.StatusBadGateway, heading: "Signing in with SSO failed", reason: "token is expired"},
		{name: "bad nonce", bad: oidctest.Misbehaviour{Nonce: "another-sign-in"}, verified: true, groups: []string{"cd-editors"},
			status: http.StatusBadGateway, heading: "Signing in with SSO failed", reason: "nonce"},
		{name: "unverified email", verified: false, groups: []string{"cd-editors"},
			status: http.StatusForbidden, heading: "Your identity provider did not confirm your email address", reason: "no verified email"},
		{name: "no matching group", verified: true, groups: []string{"marketing"},
			status: http.StatusForbidden, heading: "You are not in a group that may use Contact Desk", reason: "no mapped group",
			extraText: "admin@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newSSOTestApp(t, nil, nil)
			app.mapGroup("cd-editors", store.RoleEditor, 0)
			app.person("sub-bob", "bob", "bob@example.com", tc.verified, tc.groups...)
			app.Provider.Misbehave(tc.bad)
			b := app.browser()
			r := app.ssoSignIn(b, "bob")
			if r.Status != tc.status || !strings.Contains(r.Body, "<h1>"+html.EscapeString(tc.heading)+"</h1>") {
				t.Fatalf("status %d, want %d with the heading %q:\n%s", r.Status, tc.status, tc.heading, r.Body)
			}
			if tc.extraText != "" && !strings.Contains(r.Body, tc.extraText) {
				t.Errorf("the page does not say whom to ask (%q)", tc.extraText)
			}
			if tc.name == "no matching group" && !strings.Contains(r.Body, "<code>marketing</code>") {
				t.Error("the page does not list the person's groups")
			}
			if got := b.get("/account"); answerOf(got) != toSignIn {
				t.Errorf("after the refusal /account answered %s, want the sign-in page", answerOf(got))
			}
			if _, err := app.Store.UserBySubject(context.Background(), app.Provider.Issuer, "sub-bob"); err == nil {
				t.Error("a refused person became a user")
			}
			ev := app.newestSecurityEvent()
			if ev.Kind != store.AuditSignInFailed || !strings.Contains(ev.Summary, tc.reason) {
				t.Errorf("newest event %s %q, want a failed sign-in saying %q", ev.Kind, ev.Summary, tc.reason)
			}
		})
	}
}

func TestSSOReplayedState(t *testing.T) {
	app := newSSOTestApp(t, nil, nil)
	app.mapGroup("cd-editors", store.RoleEditor, 0)
	app.person("sub-ada", "ada", "ada@example.com", true, "cd-editors")

	b := app.browser()
	callback := app.ssoCallback(b, "ada")
	// Another browser replays the callback (for instance one planted in a
	// link): its pre-session started no sign-in.
	other := app.browser()
	other.csrf(signInPage)
	if r := other.get(callback); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "This sign-in cannot be completed") {
		t.Errorf("replayed in another browser: status %d", r.Status)
	}
	if r := other.get("/account"); answerOf(r) != toSignIn {
		t.Error("the other browser is signed in")
	}
	// The browser that started it signs in once.
	if r := b.get(callback); r.Status != http.StatusSeeOther {
		t.Fatalf("callback: status %d\n%s", r.Status, r.Body)
	}
	if r := b.get(callback); r.Status != http.StatusBadRequest {
		t.Errorf("callback replayed in the same browser: status %d, want 400", r.Status)
	}

	// A sign-in whose callback fails is not tried again with the same
	// state either.
	c := app.browser()
	cb := app.ssoCallback(c, "ada")
	u, err := url.Parse(cb)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("state", "forged")
	u.RawQuery = q.Encode()
	if r := c.get(u.RequestURI()); r.Status != http.StatusBadRequest {
		t.Errorf("forged state: status %d, want 400", r.Status)
	}
	if r := c.get(cb); r.Status != http.StatusBadRequest {
		t.Errorf("the right state after a forged one: status %d, want 400: a sign-in is used once", r.Status)
	}
}

func TestSSOGroupRemoved(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scopes []string
	}{
		{"refresh token", []string{"offline_access"}},
		{"userinfo", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := newSSOTestApp(t, tc.scopes, nil)
			app.mapGroup("cd-editors", store.RoleEditor, 0)
			app.person("sub-ada", "ada", "ada@example.com", true, "cd-editors")
			b := app.browser()
			if r := app.ssoSignIn(b, "ada"); r.Status != http.StatusSeeOther {
				t.Fatalf("sign in: status %d", r.Status)
			}
			app.Provider.SetGroups("sub-ada", []string{"marketing"})

			// Within the groups' TTL the session is trusted as it is.
			app.Clock.Advance(handlers.GroupsTTL - time.Minute)
			if r := b.get("/account"); r.Status != http.StatusOK {
				t.Fatalf("before the groups are read again: status %d", r.Status)
			}
			app.Clock.Advance(time.Minute)
			r := b.get("/account")
			if answerOf(r) != toSignIn {
				t.Fatalf("after the groups are read again: %s, want the sign-in page", answerOf(r))
			}
			if page := b.get(signInPage); !strings.Contains(page.Body, "groups no longer give you access") &&
				!strings.Contains(page.Body, "could not confirm your groups") {
				t.Errorf("the sign-in page does not say why:\n%s", page.Body)
			}
			if tc.name == "refresh token" {
				ev := app.newestSecurityEvent()
				if ev.Kind != store.AuditSignedOut || !strings.Contains(ev.Summary, "no longer give access") {
					t.Errorf("newest event %s %q", ev.Kind, ev.Summary)
				}
			}
			if r := app.ssoSignIn(app.browser(), "ada"); r.Status != http.StatusForbidden {
				t.Errorf("signing in again: status %d, want 403", r.Status)
			}
		})
	}
}

func TestSSOGroupsChangeTeams(t *testing.T) {
	app := newSSOTestApp(t, []string{"offline_access"}, nil)
	app.sync()
	ctx := context.Background()
	orgs := app.Sandbox.Organizations()
	var teams [2]store.Team
	for i, name := range []string{"Red", "Blue"} {
		var err error
		if teams[i], err = app.Store.CreateTeam(ctx, name, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.AddTeamOrganization(ctx, teams[i].ID, orgs[i].ID, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
			t.Fatal(err)
		}
	}
	app.mapGroup("red", store.RoleEditor, teams[0].ID)
	app.mapGroup("blue", store.RoleEditor, teams[1].ID)
	app.person("sub-ada", "ada", "ada@example.com", true, "red")
	b := app.browser()
	if r := app.ssoSignIn(b, "ada"); r.Status != http.StatusSeeOther {
		t.Fatalf("sign in: status %d", r.Status)
	}
	red, blue := "/organizations/"+strconv.Itoa(orgs[0].ID), "/organizations/"+strconv.Itoa(orgs[1].ID)
	if b.get(red).Status != http.StatusOK || b.get(blue).Status != http.StatusForbidden {
		t.Fatal("before: want Red's organization only")
	}
	app.Provider.SetGroups("sub-ada", []string{"blue"})
	app.Clock.Advance(handlers.GroupsTTL)
	if got := b.get(red).Status; got != http.StatusForbidden {
		t.Errorf("Red's organization after leaving the group: %d, want 403", got)
	}
	if got := b.get(blue).Status; got != http.StatusOK {
		t.Errorf("Blue's organization after joining the group: %d, want 200", got)
	}

	// Disabling the user in the portal ends the session at once.
	u, err := app.Store.UserBySubject(ctx, app.Provider.Issuer, "sub-ada")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Store.DisableUser(ctx, u.ID, fixtureEvent[store.User](store.AuditUserDisabled)); err != nil {
		t.Fatal(err)
	}
	if r := b.get(blue); answerOf(r) != toSignIn {
		t.Errorf("after disabling: %s, want the sign-in page", answerOf(r))
	}
}

func TestSSOProviderDown(t *testing.T) {
	app := newSSOTestApp(t, nil, nil)
	if err := app.Provider.Close(); err != nil {
		t.Fatal(err)
	}
	b := app.browser()
	r := b.post("/login/sso", url.Values{"_csrf": {b.csrf(signInPage)}})
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "cannot reach the identity provider") {
		t.Errorf("SSO button with the provider down: status %d", r.Status)
	}
	b.signIn(app.Admin.Email, testPassword) // passwords still work
}

func TestPasswordSignInPolicy(t *testing.T) {
	t.Run("admins", func(t *testing.T) {
		app := newSSOTestApp(t, nil, func(cfg *handlers.Config) { cfg.PasswordSignIn = handlers.PasswordSignInAdmins })
		app.createUser("editor@example.com", store.RoleEditor)
		b := app.browser()
		r := b.submitSignIn("editor@example.com", testPassword, "")
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Only administrators sign in with a password") {
			t.Errorf("editor with a password: status %d", r.Status)
		}
		if got := b.get("/account"); answerOf(got) != toSignIn {
			t.Error("the editor is signed in")
		}
		if ev := app.newestSecurityEvent(); ev.Kind != store.AuditSignInFailed || !strings.Contains(ev.Summary, "administrators only") {
			t.Errorf("newest event %s %q", ev.Kind, ev.Summary)
		}
		app.browser().signIn(app.Admin.Email, testPassword)
	})
	t.Run("none", func(t *testing.T) {
		app := newSSOTestApp(t, nil, nil)
		none := startTestApp(t, func(base string, cfg *handlers.Config) {
			cfg.SSO = newUnusedSSOClient(t, app.Provider.Issuer, base)
			cfg.PasswordSignIn = handlers.PasswordSignInNone
		})
		none.createUser("admin@example.com", store.RoleAdmin)
		page := none.get(signInPage)
		if strings.Contains(page.Body, `id="password"`) || !strings.Contains(page.Body, "Sign in with SSO") {
			t.Errorf("the sign-in page offers a password, or no SSO:\n%s", page.Body)
		}
		if r := none.submitSignIn("admin@example.com", testPassword, ""); r.Status != http.StatusForbidden {
			t.Errorf("password sign-in: status %d, want 403", r.Status)
		}
	})
}

// newUnusedSSOClient is a client of the provider at issuer for a portal
// at base, never signed in with.
func newUnusedSSOClient(t *testing.T, issuer, base string) *sso.Client {
	t.Helper()
	c, err := sso.New(sso.Config{Issuer: issuer, ClientID: "unused", ClientSecret: "s", RedirectURL: base + handlers.SSOCallbackPath})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
