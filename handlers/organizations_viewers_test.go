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

// TestOrganizationPageForEachViewer checks that an organization page is
// rendered for its viewer: their own form token in every form, the change
// form and the Read again link only for those who may use them, while one
// read from DigiCert serves them all.
func TestOrganizationPageForEachViewer(t *testing.T) {
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

	for _, viewer := range []struct {
		name    string
		app     *testApp
		canEdit bool
	}{{"admin", app, true}, {"editor", editor, true}, {"auditor", auditor, false}} {
		r := viewer.app.get(path)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: status %d", viewer.name, r.Status)
		}
		if got := strings.Contains(r.Body, reviewAction); got != viewer.canEdit {
			t.Errorf("%s: edit form shown %t, want %t", viewer.name, got, viewer.canEdit)
		}
		if got := strings.Contains(r.Body, "Read again from DigiCert"); got != viewer.canEdit {
			t.Errorf("%s: Read again from DigiCert shown %t, want %t", viewer.name, got, viewer.canEdit)
		}
		own := viewer.app.csrf("/organizations")
		for _, m := range csrfInput.FindAllStringSubmatch(r.Body, -1) {
			if m[1] != own {
				t.Errorf("%s: a form carries the token %q, not the viewer's own", viewer.name, m[1])
			}
		}
	}
	if n := app.organizationReads(org.ID); n != 1 {
		t.Errorf("%d reads from DigiCert, want 1 shared by every view", n)
	}

	page := editor.get(path)
	form := prefilled(org, csrfInput.FindStringSubmatch(page.Body)[1])
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "Own token check")
	if r, _ := editor.review(org.ID, form); r.Status != http.StatusOK || !strings.Contains(r.Body, "Own token check") {
		t.Errorf("review with the token of the editor's page: status %d", r.Status)
	}
}
