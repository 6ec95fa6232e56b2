package handlers

import (
	"bytes"
	"context"
	"testing"

	"github.com/contactdesk/contactdesk/views"
)

// TestLayoutParts checks that a layout split around its content puts
// together, with any token, exactly the page rendering it whole gives.
func TestLayoutParts(t *testing.T) {
	l := newLayouts("form-token-test")
	ctx := context.Background()
	content := `<h1>Audit log</h1><p>Tom &amp; "Jerry"</p>`
	for _, page := range []views.Page{
		{Title: "Audit log", Nav: "audit", CSSURL: "/static/app.css", CSRFToken: "tok-1", User: &views.User{Name: "Ada <admin>", Email: "ada@example.com", IsAdmin: true}},
		{Title: "Audit log", Nav: "audit", CSSURL: "/static/app.css", CSRFToken: "tok-2", User: &views.User{Name: "Ed", Email: "ed@example.com"}},
		{Title: "Sign in", Nav: "", CSSURL: "/static/app.css", CSRFToken: "tok-3", HasErrors: true},
	} {
		want, err := renderString(ctx, views.Prerendered(page, content))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // rendered, then kept
			parts, err := l.parts(ctx, page)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			for _, text := range []tokenSlots{parts.before, l.cut(content), parts.after} {
				text.writeTo(&buf, page.CSRFToken)
			}
			got := buf.String()
			if got != want {
				t.Errorf("page %q for %v: put together\n%s\nwant\n%s", page.Title, page.User, got, want)
			}
		}
	}
	if len(l.byKey) != 3 {
		t.Errorf("%d layouts kept for 3 different pages", len(l.byKey))
	}
}

func TestTokenSlots(t *testing.T) {
	l := newLayouts("[P]")
	for text, want := range map[string]string{
		"":                  "",
		"no placeholder":    "no placeholder",
		"[P]":               "tok",
		"a[P]b[P]c":         "atokbtokc",
		"[P][P]":            "toktok",
		"[P but not closed": "[P but not closed",
	} {
		var buf bytes.Buffer
		l.cut(text).writeTo(&buf, "tok")
		if buf.String() != want {
			t.Errorf("cut(%q).writeTo = %q, want %q", text, buf.String(), want)
		}
		if got := l.cut(text).with("tok"); got != want {
			t.Errorf("cut(%q).with = %q, want %q", text, got, want)
		}
	}
}
