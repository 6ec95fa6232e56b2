package crashtest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/internal/loadtest"
)

// Soak test parameters. The think time keeps the portal's calls to
// DigiCert under DigiCert's rate limit of 1000 per 5 minutes, which every
// organization page and send spends from.
const (
	soakDefaultDuration = 10 * time.Minute
	soakUsers           = 8
	soakThink           = 2 * time.Second
	soakSampleEvery     = 5 * time.Second
	// soakMaxGrowth is how much heap, goroutines and open files may grow
	// from the first quarter after warm-up to the last.
	soakMaxGrowth = 0.10
)

// soakGauges are the process metrics that must stay flat. The heap is
// read as the next GC's goal, which is set from the heap live after the
// last collection: the heap in use saws up and down with every cycle.
var soakGauges = []string{"go_goroutines", "go_memstats_next_gc_bytes", "process_open_fds"}

// soakShown are read and logged besides, without a limit.
var soakShown = []string{"go_memstats_heap_inuse_bytes"}

// TestSoak runs a working day's mix of flows against the real binary for
// ten minutes (CONTACTDESK_SOAK_DURATION to change it) and checks that no
// request fails and that the heap, the goroutines and the open files stay
// flat once warmed up.
func TestSoak(t *testing.T) {
	if os.Getenv("CONTACTDESK_SOAK") != "1" {
		t.Skip("the soak test takes ten minutes: set CONTACTDESK_SOAK=1 to run it")
	}
	duration := soakDefaultDuration
	if s := os.Getenv("CONTACTDESK_SOAK_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("CONTACTDESK_SOAK_DURATION=%q: %v", s, err)
		}
		duration = d
	}
	warmup := duration / 5
	ctx := context.Background()
	up := loadtest.StartUpstream(loadtest.UpstreamOptions{Delay: func() time.Duration { return 20 * time.Millisecond }})
	t.Cleanup(up.Close)
	portal := &loadtest.Portal{
		Binary: buildPortal(t),
		DB:     filepath.Join(t.TempDir(), "contactdesk.db"),
		Env:    []string{"DIGICERT_API_KEY=" + up.APIKey, "DIGICERT_BASE_URL=" + up.BaseURL()},
	}
	accounts, err := portal.AddAccounts(ctx, "soak", soakUsers)
	if err != nil {
		t.Fatal(err)
	}
	if err := portal.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(portal.Kill)
	watcher := signIn(t, portal.URL, accounts[:1])[0]

	type result struct {
		res loadtest.Result
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := loadtest.Run(ctx, loadtest.Config{
			BaseURL:  portal.URL,
			Accounts: accounts,
			Users:    soakUsers,
			Warmup:   warmup,
			Duration: duration - warmup,
			Think:    soakThink,
			Seed:     uint64(time.Now().UnixNano()),
		})
		done <- result{res, err}
	}()

	samples := map[string][]float64{}
	tick := time.NewTicker(soakSampleEvery)
	defer tick.Stop()
	started := time.Now()
	var r result
	for waiting := true; waiting; {
		select {
		case r = <-done:
			waiting = false
		case <-tick.C:
			if time.Since(started) < warmup {
				continue
			}
			m, err := watcher.Metrics(ctx)
			if err != nil {
				t.Fatalf("read metrics: %v", err)
			}
			for _, name := range append(soakGauges, soakShown...) {
				samples[name] = append(samples[name], m[name])
			}
		}
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Logf("soak of %s (%s warm-up), %d users:\n%s", duration, warmup, soakUsers, r.res)
	for _, s := range r.res.Summaries {
		if s.Errors > 0 {
			t.Errorf("%s: %d of %d requests failed; last: %s", s.Flow, s.Errors, s.Requests, s.LastError)
		}
	}
	for _, name := range soakGauges {
		first, last, ok := quarters(samples[name])
		if !ok {
			t.Errorf("%s: only %d samples, too few to compare", name, len(samples[name]))
			continue
		}
		growth := (last - first) / first
		t.Logf("%s: median %.0f in the first quarter after warm-up, %.0f in the last (%+.1f%%)", name, first, last, 100*growth)
		if growth > soakMaxGrowth {
			t.Errorf("%s grew %.1f%% after warm-up, want under %.0f%%", name, 100*growth, 100*soakMaxGrowth)
		}
	}
	for _, name := range soakShown {
		if first, last, ok := quarters(samples[name]); ok {
			t.Logf("%s: median %.0f in the first quarter after warm-up, %.0f in the last", name, first, last)
		}
	}
	if err := portal.Stop(time.Minute); err != nil {
		t.Error(err)
	}
}

// quarters returns the medians of the first and the last quarter of
// samples; medians, because the heap saws up and down with every GC.
func quarters(samples []float64) (first, last float64, ok bool) {
	n := len(samples) / 4
	if n < 1 {
		return 0, 0, false
	}
	return median(samples[:n]), median(samples[len(samples)-n:]), true
}

func median(s []float64) float64 {
	s = slices.Clone(s)
	slices.Sort(s)
	return s[len(s)/2]
}
