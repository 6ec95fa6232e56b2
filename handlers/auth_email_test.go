package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/store"
)

// TestSignInEmailNotPlainText: an email with a NUL, invalid UTF-8 or a
// direction override is refused with a message that says why, and the
// failed sign-in is recorded with those characters escaped: the audit log
// never holds them.
func TestSignInEmailNotPlainText(t *testing.T) {
	app := newTestApp(t)
	tests := []struct{ typed, message, recorded string }{
		{"admin\x00@example.com", "Email address must not contain control characters or text direction overrides", `admin\u0000@example.com`},
		{"admin\xff@example.com", "Email address must be valid text (UTF-8)", `admin\xFF@example.com`},
		{"\u202Emoc.elpmaxe@nimda", "Email address must not contain control characters or text direction overrides", `\u202Emoc.elpmaxe@nimda`},
	}
	for _, tt := range tests {
		b := app.browser()
		r := b.submitSignIn(tt.typed, testPassword, "")
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, tt.message) || !strings.Contains(r.Body, "<title>Error: Sign in") {
			t.Errorf("sign in as %q: status %d, want 422 with %q", tt.typed, r.Status, tt.message)
		}
		page, err := app.Store.ListSecurityEvents(context.Background(), store.SecurityEventQuery{Kind: store.AuditSignInFailed, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 || page.Events[0].ActorEmail != tt.recorded {
			t.Errorf("sign in as %q: failed sign-in recorded as %v, want actor email %q", tt.typed, page.Events, tt.recorded)
		}
	}
	page, err := app.Store.ListSecurityEvents(context.Background(), store.SecurityEventQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range page.Events {
		for _, s := range []string{ev.ActorEmail, ev.Summary} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\x00\u202E") {
				t.Errorf("security event %s holds %q", ev.Kind, s)
			}
		}
	}
}
