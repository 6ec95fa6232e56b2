package handlers_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/sandbox"
)

func TestOrganizationList(t *testing.T) {
	app := newTestApp(t)

	r := app.get("/organizations")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "has not been loaded from DigiCert yet") {
		t.Fatalf("before sync: status %d, body lacks the never-synced notice", r.Status)
	}
	app.sync()
	orgs := app.Sandbox.Organizations()

	t.Run("first page", func(t *testing.T) {
		r := app.get("/organizations")
		if r.Status != http.StatusOK {
			t.Fatalf("status = %d", r.Status)
		}
		want := "Showing 1 to 50 of " + strconv.Itoa(len(orgs)) + " organizations"
		if !strings.Contains(r.Body, want) {
			t.Errorf("body lacks %q", want)
		}
		if !strings.Contains(r.Body, `href="/organizations?page=2"`) {
			t.Error("no link to the next page")
		}
		if !strings.Contains(r.Body, "List last refreshed from DigiCert at") {
			t.Error("no last sync time")
		}
		if !strings.Contains(r.Body, `<label for="q">Search organizations</label>`) {
			t.Error("no labelled search field")
		}
	})
	t.Run("second page", func(t *testing.T) {
		r := app.get("/organizations?page=2")
		want := "Showing 51 to " + strconv.Itoa(len(orgs)) + " of "
		if !strings.Contains(r.Body, want) {
			t.Errorf("body lacks %q", want)
		}
		if !strings.Contains(r.Body, `href="/organizations" rel="prev"`) {
			t.Error("no link to the previous page")
		}
	})
	t.Run("search by part of a name with accents", func(t *testing.T) {
		r := app.get("/organizations?q=" + url.QueryEscape("söhne"))
		if !strings.Contains(r.Body, "Müller") {
			t.Errorf("search for söhne does not find Müller & Söhne")
		}
	})
	t.Run("search by id", func(t *testing.T) {
		id := orgs[7].ID
		r := app.get("/organizations?q=" + strconv.Itoa(id))
		if !strings.Contains(r.Body, `href="/organizations/`+strconv.Itoa(id)+`"`) {
			t.Errorf("search by id %d does not list it", id)
		}
	})
	t.Run("hostile names are escaped", func(t *testing.T) {
		var hostile sandbox.Organization
		for _, o := range orgs {
			if strings.Contains(o.Name, "<") {
				hostile = o
			}
		}
		if hostile.ID == 0 {
			t.Fatal("sandbox seed has no name with <")
		}
		r := app.get("/organizations?q=" + url.QueryEscape(hostile.Name))
		if strings.Contains(r.Body, hostile.Name) {
			t.Errorf("name %q appears unescaped", hostile.Name)
		}
		if !strings.Contains(r.Body, html.EscapeString(hostile.Name)) && !strings.Contains(r.Body, strings.ReplaceAll(html.EscapeString(hostile.Name), "&#34;", "&quot;")) {
			t.Errorf("escaped name %q not found", html.EscapeString(hostile.Name))
		}
	})
	t.Run("search echoed escaped", func(t *testing.T) {
		r := app.get("/organizations?q=" + url.QueryEscape(`<script>alert(1)</script>`))
		if r.Status != http.StatusOK || strings.Contains(r.Body, "<script>alert") {
			t.Errorf("status %d; search text must be escaped", r.Status)
		}
		if !strings.Contains(r.Body, "No organization matches") {
			t.Error("no empty-result message")
		}
	})
	t.Run("SQL in search is text", func(t *testing.T) {
		r := app.get("/organizations?q=" + url.QueryEscape(`' OR 1=1 --`))
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "No organization matches") {
			t.Errorf("status %d; SQL text must match nothing", r.Status)
		}
	})
	t.Run("bad page number", func(t *testing.T) {
		for _, p := range []string{"0", "-3", "abc", "99999999999"} {
			if r := app.get("/organizations?page=" + p); r.Status != http.StatusOK {
				t.Errorf("page=%s: status %d, want 200", p, r.Status)
			}
		}
	})
}

