package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestMapAPIErrors(t *testing.T) {
	orgOnly := []digicert.Contact{orgAsSent()}
	both := []digicert.Contact{orgAsSent(), techAsSent()}
	techFirst := []digicert.Contact{techAsSent(), minimalOrg()}
	orgAndRemoval := []digicert.Contact{minimalOrg(), {ContactType: tech}}
	detail := func(code string) []digicert.ErrorDetail {
		return []digicert.ErrorDetail{{Code: code, Message: "DigiCert says no"}}
	}
	mapped := func(code, path, field string) []FieldError {
		return []FieldError{{Path: path, Field: field, Code: code, Message: "DigiCert says no"}}
	}
	tests := []struct {
		name string
		err  *digicert.APIError
		req  []digicert.Contact
		want []FieldError
	}{
		{"no error", nil, both, nil},
		{"HTML body", &digicert.APIError{Status: 502, Body: "<html>Bad gateway</html>"}, both,
			[]FieldError{{Message: "DigiCert answered HTTP 502 without details"}}},
		{"duplicate type", &digicert.APIError{Status: 400, Errors: []digicert.ErrorDetail{{Code: CodeDuplicateType, Message: DuplicateTypeMessage}}}, both,
			[]FieldError{{Path: "contacts", Code: CodeDuplicateType, Message: DuplicateTypeMessage}}},
		{"invalid key", &digicert.APIError{Status: 403, Errors: detail("access_denied|access_denied_invalid_key")}, both,
			mapped("access_denied|access_denied_invalid_key", "", "")},
		{"missing permission", &digicert.APIError{Status: 403, Errors: detail("access_denied|missing_permission")}, both,
			mapped("access_denied|missing_permission", "", "")},
		{"rate limit", &digicert.APIError{Status: 429, Errors: detail("request_limit_exceeded")}, both,
			mapped("request_limit_exceeded", "", "")},
		{"not found", &digicert.APIError{Status: 404, Errors: detail("not_found|organization")}, both,
			mapped("not_found|organization", "", "")},
		{"bad request format", &digicert.APIError{Status: 400, Errors: detail("bad_request_format")}, both,
			mapped("bad_request_format", "", "")},

		{"field of the one contact sent", &digicert.APIError{Status: 400, Errors: detail("invalid_param:telephone")}, orgOnly,
			mapped("invalid_param:telephone", "contacts[0].telephone", "organization_contact.telephone")},
		{"field carried by one contact only", &digicert.APIError{Status: 400, Errors: detail("invalid_param:telephone_extension")}, both,
			mapped("invalid_param:telephone_extension", "contacts[0].telephone_extension", "organization_contact.telephone_extension")},
		{"field carried by both contacts", &digicert.APIError{Status: 400, Errors: detail("invalid_param:telephone")}, both,
			mapped("invalid_param:telephone", "", "")},
		{"required field missing from one contact", &digicert.APIError{Status: 400, Errors: detail("required_param:job_title")}, []digicert.Contact{minimalOrg(), techAsSent()},
			mapped("required_param:job_title", "contacts[0].job_title", "organization_contact.job_title")},
		{"field of the one contact that is not a removal", &digicert.APIError{Status: 400, Errors: detail("invalid_param:job_title")}, orgAndRemoval,
			mapped("invalid_param:job_title", "contacts[0].job_title", "organization_contact.job_title")},
		{"index in brackets", &digicert.APIError{Status: 400, Errors: detail("invalid_param:contacts[1].email")}, both,
			mapped("invalid_param:contacts[1].email", "contacts[1].email", "technical_contact.email")},
		{"index with dots", &digicert.APIError{Status: 400, Errors: detail("invalid_param:contacts.0.email")}, techFirst,
			mapped("invalid_param:contacts.0.email", "contacts[0].email", "technical_contact.email")},
		{"index of a whole contact", &digicert.APIError{Status: 400, Errors: detail("invalid_param:contacts[1]")}, both,
			mapped("invalid_param:contacts[1]", "contacts[1]", "technical_contact.action")},
		{"index out of range", &digicert.APIError{Status: 400, Errors: detail("invalid_param:contacts[5].email")}, both,
			mapped("invalid_param:contacts[5].email", "", "")},
		{"contact type named", &digicert.APIError{Status: 400, Errors: detail("invalid_param:technical_contact.first_name")}, techFirst,
			mapped("invalid_param:technical_contact.first_name", "contacts[0].first_name", "technical_contact.first_name")},
		{"contact type not in the request", &digicert.APIError{Status: 400, Errors: detail("invalid_param:technical_contact.first_name")}, orgOnly,
			mapped("invalid_param:technical_contact.first_name", "", "")},
		{"the contacts array", &digicert.APIError{Status: 400, Errors: detail("required_param:contacts")}, both,
			mapped("required_param:contacts", "contacts", "")},
		{"contact type field", &digicert.APIError{Status: 400, Errors: detail("invalid_param:contact_type")}, orgOnly,
			mapped("invalid_param:contact_type", "contacts[0].contact_type", "organization_contact.action")},
		{"suffix that names no field", &digicert.APIError{Status: 400, Errors: detail("invalid_param:certificate.server_platform")}, orgOnly,
			mapped("invalid_param:certificate.server_platform", "", "")},
		{"no message", &digicert.APIError{Status: 400, Errors: []digicert.ErrorDetail{{Code: "weird"}}}, orgOnly,
			[]FieldError{{Code: "weird", Message: "DigiCert answered HTTP 400 with the code weird and no message"}}},
		{"every error kept, in order", &digicert.APIError{Status: 400, Errors: []digicert.ErrorDetail{
			{Code: "invalid_param:email", Message: "Invalid email."},
			{Code: CodeDuplicateType, Message: DuplicateTypeMessage},
			{Code: "invalid_param:email", Message: "Invalid email."},
		}}, orgOnly, []FieldError{
			{Path: "contacts[0].email", Field: "organization_contact.email", Code: "invalid_param:email", Message: "Invalid email."},
			{Path: "contacts", Code: CodeDuplicateType, Message: DuplicateTypeMessage},
			{Path: "contacts[0].email", Field: "organization_contact.email", Code: "invalid_param:email", Message: "Invalid email."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MapAPIErrors(tt.err, tt.req)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MapAPIErrors:\n got  %#v\n want %#v", got, tt.want)
			}
		})
	}
}
