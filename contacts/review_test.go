package contacts

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestReview(t *testing.T) {
	f := newFlow(t)
	techJob := func(ch *Change) { ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE" }
	techEmail := func(ch *Change) { ch.Technical.Action, ch.Technical.Email = ActionUpdate, "raj@@acme" }
	tests := []struct {
		name       string
		in         Input
		wantBody   string
		wantEffect []Effect // organization, technical
		wantFields []string // Field of each error, in order
	}{
		{
			name:       "form, valid",
			in:         f.formChange(t, techJob),
			wantBody:   `{"contacts":[{"first_name":"Raj","last_name":"Patel","email":"raj.patel@acme.example","job_title":"Lead SRE","telephone":"+1 415 555 0102","language_id":"1","contact_type":"technical_contact"}]}`,
			wantEffect: []Effect{EffectUnchanged, EffectUpdated},
		},
		{
			name:       "form, invalid email",
			in:         f.formChange(t, techEmail),
			wantFields: []string{"technical_contact.email"},
		},
		{
			name:       "form, organization contact removed",
			in:         f.formChange(t, func(ch *Change) { ch.Organization.Action = ActionRemove }),
			wantFields: []string{"organization_contact.action"},
		},
		{
			name:       "json, valid",
			in:         Input{Mode: ModeJSON, RequestJSON: ` {"contacts": [{"contact_type": "technical_contact"}]} `},
			wantBody:   `{"contacts":[{"contact_type":"technical_contact"}]}`,
			wantEffect: []Effect{EffectUnchanged, EffectRemoved},
		},
		{
			name:       "json, invalid",
			in:         Input{Mode: ModeJSON, RequestJSON: `{"contacts": [{"first_name": "Ann", "contact_type": "organization_contact"}]}`},
			wantFields: []string{FieldRequestJSON, FieldRequestJSON},
		},
		{
			name:       "json, not JSON",
			in:         Input{Mode: ModeJSON, RequestJSON: `{"contacts": [`},
			wantFields: []string{FieldRequestJSON},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev, err := f.svc.Review(context.Background(), f.org.ID, tt.in)
			if err != nil {
				t.Fatalf("Review: %v", err)
			}
			if rev.Organization == nil || rev.Organization.ID != f.org.ID {
				t.Fatalf("Organization: got %+v, want id %d", rev.Organization, f.org.ID)
			}
			if want := f.current(t); !reflect.DeepEqual(rev.Current, want) {
				t.Errorf("Current: got %+v, want %+v", rev.Current, want)
			}
			if want := f.fingerprint(t); rev.Fingerprint != want {
				t.Errorf("Fingerprint: got %s, want %s", rev.Fingerprint, want)
			}
			if tt.wantFields != nil {
				assertReviewErrors(t, rev, tt.wantFields)
				return
			}
			if rev.Errors != nil {
				t.Fatalf("Errors: got %v, want none", rev.Errors)
			}
			if string(rev.Plan.Body) != tt.wantBody {
				t.Errorf("Plan.Body:\n got  %s\n want %s", rev.Plan.Body, tt.wantBody)
			}
			if !reflect.DeepEqual(rev.Request, rev.Plan.Request) {
				t.Errorf("Request: got %+v, want the plan's %+v", rev.Request, rev.Plan.Request)
			}
			var effects []Effect
			for _, c := range rev.Plan.Contacts {
				effects = append(effects, c.Effect)
			}
			if !reflect.DeepEqual(effects, tt.wantEffect) {
				t.Errorf("effects: got %v, want %v", effects, tt.wantEffect)
			}
		})
	}
}

// assertReviewErrors checks that a review failed validation with errors on
// the given fields and planned nothing.
func assertReviewErrors(t *testing.T, rev Review, wantFields []string) {
	t.Helper()
	if rev.Errors.Empty() {
		t.Fatalf("Errors: got none, want errors on %v", wantFields)
	}
	var fields []string
	for _, e := range rev.Errors.Errors {
		fields = append(fields, e.Field)
	}
	if !reflect.DeepEqual(fields, wantFields) {
		t.Errorf("error fields: got %v, want %v (errors %v)", fields, wantFields, rev.Errors)
	}
	if rev.Request != nil || !reflect.DeepEqual(rev.Plan, Plan{}) {
		t.Errorf("Request and Plan: got %+v and %+v, want none", rev.Request, rev.Plan)
	}
}

