package contacts

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/internal/plaintext"
)

// DuplicateTypeMessage is DigiCert's message for two contacts of one type,
// given word for word so the local check and DigiCert's answer read alike.
const DuplicateTypeMessage = "A duplicate contact type was submitted. Make sure your request includes no more than one of each contact type and try again."

// CodeDuplicateType is DigiCert's error code for two contacts of one type.
const CodeDuplicateType = "contact_type_duplicate"

// The messages of the rules that concern the whole request or the form's
// choices.
const (
	msgNothingToSendJSON = "Nothing to send: add at least one contact to the contacts array"
	msgNothingToSendForm = "Nothing to send. Choose what to do with at least one contact: Update, Replace with someone else, Remove or Add"
	msgRemoveOrgForm     = "The organization contact cannot be removed. Choose Keep as is, Update or Replace with someone else"
	msgRemoveOrgJSON     = "The organization contact cannot be removed: leave it out of the contacts array to keep it as it is, or send its first_name, last_name and email to update it"
	msgEditedButKept     = "You changed the %s but chose Keep as is. Choose Update to send your changes, or undo them to keep the %s as it is"
	msgReplacementKept   = "You entered someone to replace the %s but chose Keep as is. Choose Replace with someone else to send them, or clear their fields"
	msgActionOrg         = "Choose Keep as is, Update or Replace with someone else for the organization contact"
	msgActionTechnical   = "Choose Keep as is, Update, Replace with someone else or Remove for the technical contact"
	msgTelephone         = "Enter a telephone number using digits, spaces and + - ( ) . only, like +1 415 555 0100"
	msgExtension         = "Enter a telephone extension using digits only, like 204"
	msgContactTypeEmpty  = "Enter a contact_type: organization_contact or technical_contact"
	msgContactTypeBad    = "Change contact_type to organization_contact or technical_contact"
	msgLanguage          = "Choose a language from the list"
	msgEmailFormat       = "Enter an email address in the correct format, like name@example.com"
	msgRemovalOrUpdate   = "To remove the technical contact, send only its contact_type; to update it, enter its first_name, last_name and email"
)

// Normalize returns a copy of req with leading and trailing white space
// (Unicode White_Space) trimmed from every field. Validation and the request
// body both use the trimmed values.
func Normalize(req []digicert.Contact) []digicert.Contact {
	trimmed := make([]digicert.Contact, len(req))
	for i, c := range req {
		trimmed[i] = normalizeContact(c)
	}
	return trimmed
}

func normalizeContact(c digicert.Contact) digicert.Contact {
	return digicert.Contact{
		FirstName:          strings.TrimSpace(c.FirstName),
		LastName:           strings.TrimSpace(c.LastName),
		Email:              strings.TrimSpace(c.Email),
		JobTitle:           strings.TrimSpace(c.JobTitle),
		Telephone:          strings.TrimSpace(c.Telephone),
		TelephoneExtension: strings.TrimSpace(c.TelephoneExtension),
		LanguageID:         strings.TrimSpace(c.LanguageID),
		ContactType:        strings.TrimSpace(c.ContactType),
	}
}

// Validate checks a contacts array as given (Normalize it first) against the
// documented rules, and returns nil when it may be sent. A contact holding
// only its contact_type is a removal, as DigiCert reads it; a technical
// contact with other fields but no first name, last name or email is
// neither a removal nor an update, and is reported as such. Errors carry
// their Path; FormField turns a path into a form field id.
//
// The rules: at least one contact; one of each type; contact_type one of
// the two; the organization contact is never removed; first name, last name
// and email required on every contact that is not a removal; DigiCert's
// character limits, counted in characters, not bytes; an email address of
// the plain name@domain form; a language id from locales, or the one the
// contact has now; no control characters (see plaintext.ForbiddenRune).
func Validate(req []digicert.Contact, current Current, locales LocaleSet) *ValidationErrors {
	entries := make([]entry, len(req))
	for i, c := range req {
		entries[i] = entry{contact: c, removal: c.IsRemoval(), byShape: true}
	}
	errs := &ValidationErrors{}
	if len(entries) == 0 {
		errs.add("contacts", msgNothingToSendJSON)
	}
	validateEntries(errs, entries, current, locales)
	return errs.orNil()
}

// ValidateChange checks the form and returns the normalized contacts array
// to send, or the errors with Field set to the form field each concerns.
// An Update whose fields are all empty is reported as missing its names,
// never read as a removal. The form is taken to have been prefilled from
// current; validateForm takes the contacts it was prefilled with.
func ValidateChange(ch Change, current Current, locales LocaleSet) ([]digicert.Contact, *ValidationErrors) {
	return validateForm(ch, current, current, locales)
}

