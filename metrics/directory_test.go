package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/store"
)

func TestScrapeShowsTheDirectoryAndTheBudget(t *testing.T) {
	m := New(Options{Version: "test"})
	m.DirectoryRead(directory.Read{OrganizationID: 1, Result: directory.ResultFirst})
	m.DirectoryRead(directory.Read{OrganizationID: 1, Result: directory.ResultChangedOutside, ByPage: true})
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	m.WatchDirectory(func(context.Context) (directory.Status, error) {
		return directory.Status{
			Now: now, TTL: 24 * time.Hour,
			Counts:  store.DirectoryCounts{Total: 100, Known: 60, Gone: 2, Unread: 38, Due: 5, OldestRead: now.Add(-time.Hour)},
			Pass:    directory.Pass{UnderWay: true, Done: 60, Remaining: 43, Estimate: 90 * time.Second},
			Stopped: "DigiCert refused the key",
			Budget: digicert.Budget{
				Windows: []digicert.WindowBudget{{Limit: 1000, Per: 5 * time.Minute,
					Used: map[digicert.Class]int{digicert.Interactive: 12, digicert.Background: 480},
					Caps: map[digicert.Class]int{digicert.Interactive: 1000, digicert.Bulk: 800, digicert.Background: 500}}},
				Admitted: map[digicert.Class]uint64{digicert.Background: 4321},
			},
		}, nil
	})
	text := scrape(t, m)
	for _, want := range []string{
		`contactdesk_directory_reads_total{by="worker",result="first"} 1`,
		`contactdesk_directory_reads_total{by="page",result="changed_outside"} 1`,
		`contactdesk_directory_organizations{state="known"} 60`,
		`contactdesk_directory_organizations{state="unread"} 38`,
		`contactdesk_directory_organizations_listed 100`,
		`contactdesk_directory_oldest_read_age_seconds 3600`,
		`contactdesk_directory_pass_remaining 43`,
		`contactdesk_directory_pass_estimate_seconds 90`,
		`contactdesk_directory_stopped 1`,
		`contactdesk_directory_paused 0`,
		`contactdesk_digicert_budget_used{class="background",window="5m0s"} 480`,
		`contactdesk_digicert_budget_cap{class="bulk",window="5m0s"} 800`,
		`contactdesk_digicert_admitted_total{class="background"} 4321`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("scrape lacks %s", want)
		}
	}
}

func TestScrapeWithoutTheDirectoryStatus(t *testing.T) {
	m := New(Options{Version: "test"})
	m.WatchDirectory(func(context.Context) (directory.Status, error) {
		return directory.Status{}, errors.New("database locked")
	})
	if text := scrape(t, m); strings.Contains(text, "contactdesk_directory_organizations{") {
		t.Error("a failed status still reported directory gauges")
	}
}
