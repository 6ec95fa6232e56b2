package handlers_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// TestOrganizationPageSharedByRead checks that an organization page
// rendered once for a read is shown to others only with their own form
// token, and only to those with the same rights.
func TestOrganizationPageSharedByRead(t *testing.T) {
	app := newTestApp(t)
	ctx := context.Background()
	org := orgWithTechnical(t, app.Sandbox)
	if err := app.Store.ReplaceOrganizations(ctx, []store.Organization{{ID: org.ID, Name: org.Name, Status: "active", IsActive: true}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	editor, _ := app.teamEditor("editor@example.com", "Red", org.ID)
	auditor, _ := app.signedIn("auditor@example.com", store.RoleAuditor)
	path := "/organizations/" + strconv.Itoa(org.ID)
	reviewAction := `action="/organizations/` + strconv.Itoa(org.ID) + `/review"`

	for round := range 2 { // the second round is served from the first's rendering
		for _, viewer := range []struct {
			name    string
			app     *testApp
			canEdit bool
		}{{"admin", app, true}, {"editor", editor, true}, {"auditor", auditor, false}} {
			r := viewer.app.get(path)
			if r.Status != http.StatusOK {
				t.Fatalf("round %d, %s: status %d", round, viewer.name, r.Status)
			}
			if strings.Contains(r.Body, "form-token-") {
				t.Errorf("round %d, %s: the page shows the token placeholder", round, viewer.name)
			}
			if got := strings.Contains(r.Body, reviewAction); got != viewer.canEdit {
				t.Errorf("round %d, %s: edit form shown %t, want %t", round, viewer.name, got, viewer.canEdit)
			}
			own := viewer.app.csrf("/organizations")
			for _, m := range csrfInput.FindAllStringSubmatch(r.Body, -1) {
				if m[1] != own {
					t.Errorf("round %d, %s: a form carries the token %q, not the viewer's own", round, viewer.name, m[1])
				}
			}
		}
		if app.organizationReads(org.ID) != 1 {
			t.Errorf("round %d: %d reads from DigiCert, want 1 shared by every view", round, app.organizationReads(org.ID))
		}
	}

	// The token put into a page shown again is one the portal accepts.
	page := editor.get(path)
	form := prefilled(org, csrfInput.FindStringSubmatch(page.Body)[1])
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "Shared page check")
	if r, _ := editor.review(org.ID, form); r.Status != http.StatusOK || !strings.Contains(r.Body, "Shared page check") {
		t.Errorf("review with the token of a page shown again: status %d", r.Status)
	}
}
