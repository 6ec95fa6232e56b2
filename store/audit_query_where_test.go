package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAuditQueriesUseIndexes checks, with EXPLAIN QUERY PLAN on a log of
// 20,000 submissions whose statistics Optimize refreshed, which index
// SQLite's planner reads each filter of the audit log through, and that a
// filter on one value reads its index in time order, with no sort.
func TestAuditQueriesUseIndexes(t *testing.T) {
	sqliteOnly(t) // SQLite's query plans
	if raceEnabled {
		t.Skip("seeding 40,000 events takes minutes under the race detector")
	}
	ctx := context.Background()
	s := openTestStore(t)
	// 20 users, 5,000 organizations; the submissions (even events) are
	// those of 10 users and 2,500 organizations, one in 25 pending.
	seedAuditEvents(t, s, 40_000, benchmarkAuditEvent)
	if err := s.Optimize(ctx); err != nil {
		t.Fatal(err)
	}
	day := func(d int) time.Time { return time.Date(2025, 1, 1+d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		filter AuditFilter
		// index is the one to read; byOrganization stands for either of
		// the two that start with the organization, which serve a list of
		// organizations equally.
		index string
		// sorted is set where the rows are few enough to be sorted.
		sorted bool
	}{
		{"no filter", AuditFilter{}, "audit_submissions_occurred", false},
		{"period", AuditFilter{From: day(0), To: day(1)}, "audit_submissions_occurred", false},
		{"organization id", AuditFilter{OrganizationID: 100002}, "audit_submissions_organization", false},
		{"organization name, one", AuditFilter{OrganizationName: "organization 100002 "}, "audit_submissions_organization", false},
		{"organization and outcome", AuditFilter{OrganizationID: 100002, Outcome: OutcomeSucceeded}, "audit_submissions_organization_outcome", false},
		{"organization name, a few", AuditFilter{OrganizationName: "Organization 10000"}, byOrganization, true},
		{"editor's organizations, a few", AuditFilter{OrganizationIDs: []int{100002, 100004, 100006}}, byOrganization, true},
		{"organization name, every one", AuditFilter{OrganizationName: "ltd"}, "audit_submissions_occurred", false},
		{"user, one", AuditFilter{User: "editor04@"}, "audit_submissions_actor", false},
		{"user and outcome", AuditFilter{User: "editor04@", Outcome: OutcomePending}, "audit_submissions_actor_outcome", false},
		{"users, every one", AuditFilter{User: "example.com"}, "audit_submissions_occurred", false},
		{"outcome", AuditFilter{Outcome: OutcomePending}, "audit_submissions_outcome", false},
		{"outcome in a period", AuditFilter{Outcome: OutcomePending, From: day(0), To: day(1)}, "audit_submissions_outcome", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := queryPlan(t, s, tt.filter)
			m := planIndex.FindStringSubmatch(plan)
			switch {
			case m == nil:
				t.Errorf("plan %q reads no index of audit_submissions, want %s", plan, tt.index)
			case tt.index == byOrganization:
				if m[1] != "audit_submissions_organization" && m[1] != "audit_submissions_organization_outcome" {
					t.Errorf("plan %q, want it to read an index that starts with the organization", plan)
				}
			case m[1] != tt.index:
				t.Errorf("plan %q, want it to read %s", plan, tt.index)
			}
			if sorted := strings.Contains(plan, "TEMP B-TREE FOR ORDER BY"); sorted != tt.sorted {
				t.Errorf("plan %q: sorts %t, want %t", plan, sorted, tt.sorted)
			}
		})
	}
}

// byOrganization stands for either index that starts with the
// organization.
const byOrganization = "by organization"

// planIndex finds the index a plan reads audit_submissions through.
var planIndex = regexp.MustCompile(`\b(?:SCAN|SEARCH) s USING (?:COVERING )?INDEX (\w+)`)

// queryPlan is SQLite's plan for the first page of the audit log filtered
// by f, its steps joined by "; ".
func queryPlan(t *testing.T, s *Store, f AuditFilter) string {
	t.Helper()
	ctx := context.Background()
	var steps []string
	err := s.read(ctx, func(tx *sql.Tx) error {
		w, err := filterWhere(ctx, tx, s.engine, f)
		if err != nil {
			return err
		}
		query, args := submissionsQuery(w, true, 51)
		rows, err := tx.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			steps = append(steps, detail)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("plan of %+v: %v", f, err)
	}
	return strings.Join(steps, "; ")
}

// TestOpenRefreshesPlannerStatistics checks that opening a database whose
// audit log has no statistics yet gives the planner some.
func TestOpenRefreshesPlannerStatistics(t *testing.T) {
	sqliteOnly(t) // SQLite's planner statistics
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "contactdesk.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	seedAuditEvents(t, s, 100, benchmarkAuditEvent)
	if _, err := s.writer.ExecContext(ctx, `DELETE FROM sqlite_stat1`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.reader.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_stat1 WHERE idx = 'audit_submissions_occurred'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("statistics of audit_submissions_occurred after Open: %d rows, want 1", n)
	}
}
