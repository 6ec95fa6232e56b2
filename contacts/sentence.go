package contacts

import (
	"fmt"
	"strings"

	"github.com/contactdesk/contactdesk/digicert"
)

// Sentence says in plain words what the request does to the contact,
// naming the people: "Raj Patel will be replaced by Priya Raman."
func (p ContactPlan) Sentence() string {
	word := contactWord(p.ContactType)
	switch p.Effect {
	case EffectUnchanged:
		return p.unchangedSentence(word)
	case EffectUpdated:
		var labels []string
		for _, c := range p.ChangedFields {
			labels = append(labels, c.Label)
		}
		return fmt.Sprintf("%s's details will be updated: %s.", personName(p.Before), joinWords(labels))
	case EffectReplaced:
		before, after := personName(p.Before), personName(p.After)
		if before == after {
			// Only the email differs: say which address goes.
			before, after = personWithEmail(p.Before), "a new contact, "+personWithEmail(p.After)
		}
		return fmt.Sprintf("%s will be replaced by %s.", before, after)
	case EffectRemoved:
		return fmt.Sprintf("%s will be removed: the organization will have no %s.", personName(p.Before), word)
	case EffectCreated:
		return fmt.Sprintf("%s will be added as the %s.", personName(p.After), word)
	case EffectSet:
		return fmt.Sprintf("%s will be the %s. DigiCert did not report the current one, so it is not known whether this updates it, replaces someone or adds one.",
			personName(p.After), word)
	case EffectNothing:
		if p.NotReported {
			return fmt.Sprintf("The %s will be removed, if there is one: DigiCert did not report it.", word)
		}
		return fmt.Sprintf("DigiCert reported no %s; the removal is sent all the same.", word)
	}
	return p.Reason
}

func (p ContactPlan) unchangedSentence(word string) string {
	switch {
	case p.NotReported:
		return fmt.Sprintf("The %s is left as it is: DigiCert did not report it, and nothing is sent for it.", word)
	case p.Before == nil:
		return fmt.Sprintf("There is no %s, and none is added.", word)
	case p.Sent:
		return fmt.Sprintf("%s stays the %s: sent with the values it has now.", personName(p.Before), word)
	}
	return fmt.Sprintf("%s stays the %s, unchanged.", personName(p.Before), word)
}

// personName is a contact's first and last name, or a placeholder when
// it has none.
func personName(c *digicert.Contact) string {
	if c == nil {
		return "The contact"
	}
	name := strings.TrimSpace(c.FirstName + " " + c.LastName)
	if name == "" {
		return "The contact"
	}
	return name
}

// personWithEmail is a contact's name with its email address: "Raj Patel
// (raj@example.com)".
func personWithEmail(c *digicert.Contact) string {
	if c == nil || c.Email == "" {
		return personName(c)
	}
	return personName(c) + " (" + c.Email + ")"
}

// CarriedOverLabels names, in words, the fields carried over from the
// contact being replaced ("job title", "telephone"), leaving out the
// names and email that identify the new contact.
func (p ContactPlan) CarriedOverLabels() []string {
	var labels []string
	for _, f := range valueFields() {
		switch f.json {
		case jsonFirstName, jsonLastName, jsonEmail:
			continue
		}
		if p.IsCarriedOver(f.json) {
			labels = append(labels, f.label)
		}
	}
	return labels
}
