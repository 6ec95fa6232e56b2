package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestChangeContacts(t *testing.T) {
	filled := func(action Action) ContactInput {
		return ContactInput{Action: action, Fields: Fields{FirstName: " Ann ", LastName: "Lee", Email: "ann@example.com",
			JobTitle: "CTO", Telephone: "555", TelephoneExtension: "9", LanguageID: "1"}}
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
		{"empty fields stay empty", Change{Organization: ContactInput{Action: ActionUpdate, Fields: Fields{FirstName: "A"}}},
			[]digicert.Contact{{FirstName: "A", ContactType: org}}},
		{"unknown actions left out", Change{Organization: filled("delete"), Technical: filled("")}, []digicert.Contact{}},
		{"replaced: the replacement's fields only, nothing of the current contact",
			Change{Organization: filled(ActionKeep), Technical: func() ContactInput {
				in := filled(ActionReplace)
				in.Replacement = Fields{FirstName: "Priya", LastName: "Raman", Email: "priya@example.com"}
				return in
			}()},
			[]digicert.Contact{{FirstName: "Priya", LastName: "Raman", Email: "priya@example.com", ContactType: tech}}},
		{"replaced with nothing typed: an empty contact, never the current one",
			Change{Organization: filled(ActionReplace), Technical: filled(ActionKeep)},
			[]digicert.Contact{{ContactType: org}}},
		{"added: the contact's own fields", Change{Organization: filled(ActionKeep), Technical: filled(ActionAdd)},
			[]digicert.Contact{annAs(tech)}},
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
		Organization: ContactInput{Action: ActionKeep, Fields: Fields{FirstName: "John", LastName: "Doe", Email: "john.doe@example.com",
			JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1"}},
		Technical: ContactInput{Action: ActionKeep},
	}
	if got != want {
		t.Errorf("ChangeFrom:\n got  %#v\n want %#v", got, want)
	}
}

func TestActions(t *testing.T) {
	withTech := bothCurrent()
	noTech := Current{Organization: currentOrg()}
	notReported := Current{Organization: currentOrg(), TechnicalOmitted: true}
	startedFromLastSent := Current{Organization: currentOrg(), Technical: currentTech(), TechnicalOmitted: true}
	tests := []struct {
		name        string
		contactType string
		loaded      Current
		want        []Action
	}{
		{"organization contact", org, withTech, []Action{ActionKeep, ActionUpdate, ActionReplace}},
		{"technical contact", tech, withTech, []Action{ActionKeep, ActionUpdate, ActionReplace, ActionRemove}},
		{"no technical contact: only add", tech, noTech, []Action{ActionKeep, ActionAdd}},
		{"technical contact not reported", tech, notReported, []Action{ActionKeep, ActionReplace, ActionRemove}},
		{"technical contact not reported, started from what was last sent", tech, startedFromLastSent,
			[]Action{ActionKeep, ActionUpdate, ActionReplace, ActionRemove}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Actions(tt.contactType, tt.loaded); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Actions = %v, want %v", got, tt.want)
			}
		})
	}
}
