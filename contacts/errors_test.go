package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestValidationErrors(t *testing.T) {
	v := &ValidationErrors{Errors: []FieldError{
		{Path: "contacts[0].email", Field: "organization_contact.email", Message: "Enter an email address"},
		{Path: "contacts[0].email", Field: "organization_contact.email", Code: "invalid_param:email", Message: "Invalid email."},
		{Path: "contacts", Message: "Nothing to send"},
	}}
	if v.Empty() {
		t.Errorf("Empty: got true, want false")
	}
	if got := v.For("organization_contact.email"); len(got) != 2 {
		t.Errorf("For: got %d errors, want 2", len(got))
	}
	if got := v.Message("organization_contact.email"); got != "Enter an email address" {
		t.Errorf("Message: got %q, want the first message", got)
	}
	if got := v.Message("technical_contact.email"); got != "" {
		t.Errorf("Message of a field without error: got %q, want empty", got)
	}
	if got := v.Message(""); got != "Nothing to send" {
		t.Errorf("Message of the whole form: got %q, want Nothing to send", got)
	}
	want := "contacts: contacts[0].email: Enter an email address; contacts[0].email: Invalid email.; contacts: Nothing to send"
	if got := v.Error(); got != want {
		t.Errorf("Error:\n got  %q\n want %q", got, want)
	}
	moved := v.WithField(FieldRequestJSON)
	if got := len(moved.For(FieldRequestJSON)); got != 3 {
		t.Errorf("WithField: got %d errors on the request JSON, want 3", got)
	}
	if v.Errors[0].Field != "organization_contact.email" {
		t.Errorf("WithField changed the original: field %q", v.Errors[0].Field)
	}
	if got := (FieldError{Message: "Enter the request JSON"}).String(); got != "Enter the request JSON" {
		t.Errorf("String without path: got %q", got)
	}
}

func TestNilValidationErrors(t *testing.T) {
	var v *ValidationErrors
	if !v.Empty() || v.For("x") != nil || v.Message("x") != "" || v.WithField("x") != nil {
		t.Errorf("nil ValidationErrors: got Empty=%v For=%v Message=%q WithField=%v, want true, nil, empty, nil",
			v.Empty(), v.For("x"), v.Message("x"), v.WithField("x"))
	}
	if got := v.Error(); got != "contacts: no validation error" {
		t.Errorf("Error: got %q", got)
	}
}

func TestFormField(t *testing.T) {
	req := []digicert.Contact{{ContactType: tech}, minimalOrg(), {ContactType: "billing_contact"}}
	tests := []struct{ path, want string }{
		{"contacts[0].email", "technical_contact.email"},
		{"contacts[1].telephone_extension", "organization_contact.telephone_extension"},
		{"contacts[1]", "organization_contact.action"},
		{"contacts[0].contact_type", "technical_contact.action"},
		{"contacts[2].email", ""},
		{"contacts[3].email", ""},
		{"contacts[-1].email", ""},
		{"contacts[1].phone", ""},
		{"contacts", ""},
		{"", ""},
		{"organization_id", ""},
	}
	for _, tt := range tests {
		if got := FormField(tt.path, req); got != tt.want {
			t.Errorf("FormField(%q): got %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestKeyPath(t *testing.T) {
	tests := []struct{ parent, key, want string }{
		{"", "contacts", "contacts"},
		{"contacts[0]", "first_name", "contacts[0].first_name"},
		{"", "a.b", `["a.b"]`},
		{"contacts[0]", "", `contacts[0][""]`},
		{"contacts[0]", "é", `contacts[0]["é"]`},
	}
	for _, tt := range tests {
		if got := keyPath(tt.parent, tt.key); got != tt.want {
			t.Errorf("keyPath(%q, %q): got %q, want %q", tt.parent, tt.key, got, tt.want)
		}
	}
}

func TestPathsFromValidateMapToForm(t *testing.T) {
	req := []digicert.Contact{{ContactType: tech}, {ContactType: org, JobTitle: "x"}}
	errs := Validate(req, Current{}, defaultLocales(t))
	var fields []string
	for _, e := range errs.Errors {
		fields = append(fields, FormField(e.Path, req))
	}
	want := []string{"organization_contact.first_name", "organization_contact.last_name", "organization_contact.email"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("form fields: got %q, want %q", fields, want)
	}
}
