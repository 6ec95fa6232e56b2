package contacts

import (
	"reflect"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

// minimalOrg is a valid organization contact with only the required fields.
func minimalOrg() digicert.Contact {
	return digicert.Contact{FirstName: "John", LastName: "Doe", Email: "john.doe@example.com", ContactType: org}
}

func withOrg(edit func(c *digicert.Contact)) []digicert.Contact {
	c := minimalOrg()
	edit(&c)
	return []digicert.Contact{c}
}

func localErr(path, message string) FieldError {
	return FieldError{Path: path, Message: message}
}

func TestValidateContactFields(t *testing.T) {
	e := strings.Repeat
	tests := []struct {
		name string
		req  []digicert.Contact
		want []FieldError
	}{
		{"minimal organization contact", withOrg(func(c *digicert.Contact) {}), nil},
		{"every field", []digicert.Contact{orgAsSent(), techAsSent()}, nil},

		{"first name at 128 characters of two bytes", withOrg(func(c *digicert.Contact) { c.FirstName = e("é", 128) }), nil},
		{"first name at 129 characters", withOrg(func(c *digicert.Contact) { c.FirstName = e("é", 129) }),
			[]FieldError{localErr("contacts[0].first_name", "Enter a first name of 128 characters or fewer")}},
		{"last name at 128 characters of four bytes", withOrg(func(c *digicert.Contact) { c.LastName = e("😀", 128) }), nil},
		{"last name at 129 characters", withOrg(func(c *digicert.Contact) { c.LastName = e("é", 129) }),
			[]FieldError{localErr("contacts[0].last_name", "Enter a last name of 128 characters or fewer")}},
		{"email at 255 characters", withOrg(func(c *digicert.Contact) { c.Email = e("é", 243) + "@example.com" }), nil},
		{"email at 256 characters", withOrg(func(c *digicert.Contact) { c.Email = e("é", 244) + "@example.com" }),
			[]FieldError{localErr("contacts[0].email", "Enter an email address of 255 characters or fewer")}},
		{"job title at 64 characters", withOrg(func(c *digicert.Contact) { c.JobTitle = e("é", 64) }), nil},
		{"job title at 65 characters", withOrg(func(c *digicert.Contact) { c.JobTitle = e("é", 65) }),
			[]FieldError{localErr("contacts[0].job_title", "Enter a job title of 64 characters or fewer")}},
		{"telephone at 32 characters", withOrg(func(c *digicert.Contact) { c.Telephone = e("1", 32) }), nil},
		{"telephone at 33 characters", withOrg(func(c *digicert.Contact) { c.Telephone = e("é", 33) }),
			[]FieldError{localErr("contacts[0].telephone", "Enter a telephone number of 32 characters or fewer")}},
		{"telephone extension at 16 characters", withOrg(func(c *digicert.Contact) { c.TelephoneExtension = e("9", 16) }), nil},
		{"telephone extension at 17 characters", withOrg(func(c *digicert.Contact) { c.TelephoneExtension = e("é", 17) }),
			[]FieldError{localErr("contacts[0].telephone_extension", "Enter a telephone extension of 16 characters or fewer")}},

		{"no first name", withOrg(func(c *digicert.Contact) { c.FirstName = "" }),
			[]FieldError{localErr("contacts[0].first_name", "Enter a first name")}},
		{"no last name", withOrg(func(c *digicert.Contact) { c.LastName = "" }),
			[]FieldError{localErr("contacts[0].last_name", "Enter a last name")}},
		{"no email", withOrg(func(c *digicert.Contact) { c.Email = "" }),
			[]FieldError{localErr("contacts[0].email", "Enter an email address")}},
		{"organization contact with a job title only", []digicert.Contact{{JobTitle: "SRE", ContactType: org}}, []FieldError{
			localErr("contacts[0].first_name", "Enter a first name"),
			localErr("contacts[0].last_name", "Enter a last name"),
			localErr("contacts[0].email", "Enter an email address"),
		}},
		{"technical contact with a job title only: neither removal nor update", []digicert.Contact{{JobTitle: "SRE", ContactType: tech}},
			[]FieldError{localErr("contacts[0]", "To remove the technical contact, send only its contact_type; to update it, enter its first_name, last_name and email")}},
		{"technical contact with fields only, the fields still checked", []digicert.Contact{{Telephone: "1\x00", LanguageID: "3", ContactType: tech}}, []FieldError{
			localErr("contacts[0]", "To remove the technical contact, send only its contact_type; to update it, enter its first_name, last_name and email"),
			localErr("contacts[0].telephone", "Remove control characters from the telephone number"),
			localErr("contacts[0].language_id", "Choose a language from the list"),
		}},
		{"technical contact with a last name only", []digicert.Contact{{LastName: "Doe", ContactType: tech}}, []FieldError{
			localErr("contacts[0].first_name", "Enter a first name"),
			localErr("contacts[0].email", "Enter an email address"),
		}},

		{"control character NUL", withOrg(func(c *digicert.Contact) { c.FirstName = "Jo\x00hn" }),
			[]FieldError{localErr("contacts[0].first_name", "Remove control characters from the first name")}},
		{"new line inside", withOrg(func(c *digicert.Contact) { c.LastName = "Do\ne" }),
			[]FieldError{localErr("contacts[0].last_name", "Remove control characters from the last name")}},
		{"tab inside", withOrg(func(c *digicert.Contact) { c.JobTitle = "S\tRE" }),
			[]FieldError{localErr("contacts[0].job_title", "Remove control characters from the job title")}},
		{"DEL", withOrg(func(c *digicert.Contact) { c.Telephone = "555\x7f" }),
			[]FieldError{localErr("contacts[0].telephone", "Remove control characters from the telephone number")}},
		{"C1 control", withOrg(func(c *digicert.Contact) { c.TelephoneExtension = "1\u00852" }),
			[]FieldError{localErr("contacts[0].telephone_extension", "Remove control characters from the telephone extension")}},
		{"line separator", withOrg(func(c *digicert.Contact) { c.JobTitle = "S\u2028RE" }),
			[]FieldError{localErr("contacts[0].job_title", "Remove control characters from the job title")}},
		{"paragraph separator", withOrg(func(c *digicert.Contact) { c.JobTitle = "S\u2029RE" }),
			[]FieldError{localErr("contacts[0].job_title", "Remove control characters from the job title")}},
		{"right-to-left override", withOrg(func(c *digicert.Contact) { c.FirstName = "Jo\u202Ehn" }),
			[]FieldError{localErr("contacts[0].first_name", "Remove control characters from the first name")}},
		{"first strong isolate", withOrg(func(c *digicert.Contact) { c.FirstName = "Jo\u2068hn" }),
			[]FieldError{localErr("contacts[0].first_name", "Remove control characters from the first name")}},
		{"control character in email", withOrg(func(c *digicert.Contact) { c.Email = "jo\x01hn@example.com" }),
			[]FieldError{localErr("contacts[0].email", "Remove control characters from the email address")}},
		{"right-to-left mark and zero-width joiner allowed", withOrg(func(c *digicert.Contact) {
			c.FirstName = "\u05d9\u05d5\u200f\u05e1\u05e3 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
		}), nil},
		{"bytes that are not UTF-8", withOrg(func(c *digicert.Contact) { c.FirstName = "Jo\xffhn" }),
			[]FieldError{localErr("contacts[0].first_name", "Remove characters that are not valid text from the first name")}},

		{"HTML and script are text", withOrg(func(c *digicert.Contact) {
			c.FirstName = `<script>alert("x")</script>`
			c.LastName = `O'Brien & <b>Sons</b>`
			c.JobTitle = `"SRE" <img src=x onerror=alert(1)>`
		}), nil},

		{"language known", withOrg(func(c *digicert.Contact) { c.LanguageID = "1" }), nil},
		{"language unknown", withOrg(func(c *digicert.Contact) { c.LanguageID = "2" }),
			[]FieldError{localErr("contacts[0].language_id", "Choose a language from the list")}},
		{"language by name", withOrg(func(c *digicert.Contact) { c.LanguageID = "English" }),
			[]FieldError{localErr("contacts[0].language_id", "Choose a language from the list")}},

		{"no contact type", []digicert.Contact{{FirstName: "A", LastName: "B", Email: "a@example.com"}},
			[]FieldError{localErr("contacts[0].contact_type", "Enter a contact_type: organization_contact or technical_contact")}},
		{"unknown contact type", []digicert.Contact{{FirstName: "A", LastName: "B", Email: "a@example.com", ContactType: "billing_contact"}},
			[]FieldError{localErr("contacts[0].contact_type", "Change contact_type to organization_contact or technical_contact")}},
		{"contact type in another case", []digicert.Contact{{FirstName: "A", LastName: "B", Email: "a@example.com", ContactType: "Organization_Contact"}},
			[]FieldError{localErr("contacts[0].contact_type", "Change contact_type to organization_contact or technical_contact")}},
		{"empty object", []digicert.Contact{{}},
			[]FieldError{localErr("contacts[0].contact_type", "Enter a contact_type: organization_contact or technical_contact")}},
		{"two organization contacts", []digicert.Contact{minimalOrg(), minimalOrg()}, []FieldError{{
			Path: "contacts[1].contact_type", Code: "contact_type_duplicate",
			Message: "A duplicate contact type was submitted. Make sure your request includes no more than one of each contact type and try again.",
		}}},
		{"two technical removals", []digicert.Contact{{ContactType: tech}, {ContactType: tech}}, []FieldError{{
			Path: "contacts[1].contact_type", Code: CodeDuplicateType, Message: DuplicateTypeMessage,
		}}},
		{"three contacts", []digicert.Contact{minimalOrg(), {ContactType: tech}, minimalOrg()}, []FieldError{{
			Path: "contacts[2].contact_type", Code: CodeDuplicateType, Message: DuplicateTypeMessage,
		}}},

		{"technical contact removed", []digicert.Contact{{ContactType: tech}}, nil},
		{"organization contact removed", []digicert.Contact{{ContactType: org}}, []FieldError{localErr("contacts[0]",
			"The organization contact cannot be removed: leave it out of the contacts array to keep it as it is, or send its first_name, last_name and email to update it")}},
		{"nothing to send", []digicert.Contact{},
			[]FieldError{localErr("contacts", "Nothing to send: add at least one contact to the contacts array")}},
		{"nil array", nil,
			[]FieldError{localErr("contacts", "Nothing to send: add at least one contact to the contacts array")}},

		{"several errors, in field order, on the right contact", []digicert.Contact{
			{ContactType: tech},
			{FirstName: e("x", 129), Email: "not an email", JobTitle: "a\x00", LanguageID: "9", ContactType: org},
		}, []FieldError{
			localErr("contacts[1].first_name", "Enter a first name of 128 characters or fewer"),
			localErr("contacts[1].last_name", "Enter a last name"),
			localErr("contacts[1].email", "Enter an email address in the correct format, like name@example.com"),
			localErr("contacts[1].job_title", "Remove control characters from the job title"),
			localErr("contacts[1].language_id", "Choose a language from the list"),
		}},
	}
	locales := defaultLocales(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, Validate(tt.req, Current{}, locales), tt.want)
		})
	}
}

