package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// formField describes one text field of a contact fieldset.
type formField struct {
	name      string // JSON name
	label     string
	inputType string
	maxLength int
	width     string
}

// contactFields are the fieldset's text fields in the order of the form and
// of DigiCert's documentation.
var contactFields = []formField{
	{"first_name", "First name", "text", 128, ""},
	{"last_name", "Last name", "text", 128, ""},
	{"email", "Email", "email", 255, ""},
	{"job_title", "Job title", "text", 64, ""},
	{"telephone", "Telephone", "tel", 32, ""},
	{"telephone_extension", "Telephone extension", "text", 16, "short"},
}

// contactTypes are the two fieldsets, organization first.
var contactTypes = []struct {
	id, legend string
	canRemove  bool
}{
	{digicert.OrganizationContact, "Organization contact", false},
	{digicert.TechnicalContact, "Technical contact", true},
}

// basisField is the form's hidden field holding the fingerprint of the
// contacts it was prefilled with.
const basisField = "basis"

// readInput reads the submitted change form.
func readInput(c echo.Context) contacts.Input {
	in := contacts.Input{Mode: "form", RequestJSON: c.FormValue(contacts.FieldRequestJSON), Basis: c.FormValue(basisField)}
	if c.FormValue("mode") == "json" {
		in.Mode = "json"
	}
	in.Change.Organization = readContactInput(c, digicert.OrganizationContact)
	in.Change.Technical = readContactInput(c, digicert.TechnicalContact)
	return in
}

func readContactInput(c echo.Context, contactType string) contacts.ContactInput {
	v := func(name string) string { return c.FormValue(contacts.FormFieldID(contactType, name)) }
	return contacts.ContactInput{
		Action:             contacts.Action(c.FormValue(contacts.ActionFieldID(contactType))),
		FirstName:          v("first_name"),
		LastName:           v("last_name"),
		Email:              v("email"),
		JobTitle:           v("job_title"),
		Telephone:          v("telephone"),
		TelephoneExtension: v("telephone_extension"),
		LanguageID:         v("language_id"),
	}
}

// inputValue is the value of one JSON field of a fieldset.
func inputValue(in contacts.ContactInput, name string) string {
	switch name {
	case "first_name":
		return in.FirstName
	case "last_name":
		return in.LastName
	case "email":
		return in.Email
	case "job_title":
		return in.JobTitle
	case "telephone":
		return in.Telephone
	case "telephone_extension":
		return in.TelephoneExtension
	case "language_id":
		return in.LanguageID
	}
	return ""
}

// buildEditForm fills the form's view model with the input (prefilled or as
// typed) and the errors next to the fields they concern.
func buildEditForm(action, csrf string, in contacts.Input, current contacts.Current, locales contacts.LocaleSet, errs *contacts.ValidationErrors) views.EditForm {
	f := views.EditForm{
		Action:    action,
		CSRFToken: csrf,
		Basis:     in.Basis,
		JSONOpen:  in.Mode == "json",
		RequestJSON: components.Textarea{
			ID:     contacts.FieldRequestJSON,
			Label:  "Request JSON",
			Hint:   `For example {"contacts": [{"contact_type": "technical_contact"}]} removes the technical contact.`,
			Value:  in.RequestJSON,
			Rows:   12,
			Errors: fieldMessages(errs, contacts.FieldRequestJSON),
		},
	}
	if in.RequestJSON == "" {
		f.RequestJSON.Value = currentRequestJSON(current)
	}
	for _, t := range contactTypes {
		ci := in.Change.Organization
		cur := current.Organization
		if t.id == digicert.TechnicalContact {
			ci, cur = in.Change.Technical, current.Technical
		}
		f.Fieldsets = append(f.Fieldsets, contactFieldset(t.id, t.legend, t.canRemove, ci, cur, locales, errs))
	}
	return f
}

