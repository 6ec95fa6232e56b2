package contacts

import (
	"reflect"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

const (
	org  = digicert.OrganizationContact
	tech = digicert.TechnicalContact
)

// currentOrg and currentTech are the contacts an organization has before a
// change, as DigiCert reports them.
func currentOrg() *digicert.ExistingContact {
	return &digicert.ExistingContact{
		ID: 11, FirstName: "John", LastName: "Doe", Email: "john.doe@example.com",
		JobTitle: "SRE", Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1",
	}
}

func currentTech() *digicert.ExistingContact {
	return &digicert.ExistingContact{
		ID: 12, FirstName: "Jane", LastName: "Doe", Email: "jane.doe@example.com",
		JobTitle: "Ops", Telephone: "5550100", LanguageID: "1",
	}
}

func bothCurrent() Current {
	return Current{Organization: currentOrg(), Technical: currentTech()}
}

// orgAsSent is the organization contact sent with every current value.
func orgAsSent() digicert.Contact {
	return existingAsContact(*currentOrg(), org)
}

func techAsSent() digicert.Contact {
	return existingAsContact(*currentTech(), tech)
}

func defaultLocales(t *testing.T) LocaleSet {
	t.Helper()
	locales, err := DefaultLocales()
	if err != nil {
		t.Fatalf("DefaultLocales: %v", err)
	}
	return locales
}

// errorsOf returns the errors held by v, or nil.
func errorsOf(v *ValidationErrors) []FieldError {
	if v == nil {
		return nil
	}
	return v.Errors
}

func assertErrors(t *testing.T, got *ValidationErrors, want []FieldError) {
	t.Helper()
	if g := errorsOf(got); !reflect.DeepEqual(g, want) {
		t.Errorf("errors:\n got  %#v\n want %#v", g, want)
	}
}