func TestValidateEmail(t *testing.T) {
	tests := []struct {
		email string
		valid bool
	}{
		{"john.doe@example.com", true},
		{"a+tag@sub.example.co.uk", true},
		{"o'brien@example.com", true},
		{"josé@exämple.fr", true},
		{"x@xn--bcher-kva.example", true},
		{"john.example.com", false},
		{"john doe@example.com", false},
		{"john@exa mple.com", false},
		{"Bob <bob@example.com>", false},
		{"<bob@example.com>", false},
		{`"Bob" bob@example.com`, false},
		{`"john doe"@example.com`, false},
		{`"john"@example.com`, false},
		{"john(comment)@example.com", false},
		{"john@@example.com", false},
		{"john@doe@example.com", false},
		{"john@example", false},
		{"@example.com", false},
		{"john@", false},
		{"john@.example.com", false},
		{"john@example.com.", false},
		{"john@example..com", false},
		{"john@-example.com", false},
		{"john@example-.com", false},
		{"john@exa_mple.com", false},
		{"john@[192.0.2.1]", false},
		{"john@192.0.2.1", false},
		{".john@example.com", false},
		{"jo..hn@example.com", false},
		{"john,jane@example.com", false},
		{"john@example.com, jane@example.com", false},
	}
	locales := defaultLocales(t)
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			var want []FieldError
			if !tt.valid {
				want = []FieldError{localErr("contacts[0].email", "Enter an email address in the correct format, like name@example.com")}
			}
			assertErrors(t, Validate(withOrg(func(c *digicert.Contact) { c.Email = tt.email }), Current{}, locales), want)
		})
	}
}