func TestRefreshOrganizations(t *testing.T) {
	app := newTestApp(t)

	r := app.post("/organizations/refresh", url.Values{})
	if r.Status != http.StatusForbidden {
		t.Fatalf("refresh without CSRF token: status %d, want 403", r.Status)
	}
	if _, err := app.Store.LastOrganizationSync(t.Context()); err == nil {
		t.Fatal("refresh without CSRF token synced anyway")
	}
	token := app.csrf("/organizations")
	if r := app.post("/organizations/refresh", url.Values{"_csrf": {"wrong" + token}}); r.Status != http.StatusForbidden {
		t.Fatalf("refresh with a wrong token: status %d, want 403", r.Status)
	}
	r = app.post("/organizations/refresh", url.Values{"_csrf": {token}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/organizations" {
		t.Fatalf("refresh: status %d location %q, want 303 to /organizations", r.Status, r.Header.Get("Location"))
	}
	page := app.get("/organizations")
	want := "Refreshed the list from DigiCert: " + strconv.Itoa(len(app.Sandbox.Organizations())) + " organizations."
	if !strings.Contains(page.Body, want) || !strings.Contains(page.Body, `role="status"`) {
		t.Errorf("no success message %q", want)
	}
	if again := app.get("/organizations"); strings.Contains(again.Body, want) {
		t.Error("flash shown twice")
	}

	app.Sandbox.InjectFault(sandbox.Fault{Count: 10, Status: http.StatusServiceUnavailable})
	app.post("/organizations/refresh", url.Values{"_csrf": {token}})
	page = app.get("/organizations")
	if !strings.Contains(page.Body, "The list could not be refreshed. DigiCert answered with a server error (HTTP 503).") {
		t.Errorf("no failure message after a 503; body:\n%s", page.Body)
	}
}

func TestShowOrganization(t *testing.T) {
	app := newTestApp(t)
	orgs := app.Sandbox.Organizations()
	var withTech, withoutTech sandbox.Organization
	for _, o := range orgs {
		if o.TechnicalContact != nil && withTech.ID == 0 {
			withTech = o
		}
		if o.TechnicalContact == nil && withoutTech.ID == 0 {
			withoutTech = o
		}
	}

	r := app.get("/organizations/" + strconv.Itoa(withTech.ID))
	if r.Status != http.StatusOK {
		t.Fatalf("status = %d", r.Status)
	}
	for _, want := range []string{
		html.EscapeString(withTech.OrganizationContact.Email),
		html.EscapeString(withTech.TechnicalContact.Email),
		"Organization contact", "Technical contact",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	r = app.get("/organizations/" + strconv.Itoa(withoutTech.ID))
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "None") {
		t.Errorf("organization without technical contact: status %d, want the contact shown as None", r.Status)
	}

	for _, id := range []string{"abc", "0", "-1", "012", "1.5", "99999999999", "%20"} {
		if r := app.get("/organizations/" + id); r.Status != http.StatusNotFound {
			t.Errorf("id %q: status %d, want 404", id, r.Status)
		}
	}
	if r := app.get("/organizations/987654"); r.Status != http.StatusNotFound || !strings.Contains(r.Body, "Page not found") {
		t.Errorf("unknown organization: status %d, want the 404 page", r.Status)
	}
}

func TestShowOrganizationUnreachable(t *testing.T) {
	tests := []struct {
		name  string
		fault sandbox.Fault
		want  string
	}{
		{"server errors", sandbox.Fault{Count: 4, Status: http.StatusBadGateway}, "DigiCert answered with a server error (HTTP 502)."},
		{"dropped connections", sandbox.Fault{Count: 12, DropConnection: true}, "before it answered."},
		{"slow answer", sandbox.Fault{Count: 4, Latency: 5 * 1e9}, "DigiCert did not answer in time."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			app := newTestApp(t)
			app.sync()
			id := strconv.Itoa(app.Sandbox.Organizations()[0].ID)
			app.Sandbox.InjectFault(tt.fault)
			r := app.get("/organizations/" + id)
			if r.Status != http.StatusBadGateway {
				t.Fatalf("status = %d, want 502", r.Status)
			}
			if !strings.Contains(r.Body, "DigiCert could not be reached.") || !strings.Contains(r.Body, tt.want) {
				t.Errorf("page does not explain %q:\n%s", tt.want, r.Body)
			}
			if !strings.Contains(r.Body, "<title>Error: ") {
				t.Error("title does not start with Error:")
			}
			if list := app.get("/organizations"); list.Status != http.StatusOK {
				t.Errorf("the list stopped working: %d", list.Status)
			}
		})
	}
}

func TestHealthAndStatic(t *testing.T) {
	app := newTestApp(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := app.get(p); r.Status != http.StatusOK {
			t.Errorf("%s = %d", p, r.Status)
		}
	}
	page := app.get("/organizations")
	m := strings.Index(page.Body, `href="/static/css/app.`)
	if m < 0 {
		t.Fatal("no hashed stylesheet link")
	}
	href := page.Body[m+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	r := app.get(href)
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: status %d, cache %q, type %q", r.Status, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}
	if r := app.get("/static/css/app.css"); r.Status != http.StatusNotFound {
		t.Errorf("unhashed name: status %d, want 404", r.Status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	app := newTestApp(t)
	for _, p := range []string{"/organizations", "/organizations/abc", "/healthz", "/nope"} {
		r := app.get(p)
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %s = %q, want %q", p, h, got, want)
			}
		}
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP = %q", p, csp)
		}
	}
	if got := app.get("/organizations").Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control on a page = %q, want no-store", got)
	}
}
