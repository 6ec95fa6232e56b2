package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"
)

// peopleFixture: Grace is organization contact of 1 and 2 (with her
// email in two cases), Raj technical contact of 1, José organization
// contact of 3, which has no technical contact.
func peopleFixture(t *testing.T) *Store {
	t.Helper()
	s := openTestStore(t)
	cacheOrganizations(t, s, map[int]string{1: "Acme Widgets", 2: "Birch Labs", 3: "Cedar Foods", 4: "Delta Unread"})
	var cmp comparisons
	recordRead(t, s, 1, dirT0, cmp.none,
		orgContact(1, "Grace", "Hopper", "grace.hopper@navy.example"),
		techContact(1, "Raj", "Patel", "raj.patel@acme.example"))
	recordRead(t, s, 2, dirT0, cmp.none,
		orgContact(2, "Grace", "Hopper", "Grace.Hopper@NAVY.example"),
		techContact(2, "Raj", "Patel", "raj.patel@ops.acme.example"))
	recordRead(t, s, 3, dirT0, cmp.none, orgContact(3, "José", "Ñúñez", "jose@cedar.example"))
	return s
}

func names(p PeoplePage) []string {
	var out []string
	for _, person := range p.People {
		out = append(out, person.Name)
	}
	return out
}

func TestSearchPeople(t *testing.T) {
	s := peopleFixture(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		q     PeopleQuery
		want  []string
		total int
	}{
		{"everyone, once each, by name", PeopleQuery{}, []string{"Grace Hopper", "José Ñúñez", "Raj Patel", "Raj Patel"}, 4},
		{"first name prefix", PeopleQuery{Search: "gra"}, []string{"Grace Hopper"}, 1},
		{"last name in any case", PeopleQuery{Search: "HOPPER"}, []string{"Grace Hopper"}, 1},
		{"two words", PeopleQuery{Search: "raj pat"}, []string{"Raj Patel", "Raj Patel"}, 2},
		{"many matches found walking the names", PeopleQuery{Search: "raj", Limit: 1}, []string{"Raj Patel"}, 2},
		{"words in any order", PeopleQuery{Search: "patel raj"}, []string{"Raj Patel", "Raj Patel"}, 2},
		{"part of an email", PeopleQuery{Search: "ops.acme"}, []string{"Raj Patel"}, 1},
		{"accents ignored", PeopleQuery{Search: "nunez"}, []string{"José Ñúñez"}, 1},
		{"one letter", PeopleQuery{Search: "j"}, []string{"José Ñúñez"}, 1},
		{"no match", PeopleQuery{Search: "nobody"}, nil, 0},
		{"punctuation alone", PeopleQuery{Search: `"*)`}, nil, 0},
		{"query syntax is text", PeopleQuery{Search: `grace OR NEAR(x`}, nil, 0},
		{"scoped to organization 3", PeopleQuery{OrganizationIDs: []int{3}}, []string{"José Ñúñez"}, 1},
		{"scoped to none", PeopleQuery{OrganizationIDs: []int{}}, nil, 0},
		{"outside our domains", PeopleQuery{OutsideDomains: []string{"acme.example"}}, []string{"Grace Hopper", "José Ñúñez"}, 2},
		{"outside, subdomains ours too", PeopleQuery{OutsideDomains: []string{"acme.example", "NAVY.example"}}, []string{"José Ñúñez"}, 1},
		{"second page", PeopleQuery{Limit: 2, Offset: 2}, []string{"Raj Patel", "Raj Patel"}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.SearchPeople(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(page); !slices.Equal(got, tt.want) || page.Total != tt.total {
				t.Errorf("people = %v (total %d), want %v (total %d)", got, page.Total, tt.want, tt.total)
			}
		})
	}
}

