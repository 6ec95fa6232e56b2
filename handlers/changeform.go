package handlers

import (
	"strings"

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
	inputMode string
}

// contactFields are the fieldset's text fields in the order of the form and
// of DigiCert's documentation.
var contactFields = []formField{
	{"first_name", "First name", "text", 128, "", ""},
	{"last_name", "Last name", "text", 128, "", ""},
	{"email", "Email", "email", 255, "", ""},
	{"job_title", "Job title", "text", 64, "", ""},
	{"telephone", "Telephone", "tel", 32, "", ""},
	{"telephone_extension", "Telephone extension", "text", 16, "short", "numeric"},
}

// contactTypes are the two fieldsets, organization first.
var contactTypes = []struct {
	id, legend string
}{
	{digicert.OrganizationContact, "Organization contact"},
	{digicert.TechnicalContact, "Technical contact"},
}

// The form's hidden fields: the fingerprint of the contacts it was
// prefilled with, and what it was loaded with.
const (
	basisField  = "basis"
	loadedField = "loaded"
)

// readInput reads the submitted change form.
func readInput(c echo.Context) contacts.Input {
	in := contacts.Input{Mode: "form", RequestJSON: c.FormValue(contacts.FieldRequestJSON), Basis: c.FormValue(basisField)}
	if c.FormValue("mode") == "json" {
		in.Mode = "json"
	}
	in.Change.Organization = readContactInput(c, digicert.OrganizationContact)
	in.Change.Technical = readContactInput(c, digicert.TechnicalContact)
	if raw := c.FormValue(loadedField); raw != "" {
		// A form that carries no readable record of what it was loaded
		// with is reviewed as one that carries none.
		if loaded, err := contacts.DecodeCurrent([]byte(raw)); err == nil {
			in.Loaded = &loaded
		}
	}
	return in
}

func readContactInput(c echo.Context, contactType string) contacts.ContactInput {
	fields := func(id func(string) string) contacts.Fields {
		v := func(name string) string { return c.FormValue(id(name)) }
		return contacts.Fields{
			FirstName:          v("first_name"),
			LastName:           v("last_name"),
			Email:              v("email"),
			JobTitle:           v("job_title"),
			Telephone:          v("telephone"),
			TelephoneExtension: v("telephone_extension"),
			LanguageID:         v("language_id"),
		}
	}
	return contacts.ContactInput{
		Action: contacts.Action(c.FormValue(contacts.ActionFieldID(contactType))),
		Fields: fields(func(name string) string { return contacts.FormFieldID(contactType, name) }),
		Replacement: fields(func(name string) string {
			return contacts.ReplacementFieldID(contactType, name)
		}),
	}
}

// fieldValue is the value of one JSON field of a set of fields.
func fieldValue(f contacts.Fields, name string) string {
	switch name {
	case "first_name":
		return f.FirstName
	case "last_name":
		return f.LastName
	case "email":
		return f.Email
	case "job_title":
		return f.JobTitle
	case "telephone":
		return f.Telephone
	case "telephone_extension":
		return f.TelephoneExtension
	case "language_id":
		return f.LanguageID
	}
	return ""
}

// startNote says where the fields of a contact DigiCert did not report
// start from: what Contact Desk last sent, nil when nothing was.
func startNote(sent *contacts.SentContact) *views.LastSentNote {
	if sent == nil {
		return nil
	}
	note := &views.LastSentNote{LinkText: "submission " + sent.SubmissionID, URL: submissionURL(sent.SubmissionID)}
	if sent.Removed {
		note.Text = "Contact Desk last removed it on " + formatTime(sent.SentAt) + ", in"
		return note
	}
	note.Text = "The fields start with the values Contact Desk last sent for it, on " + formatTime(sent.SentAt) + ", in"
	return note
}

