package handlers

import (
	"slices"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/store"
)

func TestBuildChart(t *testing.T) {
	first := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	counts := []store.AuditDayCount{
		{Day: first, Outcome: store.OutcomeSucceeded, Count: 3},
		{Day: first, Outcome: store.OutcomeRejected, Count: 1},
		{Day: first.AddDate(0, 0, 29), Outcome: store.OutcomeNoAnswer, Count: 7},
		{Day: first.AddDate(0, 0, 30), Outcome: store.OutcomeNoAnswer, Count: 100}, // outside
		{Day: first, Outcome: "exploded", Count: 100},                              // unknown
	}
	c := buildChart(first, counts)
	if len(c.Days) != chartDays {
		t.Fatalf("got %d days, want %d", len(c.Days), chartDays)
	}
	if got, want := c.Days[0].Counts, []int{3, 0, 0, 0, 1, 0, 0}; !slices.Equal(got, want) || c.Days[0].Total != 4 {
		t.Errorf("first day counts = %v (total %d), want %v (total 4)", got, c.Days[0].Total, want)
	}
	if got := c.Days[29]; got.Day != "Mon 30 Mar 2026" || got.Total != 7 {
		t.Errorf("last day = %+v, want Mon 30 Mar 2026 with 7", got)
	}
	if want := "11 submissions from 1 Mar to 30 Mar 2026: 3 succeeded, 7 outcome unknown, 1 not sent."; c.Caption != want {
		t.Errorf("caption = %q, want %q", c.Caption, want)
	}
	if len(c.Bars) != 3 {
		t.Errorf("got %d bars, want 3", len(c.Bars))
	}
	for _, b := range c.Bars {
		if b.Y < chartTop || b.Y+b.H > chartBottom || b.H < 1 {
			t.Errorf("bar %+v is outside the plot area", b)
		}
	}
	if empty := buildChart(first, nil); empty.Caption != "No submissions from 1 Mar to 30 Mar 2026." || len(empty.Bars) != 0 {
		t.Errorf("empty chart: caption %q, %d bars", empty.Caption, len(empty.Bars))
	}
}

func TestNiceCeiling(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, 2}, {1, 2}, {2, 2}, {3, 4}, {5, 6}, {7, 10}, {10, 10}, {11, 20}, {45, 60}, {61, 100}, {1001, 2000}} {
		if got := niceCeiling(tt.in); got != tt.want {
			t.Errorf("niceCeiling(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
