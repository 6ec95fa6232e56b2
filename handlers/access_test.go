package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

// Expected answers in the route table.
const (
	ok        = "200"
	invalid   = "422"
	forbidden = "403"
	notFound  = "404"
	badInput  = "400"
	// toSignIn is a 303 to the sign-in page; moved a 303 anywhere else.
	toSignIn = "sign-in"
	moved    = "303"
)

// roles are the columns of the table: who makes the request.
// A team maintainer is an editor outside the teams that own organizations
// who maintains the team the team routes change.
var roles = []string{"anonymous", "admin", "editor in team", "editor outside team", "auditor", "disabled user", "team maintainer"}

// routeCase is one row: a request and the answer each role gets, in the
// order of roles.
type routeCase struct {
	method, route string // route as registered, for the coverage check
	path          string // with the ids filled in
	form          url.Values
	want          [7]string
}

func signedInOnly(answer string) [7]string {
	return [7]string{toSignIn, answer, answer, answer, answer, toSignIn, answer}
}

func adminOnly(answer string) [7]string {
	return [7]string{toSignIn, answer, forbidden, forbidden, forbidden, toSignIn, forbidden}
}

// adminOrMaintainer is for the team routes a team's maintainers use too.
func adminOrMaintainer(answer string) [7]string {
	return [7]string{toSignIn, answer, forbidden, forbidden, forbidden, toSignIn, answer}
}

func everyone(answer string) [7]string {
	return [7]string{answer, answer, answer, answer, answer, answer, answer}
}

