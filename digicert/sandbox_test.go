package digicert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// againstSandbox starts the emulator on loopback with testKey and returns
// it with a client whose waits between attempts are recorded, not spent.
// The sandbox's own rate limit is off unless opts sets Windows, and the
// client's unless cfg does.
func againstSandbox(t *testing.T, opts sandbox.Options, cfg Config) (*sandbox.Server, *Client, *sleepRecorder) {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	if opts.Windows == nil {
		opts.Windows = []sandbox.RateWindow{}
	}
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/services/v2"
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Windows == nil {
		cfg.Windows = []RateWindow{}
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	c.sleep = rec.sleep
	return sb, c, rec
}

var (
	currentOrgContact = sandbox.Contact{FirstName: "Margaret", LastName: "Chen", Email: "margaret.chen@acme.example",
		JobTitle: "Director of IT", Telephone: "+1 415 555 0101", TelephoneExtension: "204", LanguageID: "1"}
	currentTechContact = sandbox.Contact{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example",
		JobTitle: "SRE", Telephone: "+1 415 555 0102", LanguageID: "1"}
)

// addFixture stores an organization with the current contacts above, with
// or without its technical contact.
func addFixture(sb *sandbox.Server, withTech bool) sandbox.Organization {
	o := sandbox.Organization{Name: "Acme Widgets, Inc.", AssumedName: "Acme", Country: "us", City: "San Francisco",
		OrganizationContact: currentOrgContact}
	if withTech {
		tc := currentTechContact
		o.TechnicalContact = &tc
	}
	return sb.AddOrganization(o)
}

// expect says what a contact should be after a PUT: nil for none, kept for
// the same contact id as before (update in place), otherwise a new id.
type expect struct {
	contact *sandbox.Contact
	kept    bool
}

func TestUpdateContactsAgainstSandbox(t *testing.T) {
	e128 := strings.Repeat("é", 128)
	unchangedOrg := expect{contact: &currentOrgContact, kept: true}
	unchangedTech := expect{contact: &currentTechContact, kept: true}
	tests := []struct {
		name      string
		withTech  bool
		contacts  []Contact
		wantBody  string
		wantCodes []string // nil: success
		wantOrg   expect
		wantTech  expect
	}{
		{
			name:     "update organization contact in place, left-out fields deleted",
			withTech: true,
			contacts: []Contact{{FirstName: "Margaret", LastName: "Chen", Email: "margaret.chen@acme.example", JobTitle: "CIO", LanguageID: "1", ContactType: OrganizationContact}},
			wantBody: `{"contacts":[{"first_name":"Margaret","last_name":"Chen","email":"margaret.chen@acme.example","job_title":"CIO","language_id":"1","contact_type":"organization_contact"}]}`,
			wantOrg:  expect{contact: &sandbox.Contact{FirstName: "Margaret", LastName: "Chen", Email: "margaret.chen@acme.example", JobTitle: "CIO", LanguageID: "1"}, kept: true},
			wantTech: unchangedTech,
		},
		{
			name:     "replace organization contact",
			withTech: true,
			contacts: []Contact{{FirstName: "Oliver", LastName: "Hughes", Email: "oliver@acme.example", JobTitle: "Head of Infrastructure", Telephone: "+44 118 496 0124", TelephoneExtension: "12", LanguageID: "1", ContactType: OrganizationContact}},
			wantBody: `{"contacts":[{"first_name":"Oliver","last_name":"Hughes","email":"oliver@acme.example","job_title":"Head of Infrastructure","telephone":"+44 118 496 0124","telephone_extension":"12","language_id":"1","contact_type":"organization_contact"}]}`,
			wantOrg:  expect{contact: &sandbox.Contact{FirstName: "Oliver", LastName: "Hughes", Email: "oliver@acme.example", JobTitle: "Head of Infrastructure", Telephone: "+44 118 496 0124", TelephoneExtension: "12", LanguageID: "1"}},
			wantTech: unchangedTech,
		},
		{
			name:     "update technical contact in place",
			withTech: true,
			contacts: []Contact{{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: "Staff SRE", Telephone: "+1 415 555 0199", LanguageID: "1", ContactType: TechnicalContact}},
			wantBody: `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme.example","job_title":"Staff SRE","telephone":"+1 415 555 0199","language_id":"1","contact_type":"technical_contact"}]}`,
			wantOrg:  unchangedOrg,
			wantTech: expect{contact: &sandbox.Contact{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: "Staff SRE", Telephone: "+1 415 555 0199", LanguageID: "1"}, kept: true},
		},
		{
			name:     "replace technical contact",
			withTech: true,
			contacts: []Contact{{FirstName: "Priya", LastName: "Sharma", Email: "priya@acme.example", ContactType: TechnicalContact}},
			wantBody: `{"contacts":[{"first_name":"Priya","last_name":"Sharma","email":"priya@acme.example","contact_type":"technical_contact"}]}`,
			wantOrg:  unchangedOrg,
			wantTech: expect{contact: &sandbox.Contact{FirstName: "Priya", LastName: "Sharma", Email: "priya@acme.example"}},
		},
		{
			name:     "add technical contact",
			contacts: []Contact{{FirstName: "Priya", LastName: "Sharma", Email: "priya@acme.example", LanguageID: "1", ContactType: TechnicalContact}},
			wantBody: `{"contacts":[{"first_name":"Priya","last_name":"Sharma","email":"priya@acme.example","language_id":"1","contact_type":"technical_contact"}]}`,
			wantOrg:  unchangedOrg,
			wantTech: expect{contact: &sandbox.Contact{FirstName: "Priya", LastName: "Sharma", Email: "priya@acme.example", LanguageID: "1"}},
		},
		{
			name:     "remove technical contact",
			withTech: true,
			contacts: []Contact{{ContactType: TechnicalContact}},
			wantBody: `{"contacts":[{"contact_type":"technical_contact"}]}`,
			wantOrg:  unchangedOrg,
		},
		{
			name:     "update organization contact and remove technical contact at once",
			withTech: true,
			contacts: []Contact{{FirstName: "Margaret", LastName: "Chen", Email: "margaret.chen@acme.example", ContactType: OrganizationContact}, {ContactType: TechnicalContact}},
			wantBody: `{"contacts":[{"first_name":"Margaret","last_name":"Chen","email":"margaret.chen@acme.example","contact_type":"organization_contact"},{"contact_type":"technical_contact"}]}`,
			wantOrg:  expect{contact: &sandbox.Contact{FirstName: "Margaret", LastName: "Chen", Email: "margaret.chen@acme.example"}, kept: true},
		},
		{
			name:      "removing the organization contact is refused",
			withTech:  true,
			contacts:  []Contact{{ContactType: OrganizationContact}},
			wantBody:  `{"contacts":[{"contact_type":"organization_contact"}]}`,
			wantCodes: []string{"invalid_contact"},
			wantOrg:   unchangedOrg,
			wantTech:  unchangedTech,
		},
		{
			name:     "duplicate contact type",
			withTech: true,
			contacts: []Contact{
				{FirstName: "A", LastName: "B", Email: "a@example.com", ContactType: TechnicalContact},
				{FirstName: "C", LastName: "D", Email: "c@example.com", ContactType: TechnicalContact},
			},
			wantBody:  `{"contacts":[{"first_name":"A","last_name":"B","email":"a@example.com","contact_type":"technical_contact"},{"first_name":"C","last_name":"D","email":"c@example.com","contact_type":"technical_contact"}]}`,
			wantCodes: []string{"contact_type_duplicate"},
			wantOrg:   unchangedOrg,
			wantTech:  unchangedTech,
		},
		{
			name:     "128 characters of é are within the limit",
			contacts: []Contact{{FirstName: e128, LastName: e128, Email: "m@acme.example", ContactType: OrganizationContact}},
			wantBody: `{"contacts":[{"first_name":"` + e128 + `","last_name":"` + e128 + `","email":"m@acme.example","contact_type":"organization_contact"}]}`,
			wantOrg:  expect{contact: &sandbox.Contact{FirstName: e128, LastName: e128, Email: "m@acme.example"}},
		},
		{
			name:      "129 characters of é are over the limit",
			contacts:  []Contact{{FirstName: e128 + "é", LastName: "Chen", Email: "m@acme.example", ContactType: OrganizationContact}},
			wantBody:  `{"contacts":[{"first_name":"` + e128 + `é","last_name":"Chen","email":"m@acme.example","contact_type":"organization_contact"}]}`,
			wantCodes: []string{"invalid_param:first_name"},
			wantOrg:   unchangedOrg,
		},
		{
			name:      "required fields missing, every error reported",
			withTech:  true,
			contacts:  []Contact{{JobTitle: "CIO", ContactType: OrganizationContact}},
			wantBody:  `{"contacts":[{"job_title":"CIO","contact_type":"organization_contact"}]}`,
			wantCodes: []string{"required_param:first_name", "required_param:last_name", "required_param:email"},
			wantOrg:   unchangedOrg,
			wantTech:  unchangedTech,
		},
		{
			name:     "markup sent and stored as typed",
			contacts: []Contact{{FirstName: "<b>Zoë</b>", LastName: "O'Brien & Co", Email: "z@acme.example", JobTitle: "Security <Lead>", ContactType: OrganizationContact}},
			wantBody: `{"contacts":[{"first_name":"<b>Zoë</b>","last_name":"O'Brien & Co","email":"z@acme.example","job_title":"Security <Lead>","contact_type":"organization_contact"}]}`,
			wantOrg:  expect{contact: &sandbox.Contact{FirstName: "<b>Zoë</b>", LastName: "O'Brien & Co", Email: "z@acme.example", JobTitle: "Security <Lead>"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{})
			before := addFixture(sb, tt.withTech)
			resp, err := c.UpdateContacts(context.Background(), before.ID, tt.contacts)

			reqs := sb.Requests()
			if len(reqs) != 1 {
				t.Fatalf("sandbox saw %d requests, want 1", len(reqs))
			}
			if got := string(reqs[0].Body); got != tt.wantBody {
				t.Errorf("body sent =\n%s\nwant\n%s", got, tt.wantBody)
			}
			if want := fmt.Sprintf("/services/v2/organization/%d/contact", before.ID); reqs[0].Method != http.MethodPut || reqs[0].Path != want {
				t.Errorf("request = %s %s, want PUT %s", reqs[0].Method, reqs[0].Path, want)
			}
			if tt.wantCodes == nil {
				checkOutcome(t, resp, err, http.StatusNoContent, 1, nil)
			} else {
				checkOutcome(t, resp, err, http.StatusBadRequest, 1, tt.wantCodes)
			}

			after, ok := sb.Organization(before.ID)
			if !ok {
				t.Fatalf("organization %d is gone", before.ID)
			}
			checkContact(t, "organization contact", &before.OrganizationContact, &after.OrganizationContact, tt.wantOrg)
			checkContact(t, "technical contact", before.TechnicalContact, after.TechnicalContact, tt.wantTech)
		})
	}
}

// checkContact compares a contact after a PUT with what was expected, and
// its id with the one before.
func checkContact(t *testing.T, what string, before, after *sandbox.Contact, want expect) {
	t.Helper()
	if want.contact == nil {
		if after != nil {
			t.Errorf("%s = %+v, want none", what, *after)
		}
		return
	}
	if after == nil {
		t.Errorf("%s = none, want %+v", what, *want.contact)
		return
	}
	got, w := *after, *want.contact
	got.ID, w.ID = 0, 0
	if got != w {
		t.Errorf("%s = %+v, want %+v", what, got, w)
	}
	switch {
	case want.kept && (before == nil || after.ID != before.ID):
		t.Errorf("%s id = %d, want the id before, %v", what, after.ID, before)
	case !want.kept && before != nil && after.ID == before.ID:
		t.Errorf("%s id = %d, want a new id", what, after.ID)
	}
}

func TestDuplicateMessageIsDigiCerts(t *testing.T) {
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{})
	org := addFixture(sb, false)
	_, err := c.UpdateContacts(context.Background(), org.ID, []Contact{{ContactType: TechnicalContact}, {ContactType: TechnicalContact}})
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError", err)
	}
	want := ErrorDetail{Code: "contact_type_duplicate", Message: "A duplicate contact type was submitted. Make sure your request includes no more than one of each contact type and try again."}
	if len(ae.Errors) == 0 || ae.Errors[0] != want {
		t.Errorf("errors = %+v, want first %+v", ae.Errors, want)
	}
}

