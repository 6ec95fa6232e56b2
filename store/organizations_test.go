package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestReplaceOrganizations(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	if _, err := s.LastOrganizationSync(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LastOrganizationSync before any sync: error = %v, want ErrNotFound", err)
	}

	first := time.Date(2025, 6, 1, 8, 0, 0, 123, time.FixedZone("CEST", 2*3600))
	if err := s.ReplaceOrganizations(ctx, []Organization{
		{ID: 1, Name: "Acme", AssumedName: "Acme Trading", DisplayName: "Acme (EU)", Status: "active", IsActive: true},
		{ID: 2, Name: "Globex", Status: "inactive"},
		{ID: 3, Name: "Initech", Status: "active", IsActive: true},
	}, first); err != nil {
		t.Fatalf("first ReplaceOrganizations: %v", err)
	}
	second := first.Add(time.Hour)
	if err := s.ReplaceOrganizations(ctx, []Organization{
		{ID: 3, Name: "Initech Global", Status: "inactive"},
		{ID: 1, Name: "Acme", AssumedName: "Acme Trading", DisplayName: "Acme (EU)", Status: "active", IsActive: true},
		{ID: 4, Name: "Umbrella", DisplayName: "Umbrella Corp", Status: "active", IsActive: true},
	}, second); err != nil {
		t.Fatalf("second ReplaceOrganizations: %v", err)
	}

	want := []Organization{
		{ID: 1, Name: "Acme", AssumedName: "Acme Trading", DisplayName: "Acme (EU)", Status: "active", IsActive: true, SyncedAt: second.UTC()},
		{ID: 3, Name: "Initech Global", Status: "inactive", SyncedAt: second.UTC()},
		{ID: 4, Name: "Umbrella", DisplayName: "Umbrella Corp", Status: "active", IsActive: true, SyncedAt: second.UTC()},
	}
	for _, w := range want {
		got, err := s.GetOrganization(ctx, w.ID)
		if err != nil {
			t.Fatalf("GetOrganization(%d): %v", w.ID, err)
		}
		if got != w {
			t.Errorf("GetOrganization(%d) = %+v, want %+v", w.ID, got, w)
		}
	}
	if _, err := s.GetOrganization(ctx, 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetOrganization of an organization gone from the list: error = %v, want ErrNotFound", err)
	}
	page, err := s.SearchOrganizations(ctx, OrganizationQuery{Search: "initech"})
	if err != nil {
		t.Fatalf("SearchOrganizations: %v", err)
	}
	if got := organizationIDs(page.Organizations); !slices.Equal(got, []int{3}) || page.Total != 1 {
		t.Errorf("search for the renamed organization = %v (total %d), want [3] (total 1)", got, page.Total)
	}
	synced, err := s.LastOrganizationSync(ctx)
	if err != nil {
		t.Fatalf("LastOrganizationSync: %v", err)
	}
	if !synced.Equal(second) || synced.Location() != time.UTC {
		t.Errorf("LastOrganizationSync = %v, want %v in UTC", synced, second.UTC())
	}

	if err := s.ReplaceOrganizations(ctx, nil, second.Add(time.Hour)); err != nil {
		t.Fatalf("ReplaceOrganizations with an empty list: %v", err)
	}
	page, err = s.SearchOrganizations(ctx, OrganizationQuery{})
	if err != nil {
		t.Fatalf("SearchOrganizations: %v", err)
	}
	if page.Total != 0 || len(page.Organizations) != 0 {
		t.Errorf("after replacing with an empty list: %d organizations (total %d), want none", len(page.Organizations), page.Total)
	}
}

func TestReplaceOrganizationsRefusesBadIDs(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	keep := []Organization{{ID: 7, Name: "Kept"}}
	if err := s.ReplaceOrganizations(ctx, keep, time.Now()); err != nil {
		t.Fatalf("ReplaceOrganizations: %v", err)
	}
	for _, id := range []int{0, -5} {
		err := s.ReplaceOrganizations(ctx, []Organization{{ID: 8, Name: "New"}, {ID: id, Name: "Bad"}}, time.Now())
		if err == nil {
			t.Errorf("ReplaceOrganizations with id %d succeeded, want an error", id)
		}
	}
	if _, err := s.GetOrganization(ctx, 7); err != nil {
		t.Errorf("the cache changed after a refused replace: GetOrganization(7): %v", err)
	}
	if _, err := s.GetOrganization(ctx, 8); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused replace stored organization 8: error = %v, want ErrNotFound", err)
	}
}