// TestRouteAccess asks every route as every role and checks the status,
// and that the table covers every route the portal registers.
func TestRouteAccess(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	ctx := context.Background()
	orgs := app.Sandbox.Organizations()
	owned, other := orgs[0].ID, orgs[1].ID

	red, err := app.Store.CreateTeam(ctx, "Red", fixtureEvent[store.Team](store.AuditTeamChanged))
	if err != nil {
		t.Fatal(err)
	}
	green, err := app.Store.CreateTeam(ctx, "Green", fixtureEvent[store.Team](store.AuditTeamChanged))
	if err != nil {
		t.Fatal(err)
	}
	blue, err := app.Store.CreateTeam(ctx, "Blue", fixtureEvent[store.Team](store.AuditTeamChanged)) // changed by the team routes
	if err != nil {
		t.Fatal(err)
	}
	target := app.createUser("target@example.com", store.RoleEditor)
	users := map[string]store.User{
		"admin":               app.createUser("admin2@example.com", store.RoleAdmin),
		"editor in team":      app.createUser("in@example.com", store.RoleEditor),
		"editor outside team": app.createUser("out@example.com", store.RoleEditor),
		"auditor":             app.createUser("auditor@example.com", store.RoleAuditor),
		"disabled user":       app.createUser("disabled@example.com", store.RoleEditor),
		"team maintainer":     app.createUser("maintainer@example.com", store.RoleEditor),
	}
	if _, err := app.Store.AddTeamMaintainer(ctx, blue.ID, users["team maintainer"].ID, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		team, user int
		org        int
	}{
		{red.ID, users["editor in team"].ID, owned},
		{red.ID, users["disabled user"].ID, owned},
		{green.ID, users["editor outside team"].ID, other},
	} {
		if _, err := app.Store.AddTeamMember(ctx, step.team, step.user, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Store.AddTeamOrganization(ctx, step.team, step.org, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
			t.Fatal(err)
		}
	}

	for _, id := range []int{owned, other} {
		if _, err := app.Directory.ReadOrganization(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	person := app.person(orgs[0].OrganizationContact.Email)
	if _, err := app.Checkpoints.Sign(ctx); err != nil {
		t.Fatal(err)
	}
	org, uid, tid, pid := strconv.Itoa(owned), strconv.Itoa(target.ID), strconv.Itoa(blue.ID), strconv.Itoa(person.ID)
	// Bulk changes made by the editor in the team, one for each action.
	maker := users["editor in team"]
	jobs := map[string]string{}
	for _, state := range []string{"review", "running", "paused", "cancel", "succeeded", "failed"} {
		jobs[state] = strconv.FormatInt(app.accessJob(maker, owned, state), 10)
	}
	bulkForm := url.Values{"organization": {org}, "organization_contact.action": {"update"}, "organization_contact.job_title": {"Access"}}
	cases := []routeCase{
		{"GET", "/", "/", nil, signedInOnly(moved)},
		{"GET", "/login", "/login", nil, [7]string{ok, moved, moved, moved, moved, ok, moved}},
		// The disabled user's session ended with the account: their
		// browser's form token is no session's any more.
		{"POST", "/login", "/login", url.Values{}, [7]string{invalid, invalid, invalid, invalid, invalid, forbidden, invalid}},
		{"GET", "/setup", "/setup", nil, everyone(notFound)},
		{"POST", "/setup", "/setup", url.Values{"token": {"guess"}}, [7]string{notFound, notFound, notFound, notFound, notFound, forbidden, notFound}},
		{"GET", "/password", "/password?token=guess", nil, everyone(notFound)},
		{"POST", "/password", "/password", url.Values{"token": {"guess"}}, [7]string{notFound, notFound, notFound, notFound, notFound, forbidden, notFound}},
		{"GET", "/account", "/account", nil, signedInOnly(ok)},
		{"POST", "/account/password", "/account/password", url.Values{}, signedInOnly(invalid)},
		{"POST", "/account/sessions/:session/end", "/account/sessions/999999/end", url.Values{}, signedInOnly(moved)},
		{"POST", "/account/sessions/end-others", "/account/sessions/end-others", url.Values{}, signedInOnly(moved)},
		{"GET", "/organizations", "/organizations", nil, signedInOnly(ok)},
		{"POST", "/organizations/refresh", "/organizations/refresh", url.Values{}, [7]string{toSignIn, moved, moved, moved, forbidden, toSignIn, moved}},
		{"GET", "/organizations/:id", "/organizations/" + org, nil, [7]string{toSignIn, ok, ok, forbidden, ok, toSignIn, forbidden}},
		{"POST", "/organizations/:id/review", "/organizations/" + org + "/review", url.Values{"mode": {"json"}, "request_json": {"[]"}},
			[7]string{toSignIn, invalid, invalid, forbidden, forbidden, toSignIn, forbidden}},
		{"POST", "/organizations/:id/send", "/organizations/" + org + "/send", url.Values{"draft": {"none"}},
			[7]string{toSignIn, moved, moved, forbidden, forbidden, toSignIn, forbidden}},
		{"GET", "/audit", "/audit", nil, signedInOnly(ok)},
		{"GET", "/audit/export", "/audit/export?format=csv", nil, signedInOnly(ok)},
		{"GET", "/audit/submissions/:id", "/audit/submissions/none", nil, signedInOnly(notFound)},
		{"GET", "/audit/security", "/audit/security", nil, [7]string{toSignIn, ok, forbidden, forbidden, ok, toSignIn, forbidden}},
		{"GET", "/audit/checkpoint", "/audit/checkpoint", nil, [7]string{toSignIn, ok, forbidden, forbidden, ok, toSignIn, forbidden}},
		{"GET", "/audit/submissions/:id/proof", "/audit/submissions/none/proof", nil,
			[7]string{toSignIn, notFound, forbidden, forbidden, notFound, toSignIn, forbidden}},
		{"GET", "/people", "/people", nil, signedInOnly(ok)},
		{"GET", "/people/export", "/people/export", nil, signedInOnly(ok)},
		{"GET", "/people/:id", "/people/" + pid, nil, [7]string{toSignIn, ok, ok, notFound, ok, toSignIn, notFound}},
		{"GET", "/bulk", "/bulk", nil, signedInOnly(ok)},
		{"GET", "/bulk/new", "/bulk/new?person=" + pid, nil, [7]string{toSignIn, ok, ok, notFound, forbidden, toSignIn, notFound}},
		{"POST", "/bulk", "/bulk", bulkForm, [7]string{toSignIn, moved, moved, moved, forbidden, toSignIn, moved}},
		{"GET", "/bulk/:id", "/bulk/" + jobs["review"], nil, [7]string{toSignIn, ok, ok, forbidden, ok, toSignIn, forbidden}},
		{"GET", "/bulk/:id/progress", "/bulk/" + jobs["running"] + "/progress", nil, [7]string{toSignIn, ok, ok, forbidden, ok, toSignIn, forbidden}},
		{"GET", "/bulk/:id/export", "/bulk/" + jobs["succeeded"] + "/export", nil, [7]string{toSignIn, ok, ok, forbidden, ok, toSignIn, forbidden}},
		{"GET", "/bulk/:id/items/:position/request", "/bulk/" + jobs["review"] + "/items/1/request", nil, [7]string{toSignIn, ok, ok, forbidden, ok, toSignIn, forbidden}},
		{"POST", "/bulk/:id/pause", "/bulk/" + jobs["running"] + "/pause", url.Values{}, [7]string{toSignIn, moved, moved, forbidden, forbidden, toSignIn, forbidden}},
		{"POST", "/bulk/:id/resume", "/bulk/" + jobs["paused"] + "/resume", url.Values{}, [7]string{toSignIn, moved, moved, forbidden, forbidden, toSignIn, forbidden}},
		{"POST", "/bulk/:id/cancel", "/bulk/" + jobs["cancel"] + "/cancel", url.Values{}, [7]string{toSignIn, moved, moved, forbidden, forbidden, toSignIn, forbidden}},
		{"POST", "/bulk/:id/restore", "/bulk/" + jobs["succeeded"] + "/restore", url.Values{}, [7]string{toSignIn, moved, moved, forbidden, forbidden, toSignIn, forbidden}},
		{"POST", "/bulk/:id/retry", "/bulk/" + jobs["failed"] + "/retry", url.Values{}, [7]string{toSignIn, moved, moved, forbidden, forbidden, toSignIn, forbidden}},
		{"POST", "/bulk/:id/start", "/bulk/" + jobs["review"] + "/start", url.Values{}, [7]string{toSignIn, moved, moved, forbidden, forbidden, toSignIn, forbidden}},
		{"GET", "/directory", "/directory", nil, adminOnly(ok)},
		{"POST", "/directory/pause", "/directory/pause", url.Values{}, adminOnly(moved)},
		{"POST", "/directory/resume", "/directory/resume", url.Values{}, adminOnly(moved)},
		{"GET", "/users", "/users", nil, adminOnly(ok)},
		{"GET", "/users/new", "/users/new", nil, adminOnly(ok)},
		{"POST", "/users", "/users", url.Values{}, adminOnly(invalid)},
		{"GET", "/users/:id", "/users/" + uid, nil, adminOnly(ok)},
		{"POST", "/users/:id/role", "/users/" + uid + "/role", url.Values{"role": {"auditor"}}, adminOnly(moved)},
		{"GET", "/users/:id/disable", "/users/" + uid + "/disable", nil, adminOnly(ok)},
		{"GET", "/users/:id/reset-password", "/users/" + uid + "/reset-password", nil, adminOnly(ok)},
		{"GET", "/teams/:id/delete", "/teams/" + tid + "/delete", nil, adminOnly(ok)},
		{"POST", "/users/:id/disable", "/users/" + uid + "/disable", url.Values{}, adminOnly(moved)},
		{"POST", "/users/:id/enable", "/users/" + uid + "/enable", url.Values{}, adminOnly(moved)},
		{"POST", "/users/:id/reset-password", "/users/" + uid + "/reset-password", url.Values{}, adminOnly(moved)},
		{"POST", "/users/:id/sign-out", "/users/" + uid + "/sign-out", url.Values{}, adminOnly(moved)},
		{"POST", "/users/:id/sessions/:session/end", "/users/" + uid + "/sessions/999999/end", url.Values{}, adminOnly(moved)},
		{"GET", "/teams", "/teams", nil, adminOnly(ok)},
		{"POST", "/teams", "/teams", url.Values{}, adminOnly(invalid)},
		{"GET", "/teams/:id", "/teams/" + tid + "?q=a", nil, adminOrMaintainer(ok)},
		{"POST", "/teams/:id/members", "/teams/" + tid + "/members", url.Values{"user_id": {uid}}, adminOrMaintainer(moved)},
		{"POST", "/teams/:id/members/remove", "/teams/" + tid + "/members/remove", url.Values{"user_id": {uid}}, adminOrMaintainer(moved)},
		{"POST", "/teams/:id/maintainers", "/teams/" + tid + "/maintainers", url.Values{"maintainer_id": {uid}}, adminOnly(moved)},
		{"POST", "/teams/:id/maintainers/remove", "/teams/" + tid + "/maintainers/remove", url.Values{"user_id": {uid}}, adminOnly(moved)},
		{"GET", "/group-mappings", "/group-mappings", nil, adminOnly(ok)},
		{"POST", "/group-mappings", "/group-mappings", url.Values{}, adminOnly(invalid)},
		{"POST", "/group-mappings/:id/remove", "/group-mappings/999999/remove", url.Values{}, adminOnly(notFound)},
		{"POST", "/users/:id/allow-sso-link", "/users/" + uid + "/allow-sso-link", url.Values{}, adminOnly(moved)},
		// Without an identity provider configured, sign-in with SSO is
		// not there.
		{"POST", "/login/sso", "/login/sso", url.Values{}, [7]string{notFound, notFound, notFound, notFound, notFound, forbidden, notFound}},
		{"GET", "/login/sso/callback", "/login/sso/callback?state=x&code=y", nil, everyone(notFound)},
		{"POST", "/teams/:id/organizations", "/teams/" + tid + "/organizations", url.Values{"organization_id": {org}}, adminOnly(moved)},
		{"POST", "/teams/:id/organizations/remove", "/teams/" + tid + "/organizations/remove", url.Values{"organization_id": {org}}, adminOnly(moved)},
		{"GET", "/nope", "/nope", nil, signedInOnly(notFound)},
		// Last: these end the session or remove what the others use.
		{"POST", "/teams/:id/delete", "/teams/" + tid + "/delete", url.Values{}, adminOnly(moved)},
		{"POST", "/account/sign-out-everywhere", "/account/sign-out-everywhere", url.Values{}, [7]string{toSignIn, toSignIn, toSignIn, toSignIn, toSignIn, toSignIn, toSignIn}},
		{"POST", "/logout", "/logout", url.Values{}, [7]string{toSignIn, toSignIn, toSignIn, toSignIn, toSignIn, toSignIn, toSignIn}},
	}
	checkRouteCoverage(t, app, cases)

	// Each role signs in once; each request then comes from a new browser
	// holding a copy of that role's cookies, so that no request sees what
	// another did to its browser. The disabled user signs in before being
	// disabled: every request replays the old cookie.
	base, err := url.Parse(app.URL)
	if err != nil {
		t.Fatal(err)
	}
	cookies := map[string][]*http.Cookie{}
	for _, role := range roles {
		b := app.browser()
		if u, ok := users[role]; ok {
			b.signIn(u.Email, testPassword)
		} else {
			b.csrf("/login")
		}
		cookies[role] = b.client.Jar.Cookies(base)
	}
	if _, err := app.Store.DisableUser(ctx, users["disabled user"].ID, fixtureEvent[store.User](store.AuditUserDisabled)); err != nil {
		t.Fatal(err)
	}

	for _, tc := range cases {
		for j, role := range roles {
			b := app.browser()
			b.client.Jar.SetCookies(base, cookies[role])
			var r response
			if tc.method == http.MethodGet {
				r = b.get(tc.path)
			} else {
				form := url.Values{"_csrf": {b.token()}}
				for k, v := range tc.form {
					form[k] = v
				}
				r = b.post(tc.path, form)
			}
			if got := answerOf(r); got != tc.want[j] {
				t.Errorf("%s %s as %s: got %s (status %d, location %q), want %s",
					tc.method, tc.path, role, got, r.Status, r.Header.Get("Location"), tc.want[j])
			}
		}
	}
}

// answerOf names a response the way the table does.
func answerOf(r response) string {
	if r.Status == http.StatusSeeOther {
		if strings.HasPrefix(r.Header.Get("Location"), "/login") {
			return toSignIn
		}
		return moved
	}
	return strconv.Itoa(r.Status)
}

// checkRouteCoverage fails when the portal registers a route the table
// does not ask: every new route must say who may use it.
func checkRouteCoverage(t *testing.T, app *testApp, cases []routeCase) {
	t.Helper()
	asked := map[string]bool{}
	for _, c := range cases {
		asked[c.method+" "+c.route] = true
	}
	var missing []string
	for _, r := range app.Routes {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			continue // not-found catch-alls, HEAD of static files
		}
		if r.Path == "/healthz" || r.Path == "/readyz" || strings.HasPrefix(r.Path, "/static/") {
			continue // public by design, tested elsewhere
		}
		if key := r.Method + " " + r.Path; !asked[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("routes missing from the access table (add a row saying who may use each): %v", missing)
	}
}
