package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/internal/loadtest"
	"github.com/contactdesk/contactdesk/sandbox"

	"github.com/contactdesk/contactdesk/internal/sleep"
)

// bulkPoll is how often a job's progress is read while it runs: the
// resolution of its measured duration.
const bulkPoll = 100 * time.Millisecond

// jobFigures is what one bulk job came to.
type jobFigures struct {
	organizations int
	// took is from the start of the job to the first reading of its
	// progress that showed it finished.
	took time.Duration
	// admitted counts the DigiCert requests the portal's limiter let
	// through meanwhile, per class.
	admitted map[string]float64
	// refused counts the 429 answers of the sandbox meanwhile.
	refused int
	// counts are the job's organizations by state at its end.
	counts map[string]int
}

// runBulk measures a bulk job in three runs: the job alone, for its use
// of the bulk class's share of the rate windows; the users alone for the
// run's duration (the baseline); the same users while a job of the same
// organizations runs. It reports the share the job achieved, the 429
// answers, and the p99 of the pages that read DigiCert without and with
// the job, and their difference. The job's organizations are none of
// those the users open and change, so that neither makes the other's
// changes stale.
func runBulk(ctx context.Context, o options, cfg loadtest.Config, starter loadtest.Account, up *loadtest.Upstream, windows []sandbox.RateWindow, stdout io.Writer) error {
	admin, err := loadtest.NewUser(cfg.BaseURL, loadtest.NewRecorder())
	if err != nil {
		return err
	}
	defer admin.Close()
	if err := admin.SignIn(ctx, starter); err != nil {
		return err
	}
	target, err := admin.Discover(ctx)
	if err != nil {
		return err
	}
	target.AuditOrganizations = cfg.Target.AuditOrganizations
	cfg.Target = target
	ids := jobOrganizations(up.Organizations(), target.Organizations, o.bulk)
	if len(ids) < o.bulk {
		return fmt.Errorf("-bulk %d: the sandbox holds %d organizations besides the %d the users open; give -organizations %d or more",
			o.bulk, len(ids), len(target.Organizations), o.bulk+len(target.Organizations))
	}
	if err := waitDirectory(ctx, admin); err != nil {
		return err
	}
	if o.bulkDirectory == "pause" {
		if _, err := admin.Post(ctx, "directory", "/directory/pause", url.Values{}, 303); err != nil {
			return err
		}
	}
	// The directory's reads, and later the first job's requests, leave
	// the windows before the next run: bulk and background requests
	// share a part of them, and people would find them full.
	var longest time.Duration
	for _, w := range windows {
		longest = max(longest, w.Per)
	}
	refusedAtStart := up.RateLimited()

	if !sleep.For(ctx, longest) {
		return ctx.Err()
	}
	fmt.Fprintf(stdout, "\n1. a bulk job of %d organizations alone\n", len(ids))
	aloneLoad := loadAverage()
	alone, _, err := measureJob(ctx, admin, up, ids, "Load bulk alone", nil)
	if err != nil {
		return err
	}
	writeJob(stdout, alone, windows)
	fmt.Fprintf(stdout, "machine load (1-minute average, whatever runs on it): %s at the start, %s at the end\n", aloneLoad, loadAverage())

	if !sleep.For(ctx, longest) {
		return ctx.Err()
	}
	fmt.Fprintf(stdout, "\n2. %d users alone (baseline)\n", o.users)
	refused := up.RateLimited()
	baseLoad := loadAverage()
	base, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return err
	}
	baseRefused := up.RateLimited() - refused
	if err := loadtest.WriteTable(stdout, base.Summaries); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "429 answered by the sandbox: %d\n", baseRefused)
	fmt.Fprintf(stdout, "machine load (1-minute average, whatever runs on it): %s at the start, %s at the end\n", baseLoad, loadAverage())

	if !sleep.For(ctx, longest) {
		return ctx.Err()
	}
	fmt.Fprintf(stdout, "\n3. %d users while a bulk job of %d organizations runs\n", o.users, len(ids))
	withLoad := loadAverage()
	with, during, err := measureJob(ctx, admin, up, ids, "Load bulk with people", func() (loadtest.Result, time.Time, error) {
		res, err := loadtest.Run(ctx, cfg)
		return res, time.Now(), err
	})
	if err != nil {
		return err
	}
	if err := loadtest.WriteTable(stdout, during.res.Summaries); err != nil {
		return err
	}
	writeJob(stdout, with, windows)
	fmt.Fprintf(stdout, "machine load (1-minute average, whatever runs on it): %s at the start, %s at the end\n", withLoad, loadAverage())
	if during.ended.After(during.jobEnded) {
		fmt.Fprintf(stdout, "WARNING: the job ended %s before the users' run: part of it was measured without a job; shorten -duration\n",
			during.ended.Sub(during.jobEnded).Round(time.Second))
	}

	reads := loadtest.ReadsDigiCert()
	name := strings.Join(reads, "+")
	before := base.Recorder.Combined(name, base.Elapsed, reads...)
	after := during.res.Recorder.Combined(name, during.res.Elapsed, reads...)
	fmt.Fprintln(stdout, "\np99 of each flow with the job minus without:")
	for _, s := range during.res.Summaries {
		for _, b := range base.Summaries {
			if b.Flow == s.Flow {
				fmt.Fprintf(stdout, "  %-14s %8.1f ms -> %8.1f ms  (%+.1f ms)\n", s.Flow, msOf(b.P99), msOf(s.P99), msOf(s.P99-b.P99))
			}
		}
	}

	share, rate := jobShare(alone, windows)
	fmt.Fprintf(stdout, "\nfigures\n")
	fmt.Fprintf(stdout, "  bulk job alone: %d organizations in %s, %.0f bulk requests = %.1f/s of the bulk share's %.1f/s: %.1f %% of the share\n",
		alone.organizations, alone.took.Round(time.Millisecond), alone.admitted["bulk"], alone.admitted["bulk"]/alone.took.Seconds(), rate, share)
	fmt.Fprintf(stdout, "  pages that read DigiCert (%s), %d users, p99: %.1f ms with no job (%d requests, %d errors), %.1f ms with the job (%d requests, %d errors): %+.1f ms\n",
		strings.Join(reads, ", "), o.users, msOf(before.P99), before.Requests, before.Errors, msOf(after.P99), after.Requests, after.Errors, msOf(after.P99-before.P99))
	// Pages that never read DigiCert show what the rest of the machine
	// does to latencies meanwhile (the cores are shared): the
	// organization's page is left out, as it reads DigiCert once its
	// cached read is older than the cache's TTL.
	var control []string
	for _, s := range base.Summaries {
		if !slices.Contains(reads, s.Flow) && s.Flow != loadtest.FlowOrganization {
			control = append(control, s.Flow)
		}
	}
	if len(control) > 0 {
		name := strings.Join(control, "+")
		b := base.Recorder.Combined(name, base.Elapsed, control...)
		a := during.res.Recorder.Combined(name, during.res.Elapsed, control...)
		fmt.Fprintf(stdout, "  for comparison, pages that never read DigiCert (%s), p99: %.1f ms with no job, %.1f ms with the job: %+.1f ms\n",
			strings.Join(control, ", "), msOf(b.P99), msOf(a.P99), msOf(a.P99-b.P99))
	}
	withShare, _ := jobShare(with, windows)
	fmt.Fprintf(stdout, "  bulk job with the users: %d organizations in %s, %.1f %% of the share (it leaves people the room they use)\n",
		with.organizations, with.took.Round(time.Millisecond), withShare)
	fmt.Fprintf(stdout, "  429 answered by the sandbox: %d with the job alone, %d with the users alone, %d with both; %d over the whole run\n",
		alone.refused, baseRefused, with.refused, up.RateLimited()-refusedAtStart)
	return nil
}