// validateForm is ValidateChange for a form prefilled from loaded, which
// may differ from current: a contact left on Keep as is is unchanged by
// the user as long as its fields hold the values they were loaded with,
// whatever DigiCert holds now.
func validateForm(ch Change, current, loaded Current, locales LocaleSet) ([]digicert.Contact, *ValidationErrors) {
	entries, errs := formEntries(ch, loaded)
	req := make([]digicert.Contact, len(entries))
	for i, e := range entries {
		req[i] = e.contact
	}
	fieldErrs := &ValidationErrors{}
	validateEntries(fieldErrs, entries, current, locales)
	for _, e := range fieldErrs.Errors {
		e.Field = ch.FormField(e.Path, req)
		errs.Errors = append(errs.Errors, e)
	}
	if !errs.Empty() {
		return nil, errs
	}
	return req, nil
}

// FormField is the package's FormField for a request made from this form:
// a field of a contact the form replaces is one of the replacement's
// fields ("technical_contact.replacement.email").
func (c Change) FormField(path string, req []digicert.Contact) string {
	field := FormField(path, req)
	for _, in := range c.inputs() {
		if in.input.Action != ActionReplace {
			continue
		}
		if name, ok := strings.CutPrefix(field, in.contactType+"."); ok && name != "action" {
			return ReplacementFieldID(in.contactType, name)
		}
	}
	return field
}

// formEntries reads the form's choices into the contacts to check, in the
// order of Change.Contacts, with the errors of choices that cannot be
// carried out.
//
// A fieldset left on Keep as is whose values differ from those it was
// loaded with is refused, and so is one whose replacement's fields were
// filled in: sending nothing for it would silently drop what the user
// typed.
func formEntries(ch Change, loaded Current) ([]entry, *ValidationErrors) {
	errs := &ValidationErrors{}
	var entries []entry
	for _, in := range ch.inputs() {
		word := contactWord(in.contactType)
		actionErr := FieldError{Field: ActionFieldID(in.contactType)}
		switch in.input.Action {
		case ActionKeep:
			switch {
			case in.input.Fields.trimmed() != FieldsFrom(loaded.of(in.contactType)).trimmed():
				actionErr.Message = fmt.Sprintf(msgEditedButKept, word, word)
				errs.Errors = append(errs.Errors, actionErr)
			case !in.input.Replacement.isEmpty():
				actionErr.Message = fmt.Sprintf(msgReplacementKept, word)
				errs.Errors = append(errs.Errors, actionErr)
			}
		case ActionUpdate, ActionAdd, ActionReplace:
			contact, _ := in.input.request(in.contactType)
			entries = append(entries, entry{contact: normalizeContact(contact)})
		case ActionRemove:
			if in.contactType == digicert.OrganizationContact {
				actionErr.Message = msgRemoveOrgForm
				errs.Errors = append(errs.Errors, actionErr)
				continue
			}
			entries = append(entries, entry{contact: digicert.Contact{ContactType: in.contactType}, removal: true})
		default:
			actionErr.Message = actionMessage(in.contactType)
			errs.Errors = append(errs.Errors, actionErr)
		}
	}
	if errs.Empty() && len(entries) == 0 {
		errs.add("contacts", msgNothingToSendForm)
	}
	return entries, errs
}

// ValidateRequestJSON parses and checks the JSON panel's text and returns
// the normalized contacts array to send, or the errors, each shown against
// the request JSON field.
func ValidateRequestJSON(raw []byte, current Current, locales LocaleSet) ([]digicert.Contact, *ValidationErrors) {
	parsed, errs := ParseRequestJSON(raw)
	if errs != nil {
		return nil, errs.WithField(FieldRequestJSON)
	}
	req := Normalize(parsed)
	if errs := Validate(req, current, locales); errs != nil {
		return nil, errs.WithField(FieldRequestJSON)
	}
	return req, nil
}

func actionMessage(contactType string) string {
	if contactType == digicert.OrganizationContact {
		return msgActionOrg
	}
	return msgActionTechnical
}

// entry is one contact of the request with what the user meant by it: the
// form says whether a contact is removed, the JSON array says it by shape.
type entry struct {
	contact digicert.Contact
	removal bool
	// byShape is set when removal was read from the contact's shape rather
	// than chosen on the form.
	byShape bool
}

