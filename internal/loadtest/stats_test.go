package loadtest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one", []time.Duration{ms(7)}, 0.99, ms(7)},
		{"median of 100", hundred, 0.50, ms(50)},
		{"p90 of 100", hundred, 0.90, ms(90)},
		{"p99 of 100", hundred, 0.99, ms(99)},
		{"max of 100", hundred, 1, ms(100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.q); got != tt.want {
				t.Errorf("percentile(%v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestRecorderSummaries(t *testing.T) {
	r := NewRecorder()
	for i := 1; i <= 10; i++ {
		r.Record("page", time.Duration(i)*time.Millisecond, 200, nil)
	}
	r.Record("send", 5*time.Millisecond, 500, errors.New("status 500, want [303]"))
	got := r.Summaries(2 * time.Second)
	if len(got) != 2 || got[0].Flow != "page" || got[1].Flow != "send" {
		t.Fatalf("summaries = %+v, want page then send", got)
	}
	page := got[0]
	if page.Requests != 10 || page.Errors != 0 || page.Throughput != 5 || page.Max != 10*time.Millisecond || page.Statuses[200] != 10 {
		t.Errorf("page = %+v, want 10 requests, no errors, 5/s, max 10ms, 10 × 200", page)
	}
	if got[1].Errors != 1 || got[1].LastError == "" {
		t.Errorf("send = %+v, want 1 error with its message", got[1])
	}
	var b strings.Builder
	if err := WriteTable(&b, got); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "send: last error: status 500") {
		t.Errorf("table = %q, want the last error of send", b.String())
	}
}

func TestRecorderKeepsBoundedSamples(t *testing.T) {
	r := NewRecorder()
	for i := 0; i < maxSamples+1000; i++ {
		r.Record("page", time.Millisecond, 200, nil)
	}
	if n := len(r.flows["page"].samples); n != maxSamples {
		t.Errorf("kept %d samples, want %d", n, maxSamples)
	}
	if got := r.Summaries(time.Second)[0].Requests; got != maxSamples+1000 {
		t.Errorf("counted %d requests, want %d", got, maxSamples+1000)
	}
}

func TestRecorderCombined(t *testing.T) {
	r := NewRecorder()
	// review: 1..50 ms; send: 51..100 ms; a page not asked for: 1 s.
	for i := 1; i <= 50; i++ {
		r.Record("review", time.Duration(i)*time.Millisecond, 200, nil)
		r.Record("send", time.Duration(50+i)*time.Millisecond, 303, nil)
	}
	r.Record("list", time.Second, 200, nil)
	r.Record("send", 100*time.Millisecond, 502, errors.New("status 502, want [303]"))
	got := r.Combined("digicert", 2*time.Second, "review", "send", "export")
	if got.Flow != "digicert" || got.Requests != 101 || got.Errors != 1 || got.Statuses[200] != 50 || got.Statuses[303] != 50 || got.Statuses[502] != 1 {
		t.Errorf("combined = %+v, want 101 requests of review and send, 1 error, 50 × 200, 50 × 303, 1 × 502", got)
	}
	if got.P50 != 51*time.Millisecond || got.P99 != 100*time.Millisecond || got.Max != 100*time.Millisecond {
		t.Errorf("combined p50 %s, p99 %s, max %s; want 51ms, 100ms, 100ms: the list's 1 s left out", got.P50, got.P99, got.Max)
	}
	if got.Throughput != 50.5 {
		t.Errorf("combined throughput %.2f/s, want 50.50", got.Throughput)
	}
	if empty := r.Combined("none", time.Second, "audit"); empty.Requests != 0 || empty.P99 != 0 {
		t.Errorf("combined of a flow never run = %+v, want nothing", empty)
	}
}
