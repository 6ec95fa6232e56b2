package contacts

import (
	"errors"
	"fmt"
	"strings"

	"github.com/contactdesk/contactdesk/digicert"
)

// Current is the organization's contacts as DigiCert last reported them. A
// nil contact is one that does not exist, or, for the technical contact
// when TechnicalOmitted is set, one that DigiCert's answer did not carry.
type Current struct {
	Organization *digicert.ExistingContact
	Technical    *digicert.ExistingContact
	// TechnicalOmitted is set when DigiCert's answer did not report the
	// technical contact at all: whether there is one is not known.
	TechnicalOmitted bool
}

// CurrentFrom returns the contacts of an organization as read from DigiCert.
func CurrentFrom(org digicert.Organization) Current {
	return Current{Organization: org.OrganizationContact, Technical: org.TechnicalContact,
		TechnicalOmitted: org.TechnicalContactOmitted}
}

// reported reports whether DigiCert said what the contact of a type is,
// be it none.
func (c Current) reported(contactType string) bool {
	return contactType != digicert.TechnicalContact || !c.TechnicalOmitted
}

// of returns the current contact of a type, or nil.
func (c Current) of(contactType string) *digicert.ExistingContact {
	switch contactType {
	case digicert.OrganizationContact:
		return c.Organization
	case digicert.TechnicalContact:
		return c.Technical
	}
	return nil
}

// Effect is what a request does to one contact type.
type Effect string

// The effects a request can have on a contact type.
const (
	// EffectUnchanged: the type is not in the request, or it is sent with
	// exactly the values it has now.
	EffectUnchanged Effect = "unchanged"
	// EffectUpdated: first name, last name and email match the current
	// contact, so DigiCert changes the other fields in place.
	EffectUpdated Effect = "updated"
	// EffectReplaced: first name, last name or email differ, so DigiCert
	// creates a new contact in place of the current one.
	EffectReplaced Effect = "replaced"
	// EffectRemoved: the technical contact is removed.
	EffectRemoved Effect = "removed"
	// EffectCreated: there is no current contact of the type, so the one
	// sent is added.
	EffectCreated Effect = "created"
	// EffectNothing: a removal of a technical contact that DigiCert did not
	// report; it is sent all the same, in case one exists.
	EffectNothing Effect = "nothing"
	// EffectSet: a technical contact is sent while DigiCert did not report
	// the current one, so whether it updates, replaces or adds one is not
	// known. Its fields left empty are deleted if they hold values.
	EffectSet Effect = "set"
)

// FieldChange is one field whose value a request changes.
type FieldChange struct {
	Field  string // JSON name: "job_title"
	Label  string // in words: "job title"
	Before string // "" when the field has no value now
	After  string // "" when the request deletes the value
}

// ContactPlan is what a request does to one contact type, in words and in
// detail.
type ContactPlan struct {
	ContactType string
	Effect      Effect
	// Reason explains the effect in a sentence.
	Reason string
	// DifferingIdentity names, for a replacement, which of "first name",
	// "last name" and "email" differ from the current contact.
	DifferingIdentity []string
	// ClearedFields names the optional fields that have a value now and
	// lose it because the request leaves them out ("job title"), and
	// ClearedJSONFields gives the same fields by their JSON names.
	ClearedFields     []string
	ClearedJSONFields []string
	// ChangedFields lists every field whose value changes, in the order of
	// the request body.
	ChangedFields []FieldChange
	// Before is the contact's values now, trimmed; nil when there is none
	// or DigiCert did not report it. After is its values once the request
	// is carried out; nil when there will be none, or, for a removal that
	// DigiCert may not carry out, when that is not known.
	Before *digicert.Contact
	After  *digicert.Contact
	// Sent is set when the request carries the contact.
	Sent bool
	// NotReported is set when DigiCert did not report the contact: what it
	// holds before the change is not known.
	NotReported bool
	// EmptyFields names, for EffectSet, the optional fields sent empty:
	// DigiCert deletes any value they hold.
	EmptyFields []string
	// CarriedOver lists, for a replacement, the fields (JSON names) whose
	// values the new contact takes over from the one it replaces, because
	// the request was written from the current contact's values. A
	// replacement written from empty fields carries nothing over.
	CarriedOver []string
}

