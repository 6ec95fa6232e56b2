package handlers_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

// prefilled is the change form as the organization page first shows it:
// both contacts kept, every field holding its current value.
func prefilled(org sandbox.Organization, token string) url.Values {
	v := url.Values{"_csrf": {token}, "mode": {"form"}}
	set := func(prefix string, c *sandbox.Contact) {
		v.Set(prefix+".action", "keep")
		if c == nil {
			return
		}
		v.Set(prefix+".first_name", c.FirstName)
		v.Set(prefix+".last_name", c.LastName)
		v.Set(prefix+".email", c.Email)
		v.Set(prefix+".job_title", c.JobTitle)
		v.Set(prefix+".telephone", c.Telephone)
		v.Set(prefix+".telephone_extension", c.TelephoneExtension)
		v.Set(prefix+".language_id", c.LanguageID)
	}
	oc := org.OrganizationContact
	set("organization_contact", &oc)
	set("technical_contact", org.TechnicalContact)
	return v
}

// orgWithTechnical returns a seeded organization that has a technical
// contact.
func orgWithTechnical(t *testing.T, sb *sandbox.Server) sandbox.Organization {
	t.Helper()
	for _, o := range sb.Organizations() {
		if o.TechnicalContact != nil && o.OrganizationContact.JobTitle != "" && o.TechnicalContact.Telephone != "" {
			return o
		}
	}
	t.Fatal("no seeded organization with a technical contact")
	return sandbox.Organization{}
}

var (
	draftInput       = regexp.MustCompile(`name="draft" value="([0-9a-f]+)"`)
	fingerprintInput = regexp.MustCompile(`name="fingerprint" value="([0-9a-f]+)"`)
)

// review posts the form and returns the review page with its draft id and
// fingerprint.
func (a *testApp) review(id int, form url.Values) (response, url.Values) {
	a.t.Helper()
	r := a.post("/organizations/"+strconv.Itoa(id)+"/review", form)
	send := url.Values{"_csrf": form["_csrf"]}
	if m := draftInput.FindStringSubmatch(r.Body); m != nil {
		send.Set("draft", m[1])
	}
	if m := fingerprintInput.FindStringSubmatch(r.Body); m != nil {
		send.Set("fingerprint", m[1])
	}
	return r, send
}

func (a *testApp) puts() int {
	n := 0
	for _, r := range a.Sandbox.Requests() {
		if r.Method == http.MethodPut {
			n++
		}
	}
	return n
}

func auditKinds(t *testing.T, st *store.Store, submissionID string) []string {
	t.Helper()
	events, err := st.SubmissionEvents(context.Background(), submissionID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, string(e.Kind))
	}
	return kinds
}

