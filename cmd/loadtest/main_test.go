package main

import (
	"testing"
	"time"
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
	}
	for _, tt := range tests {
		if _, err := parse(tt.args); (err != nil) != tt.wantErr {
			t.Errorf("parse(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
		}
	}
}