// IsCarriedOver reports whether the field, by its JSON name, is carried
// over from the contact being replaced.
func (p ContactPlan) IsCarriedOver(field string) bool {
	for _, f := range p.CarriedOver {
		if f == field {
			return true
		}
	}
	return false
}

// Plan is what a contacts request will do, for review before it is sent.
type Plan struct {
	// Contacts always holds both contact types, organization first.
	Contacts []ContactPlan
	// Body is the exact request body to send; nil when there is nothing to
	// send.
	Body []byte
	// Request is the contacts array Body encodes.
	Request []digicert.Contact
	// NothingToSend is true when the request holds no contact.
	NothingToSend bool
}

// NewPlan works out what req, a validated contacts array, does to the
// current contacts, following DigiCert's documented rules: a contact whose
// first name, last name and email match the current one is updated in
// place, any other is a new contact that replaces it, and optional fields
// left out lose their values. Values compare after trimming white space;
// names compare exactly and email addresses without regard to case, so
// "Bob@Example.com" for "bob@example.com" is an update in place that
// changes the email's case. It refuses a request Validate would refuse for
// its shape: an unknown or repeated contact type, or a removal of the
// organization contact.
func NewPlan(current Current, req []digicert.Contact) (Plan, error) {
	sent, err := contactsByType(req)
	if err != nil {
		return Plan{}, err
	}
	plan := Plan{
		Request:       append([]digicert.Contact{}, req...),
		NothingToSend: len(req) == 0,
	}
	for _, contactType := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		plan.Contacts = append(plan.Contacts, planContact(contactType, current.of(contactType), sent[contactType], current.reported(contactType)))
	}
	if plan.NothingToSend {
		return plan, nil
	}
	// The same encoding as the client's PUT, so the body reviewed, audited
	// and sent are the same bytes.
	if plan.Body, err = digicert.EncodeContacts(req); err != nil {
		return Plan{}, fmt.Errorf("contacts: plan: %w", err)
	}
	return plan, nil
}

// contactsByType indexes a request by contact type, refusing what cannot
// be planned.
func contactsByType(req []digicert.Contact) (map[string]*digicert.Contact, error) {
	sent := make(map[string]*digicert.Contact, len(req))
	for i := range req {
		c := &req[i]
		switch {
		case !isContactType(c.ContactType):
			return nil, fmt.Errorf("contacts: plan: contact %d has contact type %q", i, c.ContactType)
		case sent[c.ContactType] != nil:
			return nil, fmt.Errorf("contacts: plan: contact %d repeats contact type %q", i, c.ContactType)
		case c.ContactType == digicert.OrganizationContact && c.IsRemoval():
			return nil, errors.New("contacts: plan: the organization contact cannot be removed")
		}
		sent[c.ContactType] = c
	}
	return sent, nil
}

func planContact(contactType string, cur *digicert.ExistingContact, sent *digicert.Contact, reported bool) ContactPlan {
	p := ContactPlan{ContactType: contactType, Sent: sent != nil, NotReported: !reported}
	if cur != nil && reported {
		before := currentValues(cur, contactType)
		p.Before = &before
	}
	switch {
	case sent == nil && !reported:
		p.Effect, p.Reason = EffectUnchanged, "Unchanged: not part of the request (DigiCert did not report it)"
	case sent == nil:
		p.Effect, p.Reason = EffectUnchanged, "Unchanged: not part of the request"
		p.After = p.Before
	case sent.IsRemoval() && !reported:
		p.Effect = EffectNothing
		p.Reason = "DigiCert did not report a technical contact: the removal is sent, and removes it if there is one"
	case sent.IsRemoval() && cur == nil:
		p.Effect = EffectNothing
		p.Reason = "Nothing to remove as far as DigiCert reported: the organization has no technical contact. The removal is sent all the same"
	case sent.IsRemoval():
		p.Effect, p.Reason = EffectRemoved, "Removed: the organization will have no technical contact"
		p.ChangedFields = changedFields(*p.Before, digicert.Contact{ContactType: contactType})
	case !reported:
		after := normalizeContact(*sent)
		p.After = &after
		p.Effect = EffectSet
		p.Reason = fmt.Sprintf("Set: DigiCert did not report the %s, so it is not known whether this updates it, replaces it or adds one", contactWord(contactType))
		for _, f := range optionalFields() {
			if contactValue(after, f.json) == "" {
				p.EmptyFields = append(p.EmptyFields, f.label)
			}
		}
	case cur == nil:
		after := normalizeContact(*sent)
		p.After = &after
		p.Effect = EffectCreated
		p.Reason = fmt.Sprintf("Added: the organization has no %s, so this one is added", contactWord(contactType))
		p.ChangedFields = changedFields(digicert.Contact{ContactType: contactType}, after)
	default:
		after := normalizeContact(*sent)
		p.After = &after
		planUpdate(&p, *p.Before, after)
	}
	return p
}

