package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// The two contact types an organization has.
const (
	organizationContact = "organization_contact"
	technicalContact    = "technical_contact"
)

// duplicateMessage is DigiCert's documented message for
// contact_type_duplicate, word for word.
const duplicateMessage = "A duplicate contact type was submitted. Make sure your request includes no more than one of each contact type and try again."

// updateRequest is the body of PUT organization/{id}/contact.
type updateRequest struct {
	Contacts []contactInput `json:"contacts"`
}

// contactInput is one object of the contacts array. A field sent as "" or
// null counts as left out.
type contactInput struct {
	FirstName          string `json:"first_name"`
	LastName           string `json:"last_name"`
	Email              string `json:"email"`
	JobTitle           string `json:"job_title"`
	Telephone          string `json:"telephone"`
	TelephoneExtension string `json:"telephone_extension"`
	LanguageID         string `json:"language_id"`
	ContactType        string `json:"contact_type"`
}

// updateContacts answers PUT organization/{id}/contact. Everything is
// validated before anything changes, so a refused request leaves the
// organization exactly as it was; success is 204 with no body.
//
// Refusals are 400 with every problem found, using these codes (DigiCert
// documents only the first two; the others follow the shape of its codes,
// a base code and the parameter after ":"):
//
//	bad_request_format             body not JSON, or JSON of the wrong shape
//	contact_type_duplicate         two contacts of one type (DigiCert's message)
//	required_param:contacts        contacts missing, null or empty
//	required_param:<field>         first_name, last_name, email or contact_type missing
//	invalid_param:<field>          a value over its length limit
//	invalid_param:contact_type     a type other than the two documented
//	invalid_contact                a bare organization contact (it cannot be removed)
func (s *Server) updateContacts(w http.ResponseWriter, r *http.Request) {
	o, ok := s.lookup(r.PathValue("id"))
	if !ok {
		writeOrganizationNotFound(w)
		return
	}
	s.updates.add(o.ID)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, apiError{"bad_request_format", "The request body could not be read."})
		return
	}
	req, errs := decodeUpdate(body)
	if len(errs) == 0 {
		errs = validateContacts(req.Contacts)
	}
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	s.orgs.applyContacts(o.ID, req.Contacts)
	w.WriteHeader(http.StatusNoContent)
}

// decodeUpdate parses the body; invalid JSON and JSON of the wrong shape
// are both bad_request_format, as DigiCert answers them.
func decodeUpdate(body []byte) (updateRequest, []apiError) {
	var req updateRequest
	err := json.Unmarshal(body, &req)
	if err == nil {
		return req, nil
	}
	msg := "The request body is not valid JSON."
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		msg = wrongShapeMessage(typeErr)
	}
	return req, []apiError{{"bad_request_format", msg}}
}

// wrongShapeMessage names the field holding a value of the wrong JSON type,
// in JSON terms rather than Go ones. encoding/json names array elements by
// the array's field, so an element of contacts reads "contacts" too.
func wrongShapeMessage(e *json.UnmarshalTypeError) string {
	field := e.Field
	want := "a string"
	switch e.Type.Kind() {
	case reflect.Struct:
		want = "an object"
		if field == "contacts" {
			field = "Each entry of contacts"
		}
	case reflect.Slice:
		want = "an array"
	}
	if field == "" {
		field = "The request body"
	}
	return fmt.Sprintf("%s must be %s, not %s.", field, want, e.Value)
}

// validateContacts checks the contacts array against every documented rule
// and returns all the problems found, in request order.
func validateContacts(cs []contactInput) []apiError {
	if len(cs) == 0 {
		return []apiError{{"required_param:contacts", "contacts must list at least one contact."}}
	}
	var errs []apiError
	seen := make(map[string]bool)
	duplicate := false
	for i, c := range cs {
		errs = append(errs, c.validate(i)...)
		if knownType(c.ContactType) {
			duplicate = duplicate || seen[c.ContactType]
			seen[c.ContactType] = true
		}
	}
	if duplicate {
		// One error however many types repeat: the message covers them all.
		errs = append([]apiError{{"contact_type_duplicate", duplicateMessage}}, errs...)
	}
	return errs
}

func knownType(t string) bool {
	return t == organizationContact || t == technicalContact
}