func TestValidateAcceptsCurrentLanguage(t *testing.T) {
	locales := defaultLocales(t)
	cur := bothCurrent()
	cur.Organization.LanguageID = "7"
	unknown := []FieldError{localErr("contacts[0].language_id", "Choose a language from the list")}
	tests := []struct {
		name    string
		current Current
		contact digicert.Contact
		want    []FieldError
	}{
		{"the organization contact keeps its current id", cur, withLanguage(minimalOrg(), "7"), nil},
		{"the technical contact cannot take the other contact's id", cur, withLanguage(techAsSent(), "7"), unknown},
		{"no current contact", Current{}, withLanguage(minimalOrg(), "7"), unknown},
		{"a known id is accepted besides the current one", cur, withLanguage(minimalOrg(), "1"), nil},
		{"another unknown id", cur, withLanguage(minimalOrg(), "8"), unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, Validate([]digicert.Contact{tt.contact}, tt.current, locales), tt.want)
		})
	}
}

func withLanguage(c digicert.Contact, id string) digicert.Contact {
	c.LanguageID = id
	return c
}

func TestNormalize(t *testing.T) {
	in := []digicert.Contact{{
		FirstName:          "  John\t",
		LastName:           "\u00a0Doe\u00a0",
		Email:              "\n john.doe@example.com \r\n",
		JobTitle:           " Senior  SRE ",
		Telephone:          "\u2003123\u3000",
		TelephoneExtension: " 12 ",
		LanguageID:         " 1 ",
		ContactType:        " organization_contact ",
	}}
	want := []digicert.Contact{{
		FirstName: "John", LastName: "Doe", Email: "john.doe@example.com", JobTitle: "Senior  SRE",
		Telephone: "123", TelephoneExtension: "12", LanguageID: "1", ContactType: org,
	}}
	got := Normalize(in)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Normalize:\n got  %#v\n want %#v", got, want)
	}
	if in[0].FirstName != "  John\t" {
		t.Errorf("Normalize changed its input: first name %q", in[0].FirstName)
	}
	if errs := Validate(got, Current{}, defaultLocales(t)); errs != nil {
		t.Errorf("Validate of trimmed contacts: got %v, want none", errs)
	}
}

