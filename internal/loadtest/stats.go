package loadtest

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"sync"
	"text/tabwriter"
	"time"
)

// maxSamples bounds the latencies kept per flow; beyond it, samples are
// kept by reservoir so that percentiles stay representative while memory
// stays flat over a long run.
const maxSamples = 200_000

// Recorder collects the latency and status of every request, per flow. It
// is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	flows map[string]*flowStats
	seed  uint64
}

// flowStats is what one flow has recorded so far.
type flowStats struct {
	count    int
	errors   int
	statuses map[int]int
	samples  []time.Duration
	max      time.Duration
	lastErr  string
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{flows: map[string]*flowStats{}, seed: 0x9e3779b97f4a7c15}
}

// Record adds one request of flow that took d and answered status; err,
// when set, marks the request as failed (an unexpected status, a broken
// connection, a page without what it should hold).
func (r *Recorder) Record(flow string, d time.Duration, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.flows[flow]
	if f == nil {
		f = &flowStats{statuses: map[int]int{}}
		r.flows[flow] = f
	}
	f.count++
	f.statuses[status]++
	if err != nil {
		f.errors++
		f.lastErr = err.Error()
	}
	f.max = max(f.max, d)
	if len(f.samples) < maxSamples {
		f.samples = append(f.samples, d)
		return
	}
	// xorshift: a cheap, deterministic choice of the sample to replace.
	r.seed ^= r.seed << 13
	r.seed ^= r.seed >> 7
	r.seed ^= r.seed << 17
	if i := int(r.seed % uint64(f.count)); i < maxSamples {
		f.samples[i] = d
	}
}

// Summary is the outcome of one flow over a run.
type Summary struct {
	Flow     string
	Requests int
	Errors   int
	// Statuses counts the HTTP statuses answered; 0 counts requests that
	// got no answer.
	Statuses map[int]int
	// Throughput is requests per second over the run's duration.
	Throughput         float64
	P50, P90, P99, Max time.Duration
	// LastError is the last failure seen, to say what went wrong.
	LastError string
}

// Summaries returns one Summary per flow, sorted by name, with throughput
// computed over elapsed.
func (r *Recorder) Summaries(elapsed time.Duration) []Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Summary
	for name, f := range r.flows {
		out = append(out, f.summary(name, elapsed))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Flow < out[j].Flow })
	return out
}

// Combined returns one Summary, named name, of the requests of every flow
// listed taken together: the 99th percentile of several pages as one, for
// instance. Flows that recorded nothing are left out.
func (r *Recorder) Combined(name string, elapsed time.Duration, flows ...string) Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	all := &flowStats{statuses: map[int]int{}}
	for _, flow := range flows {
		f := r.flows[flow]
		if f == nil {
			continue
		}
		all.count += f.count
		all.errors += f.errors
		for status, n := range f.statuses {
			all.statuses[status] += n
		}
		all.samples = append(all.samples, f.samples...)
		all.max = max(all.max, f.max)
		if f.lastErr != "" {
			all.lastErr = f.lastErr
		}
	}
	return all.summary(name, elapsed)
}

// summary summarizes f as flow name, with throughput computed over
// elapsed.
func (f *flowStats) summary(name string, elapsed time.Duration) Summary {
	s := slices.Clone(f.samples)
	slices.Sort(s)
	sum := Summary{
		Flow:      name,
		Requests:  f.count,
		Errors:    f.errors,
		Statuses:  maps.Clone(f.statuses),
		P50:       percentile(s, 0.50),
		P90:       percentile(s, 0.90),
		P99:       percentile(s, 0.99),
		Max:       f.max,
		LastError: f.lastErr,
	}
	if elapsed > 0 {
		sum.Throughput = float64(f.count) / elapsed.Seconds()
	}
	return sum
}

// percentile returns the q-th quantile of sorted by the nearest-rank
// method, or 0 when there are no samples.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// WriteTable prints summaries as an aligned table, with the statuses seen.
func WriteTable(w io.Writer, summaries []Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "flow\trequests\terrors\treq/s\tp50\tp90\tp99\tmax\tstatuses\t")
	for _, s := range summaries {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t\n", s.Flow, s.Requests, s.Errors, s.Throughput,
			ms(s.P50), ms(s.P90), ms(s.P99), ms(s.Max), statusList(s.Statuses))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("loadtest: write table: %w", err)
	}
	for _, s := range summaries {
		if s.LastError != "" {
			fmt.Fprintf(w, "%s: last error: %s\n", s.Flow, s.LastError)
		}
	}
	return nil
}

// ms formats d in milliseconds with one decimal, the resolution that
// matters for page latencies.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

func statusList(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("%d:%d", k, m[k])
	}
	return s
}
