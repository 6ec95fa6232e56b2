package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestValidateChangeEditedButKept(t *testing.T) {
	cur := Current{
		Organization: &digicert.ExistingContact{ID: 1, FirstName: "Ann", LastName: "Lee", Email: "ann@example.com", JobTitle: "CTO", LanguageID: "1"},
		Technical:    &digicert.ExistingContact{ID: 2, FirstName: "Bo", LastName: "Ng", Email: "bo@example.com"},
	}
	locales, err := DefaultLocales()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		edit      func(*Change)
		wantField string // "" means valid
	}{
		{"kept untouched, other updated", func(c *Change) { c.Technical.Action = ActionUpdate; c.Technical.JobTitle = "SRE" }, ""},
		{"kept with white space only", func(c *Change) {
			c.Organization.JobTitle = " CTO "
			c.Technical.Action = ActionUpdate
		}, ""},
		{"organization edited but kept", func(c *Change) {
			c.Organization.JobTitle = "CEO"
			c.Technical.Action = ActionUpdate
		}, "organization_contact.action"},
		{"technical edited but kept", func(c *Change) {
			c.Technical.Telephone = "123"
			c.Organization.Action = ActionUpdate
		}, "technical_contact.action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := ChangeFrom(cur)
			tt.edit(&ch)
			_, errs := ValidateChange(ch, cur, locales)
			if tt.wantField == "" {
				if errs != nil {
					t.Fatalf("errors = %v, want none", errs)
				}
				return
			}
			if errs.Message(tt.wantField) == "" {
				t.Fatalf("no error on %s; errors = %v", tt.wantField, errs)
			}
		})
	}
}

// TestValidateFormKeptAgainstWhatWasLoaded checks that a contact left on
// Keep as is is judged against the values the form was loaded with, not
// against what DigiCert holds now: someone else's change is not the
// user's edit.
func TestValidateFormKeptAgainstWhatWasLoaded(t *testing.T) {
	loaded := bothCurrent()
	now := bothCurrent()
	now.Organization.JobTitle, now.Organization.Email = "CEO", "john@new.example"
	locales := defaultLocales(t)

	ch := ChangeFrom(loaded)
	ch.Technical.Action = ActionRemove
	req, errs := validateForm(ch, now, loaded, locales)
	if errs != nil {
		t.Fatalf("Remove the technical contact, organization contact kept as loaded: errors %v, want none", errs)
	}
	if want := []digicert.Contact{{ContactType: tech}}; !reflect.DeepEqual(req, want) {
		t.Errorf("request = %+v, want only the removal %+v", req, want)
	}

	ch.Organization.Telephone = "555 0100"
	if _, errs := validateForm(ch, now, loaded, locales); errs.Message("organization_contact.action") == "" {
		t.Errorf("organization contact edited but kept: errors %v, want one on its choice", errs)
	}
}

func TestValidateChangeReplacement(t *testing.T) {
	cur := bothCurrent()
	locales := defaultLocales(t)
	t.Run("sends only what was typed", func(t *testing.T) {
		ch := ChangeFrom(cur)
		ch.Technical.Action = ActionReplace
		ch.Technical.Replacement = Fields{FirstName: " Priya ", LastName: "Raman", Email: "priya@example.com"}
		req, errs := ValidateChange(ch, cur, locales)
		if errs != nil {
			t.Fatalf("errors = %v", errs)
		}
		want := []digicert.Contact{{FirstName: "Priya", LastName: "Raman", Email: "priya@example.com", ContactType: tech}}
		if !reflect.DeepEqual(req, want) {
			t.Errorf("request = %+v, want %+v: nothing of %s %s", req, want, cur.Technical.FirstName, cur.Technical.LastName)
		}
	})
	t.Run("errors on the replacement's fields", func(t *testing.T) {
		ch := ChangeFrom(cur)
		ch.Technical.Action = ActionReplace
		ch.Technical.Replacement = Fields{FirstName: "Priya", Email: "not an email", Telephone: "call me"}
		_, errs := ValidateChange(ch, cur, locales)
		for _, field := range []string{"technical_contact.replacement.last_name", "technical_contact.replacement.email", "technical_contact.replacement.telephone"} {
			if errs.Message(field) == "" {
				t.Errorf("no error on %s; errors %v", field, errs)
			}
		}
		if errs.Message("technical_contact.email") != "" {
			t.Errorf("an error on the current contact's own email: %v", errs)
		}
	})
	t.Run("typed but kept", func(t *testing.T) {
		ch := ChangeFrom(cur)
		ch.Organization.Action = ActionUpdate
		ch.Technical.Replacement = Fields{FirstName: "Priya"}
		if _, errs := ValidateChange(ch, cur, locales); errs.Message("technical_contact.action") == "" {
			t.Errorf("a replacement typed with Keep as is: errors %v, want one on the choice", errs)
		}
	})
}
