package contacts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/contactdesk/contactdesk/digicert"
)

// contactsRecord is how the audit log stores an organization's contacts:
// both types always present, null when there is none, and every field
// written out, empty or not, so that a reader sees which values were unset.
type contactsRecord struct {
	OrganizationContact *contactRecord `json:"organization_contact"`
	TechnicalContact    *contactRecord `json:"technical_contact"`
	// TechnicalContactOmitted is written only when DigiCert did not report
	// the technical contact: its null then means "not known", not "none".
	TechnicalContactOmitted bool `json:"technical_contact_omitted,omitempty"`
}

// contactRecord is one contact in the audit log, with DigiCert's id.
type contactRecord struct {
	ID                 int    `json:"id"`
	FirstName          string `json:"first_name"`
	LastName           string `json:"last_name"`
	Email              string `json:"email"`
	JobTitle           string `json:"job_title"`
	Telephone          string `json:"telephone"`
	TelephoneExtension string `json:"telephone_extension"`
	LanguageID         string `json:"language_id"`
}

// EncodeCurrent returns the contacts as the audit log records them in
// contacts_before and contacts_after:
//
//	{"organization_contact":{"id":11,"first_name":"John",...,"language_id":"1"},"technical_contact":null}
//
// Keys come in a fixed order and "<" or "&" are written as they are, so a
// record reads like what DigiCert holds.
func EncodeCurrent(c Current) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	rec := contactsRecord{OrganizationContact: recordOf(c.Organization), TechnicalContact: recordOf(c.Technical),
		TechnicalContactOmitted: c.TechnicalOmitted}
	if err := enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("contacts: encode contacts for the audit log: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// DecodeCurrent reads contacts recorded by EncodeCurrent.
func DecodeCurrent(data []byte) (Current, error) {
	var rec contactsRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return Current{}, fmt.Errorf("contacts: decode recorded contacts: %w", err)
	}
	return Current{Organization: rec.OrganizationContact.existing(), Technical: rec.TechnicalContact.existing(),
		TechnicalOmitted: rec.TechnicalContactOmitted}, nil
}

func recordOf(c *digicert.ExistingContact) *contactRecord {
	if c == nil {
		return nil
	}
	return &contactRecord{
		ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, JobTitle: c.JobTitle,
		Telephone: c.Telephone, TelephoneExtension: c.TelephoneExtension, LanguageID: c.LanguageID,
	}
}

func (r *contactRecord) existing() *digicert.ExistingContact {
	if r == nil {
		return nil
	}
	return &digicert.ExistingContact{
		ID: r.ID, FirstName: r.FirstName, LastName: r.LastName, Email: r.Email, JobTitle: r.JobTitle,
		Telephone: r.Telephone, TelephoneExtension: r.TelephoneExtension, LanguageID: r.LanguageID,
	}
}

// Summary says in a few words what the plan does, for lists such as the
// audit log: "Technical contact replaced; organization contact updated in
// place".
func (p Plan) Summary() string {
	var parts []string
	for _, c := range p.Contacts {
		if part := effectWords(c); part != "" {
			parts = append(parts, part)
		}
	}
	if len(parts) == 0 {
		return "No change: the contacts are sent with the values they have now"
	}
	return upperFirst(strings.Join(parts, "; "))
}

// effectWords names what happens to one contact type, or "" when nothing
// does.
func effectWords(c ContactPlan) string {
	word := contactWord(c.ContactType)
	switch c.Effect {
	case EffectUpdated:
		return word + " updated in place"
	case EffectReplaced:
		return word + " replaced"
	case EffectRemoved:
		return word + " removed"
	case EffectCreated:
		return word + " added"
	case EffectNothing:
		return word + " removal sent, though none was reported"
	case EffectSet:
		return word + " set (DigiCert had not reported it)"
	}
	return ""
}

// upperFirst capitalizes the first letter of s, which starts with an ASCII
// letter here.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// errorCodes lists the codes of local errors for the audit log, once each
// in order of appearance; an error without a DigiCert code counts as
// "invalid_input".
func errorCodes(errs []FieldError) []string {
	var codes []string
	seen := make(map[string]bool)
	for _, e := range errs {
		code := e.Code
		if code == "" {
			code = "invalid_input"
		}
		if !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	return codes
}

// joinMessages joins the errors' messages, each with the form field or
// path it concerns, for the audit log's error message.
func joinMessages(errs []FieldError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		switch {
		case e.Field != "" && e.Field != FieldRequestJSON:
			parts[i] = e.Field + ": " + e.Message
		default:
			parts[i] = e.String()
		}
	}
	return strings.Join(parts, "; ")
}

// apiErrorCodes lists every code of DigiCert's answer, as given.
func apiErrorCodes(e *digicert.APIError) []string {
	codes := make([]string, 0, len(e.Errors))
	for _, d := range e.Errors {
		codes = append(codes, d.Code)
	}
	return codes
}

// apiErrorMessage joins DigiCert's messages with their codes, or describes
// the answer when it carried none.
func apiErrorMessage(e *digicert.APIError) string {
	if len(e.Errors) == 0 {
		return describeAPIError(e)
	}
	parts := make([]string, len(e.Errors))
	for i, d := range e.Errors {
		parts[i] = d.Code + ": " + d.Message
	}
	return strings.Join(parts, "; ")
}

// plural is n followed by noun, with an s when n is not 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