// buildEditForm fills the form's view model with the input (prefilled or as
// typed) and the errors next to the fields they concern. The choices each
// contact offers follow what the form was loaded with (in.Loaded, or else
// current); sent is what Contact Desk last sent for a technical contact
// DigiCert did not report, nil when that does not apply.
func buildEditForm(action, csrf string, in contacts.Input, current contacts.Current, sent *contacts.SentContact, locales contacts.LocaleSet, errs *contacts.ValidationErrors) views.EditForm {
	loaded := current
	if in.Loaded != nil {
		loaded = *in.Loaded
	}
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
	if encoded, err := contacts.EncodeCurrent(loaded); err == nil {
		f.Loaded = string(encoded)
	}
	if in.RequestJSON == "" {
		f.RequestJSON.Value = currentRequestJSON(current)
	}
	for _, t := range contactTypes {
		fs := contactFieldset(t.id, t.legend, in.Change, loaded, locales, errs)
		if t.id == digicert.TechnicalContact && loaded.TechnicalOmitted {
			fs.NotReported = true
			fs.StartNote = startNote(sent)
		}
		f.Fieldsets = append(f.Fieldsets, fs)
	}
	return f
}

// contactFieldset is one contact's part of the form: the choices it
// offers, its own fields and, where it can be replaced, the replacement's.
func contactFieldset(contactType, legend string, ch contacts.Change, loaded contacts.Current, locales contacts.LocaleSet, errs *contacts.ValidationErrors) views.ContactFieldset {
	in := contactInputOf(ch, contactType)
	current := loadedContact(loaded, contactType)
	word := lowerFirst(legend)
	actions := contacts.Actions(contactType, loaded)
	action := in.Action
	if action == "" {
		action = contacts.ActionKeep
	}
	group := components.RadioGroup{
		ID:     contacts.ActionFieldID(contactType),
		Legend: "What to do with the " + word,
		Error:  errs.Message(contacts.ActionFieldID(contactType)),
	}
	offered := false
	for _, a := range actions {
		group.Radios = append(group.Radios, components.Radio{Value: string(a), Label: actionLabel(a, word), Checked: a == action})
		offered = offered || a == action
	}
	if !offered {
		// A choice the form no longer offers (the contacts changed since,
		// or it was typed): shown, so that its error makes sense.
		group.Radios = append(group.Radios, components.Radio{Value: string(action), Label: actionLabel(action, word), Checked: true})
	}
	fs := views.ContactFieldset{ID: contactType, Legend: legend, Action: group}

	if !offers(actions, contacts.ActionUpdate) && !offers(actions, contacts.ActionAdd) &&
		action != contacts.ActionUpdate && action != contacts.ActionAdd {
		// No choice sends the contact's own fields: DigiCert did not
		// report it and nothing was sent for it before.
		return withReplacement(fs, contactType, word, current, actions, action, in, locales, errs)
	}
	own := views.FieldGroup{ID: contactType + "-details"}
	switch {
	case current == nil:
		own.Legend = "The new " + word
		own.Hint = "Used when you choose " + actionLabel(contacts.ActionAdd, word) + "."
		own.Actions = []string{string(contacts.ActionAdd), string(contacts.ActionUpdate)}
	default:
		own.Legend = "For Update: " + personName(current) + "'s details"
		own.Hint = "Changing the first name, last name or email makes DigiCert replace " + personName(current) + " with a new contact that gets every field below."
		own.Actions = []string{string(contacts.ActionUpdate), string(contacts.ActionAdd)}
	}
	fillGroup(&own, in.Fields, func(name string) string { return contacts.FormFieldID(contactType, name) }, languageOf(current), locales, errs)
	fs.Groups = append(fs.Groups, own)
	return withReplacement(fs, contactType, word, current, actions, action, in, locales, errs)
}

// withReplacement adds the replacement's fields to a contact's fieldset
// when the form offers Replace with someone else.
func withReplacement(fs views.ContactFieldset, contactType, word string, current *digicert.ExistingContact, actions []contacts.Action, action contacts.Action, in contacts.ContactInput, locales contacts.LocaleSet, errs *contacts.ValidationErrors) views.ContactFieldset {
	if offers(actions, contacts.ActionReplace) || action == contacts.ActionReplace {
		repl := views.FieldGroup{
			ID:      contactType + "-replacement",
			Legend:  "For Replace with someone else: the new " + word,
			Hint:    "Only what you enter here is sent: nothing of the current " + word + " is carried over.",
			Actions: []string{string(contacts.ActionReplace)},
		}
		if current != nil {
			repl.Legend = "For Replace with someone else: who replaces " + personName(current)
		}
		fillGroup(&repl, in.Replacement, func(name string) string { return contacts.ReplacementFieldID(contactType, name) }, "", locales, errs)
		fs.Groups = append(fs.Groups, repl)
	}
	return fs
}