func TestChangeFlowUpdateInPlace(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)

	page := app.get("/organizations/" + id)
	if page.Status != http.StatusOK {
		t.Fatalf("organization page: %d", page.Status)
	}
	for _, want := range []string{
		`<legend>Organization contact</legend>`, `<legend>Technical contact</legend>`,
		`>Keep as is</label>`, `>Update</label>`, `>Remove</label>`,
		`>First name</label>`, `>Telephone extension</label>`, `>Language</label>`,
		`>Review changes</button>`, `>Request JSON</label>`, `>Review JSON</button>`,
		`value="` + html.EscapeString(org.TechnicalContact.Email) + `"`,
		`novalidate`,
	} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("organization page lacks %s", want)
		}
	}
	token := csrfInput.FindStringSubmatch(page.Body)[1]

	form := prefilled(org, token)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "Head of <PKI> & \"Certs\"")
	form.Set("technical_contact.telephone", "")
	r, send := app.review(org.ID, form)
	if r.Status != http.StatusOK {
		t.Fatalf("review: status %d:\n%s", r.Status, r.Body)
	}
	for _, want := range []string{
		"Updated in place", "Unchanged", "These fields will be deleted at DigiCert: telephone",
		html.EscapeString(`Head of <PKI> & "Certs"`), ">Send to DigiCert</button>", ">Back to edit</a>",
		"X-DC-DEVKEY: ••••••••", "curl --request PUT",
	} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	if strings.Contains(r.Body, "<PKI>") || strings.Contains(r.Body, "test-key") {
		t.Error("review page shows markup unescaped or the API key")
	}
	if app.puts() != 0 {
		t.Fatal("review sent a PUT")
	}

	back := regexp.MustCompile(`href="(/organizations/\d+\?draft=[0-9a-f]+)"`).FindStringSubmatch(r.Body)
	if back == nil {
		t.Fatal("no Back to edit link with the draft")
	}
	edit := app.get(html.UnescapeString(back[1]))
	if !strings.Contains(edit.Body, html.EscapeString(`Head of <PKI> & "Certs"`)) || !regexp.MustCompile(`id="technical_contact.action-update"[^>]*checked`).MatchString(edit.Body) {
		t.Error("Back to edit does not keep what was typed")
	}

	res := app.post("/organizations/"+id+"/send", send)
	if res.Status != http.StatusSeeOther {
		t.Fatalf("send: status %d:\n%s", res.Status, res.Body)
	}
	after, _ := app.Sandbox.Organization(org.ID)
	if after.TechnicalContact.ID != org.TechnicalContact.ID {
		t.Errorf("technical contact id %d → %d, want kept (update in place)", org.TechnicalContact.ID, after.TechnicalContact.ID)
	}
	if after.TechnicalContact.JobTitle != `Head of <PKI> & "Certs"` || after.TechnicalContact.Telephone != "" {
		t.Errorf("technical contact after send = %+v", after.TechnicalContact)
	}
	if after.OrganizationContact != org.OrganizationContact {
		t.Errorf("organization contact changed: %+v", after.OrganizationContact)
	}
	done := app.get(res.Header.Get("Location"))
	if !strings.Contains(done.Body, `role="status"`) || !strings.Contains(done.Body, "DigiCert accepted the change") || !strings.Contains(done.Body, "technical contact updated in place") {
		t.Errorf("no success message after send:\n%s", done.Body)
	}
	if !strings.Contains(done.Body, "Recent changes") || !strings.Contains(done.Body, "Technical contact updated in place") ||
		!strings.Contains(done.Body, `href="/audit?organization=`+id+`"`) || !strings.Contains(done.Body, `href="/audit/submissions/`) {
		t.Errorf("organization page does not list the submission in its recent changes:\n%s", done.Body)
	}
	pending, err := app.Store.PendingSubmissions(context.Background())
	if err != nil || len(pending) != 0 {
		t.Errorf("pending submissions = %v, %v; want none", pending, err)
	}
}

func TestChangeFlowValidationErrors(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := org.ID
	token := app.csrf("/organizations/" + strconv.Itoa(id))
	tests := []struct {
		name    string
		edit    func(url.Values)
		field   string // id of the field the error is about
		message string
	}{
		{"first name one over the limit", func(v url.Values) {
			v.Set("technical_contact.action", "update")
			v.Set("technical_contact.first_name", strings.Repeat("é", 129))
		}, "technical_contact.first_name", "Enter a first name of 128 characters or fewer"},
		{"email in display-name form", func(v url.Values) {
			v.Set("organization_contact.action", "update")
			v.Set("organization_contact.email", "Bob <b@example.com>")
		}, "organization_contact.email", "Enter an email address in the correct format"},
		{"empty last name", func(v url.Values) {
			v.Set("technical_contact.action", "update")
			v.Set("technical_contact.last_name", "  ")
		}, "technical_contact.last_name", "Enter a last name"},
		{"control character", func(v url.Values) {
			v.Set("technical_contact.action", "update")
			v.Set("technical_contact.job_title", "CTO\x07")
		}, "technical_contact.job_title", "control characters"},
		{"removing the organization contact", func(v url.Values) {
			v.Set("organization_contact.action", "remove")
		}, "organization_contact.action-keep", "The organization contact cannot be removed"},
		{"nothing to send", func(url.Values) {}, "", "Nothing to send"},
		{"edited but kept", func(v url.Values) {
			v.Set("technical_contact.telephone", "555")
		}, "technical_contact.action-keep", "chose Keep as is"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := prefilled(org, token)
			tt.edit(form)
			r := app.post("/organizations/"+strconv.Itoa(id)+"/review", form)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.Status)
			}
			if !strings.Contains(r.Body, "<title>Error: ") || !strings.Contains(r.Body, "There is a problem") || !strings.Contains(r.Body, `role="alert"`) {
				t.Error("no error title and summary")
			}
			if !strings.Contains(r.Body, tt.message) {
				t.Errorf("no message %q", tt.message)
			}
			if tt.field != "" && !strings.Contains(r.Body, `href="#`+tt.field+`"`) {
				t.Errorf("summary does not link to #%s", tt.field)
			}
			if strings.HasSuffix(tt.field, "_name") || strings.HasSuffix(tt.field, "email") || strings.HasSuffix(tt.field, "job_title") {
				input := regexp.MustCompile(`<input[^>]*id="` + regexp.QuoteMeta(tt.field) + `"[^>]*>`).FindString(r.Body)
				if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, `aria-describedby="`+tt.field+`-error"`) {
					t.Errorf("input not marked invalid and described by its error: %s", input)
				}
				if want := html.EscapeString(form.Get(tt.field)); !strings.Contains(input, `value="`+want+`"`) {
					t.Errorf("typed value %q not kept: %s", want, input)
				}
			}
			if app.puts() != 0 {
				t.Fatal("a refused change reached DigiCert")
			}
		})
	}
}

