package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkSearchOrganizations measures searches against a cache of 100,000
// organizations. Besides ns/op (the mean), each case reports the median
// call time in milliseconds and the number of matches.
func BenchmarkSearchOrganizations(b *testing.B) {
	ctx := context.Background()
	s := openTestStore(b)
	orgs := benchmarkOrganizations(100_000)
	start := time.Now()
	if err := s.ReplaceOrganizations(ctx, orgs, time.Now()); err != nil {
		b.Fatalf("ReplaceOrganizations: %v", err)
	}
	b.Logf("seeded %d organizations in %v", len(orgs), time.Since(start))
	// The invented word and the trade of one organization: a handful of
	// matches.
	words := strings.Fields(orgs[4242].Name)
	rare := words[1] + " " + words[2]

	cases := []struct {
		name string
		q    OrganizationQuery
	}{
		{"empty search first page", OrganizationQuery{Limit: 50}},
		{"acme", OrganizationQuery{Search: "acme", Limit: 50}},
		{"common substring ing", OrganizationQuery{Search: "ing", Limit: 50}},
		{"mid substring tech", OrganizationQuery{Search: "Tech", Limit: 50}},
		{"rare substring", OrganizationQuery{Search: rare, Limit: 50}},
		{"no match", OrganizationQuery{Search: "qqqzzz", Limit: 50}},
		{"two letters", OrganizationQuery{Search: "ab", Limit: 50}},
		{"one letter", OrganizationQuery{Search: "e", Limit: 50}},
		{"numeric id", OrganizationQuery{Search: fmt.Sprint(orgs[31337].ID), Limit: 50}},
		{"deep offset", OrganizationQuery{Limit: 50, Offset: 99_000}},
		{"acme deep offset", OrganizationQuery{Search: "acme", Limit: 50, Offset: 1500}},
		{"acme within 500 ids", OrganizationQuery{Search: "acme", Limit: 50, IDs: benchmarkIDs(orgs, 500)}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var total int
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t0 := time.Now()
				page, err := s.SearchOrganizations(ctx, c.q)
				times = append(times, time.Since(t0))
				if err != nil {
					b.Fatalf("SearchOrganizations: %v", err)
				}
				total = page.Total
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(total), "matches")
		})
	}
}

// benchmarkOrganizations returns n organizations with names shaped like real
// company names: a common first word, an invented word, a trade and a legal
// form, so that substrings range from very common to unique.
func benchmarkOrganizations(n int) []Organization {
	firsts := strings.Fields(`Acme Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent
		Hooli Vandelay Massive Dynamic Northwind Contoso Fabrikam Adventure Blue Red Green Silver
		Golden Pacific Atlantic Summit Pioneer Liberty Eagle Falcon Orion Apex Vertex Zenith Nova
		Quantum Fusion Crystal Harbor Riverside Lakeside Mountain Prairie Desert Coastal Metro Urban
		Rural Global National United Allied First Premier Royal Imperial Sterling Evergreen Redwood Oakwood`)
	trades := strings.Fields(`Technologies Systems Solutions Networks Logistics Holdings Industries
		Labs Software Security Health Energy Foods Financial Capital Media Consulting Engineering
		Manufacturing Robotics Analytics Pharma Bank Insurance Motors Airlines Hotels Retail Trading
		Partners Ventures Research Education Telecom Data Cloud Devices Materials Chemicals Services`)
	forms := []string{"Inc.", "LLC", "Ltd", "GmbH", "S.A.", "B.V.", "Corp.", "Co.", "AG", "PLC", "Pty Ltd", "K.K."}
	syllables := strings.Fields(`ka ro vi lu ne ta mo si da pe zu ri fa no be ch or an el ix qu ur st gr`)
	statuses := []string{"active", "active", "active", "inactive"}

	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	orgs := make([]Organization, n)
	for i := range orgs {
		var word strings.Builder
		for range 2 + rng.IntN(3) {
			word.WriteString(pick(syllables))
		}
		invented := strings.ToUpper(word.String()[:1]) + word.String()[1:]
		name := strings.Join([]string{pick(firsts), invented, pick(trades), pick(forms)}, " ")
		o := Organization{ID: 100_000 + i, Name: name, DisplayName: name, Status: pick(statuses)}
		o.IsActive = o.Status == "active"
		if rng.IntN(5) == 0 {
			o.AssumedName = invented + " " + pick(trades)
		}
		orgs[i] = o
	}
	return orgs
}

// benchmarkIDs returns the ids of n organizations spread over orgs.
func benchmarkIDs(orgs []Organization, n int) []int {
	ids := make([]int, 0, n)
	for i := 0; i < len(orgs) && len(ids) < n; i += len(orgs) / n {
		ids = append(ids, orgs[i].ID)
	}
	return ids
}

// BenchmarkSearchOrganizationsOneCharacter measures single-character
// searches over 100,000 organizations for characters from rare to common:
// each is added to the names of every n-th organization, at the start of
// the name or as the last character of the display name. Few matches are
// found through the indexes, many by walking the names in order; the
// counts around 500 are where the two meet.
func BenchmarkSearchOrganizationsOneCharacter(b *testing.B) {
	ctx := context.Background()
	s := openTestStore(b)
	orgs := benchmarkOrganizations(100_000)
	marks := []struct {
		char  string
		every int
	}{{"ω", 5000}, {"ж", 400}, {"ñ", 200}, {"ø", 100}, {"ł", 20}}
	for _, m := range marks {
		for i := 0; i < len(orgs); i += m.every {
			if (i/m.every)%2 == 0 {
				orgs[i].Name = m.char + orgs[i].Name
			} else {
				orgs[i].DisplayName += " " + m.char
			}
		}
	}
	if err := s.ReplaceOrganizations(ctx, orgs, time.Now()); err != nil {
		b.Fatalf("ReplaceOrganizations: %v", err)
	}
	for _, m := range marks {
		for _, offset := range []int{0, 200} {
			q := OrganizationQuery{Search: m.char, Limit: 50, Offset: offset}
			b.Run(fmt.Sprintf("%s every %d offset %d", m.char, m.every, offset), func(b *testing.B) {
				var total int
				times := make([]time.Duration, 0, b.N)
				for b.Loop() {
					t0 := time.Now()
					page, err := s.SearchOrganizations(ctx, q)
					times = append(times, time.Since(t0))
					if err != nil {
						b.Fatalf("SearchOrganizations: %v", err)
					}
					total = page.Total
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
				b.ReportMetric(float64(total), "matches")
			})
		}
	}
}
