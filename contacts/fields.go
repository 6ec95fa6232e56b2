package contacts

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/contactdesk/contactdesk/digicert"
)

// The JSON names of a contact's fields, as the PUT body spells them.
const (
	jsonFirstName          = "first_name"
	jsonLastName           = "last_name"
	jsonEmail              = "email"
	jsonJobTitle           = "job_title"
	jsonTelephone          = "telephone"
	jsonTelephoneExtension = "telephone_extension"
	jsonLanguageID         = "language_id"
	jsonContactType        = "contact_type"
)

// fieldSpec describes one field of a contact for messages and plans.
type fieldSpec struct {
	json string
	// label names the field inside a sentence: "first name".
	label string
	// noun is what the user enters, with its article: "a first name",
	// "an email address".
	noun string
	// limit is DigiCert's character limit, 0 for none.
	limit int
}

// valueFields returns the fields that hold a contact's values, in the order
// of DigiCert's documented example. contact_type is not among them.
func valueFields() []fieldSpec {
	return []fieldSpec{
		{json: jsonFirstName, label: "first name", noun: "a first name", limit: 128},
		{json: jsonLastName, label: "last name", noun: "a last name", limit: 128},
		{json: jsonEmail, label: "email", noun: "an email address", limit: 255},
		{json: jsonJobTitle, label: "job title", noun: "a job title", limit: 64},
		{json: jsonTelephone, label: "telephone", noun: "a telephone number", limit: 32},
		{json: jsonTelephoneExtension, label: "telephone extension", noun: "a telephone extension", limit: 16},
		{json: jsonLanguageID, label: "language", noun: "a language"},
	}
}

// isOptional reports whether DigiCert accepts a contact without the field.
func (f fieldSpec) isOptional() bool {
	switch f.json {
	case jsonFirstName, jsonLastName, jsonEmail:
		return false
	}
	return true
}

// the is the label with "the", for sentences such as "Remove control
// characters from the email address".
func (f fieldSpec) the() string {
	switch f.json {
	case jsonEmail:
		return "the email address"
	case jsonTelephone:
		return "the telephone number"
	}
	return "the " + f.label
}

// contactValue returns the value of the field named by its JSON name.
func contactValue(c digicert.Contact, name string) string {
	switch name {
	case jsonFirstName:
		return c.FirstName
	case jsonLastName:
		return c.LastName
	case jsonEmail:
		return c.Email
	case jsonJobTitle:
		return c.JobTitle
	case jsonTelephone:
		return c.Telephone
	case jsonTelephoneExtension:
		return c.TelephoneExtension
	case jsonLanguageID:
		return c.LanguageID
	case jsonContactType:
		return c.ContactType
	}
	return ""
}

// setContactValue sets the field named by its JSON name and reports whether
// the name is a field of a contact.
func setContactValue(c *digicert.Contact, name, value string) bool {
	switch name {
	case jsonFirstName:
		c.FirstName = value
	case jsonLastName:
		c.LastName = value
	case jsonEmail:
		c.Email = value
	case jsonJobTitle:
		c.JobTitle = value
	case jsonTelephone:
		c.Telephone = value
	case jsonTelephoneExtension:
		c.TelephoneExtension = value
	case jsonLanguageID:
		c.LanguageID = value
	case jsonContactType:
		c.ContactType = value
	default:
		return false
	}
	return true
}

// existingAsContact returns the values of a current contact as a request
// contact of type contactType, so both compare field by field.
func existingAsContact(e digicert.ExistingContact, contactType string) digicert.Contact {
	return digicert.Contact{
		FirstName:          e.FirstName,
		LastName:           e.LastName,
		Email:              e.Email,
		JobTitle:           e.JobTitle,
		Telephone:          e.Telephone,
		TelephoneExtension: e.TelephoneExtension,
		LanguageID:         e.LanguageID,
		ContactType:        contactType,
	}
}

// isContactType reports whether s is one of the two contact types.
func isContactType(s string) bool {
	return s == digicert.OrganizationContact || s == digicert.TechnicalContact
}

// contactWord is how a sentence names a contact type.
func contactWord(contactType string) string {
	if contactType == digicert.OrganizationContact {
		return "organization contact"
	}
	return "technical contact"
}