func TestChangeFlowRequestJSON(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	token := app.csrf("/organizations/" + id)
	tests := []struct {
		name, json, want string
	}{
		{"not JSON", `{"contacts": [`, "request_json"},
		{"not an object", `[1,2]`, "request_json"},
		{"unknown key", `{"contacts":[{"contact_type":"technical_contact","nickname":"x"}]}`, "nickname"},
		{"number for a string", `{"contacts":[{"contact_type":"technical_contact","first_name":5,"last_name":"a","email":"a@example.com"}]}`, "contacts[0].first_name"},
		{"unknown contact type", `{"contacts":[{"contact_type":"billing_contact"}]}`, "contact_type"},
		{"two of one type", `{"contacts":[{"contact_type":"technical_contact"},{"contact_type":"technical_contact"}]}`, "contact_type_duplicate"},
		{"empty array", `{"contacts":[]}`, "Nothing to send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := prefilled(org, token)
			form.Set("mode", "json")
			form.Set("request_json", tt.json)
			r := app.post("/organizations/"+id+"/review", form)
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422:\n%s", r.Status, r.Body)
			}
			if !strings.Contains(r.Body, tt.want) || !strings.Contains(r.Body, `href="#request_json"`) || !strings.Contains(r.Body, "<details open") {
				t.Errorf("error against the JSON panel missing (want %q)", tt.want)
			}
			if !strings.Contains(r.Body, html.EscapeString(tt.json)) {
				t.Error("typed JSON not kept")
			}
		})
	}
	t.Run("valid removal", func(t *testing.T) {
		form := prefilled(org, token)
		form.Set("mode", "json")
		form.Set("request_json", `{"contacts":[{"contact_type":"technical_contact"}]}`)
		r, send := app.review(org.ID, form)
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "Removed") {
			t.Fatalf("review: %d", r.Status)
		}
		if res := app.post("/organizations/"+id+"/send", send); res.Status != http.StatusSeeOther {
			t.Fatalf("send: %d", res.Status)
		}
		after, _ := app.Sandbox.Organization(org.ID)
		if after.TechnicalContact != nil {
			t.Errorf("technical contact not removed: %+v", after.TechnicalContact)
		}
		var put sandbox.Request
		for _, r := range app.Sandbox.Requests() {
			if r.Method == http.MethodPut {
				put = r
			}
		}
		if string(put.Body) != `{"contacts":[{"contact_type":"technical_contact"}]}` {
			t.Errorf("body sent = %s", put.Body)
		}
	})
}

