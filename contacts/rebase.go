package contacts

import (
	"fmt"
	"strings"

	"github.com/contactdesk/contactdesk/digicert"
)

// ConflictKind says why rebase kept what the user entered for a contact or
// a field instead of DigiCert's current values.
type ConflictKind string

// The kinds of Conflict.
const (
	// ConflictField: the user and someone at DigiCert both changed the
	// field, to different values.
	ConflictField ConflictKind = "field"
	// ConflictAdded: the contact did not exist when the form was loaded
	// and exists now.
	ConflictAdded ConflictKind = "added"
	// ConflictRemoved: the contact existed when the form was loaded and
	// does not now.
	ConflictRemoved ConflictKind = "removed"
	// ConflictReplaced: DigiCert holds another contact of the type now,
	// with another id.
	ConflictReplaced ConflictKind = "replaced"
)

// Conflict is a contact the user chose to update, or one of its fields,
// that changed at DigiCert after the form was loaded in a way rebase does
// not merge: what the user entered is sent as it is.
type Conflict struct {
	Kind        ConflictKind
	ContactType string
	// Field and Label name the field of a ConflictField by its JSON name
	// and in words ("job title"); both are empty for the other kinds.
	Field string
	Label string
	// Basis is the field's value when the form was loaded, Current is
	// DigiCert's value now and Yours is the user's, trimmed as it is sent.
	// All three are empty for the kinds other than ConflictField.
	Basis   string
	Current string
	Yours   string
}

// Sentence says in words what the conflict means for what is sent: "You
// and someone else both changed the technical contact's job title: your
// value, Lead SRE, will be sent."
func (c Conflict) Sentence() string {
	word := contactWord(c.ContactType)
	const asEntered = "the values you entered for it will be sent as they are"
	switch c.Kind {
	case ConflictField:
		if c.Yours == "" {
			return fmt.Sprintf("You and someone else both changed the %s's %s: you left it empty, so it will be deleted.", word, c.Label)
		}
		return fmt.Sprintf("You and someone else both changed the %s's %s: your value, %s, will be sent.", word, c.Label, c.Yours)
	case ConflictAdded:
		return fmt.Sprintf("A %s was added in DigiCert after this form was loaded: %s.", word, asEntered)
	case ConflictRemoved:
		return fmt.Sprintf("The %s was removed in DigiCert after this form was loaded: %s.", word, asEntered)
	case ConflictReplaced:
		return fmt.Sprintf("The %s was replaced by another contact in DigiCert after this form was loaded: %s.", word, asEntered)
	}
	return fmt.Sprintf("The %s changed in DigiCert after this form was loaded: %s.", word, asEntered)
}

// rebase returns the form in as if it had been prefilled from current
// rather than from basis, the contacts it was loaded with, so that sending
// it does not put back values that someone changed at DigiCert meanwhile.
//
// For each contact the form updates, a field whose value is still the one
// basis gave it (compared after trimming, as it is sent) takes the current
// value; a field the user changed keeps the user's value, and when DigiCert
// changed it too, to something else, that is a ConflictField. A contact
// added, removed or replaced (another id) at DigiCert since is not rebased
// at all, and is reported. Contacts kept as is or removed carry no values
// to send and are left as they are; so is the request JSON, which the user
// wrote whole. The result's Basis is Fingerprint(current), so a second
// review of it does not rebase it again.
func rebase(in Input, basis, current Current) (Input, []Conflict) {
	if in.Mode != ModeForm {
		return in, nil
	}
	out := in
	out.Basis = Fingerprint(current)
	var conflicts []Conflict
	for _, ti := range in.Change.inputs() {
		rebased, cs := rebaseContact(ti.contactType, ti.input, basis.of(ti.contactType), current.of(ti.contactType))
		out.Change.set(ti.contactType, rebased)
		conflicts = append(conflicts, cs...)
	}
	return out, conflicts
}

// rebaseContact rebases one fieldset from before, the contact it was
// prefilled with, onto now.
func rebaseContact(contactType string, in ContactInput, before, now *digicert.ExistingContact) (ContactInput, []Conflict) {
	if in.Action != ActionUpdate {
		return in, nil
	}
	whole := Conflict{ContactType: contactType}
	switch {
	case before == nil && now == nil:
		return in, nil
	case before == nil:
		whole.Kind = ConflictAdded
		return in, []Conflict{whole}
	case now == nil:
		whole.Kind = ConflictRemoved
		return in, []Conflict{whole}
	case before.ID != now.ID:
		whole.Kind = ConflictReplaced
		return in, []Conflict{whole}
	}
	b, n := existingAsContact(*before, contactType), existingAsContact(*now, contactType)
	typed := in.contact(contactType)
	out := typed
	var conflicts []Conflict
	for _, f := range valueFields() {
		was, is, yours := contactValue(b, f.json), contactValue(n, f.json), contactValue(typed, f.json)
		switch {
		case was == is:
			// Not changed at DigiCert: nothing to carry over.
		case sameValue(yours, was):
			setContactValue(&out, f.json, is)
		case !sameValue(was, is) && !sameValue(yours, is):
			conflicts = append(conflicts, Conflict{Kind: ConflictField, ContactType: contactType, Field: f.json, Label: f.label,
				Basis: was, Current: is, Yours: strings.TrimSpace(yours)})
		}
	}
	return inputOf(out, in.Action), conflicts
}

// sameValue reports whether two values are sent alike: equal once trimmed.
func sameValue(a, b string) bool {
	return strings.TrimSpace(a) == strings.TrimSpace(b)
}

// inputOf is a request contact's values as a fieldset with the choice
// action.
func inputOf(c digicert.Contact, action Action) ContactInput {
	return ContactInput{
		Action:             action,
		FirstName:          c.FirstName,
		LastName:           c.LastName,
		Email:              c.Email,
		JobTitle:           c.JobTitle,
		Telephone:          c.Telephone,
		TelephoneExtension: c.TelephoneExtension,
		LanguageID:         c.LanguageID,
	}
}

// set replaces the fieldset of a contact type.
func (c *Change) set(contactType string, in ContactInput) {
	switch contactType {
	case digicert.OrganizationContact:
		c.Organization = in
	case digicert.TechnicalContact:
		c.Technical = in
	}
}
