package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestChangeContacts(t *testing.T) {
	filled := func(action Action) ContactInput {
		return ContactInput{Action: action, FirstName: " Ann ", LastName: "Lee", Email: "ann@example.com",
			JobTitle: "CTO", Telephone: "555", TelephoneExtension: "9", LanguageID: "1"}
	}
	annAs := func(contactType string) digicert.Contact {
		return digicert.Contact{FirstName: " Ann ", LastName: "Lee", Email: "ann@example.com",
			JobTitle: "CTO", Telephone: "555", TelephoneExtension: "9", LanguageID: "1", ContactType: contactType}
	}
	tests := []struct {
		name   string
		change Change
		want   []digicert.Contact
	}{
		{"both kept", Change{Organization: filled(ActionKeep), Technical: filled(ActionKeep)}, []digicert.Contact{}},
		{"organization updated", Change{Organization: filled(ActionUpdate), Technical: filled(ActionKeep)},
			[]digicert.Contact{annAs(org)}},
		{"technical updated", Change{Organization: filled(ActionKeep), Technical: filled(ActionUpdate)},
			[]digicert.Contact{annAs(tech)}},
		{"technical removed: a bare object", Change{Organization: filled(ActionKeep), Technical: filled(ActionRemove)},
			[]digicert.Contact{{ContactType: tech}}},
		{"both, organization first", Change{Organization: filled(ActionUpdate), Technical: filled(ActionRemove)},
			[]digicert.Contact{annAs(org), {ContactType: tech}}},
		{"empty fields stay empty", Change{Organization: ContactInput{Action: ActionUpdate, FirstName: "A"}},
			[]digicert.Contact{{FirstName: "A", ContactType: org}}},
		{"unknown actions left out", Change{Organization: filled("replace"), Technical: filled("")}, []digicert.Contact{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.change.Contacts(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Contacts:\n got  %#v\n want %#v", got, tt.want)
			}
		})
	}
}

func TestChangeFrom(t *testing.T) {
	got := ChangeFrom(Current{Organization: currentOrg()})
	want := Change{
		Organization: ContactInput{Action: ActionKeep, FirstName: "John", LastName: "Doe", Email: "john.doe@example.com",
			JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1"},
		Technical: ContactInput{Action: ActionKeep},
	}
	if got != want {
		t.Errorf("ChangeFrom:\n got  %#v\n want %#v", got, want)
	}
}
