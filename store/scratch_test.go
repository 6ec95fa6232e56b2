package store

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestScratchSeed(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	ctx := context.Background()
	path := "/tmp/scratch/orgs.db"
	os.RemoveAll("/tmp/scratch")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	if err := s.ReplaceOrganizations(ctx, benchmarkOrganizations(100_000), time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %v", time.Since(start))
	start = time.Now()
	if err := s.ReplaceOrganizations(ctx, benchmarkOrganizations(100_000), time.Now()); err != nil {
		t.Fatal(err)
	}
	t.Logf("reseed %v", time.Since(start))
}

func TestScratchQuery(t *testing.T) {
	q := os.Getenv("SCRATCHQ")
	if q == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := Open(ctx, "/tmp/scratch/orgs.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ddl := os.Getenv("DDL"); ddl != "" {
		if _, err := s.writer.ExecContext(ctx, ddl); err != nil {
			t.Fatal(err)
		}
	}
	args := []any{}
	if a := os.Getenv("ARG"); a != "" {
		args = append(args, a)
	}
	rows, err := s.reader.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, parent, notused int
		var detail string
		rows.Scan(&id, &parent, &notused, &detail)
		t.Logf("plan: %d %d %s", id, parent, detail)
	}
	rows.Close()
	for i := 0; i < 5; i++ {
		start := time.Now()
		rows, err := s.reader.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		t.Logf("%d rows in %v", n, time.Since(start))
	}
}

func TestScratchShort(t *testing.T) {
	p := os.Getenv("PREFIX")
	if p == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := Open(ctx, "/tmp/scratch/orgs.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 4; i++ {
		start := time.Now()
		upper := p + strings.Repeat("\U0010FFFF", 3-len([]rune(p)))
		rows, err := s.reader.QueryContext(ctx, "SELECT term FROM organizations_search_vocab WHERE term >= ? AND term <= ?", p, upper)
		if err != nil {
			t.Fatal(err)
		}
		var terms []string
		for rows.Next() {
			var term string
			rows.Scan(&term)
			terms = append(terms, `"`+strings.ReplaceAll(term, `"`, `""`)+`"`)
		}
		rows.Close()
		t1 := time.Since(start)
		var n int
		q := strings.Join(terms, " OR ")
		if err := s.reader.QueryRowContext(ctx, "SELECT count(*) FROM organizations_search WHERE organizations_search MATCH ?", q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		t.Logf("%d terms in %v, %d matches total %v", len(terms), t1, n, time.Since(start))
	}
}