func TestValidateChange(t *testing.T) {
	locales := defaultLocales(t)
	current := bothCurrent()
	// A kept fieldset arrives prefilled with the current values, as the
	// form shows it.
	keepOrg, keepTech := InputFrom(current.Organization), InputFrom(current.Technical)
	update := func(c *digicert.ExistingContact, edit func(in *ContactInput)) ContactInput {
		in := InputFrom(c)
		in.Action = ActionUpdate
		edit(&in)
		return in
	}
	tests := []struct {
		name     string
		change   Change
		wantReq  []digicert.Contact
		wantErrs []FieldError
	}{
		{"both kept", Change{Organization: keepOrg, Technical: keepTech}, nil,
			[]FieldError{{Path: "contacts", Message: "Nothing to send. Choose what to do with at least one contact: Update, Replace with someone else, Remove or Add"}}},
		{"organization removed", Change{Organization: ContactInput{Action: ActionRemove}, Technical: keepTech}, nil,
			[]FieldError{{Field: "organization_contact.action", Message: "The organization contact cannot be removed. Choose Keep as is, Update or Replace with someone else"}}},
		{"no choice made", Change{}, nil, []FieldError{
			{Field: "organization_contact.action", Message: "Choose Keep as is, Update or Replace with someone else for the organization contact"},
			{Field: "technical_contact.action", Message: "Choose Keep as is, Update, Replace with someone else or Remove for the technical contact"},
		}},
		{"unknown choice", Change{Organization: keepOrg, Technical: ContactInput{Action: "delete"}}, nil, []FieldError{
			{Field: "technical_contact.action", Message: "Choose Keep as is, Update, Replace with someone else or Remove for the technical contact"},
		}},
		{"technical contact updated with every field empty", Change{Organization: keepOrg, Technical: ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: " "}}}, nil, []FieldError{
			{Path: "contacts[0].first_name", Field: "technical_contact.first_name", Message: "Enter a first name"},
			{Path: "contacts[0].last_name", Field: "technical_contact.last_name", Message: "Enter a last name"},
			{Path: "contacts[0].email", Field: "technical_contact.email", Message: "Enter an email address"},
		}},
		{"errors go to the contact they concern", Change{
			Organization: update(current.Organization, func(in *ContactInput) { in.Email = "Bob <bob@example.com>" }),
			Technical:    update(current.Technical, func(in *ContactInput) { in.TelephoneExtension = strings.Repeat("1", 17) }),
		}, nil, []FieldError{
			{Path: "contacts[0].email", Field: "organization_contact.email", Message: "Enter an email address in the correct format, like name@example.com"},
			{Path: "contacts[1].telephone_extension", Field: "technical_contact.telephone_extension", Message: "Enter a telephone extension of 16 characters or fewer"},
		}},
		{"an action error and a field error together", Change{
			Organization: ContactInput{Action: ActionRemove},
			Technical:    update(current.Technical, func(in *ContactInput) { in.LanguageID = "5" }),
		}, nil, []FieldError{
			{Field: "organization_contact.action", Message: "The organization contact cannot be removed. Choose Keep as is, Update or Replace with someone else"},
			{Path: "contacts[0].language_id", Field: "technical_contact.language_id", Message: "Choose a language from the list"},
		}},
		{"technical contact removed, its fields ignored", Change{Organization: keepOrg, Technical: ContactInput{Action: ActionRemove, Fields: Fields{FirstName: "Jane"}}},
			[]digicert.Contact{{ContactType: tech}}, nil},
		{"both updated and trimmed", Change{
			Organization: update(current.Organization, func(in *ContactInput) { in.JobTitle = "  Lead SRE " }),
			Technical:    update(current.Technical, func(in *ContactInput) { in.Email = " jane@example.com\n" }),
		}, []digicert.Contact{
			withJobTitle(orgAsSent(), "Lead SRE"),
			withEmail(techAsSent(), "jane@example.com"),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, errs := ValidateChange(tt.change, current, locales)
			assertErrors(t, errs, tt.wantErrs)
			if !reflect.DeepEqual(req, tt.wantReq) {
				t.Errorf("contacts:\n got  %#v\n want %#v", req, tt.wantReq)
			}
			if errs == nil && !reflect.DeepEqual(req, Normalize(tt.change.Contacts())) {
				t.Errorf("ValidateChange gave %#v, Normalize(Contacts()) gives %#v", req, Normalize(tt.change.Contacts()))
			}
		})
	}
}