func TestFieldLimitsAgainstSandbox(t *testing.T) {
	fields := []struct {
		name  string
		limit int
		set   func(c *Contact, v string)
	}{
		{"first_name", 128, func(c *Contact, v string) { c.FirstName = v }},
		{"last_name", 128, func(c *Contact, v string) { c.LastName = v }},
		{"email", 255, func(c *Contact, v string) {
			c.Email = strings.Repeat("é", len([]rune(v))-len("@acme.example")) + "@acme.example"
		}},
		{"job_title", 64, func(c *Contact, v string) { c.JobTitle = v }},
		{"telephone", 32, func(c *Contact, v string) { c.Telephone = v }},
		{"telephone_extension", 16, func(c *Contact, v string) { c.TelephoneExtension = v }},
	}
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{})
	org := addFixture(sb, true)
	for _, f := range fields {
		for _, n := range []int{f.limit, f.limit + 1} {
			t.Run(fmt.Sprintf("%s %d", f.name, n), func(t *testing.T) {
				contact := Contact{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", ContactType: TechnicalContact}
				f.set(&contact, strings.Repeat("é", n))
				_, err := c.UpdateContacts(context.Background(), org.ID, []Contact{contact})
				if n == f.limit {
					if err != nil {
						t.Errorf("%d characters: err = %v, want success", n, err)
					}
					return
				}
				var ae *APIError
				if !errors.As(err, &ae) || ae.Status != 400 || strings.Join(codesOf(ae), ",") != "invalid_param:"+f.name {
					t.Errorf("%d characters: err = %v, want 400 invalid_param:%s alone", n, err, f.name)
				}
			})
		}
	}
}