// validate checks one contact, the i-th of the array.
//
// The documentation lists contact_type as optional but gives no meaning to
// a contact without one, so the sandbox refuses it (required_param). A bare
// organization contact would remove it, which the documentation forbids;
// it is refused with invalid_contact and no further per-field errors, since
// the request's intent is clear.
func (c contactInput) validate(i int) []apiError {
	label := fmt.Sprintf("contacts[%d]", i)
	var errs []apiError
	switch {
	case c.ContactType == "":
		errs = append(errs, apiError{"required_param:contact_type", label + ": contact_type is required (organization_contact or technical_contact)."})
	case !knownType(c.ContactType):
		errs = append(errs, apiError{"invalid_param:contact_type", fmt.Sprintf("%s: contact_type %q is not valid; use organization_contact or technical_contact.", label, c.ContactType)})
	default:
		label += " (" + c.ContactType + ")"
	}
	if c.isRemoval() {
		if c.ContactType == organizationContact {
			errs = append(errs, apiError{"invalid_contact", label + ": the organization contact cannot be removed; send its first_name, last_name and email to update or replace it."})
		}
		return errs
	}
	for _, f := range c.fields() {
		errs = append(errs, f.validate(label)...)
	}
	return errs
}

// isRemoval reports whether c carries nothing but its contact type: the
// documented way to remove the technical contact.
func (c contactInput) isRemoval() bool {
	return c == contactInput{ContactType: c.ContactType}
}

// contactField is one field of a contact with its documented rules.
type contactField struct {
	name     string
	value    string
	limit    int // in characters
	required bool
}

// fields lists the fields that have documented rules. language_id has
// none the sandbox can check: DigiCert's table of locale ids is not
// available, so any value is stored as sent.
func (c contactInput) fields() []contactField {
	return []contactField{
		{"first_name", c.FirstName, 128, true},
		{"last_name", c.LastName, 128, true},
		{"email", c.Email, 255, true},
		{"job_title", c.JobTitle, 64, false},
		{"telephone", c.Telephone, 32, false},
		{"telephone_extension", c.TelephoneExtension, 16, false},
	}
}

// validate checks presence and length. A required value made only of
// white space counts as missing. Limits count characters (runes), since
// DigiCert documents character limits and names are often not ASCII.
func (f contactField) validate(label string) []apiError {
	if f.required && strings.TrimSpace(f.value) == "" {
		return []apiError{{"required_param:" + f.name, fmt.Sprintf("%s: %s is required.", label, f.name)}}
	}
	if utf8.RuneCountInString(f.value) > f.limit {
		return []apiError{{"invalid_param:" + f.name, fmt.Sprintf("%s: %s must be at most %d characters.", label, f.name, f.limit)}}
	}
	return nil
}

// applyContacts carries out an already validated contacts array on the
// organization with id, all under one lock so that concurrent requests see
// either none or all of it.
func (g *registry) applyContacts(id int, cs []contactInput) {
	g.mu.Lock()
	defer g.mu.Unlock()
	o := g.orgs[id]
	for _, c := range cs {
		switch {
		case c.ContactType == organizationContact:
			o.OrganizationContact = g.updateOrReplace(&o.OrganizationContact, c)
		case c.isRemoval():
			o.TechnicalContact = nil
		default:
			tc := g.updateOrReplace(o.TechnicalContact, c)
			o.TechnicalContact = &tc
		}
	}
	g.orgs[id] = o
}

// updateOrReplace returns the contact that takes the place of current
// (nil when there is none). It keeps current's id when first name, last
// name and email match, and takes a new id otherwise. Names are compared
// exactly, as sent, without trimming: DigiCert does not say it normalises
// them, and a client that trims inconsistently should see the replacement
// it caused. Emails are compared without regard to case, as addresses are
// in practice. Every optional field takes the submitted value, so one left
// out is deleted. The caller holds g.mu.
func (g *registry) updateOrReplace(current *Contact, c contactInput) Contact {
	next := Contact{
		FirstName:          c.FirstName,
		LastName:           c.LastName,
		Email:              c.Email,
		JobTitle:           c.JobTitle,
		Telephone:          c.Telephone,
		TelephoneExtension: c.TelephoneExtension,
		LanguageID:         c.LanguageID,
	}
	if current != nil && current.FirstName == c.FirstName && current.LastName == c.LastName && strings.EqualFold(current.Email, c.Email) {
		next.ID = current.ID
	} else {
		next.ID = g.newContactID()
	}
	return next
}