func withJobTitle(c digicert.Contact, v string) digicert.Contact {
	c.JobTitle = v
	return c
}

func withEmail(c digicert.Contact, v string) digicert.Contact {
	c.Email = v
	return c
}

func TestValidateRequestJSON(t *testing.T) {
	locales := defaultLocales(t)
	tests := []struct {
		name     string
		raw      string
		wantReq  []digicert.Contact
		wantErrs []FieldError
	}{
		{"valid and trimmed", `{"contacts":[{"contact_type":"technical_contact","first_name":" Jane ","last_name":"Doe","email":"jane@example.com"}]}`,
			[]digicert.Contact{{FirstName: "Jane", LastName: "Doe", Email: "jane@example.com", ContactType: tech}}, nil},
		{"parse error", `{"contacts":[{"phone":"1"}]}`, nil, []FieldError{
			{Path: "contacts[0].phone", Field: "request_json", Message: msgUnknownField},
		}},
		{"rule errors", `{"contacts":[{"contact_type":"billing"},{"contact_type":"organization_contact"}]}`, nil, []FieldError{
			{Path: "contacts[0].contact_type", Field: "request_json", Message: "Change contact_type to organization_contact or technical_contact"},
			{Path: "contacts[1]", Field: "request_json", Message: msgRemoveOrgJSON},
		}},
		{"empty array", `{"contacts": []}`, nil, []FieldError{
			{Path: "contacts", Field: "request_json", Message: "Nothing to send: add at least one contact to the contacts array"},
		}},
		{"duplicate type", `{"contacts":[{"contact_type":"technical_contact"},{"contact_type":"technical_contact"}]}`, nil, []FieldError{
			{Path: "contacts[1].contact_type", Field: "request_json", Code: "contact_type_duplicate", Message: DuplicateTypeMessage},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, errs := ValidateRequestJSON([]byte(tt.raw), bothCurrent(), locales)
			assertErrors(t, errs, tt.wantErrs)
			if !reflect.DeepEqual(req, tt.wantReq) {
				t.Errorf("contacts:\n got  %#v\n want %#v", req, tt.wantReq)
			}
		})
	}
}

