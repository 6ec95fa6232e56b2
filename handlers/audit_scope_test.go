package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// TestAuditScope checks that editors read only their teams' history, in
// the list, on submission pages and in exports, while auditors read all.
func TestAuditScope(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	seedSubmissions(t, app.Store, 6) // organizations 500, 501 and 502
	var cached []store.Organization
	for i := range 3 {
		cached = append(cached, store.Organization{ID: 500 + i, Name: "Org " + string(rune('0'+i)), Status: "active", IsActive: true})
	}
	if err := app.Store.ReplaceOrganizations(ctx, cached, time.Now()); err != nil {
		t.Fatal(err)
	}

	editor, _ := app.teamEditor("editor@example.com", "Red", 501)
	auditor, _ := app.signedIn("auditor@example.com", store.RoleAuditor)

	// Submission i is for organization 500+i%3: 1 and 4 are the team's.
	if got, want := strings.Join(listedSubmissions(editor.get("/audit").Body), " "), "sub-004 sub-001"; got != want {
		t.Errorf("editor's audit log lists %q, want %q", got, want)
	}
	if got := listedSubmissions(auditor.get("/audit").Body); len(got) != 6 {
		t.Errorf("auditor's audit log lists %d submissions, want 6", len(got))
	}
	if r := editor.get("/audit/submissions/sub-004"); r.Status != http.StatusOK {
		t.Errorf("editor, own team's submission: %d, want 200", r.Status)
	}
	for _, id := range []string{"sub-000", "sub-002", "sub-003", "sub-005"} {
		if r := editor.get("/audit/submissions/" + id); r.Status == http.StatusOK {
			t.Errorf("editor reads %s of another team's organization", id)
		}
	}
	export := editor.get("/audit/export?format=csv").Body
	if !strings.Contains(export, "sub-001") || strings.Contains(export, "sub-000") || strings.Contains(export, "sub-002") {
		t.Errorf("editor's export is not limited to the team's organizations:\n%s", export)
	}
}