func TestWrongKeyAgainstSandbox(t *testing.T) {
	const wrongKey = "wrong-KEY-9876543210"
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{APIKey: wrongKey})
	org := addFixture(sb, true)
	calls := []struct {
		name string
		do   func() (*Response, error)
	}{
		{"list", func() (*Response, error) { _, err := c.ListOrganizations(context.Background()); return nil, err }},
		{"get", func() (*Response, error) { _, err := c.GetOrganization(context.Background(), org.ID); return nil, err }},
		{"update", func() (*Response, error) {
			return c.UpdateContacts(context.Background(), org.ID, []Contact{{ContactType: TechnicalContact}})
		}},
	}
	for _, cl := range calls {
		t.Run(cl.name, func(t *testing.T) {
			before := len(sb.Requests())
			resp, err := cl.do()
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
				t.Fatalf("err = %v, want a 403 *APIError", err)
			}
			if !ae.Has("access_denied") || strings.Join(codesOf(ae), ",") != "access_denied|access_denied_invalid_key" {
				t.Errorf("codes = %v, want [access_denied|access_denied_invalid_key]", codesOf(ae))
			}
			if strings.Contains(err.Error(), wrongKey) || strings.Contains(ae.Body, wrongKey) {
				t.Errorf("error %q or body %q contains the API key", err, ae.Body)
			}
			if n := len(sb.Requests()) - before; n != 1 {
				t.Errorf("sandbox saw %d requests, want 1 (403 is not retried)", n)
			}
			if resp != nil && resp.Status != http.StatusForbidden {
				t.Errorf("response status = %d, want 403", resp.Status)
			}
		})
	}
	if after, _ := sb.Organization(org.ID); after.TechnicalContact == nil {
		t.Error("the technical contact was removed with a wrong key")
	}
}