func contactFieldset(contactType, legend string, canRemove bool, in contacts.ContactInput, current *digicert.ExistingContact, locales contacts.LocaleSet, errs *contacts.ValidationErrors) views.ContactFieldset {
	action := string(in.Action)
	if action == "" {
		action = string(contacts.ActionKeep)
	}
	group := components.RadioGroup{
		ID:     contacts.ActionFieldID(contactType),
		Legend: "What to do with the " + lowerFirst(legend),
		Error:  errs.Message(contacts.ActionFieldID(contactType)),
		Radios: []components.Radio{
			{Value: string(contacts.ActionKeep), Label: "Keep as is"},
			{Value: string(contacts.ActionUpdate), Label: "Update"},
		},
	}
	if canRemove {
		group.Radios = append(group.Radios, components.Radio{Value: string(contacts.ActionRemove), Label: "Remove"})
	}
	for i := range group.Radios {
		group.Radios[i].Checked = group.Radios[i].Value == action
	}
	fs := views.ContactFieldset{ID: contactType, Legend: legend, Action: group}
	for _, ff := range contactFields {
		id := contacts.FormFieldID(contactType, ff.name)
		fs.Fields = append(fs.Fields, components.Input{
			ID:        id,
			Label:     ff.label,
			Type:      ff.inputType,
			Value:     inputValue(in, ff.name),
			Error:     joinMessages(fieldMessages(errs, id)),
			MaxLength: ff.maxLength,
			Width:     ff.width,
		})
	}
	currentLanguage := ""
	if current != nil {
		currentLanguage = current.LanguageID
	}
	langID := contacts.FormFieldID(contactType, "language_id")
	sel := components.Select{ID: langID, Label: "Language", Error: joinMessages(fieldMessages(errs, langID))}
	sel.Options = append(sel.Options, components.Option{Value: "", Label: "None (not sent)", Selected: in.LanguageID == ""})
	chosenListed := in.LanguageID == ""
	for _, l := range locales.Choices(currentLanguage) {
		selected := l.ID == in.LanguageID
		chosenListed = chosenListed || selected
		sel.Options = append(sel.Options, components.Option{Value: l.ID, Label: l.Name, Selected: selected})
	}
	if !chosenListed {
		// Keep what was typed, even an id the list does not know, so the
		// error next to it makes sense.
		sel.Options = append(sel.Options, components.Option{Value: in.LanguageID, Label: "Unknown (" + in.LanguageID + ")", Selected: true})
	}
	fs.Language = sel
	return fs
}

// currentRequestJSON is the JSON panel's starting text: the request that
// would send both current contacts unchanged.
func currentRequestJSON(current contacts.Current) string {
	var req []digicert.Contact
	for _, t := range contactTypes {
		cur := current.Organization
		if t.id == digicert.TechnicalContact {
			cur = current.Technical
		}
		if cur == nil {
			continue
		}
		req = append(req, digicert.Contact{
			FirstName: cur.FirstName, LastName: cur.LastName, Email: cur.Email, JobTitle: cur.JobTitle,
			Telephone: cur.Telephone, TelephoneExtension: cur.TelephoneExtension, LanguageID: cur.LanguageID,
			ContactType: t.id,
		})
	}
	body, err := digicert.EncodeContacts(req)
	if err != nil {
		return ""
	}
	return indentJSON(body)
}

// fieldMessages are the messages shown next to one field: DigiCert's carry
// their code.
func fieldMessages(errs *contacts.ValidationErrors, field string) []string {
	var out []string
	for _, e := range errs.For(field) {
		out = append(out, fieldErrorText(e, field == contacts.FieldRequestJSON))
	}
	return out
}

// fieldErrorText is one error in words; against the JSON field it names the
// path in the request.
func fieldErrorText(e contacts.FieldError, withPath bool) string {
	msg := e.Message
	if withPath && e.Path != "" {
		msg = e.Path + ": " + msg
	}
	if e.Code != "" {
		msg += " (DigiCert code " + e.Code + ")"
	}
	return msg
}

// errorLinks is the error summary: every error once, linking to its field.
func errorLinks(errs *contacts.ValidationErrors) []components.ErrorLink {
	if errs == nil {
		return nil
	}
	links := make([]components.ErrorLink, 0, len(errs.Errors))
	for _, e := range errs.Errors {
		target := e.Field
		if isActionField(e.Field) {
			target = e.Field + "-" + string(contacts.ActionKeep)
		}
		links = append(links, components.ErrorLink{FieldID: target, Message: fieldErrorText(e, e.Field == contacts.FieldRequestJSON)})
	}
	return links
}

func isActionField(field string) bool {
	for _, t := range contactTypes {
		if field == contacts.ActionFieldID(t.id) {
			return true
		}
	}
	return false
}

func joinMessages(msgs []string) string {
	out := ""
	for i, m := range msgs {
		if i > 0 {
			out += ". "
		}
		out += m
	}
	return out
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}
