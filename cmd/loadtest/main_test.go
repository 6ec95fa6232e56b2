package main

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

func TestIDRange(t *testing.T) {
	tests := []struct {
		in         string
		n          int
		first, end int
		wantErr    bool
	}{
		{"100000-104999", 5000, 100000, 104999, false},
		{"7-7", 1, 7, 7, false},
		{"9-1", 0, 0, 0, true},
		{"12", 0, 0, 0, true},
		{"a-b", 0, 0, 0, true},
	}
	for _, tt := range tests {
		ids, err := idRange(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("idRange(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			continue
		}
		if len(ids) != tt.n || ids[0] != tt.first || ids[len(ids)-1] != tt.end {
			t.Errorf("idRange(%q) = %d ids from %d to %d, want %d from %d to %d", tt.in, len(ids), ids[0], ids[len(ids)-1], tt.n, tt.first, tt.end)
		}
	}
}

func TestFaultFor(t *testing.T) {
	tests := []struct {
		name    string
		ok      bool
		status  int
		latency time.Duration
		drop    bool
	}{
		{"none", true, 0, 0, false},
		{"slow", true, 0, 10 * time.Second, false},
		{"reset", true, 0, 0, true},
		{"5xx", true, 503, 0, false},
		{"429", true, 429, 0, false},
		{"flood", false, 0, 0, false},
	}
	for _, tt := range tests {
		f, ok := faultFor(tt.name)
		if ok != tt.ok {
			t.Errorf("faultFor(%q) ok = %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if f == nil {
			if tt.status != 0 || tt.latency != 0 || tt.drop {
				t.Errorf("faultFor(%q) = nil, want a fault", tt.name)
			}
			continue
		}
		if f.Method != "PUT" || f.Status != tt.status || f.Latency != tt.latency || f.DropConnection != tt.drop || f.Count < 1_000_000 {
			t.Errorf("faultFor(%q) = %+v, want every PUT answered with status %d after %s, drop %v", tt.name, *f, tt.status, tt.latency, tt.drop)
		}
	}
}

func TestParseNeedsATarget(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr bool
	}{
		{[]string{"-binary", "/tmp/contactdesk"}, false},
		{[]string{"-url", "http://127.0.0.1:8080", "-accounts", "a.txt"}, false},
		{[]string{}, true},
		{[]string{"-binary", "x", "-fault", "flood"}, true},
		{[]string{"-binary", "x", "-duration", "2h"}, true},
		{[]string{"-binary", "x", "-organizations", "10000", "-idle-wait", "10s"}, false},
		{[]string{"-binary", "x", "-organizations", "-1"}, true},
		{[]string{"-binary", "x", "-compare", "audit"}, true},
		{[]string{"-binary", "x", "-bulk", "1000", "-rate", "100/500ms,1000/10s"}, false},
		{[]string{"-binary", "x", "-bulk", "1000", "-users", "0"}, true},
		{[]string{"-url", "http://127.0.0.1:8080", "-accounts", "a.txt", "-bulk", "10"}, true},
		{[]string{"-binary", "x", "-bulk", "-1"}, true},
		{[]string{"-binary", "x", "-bulk", "10", "-bulk-directory", "stop"}, true},
		{[]string{"-binary", "x", "-bulk", "10", "-bulk-directory", "pause"}, false},
		{[]string{"-binary", "x", "-rate", "100 per second"}, true},
	}
	for _, tt := range tests {
		if _, err := parse(tt.args); (err != nil) != tt.wantErr {
			t.Errorf("parse(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
		}
	}
}

func TestBulkShare(t *testing.T) {
	windows := []sandbox.RateWindow{{Limit: 100, Per: 500 * time.Millisecond}, {Limit: 1000, Per: 10 * time.Second}}
	tests := []struct {
		name      string
		took      time.Duration
		bulk      float64
		allowance float64
		percent   float64
	}{
		// 800 per 10 s binds (80/s, against 160/s for 80 per 500 ms).
		{"longer than every window", 40 * time.Second, 3000, 3200, 93.75},
		{"at the share's rate", 37500 * time.Millisecond, 3000, 3000, 100},
		// Shorter than the long window, a job may use all its 800: the
		// short window's 80 per 500 ms allows 480 in 3 s.
		{"shorter than the long window", 3 * time.Second, 240, 480, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bulkAllowance(windows, tt.took); math.Abs(got-tt.allowance) > 1e-6 {
				t.Errorf("bulkAllowance over %s = %.1f, want %.1f", tt.took, got, tt.allowance)
			}
			percent, rate := jobShare(jobFigures{took: tt.took, admitted: map[string]float64{"bulk": tt.bulk}}, windows)
			if math.Abs(percent-tt.percent) > 1e-6 || rate != 80 {
				t.Errorf("jobShare = %.2f %% of %.1f/s, want %.2f %% of 80/s", percent, rate, tt.percent)
			}
		})
	}
}

func TestJobOrganizationsLeaveTheUsersOnes(t *testing.T) {
	var orgs []sandbox.Organization
	for id := 1001; id <= 1010; id++ {
		orgs = append(orgs, sandbox.Organization{ID: id})
	}
	if got, want := jobOrganizations(orgs, []int{1002, 1004, 1005}, 4), []int{1001, 1003, 1006, 1007}; !slices.Equal(got, want) {
		t.Errorf("jobOrganizations = %v, want %v", got, want)
	}
	if got := jobOrganizations(orgs, []int{1001}, 20); len(got) != 9 {
		t.Errorf("jobOrganizations of 20 from 9 left = %v, want the 9", got)
	}
}