func TestUnknownOrganizationAgainstSandbox(t *testing.T) {
	_, c, _ := againstSandbox(t, sandbox.Options{}, Config{})
	_, err := c.GetOrganization(context.Background(), 999999)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound || !ae.Has("not_found") {
		t.Errorf("get: err = %v, want 404 not_found", err)
	}
	resp, err := c.UpdateContacts(context.Background(), 999999, []Contact{{ContactType: TechnicalContact}})
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound || !ae.Has("not_found") {
		t.Errorf("update: err = %v, want 404 not_found", err)
	}
	if resp == nil || resp.Status != http.StatusNotFound || resp.Attempts != 1 {
		t.Errorf("update: response = %+v, want status 404 after 1 attempt", resp)
	}
}

func TestGetOrganizationAgainstSandbox(t *testing.T) {
	for _, quirks := range []bool{false, true} {
		t.Run(fmt.Sprintf("quirks %v", quirks), func(t *testing.T) {
			sb, c, _ := againstSandbox(t, sandbox.Options{Quirks: quirks}, Config{})
			withTech := addFixture(sb, true)
			noTech := addFixture(sb, false)
			inactive := sb.AddOrganization(sandbox.Organization{Name: "Dormant", Status: "inactive", IsActive: false, OrganizationContact: currentOrgContact})
			all := append(sb.Organizations(), withTech, noTech, inactive)
			for _, want := range all {
				got, err := c.GetOrganization(context.Background(), want.ID)
				if err != nil {
					t.Fatalf("organization %d: %v", want.ID, err)
				}
				assertOrganization(t, got, fromSandbox(want))
			}
		})
	}
}