func TestValidateTelephone(t *testing.T) {
	const (
		msgTel = "Enter a telephone number using digits, spaces and + - ( ) . only, like +1 415 555 0100"
		msgExt = "Enter a telephone extension using digits only, like 204"
	)
	locales := defaultLocales(t)
	tests := []struct {
		name, telephone, extension string
		// now is the organization contact's telephone at DigiCert.
		now  string
		want []FieldError
	}{
		{name: "digits, spaces and signs", telephone: "+1 (415) 555-0100", extension: "204"},
		{name: "dots", telephone: "+44.118.496.0124"},
		{name: "letters", telephone: "+1 415 CALL NOW", want: []FieldError{localErr("contacts[0].telephone", msgTel)}},
		{name: "an extension written into the number", telephone: "555 0100 ext 12", want: []FieldError{localErr("contacts[0].telephone", msgTel)}},
		{name: "signs without a digit", telephone: "+ ( ) -", want: []FieldError{localErr("contacts[0].telephone", msgTel)}},
		{name: "a slash", telephone: "555/0100", want: []FieldError{localErr("contacts[0].telephone", msgTel)}},
		{name: "full-width digits", telephone: "５５５ ０１００", want: []FieldError{localErr("contacts[0].telephone", msgTel)}},
		{name: "extension with letters", telephone: "555 0100", extension: "x12", want: []FieldError{localErr("contacts[0].telephone_extension", msgExt)}},
		{name: "extension with a space", extension: "1 2", want: []FieldError{localErr("contacts[0].telephone_extension", msgExt)}},
		{name: "a number DigiCert holds already is kept as it is", telephone: "+1 415 CALL NOW", now: "+1 415 CALL NOW"},
		{name: "but changing it follows the rule", telephone: "+1 415 CALL LATER", now: "+1 415 CALL NOW",
			want: []FieldError{localErr("contacts[0].telephone", msgTel)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := minimalOrg()
			c.Telephone, c.TelephoneExtension = tt.telephone, tt.extension
			current := Current{Organization: currentOrg()}
			current.Organization.Telephone = tt.now
			assertErrors(t, Validate([]digicert.Contact{c}, current, locales), tt.want)
		})
	}
}
