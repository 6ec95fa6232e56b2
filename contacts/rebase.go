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

// rebase returns the form in as if it had been loaded from current rather
// than from loaded, the contacts it was loaded with, so that sending it
// does not put back values that someone changed at DigiCert meanwhile, and
// so that a contact the user did not touch is not taken for one they
// edited.
//
// Every field of a contact's own fields that still holds the value it was
// loaded with (compared after trimming, as it is sent) takes the current
// value; a field the user changed keeps the user's value. For a contact
// the form updates or adds, a field DigiCert changed too, to something
// else, is a ConflictField, and a contact added, removed or replaced
// (another id) at DigiCert since is not rebased at all, and is reported.
// The replacement's fields, typed from empty, are never rebased; neither
// is a contact DigiCert did not report, nor the request JSON, which the
// user wrote whole. The result's Basis is Fingerprint(current) and its
// Loaded is current (with the starting values of a contact DigiCert does
// not report), so a second review of it does not rebase it again.
func rebase(in Input, loaded, current Current) (Input, []Conflict) {
	if in.Mode != ModeForm {
		return in, nil
	}
	out := in
	out.Basis = Fingerprint(current)
	next := cloneCurrent(current)
	if loaded.TechnicalOmitted && current.TechnicalOmitted {
		next.Technical = cloneContact(loaded.Technical)
	}
	out.Loaded = &next
	var conflicts []Conflict
	for _, ti := range in.Change.inputs() {
		rebased, cs := rebaseContact(ti.contactType, ti.input, loaded, current)
		out.Change.set(ti.contactType, rebased)
		conflicts = append(conflicts, cs...)
	}
	return out, conflicts
}

// rebaseContact rebases one fieldset from loaded onto current.
func rebaseContact(contactType string, in ContactInput, loaded, current Current) (ContactInput, []Conflict) {
	if !loaded.reported(contactType) || !current.reported(contactType) {
		return in, nil
	}
	before, now := loaded.of(contactType), current.of(contactType)
	if in.Action == ActionUpdate || in.Action == ActionAdd {
		return rebaseSent(contactType, in, before, now)
	}
	// The contact's own fields are not sent: they only say whether the
	// user touched them, and show the contact as it is now.
	in.Fields = rebaseFields(in.Fields, FieldsFrom(before), FieldsFrom(now))
	return in, nil
}

// rebaseFields gives every field of yours that still holds its value in
// was the value in is.
func rebaseFields(yours, was, is Fields) Fields {
	out := yours.contact("")
	w, n := was.contact(""), is.contact("")
	for _, f := range valueFields() {
		if sameValue(contactValue(out, f.json), contactValue(w, f.json)) {
			setContactValue(&out, f.json, contactValue(n, f.json))
		}
	}
	return fieldsOf(out)
}

// rebaseSent rebases a fieldset whose own fields are sent from before,
// the contact it was loaded with, onto now.
func rebaseSent(contactType string, in ContactInput, before, now *digicert.ExistingContact) (ContactInput, []Conflict) {
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
	typed := in.Fields.contact(contactType)
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
	in.Fields = fieldsOf(out)
	return in, conflicts
}

// sameValue reports whether two values are sent alike: equal once trimmed.
func sameValue(a, b string) bool {
	return strings.TrimSpace(a) == strings.TrimSpace(b)
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