// fromSandbox is what the client should read for o.
func fromSandbox(o sandbox.Organization) *Organization {
	org := &Organization{
		ID: o.ID, Name: o.Name, AssumedName: o.AssumedName, DisplayName: o.DisplayName, Status: o.Status, IsActive: o.IsActive,
		Telephone: o.Telephone, Address: o.Address, Address2: o.Address2, City: o.City, State: o.State, Zip: o.Zip, Country: o.Country,
		OrganizationContact: existing(o.OrganizationContact),
	}
	if o.TechnicalContact != nil {
		org.TechnicalContact = existing(*o.TechnicalContact)
	}
	return org
}

func existing(c sandbox.Contact) *ExistingContact {
	return &ExistingContact{ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, JobTitle: c.JobTitle,
		Telephone: c.Telephone, TelephoneExtension: c.TelephoneExtension, LanguageID: c.LanguageID}
}

func TestListOrganizationsAgainstSandbox(t *testing.T) {
	for _, quirks := range []bool{false, true} {
		t.Run(fmt.Sprintf("quirks %v", quirks), func(t *testing.T) {
			sb, c, _ := againstSandbox(t, sandbox.Options{Quirks: quirks}, Config{})
			for i := range 2100 {
				sb.AddOrganization(sandbox.Organization{Name: fmt.Sprintf("Bulk %04d", i), OrganizationContact: currentOrgContact})
			}
			got, err := c.ListOrganizations(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := sb.Organizations()
			if len(got) != len(want) {
				t.Fatalf("got %d organizations, want %d", len(got), len(want))
			}
			for i, o := range want {
				w := OrganizationSummary{ID: o.ID, Name: o.Name, AssumedName: o.AssumedName, DisplayName: o.DisplayName, Status: o.Status, IsActive: o.IsActive}
				if got[i] != w {
					t.Errorf("organization %d = %+v, want %+v", i, got[i], w)
				}
			}
			var pages []string
			for _, r := range sb.Requests() {
				pages = append(pages, r.Path)
			}
			wantPages := []string{
				"/services/v2/organization?limit=1000&offset=0",
				"/services/v2/organization?limit=1000&offset=1000",
				"/services/v2/organization?limit=1000&offset=2000",
			}
			if strings.Join(pages, " ") != strings.Join(wantPages, " ") {
				t.Errorf("pages asked = %v, want %v", pages, wantPages)
			}
		})
	}
}

func TestListOrganizationsSmallPagesAgainstSandbox(t *testing.T) {
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{})
	c.pageSize = 7
	got, err := c.ListOrganizations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := sb.Organizations()
	if len(got) != len(want) {
		t.Fatalf("got %d organizations, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID {
			t.Errorf("organization %d has id %d, want %d", i, got[i].ID, want[i].ID)
		}
	}
	if n, pages := len(sb.Requests()), (len(want)+6)/7; n != pages {
		t.Errorf("sandbox saw %d requests, want %d pages", n, pages)
	}
}

func TestHeadersAgainstSandbox(t *testing.T) {
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{Version: "9.9.9"})
	org := addFixture(sb, true)
	if _, err := c.GetOrganization(context.Background(), org.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateContacts(context.Background(), org.ID, []Contact{{ContactType: TechnicalContact}}); err != nil {
		t.Fatal(err)
	}
	for i, r := range sb.Requests() {
		want := map[string]string{
			"X-Dc-Devkey":  testKey,
			"Accept":       "application/json",
			"User-Agent":   "ContactDesk/9.9.9 (+https://github.com/contactdesk/contactdesk)",
			"Content-Type": "",
		}
		if r.Method == http.MethodPut {
			want["Content-Type"] = "application/json"
		}
		for name, v := range want {
			if got := r.Header.Get(name); got != v {
				t.Errorf("request %d (%s) header %s = %q, want %q", i, r.Method, name, got, v)
			}
		}
	}
}

