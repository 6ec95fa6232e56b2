package store

import (
	"context"
	"io"
	"runtime"
	"slices"
	"testing"
	"time"
)

// seedChainedLog appends n events of benchmarkAuditEvent with a valid
// chain. The audit index is dropped while they are written and rebuilt
// once by its migration, which is much faster than its triggers firing a
// million times. Then the planner's statistics are refreshed, as a portal
// starting on the database does.
func seedChainedLog(b *testing.B, s *Store, n int) {
	b.Helper()
	ctx := context.Background()
	p, err := s.migrationProvider()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 4); err != nil {
		b.Fatalf("migrate down: %v", err)
	}
	seedAuditEvents(b, s, n, benchmarkAuditEvent)
	if _, err := p.Up(ctx); err != nil {
		b.Fatalf("migrate up: %v", err)
	}
	if err := s.Optimize(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkAuditLog measures the audit log over one million events
// (500,000 submissions, 5,000 organizations, 20 users): pages with every
// kind of filter, first and deep, exports, and a full chain check. Each
// page case reports its median besides the mean.
//
//	go test ./store -run '^$' -bench BenchmarkAuditLog -benchtime 200x
func BenchmarkAuditLog(b *testing.B) {
	const events = 1_000_000
	ctx := context.Background()
	s := openTestStore(b)
	start := time.Now()
	seedChainedLog(b, s, events)
	b.Logf("seeded %d events in %v", events, time.Since(start))

	middle := AuditCursor{OccurredAt: benchmarkAuditEvent(events / 2).OccurredAt, ID: events/2 + 1}
	oldest := AuditCursor{OccurredAt: benchmarkAuditEvent(200).OccurredAt, ID: 201}
	day := func(d int) time.Time { return time.Date(2025, 1, 1+d, 0, 0, 0, 0, time.UTC) }
	pages := []struct {
		name string
		q    AuditPageQuery
	}{
		{"first", AuditPageQuery{}},
		{"deep/middle", AuditPageQuery{Before: &middle}},
		{"deep/last", AuditPageQuery{Before: &oldest}},
		{"deep/newer", AuditPageQuery{After: &middle}},
		{"organization id", AuditPageQuery{Filter: AuditFilter{OrganizationID: 102344}}},
		{"organization id/deep", AuditPageQuery{Filter: AuditFilter{OrganizationID: 102344}, Before: &middle}},
		{"organization name one", AuditPageQuery{Filter: AuditFilter{OrganizationName: "organization 102344 "}}},
		{"organization name few", AuditPageQuery{Filter: AuditFilter{OrganizationName: "Organization 10234"}}},
		{"organization name 50", AuditPageQuery{Filter: AuditFilter{OrganizationName: "Organization 1002"}}},
		{"organization name all", AuditPageQuery{Filter: AuditFilter{OrganizationName: "ltd"}}},
		{"organization name all/deep", AuditPageQuery{Filter: AuditFilter{OrganizationName: "ltd"}, Before: &middle}},
		{"user", AuditPageQuery{Filter: AuditFilter{User: "editor08@"}}},
		{"user/deep", AuditPageQuery{Filter: AuditFilter{User: "editor08@"}, Before: &oldest}},
		{"users all", AuditPageQuery{Filter: AuditFilter{User: "example.com"}}},
		{"outcome common", AuditPageQuery{Filter: AuditFilter{Outcome: OutcomeSucceeded}}},
		{"outcome rare", AuditPageQuery{Filter: AuditFilter{Outcome: OutcomePending}}},
		{"outcome none", AuditPageQuery{Filter: AuditFilter{Outcome: OutcomeNoAnswer}}},
		{"from to", AuditPageQuery{Filter: AuditFilter{From: day(3), To: day(4)}}},
		{"user outcome from to", AuditPageQuery{Filter: AuditFilter{User: "editor04", Outcome: OutcomeSucceeded, From: day(5), To: day(7)}}},
		{"user rare outcome", AuditPageQuery{Filter: AuditFilter{User: "editor06", Outcome: OutcomePending}}},
		{"organization user none", AuditPageQuery{Filter: AuditFilter{OrganizationID: 100002, User: "editor04@"}}},
		{"allowed 50 organizations", AuditPageQuery{Filter: AuditFilter{OrganizationIDs: benchmarkOrganizationIDs(50)}}},
		{"allowed 2000 organizations", AuditPageQuery{Filter: AuditFilter{OrganizationIDs: benchmarkOrganizationIDs(2000)}}},
	}
	for _, pc := range pages {
		pc.q.Limit = 50
		b.Run("page/"+pc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				t0 := time.Now()
				if _, err := s.AuditSubmissions(ctx, pc.q); err != nil {
					b.Fatalf("AuditSubmissions: %v", err)
				}
				times = append(times, time.Since(t0))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
		})
	}
	b.Run("chart", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.AuditDailyCounts(ctx, day(0), day(30), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, format := range []AuditExportFormat{ExportCSV, ExportJSON} {
		b.Run("export/"+string(format), func(b *testing.B) {
			benchmarkExport(b, s, format, AuditFilter{}, events)
		})
	}
	// A filter that keeps every submission still reads them through the
	// submissions: the slowest path, one lookup per submission.
	b.Run("export/csv/filtered", func(b *testing.B) {
		benchmarkExport(b, s, ExportCSV, AuditFilter{From: day(0)}, events)
	})
	b.Run("export/csv/user", func(b *testing.B) {
		benchmarkExport(b, s, ExportCSV, AuditFilter{User: "editor08@"}, events/10)
	})
	b.Run("verify", func(b *testing.B) {
		for b.Loop() {
			head, err := s.VerifyAuditChain(ctx)
			if err != nil {
				b.Fatalf("VerifyAuditChain: %v", err)
			}
			if head.Count != events {
				b.Fatalf("VerifyAuditChain counted %d events, want %d", head.Count, events)
			}
		}
	})
}

func benchmarkOrganizationIDs(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = 100_000 + i*(5000/n)
	}
	return ids
}

// benchmarkExport exports the events f selects (there must be events of
// them) to io.Discard, reporting events per second and the peak heap in
// use, sampled every 50,000 events.
func benchmarkExport(b *testing.B, s *Store, format AuditExportFormat, f AuditFilter, events int) {
	var peak uint64
	total, elapsed := 0, time.Duration(0)
	for b.Loop() {
		runtime.GC()
		enc := NewAuditEncoder(io.Discard, format)
		n := 0
		t0 := time.Now()
		_, err := s.ExportAuditEvents(context.Background(), f, 0, func(e AuditRecord) error {
			n++
			if n%50_000 == 0 {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
			}
			return enc.Encode(e)
		})
		if err == nil {
			err = enc.Flush()
		}
		if err != nil {
			b.Fatal(err)
		}
		if n != events {
			b.Fatalf("exported %d events, want %d", n, events)
		}
		total += n
		elapsed += time.Since(t0)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