// searchFixture returns names that exercise case folding, normalisation and
// characters with a meaning in LIKE patterns or FTS5 queries.
func searchFixture() []Organization {
	return []Organization{
		{ID: 1001, Name: "Acme Widgets Inc."},
		{ID: 1002, Name: "acme corp", AssumedName: "ACME Holdings"},
		{ID: 1003, Name: "Straße Bau GmbH", DisplayName: "Strasse Bau"},
		{ID: 1004, Name: "École Supérieure"},
		{ID: 1005, Name: "100% Natural Foods"},
		{ID: 1006, Name: "Under_score Ltd"},
		{ID: 1007, Name: `Quote "Q" Co`},
		{ID: 1008, Name: "Widgets 1001 LLC"},
		{ID: 1009, Name: "Zeta", DisplayName: "Alpha Display"},
		{ID: 1010, Name: "beta"},
		{ID: 1011, Name: "Ω Omega"},
		{ID: 1012, Name: "ﬁne ligature"},
		{ID: 1013, Name: "HP"},
	}
}

func TestSearchOrganizations(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	if err := s.ReplaceOrganizations(ctx, searchFixture(), time.Now()); err != nil {
		t.Fatalf("ReplaceOrganizations: %v", err)
	}
	// Accents are set aside for ordering: "École" sorts among the e's.
	all := []int{1005, 1002, 1001, 1010, 1004, 1012, 1013, 1007, 1003, 1006, 1008, 1009, 1011}
	tests := []struct {
		name      string
		q         OrganizationQuery
		want      []int
		wantTotal int
	}{
		{"no search, ordered by folded name", OrganizationQuery{}, all, 13},
		{"blank search", OrganizationQuery{Search: "  \t "}, all, 13},
		{"page", OrganizationQuery{Limit: 2, Offset: 1}, []int{1002, 1001}, 13},
		{"offset past the end", OrganizationQuery{Offset: 20}, nil, 13},
		{"negative offset", OrganizationQuery{Limit: 1, Offset: -3}, []int{1005}, 13},
		{"any case", OrganizationQuery{Search: "aCMe"}, []int{1002, 1001}, 2},
		{"surrounding space", OrganizationQuery{Search: "  acme "}, []int{1002, 1001}, 2},
		{"assumed name", OrganizationQuery{Search: "acme hold"}, []int{1002}, 1},
		{"display name", OrganizationQuery{Search: "ALPHA"}, []int{1009}, 1},
		{"no match across two names", OrganizationQuery{Search: "zetaalpha"}, nil, 0},
		{"control character", OrganizationQuery{Search: "zeta\nalpha"}, nil, 0},
		{"only a control character", OrganizationQuery{Search: "\x01"}, all, 13},
		{"sharp s", OrganizationQuery{Search: "STRASSE"}, []int{1003}, 1},
		{"capital sharp s", OrganizationQuery{Search: "straẞe"}, []int{1003}, 1},
		{"accented capital", OrganizationQuery{Search: "ÉCOLE"}, []int{1004}, 1},
		{"decomposed accent", OrganizationQuery{Search: "E\u0301cole"}, []int{1004}, 1},
		{"accents are significant", OrganizationQuery{Search: "ecole"}, nil, 0},
		{"ligature", OrganizationQuery{Search: "fine"}, []int{1012}, 1},
		{"percent is literal", OrganizationQuery{Search: "%"}, []int{1005}, 1},
		{"percent inside", OrganizationQuery{Search: "0% n"}, []int{1005}, 1},
		{"underscore is literal", OrganizationQuery{Search: "_"}, []int{1006}, 1},
		{"underscore inside", OrganizationQuery{Search: "r_sc"}, []int{1006}, 1},
		{"double quote", OrganizationQuery{Search: `"q"`}, []int{1007}, 1},
		{"lone double quote", OrganizationQuery{Search: `"`}, []int{1007}, 1},
		{"FTS operators are literal", OrganizationQuery{Search: "acme OR beta"}, nil, 0},
		{"SQL in the search", OrganizationQuery{Search: "'; DROP TABLE organizations; --"}, nil, 0},
		{"id or name", OrganizationQuery{Search: "1001"}, []int{1001, 1008}, 2},
		{"id only", OrganizationQuery{Search: "1009"}, []int{1009}, 1},
		{"zero is not an id", OrganizationQuery{Search: "0"}, []int{1005, 1008}, 2},
		{"one letter", OrganizationQuery{Search: "Ω"}, []int{1011}, 1},
		{"two letters", OrganizationQuery{Search: "hp"}, []int{1013}, 1},
		{"two letters, one a ligature", OrganizationQuery{Search: "ﬁ"}, []int{1012}, 1},
		{"two letters at the end of a name", OrganizationQuery{Search: "co"}, []int{1002, 1004, 1007, 1006}, 4},
		{"two letters never indexed", OrganizationQuery{Search: "zq"}, nil, 0},
		{"restricted to ids", OrganizationQuery{IDs: []int{1003, 1001, 9999}}, []int{1001, 1003}, 2},
		{"restricted to no ids", OrganizationQuery{IDs: []int{}}, nil, 0},
		{"restricted search", OrganizationQuery{Search: "acme", IDs: []int{1001, 1003}}, []int{1001}, 1},
		{"restricted id search", OrganizationQuery{Search: "1001", IDs: []int{1008}}, []int{1008}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.SearchOrganizations(ctx, tt.q)
			if err != nil {
				t.Fatalf("SearchOrganizations(%+v): %v", tt.q, err)
			}
			if got := organizationIDs(page.Organizations); !slices.Equal(got, tt.want) {
				t.Errorf("SearchOrganizations(%+v) = %v, want %v", tt.q, got, tt.want)
			}
			if page.Total != tt.wantTotal {
				t.Errorf("SearchOrganizations(%+v) total = %d, want %d", tt.q, page.Total, tt.wantTotal)
			}
		})
	}
	// The search for SQL above ran as a value: the table is still there.
	if _, err := s.GetOrganization(ctx, 1001); err != nil {
		t.Errorf("GetOrganization after searching for SQL: %v", err)
	}
}

