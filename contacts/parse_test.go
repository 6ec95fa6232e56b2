package contacts

import (
	"reflect"
	"strings"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

// docExample is DigiCert's documented request, with both contacts.
const docExample = `{
"contacts": [
{
"first_name": "John",
"last_name": "Doe",
"email": "john.doe@example.com",
"job_title": "SRE",
"telephone": "1234567890",
"telephone_extension": "1234",
"language_id": "1",
"contact_type": "organization_contact"
},
{
"first_name": "Jane",
"last_name": "Doe",
"email": "jane.doe@example.com",
"job_title": "SRE",
"telephone": "1234567890",
"telephone_extension": "1234",
"language_id": "1",
"contact_type": "technical_contact"
}
]
}`

func TestParseRequestJSONAccepts(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []digicert.Contact
	}{
		{"DigiCert's example", docExample, []digicert.Contact{
			{FirstName: "John", LastName: "Doe", Email: "john.doe@example.com", JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1", ContactType: org},
			{FirstName: "Jane", LastName: "Doe", Email: "jane.doe@example.com", JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1", ContactType: tech},
		}},
		{"DigiCert's removal example", `{"contacts": [{"contact_type": "technical_contact"}]}`,
			[]digicert.Contact{{ContactType: tech}}},
		{"empty array", `{"contacts": []}`, []digicert.Contact{}},
		{"white space kept for Normalize", " \n{\"contacts\":[{\"first_name\":\" Jo \",\"contact_type\":\"technical_contact\"}]}\n\t ",
			[]digicert.Contact{{FirstName: " Jo ", ContactType: tech}}},
		{"escapes decoded", `{"contacts":[{"job_title":"R\u0026D \"ops\" <b>","contact_type":"technical_contact"}]}`,
			[]digicert.Contact{{JobTitle: `R&D "ops" <b>`, ContactType: tech}}},
		{"unknown contact type left to Validate", `{"contacts":[{"contact_type":"billing_contact"}]}`,
			[]digicert.Contact{{ContactType: "billing_contact"}}},
		{"empty values of an organization contact left to Validate", `{"contacts":[{"first_name":"","contact_type":"organization_contact"}]}`,
			[]digicert.Contact{{ContactType: org}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseRequestJSON([]byte(tt.raw))
			if errs != nil {
				t.Fatalf("errors: got %v, want none", errs)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("contacts:\n got  %#v\n want %#v", got, tt.want)
			}
		})
	}
}

func TestParseRequestJSONRefuses(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []FieldError
	}{
		{"empty", "", []FieldError{localErr("", msgJSONEmpty)}},
		{"white space only", " \n\t", []FieldError{localErr("", msgJSONEmpty)}},
		{"truncated", `{"contacts": [`, []FieldError{localErr("", msgJSONEndsEarly)}},
		{"trailing garbage", `{"contacts":[]} x`,
			[]FieldError{localErr("", "Remove the text after the end of the JSON value, at line 1, column 17 (byte 16)")}},
		{"two objects", "{\"contacts\":[]}\n{}",
			[]FieldError{localErr("", "Remove the text after the end of the JSON value, at line 2, column 1 (byte 16)")}},
		{"not UTF-8", "{\"contacts\":[{\"first_name\":\"J\xffo\"}]}",
			[]FieldError{localErr("", "Remove the bytes that are not UTF-8 text, at line 1, column 30 (byte 29)")}},

		{"a string", `"contacts"`, []FieldError{localErr("", msgJSONNotObject)}},
		{"a number", `42`, []FieldError{localErr("", msgJSONNotObject)}},
		{"null", `null`, []FieldError{localErr("", msgJSONNotObject)}},
		{"a bare array", `[{"contact_type":"technical_contact"}]`, []FieldError{localErr("", msgJSONBareArray)}},

		{"no contacts key", `{}`, []FieldError{localErr("contacts", msgContactsMissing)}},
		{"contacts in another case", `{"Contacts":[]}`, []FieldError{
			localErr("Contacts", msgUnknownTopKey),
			localErr("contacts", msgContactsMissing),
		}},
		{"unknown top-level key", `{"contacts":[{"contact_type":"technical_contact"}],"organization_id":1}`,
			[]FieldError{localErr("organization_id", msgUnknownTopKey)}},
		{"unknown top-level key that is not a plain name", `{"contacts":[],"a.b c":{"x":[1,2]}}`,
			[]FieldError{localErr(`["a.b c"]`, msgUnknownTopKey)}},
		{"contacts twice", `{"contacts":[],"contacts":[{"contact_type":"technical_contact"}]}`,
			[]FieldError{localErr("contacts", msgRepeatedKey)}},
		{"contacts an object", `{"contacts":{"contact_type":"technical_contact"}}`, []FieldError{localErr("contacts", msgContactsArray)}},
		{"contacts null", `{"contacts":null}`, []FieldError{localErr("contacts", msgContactsArray)}},
		{"contacts a string", `{"contacts":"technical_contact"}`, []FieldError{localErr("contacts", msgContactsArray)}},

		{"contact a string", `{"contacts":["technical_contact"]}`, []FieldError{localErr("contacts[0]", msgContactObject)}},
		{"contact an array", `{"contacts":[{"contact_type":"technical_contact"},[{"a":1}]]}`, []FieldError{localErr("contacts[1]", msgContactObject)}},
		{"unknown key in a contact", `{"contacts":[{"contact_type":"technical_contact"},{"phone":"1","contact_type":"organization_contact"}]}`,
			[]FieldError{localErr("contacts[1].phone", msgUnknownField)}},
		{"key in another case", `{"contacts":[{"First_Name":"J","contact_type":"technical_contact"}]}`,
			[]FieldError{localErr("contacts[0].First_Name", msgUnknownField)}},
		{"key repeated in a contact", `{"contacts":[{"first_name":"A","first_name":"B","contact_type":"technical_contact"}]}`,
			[]FieldError{localErr("contacts[0].first_name", msgRepeatedKey)}},
		{"number where a string belongs", `{"contacts":[{"language_id":1,"contact_type":"technical_contact"}]}`,
			[]FieldError{localErr("contacts[0].language_id", "Put the value in quotes: it must be text, not a number")}},
		{"true where a string belongs", `{"contacts":[{"telephone":true}]}`,
			[]FieldError{localErr("contacts[0].telephone", "Put the value in quotes: it must be text, not true")}},
		{"null where a string belongs", `{"contacts":[{"job_title":null}]}`,
			[]FieldError{localErr("contacts[0].job_title", "Put the value in quotes: it must be text, not null (leave the key out to send no value)")}},
		{"object where a string belongs", `{"contacts":[{"first_name":{"given":"J"}}]}`,
			[]FieldError{localErr("contacts[0].first_name", "Put the value in quotes: it must be text, not an object")}},
		{"array where a string belongs", `{"contacts":[{"contact_type":["technical_contact"]}]}`,
			[]FieldError{localErr("contacts[0].contact_type", "Put the value in quotes: it must be text, not an array")}},
		{"technical contact with blank values only", `{"contacts":[{"contact_type":"technical_contact","first_name":"  ","job_title":""}]}`,
			[]FieldError{localErr("contacts[0]", msgRemovalOrUpdate)}},
		{"every error reported, in order", `{"x":1,"contacts":[{"first_name":1,"y":"2"},"z"],"contacts":[]}`, []FieldError{
			localErr("x", msgUnknownTopKey),
			localErr("contacts[0].first_name", "Put the value in quotes: it must be text, not a number"),
			localErr("contacts[0].y", msgUnknownField),
			localErr("contacts[1]", msgContactObject),
			localErr("contacts", msgRepeatedKey),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := ParseRequestJSON([]byte(tt.raw))
			assertErrors(t, errs, tt.want)
			if got != nil {
				t.Errorf("contacts: got %#v, want nil", got)
			}
		})
	}
}

func TestParseRequestJSONSyntaxErrors(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		where string
	}{
		{"not JSON", "hello", "at line 1, column 1 (byte 0)"},
		{"trailing comma", "{\n  \"contacts\": [\n    {\"first_name\": \"Jo\",}\n  ]\n}", "at line 3, column 25 (byte 42)"},
		{"columns count characters", "{\"contacts\": [{\"first_name\": \"é😀\" \"x\"}]}", "at line 1, column 35 (byte 38)"},
		{"single quotes", `{'contacts': []}`, "at line 1, column 2 (byte 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParseRequestJSON([]byte(tt.raw))
			got := errorsOf(errs)
			if len(got) != 1 || got[0].Path != "" || !strings.HasPrefix(got[0].Message, "Fix the JSON "+tt.where+": ") {
				t.Errorf("errors: got %#v, want one error on the whole request starting %q", got, "Fix the JSON "+tt.where+": ")
			}
		})
	}
}

func TestParseRequestJSONSizeLimit(t *testing.T) {
	body := `{"contacts":[{"contact_type":"technical_contact"}]}`
	atLimit := body + strings.Repeat(" ", MaxRequestJSONBytes-len(body))
	if _, errs := ParseRequestJSON([]byte(atLimit)); errs != nil {
		t.Errorf("%d bytes: got %v, want no error", len(atLimit), errs)
	}
	over := atLimit + " "
	_, errs := ParseRequestJSON([]byte(over))
	assertErrors(t, errs, []FieldError{localErr("", "The request JSON must be 64 KiB or smaller")})
}

func BenchmarkValidateRequestJSON(b *testing.B) {
	locales, err := DefaultLocales()
	if err != nil {
		b.Fatal(err)
	}
	raw := []byte(docExample)
	current := bothCurrent()
	for b.Loop() {
		if _, errs := ValidateRequestJSON(raw, current, locales); errs != nil {
			b.Fatal(errs)
		}
	}
}