func TestReviewUnknownOrganization(t *testing.T) {
	f := newFlow(t)
	_, err := f.svc.Review(context.Background(), 999999, Input{Mode: ModeJSON, RequestJSON: `{"contacts":[]}`})
	if !errors.Is(err, ErrOrganizationNotFound) {
		t.Fatalf("Review: got %v, want ErrOrganizationNotFound", err)
	}
}

func TestReviewUnknownMode(t *testing.T) {
	f := newFlow(t)
	_, err := f.svc.Review(context.Background(), f.org.ID, Input{Mode: "xml"})
	if err == nil {
		t.Fatal("Review with mode xml: got no error, want one")
	}
}

func TestPlanSummary(t *testing.T) {
	tests := []struct {
		name string
		req  []digicert.Contact
		want string
	}{
		{"updated in place", []digicert.Contact{withJobTitle(orgAsSent(), "CTO")}, "Organization contact updated in place"},
		{"replaced and updated", []digicert.Contact{withJobTitle(orgAsSent(), "CTO"), {FirstName: "A", LastName: "B", Email: "a@b.example", ContactType: tech}},
			"Organization contact updated in place; technical contact replaced"},
		{"removed", []digicert.Contact{{ContactType: tech}}, "Technical contact removed"},
		{"unchanged", []digicert.Contact{orgAsSent()}, "No change: the contacts are sent with the values they have now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := NewPlan(bothCurrent(), tt.req)
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			if got := plan.Summary(); got != tt.want {
				t.Errorf("Summary: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEncodeCurrent(t *testing.T) {
	c := Current{Organization: &digicert.ExistingContact{ID: 3, FirstName: "Ada", LastName: "<King>", Email: "ada@example.com", LanguageID: "1"}}
	got, err := EncodeCurrent(c)
	if err != nil {
		t.Fatalf("EncodeCurrent: %v", err)
	}
	want := `{"organization_contact":{"id":3,"first_name":"Ada","last_name":"<King>","email":"ada@example.com","job_title":"","telephone":"","telephone_extension":"","language_id":"1"},"technical_contact":null}`
	if string(got) != want {
		t.Errorf("EncodeCurrent:\n got  %s\n want %s", got, want)
	}
	back, err := DecodeCurrent(got)
	if err != nil {
		t.Fatalf("DecodeCurrent: %v", err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("DecodeCurrent: got %+v, want %+v", back, c)
	}
}

func TestReviewChangedSinceLoad(t *testing.T) {
	f := newFlow(t)
	loaded := CurrentFrom(*f.view(t, f.org.ID).Organization)
	basis := Fingerprint(loaded)
	f.setTechnicalJobTitle(t, "Head of PKI")
	tests := []struct {
		name  string
		basis string
		want  []string
	}{
		{"contacts changed since the form was loaded", basis, []string{"The technical contact's job title changed from SRE to Head of PKI"}},
		{"form loaded from the contacts as they are", Fingerprint(f.current(t)), nil},
		{"no basis", "", nil},
		{"malformed basis", "not a fingerprint", nil},
		{"basis in upper case", strings.ToUpper(basis), nil},
		{"contacts of the basis not remembered", strings.Repeat("0", 64), []string{"The contacts at DigiCert are no longer those the form was prefilled with"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := ChangeFrom(loaded)
			ch.Technical.Action, ch.Technical.JobTitle = ActionUpdate, "Lead SRE"
			rev, err := f.svc.Review(context.Background(), f.org.ID, Input{Mode: ModeForm, Change: ch, Basis: tt.basis})
			if err != nil {
				t.Fatalf("Review: %v", err)
			}
			if !reflect.DeepEqual(rev.ChangedSinceLoad, tt.want) {
				t.Errorf("ChangedSinceLoad:\n got  %q\n want %q", rev.ChangedSinceLoad, tt.want)
			}
			if rev.Errors != nil || rev.Plan.Body == nil {
				t.Errorf("review: errors %v, body %s; want a plan", rev.Errors, rev.Plan.Body)
			}
		})
	}
}

func TestIsFingerprint(t *testing.T) {
	valid := Fingerprint(bothCurrent())
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{valid, true},
		{strings.Repeat("0", 64), true},
		{"", false},
		{valid[:63], false},
		{valid + "0", false},
		{strings.ToUpper(valid), false},
		{strings.Repeat("g", 64), false},
		{strings.Repeat("é", 32), false},
	} {
		if got := IsFingerprint(tt.s); got != tt.want {
			t.Errorf("IsFingerprint(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
