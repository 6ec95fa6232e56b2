package loadtest

import (
	"context"
	"testing"
	"time"
)

func TestBareServesThePageBytes(t *testing.T) {
	body := []byte("<!DOCTYPE html><title>page</title>")
	s, err := bare(context.Background(), body, "page", Config{Users: 2, Duration: 200 * time.Millisecond, MaxRequests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if s.Flow != "bare page" || s.Requests == 0 || s.Errors != 0 || s.Statuses[200] != s.Requests {
		t.Errorf("bare handler: %+v, want only 200s and no errors", s)
	}
	if s.Requests > 100 {
		t.Errorf("bare handler served %d requests, want at most 2 users × 50", s.Requests)
	}
}

func TestComparisonRatio(t *testing.T) {
	c := Comparison{Portal: Summary{Throughput: 300}, Bare: Summary{Throughput: 1000}}
	if got := c.Ratio(); got != 0.3 {
		t.Errorf("Ratio() = %v, want 0.3", got)
	}
	if got := (Comparison{}).Ratio(); got != 0 {
		t.Errorf("Ratio() without a bare measurement = %v, want 0", got)
	}
}
