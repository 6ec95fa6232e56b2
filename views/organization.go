package views

import (
	"strings"

	"github.com/contactdesk/contactdesk/views/components"
)

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
	// RereadURL shows the page read again from DigiCert; empty for
	// viewers who read only the cached copy (auditors).
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
	// Present is false when the organization has no such contact, or
	// DigiCert did not report it.
	Present bool
	// NotReported is set when DigiCert's answer did not report the
	// contact: whether there is one is not known.
	NotReported bool
	// LastSent, when set, says what Contact Desk last sent for a contact
	// DigiCert did not report.
	LastSent  *LastSentNote
	ID        int
	Name      string
	Email     string
	JobTitle  string
	Telephone string
	Extension string
	Language  string
}

// LastSentNote is what Contact Desk last sent for a contact, from the
// audit log, with a link to that submission.
type LastSentNote struct {
	// Text says it in a sentence, ending before the link.
	Text     string
	LinkText string
	URL      string
}

// EditForm is the change form: one fieldset per contact type and the
// Request JSON panel.
type EditForm struct {
	Action    string
	CSRFToken string
	// Basis is the fingerprint of the contacts the form was prefilled
	// with, carried to the review so it can tell whether they changed.
	Basis string
	// Loaded is what the form was loaded with, encoded, carried to the
	// review so it can tell a field the user changed from one someone
	// changed at DigiCert.
	Loaded      string
	Fieldsets   []ContactFieldset
	RequestJSON components.Textarea
	// JSONOpen opens the panel: it was used, or its errors are shown.
	JSONOpen bool
}

// ContactFieldset is one contact type's part of the form: the choice of
// what to do, and the groups of fields the choices use.
type ContactFieldset struct {
	ID     string // "organization_contact"
	Legend string
	Action components.RadioGroup
	// StartNote, when set, says that the fields start from what Contact
	// Desk last sent, not from DigiCert; NotReported that DigiCert did
	// not report the contact.
	StartNote   *LastSentNote
	NotReported bool
	Groups      []FieldGroup
}

// FieldGroup is one set of a contact's fields, in a fieldset of its own:
// the contact's own fields, or those of the person who replaces it.
type FieldGroup struct {
	ID     string
	Legend string
	Hint   string
	// Actions are the choices that send these fields; with JavaScript
	// the group shows only while one of them is chosen.
	Actions  []string
	Fields   []components.Input
	Language components.Select
}

// ActionList is Actions as the data attribute the script reads.
func (g FieldGroup) ActionList() string {
	return strings.Join(g.Actions, " ")
}

// HistoryRow is one submission in the organization's recent history.
type HistoryRow struct {
	URL     string
	When    string
	Actor   string
	Summary string
	Outcome string
}
