package handlers_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

// BenchmarkOrganizationList measures the organization list page, server
// side through a real HTTP round trip on loopback, with 100,000 cached
// organizations, and reports the median per search.
//
//	go test ./handlers -run '^$' -bench OrganizationList -benchtime 300x
func BenchmarkOrganizationList(b *testing.B) {
	app := newTestApp(b)
	if err := app.Store.ReplaceOrganizations(context.Background(), generatedOrganizations(100_000), time.Now()); err != nil {
		b.Fatal(err)
	}
	for _, search := range []string{"", "acme", "tech", "ing", "vikaro", "ab", "e", "100500"} {
		b.Run("q="+search, func(b *testing.B) {
			path := "/organizations?q=" + url.QueryEscape(search)
			times := make([]time.Duration, 0, b.N)
			for b.Loop() {
				start := time.Now()
				if r := app.get(path); r.Status != 200 {
					b.Fatalf("status %d", r.Status)
				}
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
		})
	}
}

// generatedOrganizations returns n organizations with company-like names.
func generatedOrganizations(n int) []store.Organization {
	firsts := strings.Fields("Acme Globex Initech Umbrella Stark Wayne Northwind Contoso Fabrikam Pacific Atlantic Summit Pioneer Liberty Orion Apex Zenith Nova Quantum Harbor")
	trades := strings.Fields("Technologies Systems Solutions Networks Logistics Holdings Industries Labs Software Security Health Energy Foods Financial Consulting Engineering Trading")
	forms := strings.Fields("Inc. LLC Ltd GmbH S.A. B.V. Corp. AG PLC K.K.")
	syllables := strings.Fields("ka ro vi lu ne ta mo si da pe zu ri fa no be or an el ix ur")
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	orgs := make([]store.Organization, n)
	for i := range orgs {
		var word strings.Builder
		for range 2 + rng.IntN(3) {
			word.WriteString(pick(syllables))
		}
		w := word.String()
		name := fmt.Sprintf("%s %s%s %s %s", pick(firsts), strings.ToUpper(w[:1]), w[1:], pick(trades), pick(forms))
		orgs[i] = store.Organization{ID: 100_000 + i, Name: name, DisplayName: name, Status: "active", IsActive: true}
	}
	return orgs
}
