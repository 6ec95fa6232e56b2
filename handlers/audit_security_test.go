package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/store"
)

func TestSecurityEventsPage(t *testing.T) {
	app := newTestApp(t) // signed in as an admin: one "Signed in" event
	stranger := app.browser()
	stranger.submitSignIn("nobody@example.com", "wrong password 123", "")
	auditor, _ := app.signedIn("auditor@example.com", store.RoleAuditor)

	r := auditor.get("/audit/security")
	if r.Status != http.StatusOK {
		t.Fatalf("auditor: status %d", r.Status)
	}
	for _, want := range []string{"Security events", "Sign-in failed", "nobody@example.com", "Signed in"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if !strings.Contains(auditor.get("/audit").Body, `href="/audit/security"`) {
		t.Error("the audit log does not link to the security events")
	}

	r = auditor.get("/audit/security?kind=sign_in_failed")
	if !strings.Contains(r.Body, "nobody@example.com") || strings.Contains(r.Body, "<td>Signed in</td>") {
		t.Error("the kind filter does not filter")
	}
	r = auditor.get("/audit/security?user=" + url.QueryEscape("<script>"))
	if r.Status != http.StatusOK || strings.Contains(r.Body, `value="<script>"`) || !strings.Contains(r.Body, "No security event matches") {
		t.Errorf("hostile user filter: status %d", r.Status)
	}
	for _, bad := range []string{"?kind=requested", "?kind=%3Cx%3E", "?before=abc", "?before=-4", "?user=" + strings.Repeat("a", 201)} {
		r := auditor.get("/audit/security" + bad)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "There is a problem") {
			t.Errorf("%s: status %d, want 400 with an error summary", bad, r.Status)
		}
	}

	editor, _ := app.signedIn("editor@example.com", store.RoleEditor)
	if r := editor.get("/audit/security"); r.Status != http.StatusForbidden {
		t.Errorf("editor: status %d, want 403", r.Status)
	}
	if strings.Contains(editor.get("/audit").Body, `href="/audit/security"`) {
		t.Error("editors are offered the security events")
	}
}
