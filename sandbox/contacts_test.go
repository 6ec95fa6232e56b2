package sandbox

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// freshID in an expected contact means "a new id, never used before".
const freshID = -1

// The current contacts of the organization every PUT case starts from.
var (
	currentJane = Contact{FirstName: "Jane", LastName: "Doe", Email: "jane.doe@example.com", JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1"}
	currentJohn = Contact{FirstName: "John", LastName: "Roe", Email: "john.roe@example.com", JobTitle: "Engineer", Telephone: "5550100", LanguageID: "1"}
)

func testOrganization(withTech bool) Organization {
	o := Organization{
		Name: "Example Corp", Address: "1 Main Street", City: "Lehi", State: "UT", Zip: "84043",
		Country: "us", Telephone: "+1 801 555 0100", OrganizationContact: currentJane,
	}
	if withTech {
		tc := currentJohn
		o.TechnicalContact = &tc
	}
	return o
}

// Messages the sandbox gives, written out so the tests pin them.
const (
	msgDuplicate     = "A duplicate contact type was submitted. Make sure your request includes no more than one of each contact type and try again."
	msgNoOrgRemoval  = "contacts[0] (organization_contact): the organization contact cannot be removed; send its first_name, last_name and email to update or replace it."
	msgBadJSON       = "The request body is not valid JSON."
	msgNoContacts    = "contacts must list at least one contact."
	orgLabel         = "contacts[0] (organization_contact): "
	techLabel        = "contacts[1] (technical_contact): "
	techLabelFirst   = "contacts[0] (technical_contact): "
	msgTypeMissing0  = "contacts[0]: contact_type is required (organization_contact or technical_contact)."
	msgTypeUnknown0  = `contacts[0]: contact_type "billing_contact" is not valid; use organization_contact or technical_contact.`
	janeJSON         = `"first_name":"Jane","last_name":"Doe","email":"jane.doe@example.com"`
	johnJSON         = `"first_name":"John","last_name":"Roe","email":"john.roe@example.com"`
	fullJaneOptional = `"job_title":"SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1"`
)

type putCase struct {
	name       string
	noTech     bool   // start from an organization without a technical contact
	body       string // the contacts array, or a whole body when raw is set
	raw        bool
	wantStatus int
	wantErrors []string // code, message pairs; nil on success
	// want derives the expected organization from the one before; nil
	// means the request must change nothing.
	want func(o Organization) Organization
}

func TestUpdateContacts(t *testing.T) {
	for _, tc := range append(append(acceptedCases(), refusedCases()...), malformedCases()...) {
		t.Run(tc.name, func(t *testing.T) { runPutCase(t, tc) })
	}
}

func acceptedCases() []putCase {
	return []putCase{
		{
			name:       "same names and email update in place",
			body:       `[{` + janeJSON + `,"job_title":"Head of SRE","telephone":"999","telephone_extension":"42","language_id":"1","contact_type":"organization_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact.JobTitle, o.OrganizationContact.Telephone, o.OrganizationContact.TelephoneExtension = "Head of SRE", "999", "42"
				return o
			},
		},
		{
			name:       "email matching without regard to case updates in place and stores the new spelling",
			body:       `[{"first_name":"Jane","last_name":"Doe","email":"Jane.Doe@EXAMPLE.com",` + fullJaneOptional + `,"contact_type":"organization_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact.Email = "Jane.Doe@EXAMPLE.com"
				return o
			},
		},
		{
			name:       "a different last name replaces the contact with a new id",
			body:       `[{"first_name":"Jane","last_name":"Smith","email":"jane.doe@example.com",` + fullJaneOptional + `,"contact_type":"organization_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact.ID, o.OrganizationContact.LastName = freshID, "Smith"
				return o
			},
		},
		{
			name:       "names are compared exactly, so surrounding white space replaces",
			body:       `[{"first_name":" Jane","last_name":"Doe","email":"jane.doe@example.com","contact_type":"organization_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact = Contact{ID: freshID, FirstName: " Jane", LastName: "Doe", Email: "jane.doe@example.com"}
				return o
			},
		},
		{
			name:       "a different email replaces the technical contact",
			body:       `[{"first_name":"John","last_name":"Roe","email":"jroe@example.com","contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.TechnicalContact = &Contact{ID: freshID, FirstName: "John", LastName: "Roe", Email: "jroe@example.com"}
				return o
			},
		},
		{
			name:       "omitted optional fields are deleted",
			body:       `[{` + janeJSON + `,"contact_type":"organization_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact = Contact{ID: o.OrganizationContact.ID, FirstName: "Jane", LastName: "Doe", Email: "jane.doe@example.com"}
				return o
			},
		},
		{
			name:       "optional fields sent empty or null are deleted",
			body:       `[{` + janeJSON + `,"job_title":"","telephone":null,"telephone_extension":"","language_id":"1","contact_type":"organization_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact = Contact{ID: o.OrganizationContact.ID, FirstName: "Jane", LastName: "Doe", Email: "jane.doe@example.com", LanguageID: "1"}
				return o
			},
		},
		{
			name:       "a type left out is not touched",
			body:       `[{` + johnJSON + `,"job_title":"Lead","contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.TechnicalContact = &Contact{ID: o.TechnicalContact.ID, FirstName: "John", LastName: "Roe", Email: "john.roe@example.com", JobTitle: "Lead"}
				return o
			},
		},
		{
			name:       "a bare technical contact removes it",
			body:       `[{"contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.TechnicalContact = nil
				return o
			},
		},
		{
			name:       "a technical contact with only empty fields removes it",
			body:       `[{"first_name":"","email":null,"contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.TechnicalContact = nil
				return o
			},
		},
		{
			name:       "removing an absent technical contact succeeds and changes nothing",
			noTech:     true,
			body:       `[{"contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
		},
		{
			name:       "a technical contact is added where there was none",
			noTech:     true,
			body:       `[{` + johnJSON + `,"contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.TechnicalContact = &Contact{ID: freshID, FirstName: "John", LastName: "Roe", Email: "john.roe@example.com"}
				return o
			},
		},
		{
			name: "both contacts replaced as in DigiCert's example",
			body: `[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","job_title":"SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"},
				{"first_name":"Jane","last_name":"Doe","email":"jane.doe@example.com","job_title":"SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact = Contact{ID: freshID, FirstName: "John", LastName: "Doe", Email: "john.doe@example.com", JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1"}
				o.TechnicalContact = &Contact{ID: freshID, FirstName: "Jane", LastName: "Doe", Email: "jane.doe@example.com", JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1"}
				return o
			},
		},
		{
			name:       "update in place and removal in one request",
			body:       `[{` + janeJSON + `,` + fullJaneOptional + `,"contact_type":"organization_contact"},{"contact_type":"technical_contact"}]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.TechnicalContact = nil
				return o
			},
		},
		{
			name:       "every field exactly at its limit, counted in characters",
			body:       `[` + contactAtLimits("organization_contact", 0) + `]`,
			wantStatus: http.StatusNoContent,
			want: func(o Organization) Organization {
				o.OrganizationContact = Contact{
					ID: freshID, FirstName: strings.Repeat("é", 128), LastName: strings.Repeat("ß", 128),
					Email: strings.Repeat("é", 245) + "@x.example", JobTitle: strings.Repeat("工", 64),
					Telephone: strings.Repeat("٣", 32), TelephoneExtension: strings.Repeat("9", 16), LanguageID: "1",
				}
				return o
			},
		},
		{
			name:       "unknown fields are ignored",
			body:       `[{` + janeJSON + `,` + fullJaneOptional + `,"middle_name":"Q","contact_type":"organization_contact"}]`,
			wantStatus: http.StatusNoContent,
			want:       func(o Organization) Organization { return o },
		},
	}
}

// contactAtLimits is a contact whose fields are the documented limits
// (plus extra characters), in characters that take two or three bytes.
func contactAtLimits(contactType string, extra int) string {
	return fmt.Sprintf(`{"first_name":%q,"last_name":%q,"email":%q,"job_title":%q,"telephone":%q,"telephone_extension":%q,"language_id":"1","contact_type":%q}`,
		strings.Repeat("é", 128+extra), strings.Repeat("ß", 128+extra), strings.Repeat("é", 245+extra)+"@x.example",
		strings.Repeat("工", 64+extra), strings.Repeat("٣", 32+extra), strings.Repeat("9", 16+extra), contactType)
}

func refusedCases() []putCase {
	return []putCase{
		{
			name:       "a bare organization contact is refused",
			body:       `[{"contact_type":"organization_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"invalid_contact", msgNoOrgRemoval},
		},
		{
			name:       "two organization contacts are a duplicate",
			body:       `[{` + janeJSON + `,"contact_type":"organization_contact"},{` + johnJSON + `,"contact_type":"organization_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"contact_type_duplicate", msgDuplicate},
		},
		{
			name:       "two technical removals are a duplicate",
			body:       `[{"contact_type":"technical_contact"},{"contact_type":"technical_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"contact_type_duplicate", msgDuplicate},
		},
		{
			name: "a duplicate is reported once, with every other error",
			body: `[{"first_name":"Jane","contact_type":"organization_contact"},{` + johnJSON + `,"contact_type":"technical_contact"},
				{` + johnJSON + `,"contact_type":"technical_contact"},{` + janeJSON + `,"contact_type":"organization_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{
				"contact_type_duplicate", msgDuplicate,
				"required_param:last_name", orgLabel + "last_name is required.",
				"required_param:email", orgLabel + "email is required.",
			},
		},
		{
			name:       "every field one character over its limit, all reported",
			body:       `[` + contactAtLimits("organization_contact", 1) + `]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{
				"invalid_param:first_name", orgLabel + "first_name must be at most 128 characters.",
				"invalid_param:last_name", orgLabel + "last_name must be at most 128 characters.",
				"invalid_param:email", orgLabel + "email must be at most 255 characters.",
				"invalid_param:job_title", orgLabel + "job_title must be at most 64 characters.",
				"invalid_param:telephone", orgLabel + "telephone must be at most 32 characters.",
				"invalid_param:telephone_extension", orgLabel + "telephone_extension must be at most 16 characters.",
			},
		},
		{
			name:       "a valid organization contact is not applied when the technical contact is refused",
			body:       `[{"first_name":"New","last_name":"Person","email":"new@example.com","contact_type":"organization_contact"},` + contactAtLimits("technical_contact", 1) + `]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{
				"invalid_param:first_name", techLabel + "first_name must be at most 128 characters.",
				"invalid_param:last_name", techLabel + "last_name must be at most 128 characters.",
				"invalid_param:email", techLabel + "email must be at most 255 characters.",
				"invalid_param:job_title", techLabel + "job_title must be at most 64 characters.",
				"invalid_param:telephone", techLabel + "telephone must be at most 32 characters.",
				"invalid_param:telephone_extension", techLabel + "telephone_extension must be at most 16 characters.",
			},
		},
		{
			name:       "required fields missing when not a removal",
			body:       `[{"job_title":"SRE","contact_type":"technical_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{
				"required_param:first_name", techLabelFirst + "first_name is required.",
				"required_param:last_name", techLabelFirst + "last_name is required.",
				"required_param:email", techLabelFirst + "email is required.",
			},
		},
		{
			name:       "a required field of white space only is missing",
			body:       `[{"first_name":"  ","last_name":"Doe","email":"jane.doe@example.com","contact_type":"organization_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"required_param:first_name", orgLabel + "first_name is required."},
		},
		{
			name:       "a contact without contact_type is refused",
			body:       `[{` + janeJSON + `}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"required_param:contact_type", msgTypeMissing0},
		},
		{
			name:       "an unknown contact_type is refused, and its fields still checked",
			body:       `[{"first_name":"Jane","contact_type":"billing_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{
				"invalid_param:contact_type", msgTypeUnknown0,
				"required_param:last_name", "contacts[0]: last_name is required.",
				"required_param:email", "contacts[0]: email is required.",
			},
		},
		{
			name:       "an empty contacts array is refused",
			body:       `[]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"required_param:contacts", msgNoContacts},
		},
		{
			name:       "a null contacts array is refused",
			body:       `null`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"required_param:contacts", msgNoContacts},
		},
		{
			name:       "a body without contacts is refused",
			raw:        true,
			body:       `{"contact":[]}`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"required_param:contacts", msgNoContacts},
		},
	}
}

func malformedCases() []putCase {
	return []putCase{
		{name: "truncated JSON", raw: true, body: `{"contacts":[`, wantStatus: http.StatusBadRequest, wantErrors: []string{"bad_request_format", msgBadJSON}},
		{name: "not JSON at all", raw: true, body: `first_name=Jane`, wantStatus: http.StatusBadRequest, wantErrors: []string{"bad_request_format", msgBadJSON}},
		{name: "empty body", raw: true, body: ``, wantStatus: http.StatusBadRequest, wantErrors: []string{"bad_request_format", msgBadJSON}},
		{name: "trailing garbage", raw: true, body: `{"contacts":[{"contact_type":"technical_contact"}]} x`, wantStatus: http.StatusBadRequest, wantErrors: []string{"bad_request_format", msgBadJSON}},
		{
			name: "a top-level array", raw: true, body: `[{"contact_type":"technical_contact"}]`, wantStatus: http.StatusBadRequest,
			wantErrors: []string{"bad_request_format", "The request body must be an object, not array."},
		},
		{
			name: "contacts as an object", body: `{"contact_type":"technical_contact"}`, wantStatus: http.StatusBadRequest,
			wantErrors: []string{"bad_request_format", "contacts must be an array, not object."},
		},
		{
			name: "a number as a contact", body: `[1]`, wantStatus: http.StatusBadRequest,
			wantErrors: []string{"bad_request_format", "Each entry of contacts must be an object, not number."},
		},
		{
			name: "a number where a string belongs", body: `[{"first_name":"Jane","last_name":"Doe","email":"jane.doe@example.com","language_id":1,"contact_type":"organization_contact"}]`,
			wantStatus: http.StatusBadRequest,
			wantErrors: []string{"bad_request_format", "contacts.language_id must be a string, not number."},
		},
	}
}

func runPutCase(t *testing.T, tc putCase) {
	s, ts := startServer(t, Options{})
	before := s.AddOrganization(testOrganization(!tc.noTech))
	floor := maxContactID(s.Organizations())
	body := tc.body
	if !tc.raw {
		body = `{"contacts":` + tc.body + `}`
	}
	res := call(t, ts, http.MethodPut, fmt.Sprintf("/services/v2/organization/%d/contact", before.ID), testKey, body)
	wantBody := ""
	if tc.wantErrors != nil {
		wantBody = errorsJSON(t, tc.wantErrors...)
	}
	assertResponse(t, res, tc.wantStatus, wantBody)

	want := before.clone()
	if tc.want != nil {
		want = tc.want(before.clone())
	}
	got, ok := s.Organization(before.ID)
	if !ok {
		t.Fatalf("organization %d is gone", before.ID)
	}
	resolveFreshIDs(t, &want, got, floor)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("organization after the request:\n got %s\nwant %s", describe(got), describe(want))
	}
}

// resolveFreshIDs checks that every contact expected to have a fresh id has
// one above floor (ids are never reused), then copies it into want so the
// whole organizations can be compared.
func resolveFreshIDs(t *testing.T, want *Organization, got Organization, floor int) {
	t.Helper()
	if want.OrganizationContact.ID == freshID {
		if got.OrganizationContact.ID <= floor {
			t.Errorf("organization contact id: got %d, want a new id above %d", got.OrganizationContact.ID, floor)
		}
		want.OrganizationContact.ID = got.OrganizationContact.ID
	}
	if want.TechnicalContact != nil && want.TechnicalContact.ID == freshID && got.TechnicalContact != nil {
		if got.TechnicalContact.ID <= floor || got.TechnicalContact.ID == got.OrganizationContact.ID {
			t.Errorf("technical contact id: got %d, want a new id above %d", got.TechnicalContact.ID, floor)
		}
		want.TechnicalContact.ID = got.TechnicalContact.ID
	}
}

// contactIDs is the set of the organization's contact ids.
func contactIDs(o Organization) map[int]bool {
	ids := map[int]bool{o.OrganizationContact.ID: true}
	if o.TechnicalContact != nil {
		ids[o.TechnicalContact.ID] = true
	}
	return ids
}

func maxContactID(orgs []Organization) int {
	n := 0
	for _, o := range orgs {
		n = max(n, o.OrganizationContact.ID)
		if o.TechnicalContact != nil {
			n = max(n, o.TechnicalContact.ID)
		}
	}
	return n
}

func describe(o Organization) string {
	tc := "none"
	if o.TechnicalContact != nil {
		tc = fmt.Sprintf("%+v", *o.TechnicalContact)
	}
	return fmt.Sprintf("%+v technical=%s", o, tc)
}

func TestUpdateContactsUnknownOrganization(t *testing.T) {
	_, ts := startServer(t, Options{})
	notFound := errorsJSON(t, "not_found", "Organization not found.")
	for _, id := range []string{"999999", "abc", "0", "-5", "1001x"} {
		t.Run(id, func(t *testing.T) {
			res := call(t, ts, http.MethodPut, "/services/v2/organization/"+id+"/contact", testKey, `{"contacts":[{"contact_type":"technical_contact"}]}`)
			assertResponse(t, res, http.StatusNotFound, notFound)
		})
	}
}

func TestUpdateContactsReplacementIDsAreNeverReused(t *testing.T) {
	s, ts := startServer(t, Options{})
	o := s.AddOrganization(testOrganization(true))
	path := fmt.Sprintf("/services/v2/organization/%d/contact", o.ID)
	seen := map[int]bool{}
	previous := contactIDs(o)
	for id := range previous {
		seen[id] = true
	}
	bodies := []string{
		`{"contacts":[{"contact_type":"technical_contact"}]}`,
		`{"contacts":[{` + johnJSON + `,"contact_type":"technical_contact"}]}`,
		`{"contacts":[{"first_name":"A","last_name":"B","email":"a@example.com","contact_type":"organization_contact"}]}`,
		`{"contacts":[{` + janeJSON + `,"contact_type":"organization_contact"}]}`,
	}
	for _, body := range bodies {
		assertResponse(t, call(t, ts, http.MethodPut, path, testKey, body), http.StatusNoContent, "")
		got, ok := s.Organization(o.ID)
		if !ok {
			t.Fatalf("organization %d is gone", o.ID)
		}
		current := contactIDs(got)
		for id := range current {
			if !previous[id] && seen[id] {
				t.Errorf("after %s: new contact got id %d, which was used before", body, id)
			}
			seen[id] = true
		}
		previous = current
	}
	got, ok := s.Organization(o.ID)
	if !ok {
		t.Fatalf("organization %d is gone", o.ID)
	}
	if got.TechnicalContact == nil || got.TechnicalContact.ID == o.TechnicalContact.ID {
		t.Errorf("technical contact re-added after removal: got %+v, want a new id (old %d)", got.TechnicalContact, o.TechnicalContact.ID)
	}
	if got.OrganizationContact.ID == o.OrganizationContact.ID {
		t.Errorf("organization contact back to Jane after a replacement: got id %d, want a new id", got.OrganizationContact.ID)
	}
}

// TestUpdateContactsConcurrently runs many PUTs and GETs at once; with -race
// it checks the locking, and the final state must be one complete request.
func TestUpdateContactsConcurrently(t *testing.T) {
	s, ts := startServer(t, Options{Windows: []RateWindow{}})
	o := s.AddOrganization(testOrganization(true))
	path := fmt.Sprintf("/services/v2/organization/%d", o.ID)
	const workers, perWorker = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				body := fmt.Sprintf(`{"contacts":[{"first_name":"W%d","last_name":"R%d","email":"w%d.r%d@example.com","contact_type":"organization_contact"},{"first_name":"T%d","last_name":"R%d","email":"t@example.com","contact_type":"technical_contact"}]}`, w, i, w, i, w, i)
				errs <- expectStatus(ts, http.MethodPut, path+"/contact", body, http.StatusNoContent)
				errs <- expectStatus(ts, http.MethodGet, path, "", http.StatusOK)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got, ok := s.Organization(o.ID)
	if !ok {
		t.Fatalf("organization %d is gone", o.ID)
	}
	oc, tc := got.OrganizationContact, got.TechnicalContact
	if tc == nil || strings.TrimPrefix(oc.FirstName, "W") != strings.TrimPrefix(tc.FirstName, "T") || oc.LastName != tc.LastName {
		t.Errorf("final contacts come from different requests: organization %+v, technical %+v", oc, tc)
	}
}

// expectStatus sends one request and reports a failure or an unexpected
// status as an error, for use outside the test goroutine.
func expectStatus(ts *httptest.Server, method, path, body string, want int) error {
	req, err := newRequest(context.Background(), method, ts.URL+path, testKey, body)
	if err != nil {
		return err
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: status: got %d, want %d", method, path, res.StatusCode, want)
	}
	return nil
}
