package handlers_test

import (
	"context"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

func TestTeamsAndScope(t *testing.T) {
	app := newTestApp(t)
	app.sync()
	ctx := context.Background()
	orgs := app.Sandbox.Organizations()
	mine, theirs := orgs[3], orgs[4]
	ed, editor := app.signedIn("ed@example.com", store.RoleEditor)
	post := func(path string, form url.Values) response {
		t.Helper()
		form.Set("_csrf", app.token())
		return app.post(path, form)
	}

	// An editor without a team sees no organization.
	if list := ed.get("/organizations"); list.Status != http.StatusOK || strings.Contains(list.Body, `href="/organizations/`) {
		t.Errorf("editor without a team: status %d, want 200 listing nothing", list.Status)
	}

	r := post("/teams", url.Values{"team_name": {"Red"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("create team: status %d", r.Status)
	}
	teamPath := r.Header.Get("Location")
	for _, tt := range []struct{ name, want string }{{"", "Enter a team name"}, {"red", "A team with this name already exists"}} {
		r := post("/teams", url.Values{"team_name": {tt.name}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.want) || !strings.Contains(r.Body, `href="#team_name"`) {
			t.Errorf("team name %q: status %d, want 422 with %q", tt.name, r.Status, tt.want)
		}
	}

	page := app.get(teamPath)
	for _, want := range []string{"<h1>Red</h1>", `<label for="user_id">User</label>`, html.EscapeString(editor.Email), `<label for="q">Search organizations</label>`, ">Delete team</a>"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("team page lacks %s", want)
		}
	}
	if r := post(teamPath+"/members", url.Values{"user_id": {strconv.Itoa(editor.ID)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("add member: status %d", r.Status)
	}
	found := app.get(teamPath + "?q=" + url.QueryEscape(strconv.Itoa(mine.ID)))
	if !strings.Contains(found.Body, `name="organization_id" value="`+strconv.Itoa(mine.ID)+`"`) || !strings.Contains(found.Body, ">Add</button>") {
		t.Fatalf("search by id does not offer organization %d", mine.ID)
	}
	r = post(teamPath+"/organizations", url.Values{"organization_id": {strconv.Itoa(mine.ID)}, "q": {"x"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != teamPath+"?q=x" {
		t.Fatalf("add organization: status %d, location %q; want back to the search", r.Status, r.Header.Get("Location"))
	}

	// The editor now sees and may change that one organization only.
	list := ed.get("/organizations")
	if !strings.Contains(list.Body, `href="/organizations/`+strconv.Itoa(mine.ID)+`"`) || strings.Contains(list.Body, `href="/organizations/`+strconv.Itoa(theirs.ID)+`"`) {
		t.Errorf("editor's list does not show exactly the team's organization")
	}
	if !strings.Contains(list.Body, "Showing 1 to 1 of 1 organizations") {
		t.Errorf("editor's list does not count one organization")
	}
	if r := ed.get("/organizations/" + strconv.Itoa(mine.ID)); r.Status != http.StatusOK {
		t.Errorf("editor on the team's organization: status %d, want 200", r.Status)
	}
	for _, req := range []struct{ method, path string }{
		{"GET", "/organizations/" + strconv.Itoa(theirs.ID)},
		{"POST", "/organizations/" + strconv.Itoa(theirs.ID) + "/review"},
		{"POST", "/organizations/" + strconv.Itoa(theirs.ID) + "/send"},
	} {
		var r response
		if req.method == "GET" {
			r = ed.get(req.path)
		} else {
			r = ed.post(req.path, url.Values{"_csrf": {ed.token()}, "mode": {"json"}, "request_json": {"[]"}})
		}
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "You do not have access to this page") {
			t.Errorf("editor %s %s outside the team: status %d, want the 403 page", req.method, req.path, r.Status)
		}
	}
	auditor, _ := app.signedIn("au@example.com", store.RoleAuditor)
	if r := auditor.get("/organizations/" + strconv.Itoa(theirs.ID)); r.Status != http.StatusOK {
		t.Errorf("auditor viewing any organization: status %d, want 200", r.Status)
	}
	if !strings.Contains(auditor.get("/organizations").Body, "Showing 1 to 50 of "+strconv.Itoa(len(orgs))) {
		t.Error("auditor's list does not show every organization")
	}

	// Ids the admin may not use: nothing changes.
	teamID, err := strconv.Atoi(strings.TrimPrefix(teamPath, "/teams/"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := app.Store.GetTeam(ctx, teamID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		form url.Values
		want int
	}{
		{teamPath + "/members", url.Values{"user_id": {"999"}}, http.StatusBadRequest},
		{teamPath + "/members", url.Values{"user_id": {"abc"}}, http.StatusBadRequest},
		{teamPath + "/organizations", url.Values{"organization_id": {"987654"}}, http.StatusBadRequest},
		{"/teams/999/members", url.Values{"user_id": {strconv.Itoa(editor.ID)}}, http.StatusNotFound},
		{"/teams/999/delete", url.Values{}, http.StatusNotFound},
	} {
		if r := post(tt.path, tt.form); r.Status != tt.want {
			t.Errorf("POST %s %v: status %d, want %d", tt.path, tt.form, r.Status, tt.want)
		}
	}
	if after, err := app.Store.GetTeam(ctx, teamID); err != nil || after != before {
		t.Errorf("team after refused posts = %+v, %v; want %+v", after, err, before)
	}

	if r := post(teamPath+"/organizations/remove", url.Values{"organization_id": {strconv.Itoa(mine.ID)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove organization: status %d", r.Status)
	}
	if r := ed.get("/organizations/" + strconv.Itoa(mine.ID)); r.Status != http.StatusForbidden {
		t.Errorf("editor after the organization left the team: status %d, want 403", r.Status)
	}
	if r := post(teamPath+"/members/remove", url.Values{"user_id": {strconv.Itoa(editor.ID)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("remove member: status %d", r.Status)
	}
	if r := post(teamPath+"/delete", url.Values{}); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/teams" {
		t.Fatalf("delete team: status %d", r.Status)
	}
	if r := app.get(teamPath); r.Status != http.StatusNotFound {
		t.Errorf("deleted team: status %d, want 404", r.Status)
	}
	if got := app.securityKinds(app.Admin.Email, 20); strings.Count(strings.Join(got, " "), "team_changed") != 6 {
		t.Errorf("security events = %v, want 6 team_changed (create, add member, add and remove organization, remove member, delete)", got)
	}
}

func TestAuditorSeesNoChangeForm(t *testing.T) {
	app := newTestApp(t)
	id := strconv.Itoa(app.Sandbox.Organizations()[0].ID)
	auditor, _ := app.signedIn("au@example.com", store.RoleAuditor)
	if r := auditor.get("/organizations/" + id); r.Status != http.StatusOK || strings.Contains(r.Body, ">Review changes</button>") {
		t.Errorf("auditor's organization page: status %d; want 200 without the change form", r.Status)
	}
	if r := app.get("/organizations/" + id); !strings.Contains(r.Body, ">Review changes</button>") {
		t.Error("admin's organization page lacks the change form")
	}
}

// TestTeamChangeMovesTheAuditHead checks that a team created through the
// portal moves the head of the log by its one event before the answer, so
// that the audit page an admin sees next shows the checkpoint signed for
// the new head, not the page rendered for the old one.
func TestTeamChangeMovesTheAuditHead(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	before, err := app.Store.AuditLogHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := app.Checkpoints.Sign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second is rendered afresh too
		if r := app.get("/audit"); !strings.Contains(r.Body, hex.EncodeToString(cp.Root[:8])) {
			t.Fatalf("the admin's audit log does not show the checkpoint's root %x", cp.Root)
		}
	}
	if r := app.post("/teams", url.Values{"_csrf": {app.token()}, "team_name": {"Red"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("create team: status %d", r.Status)
	}
	after, err := app.Store.AuditLogHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.LastID != before.LastID+1 {
		t.Errorf("head %d after creating a team, want its event %d", after.LastID, before.LastID+1)
	}
	next, err := app.Checkpoints.Sign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := app.get("/audit"); next.TreeSize != int64(after.LastID) || !strings.Contains(r.Body, hex.EncodeToString(next.Root[:8])) {
		t.Errorf("after the team: checkpoint of %d events, page shows it %t; want %d", next.TreeSize,
			strings.Contains(r.Body, hex.EncodeToString(next.Root[:8])), after.LastID)
	}
	if got := app.securityKinds(app.Admin.Email, 1); len(got) != 1 || got[0] != "team_changed" {
		t.Errorf("admin's newest security event = %v, want team_changed", got)
	}
}
