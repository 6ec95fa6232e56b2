package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"testing"
)

func TestSeedIsDeterministic(t *testing.T) {
	a, b := New(Options{}).Organizations(), New(Options{}).Organizations()
	if !reflect.DeepEqual(a, b) {
		t.Errorf("two new servers hold different organizations")
	}
}

func TestSeedShape(t *testing.T) {
	orgs := New(Options{}).Organizations()
	if len(orgs) != seedCount {
		t.Fatalf("seed organizations: got %d, want %d", len(orgs), seedCount)
	}
	var withoutTech, inactive int
	countries := map[string]bool{}
	seenIDs := map[int]bool{}
	for _, o := range orgs {
		countries[o.Country] = true
		if o.TechnicalContact == nil {
			withoutTech++
		}
		if !o.IsActive {
			inactive++
		}
		if o.IsActive != (o.Status == "active") {
			t.Errorf("organization %d: status %q but is_active %v", o.ID, o.Status, o.IsActive)
		}
		for id := range contactIDs(o) {
			if seenIDs[id] {
				t.Errorf("organization %d: contact id %d used twice", o.ID, id)
			}
			seenIDs[id] = true
		}
	}
	if withoutTech < len(orgs)/4 || withoutTech > len(orgs)*2/5 {
		t.Errorf("organizations without a technical contact: got %d of %d, want about a third", withoutTech, len(orgs))
	}
	if inactive < 2 {
		t.Errorf("inactive organizations: got %d, want at least 2", inactive)
	}
	if len(countries) < 10 {
		t.Errorf("countries: got %d, want at least 10", len(countries))
	}
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = o.Name
	}
	for _, want := range []string{"Société Générale Équipements", "Müller & Söhne GmbH", "株式会社テスト工業", "北京示例科技有限公司", `"Quote" & <Angle> Labs`} {
		if !slices.Contains(names, want) {
			t.Errorf("seed lacks the organization %q", want)
		}
	}
}

// TestSeedOrganizationsCount: a sandbox holds as many organizations as
// asked, the seed table's first, made-up ones after, the same on every
// start, each name its own.
func TestSeedOrganizationsCount(t *testing.T) {
	table := New(Options{}).Organizations()
	tests := []struct {
		asked, want int
	}{
		{0, seedCount},
		{10, 10},
		{10_000, 10_000},
	}
	for _, tt := range tests {
		orgs := New(Options{Organizations: tt.asked}).Organizations()
		if len(orgs) != tt.want {
			t.Errorf("Organizations %d: %d organizations, want %d", tt.asked, len(orgs), tt.want)
			continue
		}
		names := map[string]bool{}
		var withoutTech, inactive int
		for i, o := range orgs {
			if o.ID != firstSeedOrganizationID+i {
				t.Fatalf("Organizations %d: organization %d has id %d, want %d", tt.asked, i, o.ID, firstSeedOrganizationID+i)
			}
			if i < len(table) && !reflect.DeepEqual(o, table[i]) {
				t.Errorf("Organizations %d: organization %d differs from the seed table's", tt.asked, o.ID)
			}
			if names[o.Name] {
				t.Errorf("Organizations %d: name %q used twice", tt.asked, o.Name)
			}
			names[o.Name] = true
			if o.TechnicalContact == nil {
				withoutTech++
			}
			if !o.IsActive {
				inactive++
			}
		}
		if tt.want == 10_000 && (withoutTech < 3000 || withoutTech > 3700 || inactive < 100 || inactive > 300) {
			t.Errorf("Organizations %d: %d without a technical contact, %d inactive; want about a third and one in fifty", tt.asked, withoutTech, inactive)
		}
	}
	if a, b := New(Options{Organizations: 500}).Organizations(), New(Options{Organizations: 500}).Organizations(); !reflect.DeepEqual(a, b) {
		t.Error("two servers of 500 organizations hold different ones")
	}
}

// TestSeedContactsCanBeSentBack checks that every seed contact satisfies
// the PUT rules: sending the current values back is accepted and changes
// nothing, as the portal does when a user keeps a contact as it is.
func TestSeedContactsCanBeSentBack(t *testing.T) {
	// Made-up organizations after the table too.
	s, ts := startServer(t, Options{Windows: []RateWindow{}, Organizations: seedCount + 300})
	before := s.Organizations()
	for _, o := range before {
		contacts := []map[string]string{asInput(o.OrganizationContact, "organization_contact")}
		if o.TechnicalContact != nil {
			contacts = append(contacts, asInput(*o.TechnicalContact, "technical_contact"))
		}
		body, err := json.Marshal(map[string]any{"contacts": contacts})
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		res := call(t, ts, http.MethodPut, fmt.Sprintf("/services/v2/organization/%d/contact", o.ID), testKey, string(body))
		if res.status != http.StatusNoContent {
			t.Errorf("organization %d: status got %d, want 204 (body %s)", o.ID, res.status, res.body)
		}
	}
	if after := s.Organizations(); !reflect.DeepEqual(after, before) {
		t.Errorf("sending the current contacts back changed them")
	}
}

// asInput is c as a contacts array entry, leaving out empty fields.
func asInput(c Contact, contactType string) map[string]string {
	m := map[string]string{"contact_type": contactType}
	for k, v := range map[string]string{
		"first_name": c.FirstName, "last_name": c.LastName, "email": c.Email, "job_title": c.JobTitle,
		"telephone": c.Telephone, "telephone_extension": c.TelephoneExtension, "language_id": c.LanguageID,
	} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}