// loadDuring is a run of the users during a job.
type loadDuring struct {
	res loadtest.Result
	// ended is when the users' run ended, jobEnded when the job was seen
	// finished.
	ended, jobEnded time.Time
}

// measureJob reviews a bulk change of ids, starts it and waits for its
// end, while load, when not nil, runs; it returns the job's figures and
// the load's.
func measureJob(ctx context.Context, admin *loadtest.User, up *loadtest.Upstream, ids []int, title string,
	load func() (loadtest.Result, time.Time, error)) (jobFigures, loadDuring, error) {
	before, err := admin.LabelledMetrics(ctx)
	if err != nil {
		return jobFigures{}, loadDuring{}, err
	}
	job, err := admin.ReviewBulkChange(ctx, ids, title)
	if err != nil {
		return jobFigures{}, loadDuring{}, err
	}
	refused := up.RateLimited()
	start := time.Now()
	if err := admin.StartBulkJob(ctx, job); err != nil {
		return jobFigures{}, loadDuring{}, err
	}
	type loadResult struct {
		during loadDuring
		err    error
	}
	loaded := make(chan loadResult, 1)
	if load != nil {
		go func() {
			res, ended, err := load()
			loaded <- loadResult{loadDuring{res: res, ended: ended}, err}
		}()
	} else {
		loaded <- loadResult{}
	}
	end, last, err := waitJob(ctx, admin, job)
	r := <-loaded
	if err != nil {
		return jobFigures{}, loadDuring{}, err
	}
	if r.err != nil {
		return jobFigures{}, loadDuring{}, r.err
	}
	r.during.jobEnded = end
	after, err := admin.LabelledMetrics(ctx)
	if err != nil {
		return jobFigures{}, loadDuring{}, err
	}
	f := jobFigures{organizations: last.Total, took: end.Sub(start), refused: up.RateLimited() - refused,
		admitted: map[string]float64{}, counts: last.Counts}
	for _, c := range digicert.Classes() {
		key := `contactdesk_digicert_admitted_total{class="` + c.String() + `"}`
		f.admitted[c.String()] = after[key] - before[key]
	}
	return f, r.during, nil
}

