package contacts

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/contactdesk/contactdesk/digicert"
)

func TestFingerprintStable(t *testing.T) {
	a, b := Fingerprint(bothCurrent()), Fingerprint(bothCurrent())
	if a != b {
		t.Errorf("two fingerprints of equal contacts: got %s and %s, want equal", a, b)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a) {
		t.Errorf("fingerprint: got %q, want 64 lower-case hex digits", a)
	}
	// The value travels in review forms: a change of encoding would make
	// every review in flight look stale, so it is pinned.
	const golden = "8c72ac4f98193bc75012ead85aada7d418475a423b0d620b3ac6adf156f0a1aa"
	if a != golden {
		t.Errorf("fingerprint of the fixture: got %s, want %s", a, golden)
	}
}

func TestFingerprintSeesEveryChange(t *testing.T) {
	edits := map[string]func(c *Current){
		"organization id":        func(c *Current) { c.Organization.ID++ },
		"organization first":     func(c *Current) { c.Organization.FirstName = "Johnny" },
		"organization last":      func(c *Current) { c.Organization.LastName = "Roe" },
		"organization email":     func(c *Current) { c.Organization.Email = "JOHN.doe@example.com" },
		"organization job":       func(c *Current) { c.Organization.JobTitle = "" },
		"organization telephone": func(c *Current) { c.Organization.Telephone = "1" },
		"organization extension": func(c *Current) { c.Organization.TelephoneExtension = "1" },
		"organization language":  func(c *Current) { c.Organization.LanguageID = "2" },
		"organization trailing space": func(c *Current) {
			c.Organization.FirstName += " "
		},
		"technical id":        func(c *Current) { c.Technical.ID++ },
		"technical first":     func(c *Current) { c.Technical.FirstName = "Ann" },
		"technical extension": func(c *Current) { c.Technical.TelephoneExtension = "7" },
		"technical absent":    func(c *Current) { c.Technical = nil },
		"technical empty":     func(c *Current) { c.Technical = &digicert.ExistingContact{} },
		"organization absent": func(c *Current) { c.Organization = nil },
		"text moved between fields": func(c *Current) {
			c.Organization.FirstName, c.Organization.LastName = "JohnD", "oe"
		},
		"contacts swapped": func(c *Current) { c.Organization, c.Technical = c.Technical, c.Organization },
	}
	base := Fingerprint(bothCurrent())
	seen := map[string]string{base: "unchanged"}
	for name, edit := range edits {
		cur := bothCurrent()
		edit(&cur)
		got := Fingerprint(cur)
		if other, dup := seen[got]; dup {
			t.Errorf("%s: fingerprint %s equals that of %s", name, got, other)
		}
		seen[got] = name
	}
	if Fingerprint(Current{}) == Fingerprint(Current{Technical: &digicert.ExistingContact{}}) {
		t.Errorf("no technical contact and an empty one: got equal fingerprints, want different")
	}
}

func TestDescribeDifference(t *testing.T) {
	tests := []struct {
		name   string
		before Current
		after  func(c *Current)
		want   []string
	}{
		{"nothing", bothCurrent(), func(c *Current) {}, nil},
		{"technical removed", bothCurrent(), func(c *Current) { c.Technical = nil },
			[]string{"The technical contact was removed"}},
		{"technical added", Current{Organization: currentOrg()}, func(c *Current) { c.Technical = currentTech() },
			[]string{"A technical contact was added: Jane Doe, jane.doe@example.com"}},
		{"email changed", bothCurrent(), func(c *Current) { c.Organization.Email = "b@example.com" },
			[]string{"The organization contact's email changed from john.doe@example.com to b@example.com"}},
		{"a field set and one cleared", bothCurrent(), func(c *Current) {
			c.Technical.TelephoneExtension = "42"
			c.Technical.JobTitle = ""
		}, []string{
			"The technical contact's job title was cleared (it was Ops)",
			"The technical contact's telephone extension was set to 42",
		}},
		{"replaced by another contact", bothCurrent(), func(c *Current) {
			c.Organization.ID = 99
			c.Organization.FirstName = "Ann"
		}, []string{
			"The organization contact was replaced by another contact (id 99, was 11)",
			"The organization contact's first name changed from John to Ann",
		}},
		{"both contacts", bothCurrent(), func(c *Current) {
			c.Organization.LanguageID = "2"
			c.Technical = nil
		}, []string{
			"The organization contact's language changed from 1 to 2",
			"The technical contact was removed",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := copyCurrent(tt.before)
			tt.after(&after)
			got := DescribeDifference(tt.before, after)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DescribeDifference:\n got  %q\n want %q", got, tt.want)
			}
			if changed := Fingerprint(tt.before) != Fingerprint(after); changed != (len(tt.want) > 0) {
				t.Errorf("fingerprints differ: got %v, want %v", changed, len(tt.want) > 0)
			}
		})
	}
}

// copyCurrent copies the contacts themselves, not only the pointers.
func copyCurrent(c Current) Current {
	dup := func(e *digicert.ExistingContact) *digicert.ExistingContact {
		if e == nil {
			return nil
		}
		copied := *e
		return &copied
	}
	return Current{Organization: dup(c.Organization), Technical: dup(c.Technical)}
}