func TestRetriesAgainstSandbox(t *testing.T) {
	contacts := []Contact{{FirstName: "Priya", LastName: "Sharma", Email: "priya@acme.example", JobTitle: "Zoë <SRE>", ContactType: TechnicalContact}}
	wantBody := `{"contacts":[{"first_name":"Priya","last_name":"Sharma","email":"priya@acme.example","job_title":"Zoë <SRE>","contact_type":"technical_contact"}]}`
	html502 := "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>"
	tests := []struct {
		name         string
		cfg          Config
		faults       []sandbox.Fault
		wantStatus   int // 0: no answer
		wantAttempts int
		wantCodes    []string
		wantWaits    []time.Duration // nil: not checked
		wantBody     string          // of the APIError, when set
		applied      bool
	}{
		{name: "503 then success", faults: []sandbox.Fault{{Status: 503}}, wantStatus: 204, wantAttempts: 2, applied: true},
		{name: "429 with Retry-After then success", faults: []sandbox.Fault{{Status: 429, RetryAfter: "1"}}, wantStatus: 204, wantAttempts: 2, wantWaits: []time.Duration{time.Second}, applied: true},
		{name: "Retry-After of 2 seconds twice", faults: []sandbox.Fault{{Status: 429, RetryAfter: "2", Count: 2}}, wantStatus: 204, wantAttempts: 3, wantWaits: []time.Duration{2 * time.Second, 2 * time.Second}, applied: true},
		{name: "501 not retried", faults: []sandbox.Fault{{Status: 501}}, wantStatus: 501, wantAttempts: 1},
		{name: "dropped connection retried", faults: []sandbox.Fault{{DropConnection: true}}, wantStatus: 204, wantAttempts: 2, applied: true},
		{name: "4 attempts at most", faults: []sandbox.Fault{{Status: 503, Count: 10}}, wantStatus: 503, wantAttempts: 4},
		{name: "always dropped", faults: []sandbox.Fault{{DropConnection: true, Count: 10}}, wantStatus: 0, wantAttempts: 4},
		{name: "Retry-After beyond MaxElapsed", cfg: Config{MaxElapsed: 2 * time.Second}, faults: []sandbox.Fault{{Status: 429, RetryAfter: "5"}}, wantStatus: 429, wantAttempts: 1, wantCodes: []string{"request_limit_exceeded"}, wantWaits: []time.Duration{}},
		{name: "HTML 502 kept as text", faults: []sandbox.Fault{{Status: 502, Body: html502, Count: 4}}, wantStatus: 502, wantAttempts: 4, wantBody: html502},
		{name: "slow answer past the attempt timeout", cfg: Config{Timeout: 300 * time.Millisecond}, faults: []sandbox.Fault{{Latency: time.Minute}}, wantStatus: 204, wantAttempts: 2, applied: true},
		{name: "403 not retried", faults: []sandbox.Fault{{Status: 403}}, wantStatus: 403, wantAttempts: 1, wantCodes: []string{"access_denied"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, c, rec := againstSandbox(t, sandbox.Options{}, tt.cfg)
			org := addFixture(sb, true)
			for _, f := range tt.faults {
				sb.InjectFault(f)
			}
			resp, err := c.UpdateContacts(context.Background(), org.ID, contacts)

			reqs := sb.Requests()
			if len(reqs) != tt.wantAttempts {
				t.Errorf("sandbox saw %d requests, want %d", len(reqs), tt.wantAttempts)
			}
			for i, r := range reqs {
				if string(r.Body) != wantBody {
					t.Errorf("attempt %d body = %s, want %s", i+1, r.Body, wantBody)
				}
			}
			if tt.wantWaits != nil && !equalDurations(rec.recorded(), tt.wantWaits) {
				t.Errorf("waits = %v, want %v", rec.recorded(), tt.wantWaits)
			}
			checkOutcome(t, resp, err, tt.wantStatus, tt.wantAttempts, tt.wantCodes)
			var ae *APIError
			if tt.wantBody != "" && (!errors.As(err, &ae) || ae.Body != tt.wantBody) {
				t.Errorf("err = %v, want an APIError with body %q", err, tt.wantBody)
			}
			after, _ := sb.Organization(org.ID)
			applied := after.TechnicalContact != nil && after.TechnicalContact.Email == "priya@acme.example"
			if applied != tt.applied {
				t.Errorf("change applied = %v, want %v", applied, tt.applied)
			}
		})
	}
}

