package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

var retryOfInput = regexp.MustCompile(`name="retry_of" value="([^"]+)"`)

// tryAgain is what the Try again button of an outage page posts.
func tryAgain(t *testing.T, page string, token string) url.Values {
	t.Helper()
	v := url.Values{"_csrf": {token}}
	for name, re := range map[string]*regexp.Regexp{"draft": draftInput, "fingerprint": fingerprintInput, "retry_of": retryOfInput} {
		m := re.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("the outage page has no %s for Try again", name)
		}
		v.Set(name, m[1])
	}
	return v
}

// reviewedJobTitle reviews a new job title for the technical contact and
// returns what Send to DigiCert posts.
func reviewedJobTitle(t *testing.T, app *testApp, org sandbox.Organization) url.Values {
	t.Helper()
	form := pageForm(t, app.get("/organizations/"+strconv.Itoa(org.ID)).Body)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "Head of PKI")
	r, send := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d", r.Status)
	}
	return send
}

func TestOutageIsNotARefusal(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	send := reviewedJobTitle(t, app, org)
	// Every attempt meets the CDN's 503 page.
	app.Sandbox.InjectFault(sandbox.Fault{Method: http.MethodPut, Status: http.StatusServiceUnavailable, Count: 4})
	r := app.post("/organizations/"+id+"/send", send)
	if r.Status != http.StatusServiceUnavailable {
		t.Fatalf("send: status %d, want 503", r.Status)
	}
	for _, want := range []string{"DigiCert is not available: nothing was changed", ">Try again</button>", ">Back to edit</a>", "<title>Error: "} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the outage page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "refused") {
		t.Error("the outage page speaks of a refusal")
	}

	// Try again sends the same reviewed change, and succeeds.
	again := app.post("/organizations/"+id+"/send", tryAgain(t, r.Body, send.Get("_csrf")))
	if again.Status != http.StatusSeeOther {
		t.Fatalf("Try again: status %d, want 303:\n%s", again.Status, again.Body)
	}
	if after, _ := app.Sandbox.Organization(org.ID); after.TechnicalContact.JobTitle != "Head of PKI" {
		t.Errorf("job title after Try again %q, want Head of PKI", after.TechnicalContact.JobTitle)
	}
}

func TestOutageWithUnknownOutcome(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	send := reviewedJobTitle(t, app, org)
	// No PUT gets an answer, and the read after them fails too.
	app.Sandbox.InjectFault(sandbox.Fault{Method: http.MethodPut, Status: http.StatusBadGateway, Count: 4})
	app.Sandbox.InjectFault(sandbox.Fault{Method: http.MethodGet, Status: http.StatusBadGateway, Count: 4})
	r := app.post("/organizations/"+id+"/send", send)
	if r.Status != http.StatusGatewayTimeout {
		t.Fatalf("send: status %d, want 504", r.Status)
	}
	for _, want := range []string{"whether the change was made is not known", "Contact Desk will reconcile it", ">Try again</button>"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the outage page lacks %q", want)
		}
	}
	retry := tryAgain(t, r.Body, send.Get("_csrf"))

	// The change did reach DigiCert meanwhile (as when the answer alone is
	// lost): Try again records it and sends nothing more.
	o, _ := app.Sandbox.Organization(org.ID)
	o.TechnicalContact.JobTitle = "Head of PKI"
	app.Sandbox.AddOrganization(o)
	puts := app.puts()
	again := app.post("/organizations/"+id+"/send", retry)
	if again.Status != http.StatusSeeOther {
		t.Fatalf("Try again: status %d, want 303", again.Status)
	}
	if app.puts() != puts {
		t.Error("Try again sent the change a second time")
	}
	if done := app.get(again.Header.Get("Location")); !strings.Contains(done.Body, "DigiCert already shows this change") {
		t.Error("the page after Try again does not say the change was already made")
	}
	events, err := app.Store.SubmissionEvents(context.Background(), retry.Get("retry_of"))
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Kind != store.AuditReconciled || !strings.Contains(last.Summary, "the change was made") {
		t.Errorf("the earlier submission ends with %s %q, want it reconciled as made", last.Kind, last.Summary)
	}
}

func TestKeyWithoutPermission(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	send := reviewedJobTitle(t, app, org)
	app.Sandbox.InjectFault(sandbox.Fault{Method: http.MethodPut, Status: http.StatusForbidden,
		Body: `{"errors":[{"code":"access_denied|missing_permission","message":"The API key does not have permission to perform this action."}]}`})
	r := app.post("/organizations/"+strconv.Itoa(org.ID)+"/send", send)
	if r.Status != http.StatusBadGateway {
		t.Fatalf("send: status %d, want 502", r.Status)
	}
	for _, want := range []string{"the API key may not change contacts", "access_denied|missing_permission", "give the API key a role that may edit organizations"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestWrongBaseURL points the client at a path DigiCert does not have: a
// configuration error, told in full to admins, not "organization not
// found".
func TestWrongBaseURL(t *testing.T) {
	app := newTestApp(t, func(c *digicert.Config) { c.BaseURL = strings.TrimSuffix(c.BaseURL, "/v2") })
	org := orgWithTechnical(t, app.Sandbox)
	path := "/organizations/" + strconv.Itoa(org.ID)
	r := app.get(path)
	if r.Status != http.StatusBadGateway {
		t.Fatalf("admin: status %d, want 502", r.Status)
	}
	for _, want := range []string{"not set up correctly", "not_found|route", "DIGICERT_BASE_URL"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("admin: the page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "Page not found") {
		t.Error("admin: the page says the organization was not found")
	}

	// The list cannot be read from DigiCert either: the organization is
	// put in the cache as an earlier list had it.
	if err := app.Store.ReplaceOrganizations(context.Background(), []store.Organization{{ID: org.ID, Name: org.Name, Status: "active", IsActive: true}}, time.Now()); err != nil {
		t.Fatal(err)
	}
	editor, _ := app.teamEditor("editor@example.com", "Certificates", org.ID)
	r = editor.get(path)
	if r.Status != http.StatusBadGateway || !strings.Contains(r.Body, "Tell an administrator") || strings.Contains(r.Body, "DIGICERT_BASE_URL") {
		t.Errorf("editor: status %d; want 502 telling them to ask an administrator, without the setting", r.Status)
	}
}
