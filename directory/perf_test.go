package directory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
)

// TestPerformanceBackgroundShareAndInteractiveWait measures, against a
// sandbox of 5,000 organizations whose rate windows are shrunk so that a
// run takes about two minutes (see BENCHMARKS.md):
//
//   - with nobody working, the directory's background reads as a share of
//     what its share of the longest window allows;
//   - 32 people reading organization pages (each a fresh read from
//     DigiCert, a second apart on average): the time of their reads with
//     the directory idle, then with it reading as fast as its share lets
//     it, and the difference at the median and the 99th percentile;
//   - the requests the sandbox refused with 429 (there must be none).
//
// It reports figures; it fails only on a 429 or an error.
//
//	CONTACTDESK_PERF=1 go test ./directory -run Performance -v -timeout 10m
func TestPerformanceBackgroundShareAndInteractiveWait(t *testing.T) {
	if os.Getenv("CONTACTDESK_PERF") != "1" {
		t.Skip("set CONTACTDESK_PERF=1 to run the performance measurement (about two minutes)")
	}
	const (
		organizations = 5000
		users         = 32
		think         = time.Second
		// The measured spans, in whole longest windows after a warm-up of
		// one.
		shareWindows = 3
		readSpan     = 20 * time.Second
	)
	// DigiCert's 100 per 5 s and 1,000 per 5 minutes, shrunk 10 and 30
	// times: the background share allows 50 reads per 500 ms and 500 per
	// 10 s, so the longest window binds at 50 reads a second.
	sbWindows := []sandbox.RateWindow{{Limit: 100, Per: 500 * time.Millisecond}, {Limit: 1000, Per: 10 * time.Second}}
	windows := []digicert.RateWindow{{Limit: 100, Per: 500 * time.Millisecond}, {Limit: 1000, Per: 10 * time.Second}}
	longest := windows[1]
	share := float64(capOf(longest.Limit, digicert.DefaultShares().Background)) / longest.Per.Seconds()

	f := newFixture(t, fixtureOptions{
		sandbox: sandbox.Options{Windows: sbWindows, Organizations: organizations, RequestLog: 1},
		windows: windows,
	})
	ids := make([]int, 0, organizations)
	for _, o := range f.sb.Organizations() {
		ids = append(ids, o.ID)
	}
	ctx := context.Background()

	// 1. People alone, the directory paused.
	if err := f.dir.Pause(ctx); err != nil {
		t.Fatal(err)
	}
	stop := f.run()
	readPages(t, f, ids, users, think, 3*time.Second) // warm-up, not counted
	idle := readPages(t, f, ids, users, think, readSpan)
	stop()

	// 2. The directory alone, after a warm-up window.
	if err := f.dir.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	stop = f.run()
	time.Sleep(longest.Per)
	before := f.client.Budget().Admitted[digicert.Background]
	span := time.Duration(shareWindows) * longest.Per
	time.Sleep(span)
	done := f.client.Budget().Admitted[digicert.Background] - before
	got := float64(done) / span.Seconds()
	t.Logf("background alone: %d reads in %v = %.1f/s of a share of %.1f/s: %.1f %%", done, span, got, share, 100*got/share)

	// 3. People while the directory reads.
	busy := readPages(t, f, ids, users, think, readSpan)
	stop()
	t.Logf("people's reads, directory idle:    %s", idle)
	t.Logf("people's reads, directory reading: %s", busy)
	t.Logf("difference: median %+.1f ms, p99 %+.1f ms", ms(busy.at(0.5)-idle.at(0.5)), ms(busy.at(0.99)-idle.at(0.99)))
	b := f.client.Budget()
	t.Logf("admitted: interactive %d, background %d; directory known %d of %d",
		b.Admitted[digicert.Interactive], b.Admitted[digicert.Background], f.status().Counts.Known, organizations)
	if n := f.sb.RateLimited(); n != 0 {
		t.Errorf("the sandbox refused %d requests with 429, want none", n)
	}
}

// readTimes are the durations of people's reads, sorted.
type readTimes []time.Duration

func (r readTimes) at(p float64) time.Duration {
	if len(r) == 0 {
		return 0
	}
	return r[min(len(r)-1, int(p*float64(len(r))))]
}

func (r readTimes) String() string {
	return fmt.Sprintf("%d reads, median %.1f ms, p99 %.1f ms, max %.1f ms",
		len(r), ms(r.at(0.5)), ms(r.at(0.99)), ms(r.at(1)))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// readPages has users read organization pages fresh from DigiCert, with a
// pause of 0 to 2 × think between reads, for span, and returns how long
// each read took.
func readPages(t *testing.T, f *fixture, ids []int, users int, think, span time.Duration) readTimes {
	t.Helper()
	var (
		mu    sync.Mutex
		times readTimes
		wg    sync.WaitGroup
	)
	end := time.Now().Add(span)
	for u := range users {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(u), 7))
			for time.Now().Before(end) {
				time.Sleep(time.Duration(rng.Int64N(int64(2 * think))))
				t0 := time.Now()
				_, err := f.svc.RefreshOrganizationView(context.Background(), ids[rng.IntN(len(ids))])
				d := time.Since(t0)
				if err != nil {
					t.Errorf("read a page: %v", err)
					return
				}
				mu.Lock()
				times = append(times, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(times)
	return times
}

// capOf is the limiter's share of a window, rounded down.
func capOf(limit int, share float64) int { return max(1, int(float64(limit)*share+1e-9)) }
