package contacts

import (
	"fmt"

	"github.com/contactdesk/contactdesk/digicert"
)

// MapAPIErrors turns every error of a DigiCert answer into a FieldError
// with DigiCert's full code and message; none is dropped. An error whose
// code names a field of the request, after its ":" or "|"
// ("invalid_param:telephone", "required_param:contacts[1].first_name",
// "invalid_param:contacts.0.email", "invalid_param:technical_contact.email")
// is placed on that field of that contact, when the request tells which
// contact it is: by index, by contact type, or because only one contact
// fits. Everything else (a duplicate type, access denied, the rate limit, an
// organization not found, a field that fits several contacts) concerns the
// whole form. An answer with no error list, such as a CDN's HTML error
// page, becomes one error naming the HTTP status.
func MapAPIErrors(apiErr *digicert.APIError, req []digicert.Contact) []FieldError {
	if apiErr == nil {
		return nil
	}
	if len(apiErr.Errors) == 0 {
		return []FieldError{{Message: fmt.Sprintf("DigiCert answered HTTP %d without details", apiErr.Status)}}
	}
	mapped := make([]FieldError, 0, len(apiErr.Errors))
	for _, d := range apiErr.Errors {
		e := FieldError{Code: d.Code, Message: d.Message}
		if e.Message == "" {
			e.Message = fmt.Sprintf("DigiCert answered HTTP %d with the code %s and no message", apiErr.Status, d.Code)
		}
		e.Path = apiErrorPath(d, req)
		e.Field = FormField(e.Path, req)
		mapped = append(mapped, e)
	}
	return mapped
}

// apiErrorPath is the request path an error concerns, or "" for the whole
// request.
func apiErrorPath(d digicert.ErrorDetail, req []digicert.Contact) string {
	switch d.BaseCode() {
	case CodeDuplicateType:
		return "contacts"
	case "access_denied", "request_limit_exceeded", "not_found":
		return ""
	}
	suffix := d.Suffix()
	if suffix == "contacts" {
		return "contacts"
	}
	ref, ok := parseContactRef(suffix)
	if !ok {
		return ""
	}
	i := ref.index
	switch {
	case i >= len(req):
		return ""
	case i >= 0:
	case ref.contactType != "":
		i = onlyContact(req, func(c digicert.Contact) bool { return c.ContactType == ref.contactType })
	default:
		i = contactForField(req, ref.field, d.BaseCode() == "required_param")
	}
	switch {
	case i < 0:
		return ""
	case ref.field == "":
		return contactPath(i)
	}
	return fieldPath(i, ref.field)
}

// contactForField picks the one contact an error about field concerns: for
// a missing field, the one contact sent without it; otherwise the one
// contact that carries it; failing that, the one contact that is not a
// removal. It returns -1 when several fit.
func contactForField(req []digicert.Contact, field string, missing bool) int {
	if missing {
		if i := onlyContact(req, func(c digicert.Contact) bool {
			return !c.IsRemoval() && contactValue(c, field) == ""
		}); i >= 0 {
			return i
		}
	}
	if i := onlyContact(req, func(c digicert.Contact) bool { return contactValue(c, field) != "" }); i >= 0 {
		return i
	}
	return onlyContact(req, func(c digicert.Contact) bool { return !c.IsRemoval() })
}

// onlyContact returns the index of the one contact that fits, or -1 when
// none or several do.
func onlyContact(req []digicert.Contact, fits func(digicert.Contact) bool) int {
	found := -1
	for i, c := range req {
		if !fits(c) {
			continue
		}
		if found >= 0 {
			return -1
		}
		found = i
	}
	return found
}
