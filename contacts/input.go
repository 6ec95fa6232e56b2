package contacts

import "github.com/contactdesk/contactdesk/digicert"

// Action is what the user chose for one contact type on the form.
type Action string

// The choices of a contact's radio group.
const (
	// ActionKeep sends nothing for the contact: DigiCert leaves it as it
	// is.
	ActionKeep Action = "keep"
	// ActionUpdate sends the contact's own fields, prefilled with its
	// current values: the same person, with changed details.
	ActionUpdate Action = "update"
	// ActionReplace sends the replacement's fields, which start empty:
	// someone else, and nothing of the current contact unless typed.
	ActionReplace Action = "replace"
	// ActionRemove is offered for the technical contact only: DigiCert
	// cannot remove the organization contact.
	ActionRemove Action = "remove"
	// ActionAdd is offered when there is no contact of the type: it sends
	// the contact's own fields, which start empty.
	ActionAdd Action = "add"
)

// Fields is the values of one contact's fields as a form holds them.
type Fields struct {
	FirstName          string
	LastName           string
	Email              string
	JobTitle           string
	Telephone          string
	TelephoneExtension string
	LanguageID         string
}

// ContactInput is one contact's fieldset as the form submitted it: the
// choice, the contact's own fields and the replacement's. The contact's
// own fields are prefilled with its current values, so a field the user
// did not touch still carries its value and keeping it never deletes it;
// the replacement's start empty, so replacing a person never carries the
// old person's details unless the user types them.
type ContactInput struct {
	Action Action
	// Fields are the contact's own fields: Update and Add send them.
	Fields
	// Replacement are the fields of the person who replaces the contact:
	// Replace sends them, and nothing else.
	Replacement Fields
}

// Change is the whole form: one fieldset per contact type.
type Change struct {
	Organization ContactInput
	Technical    ContactInput
}

// Contacts converts the form into the contacts array of the PUT: a contact
// kept as is is left out, so DigiCert does not touch it; an updated or
// added one is sent with its own fields as the form holds them, a replaced
// one with the replacement's fields only; a removed one is the bare
// {"contact_type": ...} object. The organization contact comes first.
// Actions other than the known ones are left out; ValidateChange reports
// them. The values are not trimmed: Normalize does that.
func (c Change) Contacts() []digicert.Contact {
	req := []digicert.Contact{}
	for _, in := range c.inputs() {
		if contact, ok := in.input.request(in.contactType); ok {
			req = append(req, contact)
		}
	}
	return req
}

// request is what the fieldset sends for its contact type, and whether it
// sends anything.
func (in ContactInput) request(contactType string) (digicert.Contact, bool) {
	switch in.Action {
	case ActionUpdate, ActionAdd:
		return in.Fields.contact(contactType), true
	case ActionReplace:
		return in.Replacement.contact(contactType), true
	case ActionRemove:
		return digicert.Contact{ContactType: contactType}, true
	}
	return digicert.Contact{}, false
}

// typedInput is one fieldset with the contact type it is for.
type typedInput struct {
	contactType string
	input       ContactInput
}

// inputs returns both fieldsets, organization first.
func (c Change) inputs() []typedInput {
	return []typedInput{
		{contactType: digicert.OrganizationContact, input: c.Organization},
		{contactType: digicert.TechnicalContact, input: c.Technical},
	}
}

// of returns the fieldset of a contact type.
func (c Change) of(contactType string) ContactInput {
	if contactType == digicert.TechnicalContact {
		return c.Technical
	}
	return c.Organization
}

// contact is the fields as a request contact of type contactType.
func (f Fields) contact(contactType string) digicert.Contact {
	return digicert.Contact{
		FirstName:          f.FirstName,
		LastName:           f.LastName,
		Email:              f.Email,
		JobTitle:           f.JobTitle,
		Telephone:          f.Telephone,
		TelephoneExtension: f.TelephoneExtension,
		LanguageID:         f.LanguageID,
		ContactType:        contactType,
	}
}

// trimmed is the fields with white space trimmed, as they are sent.
func (f Fields) trimmed() Fields {
	return fieldsOf(normalizeContact(f.contact("")))
}

// isEmpty reports whether every field is empty once trimmed.
func (f Fields) isEmpty() bool {
	return f.trimmed() == Fields{}
}

// fieldsOf is a request contact's values as form fields.
func fieldsOf(c digicert.Contact) Fields {
	return Fields{
		FirstName:          c.FirstName,
		LastName:           c.LastName,
		Email:              c.Email,
		JobTitle:           c.JobTitle,
		Telephone:          c.Telephone,
		TelephoneExtension: c.TelephoneExtension,
		LanguageID:         c.LanguageID,
	}
}

// FieldsFrom returns a current contact's values as form fields; a contact
// that does not exist gives empty fields.
func FieldsFrom(current *digicert.ExistingContact) Fields {
	if current == nil {
		return Fields{}
	}
	return Fields{
		FirstName:          current.FirstName,
		LastName:           current.LastName,
		Email:              current.Email,
		JobTitle:           current.JobTitle,
		Telephone:          current.Telephone,
		TelephoneExtension: current.TelephoneExtension,
		LanguageID:         current.LanguageID,
	}
}

// InputFrom returns the fieldset prefilled with a current contact's values
// and the Keep as is choice; a contact that does not exist gives empty
// fields. The replacement's fields are always empty.
func InputFrom(current *digicert.ExistingContact) ContactInput {
	return ContactInput{Action: ActionKeep, Fields: FieldsFrom(current)}
}

// ChangeFrom returns the form as it first appears for the current contacts:
// both kept as is, every field prefilled.
func ChangeFrom(current Current) Change {
	return Change{
		Organization: InputFrom(current.Organization),
		Technical:    InputFrom(current.Technical),
	}
}

// Actions returns the choices the form offers for a contact type, given
// the contact the form was loaded with: Keep as is always; Update and
// Replace with someone else for a contact that exists; Remove for a
// technical contact that exists; Add when there is none. When DigiCert
// did not report the technical contact (loaded.TechnicalOmitted), whether
// there is one is not known: Replace and Remove are offered, and Update
// when the form starts from values Contact Desk last sent for it.
func Actions(contactType string, loaded Current) []Action {
	exists := loaded.of(contactType) != nil
	actions := []Action{ActionKeep}
	switch {
	case !loaded.reported(contactType) && exists:
		actions = append(actions, ActionUpdate, ActionReplace, ActionRemove)
	case !loaded.reported(contactType):
		actions = append(actions, ActionReplace, ActionRemove)
	case !exists:
		actions = append(actions, ActionAdd)
	case contactType == digicert.TechnicalContact:
		actions = append(actions, ActionUpdate, ActionReplace, ActionRemove)
	default:
		actions = append(actions, ActionUpdate, ActionReplace)
	}
	return actions
}