func validateEntries(errs *ValidationErrors, entries []entry, current Current, locales LocaleSet) {
	seen := make(map[string]bool, 2)
	for i, e := range entries {
		contactType := e.contact.ContactType
		checkContactType(errs, i, contactType, seen)
		seen[contactType] = true
		if e.removal {
			if contactType == digicert.OrganizationContact {
				errs.add(contactPath(i), msgRemoveOrgJSON)
			}
			continue
		}
		fields := valueFields()
		if e.byShape && contactType == digicert.TechnicalContact && lacksIdentity(e.contact) {
			// Written as a removal with fields added, or as an update
			// without its names: say both ways out, once.
			errs.add(contactPath(i), msgRemovalOrUpdate)
			fields = optionalFields()
		}
		now := currentValuesOf(current, contactType)
		for _, f := range fields {
			if msg := checkField(f, contactValue(e.contact, f.json), contactValue(now, f.json), locales); msg != "" {
				errs.add(fieldPath(i, f.json), msg)
			}
		}
	}
}

// lacksIdentity reports whether c has none of the fields DigiCert
// identifies a contact by.
func lacksIdentity(c digicert.Contact) bool {
	return c.FirstName == "" && c.LastName == "" && c.Email == ""
}

// optionalFields returns the value fields a contact may leave out.
func optionalFields() []fieldSpec {
	var optional []fieldSpec
	for _, f := range valueFields() {
		if f.isOptional() {
			optional = append(optional, f)
		}
	}
	return optional
}

// checkContactType reports an empty or unknown contact_type, and a type
// already seen, with DigiCert's own code and message.
func checkContactType(errs *ValidationErrors, i int, contactType string, seen map[string]bool) {
	path := fieldPath(i, jsonContactType)
	switch {
	case contactType == "":
		errs.add(path, msgContactTypeEmpty)
	case !isContactType(contactType):
		errs.add(path, msgContactTypeBad)
	case seen[contactType]:
		errs.Errors = append(errs.Errors, FieldError{Path: path, Code: CodeDuplicateType, Message: DuplicateTypeMessage})
	}
}

// currentValuesOf is the current contact of a type as a trimmed request
// contact; empty when there is none.
func currentValuesOf(current Current, contactType string) digicert.Contact {
	if c := current.of(contactType); c != nil {
		return currentValues(c, contactType)
	}
	return digicert.Contact{ContactType: contactType}
}

// checkField returns the one message a field's value earns, or "". The
// checks go from the most basic to the most specific, so the message names
// the first thing to fix. now is the field's value at DigiCert: a language
// id or a telephone number it holds already is accepted as it is, so that
// keeping a value never fails on a rule of ours.
func checkField(f fieldSpec, value, now string, locales LocaleSet) string {
	switch {
	case value == "" && f.isOptional():
		return ""
	case value == "":
		return "Enter " + f.noun
	case f.json == jsonLanguageID:
		if !locales.accepts(value, now) {
			return msgLanguage
		}
		return ""
	case !utf8.ValidString(value):
		return "Remove characters that are not valid text from " + f.the()
	case strings.ContainsFunc(value, plaintext.ForbiddenRune):
		return "Remove control characters from " + f.the()
	case f.limit > 0 && utf8.RuneCountInString(value) > f.limit:
		return fmt.Sprintf("Enter %s of %d characters or fewer", f.noun, f.limit)
	case f.json == jsonEmail && !validEmail(value):
		return msgEmailFormat
	case value == now:
	case f.json == jsonTelephone && !validTelephone(value):
		return msgTelephone
	case f.json == jsonTelephoneExtension && !isDigits(value):
		return msgExtension
	}
	return ""
}

// validTelephone accepts what Contact Desk allows in a telephone number:
// digits, spaces and + - ( ) . only, with at least one digit. DigiCert
// documents no format; refusing letters and other signs is our policy.
func validTelephone(s string) bool {
	digit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(" +-().", r):
		default:
			return false
		}
	}
	return digit
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// validEmail accepts the plain addr-spec form, name@example.com, and
// nothing else: net/mail parses it, and the parsed address must be the
// input itself, which refuses display names ("Bob <b@example.com>"),
// comments and quoted local parts. On top of that there must be exactly one
// @, no white space, and a domain of at least two dot-separated labels made
// of letters, digits and inner hyphens, whose last label is not all digits
// (so no bare IP addresses). Letters outside ASCII are allowed, as
// internationalized addresses use them.
func validEmail(s string) bool {
	if strings.Count(s, "@") != 1 || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return false
	}
	at := strings.IndexByte(s, '@')
	return at > 0 && validDomain(s[at+1:])
}

func validDomain(domain string) bool {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, label := range labels {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		if strings.ContainsFunc(label, func(r rune) bool {
			return r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
		}) {
			return false
		}
	}
	last := labels[len(labels)-1]
	return strings.ContainsFunc(last, func(r rune) bool { return !unicode.IsDigit(r) })
}