// FormFieldID is the id of the form field for one field of one contact
// type: FormFieldID("technical_contact", "telephone_extension") is
// "technical_contact.telephone_extension".
func FormFieldID(contactType, jsonField string) string {
	return contactType + "." + jsonField
}

// ReplacementFieldID is the id of one of the replacement's fields of a
// contact type: "technical_contact.replacement.email".
func ReplacementFieldID(contactType, jsonField string) string {
	return contactType + ".replacement." + jsonField
}

// ActionFieldID is the id of the radio group of a contact type, Keep as
// is, Update and the others: "technical_contact.action".
func ActionFieldID(contactType string) string {
	return FormFieldID(contactType, "action")
}

// contactPath is the path of the contact at index i: "contacts[1]".
func contactPath(i int) string {
	return fmt.Sprintf("contacts[%d]", i)
}

// fieldPath is the path of a field of the contact at index i:
// "contacts[1].first_name".
func fieldPath(i int, name string) string {
	return keyPath(contactPath(i), name)
}

// keyPath appends an object key to a path, quoting keys that are not plain
// names so that a path always reads back unambiguously.
func keyPath(parent, key string) string {
	plain := key != "" && strings.IndexFunc(key, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0
	switch {
	case plain && parent == "":
		return key
	case plain:
		return parent + "." + key
	default:
		return parent + "[" + strconv.Quote(key) + "]"
	}
}

// contactRef is what a path or an error code suffix says about which
// contact and which field it concerns.
type contactRef struct {
	index       int // -1 when no index was given
	contactType string
	field       string // a JSON field name, or "" for the whole contact
}

// parseContactRef reads the forms a path takes in our own errors and in
// DigiCert's code suffixes: "contacts[0].telephone", "contacts.0.telephone",
// "contacts[0]", "technical_contact.telephone", "telephone". It reports
// false when s names nothing in a contact.
func parseContactRef(s string) (contactRef, bool) {
	ref := contactRef{index: -1}
	rest := s
	if after, ok := strings.CutPrefix(rest, "contacts"); ok && after != "" {
		index, tail, ok := cutIndex(after)
		if !ok {
			return ref, false
		}
		ref.index, rest = index, tail
		if rest == "" {
			return ref, true
		}
		if rest, ok = strings.CutPrefix(rest, "."); !ok {
			return ref, false
		}
	} else if before, after, ok := strings.Cut(rest, "."); ok && isContactType(before) {
		ref.contactType, rest = before, after
	}
	if !isFieldName(rest) {
		return ref, false
	}
	ref.field = rest
	return ref, true
}

// cutIndex reads "[3]" or ".3" at the start of s.
func cutIndex(s string) (int, string, bool) {
	var digits, tail string
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return 0, "", false
		}
		digits, tail = s[1:end], s[end+1:]
	case strings.HasPrefix(s, "."):
		end := strings.IndexByte(s[1:], '.')
		if end < 0 {
			digits, tail = s[1:], ""
		} else {
			digits, tail = s[1:end+1], s[end+1:]
		}
	default:
		return 0, "", false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 {
		return 0, "", false
	}
	return n, tail, true
}

// isFieldName reports whether name is a JSON field of a contact.
func isFieldName(name string) bool {
	var c digicert.Contact
	return setContactValue(&c, name, "x")
}

// FormField returns the form field id that an error at path is shown
// against, given the request array the path points into: the contact's
// index gives its contact type. "contacts[1].email" becomes
// "technical_contact.email" when contacts[1] is the technical contact; a
// whole contact, or its contact_type, becomes "<contact_type>.action"; the
// array, the whole request, or a contact of no known type becomes "".
func FormField(path string, req []digicert.Contact) string {
	ref, ok := parseContactRef(path)
	if !ok || ref.index < 0 || ref.index >= len(req) {
		return ""
	}
	contactType := req[ref.index].ContactType
	if !isContactType(contactType) {
		return ""
	}
	if ref.field == "" || ref.field == jsonContactType {
		return ActionFieldID(contactType)
	}
	return FormFieldID(contactType, ref.field)
}
