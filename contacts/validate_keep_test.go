package contacts

import (
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