func TestSearchOrganizationsLimits(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	orgs := make([]Organization, MaxOrganizationLimit+10)
	for i := range orgs {
		orgs[i] = Organization{ID: i + 1, Name: fmt.Sprintf("Org %05d", i+1)}
	}
	if err := s.ReplaceOrganizations(ctx, orgs, time.Now()); err != nil {
		t.Fatalf("ReplaceOrganizations: %v", err)
	}
	tests := []struct {
		limit, want int
	}{
		{0, DefaultOrganizationLimit},
		{-1, DefaultOrganizationLimit},
		{7, 7},
		{MaxOrganizationLimit + 5, MaxOrganizationLimit},
	}
	for _, tt := range tests {
		page, err := s.SearchOrganizations(ctx, OrganizationQuery{Limit: tt.limit})
		if err != nil {
			t.Fatalf("SearchOrganizations(limit %d): %v", tt.limit, err)
		}
		if len(page.Organizations) != tt.want || page.Total != len(orgs) {
			t.Errorf("limit %d: %d organizations (total %d), want %d (total %d)",
				tt.limit, len(page.Organizations), page.Total, tt.want, len(orgs))
		}
	}
}

// TestSearchOrganizationsMatchesReference compares searches over a few
// thousand realistic names with a plain Go filter and sort. Dense and rare
// matches take different query plans; both must give the same pages.
func TestSearchOrganizationsMatchesReference(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	orgs := benchmarkOrganizations(1000)
	if err := s.ReplaceOrganizations(ctx, orgs, time.Now()); err != nil {
		t.Fatalf("ReplaceOrganizations: %v", err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var some []int
	for _, o := range orgs {
		if rng.IntN(10) == 0 {
			some = append(some, o.ID)
		}
	}
	ref := referenceOrganizations(orgs)
	rare := strings.Fields(orgs[567].Name)[1]
	searches := []string{"", "a", "E", "q", "ac", "er", "zz", "s.", "acme", "ACME ", "ing", "tech",
		"labs inc", rare, strconv.Itoa(orgs[42].ID), "1001", "10"}
	for _, search := range searches {
		for _, ids := range [][]int{nil, some} {
			for _, offset := range []int{0, 37, 990} {
				q := OrganizationQuery{Search: search, Limit: 25, Offset: offset, IDs: ids}
				page, err := s.SearchOrganizations(ctx, q)
				if err != nil {
					t.Fatalf("SearchOrganizations(%q, offset %d): %v", search, offset, err)
				}
				want, total := referenceSearch(ref, q)
				if got := organizationIDs(page.Organizations); !slices.Equal(got, want) || page.Total != total {
					t.Errorf("SearchOrganizations(%q, offset %d, restricted %t) = %v (total %d), want %v (total %d)",
						search, offset, ids != nil, got, page.Total, want, total)
				}
			}
		}
	}
}

// referenceOrganization is an organization with its folded texts.
type referenceOrganization struct {
	Organization
	sortKey, text string
}

func referenceOrganizations(orgs []Organization) []referenceOrganization {
	ref := make([]referenceOrganization, len(orgs))
	for i, o := range orgs {
		ref[i] = referenceOrganization{o, sortKey(o.Name), searchText(o)}
	}
	return ref
}

// referenceSearch is SearchOrganizations written as a loop.
func referenceSearch(orgs []referenceOrganization, q OrganizationQuery) ([]int, int) {
	text := strings.TrimSpace(searchKey(q.Search))
	id, numeric := positiveID(text)
	var matches []referenceOrganization
	for _, o := range orgs {
		if q.IDs != nil && !slices.Contains(q.IDs, o.ID) {
			continue
		}
		if strings.Contains(o.text, text) || (numeric && o.ID == id) {
			matches = append(matches, o)
		}
	}
	slices.SortFunc(matches, func(a, b referenceOrganization) int {
		return cmp.Or(strings.Compare(a.sortKey, b.sortKey), cmp.Compare(a.ID, b.ID))
	})
	var ids []int
	for i := q.Offset; i < len(matches) && i < q.Offset+q.Limit; i++ {
		ids = append(ids, matches[i].ID)
	}
	return ids, len(matches)
}

func organizationIDs(orgs []Organization) []int {
	var ids []int
	for _, o := range orgs {
		ids = append(ids, o.ID)
	}
	return ids
}

// TestSearchOrganizationsOneCharacter checks single-character searches
// against the reference, with characters rare enough to be looked up
// through the indexes rather than by walking the names: one inside a name,
// one only at the very end of the display name, and a digit that is also
// an id. A second sync must leave the counts right.
func TestSearchOrganizationsOneCharacter(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	crafted := []Organization{
		{ID: 7, Name: "Seven Labs Ltd", DisplayName: "Seven Labs Ltd"},
		{ID: 17, Name: "Ωmega Systems", DisplayName: "Omega Systems"},
		{ID: 18, Name: "Omega Ω", DisplayName: "Omega Ω"},
		{ID: 19, Name: "Omega", DisplayName: "Ω"},
		{ID: 20, Name: "Öl & Gas GmbH", AssumedName: "\"Quoted\" Öl", DisplayName: "Öl und Gas"},
	}
	first := append(benchmarkOrganizations(300), crafted...)
	// A renamed organization, one listed twice (the last entry wins) and
	// one gone.
	second := append(benchmarkOrganizations(299), crafted[:3]...)
	second = append(second,
		Organization{ID: 19, Name: "Omega Seven", DisplayName: "Omega 7"},
		Organization{ID: 20, Name: "First Ω", DisplayName: "First"},
		Organization{ID: 20, Name: "Öl 7 & Gas GmbH", DisplayName: "Öl und Gas"})
	searches := []string{"ω", "Ω", "ö", "\"", "&", "7", "1", "e", "q", "ß", "Z"}
	for _, orgs := range [][]Organization{first, second} {
		if err := s.ReplaceOrganizations(ctx, orgs, time.Now()); err != nil {
			t.Fatalf("ReplaceOrganizations: %v", err)
		}
		ref := referenceOrganizations(lastByID(orgs))
		for _, search := range searches {
			for _, offset := range []int{0, 1, 3} {
				q := OrganizationQuery{Search: search, Limit: 2, Offset: offset}
				page, err := s.SearchOrganizations(ctx, q)
				if err != nil {
					t.Fatalf("SearchOrganizations(%q, offset %d): %v", search, offset, err)
				}
				want, total := referenceSearch(ref, q)
				if got := organizationIDs(page.Organizations); !slices.Equal(got, want) || page.Total != total {
					t.Errorf("SearchOrganizations(%q, offset %d) = %v (total %d), want %v (total %d)",
						search, offset, got, page.Total, want, total)
				}
			}
		}
	}
}

// lastByID keeps the last entry of each id, as ReplaceOrganizations does.
func lastByID(orgs []Organization) []Organization {
	index := make(map[int]int)
	var out []Organization
	for _, o := range orgs {
		if i, ok := index[o.ID]; ok {
			out[i] = o
			continue
		}
		index[o.ID] = len(out)
		out = append(out, o)
	}
	return out
}

// TestOrganizationCharactersMigration checks that the migration counting
// the characters of a cache written before it gives the counts a sync
// writes.
func TestOrganizationCharactersMigration(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	orgs := append(benchmarkOrganizations(300), Organization{ID: 1, Name: "Ωmega Öl", AssumedName: "x", DisplayName: "ß"})
	if err := s.ReplaceOrganizations(ctx, orgs, time.Now()); err != nil {
		t.Fatalf("ReplaceOrganizations: %v", err)
	}
	synced := characterCountsInDB(t, s)
	p, err := s.migrationProvider()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatalf("migrate down: %v", err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("migrate up: %v", err)
	}
	migrated := characterCountsInDB(t, s)
	if len(synced) < 30 || !maps.Equal(migrated, synced) {
		t.Errorf("counts after the migration = %v, want those of the sync, %v", migrated, synced)
	}
}

func characterCountsInDB(t *testing.T, s *Store) map[string]int {
	t.Helper()
	rows, err := s.reader.Query(`SELECT character, organizations FROM organization_characters`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	counts := make(map[string]int)
	for rows.Next() {
		var (
			c string
			n int
		)
		if err := rows.Scan(&c, &n); err != nil {
			t.Fatal(err)
		}
		counts[c] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return counts
}
