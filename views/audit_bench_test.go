package views

import (
	"context"
	"fmt"
	"io"
	"testing"
)

// BenchmarkAuditLogRender renders a full page of the audit log: 50 rows
// and a chart with a bar for every outcome of every day.
//
//	go test ./views -run '^$' -bench AuditLogRender
func BenchmarkAuditLogRender(b *testing.B) {
	p := AuditLogPage{Page: Page{Title: "Audit log"}, ShowResults: true}
	for i := range 50 {
		p.Rows = append(p.Rows, AuditRow{
			URL: fmt.Sprintf("/audit/submissions/sub-%d", i), Time: "29 Nov 2026 09:00:00 UTC", DateTime: "2026-11-29T09:00:00Z",
			User: "editor@example.com", Organization: "Organization Ltd", OrganizationID: "100000",
			OrganizationURL: "/organizations/100000", Summary: "Technical contact replaced", Outcome: "Succeeded",
			OutcomeKey: "succeeded", Duration: "180 ms",
		})
	}
	for d := range 30 {
		p.Chart.Days = append(p.Chart.Days, ChartDay{Day: "Sun 29 Nov 2026", Counts: []int{1, 2, 3, 4, 5, 6}, Total: 21})
		for o := range 6 {
			p.Chart.Bars = append(p.Chart.Bars, ChartBar{X: d * 22, Y: o * 10, W: 16, H: 10, Fill: "#2e7d32", Title: "29 Nov: 1 succeeded"})
		}
	}
	for b.Loop() {
		if err := AuditLog(p).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
