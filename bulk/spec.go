package bulk

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// The actions of a bulk change, per contact type. Keep, Update, Replace
// and Remove are the form's own (contacts.Action).
const (
	ActionKeep    = contacts.ActionKeep
	ActionUpdate  = contacts.ActionUpdate
	ActionReplace = contacts.ActionReplace
	ActionRemove  = contacts.ActionRemove
)

// ContactSpec is what a bulk change does to one contact type.
type ContactSpec struct {
	Action contacts.Action
	// Replacement is who replaces the contact (Replace), typed once for
	// every organization; where there is no contact of the type, it is
	// added.
	Replacement contacts.Fields
	// Details are the details an Update sets: job title, telephone,
	// extension and language. A field left empty keeps each contact's own
	// value.
	Details contacts.Fields
}

// Person is the person a change from their page concerns.
type Person struct {
	// ID is the directory's id of the person.
	ID    int
	Name  string
	Email string
}

// Spec is what a person asked of a bulk change: which organizations, and
// what to do with each contact type there. With a Person, only the
// contacts that are that person are changed; otherwise the contacts of
// each type, whoever they are.
type Spec struct {
	Person        *Person `json:",omitempty"`
	Organizations []int
	Organization  ContactSpec
	Technical     ContactSpec
	// Restore, for a job that restores, names the submissions whose
	// contacts before it puts back (organization id to submission id);
	// the contact specs are then not used.
	Restore map[int]string `json:",omitempty"`
}

// of returns the spec of a contact type.
func (s Spec) of(contactType string) ContactSpec {
	if contactType == digicert.TechnicalContact {
		return s.Technical
	}
	return s.Organization
}

// Title names the change in a few words, for lists.
func (s Spec) Title() string {
	if s.Restore != nil {
		return fmt.Sprintf("Restore the contacts of %s", countNoun(len(s.Restore), "organization", "organizations"))
	}
	verb := s.verb()
	if s.Person != nil {
		return fmt.Sprintf("%s %s everywhere", verb, s.Person.Name)
	}
	return fmt.Sprintf("%s the contacts of %s", verb, countNoun(len(s.Organizations), "organization", "organizations"))
}

// verb says what the spec does, in one word or three.
func (s Spec) verb() string {
	var words []string
	for _, a := range []contacts.Action{ActionReplace, ActionUpdate, ActionRemove} {
		if s.Organization.Action == a || s.Technical.Action == a {
			words = append(words, strings.ToLower(string(a)))
		}
	}
	if len(words) == 0 {
		return "Change"
	}
	first := strings.ToUpper(words[0][:1]) + words[0][1:]
	if len(words) == 1 {
		return first
	}
	return first + " or " + strings.Join(words[1:], " or ")
}

func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// FieldOrganizations is the form field errors about the choice of
// organizations are shown against.
const FieldOrganizations = "organizations"

// placeholder stands for the current contact of every organization when
// a spec is checked before it is planned: the checks of a replacement or
// of new details do not depend on who is there.
var placeholder = digicert.ExistingContact{ID: 1, FirstName: "Current", LastName: "Contact", Email: "current.contact@example.com"}

// Validate checks the spec as typed and returns its problems, each with
// the form field it concerns (the ids of the organization page's form:
// "technical_contact.replacement.email", "organization_contact.telephone",
// "technical_contact.action"); nil when it may be planned.
func (s Spec) Validate(locales contacts.LocaleSet) *contacts.ValidationErrors {
	errs := &contacts.ValidationErrors{}
	add := func(field, msg string) {
		errs.Errors = append(errs.Errors, contacts.FieldError{Field: field, Message: msg})
	}
	if len(s.Organizations) == 0 {
		add(FieldOrganizations, "Select at least one organization")
	}
	current := contacts.Current{Organization: &placeholder, Technical: &placeholder}
	var ch contacts.Change
	changes := false
	for _, t := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		cs := s.of(t)
		in := contacts.InputFrom(&placeholder)
		switch cs.Action {
		case ActionKeep, "":
		case ActionReplace:
			in.Action, in.Replacement = ActionReplace, cs.Replacement
			changes = true
		case ActionUpdate:
			if (cs.Details == contacts.Fields{}) || strings.TrimSpace(cs.Details.JobTitle+cs.Details.Telephone+
				cs.Details.TelephoneExtension+cs.Details.LanguageID) == "" {
				add(contacts.ActionFieldID(t), fmt.Sprintf("Enter the details to change for the %s, or choose another action", word(t)))
				continue
			}
			in.Action = ActionUpdate
			in.Fields = withDetails(in.Fields, cs.Details)
			changes = true
		case ActionRemove:
			if t == digicert.OrganizationContact {
				add(contacts.ActionFieldID(t), "DigiCert cannot remove an organization contact: choose Replace with someone else")
				continue
			}
			in.Action = ActionRemove
			changes = true
		default:
			add(contacts.ActionFieldID(t), fmt.Sprintf("Choose what to do with the %s", word(t)))
			continue
		}
		if t == digicert.TechnicalContact {
			ch.Technical = in
		} else {
			ch.Organization = in
		}
	}
	if !changes && errs.Empty() {
		add(contacts.ActionFieldID(digicert.OrganizationContact), "Choose what to change: Update, Replace with someone else or Remove for at least one contact")
	}
	if errs.Empty() {
		if _, fieldErrs := contacts.ValidateChange(ch, current, locales); fieldErrs != nil {
			errs.Errors = append(errs.Errors, fieldErrs.Errors...)
		}
	}
	if errs.Empty() {
		return nil
	}
	return errs
}

// withDetails is fields with the details that are not empty put in: job
// title, telephone, extension and language.
func withDetails(fields, details contacts.Fields) contacts.Fields {
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&fields.JobTitle, details.JobTitle},
		{&fields.Telephone, details.Telephone},
		{&fields.TelephoneExtension, details.TelephoneExtension},
		{&fields.LanguageID, details.LanguageID},
	} {
		if strings.TrimSpace(f.src) != "" {
			*f.dst = f.src
		}
	}
	return fields
}

// word is how a sentence names a contact type.
func word(contactType string) string {
	if contactType == digicert.TechnicalContact {
		return "technical contact"
	}
	return "organization contact"
}

// encodeSpec is the spec as a job keeps it.
func encodeSpec(s Spec) ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("bulk: encode the change: %w", err)
	}
	return b, nil
}

// SpecOf reads the spec a job keeps.
func SpecOf(job store.BulkJob) (Spec, error) {
	var s Spec
	if err := json.Unmarshal(job.Spec, &s); err != nil {
		return Spec{}, fmt.Errorf("bulk: job %d: decode its change: %w", job.ID, err)
	}
	return s, nil
}
