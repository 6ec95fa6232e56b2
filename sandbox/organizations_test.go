package sandbox

import (
	"net/http"
	"reflect"
	"testing"
)

// knownOrganization has fixed ids, so its JSON can be written out in full.
func knownOrganization() Organization {
	return Organization{
		ID: 42, Name: `"Quote" & <Angle> Labs`, AssumedName: "Q&A", Status: "active", IsActive: true,
		Telephone: "+1 512 555 0170", Address: "7 Quote Street", City: "Austin", State: "TX", Zip: "78701", Country: "us",
		OrganizationContact: Contact{ID: 7, FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com", JobTitle: "CEO", LanguageID: "1"},
		TechnicalContact:    &Contact{ID: 8, FirstName: "Grace", LastName: "Hopper", Email: "grace@example.com", Telephone: "555", TelephoneExtension: "12"},
	}
}

func TestShowOrganization(t *testing.T) {
	tests := []struct {
		name   string
		quirks bool
		add    Organization
		path   string
		status int
		want   string
	}{
		{
			name: "documented types, empty optional fields left out",
			add:  knownOrganization(), path: "/services/v2/organization/42", status: http.StatusOK,
			want: `{"id":42,"status":"active","name":"\"Quote\" & <Angle> Labs","assumed_name":"Q&A",
				"display_name":"\"Quote\" & <Angle> Labs (Q&A)","is_active":true,
				"address":"7 Quote Street","city":"Austin","state":"TX","zip":"78701","country":"us","telephone":"+1 512 555 0170",
				"container":{"id":1,"name":"Sandbox Account","is_active":true},
				"organization_contact":{"id":7,"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","job_title":"CEO","language_id":"1"},
				"technical_contact":{"id":8,"first_name":"Grace","last_name":"Hopper","email":"grace@example.com","telephone":"555","telephone_extension":"12"},
				"verified_contacts":[]}`,
		},
		{
			name: "quirks: ids as strings, is_active as \"1\", language_id as a number", quirks: true,
			add: knownOrganization(), path: "/services/v2/organization/42", status: http.StatusOK,
			want: `{"id":"42","status":"active","name":"\"Quote\" & <Angle> Labs","assumed_name":"Q&A",
				"display_name":"\"Quote\" & <Angle> Labs (Q&A)","is_active":"1",
				"address":"7 Quote Street","city":"Austin","state":"TX","zip":"78701","country":"us","telephone":"+1 512 555 0170",
				"container":{"id":"1","name":"Sandbox Account","is_active":"1"},
				"organization_contact":{"id":"7","first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","job_title":"CEO","language_id":1},
				"technical_contact":{"id":"8","first_name":"Grace","last_name":"Hopper","email":"grace@example.com","telephone":"555","telephone_extension":"12"},
				"verified_contacts":[]}`,
		},
		{
			name: "quirks: inactive is \"0\", no technical contact",
			add: Organization{
				ID: 43, Name: "Dormant Ltd", Status: "inactive", IsActive: false, Address: "1 Quiet Road", Address2: "Unit 2",
				City: "Leeds", State: "West Yorkshire", Zip: "LS1 1AA", Country: "gb", ContainerID: 3, ContainerName: "EMEA",
				OrganizationContact: Contact{ID: 9, FirstName: "Sam", LastName: "Stone", Email: "sam@example.com", LanguageID: "en"},
			},
			quirks: true, path: "/services/v2/organization/43", status: http.StatusOK,
			want: `{"id":"43","status":"inactive","name":"Dormant Ltd","display_name":"Dormant Ltd","is_active":"0",
				"address":"1 Quiet Road","address2":"Unit 2","city":"Leeds","state":"West Yorkshire","zip":"LS1 1AA","country":"gb",
				"container":{"id":"3","parent_id":"1","name":"EMEA","is_active":"1"},
				"organization_contact":{"id":"9","first_name":"Sam","last_name":"Stone","email":"sam@example.com","language_id":"en"},
				"technical_contact":null,"verified_contacts":[]}`,
		},
		{
			name: "the first seed organization", path: "/services/v2/organization/1001", status: http.StatusOK,
			want: `{"id":1001,"status":"active","name":"Acme Widgets, Inc.","assumed_name":"Acme","display_name":"Acme Widgets, Inc. (Acme)",
				"is_active":true,"address":"100 Market Street","address2":"Suite 300","city":"San Francisco","state":"CA","zip":"94105",
				"country":"us","telephone":"+1 415 555 0100",
				"container":{"id":2,"parent_id":1,"name":"Americas","is_active":true},
				"organization_contact":{"id":5001,"first_name":"Margaret","last_name":"Chen","email":"margaret.chen@acme-widgets.example",
					"job_title":"Director of IT","telephone":"+1 415 555 0101","telephone_extension":"204","language_id":"1"},
				"technical_contact":{"id":5002,"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme-widgets.example",
					"job_title":"Site Reliability Engineer","telephone":"+1 415 555 0102","language_id":"1"},
				"verified_contacts":[]}`,
		},
		{name: "unknown id", path: "/services/v2/organization/999999", status: http.StatusNotFound, want: `{"errors":[{"code":"not_found","message":"Organization not found."}]}`},
		{name: "non-numeric id", path: "/services/v2/organization/acme", status: http.StatusNotFound, want: `{"errors":[{"code":"not_found","message":"Organization not found."}]}`},
		{name: "empty id", path: "/services/v2/organization/", status: http.StatusNotFound, want: `{"errors":[{"code":"not_found|route","message":"The requested route was not found."}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := startServer(t, Options{Quirks: tc.quirks})
			if tc.add.Name != "" {
				s.AddOrganization(tc.add)
			}
			assertResponse(t, call(t, ts, http.MethodGet, tc.path, testKey, ""), tc.status, tc.want)
		})
	}
}

func TestAddOrganization(t *testing.T) {
	s := New(Options{})
	last := s.Organizations()
	floorOrg, floorContact := last[len(last)-1].ID, maxContactID(last)

	got := s.AddOrganization(Organization{Name: "New Co", OrganizationContact: Contact{FirstName: "A", LastName: "B", Email: "a@example.com"}})
	want := Organization{
		ID: floorOrg + 1, Name: "New Co", DisplayName: "New Co", Status: "active", IsActive: true,
		ContainerID: 1, ContainerName: "Sandbox Account",
		OrganizationContact: Contact{ID: floorContact + 1, FirstName: "A", LastName: "B", Email: "a@example.com"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AddOrganization with zero ids:\n got %s\nwant %s", describe(got), describe(want))
	}

	// Ids given explicitly move the counters past them.
	s.AddOrganization(Organization{ID: 90000, Name: "Explicit", OrganizationContact: Contact{ID: 70000, FirstName: "C", LastName: "D", Email: "c@example.com"}})
	next := s.AddOrganization(Organization{Name: "After", OrganizationContact: Contact{FirstName: "E", LastName: "F", Email: "e@example.com"}})
	if next.ID != 90001 || next.OrganizationContact.ID != 70001 {
		t.Errorf("ids after explicit ones: got organization %d contact %d, want 90001 and 70001", next.ID, next.OrganizationContact.ID)
	}
}

func TestSnapshotsAreCopies(t *testing.T) {
	s := New(Options{})
	input := knownOrganization()
	mutations := map[string]func(){
		"the organization passed to AddOrganization": func() { input.TechnicalContact.FirstName = "Changed" },
		"the organization AddOrganization returned":  func() { s.AddOrganization(knownOrganization()).TechnicalContact.FirstName = "Changed" },
		"the organization Organization returned":     func() { mustOrganization(t, s, 42).TechnicalContact.FirstName = "Changed" },
		"an organization Organizations returned":     func() { findOrganization(t, s.Organizations(), 42).TechnicalContact.FirstName = "Changed" },
	}
	s.AddOrganization(input)
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			mutate()
			if got := mustOrganization(t, s, 42).TechnicalContact.FirstName; got != "Grace" {
				t.Errorf("technical contact first name after changing a copy: got %q, want %q", got, "Grace")
			}
		})
	}
}

func mustOrganization(t *testing.T, s *Server, id int) Organization {
	t.Helper()
	o, ok := s.Organization(id)
	if !ok {
		t.Fatalf("organization %d not found", id)
	}
	return o
}

func findOrganization(t *testing.T, orgs []Organization, id int) Organization {
	t.Helper()
	for _, o := range orgs {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("organization %d not in the list", id)
	return Organization{}
}