func TestSearchPeopleListsTheirOrganizations(t *testing.T) {
	s := peopleFixture(t)
	ctx := context.Background()
	page, err := s.SearchPeople(ctx, PeopleQuery{Search: "grace"})
	if err != nil {
		t.Fatal(err)
	}
	grace := page.People[0]
	if len(grace.Contacts) != 2 || grace.Contacts[0].OrganizationName != "Acme Widgets" ||
		grace.Contacts[1].OrganizationName != "Birch Labs" || grace.Contacts[0].Type != OrganizationContactType {
		t.Fatalf("Grace's contacts = %+v, want organization contact of Acme Widgets and Birch Labs", grace.Contacts)
	}
	scoped, err := s.SearchPeople(ctx, PeopleQuery{Search: "grace", OrganizationIDs: []int{2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if got := scoped.People[0].Contacts; len(got) != 1 || got[0].OrganizationID != 2 {
		t.Errorf("Grace scoped to 2 and 3 lists %+v, want only organization 2", got)
	}

	p, err := s.GetPerson(ctx, grace.ID, nil)
	if err != nil || len(p.Contacts) != 2 {
		t.Fatalf("GetPerson = %+v (%v), want Grace with two organizations", p, err)
	}
	if _, err := s.GetPerson(ctx, grace.ID, []int{3}); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetPerson out of scope: err = %v, want ErrNotFound", err)
	}
	if _, err := s.GetPerson(ctx, 999, nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetPerson of nobody: err = %v, want ErrNotFound", err)
	}

	var rows []string
	n, err := s.ExportPeople(ctx, PeopleQuery{OrganizationIDs: []int{1}}, func(p Person, c PersonContact) error {
		rows = append(rows, p.Name+" @ "+c.OrganizationName+" as "+c.Type)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Grace Hopper @ Acme Widgets as organization_contact", "Raj Patel @ Acme Widgets as technical_contact"}
	if n != 2 || !slices.Equal(rows, want) {
		t.Errorf("export scoped to 1 = %v (%d), want %v", rows, n, want)
	}
}

func TestSearchOrganizationsByContact(t *testing.T) {
	s := peopleFixture(t)
	ctx := context.Background()
	ids := func(q OrganizationQuery) []int {
		t.Helper()
		page, err := s.SearchOrganizations(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []int
		for _, o := range page.Organizations {
			out = append(out, o.ID)
		}
		if page.Total != len(out) {
			t.Errorf("%+v: total %d, listed %d", q, page.Total, len(out))
		}
		return out
	}
	tests := []struct {
		name string
		q    OrganizationQuery
		want []int
	}{
		{"a contact's first name", OrganizationQuery{Search: "grace"}, []int{1, 2}},
		{"a contact's email", OrganizationQuery{Search: "ops.acme"}, []int{2}},
		{"a name as before", OrganizationQuery{Search: "cedar"}, []int{3}},
		{"name or contact", OrganizationQuery{Search: "acme"}, []int{1, 2}},
		{"no technical contact", OrganizationQuery{NoTechnicalContact: true}, []int{3}},
		{"no technical contact and a search", OrganizationQuery{NoTechnicalContact: true, Search: "grace"}, nil},
		{"one character does not search contacts", OrganizationQuery{Search: "j"}, nil},
		{"scoped", OrganizationQuery{Search: "grace", IDs: []int{2, 3}}, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPeopleMatch(t *testing.T) {
	tests := map[string]string{
		"grace":          `"grace"*`,
		" raj  patel ":   `"raj"* "patel"*`,
		`say "hi"`:       `"say"* """hi"""*`,
		"raj.patel@acme": `"raj.patel@acme"*`,
		"*** --":         "",
		"":               "",
	}
	for in, want := range tests {
		if got := PeopleMatch(in); got != want {
			t.Errorf("PeopleMatch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSearchOrganizationsTooBroadForContacts(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	n := MaxContactMatches + 1
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i := range n {
			id := 1 + i
			c := orgContact(id, "Person", fmt.Sprint(i), fmt.Sprintf("p%d@broad.example", i))
			read := DirectoryRead{OrganizationID: id, Name: "Org", ReadAt: dirT0, DoneAt: dirT0, DueAt: dirT0, Contacts: []DirectoryContact{c}}
			if err := s.writeDirectoryRead(ctx, tx, read, DirectoryEntry{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cacheOrganizations(t, s, map[int]string{1: "Broadway Theatre", 2: "Two"})
	page, err := s.SearchOrganizations(ctx, OrganizationQuery{Search: "broad"})
	if err != nil {
		t.Fatal(err)
	}
	if !page.ContactsNotSearched || page.Total != 1 || page.Organizations[0].ID != 1 {
		t.Errorf("search matching %d people: %+v, want only the name match and contacts not searched", n, page)
	}
	if page, err = s.SearchOrganizations(ctx, OrganizationQuery{Search: "p12@broad"}); err != nil || page.ContactsNotSearched {
		t.Errorf("a narrow search: %+v (%v), want contacts searched", page, err)
	}
}
