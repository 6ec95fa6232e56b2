package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

// withoutPeople returns the plans without who the contacts are before
// and after and whether they are sent, which TestPlanPeople checks.
func withoutPeople(plans []ContactPlan) []ContactPlan {
	out := make([]ContactPlan, len(plans))
	for i, p := range plans {
		p.Before, p.After, p.Sent = nil, nil, false
		out[i] = p
	}
	return out
}

func notInRequest(contactType string) ContactPlan {
	return ContactPlan{ContactType: contactType, Effect: EffectUnchanged, Reason: "Unchanged: not part of the request"}
}

func TestNewPlan(t *testing.T) {
	orgLead := withJobTitle(orgAsSent(), "Lead SRE")
	orgReplaced := orgAsSent()
	orgReplaced.FirstName, orgReplaced.Email = "Johnny", "johnny@example.com"
	orgEmptied := orgAsSent()
	orgEmptied.JobTitle, orgEmptied.Telephone = "", ""
	techReplaced := techAsSent()
	techReplaced.LastName = "Roe"
	techNew := digicert.Contact{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", LanguageID: "1", ContactType: tech}
	onlyOrg := Current{Organization: currentOrg()}

	tests := []struct {
		name     string
		current  Current
		req      []digicert.Contact
		wantBody string
		want     []ContactPlan
	}{
		{
			name:     "update in place",
			current:  bothCurrent(),
			req:      []digicert.Contact{orgLead},
			wantBody: `{"contacts":[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","job_title":"Lead SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectUpdated, Reason: "Updated in place: first name, last name and email match the current contact",
					ChangedFields: []FieldChange{{Field: "job_title", Label: "job title", Before: "SRE", After: "Lead SRE"}}},
				notInRequest(tech),
			},
		},
		{
			name:     "replace",
			current:  bothCurrent(),
			req:      []digicert.Contact{orgReplaced},
			wantBody: `{"contacts":[{"first_name":"Johnny","last_name":"Doe","email":"johnny@example.com","job_title":"SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectReplaced, Reason: "Replaced by a new contact: first name and email differ from the current contact",
					DifferingIdentity: []string{"first name", "email"},
					ChangedFields: []FieldChange{
						{Field: "first_name", Label: "first name", Before: "John", After: "Johnny"},
						{Field: "email", Label: "email", Before: "john.doe@example.com", After: "johnny@example.com"},
					},
					CarriedOver: []string{"last_name", "job_title", "telephone", "telephone_extension", "language_id"}},
				notInRequest(tech),
			},
		},
		{
			name:     "remove",
			current:  bothCurrent(),
			req:      []digicert.Contact{{ContactType: tech}},
			wantBody: `{"contacts":[{"contact_type":"technical_contact"}]}`,
			want: []ContactPlan{
				notInRequest(org),
				{ContactType: tech, Effect: EffectRemoved, Reason: "Removed: the organization will have no technical contact",
					ChangedFields: []FieldChange{
						{Field: "first_name", Label: "first name", Before: "Jane"},
						{Field: "last_name", Label: "last name", Before: "Doe"},
						{Field: "email", Label: "email", Before: "jane.doe@example.com"},
						{Field: "job_title", Label: "job title", Before: "Ops"},
						{Field: "telephone", Label: "telephone", Before: "5550100"},
						{Field: "language_id", Label: "language", Before: "1"},
					}},
			},
		},
		{
			name:     "remove a technical contact DigiCert did not report",
			current:  onlyOrg,
			req:      []digicert.Contact{{ContactType: tech}},
			wantBody: `{"contacts":[{"contact_type":"technical_contact"}]}`,
			want: []ContactPlan{
				notInRequest(org),
				{ContactType: tech, Effect: EffectNothing, Reason: "Nothing to remove as far as DigiCert reported: the organization has no technical contact. The removal is sent all the same"},
			},
		},
		{
			name:     "create a technical contact",
			current:  onlyOrg,
			req:      []digicert.Contact{techNew},
			wantBody: `{"contacts":[{"first_name":"Ann","last_name":"Lee","email":"ann@example.com","language_id":"1","contact_type":"technical_contact"}]}`,
			want: []ContactPlan{
				notInRequest(org),
				{ContactType: tech, Effect: EffectCreated, Reason: "Added: the organization has no technical contact, so this one is added",
					ChangedFields: []FieldChange{
						{Field: "first_name", Label: "first name", After: "Ann"},
						{Field: "last_name", Label: "last name", After: "Lee"},
						{Field: "email", Label: "email", After: "ann@example.com"},
						{Field: "language_id", Label: "language", After: "1"},
					}},
			},
		},
		{
			name:     "create an organization contact DigiCert did not report",
			current:  Current{},
			req:      []digicert.Contact{minimalOrg()},
			wantBody: `{"contacts":[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectCreated, Reason: "Added: the organization has no organization contact, so this one is added",
					ChangedFields: []FieldChange{
						{Field: "first_name", Label: "first name", After: "John"},
						{Field: "last_name", Label: "last name", After: "Doe"},
						{Field: "email", Label: "email", After: "john.doe@example.com"},
					}},
				notInRequest(tech),
			},
		},
		{
			name:     "sent unchanged",
			current:  bothCurrent(),
			req:      []digicert.Contact{techAsSent()},
			wantBody: `{"contacts":[{"first_name":"Jane","last_name":"Doe","email":"jane.doe@example.com","job_title":"Ops","telephone":"5550100","language_id":"1","contact_type":"technical_contact"}]}`,
			want: []ContactPlan{
				notInRequest(org),
				{ContactType: tech, Effect: EffectUnchanged, Reason: "Unchanged: sent with the values it has now"},
			},
		},
		{
			name:     "both contacts at once, technical first as written",
			current:  bothCurrent(),
			req:      []digicert.Contact{techReplaced, orgLead},
			wantBody: `{"contacts":[{"first_name":"Jane","last_name":"Roe","email":"jane.doe@example.com","job_title":"Ops","telephone":"5550100","language_id":"1","contact_type":"technical_contact"},{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","job_title":"Lead SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectUpdated, Reason: "Updated in place: first name, last name and email match the current contact",
					ChangedFields: []FieldChange{{Field: "job_title", Label: "job title", Before: "SRE", After: "Lead SRE"}}},
				{ContactType: tech, Effect: EffectReplaced, Reason: "Replaced by a new contact: last name differs from the current contact",
					DifferingIdentity: []string{"last name"},
					ChangedFields:     []FieldChange{{Field: "last_name", Label: "last name", Before: "Doe", After: "Roe"}},
					CarriedOver:       []string{"first_name", "email", "job_title", "telephone", "language_id"}},
			},
		},
		{
			name:     "optional fields emptied on purpose",
			current:  bothCurrent(),
			req:      []digicert.Contact{orgEmptied},
			wantBody: `{"contacts":[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectUpdated, Reason: "Updated in place: first name, last name and email match the current contact",
					ClearedFields:     []string{"job title", "telephone"},
					ClearedJSONFields: []string{"job_title", "telephone"},
					ChangedFields: []FieldChange{
						{Field: "job_title", Label: "job title", Before: "SRE"},
						{Field: "telephone", Label: "telephone", Before: "1234567890"},
					}},
				notInRequest(tech),
			},
		},
		{
			name:     "replaced with fewer fields clears the rest",
			current:  bothCurrent(),
			req:      []digicert.Contact{{FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", ContactType: tech}},
			wantBody: `{"contacts":[{"first_name":"Ann","last_name":"Lee","email":"ann@example.com","contact_type":"technical_contact"}]}`,
			want: []ContactPlan{
				notInRequest(org),
				{ContactType: tech, Effect: EffectReplaced, Reason: "Replaced by a new contact: first name, last name and email differ from the current contact",
					DifferingIdentity: []string{"first name", "last name", "email"},
					ClearedFields:     []string{"job title", "telephone", "language"},
					ClearedJSONFields: []string{"job_title", "telephone", "language_id"},
					ChangedFields: []FieldChange{
						{Field: "first_name", Label: "first name", Before: "Jane", After: "Ann"},
						{Field: "last_name", Label: "last name", Before: "Doe", After: "Lee"},
						{Field: "email", Label: "email", Before: "jane.doe@example.com", After: "ann@example.com"},
						{Field: "job_title", Label: "job title", Before: "Ops"},
						{Field: "telephone", Label: "telephone", Before: "5550100"},
						{Field: "language_id", Label: "language", Before: "1"},
					}},
			},
		},
		{
			name:     "email in another case is the same contact",
			current:  bothCurrent(),
			req:      []digicert.Contact{withEmail(orgAsSent(), "John.Doe@Example.COM")},
			wantBody: `{"contacts":[{"first_name":"John","last_name":"Doe","email":"John.Doe@Example.COM","job_title":"SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectUpdated, Reason: "Updated in place: first name, last name and email match the current contact",
					ChangedFields: []FieldChange{{Field: "email", Label: "email", Before: "john.doe@example.com", After: "John.Doe@Example.COM"}}},
				notInRequest(tech),
			},
		},
		{
			name:     "a name in another case is a new contact",
			current:  bothCurrent(),
			req:      []digicert.Contact{{FirstName: "john", LastName: "Doe", Email: "john.doe@example.com", ContactType: org}},
			wantBody: `{"contacts":[{"first_name":"john","last_name":"Doe","email":"john.doe@example.com","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectReplaced, Reason: "Replaced by a new contact: first name differs from the current contact",
					DifferingIdentity: []string{"first name"},
					ClearedFields:     []string{"job title", "telephone", "telephone extension", "language"},
					ClearedJSONFields: []string{"job_title", "telephone", "telephone_extension", "language_id"},
					ChangedFields: []FieldChange{
						{Field: "first_name", Label: "first name", Before: "John", After: "john"},
						{Field: "job_title", Label: "job title", Before: "SRE"},
						{Field: "telephone", Label: "telephone", Before: "1234567890"},
						{Field: "telephone_extension", Label: "telephone extension", Before: "1234"},
						{Field: "language_id", Label: "language", Before: "1"},
					},
					CarriedOver: []string{"last_name", "email"}},
				notInRequest(tech),
			},
		},
		{
			name: "white space around current values does not make a new contact",
			current: Current{Organization: &digicert.ExistingContact{
				ID: 11, FirstName: "John ", LastName: " Doe", Email: "john.doe@example.com\n",
			}},
			req:      []digicert.Contact{minimalOrg()},
			wantBody: `{"contacts":[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectUnchanged, Reason: "Unchanged: sent with the values it has now"},
				notInRequest(tech),
			},
		},
		{
			name:     "HTML and non-ASCII text sent as typed",
			current:  bothCurrent(),
			req:      []digicert.Contact{withJobTitle(orgAsSent(), `R&D <ops> "lead" é`)},
			wantBody: `{"contacts":[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","job_title":"R&D <ops> \"lead\" é","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"}]}`,
			want: []ContactPlan{
				{ContactType: org, Effect: EffectUpdated, Reason: "Updated in place: first name, last name and email match the current contact",
					ChangedFields: []FieldChange{{Field: "job_title", Label: "job title", Before: "SRE", After: `R&D <ops> "lead" é`}}},
				notInRequest(tech),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := NewPlan(tt.current, tt.req)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			if string(plan.Body) != tt.wantBody {
				t.Errorf("body:\n got  %s\n want %s", plan.Body, tt.wantBody)
			}
			if got := withoutPeople(plan.Contacts); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("contacts:\n got  %#v\n want %#v", got, tt.want)
			}
			if !reflect.DeepEqual(plan.Request, tt.req) || plan.NothingToSend {
				t.Errorf("request: got %#v (nothing to send %v), want %#v", plan.Request, plan.NothingToSend, tt.req)
			}
		})
	}
}

func TestNewPlanNothingToSend(t *testing.T) {
	plan, err := NewPlan(bothCurrent(), []digicert.Contact{})
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	want := Plan{Contacts: []ContactPlan{notInRequest(org), notInRequest(tech)}, Request: []digicert.Contact{}, NothingToSend: true}
	plan.Contacts = withoutPeople(plan.Contacts)
	if !reflect.DeepEqual(plan, want) {
		t.Errorf("plan:\n got  %#v\n want %#v", plan, want)
	}
}

func TestNewPlanRefuses(t *testing.T) {
	tests := []struct {
		name    string
		req     []digicert.Contact
		wantErr string
	}{
		{"unknown type", []digicert.Contact{{ContactType: "billing_contact"}}, `contacts: plan: contact 0 has contact type "billing_contact"`},
		{"type twice", []digicert.Contact{minimalOrg(), minimalOrg()}, `contacts: plan: contact 1 repeats contact type "organization_contact"`},
		{"organization removed", []digicert.Contact{{ContactType: org}}, "contacts: plan: the organization contact cannot be removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(bothCurrent(), tt.req)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("error: got %v, want %s", err, tt.wantErr)
			}
		})
	}
}

func TestNewPlanCopiesRequest(t *testing.T) {
	req := []digicert.Contact{minimalOrg()}
	plan, err := NewPlan(bothCurrent(), req)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	req[0].FirstName = "Changed"
	if plan.Request[0].FirstName != "John" {
		t.Errorf("plan request first name: got %q after the caller's slice changed, want %q", plan.Request[0].FirstName, "John")
	}
}

func TestFormChangeToPlan(t *testing.T) {
	current := bothCurrent()
	change := ChangeFrom(current)
	change.Organization.Action = ActionUpdate
	change.Organization.JobTitle = ""
	change.Technical.Action = ActionRemove
	req, errs := ValidateChange(change, current, defaultLocales(t))
	if errs != nil {
		t.Fatalf("ValidateChange: %v", errs)
	}
	plan, err := NewPlan(current, req)
	if err != nil {
		t.Fatalf("NewPlan: %v", err)
	}
	want := `{"contacts":[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"},{"contact_type":"technical_contact"}]}`
	if string(plan.Body) != want {
		t.Errorf("body:\n got  %s\n want %s", plan.Body, want)
	}
	if got := []Effect{plan.Contacts[0].Effect, plan.Contacts[1].Effect}; !reflect.DeepEqual(got, []Effect{EffectUpdated, EffectRemoved}) {
		t.Errorf("effects: got %v, want [updated removed]", got)
	}
}
