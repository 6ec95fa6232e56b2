package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// TestReadAgainOnlyForEditorsAndAdmins checks that an auditor's fresh=1
// is served from the cached read, while an editor's reads DigiCert again.
func TestReadAgainOnlyForEditorsAndAdmins(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	app.sync()
	path := "/organizations/" + strconv.Itoa(org.ID)
	editor, _ := app.teamEditor("editor@example.com", "Red", org.ID)
	auditor, _ := app.signedIn("auditor@example.com", store.RoleAuditor)

	if r := auditor.get(path); r.Status != http.StatusOK || strings.Contains(r.Body, "Read again from DigiCert") {
		t.Fatalf("auditor's page: status %d, Read again offered %t", r.Status, strings.Contains(r.Body, "Read again from DigiCert"))
	}
	app.setTechnicalJobTitle(org.ID, "Changed at DigiCert")
	r := auditor.get(path + "?fresh=1")
	if got := app.organizationReads(org.ID); got != 1 {
		t.Errorf("an auditor's fresh=1 made %d reads in all, want 1: served from the cache", got)
	}
	if r.Status != http.StatusOK || strings.Contains(r.Body, "Changed at DigiCert") {
		t.Errorf("an auditor's fresh=1: status %d, shows DigiCert's new state %t; want the cached read", r.Status, strings.Contains(r.Body, "Changed at DigiCert"))
	}
	r = editor.get(path + "?fresh=1")
	if got := app.organizationReads(org.ID); got != 2 || !strings.Contains(r.Body, "Changed at DigiCert") {
		t.Errorf("an editor's fresh=1: %d reads in all, shows the new state %t; want 2 and the new state", got, strings.Contains(r.Body, "Changed at DigiCert"))
	}
}

// TestReadAgainCappedPerUser checks that a user's reads of DigiCert on
// demand are capped, that one over the cap is shown the cached read and
// told when they can read again, and that the cap is theirs alone.
func TestReadAgainCappedPerUser(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	app.sync()
	path := "/organizations/" + strconv.Itoa(org.ID)
	editor, _ := app.teamEditor("editor@example.com", "Red", org.ID)
	const allowance = 10

	for i := range allowance {
		if r := editor.get(path + "?fresh=1"); r.Status != http.StatusOK || strings.Contains(r.Body, "You can read again") {
			t.Fatalf("fresh read %d: status %d, refused %t", i+1, r.Status, strings.Contains(r.Body, "You can read again"))
		}
	}
	if got := app.organizationReads(org.ID); got != allowance {
		t.Fatalf("%d fresh reads made %d reads, want %d", allowance, got, allowance)
	}
	app.setTechnicalJobTitle(org.ID, "Changed at DigiCert")
	r := editor.get(path + "?fresh=1")
	if got := app.organizationReads(org.ID); got != allowance {
		t.Errorf("a fresh read over the cap made a read (%d in all)", got)
	}
	next := app.Clock.Now().Add(6 * time.Second).UTC()
	want := "you can read again from DigiCert at " + next.Add(time.Second-1).Truncate(time.Second).Format("2 Jan 2006 15:04:05 UTC") + "."
	if r.Status != http.StatusOK || !strings.Contains(r.Body, want) || strings.Contains(r.Body, "Changed at DigiCert") {
		t.Errorf("over the cap: status %d, says %q %t, shows the new state %t; want the cached read and when to read again",
			r.Status, want, strings.Contains(r.Body, want), strings.Contains(r.Body, "Changed at DigiCert"))
	}

	// Another user's allowance is their own.
	if r := app.get(path + "?fresh=1"); !strings.Contains(r.Body, "Changed at DigiCert") {
		t.Error("the admin's fresh read was refused because of the editor's")
	}

	// The bucket fills again: one read every six seconds.
	app.Clock.Advance(6 * time.Second)
	before := app.organizationReads(org.ID)
	if r := editor.get(path + "?fresh=1"); strings.Contains(r.Body, "You can read again") || app.organizationReads(org.ID) != before+1 {
		t.Errorf("six seconds later: refused %t, %d new reads; want one read", strings.Contains(r.Body, "You can read again"), app.organizationReads(org.ID)-before)
	}
}

// TestRefreshListCapped checks that the organization list's refresh is
// offered to editors and admins only, and counts against the same cap.
func TestRefreshListCapped(t *testing.T) {
	app := newTestApp(t)
	auditor, _ := app.signedIn("auditor@example.com", store.RoleAuditor)
	if strings.Contains(auditor.get("/organizations").Body, "Refresh from DigiCert") {
		t.Error("the auditor's list offers Refresh from DigiCert")
	}
	if !strings.Contains(app.get("/organizations").Body, "Refresh from DigiCert") {
		t.Error("the admin's list does not offer Refresh from DigiCert")
	}
	lists := func() int {
		n := 0
		for _, r := range app.Sandbox.Requests() {
			if path, _, _ := strings.Cut(r.Path, "?"); r.Method == http.MethodGet && path == "/services/v2/organization" {
				n++
			}
		}
		return n
	}
	token := app.csrf("/organizations")
	for i := range 10 {
		app.post("/organizations/refresh", url.Values{"_csrf": {token}})
		if page := app.get("/organizations"); strings.Contains(page.Body, "You can read again") {
			t.Fatalf("refresh %d refused", i+1)
		}
	}
	before := lists()
	if before < 10 {
		t.Fatalf("10 refreshes read the list %d times", before)
	}
	if r := app.post("/organizations/refresh", url.Values{"_csrf": {token}}); r.Status != http.StatusSeeOther {
		t.Fatalf("refresh over the cap: status %d, want 303", r.Status)
	}
	if got := lists() - before; got != 0 {
		t.Errorf("a refresh over the cap read the list %d times", got)
	}
	if page := app.get("/organizations"); !strings.Contains(page.Body, "you can read again from DigiCert at") {
		t.Error("a refresh over the cap does not say when the user can refresh again")
	}
}
