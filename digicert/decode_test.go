package digicert

import (
	"encoding/json"
	"testing"
)

func TestFlexInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{`12`, 12, false},
		{`"12"`, 12, false},
		{`" 12 "`, 12, false},
		{`-3`, -3, false},
		{`12.0`, 12, false},
		{`1e3`, 1000, false},
		{`null`, 0, false},
		{`""`, 0, false},
		{`12.5`, 0, true},
		{`"abc"`, 0, true},
		{`true`, 0, true},
		{`{}`, 0, true},
		{`[]`, 0, true},
	}
	for _, tt := range tests {
		var got flexInt
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("flexInt %s: err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if int(got) != tt.want {
			t.Errorf("flexInt %s = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestFlexBool(t *testing.T) {
	tests := []struct {
		in      string
		want    bool
		wantErr bool
	}{
		{`true`, true, false},
		{`false`, false, false},
		{`1`, true, false},
		{`0`, false, false},
		{`"1"`, true, false},
		{`"0"`, false, false},
		{`"true"`, true, false},
		{`"false"`, false, false},
		{`"TRUE"`, true, false},
		{`"yes"`, true, false},
		{`""`, false, false},
		{`null`, false, false},
		{`2`, false, true},
		{`"maybe"`, false, true},
		{`{}`, false, true},
	}
	for _, tt := range tests {
		var got flexBool
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("flexBool %s: err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if bool(got) != tt.want {
			t.Errorf("flexBool %s = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestFlexString(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{`"1"`, "1", false},
		{`1`, "1", false},
		{`37`, "37", false},
		{`"é<>&"`, "é<>&", false},
		{`"\u00e9"`, "é", false},
		{`null`, "", false},
		{`""`, "", false},
		{`true`, "true", false},
		{`[]`, "", true},
		{`{"a":1}`, "", true},
	}
	for _, tt := range tests {
		var got flexString
		err := json.Unmarshal([]byte(tt.in), &got)
		if (err != nil) != tt.wantErr {
			t.Errorf("flexString %s: err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("flexString %s = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeOrganization(t *testing.T) {
	jane := &ExistingContact{ID: 7, FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", JobTitle: "SRE", Telephone: "555", TelephoneExtension: "12", LanguageID: "1"}
	tests := []struct {
		name    string
		in      string
		want    Organization
		wantErr bool
	}{
		{
			name: "typed as documented",
			in: `{"id":12,"status":"active","name":"Acme","assumed_name":"Acme Ltd","display_name":"Acme (Acme Ltd)","is_active":true,
				"telephone":"555-0100","address":"1 Main St","address2":"Suite 2","city":"Lehi","state":"UT","zip":"84043","country":"us",
				"container":{"id":5,"parent_id":0,"name":"Root","is_active":true},"verified_contacts":[],
				"organization_contact":{"id":7,"first_name":"Jane","last_name":"Doe","email":"jane@example.com","job_title":"SRE","telephone":"555","telephone_extension":"12","language_id":1},
				"technical_contact":{"id":"8","first_name":"Tom","last_name":"Tech","email":"tom@example.com"}}`,
			want: Organization{ID: 12, Name: "Acme", AssumedName: "Acme Ltd", DisplayName: "Acme (Acme Ltd)", Status: "active", IsActive: true,
				Telephone: "555-0100", Address: "1 Main St", Address2: "Suite 2", City: "Lehi", State: "UT", Zip: "84043", Country: "us",
				OrganizationContact: jane,
				TechnicalContact:    &ExistingContact{ID: 8, FirstName: "Tom", LastName: "Tech", Email: "tom@example.com"}},
		},
		{
			name: "quirky types, technical contact not reported",
			in:   `{"id":"12","name":"Acme","is_active":"1","organization_contact":{"id":"7","first_name":"Jane","last_name":"Doe","email":"jane@example.com","job_title":"SRE","telephone":"555","telephone_extension":"12","language_id":"1"}}`,
			want: Organization{ID: 12, Name: "Acme", IsActive: true, OrganizationContact: jane, TechnicalContactOmitted: true},
		},
		{
			name: "null technical contact, is_active 0",
			in:   `{"id":12,"is_active":0,"technical_contact":null}`,
			want: Organization{ID: 12},
		},
		{
			name: "empty array and empty object as no contact",
			in:   `{"id":12,"is_active":"false","organization_contact":{},"technical_contact":[]}`,
			want: Organization{ID: 12},
		},
		{
			name: "empty object as no technical contact",
			in:   `{"id":12,"technical_contact":{}}`,
			want: Organization{ID: 12},
		},
		{
			name:    "non-empty array as contact",
			in:      `{"id":12,"technical_contact":[{"id":1}]}`,
			wantErr: true,
		},
		{
			name:    "unreadable id",
			in:      `{"id":"twelve"}`,
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc organizationJSON
			err := json.Unmarshal([]byte(tt.in), &doc)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			assertOrganization(t, doc.organization(), &tt.want)
		})
	}
}

func TestDecodeOrganizationPage(t *testing.T) {
	in := `{"organizations":[{"id":"1","name":"A","is_active":"1","status":"active"},{"id":2,"name":"B","assumed_name":"Bee","display_name":"B (Bee)","is_active":false,"status":"inactive","extra":{"x":1}}],"page":{"total":"2","limit":1000,"offset":0}}`
	var page organizationPage
	if err := json.Unmarshal([]byte(in), &page); err != nil {
		t.Fatal(err)
	}
	want := []OrganizationSummary{
		{ID: 1, Name: "A", Status: "active", IsActive: true},
		{ID: 2, Name: "B", AssumedName: "Bee", DisplayName: "B (Bee)", Status: "inactive"},
	}
	if len(page.Organizations) != len(want) {
		t.Fatalf("got %d organizations, want %d", len(page.Organizations), len(want))
	}
	for i, o := range page.Organizations {
		if got := o.summary(); got != want[i] {
			t.Errorf("organization %d = %+v, want %+v", i, got, want[i])
		}
	}
	if page.Page == nil || page.Page.Total != 2 {
		t.Errorf("page = %+v, want total 2", page.Page)
	}
}

// assertOrganization compares every field, contacts by value.
func assertOrganization(t *testing.T, got, want *Organization) {
	t.Helper()
	g, w := *got, *want
	g.OrganizationContact, g.TechnicalContact = nil, nil
	w.OrganizationContact, w.TechnicalContact = nil, nil
	if g != w {
		t.Errorf("organization = %+v, want %+v", g, w)
	}
	assertContact(t, "organization contact", got.OrganizationContact, want.OrganizationContact)
	assertContact(t, "technical contact", got.TechnicalContact, want.TechnicalContact)
}

func assertContact(t *testing.T, what string, got, want *ExistingContact) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s = %+v, want %+v", what, got, want)
	case *got != *want:
		t.Errorf("%s = %+v, want %+v", what, *got, *want)
	}
}
