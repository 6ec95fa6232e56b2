package handlers

import (
	"fmt"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/views"
)

// reviewFields are the rows of a review table: every field of a contact,
// in the order of the form.
var reviewFields = []struct{ json, label string }{
	{"first_name", "First name"},
	{"last_name", "Last name"},
	{"email", "Email"},
	{"job_title", "Job title"},
	{"telephone", "Telephone"},
	{"telephone_extension", "Telephone extension"},
	{"language_id", "Language"},
}

// reviewContacts says, contact by contact, what the plan does: a sentence
// naming the people, notes on what DigiCert will do, and every field now
// and after the change, languages by name.
func reviewContacts(plan contacts.Plan, locales contacts.LocaleSet) []views.ReviewContact {
	out := make([]views.ReviewContact, 0, len(plan.Contacts))
	for _, cp := range plan.Contacts {
		rc := views.ReviewContact{
			Heading:      contactHeading(cp.ContactType),
			Effect:       string(cp.Effect),
			EffectText:   effectText(cp.Effect),
			Sentence:     cp.Sentence(),
			NowHeading:   "Now",
			AfterHeading: "After the change",
		}
		rc.Notes, rc.Warnings = reviewNotes(cp)
		rc.Fields = reviewTable(cp, locales)
		if cp.Effect == contacts.EffectReplaced {
			rc.NowHeading, rc.AfterHeading = "Now ("+personLabel(cp.Before)+")", "New contact ("+personLabel(cp.After)+")"
		}
		out = append(out, rc)
	}
	return out
}

// reviewNotes are the sentences that explain what DigiCert will do beyond
// the summary, and the warnings to read before sending.
func reviewNotes(cp contacts.ContactPlan) (notes, warnings []string) {
	if cp.Effect == contacts.EffectReplaced && len(cp.CarriedOver) > 0 {
		notes = append(notes, fmt.Sprintf("The %s changed, so DigiCert does not update %s: it creates a new contact and removes %s as the %s.",
			joinAnd(cp.DifferingIdentity), personLabel(cp.Before), personLabel(cp.Before), lowerFirst(contactHeading(cp.ContactType))))
		if carried := cp.CarriedOverLabels(); len(carried) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s will also get %s's %s, carried over from the form: check them below, or go back and use Replace with someone else to start from empty fields.",
				personLabel(cp.After), personLabel(cp.Before), joinAnd(carried)))
		}
	}
	if len(cp.ClearedFields) > 0 {
		warnings = append(warnings, "These fields will be deleted at DigiCert: "+joinAnd(cp.ClearedFields)+".")
	}
	if cp.Effect == contacts.EffectSet && len(cp.EmptyFields) > 0 {
		warnings = append(warnings, "Fields left empty are deleted at DigiCert if it holds values for them: "+joinAnd(cp.EmptyFields)+".")
	}
	return notes, warnings
}

// reviewTable lists every field of the contact now and after the change;
// nil when neither is known.
func reviewTable(cp contacts.ContactPlan, locales contacts.LocaleSet) []views.ReviewField {
	if cp.Before == nil && cp.After == nil {
		return nil
	}
	var rows []views.ReviewField
	for _, f := range reviewFields {
		row := views.ReviewField{Label: f.label, Email: f.json == "email"}
		if cp.Before != nil {
			row.Now = displayValue(*cp.Before, f.json, locales)
		}
		if cp.After != nil {
			row.After = displayValue(*cp.After, f.json, locales)
		}
		row.Changed = row.After != row.Now
		switch {
		case cp.NotReported:
			row.Now = "(not reported)"
			if row.After == "" {
				row.Mark = "deleted, if set"
			}
		case cp.After == nil:
			row.Mark = "removed"
		case row.Now != "" && row.After == "":
			row.Mark = "deleted"
		case cp.IsCarriedOver(f.json) && f.json != "first_name" && f.json != "last_name" && f.json != "email":
			row.Mark = "carried over from " + personLabel(cp.Before)
		}
		rows = append(rows, row)
	}
	return rows
}

// displayValue is one field of a contact as the review shows it: a
// language by its name.
func displayValue(c digicert.Contact, field string, locales contacts.LocaleSet) string {
	var v string
	switch field {
	case "first_name":
		v = c.FirstName
	case "last_name":
		v = c.LastName
	case "email":
		v = c.Email
	case "job_title":
		v = c.JobTitle
	case "telephone":
		v = c.Telephone
	case "telephone_extension":
		v = c.TelephoneExtension
	case "language_id":
		return languageName(c.LanguageID, locales)
	}
	return v
}

// personLabel names a contact by its first and last name.
func personLabel(c *digicert.Contact) string {
	if c == nil {
		return "the contact"
	}
	if name := joinNonEmpty(" ", c.FirstName, c.LastName); name != "" {
		return name
	}
	return "the contact"
}

// sendLabel is the send button's text and whether it warns: a change that
// removes a contact says so on the button.
func sendLabel(plan contacts.Plan) (string, bool) {
	removes := false
	var parts []string
	for _, cp := range plan.Contacts {
		word := lowerFirst(contactHeading(cp.ContactType))
		switch cp.Effect {
		case contacts.EffectRemoved, contacts.EffectNothing:
			removes = true
			parts = append(parts, "remove the "+word)
		case contacts.EffectUpdated:
			parts = append(parts, "update the "+word)
		case contacts.EffectReplaced:
			parts = append(parts, "replace the "+word)
		case contacts.EffectCreated:
			parts = append(parts, "add "+withArticle(word))
		case contacts.EffectSet:
			parts = append(parts, "set the "+word)
		}
	}
	if !removes {
		return "Send to DigiCert", false
	}
	return "Send to DigiCert: " + joinAnd(parts), true
}

// joinAnd joins words as a sentence lists them: "a", "a and b", "a, b and
// c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	out := words[0]
	for _, w := range words[1 : len(words)-1] {
		out += ", " + w
	}
	return out + " and " + words[len(words)-1]
}
