package digicert

import (
	"testing"
	"time"
)

func TestBackoffCeiling(t *testing.T) {
	b := backoff{base: 500 * time.Millisecond, max: 8 * time.Second}
	tests := []struct {
		retry int
		want  time.Duration
	}{
		{0, 500 * time.Millisecond},
		{1, 500 * time.Millisecond},
		{2, time.Second},
		{3, 2 * time.Second},
		{4, 4 * time.Second},
		{5, 8 * time.Second},
		{6, 8 * time.Second},
		{1000, 8 * time.Second},
	}
	for _, tt := range tests {
		if got := b.ceiling(tt.retry); got != tt.want {
			t.Errorf("ceiling(%d) = %s, want %s", tt.retry, got, tt.want)
		}
	}
}

func TestBackoffDelayIsFullJitter(t *testing.T) {
	var asked []int64
	b := backoff{base: 100 * time.Millisecond, max: time.Second, randN: func(n int64) int64 {
		asked = append(asked, n)
		return n - 1
	}}
	for retry, want := range map[int]time.Duration{1: 100 * time.Millisecond, 3: 400 * time.Millisecond, 9: time.Second} {
		if got := b.delay(retry); got != want {
			t.Errorf("delay(%d) with the highest draw = %s, want %s", retry, got, want)
		}
	}
	b.randN = func(int64) int64 { return 0 }
	if got := b.delay(4); got != 0 {
		t.Errorf("delay(4) with the lowest draw = %s, want 0", got)
	}
	zero := backoff{randN: func(int64) int64 { t.Fatal("randN called for a zero ceiling"); return 0 }}
	if got := zero.delay(1); got != 0 {
		t.Errorf("delay with zero base = %s, want 0", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"1", time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"0", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{"99999999999999999", 24 * time.Hour, true},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 01 Mar 2025 11:59:00 GMT", 0, true},
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}