// writeJob reports a job's figures.
func writeJob(w io.Writer, f jobFigures, windows []sandbox.RateWindow) {
	share, rate := jobShare(f, windows)
	fmt.Fprintf(w, "job: %d organizations in %s (succeeded %d, failed %d, stale %d); requests admitted: bulk %.0f, background %.0f, interactive %.0f\n",
		f.organizations, f.took.Round(time.Millisecond), f.counts["succeeded"], f.counts["failed"], f.counts["stale"],
		f.admitted["bulk"], f.admitted["background"], f.admitted["interactive"])
	fmt.Fprintf(w, "bulk share: %.1f requests/s, %.0f over %s; the job used %.1f %% of it\n",
		rate, bulkAllowance(windows, f.took), f.took.Round(time.Millisecond), share)
	fmt.Fprintf(w, "429 answered by the sandbox during the job: %d\n", f.refused)
}

// jobShare is the part of the bulk share of windows, in per cent, that
// the job's bulk requests used over its time, and the bulk share's rate
// in requests a second.
func jobShare(f jobFigures, windows []sandbox.RateWindow) (percent, rate float64) {
	for _, w := range windows {
		if r := float64(bulkCap(w)) / w.Per.Seconds(); rate == 0 || r < rate {
			rate = r
		}
	}
	return 100 * f.admitted["bulk"] / bulkAllowance(windows, f.took), rate
}

// bulkCap is how many of window w's requests bulk jobs may hold: the
// limiter's default bulk share of its limit, rounded down.
func bulkCap(w sandbox.RateWindow) int {
	return max(1, int(float64(w.Limit)*digicert.DefaultShares().Bulk+1e-9))
}

// bulkAllowance is the bulk class's share of windows over d: for each
// window its bulk cap for every length of the window in d, and at least
// one window's worth (a job shorter than a window may use all of it); the
// smallest over the windows.
func bulkAllowance(windows []sandbox.RateWindow, d time.Duration) float64 {
	best := -1.0
	for _, w := range windows {
		capacity := float64(bulkCap(w)) * max(1, d.Seconds()/w.Per.Seconds())
		if best < 0 || capacity < best {
			best = capacity
		}
	}
	return best
}

// jobOrganizations returns the ids of the first n organizations of orgs
// that are not in skip.
func jobOrganizations(orgs []sandbox.Organization, skip []int, n int) []int {
	var ids []int
	for _, org := range orgs {
		if len(ids) == n {
			break
		}
		if !slices.Contains(skip, org.ID) {
			ids = append(ids, org.ID)
		}
	}
	return ids
}

// waitDirectory waits until the directory has read every organization
// listed: the review of a bulk change plans from it.
func waitDirectory(ctx context.Context, admin *loadtest.User) error {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		known, listed, err := admin.DirectoryKnown(ctx)
		if err != nil {
			return err
		}
		if known >= listed && listed > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the directory read %d of %d organizations in 10 minutes", known, listed)
		}
		if !sleep.For(ctx, time.Second) {
			return ctx.Err()
		}
	}
}

// waitJob waits until job id is over; it returns when it was seen over
// and its last progress.
func waitJob(ctx context.Context, admin *loadtest.User, id int64) (time.Time, loadtest.BulkProgress, error) {
	for {
		p, err := admin.Progress(ctx, id)
		if err != nil {
			return time.Time{}, p, err
		}
		switch p.State {
		case "finished":
			return time.Now(), p, nil
		case "paused", "cancelled":
			return time.Time{}, p, errors.New("the job stopped: " + p.State)
		}
		if !sleep.For(ctx, bulkPoll) {
			return time.Time{}, p, ctx.Err()
		}
	}
}

// loadAverage is the machine's load average over the last minute, as
// /proc/loadavg says, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	first, _, _ := strings.Cut(string(b), " ")
	return first
}

// msOf is d in milliseconds.
func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
