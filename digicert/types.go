package digicert

import (
	"fmt"
	"strings"
)

// The two contact types an organization can have.
const (
	OrganizationContact = "organization_contact"
	TechnicalContact    = "technical_contact"
)

// Contact is one object of the contacts array of the contact PUT. A field
// holding the empty string is left out of the JSON, and DigiCert then deletes
// the value it had: the client sends exactly what the caller put here and
// never adds or drops a field of its own accord. A Contact with only
// ContactType set to TechnicalContact removes the technical contact.
//
// The field order follows DigiCert's documented example, so request bodies
// read the same as the documentation.
type Contact struct {
	FirstName          string `json:"first_name,omitempty"`
	LastName           string `json:"last_name,omitempty"`
	Email              string `json:"email,omitempty"`
	JobTitle           string `json:"job_title,omitempty"`
	Telephone          string `json:"telephone,omitempty"`
	TelephoneExtension string `json:"telephone_extension,omitempty"`
	LanguageID         string `json:"language_id,omitempty"`
	ContactType        string `json:"contact_type,omitempty"`
}

// IsRemoval reports whether c is the bare object that removes a contact:
// a contact type and nothing else.
func (c Contact) IsRemoval() bool {
	return c == Contact{ContactType: c.ContactType}
}

// ExistingContact is a contact as GET organization reports it.
type ExistingContact struct {
	ID                 int
	FirstName          string
	LastName           string
	Email              string
	JobTitle           string
	Telephone          string
	TelephoneExtension string
	// LanguageID is the locale id as a string, whether DigiCert sent a
	// number or a string.
	LanguageID string
}

// Organization is what GET organization/{id} returns, reduced to the fields
// Contact Desk uses.
type Organization struct {
	ID          int
	Name        string
	AssumedName string
	DisplayName string
	Status      string
	IsActive    bool
	Telephone   string
	Address     string
	Address2    string
	City        string
	State       string
	Zip         string
	Country     string
	// OrganizationContact is nil only when DigiCert sent none.
	OrganizationContact *ExistingContact
	// TechnicalContact is nil when the organization has no technical
	// contact, or when DigiCert's response does not carry one.
	TechnicalContact *ExistingContact
	// TechnicalContactOmitted is set when the response had no
	// technical_contact field at all. DigiCert documents none in its
	// answer, so its absence says nothing about whether the organization
	// has one; a field present and null (or empty) says it has none.
	TechnicalContactOmitted bool
}

// OrganizationSummary is one entry of the organization list.
type OrganizationSummary struct {
	ID          int
	Name        string
	AssumedName string
	DisplayName string
	Status      string
	IsActive    bool
}

// ErrorDetail is one {code, message} pair of a DigiCert error response.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// BaseCode is the code without the suffix DigiCert may add after "|" or ":"
// ("access_denied|missing_permission" → "access_denied").
func (d ErrorDetail) BaseCode() string {
	if i := strings.IndexAny(d.Code, "|:"); i >= 0 {
		return d.Code[:i]
	}
	return d.Code
}

// Suffix is what follows the first "|" or ":" of the code, or "".
func (d ErrorDetail) Suffix() string {
	if i := strings.IndexAny(d.Code, "|:"); i >= 0 {
		return d.Code[i+1:]
	}
	return ""
}

// APIError is any answer from DigiCert that is not a success: the HTTP
// status and every {code, message} pair, or the body as text when it was not
// DigiCert's JSON error format (a CDN error page, for instance). It never
// carries the API key.
type APIError struct {
	Status int
	Errors []ErrorDetail
	// Body is the response body as received, cut to a sane length.
	Body string
}

func (e *APIError) Error() string {
	if len(e.Errors) == 0 {
		return fmt.Sprintf("digicert: HTTP %d", e.Status)
	}
	parts := make([]string, len(e.Errors))
	for i, d := range e.Errors {
		parts[i] = d.Code + ": " + d.Message
	}
	return fmt.Sprintf("digicert: HTTP %d: %s", e.Status, strings.Join(parts, "; "))
}

// Has reports whether any error carries code, compared on the base code
// ("not_found" matches "not_found|organization").
func (e *APIError) Has(code string) bool {
	for _, d := range e.Errors {
		if d.BaseCode() == code || d.Code == code {
			return true
		}
	}
	return false
}

// HasExact reports whether any error carries exactly code, suffix
// included: "not_found|route" and "not_found" are different answers.
func (e *APIError) HasExact(code string) bool {
	for _, d := range e.Errors {
		if d.Code == code {
			return true
		}
	}
	return false
}

// The codes that say what a 404 or a 403 means. DigiCert writes them
// with a suffix after "|"; the base code alone does not tell them apart.
const (
	// CodeRouteNotFound answers a path the API does not have: a base URL
	// that is wrong, not an organization that is missing.
	CodeRouteNotFound = "not_found|route"
	// CodeInvalidKey answers an API key DigiCert does not know.
	CodeInvalidKey = "access_denied|access_denied_invalid_key"
	// CodeMissingPermission answers a key whose role may not do what was
	// asked, for instance a View Only key sending the contact PUT.
	CodeMissingPermission = "access_denied|missing_permission"
)

// RouteNotFound reports a 404 whose code says the path does not exist at
// DigiCert: a configuration error (DIGICERT_BASE_URL), not a missing
// organization.
func (e *APIError) RouteNotFound() bool {
	return e.Status == 404 && e.HasExact(CodeRouteNotFound)
}

// MissingPermission reports a 403 whose code says the API key may not do
// what was asked.
func (e *APIError) MissingPermission() bool {
	return e.Status == 403 && e.HasExact(CodeMissingPermission)
}

// InvalidKey reports a 403 whose code says DigiCert does not know the API
// key.
func (e *APIError) InvalidKey() bool {
	return e.Status == 403 && e.HasExact(CodeInvalidKey)
}
