package handlers_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// TestAuditLogPageForEachReader checks that each reader of the audit log
// is shown what their role and teams allow, and that a change to either,
// or a new submission, shows on their next page.
func TestAuditLogPageForEachReader(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	seedSubmissions(t, app.Store, 6) // organizations 500, 501 and 502
	var cached []store.Organization
	for i := range 3 {
		cached = append(cached, store.Organization{ID: 500 + i, Name: fmt.Sprint("Org ", i), Status: "active", IsActive: true})
	}
	if err := app.Store.ReplaceOrganizations(ctx, cached, time.Now()); err != nil {
		t.Fatal(err)
	}
	editor, team := app.teamEditor("editor@example.com", "Red", 501)
	blueEditor, _ := app.teamEditor("blue@example.com", "Blue", 502)
	auditor, _ := app.signedIn("auditor@example.com", store.RoleAuditor)
	all := wantListed(6, func(int) bool { return true })

	const head = "Latest checkpoint"
	r := app.get("/audit")
	if got := listedSubmissions(r.Body); !slices.Equal(got, all) || !strings.Contains(r.Body, head) || !strings.Contains(r.Body, ">Test admin</a>") {
		t.Errorf("admin: listed %v, checkpoint shown %t, own name shown %t", got, strings.Contains(r.Body, head), strings.Contains(r.Body, ">Test admin</a>"))
	}
	r = editor.get("/audit")
	if got, want := listedSubmissions(r.Body), []string{"sub-004", "sub-001"}; !slices.Equal(got, want) || strings.Contains(r.Body, head) || !strings.Contains(r.Body, ">Test editor</a>") || strings.Contains(r.Body, "Security events") {
		t.Errorf("editor: listed %v, want %v; checkpoint shown %t, own name shown %t, security link %t",
			got, want, strings.Contains(r.Body, head), strings.Contains(r.Body, ">Test editor</a>"), strings.Contains(r.Body, "Security events"))
	}
	if got, want := listedSubmissions(blueEditor.get("/audit").Body), []string{"sub-005", "sub-002"}; !slices.Equal(got, want) {
		t.Errorf("editor of another team: listed %v, want %v", got, want)
	}
	r = auditor.get("/audit")
	if got := listedSubmissions(r.Body); !slices.Equal(got, all) || !strings.Contains(r.Body, head) || !strings.Contains(r.Body, "Security events") {
		t.Errorf("auditor: listed %v, checkpoint shown %t, security link %t", got, strings.Contains(r.Body, head), strings.Contains(r.Body, "Security events"))
	}
	// Each page carries its own session's form token.
	adminToken, editorToken := app.csrf("/audit"), editor.csrf("/audit")
	if adminToken == editorToken || adminToken != app.csrf("/organizations") || editorToken != editor.csrf("/organizations") {
		t.Errorf("the audit log's form tokens are not each session's own")
	}

	// A new organization for the team widens the editor's page at once.
	if _, err := app.Store.AddTeamOrganization(ctx, team.ID, 500, fixtureEvent[store.Team](store.AuditTeamChanged)); err != nil {
		t.Fatal(err)
	}
	if got, want := listedSubmissions(editor.get("/audit").Body), []string{"sub-004", "sub-003", "sub-001", "sub-000"}; !slices.Equal(got, want) {
		t.Errorf("editor after a new team organization: listed %v, want %v", got, want)
	}

	// A new submission shows at once, on every page that lists it.
	e := store.AuditEvent{
		SubmissionID: "sub-100", Kind: store.AuditRequested, OccurredAt: time.Now(),
		ActorID: 1, ActorEmail: "admin@example.com", OrganizationID: 501, OrganizationName: "Org 1",
		RequestBody: `{"contacts":[{"contact_type":"technical_contact"}]}`, Summary: "Technical contact removed",
	}
	if _, err := app.Store.AppendAuditEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if got := listedSubmissions(app.get("/audit").Body); len(got) != 7 || got[0] != "sub-100" {
		t.Errorf("admin after a new submission: listed %v, want sub-100 first of 7", got)
	}
	if got := listedSubmissions(editor.get("/audit").Body); len(got) != 5 || got[0] != "sub-100" {
		t.Errorf("editor after a new submission: listed %v, want sub-100 first of 5", got)
	}
	latest, err := app.Checkpoints.Sign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if body := app.get("/audit").Body; !strings.Contains(body, hex.EncodeToString(latest.Root[:8])) {
		t.Errorf("the admin's page does not show the newest checkpoint, root %x", latest.Root)
	}
}