// fillGroup fills a group of fields with their values, ids and errors.
func fillGroup(g *views.FieldGroup, values contacts.Fields, id func(string) string, currentLanguage string, locales contacts.LocaleSet, errs *contacts.ValidationErrors) {
	for _, ff := range contactFields {
		fid := id(ff.name)
		g.Fields = append(g.Fields, components.Input{
			ID:        fid,
			Label:     ff.label,
			Type:      ff.inputType,
			Value:     fieldValue(values, ff.name),
			Error:     joinMessages(fieldMessages(errs, fid)),
			MaxLength: ff.maxLength,
			Width:     ff.width,
			InputMode: ff.inputMode,
		})
	}
	g.Language = languageSelect(id("language_id"), values.LanguageID, currentLanguage, locales, errs)
}

// languageSelect is the Language field: the known languages by name, and
// the current one when it is not known.
func languageSelect(id, chosen, currentLanguage string, locales contacts.LocaleSet, errs *contacts.ValidationErrors) components.Select {
	sel := components.Select{ID: id, Label: "Language", Error: joinMessages(fieldMessages(errs, id))}
	sel.Options = append(sel.Options, components.Option{Value: "", Label: "None (not sent)", Selected: chosen == ""})
	chosenListed := chosen == ""
	for _, l := range locales.Choices(currentLanguage) {
		selected := l.ID == chosen
		chosenListed = chosenListed || selected
		sel.Options = append(sel.Options, components.Option{Value: l.ID, Label: l.Name, Selected: selected})
	}
	if !chosenListed {
		// Keep what was typed, even an id the list does not know, so the
		// error next to it makes sense.
		sel.Options = append(sel.Options, components.Option{Value: chosen, Label: "Unknown (" + chosen + ")", Selected: true})
	}
	return sel
}

// actionLabel is how the form names a choice.
func actionLabel(a contacts.Action, word string) string {
	switch a {
	case contacts.ActionKeep:
		return "Keep as is"
	case contacts.ActionUpdate:
		return "Update"
	case contacts.ActionReplace:
		return "Replace with someone else"
	case contacts.ActionRemove:
		return "Remove"
	case contacts.ActionAdd:
		return "Add " + withArticle(word)
	}
	return "Unknown choice (" + string(a) + ")"
}

// withArticle puts "a" or "an" before a contact's name in words.
func withArticle(word string) string {
	if strings.HasPrefix(word, "organization") {
		return "an " + word
	}
	return "a " + word
}

func offers(actions []contacts.Action, a contacts.Action) bool {
	for _, x := range actions {
		if x == a {
			return true
		}
	}
	return false
}

// contactInputOf is the fieldset of a contact type.
func contactInputOf(ch contacts.Change, contactType string) contacts.ContactInput {
	if contactType == digicert.TechnicalContact {
		return ch.Technical
	}
	return ch.Organization
}

// loadedContact is the contact of a type the form was loaded with.
func loadedContact(loaded contacts.Current, contactType string) *digicert.ExistingContact {
	if contactType == digicert.TechnicalContact {
		return loaded.Technical
	}
	return loaded.Organization
}

func languageOf(c *digicert.ExistingContact) string {
	if c == nil {
		return ""
	}
	return c.LanguageID
}

// personName is a contact's name, or "the current contact" when it has
// none.
func personName(c *digicert.ExistingContact) string {
	if name := joinNonEmpty(" ", c.FirstName, c.LastName); name != "" {
		return name
	}
	return "the current contact"
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
			// The first radio of the group, Keep as is, is always there.
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
