package contacts

import "github.com/contactdesk/contactdesk/digicert"

// Action is what the user chose for one contact type on the form.
type Action string

// The choices of the form's Keep as is / Update / Remove radio group.
const (
	ActionKeep   Action = "keep"
	ActionUpdate Action = "update"
	// ActionRemove is offered for the technical contact only: DigiCert
	// cannot remove the organization contact.
	ActionRemove Action = "remove"
)

// ContactInput is one contact's fieldset as the form submitted it. The form
// is prefilled with the current values, so a field the user did not touch
// still carries its value and keeping it never deletes it.
type ContactInput struct {
	Action             Action
	FirstName          string
	LastName           string
	Email              string
	JobTitle           string
	Telephone          string
	TelephoneExtension string
	LanguageID         string
}

// Change is the whole form: one fieldset per contact type.
type Change struct {
	Organization ContactInput
	Technical    ContactInput
}

// Contacts converts the form into the contacts array of the PUT: a contact
// kept as is is left out, so DigiCert does not touch it; an updated one is
// sent with every field as the form holds it; a removed one is the bare
// {"contact_type": ...} object. The organization contact comes first.
// Actions other than the three known ones are left out; ValidateChange
// reports them. The values are not trimmed: Normalize does that.
func (c Change) Contacts() []digicert.Contact {
	req := []digicert.Contact{}
	for _, in := range c.inputs() {
		switch in.input.Action {
		case ActionUpdate:
			req = append(req, in.input.contact(in.contactType))
		case ActionRemove:
			req = append(req, digicert.Contact{ContactType: in.contactType})
		}
	}
	return req
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

// contact is the fieldset as a request contact of type contactType.
func (in ContactInput) contact(contactType string) digicert.Contact {
	return digicert.Contact{
		FirstName:          in.FirstName,
		LastName:           in.LastName,
		Email:              in.Email,
		JobTitle:           in.JobTitle,
		Telephone:          in.Telephone,
		TelephoneExtension: in.TelephoneExtension,
		LanguageID:         in.LanguageID,
		ContactType:        contactType,
	}
}

// InputFrom returns the fieldset prefilled with a current contact's values
// and the Keep as is choice; a contact that does not exist gives empty
// fields.
func InputFrom(current *digicert.ExistingContact) ContactInput {
	in := ContactInput{Action: ActionKeep}
	if current == nil {
		return in
	}
	in.FirstName = current.FirstName
	in.LastName = current.LastName
	in.Email = current.Email
	in.JobTitle = current.JobTitle
	in.Telephone = current.Telephone
	in.TelephoneExtension = current.TelephoneExtension
	in.LanguageID = current.LanguageID
	return in
}

// ChangeFrom returns the form as it first appears for the current contacts:
// both kept as is, every field prefilled.
func ChangeFrom(current Current) Change {
	return Change{
		Organization: InputFrom(current.Organization),
		Technical:    InputFrom(current.Technical),
	}
}