func TestGetRetriesAgainstSandbox(t *testing.T) {
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{})
	org := addFixture(sb, true)
	sb.InjectFault(sandbox.Fault{Status: 503, Count: 2})
	got, err := c.GetOrganization(context.Background(), org.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertOrganization(t, got, fromSandbox(org))
	if n := len(sb.Requests()); n != 3 {
		t.Errorf("sandbox saw %d requests, want 3", n)
	}
}

func TestMaxElapsedAgainstSandbox(t *testing.T) {
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{MaxElapsed: 50 * time.Millisecond, MaxAttempts: 10})
	org := addFixture(sb, true)
	sb.InjectFault(sandbox.Fault{Latency: time.Second, Count: 10})
	_, err := c.GetOrganization(context.Background(), org.ID)
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a *TransportError from the spent budget", err)
	}
	if te.Attempts != 1 {
		t.Errorf("attempts = %d, want 1: the budget ends the call inside the first", te.Attempts)
	}
}

func TestSandboxRateLimit(t *testing.T) {
	t.Run("server refuses, client retries and gives up", func(t *testing.T) {
		sb, c, rec := againstSandbox(t, sandbox.Options{Windows: []sandbox.RateWindow{{Limit: 2, Per: time.Hour}}}, Config{})
		org := addFixture(sb, true)
		for range 2 {
			if _, err := c.GetOrganization(context.Background(), org.ID); err != nil {
				t.Fatal(err)
			}
		}
		_, err := c.GetOrganization(context.Background(), org.ID)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || !ae.Has("request_limit_exceeded") {
			t.Fatalf("err = %v, want 429 request_limit_exceeded", err)
		}
		if want := "Service unavailable, please limit request volume"; ae.Errors[0].Message != want {
			t.Errorf("message = %q, want %q", ae.Errors[0].Message, want)
		}
		if n := len(rec.recorded()); n != 3 {
			t.Errorf("waited %d times, want 3 (4 attempts)", n)
		}
	})
	t.Run("client limiter keeps under the server's", func(t *testing.T) {
		windows := []RateWindow{{Limit: 2, Per: time.Hour}}
		sb, c, _ := againstSandbox(t, sandbox.Options{Windows: []sandbox.RateWindow{{Limit: 2, Per: time.Hour}}}, Config{Windows: windows})
		org := addFixture(sb, true)
		for range 2 {
			if _, err := c.GetOrganization(context.Background(), org.ID); err != nil {
				t.Fatal(err)
			}
		}
		_, err := c.GetOrganization(context.Background(), org.ID)
		if !errors.Is(err, ErrThrottled) {
			t.Errorf("err = %v, want ErrThrottled", err)
		}
		if n := len(sb.Requests()); n != 2 {
			t.Errorf("sandbox saw %d requests, want 2", n)
		}
	})
}

func TestConcurrentCallsShareTheLimiter(t *testing.T) {
	sb, c, _ := againstSandbox(t, sandbox.Options{}, Config{Windows: []RateWindow{{Limit: 10, Per: 20 * time.Millisecond}}})
	org := addFixture(sb, true)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if i%4 == 0 {
				contact := Contact{FirstName: "Raj", LastName: "Patel", Email: "raj.patel@acme.example", JobTitle: fmt.Sprint("SRE ", i), ContactType: TechnicalContact}
				if _, err := c.UpdateContacts(context.Background(), org.ID, []Contact{contact}); err != nil {
					t.Error(err)
				}
				return
			}
			if _, err := c.GetOrganization(context.Background(), org.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(sb.Requests()); n != 40 {
		t.Errorf("sandbox saw %d requests, want 40", n)
	}
	after, _ := sb.Organization(org.ID)
	if after.TechnicalContact == nil || after.TechnicalContact.ID != org.TechnicalContact.ID {
		t.Errorf("technical contact = %+v, want the same contact updated in place", after.TechnicalContact)
	}
}
