package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/contactdesk/contactdesk/internal/sleep"
)

// Config is one load run.
type Config struct {
	// BaseURL is the portal, on loopback.
	BaseURL string
	// BaseURLs, when set, are several instances of one portal sharing a
	// database: virtual user i works on BaseURLs[i%len(BaseURLs)], as
	// behind a load balancer. BaseURL is then the first.
	BaseURLs []string
	// Accounts are the users to sign in; virtual user i signs in as
	// Accounts[i%len(Accounts)].
	Accounts []Account
	// Users is how many virtual users run at once.
	Users int
	// Duration bounds the run in time; MaxRequests per user bounds it in
	// count (0: no bound but Duration). At least one must be set.
	Duration    time.Duration
	MaxRequests int
	// Warmup runs the flows this long before recording starts.
	Warmup time.Duration
	// Think is the mean pause between two flows of a user, drawn
	// uniformly from [0, 2·Think); 0 runs flows back to back.
	Think time.Duration
	// Mix weights the flows; nil means DefaultMix().
	Mix map[string]int
	// Target is what to drive; the zero value is discovered from the
	// organization list.
	Target Target
	// SendOutcomes are the statuses of a send that count as an expected
	// outcome; nil means only 303 (sent).
	SendOutcomes []int
	// Seed makes the flows each user picks reproducible.
	Seed uint64
	// Measuring, when set, is called as the measured time of a run
	// starts, with its length: the moment to start profiling the portal.
	Measuring func(time.Duration)
}

// measuring tells cfg.Measuring that d of measured time starts now.
func (cfg Config) measuring(d time.Duration) {
	if cfg.Measuring != nil {
		cfg.Measuring(d)
	}
}

// Result is what a run measured.
type Result struct {
	Elapsed   time.Duration
	Summaries []Summary
	// Recorder holds the measured requests, for summaries of one's own
	// (Recorder.Combined).
	Recorder *Recorder
}

// Run signs in every user, then runs flows until the duration or the
// request bound is reached, and returns the measurements.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Users <= 0 || len(cfg.Accounts) == 0 {
		return Result{}, errors.New("loadtest: a run needs users and accounts")
	}
	if cfg.Duration <= 0 && cfg.MaxRequests <= 0 {
		return Result{}, errors.New("loadtest: a run needs a duration or a request bound")
	}
	mix := cfg.Mix
	if mix == nil {
		mix = DefaultMix()
	}
	// Sign-ins are not part of what is measured.
	users, err := signIn(ctx, cfg)
	if err != nil {
		return Result{}, err
	}
	defer closeAll(users)
	target := cfg.Target
	if len(target.Organizations) == 0 && needsOrganizations(mix) {
		t, err := users[0].Discover(ctx)
		if err != nil {
			return Result{}, err
		}
		t.AuditOrganizations = target.AuditOrganizations
		target = t
	}
	outcomes := cfg.SendOutcomes
	if outcomes == nil {
		outcomes = []int{http.StatusSeeOther}
	}
	runs := make([]*flowRun, len(users))
	for i, u := range users {
		runs[i] = &flowRun{u: u, t: target, number: i, sendOutcomes: outcomes,
			rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)))}
	}
	// One continuous run: the users are not stopped and started again
	// when the warm-up ends, which would make them all send their next
	// request at the same instant.
	rec, first := NewRecorder(), NewRecorder()
	if cfg.Warmup <= 0 {
		first = rec
	}
	for _, u := range users {
		u.SetRecorder(first)
	}
	if cfg.Warmup > 0 {
		swap := time.AfterFunc(cfg.Warmup, func() {
			for _, u := range users {
				u.SetRecorder(rec)
			}
			cfg.measuring(cfg.Duration)
		})
		defer swap.Stop()
	} else {
		cfg.measuring(cfg.Duration)
	}
	measuredFrom := time.Now().Add(cfg.Warmup)
	total := cfg.Duration
	if total > 0 {
		total += cfg.Warmup
	}
	drive(ctx, runs, mix, total, cfg.MaxRequests, cfg.Think)
	elapsed := time.Since(measuredFrom)
	return Result{Elapsed: elapsed, Summaries: rec.Summaries(elapsed), Recorder: rec}, nil
}

// signIn makes cfg.Users users, each signed in as one of cfg.Accounts in
// turn.
func signIn(ctx context.Context, cfg Config) ([]*User, error) {
	users := make([]*User, 0, cfg.Users)
	for i := range cfg.Users {
		base := cfg.BaseURL
		if len(cfg.BaseURLs) > 0 {
			base = cfg.BaseURLs[i%len(cfg.BaseURLs)]
		}
		u, err := NewUser(base, NewRecorder())
		if err != nil {
			closeAll(users)
			return nil, err
		}
		users = append(users, u)
		if err := u.SignIn(ctx, cfg.Accounts[i%len(cfg.Accounts)]); err != nil {
			closeAll(users)
			return nil, err
		}
	}
	return users, nil
}

func closeAll(users []*User) {
	for _, u := range users {
		u.Close()
	}
}

// needsOrganizations reports whether any flow of mix opens, changes or
// filters by an organization.
func needsOrganizations(mix map[string]int) bool {
	for name, weight := range mix {
		switch name {
		case FlowAudit, FlowSubmission, FlowList, FlowSearch:
			continue
		}
		if weight > 0 {
			return true
		}
	}
	return false
}

// drive runs every user's flows for d (or until each has run limit flows,
// when limit > 0) and returns how long that took.
func drive(ctx context.Context, runs []*flowRun, mix map[string]int, d time.Duration, limit int, think time.Duration) time.Duration {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	chooser := newChooser(mix)
	start := time.Now()
	var wg sync.WaitGroup
	for _, f := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// With think time, users start spread over one pause, as
			// people do, rather than all at once.
			if think > 0 && !sleep.For(ctx, time.Duration(f.rng.Int64N(int64(think)))) {
				return
			}
			for n := 0; (limit <= 0 || n < limit) && ctx.Err() == nil; n++ {
				// Failures are recorded; the user carries on as a
				// person would, with the next flow.
				_ = f.run(ctx, chooser.pick(f.rng))
				if think > 0 && !sleep.For(ctx, time.Duration(f.rng.Int64N(int64(2*think)))) {
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// chooser picks flows by weight.
type chooser struct {
	names []string
	cum   []int
}

func newChooser(mix map[string]int) chooser {
	var c chooser
	for name := range mix {
		c.names = append(c.names, name)
	}
	// Sorted so that a seed gives the same choices on every run.
	sort.Strings(c.names)
	total := 0
	for _, name := range c.names {
		total += mix[name]
		c.cum = append(c.cum, total)
	}
	return c
}

func (c chooser) pick(rng *rand.Rand) string {
	total := c.cum[len(c.cum)-1]
	if total == 0 {
		return c.names[0]
	}
	n := rng.IntN(total)
	i := sort.SearchInts(c.cum, n+1)
	return c.names[i]
}

// String describes a result in one line per flow, for logs.
func (r Result) String() string {
	s := fmt.Sprintf("elapsed %s\n", r.Elapsed.Round(time.Millisecond))
	for _, f := range r.Summaries {
		s += fmt.Sprintf("%s: %d requests, %d errors, %.1f/s, p50 %s p99 %s max %s\n",
			f.Flow, f.Requests, f.Errors, f.Throughput, ms(f.P50), ms(f.P99), ms(f.Max))
	}
	return s
}