// currentValues is a current contact as a trimmed request contact.
func currentValues(cur *digicert.ExistingContact, contactType string) digicert.Contact {
	return normalizeContact(existingAsContact(*cur, contactType))
}

// planUpdate fills in the plan for a contact sent over an existing one.
func planUpdate(p *ContactPlan, before, after digicert.Contact) {
	p.ChangedFields = changedFields(before, after)
	for _, f := range valueFields() {
		if f.isOptional() && contactValue(before, f.json) != "" && contactValue(after, f.json) == "" {
			p.ClearedFields = append(p.ClearedFields, f.label)
			p.ClearedJSONFields = append(p.ClearedJSONFields, f.json)
		}
	}
	p.DifferingIdentity = differingIdentity(before, after)
	if len(p.DifferingIdentity) > 0 {
		p.CarriedOver = sharedFields(before, after)
	}
	switch {
	case len(p.DifferingIdentity) == 1:
		p.Effect = EffectReplaced
		p.Reason = fmt.Sprintf("Replaced by a new contact: %s differs from the current contact", p.DifferingIdentity[0])
	case len(p.DifferingIdentity) > 1:
		p.Effect = EffectReplaced
		p.Reason = fmt.Sprintf("Replaced by a new contact: %s differ from the current contact", joinWords(p.DifferingIdentity))
	case len(p.ChangedFields) == 0:
		p.Effect, p.Reason = EffectUnchanged, "Unchanged: sent with the values it has now"
	default:
		p.Effect, p.Reason = EffectUpdated, "Updated in place: first name, last name and email match the current contact"
	}
}

// differingIdentity names the identity fields that make DigiCert create a
// new contact: names compared exactly, email without regard to case.
func differingIdentity(before, after digicert.Contact) []string {
	var differ []string
	if before.FirstName != after.FirstName {
		differ = append(differ, "first name")
	}
	if before.LastName != after.LastName {
		differ = append(differ, "last name")
	}
	if !strings.EqualFold(before.Email, after.Email) {
		differ = append(differ, "email")
	}
	return differ
}

// sharedFields lists the fields (JSON names) that hold the same value,
// not empty, before and after.
func sharedFields(before, after digicert.Contact) []string {
	var shared []string
	for _, f := range valueFields() {
		if v := contactValue(after, f.json); v != "" && v == contactValue(before, f.json) {
			shared = append(shared, f.json)
		}
	}
	return shared
}

// changedFields lists the fields whose values differ exactly.
func changedFields(before, after digicert.Contact) []FieldChange {
	var changes []FieldChange
	for _, f := range valueFields() {
		b, a := contactValue(before, f.json), contactValue(after, f.json)
		if b != a {
			changes = append(changes, FieldChange{Field: f.json, Label: f.label, Before: b, After: a})
		}
	}
	return changes
}

// joinWords joins words as a sentence lists them: "a", "a and b",
// "a, b and c".
func joinWords(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// typedAnew clears what the plan says is carried over for the contacts
// the form replaces with someone else: their fields started empty, so
// every value was typed, none carried over.
func (p *Plan) typedAnew(ch Change) {
	for i := range p.Contacts {
		if ch.of(p.Contacts[i].ContactType).Action == ActionReplace {
			p.Contacts[i].CarriedOver = nil
		}
	}
}