func TestChangeFlowStale(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	token := app.csrf("/organizations/" + id)
	form := prefilled(org, token)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "Mine")
	_, send := app.review(org.ID, form)

	// Someone else replaces the technical contact meanwhile.
	other := prefilled(org, token)
	other.Set("technical_contact.action", "update")
	other.Set("technical_contact.first_name", "Zed")
	_, otherSend := app.review(org.ID, other)
	if r := app.post("/organizations/"+id+"/send", otherSend); r.Status != http.StatusSeeOther {
		t.Fatalf("first send: %d", r.Status)
	}
	puts := app.puts()
	r := app.post("/organizations/"+id+"/send", send)
	if r.Status != http.StatusConflict {
		t.Fatalf("stale send: status %d, want 409", r.Status)
	}
	if !strings.Contains(r.Body, "The contacts changed at DigiCert since you reviewed this change") || !strings.Contains(r.Body, "Zed") {
		t.Errorf("stale notice does not say what changed:\n%s", r.Body)
	}
	if app.puts() != puts {
		t.Error("a stale change was sent")
	}
}

func TestChangeFlowDigiCertErrors(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	token := app.csrf("/organizations/" + id)
	form := prefilled(org, token)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.telephone", "+1 555 0100")

	t.Run("field error", func(t *testing.T) {
		_, send := app.review(org.ID, form)
		app.Sandbox.InjectFault(sandbox.Fault{Method: http.MethodPut, Status: http.StatusBadRequest, Body: `{"errors":[{"code":"invalid_param:telephone","message":"Telephone is not valid."},{"code":"other_problem","message":"Something else."}]}`})
		r := app.post("/organizations/"+id+"/send", send)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.Status)
		}
		for _, want := range []string{"DigiCert refused the change", "Telephone is not valid. (DigiCert code invalid_param:telephone)", "Something else. (DigiCert code other_problem)", `href="#technical_contact.telephone"`, `value="+1 555 0100"`} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("page lacks %q", want)
			}
		}
	})
	t.Run("no answer, nothing changed", func(t *testing.T) {
		_, send := app.review(org.ID, form)
		app.Sandbox.InjectFault(sandbox.Fault{Method: http.MethodPut, Count: 10, DropConnection: true})
		r := app.post("/organizations/"+id+"/send", send)
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", r.Status)
		}
		if !strings.Contains(r.Body, "DigiCert is not available: nothing was changed") || !strings.Contains(r.Body, ">Try again</button>") ||
			strings.Contains(r.Body, "refused") {
			t.Errorf("the outage is not explained as one:\n%s", r.Body)
		}
	})
}

func TestChangeFlowRefusals(t *testing.T) {
	app := newTestApp(t)
	org := orgWithTechnical(t, app.Sandbox)
	id := strconv.Itoa(org.ID)
	token := app.csrf("/organizations/" + id)
	form := prefilled(org, token)
	form.Set("technical_contact.action", "update")
	form.Set("technical_contact.job_title", "X")
	_, send := app.review(org.ID, form)

	noToken := url.Values{"draft": send["draft"], "fingerprint": send["fingerprint"]}
	if r := app.post("/organizations/"+id+"/send", noToken); r.Status != http.StatusForbidden {
		t.Errorf("send without CSRF token: %d, want 403", r.Status)
	}
	forged := url.Values{"_csrf": {token}, "draft": {strings.Repeat("ab", 16)}, "fingerprint": send["fingerprint"]}
	if r := app.post("/organizations/"+id+"/send", forged); r.Status != http.StatusSeeOther {
		t.Errorf("send with an unknown draft: %d, want 303 back to the form", r.Status)
	}
	otherOrg := app.Sandbox.Organizations()[0].ID
	if otherOrg == org.ID {
		otherOrg = app.Sandbox.Organizations()[1].ID
	}
	if r := app.post("/organizations/"+strconv.Itoa(otherOrg)+"/send", send); r.Status != http.StatusSeeOther {
		t.Errorf("send of a draft to another organization: %d, want 303", r.Status)
	}
	if app.puts() != 0 {
		t.Fatal("a refused send reached DigiCert")
	}
	big := prefilled(org, token)
	big.Set("request_json", strings.Repeat("x", 300<<10))
	if r := app.post("/organizations/"+id+"/review", big); r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Body, "too large") {
		t.Errorf("oversized body: %d, want 413 with a page", r.Status)
	}
}
