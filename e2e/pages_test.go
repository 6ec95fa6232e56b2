package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
)

// expectErrorSummary checks the GOV.UK error pattern after a refused
// submit: the title starts with "Error: ", the summary "There is a
// problem" (role alert) has the focus and links to each field named, and
// each such field is aria-invalid and described by its message.
func (s *session) expectErrorSummary(fields ...name) {
	s.t.Helper()
	if title := s.title(); !strings.HasPrefix(title, "Error: ") {
		s.t.Errorf("title %q does not start with %q", title, "Error: ")
	}
	if !s.has(name{"alert", "There is a problem"}) {
		s.t.Fatalf("no error summary %q on %s", "There is a problem", s.location())
	}
	if focused := s.focusedID(); focused != "error-summary" {
		s.t.Errorf("focus after the refused submit is on %q, want the error summary", focused)
	}
	for _, f := range fields {
		id := s.attribute(f, "id")
		if !evaluate[bool](s, `!!document.querySelector('#error-summary a[href="#' + CSS.escape(`+jsString(id)+`) + '"]')`) {
			s.t.Errorf("the error summary has no link to %s (#%s)", f, id)
		}
		if got := s.attribute(f, "aria-invalid"); got != "true" {
			s.t.Errorf("%s: aria-invalid=%q, want true", f, got)
		}
		if d := s.attribute(f, "aria-describedby"); !strings.Contains(" "+d+" ", " "+id+"-error ") {
			s.t.Errorf("%s: aria-describedby=%q, want it to name %s-error", f, d, id)
		}
	}
}

// expectStatus checks that the page shows a success message (role status)
// containing want.
func (s *session) expectStatus(want string) {
	s.t.Helper()
	if got := s.text(name{"status", ""}); !strings.Contains(got, want) {
		s.t.Errorf("status message %q does not contain %q", got, want)
	}
}

// focusedID is the id of the element that has the focus.
func (s *session) focusedID() string {
	s.t.Helper()
	return evaluate[string](s, `document.activeElement ? document.activeElement.id : ""`)
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always encodes
	}
	return string(b)
}

// signIn signs in through the sign-in form.
func (s *session) signIn(u user) {
	s.t.Helper()
	if status := s.open("/login"); status != 200 {
		s.t.Fatalf("sign-in page: status %d, want 200", status)
	}
	s.fill("Email", u.email)
	s.fill("Password", u.password)
	if status := s.follow(button("Sign in")); status != 200 {
		s.t.Fatalf("sign in as %s: status %d, want 200", u.email, status)
	}
	if s.has(button("Sign in")) {
		s.t.Fatalf("sign in as %s: still on the sign-in page (%s)", u.email, s.mainText())
	}
}

// path is the path and query of the current page.
func (s *session) path() string {
	s.t.Helper()
	u, err := url.Parse(s.location())
	if err != nil {
		s.t.Fatal(err)
	}
	return u.RequestURI()
}

// bodyText is all the text of the page, banners and navigation included.
func (s *session) bodyText() string {
	s.t.Helper()
	return strings.Join(strings.Fields(evaluate[string](s, `document.body.innerText`)), " ")
}
