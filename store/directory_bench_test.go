package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// benchmarkDirectory fills s with the directory of orgs organizations,
// each with an organization contact and two of three with a technical
// contact (about 100,000 contacts for 60,000 organizations). People are
// drawn from a pool of about two thirds as many, so that many are contact
// of several organizations, with names from common to rare. It returns the
// organizations' ids, which follow on from firstID.
func benchmarkDirectory(tb testing.TB, s *Store, firstID, orgs int) []int {
	tb.Helper()
	ctx := context.Background()
	firsts := strings.Fields(`Grace Raj Ada Alan Linus Margaret Barbara Ken Dennis Bjarne Guido James
		Anders Brian Rob Russ Robert Frances Katherine Dorothy Mary Annie Hedy Radia Sophie Shafi Tim
		Vint Whitfield Martin Leslie Donald Edsger Tony John Niklaus Ole Kristen Adele Jean Jeanette
		Evelyn Ida Erna Klara Hana Yuki Haruto Chen Wei Li Priya Arjun Ananya Rohan Fatima Omar Layla
		Youssef Zeynep Emre Olga Ivan Dmitri Anya Lars Ingrid Sven Astrid Pierre Amélie Jérôme Chloé
		José María Lucía Mateo Sofía João Inês Giulia Luca Francesca Marco Aoife Seán Niamh Ciarán`)
	lasts := strings.Fields(`Hopper Patel Lovelace Turing Torvalds Hamilton Liskov Thompson Ritchie
		Stroustrup Rossum Gosling Hejlsberg Kernighan Pike Cox Griesemer Allen Johnson Vaughan Jackson
		Easley Lamarr Perlman Wilson Goldwasser Berners-Lee Cerf Diffie Hellman Lamport Knuth Dijkstra
		Hoare McCarthy Wirth Dahl Nygaard Goldberg Sammet Bartik Clarke Rhodes Nakamura Tanaka Suzuki
		Wang Zhang Liu Sharma Gupta Iyer Reddy Khan Haddad Yilmaz Kaya Petrov Ivanova Larsen Nilsson
		Dubois Lefèvre Müller Schäfer García Núñez Fernández Silva Rossi Bianchi Murphy O'Brien Kelly
		Nguyen Tran Kowalski Nowak Horvat Novak Papadopoulos Cohen Levi Andersen Jensen Virtanen`)
	rng := rand.New(rand.NewPCG(3, 4))
	people := orgs * 2 / 3 * 5 / 3
	person := func(n int) (first, last, email string) {
		first, last = firsts[n%len(firsts)], lasts[(n/len(firsts))%len(lasts)]
		local := strings.ToLower(strings.ReplaceAll(first+"."+last, "'", ""))
		domains := []string{"acme.example", "ops.acme.example", "contractor.example", "mail.example"}
		return first, last, fmt.Sprintf("%s%d@%s", local, n/(len(firsts)*len(lasts)), domains[n%len(domains)])
	}
	ids := make([]int, orgs)
	start := time.Now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		var rows []Organization
		for i := range orgs {
			id := firstID + i
			ids[i] = id
			rows = append(rows, Organization{ID: id, Name: fmt.Sprintf("Organization %d", id), Status: "active"})
			read := DirectoryRead{OrganizationID: id, Name: rows[i].Name, ReadAt: dirT0, DoneAt: dirT0, DueAt: dirT0.Add(24 * time.Hour)}
			f, l, e := person(rng.IntN(people))
			read.Contacts = append(read.Contacts, DirectoryContact{OrganizationID: id, Type: OrganizationContactType,
				ContactID: 2 * id, FirstName: f, LastName: l, Email: e, JobTitle: "Director", LanguageID: "1"})
			if i%3 != 0 {
				f, l, e := person(rng.IntN(people))
				read.Contacts = append(read.Contacts, DirectoryContact{OrganizationID: id, Type: TechnicalContactType,
					ContactID: 2*id + 1, FirstName: f, LastName: l, Email: e, JobTitle: "Engineer", LanguageID: "1"})
			}
			if err := s.writeDirectoryRead(ctx, tx, read, DirectoryEntry{}); err != nil {
				return err
			}
		}
		return upsertOrganizations(ctx, tx, rows, organizationTexts(rows), formatTime(dirT0))
	})
	if err != nil {
		tb.Fatalf("seed the directory: %v", err)
	}
	var contacts, persons int
	if err := s.reader.QueryRowContext(ctx,
		`SELECT (SELECT count(*) FROM directory_contacts), (SELECT count(*) FROM directory_people)`).
		Scan(&contacts, &persons); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("seeded %d contacts (%d people) of %d organizations in %v", contacts, persons, orgs, time.Since(start))
	return ids
}

