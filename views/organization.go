package views

import "github.com/contactdesk/contactdesk/views/components"

// OrganizationPage is one organization: its details and current contacts,
// as last read from DigiCert, and the form to change them.
type OrganizationPage struct {
	Page
	ID      int
	ListURL string
	// Unreachable, when set, says in plain words why DigiCert's answer is
	// missing; the page then shows only that and CachedName.
	Unreachable string
	CachedName  string

	Name        string
	DisplayName string
	AssumedName string
	Status      string
	Address     []string
	Telephone   string
	Contacts    []ContactCard
	// ReadAt says when the details and contacts were read from DigiCert;
	// ReadAtISO is the same time for machines.
	ReadAt    string
	ReadAtISO string
	// RereadURL shows the page read again from DigiCert.
	RereadURL string

	// Problem is a notice above the form: DigiCert's answer to a send, or
	// that no answer came.
	Problem *Problem
	Errors  []components.ErrorLink
	// CanEdit is false for users who may look but not change.
	CanEdit bool
	Form    EditForm
	// OutsideChange, when set, is the latest change found made outside
	// Contact Desk to the contacts.
	OutsideChange *OutsideChangeNotice
	// History lists the organization's latest submissions.
	History    []HistoryRow
	HistoryURL string
}

// Problem is a titled notice with details.
type Problem struct {
	Title   string
	Details []string
}

// ContactCard is one current contact, or its absence.
type ContactCard struct {
	// Type is the contact type: "organization_contact".
	Type    string
	Heading string
	// Present is false when the organization has no such contact.
	Present   bool
	ID        int
	Name      string
	Email     string
	JobTitle  string
	Telephone string
	Extension string
	Language  string
}

// EditForm is the change form: one fieldset per contact type and the
// Request JSON panel.
type EditForm struct {
	Action    string
	CSRFToken string
	// Basis is the fingerprint of the contacts the form was prefilled
	// with, carried to the review so it can tell whether they changed.
	Basis       string
	Fieldsets   []ContactFieldset
	RequestJSON components.Textarea
	// JSONOpen opens the panel: it was used, or its errors are shown.
	JSONOpen bool
}

// ContactFieldset is one contact type's part of the form.
type ContactFieldset struct {
	ID       string // "organization_contact"
	Legend   string
	Action   components.RadioGroup
	Fields   []components.Input
	Language components.Select
}

// HistoryRow is one submission in the organization's recent history.
type HistoryRow struct {
	URL     string
	When    string
	Actor   string
	Summary string
	Outcome string
}
