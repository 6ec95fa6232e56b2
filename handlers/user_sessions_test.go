package handlers_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

// TestAdminEndsUserSession: a user's page lists their sessions for
// admins, and ends one of them.
func TestAdminEndsUserSession(t *testing.T) {
	app := newTestApp(t)
	phone, ed := app.signedIn("ed@example.com", store.RoleEditor)
	phone.UserAgent = safariOnIPhone
	phone.signIn(ed.Email, testPassword)
	desktop := app.browser()
	desktop.UserAgent = firefoxOnLinux
	desktop.signIn(ed.Email, testPassword)
	userPage := "/users/" + strconv.Itoa(ed.ID)

	page := app.get(userPage)
	for _, want := range []string{"Sessions", "Safari on iPhone", "Firefox on Linux"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("user page lacks %s", want)
		}
	}
	if strings.Contains(page.Body, "(this device)") || strings.Contains(page.Body, "End all other sessions") {
		t.Error("another user's sessions are shown as the admin's own")
	}

	endURL := userPage + "/sessions/" + strconv.FormatInt(phone.session().ID, 10) + "/end"
	if !strings.Contains(page.Body, `action="`+endURL+`"`) {
		t.Fatalf("no End session form for the phone's session (%s)", endURL)
	}
	r := app.post(endURL, url.Values{"_csrf": {app.token()}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != userPage {
		t.Fatalf("end the session: status %d, location %q", r.Status, r.Header.Get("Location"))
	}
	if page := app.get(userPage); !strings.Contains(page.Body, "Ended the session of Test editor on Safari on iPhone.") || strings.Contains(page.Body, "Safari on iPhone</td>") {
		t.Error("after ending the session: no message, or it is still listed")
	}
	signedOut(t, "the ended session", phone)
	signedInStill(t, "the user's other session", desktop)
	signedInStill(t, "the admin", app)
	if got := app.sessionEvents(1); len(got) != 1 || !strings.HasPrefix(got[0], "admin@example.com: Ended a session of Test editor <ed@example.com>") {
		t.Errorf("recorded %q, want the admin ending ed's session", got)
	}

	// Ended already, or someone else's: nothing happens.
	r = app.post(endURL, url.Values{"_csrf": {app.token()}})
	if page := app.get(userPage); r.Status != http.StatusSeeOther || !strings.Contains(page.Body, "That session had already ended.") {
		t.Errorf("ending it again: status %d, want 303 and a message", r.Status)
	}
	other := "/users/" + strconv.Itoa(app.Admin.ID) + "/sessions/" + strconv.FormatInt(desktop.session().ID, 10) + "/end"
	app.post(other, url.Values{"_csrf": {app.token()}})
	signedInStill(t, "a session ended under another user's page", desktop)

	// An editor may not.
	if r := desktop.post(userPage+"/sessions/1/end", url.Values{"_csrf": {desktop.token()}}); r.Status != http.StatusForbidden {
		t.Errorf("an editor ending sessions: status %d, want 403", r.Status)
	}
}