func organizationTexts(orgs []Organization) []string {
	texts := make([]string, len(orgs))
	for i, o := range orgs {
		texts[i] = searchText(o)
	}
	return texts
}

// peopleSearches are what people type into Search people, from a common
// first name to a rare combination, an email fragment and one letter.
var peopleSearches = []string{
	"grace", "gra", "Hopper", "raj patel", "patel raj", "lovelace", "amelie", "nunez",
	"jose garcia", "o'brien", "acme", "ops.acme", "contractor", "margaret.hamilton",
	"k", "zz", "wei", "berners", "niamh kelly", "nobody here",
}

// BenchmarkSearchPeople measures Search people over 100,000 contacts: the
// FTS5 index the store uses, and, for comparison, the plain alternative
// of matching text in every row (no B-tree index answers "contains" or a
// word inside a name or an email). Each reports the median and 99th
// percentile over a mix of typical searches.
func BenchmarkSearchPeople(b *testing.B) {
	s := openTestStore(b)
	ids := benchmarkDirectory(b, s, 200_000, 60_000)
	ctx := context.Background()
	editor := ids[:500]
	searches := []struct {
		name string
		run  func(q string) (int, error)
	}{
		{"fts5 index", func(q string) (int, error) {
			page, err := s.SearchPeople(ctx, PeopleQuery{Search: q, Limit: 50})
			return page.Total, err
		}},
		{"fts5 index editor of 500", func(q string) (int, error) {
			page, err := s.SearchPeople(ctx, PeopleQuery{Search: q, Limit: 50, OrganizationIDs: editor})
			return page.Total, err
		}},
		{"plain scan", func(q string) (int, error) { return plainPeopleSearch(ctx, s, q) }},
	}
	for _, sr := range searches {
		b.Run(sr.name, func(b *testing.B) {
			var times []time.Duration
			matches := 0
			i := 0
			for b.Loop() {
				q := peopleSearches[i%len(peopleSearches)]
				i++
				t0 := time.Now()
				n, err := sr.run(q)
				times = append(times, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				matches += n
			}
			reportPercentiles(b, times)
			b.ReportMetric(float64(matches)/float64(len(times)), "matches/op")
		})
	}
	b.Run("fts5 index no search", func(b *testing.B) {
		var times []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := s.SearchPeople(ctx, PeopleQuery{Limit: 50, Offset: 20_000}); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		reportPercentiles(b, times)
	})
	b.Run("fts5 index outside our domains", func(b *testing.B) {
		var times []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := s.SearchPeople(ctx, PeopleQuery{Limit: 50, OutsideDomains: []string{"acme.example", "mail.example"}}); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		reportPercentiles(b, times)
	})
	b.Run("organizations by contact", func(b *testing.B) {
		var times []time.Duration
		i := 0
		for b.Loop() {
			q := peopleSearches[i%len(peopleSearches)]
			i++
			t0 := time.Now()
			if _, err := s.SearchOrganizations(ctx, OrganizationQuery{Search: q, Limit: 50}); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(t0))
		}
		reportPercentiles(b, times)
	})
}

// plainPeopleSearch is the people search without the FTS5 index: every
// word must occur in the folded name or email, tested row by row.
func plainPeopleSearch(ctx context.Context, s *Store, search string) (int, error) {
	var conds []string
	var args []any
	for _, w := range strings.Fields(searchKey(search)) {
		conds = append(conds, `instr(lower(p.name || ' ' || p.email), ?) > 0`)
		args = append(args, w)
	}
	where := strings.Join(conds, " AND ")
	var total int
	err := s.read(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM directory_people AS p WHERE `+where, args...).Scan(&total); err != nil {
			return err
		}
		ids, err := queryIDs(ctx, tx, `SELECT p.id FROM directory_people AS p WHERE `+where+` ORDER BY p.sort_key, p.id LIMIT 50`, args...)
		if err != nil {
			return err
		}
		people := make([]Person, len(ids))
		for i, id := range ids {
			people[i].ID = id
		}
		return s.fillContacts(ctx, tx, people, nil)
	})
	return total, err
}

// reportPercentiles reports the median and 99th percentile of times in
// milliseconds.
func reportPercentiles(b *testing.B, times []time.Duration) {
	slices.Sort(times)
	at := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), "median-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}
