// Command loadtest measures a Contact Desk portal under load, on loopback.
//
// By default it builds nothing and starts the given portal binary against
// a DigiCert sandbox of its own, creates the users, runs, stops the portal
// and checks that every send ended with an outcome in the audit log. It
// reports each flow's latency and throughput, and the portal's resident
// memory idle after start and at its largest under load:
//
//	go build -o /tmp/contactdesk . && go run ./cmd/loadtest -binary /tmp/contactdesk -users 32 -duration 20s
//	go run ./cmd/loadtest -binary /tmp/contactdesk -db /tmp/audit-run.db -organizations 10000 -users 200 -think 1s
//	go run ./cmd/loadtest -binary /tmp/contactdesk -fault slow -mix organization=6,audit=3,send=1
//	go run ./cmd/loadtest -binary /tmp/contactdesk -mix audit -cpuprofile /tmp/audit.pprof
//
// With -bulk N it measures a bulk change of N organizations instead: the
// job alone (the part of the bulk class's share of the rate windows it
// achieves), then the users alone and the users while such a job runs
// (the p99 of the pages that read DigiCert without and with it), and the
// 429 answers of a sandbox that keeps to -rate's windows (see runBulk):
//
//	go run ./cmd/loadtest -binary /tmp/contactdesk -organizations 1100 -bulk 1000 -rate 100/500ms,1000/10s \
//	  -users 32 -think 1s -mix organization=3,review=2,send=1,list=1 -duration 30s
//
// With -instances N it starts N instances of the portal on one PostgreSQL
// database (-db, a postgres:// URL of an existing database) and one
// sandbox, and spreads the users over them as a load balancer would; with
// -rate the sandbox keeps to those windows, answering 429 beyond them,
// the portals keep to them together, and the 429s are counted:
//
//	go run ./cmd/loadtest -binary /tmp/contactdesk -db 'postgres://…' -instances 2 -rate 100/5s,1000/5m \
//	  -users 32 -think 1s -mix organization=3,review=2,send=1,list=1 -duration 60s
//
// With -url it drives a portal already running, signing in as the
// accounts listed in -accounts (lines of email:password).
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/internal/loadtest"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"

	"github.com/contactdesk/contactdesk/internal/sleep"
)

// options are the command's flags.
type options struct {
	url, accounts, binary, db string
	users, maxRequests        int
	organizations             int
	duration, warmup, think   time.Duration
	mix, fault                string
	auditOrgs, cpuProfile     string
	clientProfile             string
	latency, settle, idleWait time.Duration
	seed                      uint64
	verbose                   bool
	// bulk, rate and bulkDirectory shape the bulk measurement (see
	// runBulk); rate also shapes the sandbox's and the portals' windows.
	bulk          int
	rate          string
	bulkDirectory string
	// instances is how many portals share the database.
	instances int
	// keyDir holds the run's checkpoint key, for instances on PostgreSQL.
	keyDir string
}

// rssInterval is how often the portal's resident memory is sampled under
// load.
const rssInterval = 100 * time.Millisecond

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "", "a running portal to drive (loopback only); empty: start -binary")
	fs.StringVar(&o.accounts, "accounts", "", "with -url: file of email:password lines to sign in as")
	fs.StringVar(&o.binary, "binary", "", "the contactdesk binary to start (go build -o /tmp/contactdesk .)")
	fs.StringVar(&o.db, "db", "", "database for the started portal; empty: a new one in a temporary folder")
	fs.IntVar(&o.users, "users", 32, "virtual users running at once")
	fs.IntVar(&o.maxRequests, "max-requests", 100_000, "flows per user at most")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "measured time of each run (at most 1h)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured time before each run")
	fs.DurationVar(&o.think, "think", 0, "mean pause between a user's flows")
	fs.StringVar(&o.mix, "mix", "", "flows and weights, e.g. organization=3,audit=1; empty: a working day's mix")
	fs.StringVar(&o.auditOrgs, "audit-organizations", "", "organization ids to filter the audit log and exports by, as first-last (100000-104999 for the seeded million events); empty: the organizations listed")
	fs.StringVar(&o.fault, "fault", "none", "with a started portal, DigiCert misbehaving on every change: none, slow (10 s answers), reset, 5xx, 429")
	fs.DurationVar(&o.latency, "latency", 0, "with a started portal, added to every DigiCert answer")
	fs.IntVar(&o.organizations, "organizations", 0, "with a started portal, how many organizations its DigiCert sandbox holds, and so its cache once refreshed at start; 0: the sandbox's sixty-odd")
	fs.DurationVar(&o.idleWait, "idle-wait", 5*time.Second, "with a started portal, how long after it listens its idle memory is read (its start-up refresh of the organization list done)")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "with a started portal, wait after the run before reading its metrics, so that sends still waiting on DigiCert end")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the users' choices")
	fs.BoolVar(&o.verbose, "v", false, "show the portal's log")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "with a started portal, write its CPU profile of the first measured run (at most its first 100 s) to this file (go tool pprof)")
	fs.IntVar(&o.bulk, "bulk", 0, "with a started portal: measure a bulk change of this many organizations alone (its use of the bulk share of the rate windows), then the users alone and while such a job runs (the p99 of the pages that read DigiCert), instead of the usual runs")
	fs.StringVar(&o.rate, "rate", "", "with a started portal: the rate windows of both the sandbox (which answers 429 beyond them) and the portal (CONTACTDESK_DIGICERT_RATE), like 100/1s,100000/1h; empty: the sandbox has none and the portal DigiCert's")
	fs.StringVar(&o.bulkDirectory, "bulk-directory", "run", "with -bulk: run the directory's worker during the job, or pause it so that the job has the shared part of the windows alone")
	fs.IntVar(&o.instances, "instances", 1, "with a started portal: how many instances share its database (more than one needs -db, a postgres:// URL); the users are spread over them")
	fs.StringVar(&o.clientProfile, "clientprofile", "", "write the load tool's own CPU profile of the whole run to this file: what the client side costs")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.duration <= 0 || o.duration > time.Hour {
		return o, errors.New("-duration must be between 0 and 1h")
	}
	if o.url == "" && o.binary == "" {
		return o, errors.New("give -binary to start a portal, or -url and -accounts to drive one")
	}
	if o.cpuProfile != "" && o.url != "" {
		return o, errors.New("-cpuprofile needs a portal started by the load tool, not -url")
	}
	if o.organizations < 0 || o.idleWait < 0 {
		return o, errors.New("-organizations and -idle-wait must not be negative")
	}
	if o.bulk < 0 || (o.bulk > 0 && (o.url != "" || o.users < 1)) {
		return o, errors.New("-bulk needs a started portal, users and a positive count")
	}
	if o.bulkDirectory != "run" && o.bulkDirectory != "pause" {
		return o, errors.New("-bulk-directory: want run or pause")
	}
	if o.rate != "" {
		if _, err := sandbox.ParseWindows(o.rate); err != nil {
			return o, fmt.Errorf("-rate: %w", err)
		}
	}
	if o.instances < 1 || (o.instances > 1 && (o.url != "" || !strings.HasPrefix(o.db, "postgres"))) {
		return o, errors.New("-instances: at least 1; more than one needs a started portal and -db, a postgres:// URL")
	}
	if _, ok := faultFor(o.fault); !ok {
		return o, fmt.Errorf("-fault %q: want none, slow, reset, 5xx or 429", o.fault)
	}
	return o, nil
}

// faultFor returns the misbehaviour -fault plays on every change sent to
// DigiCert, nil for none; reads pass, so that the rest of the portal can
// be watched meanwhile. ok is false for an unknown name.
func faultFor(name string) (f *sandbox.Fault, ok bool) {
	// Count: every change of the run, however long.
	const always = 1 << 30
	switch name {
	case "none":
		return nil, true
	case "slow":
		return &sandbox.Fault{Method: "PUT", Count: always, Latency: 10 * time.Second}, true
	case "reset":
		return &sandbox.Fault{Method: "PUT", Count: always, DropConnection: true}, true
	case "5xx":
		return &sandbox.Fault{Method: "PUT", Count: always, Status: 503}, true
	case "429":
		return &sandbox.Fault{Method: "PUT", Count: always, Status: 429, RetryAfter: "1"}, true
	}
	return nil, false
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	if o.clientProfile != "" {
		f, err := os.Create(o.clientProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	cfg := loadtest.Config{
		BaseURL:     o.url,
		Users:       o.users,
		Duration:    o.duration,
		MaxRequests: o.maxRequests,
		Warmup:      o.warmup,
		Think:       o.think,
		Seed:        o.seed,
	}
	if o.mix != "" {
		if cfg.Mix, err = loadtest.ParseMix(o.mix); err != nil {
			return err
		}
	}
	if o.auditOrgs != "" {
		if cfg.Target.AuditOrganizations, err = idRange(o.auditOrgs); err != nil {
			return err
		}
	}
	var (
		portal *loadtest.Portal
		// portals are every instance started, portal the first.
		portals []*loadtest.Portal
		idle    []loadtest.Memory
		starter loadtest.Account
		up      *loadtest.Upstream
	)
	if o.url == "" {
		if o.keyDir, err = os.MkdirTemp("", "contactdesk-load-key-"); err != nil {
			return err
		}
		defer os.RemoveAll(o.keyDir)
		ps, u, err := start(ctx, o)
		if err != nil {
			return err
		}
		up = u
		defer up.Close()
		portals, portal = ps, ps[0]
		if o.db == "" {
			// The database was made for this run only.
			defer os.RemoveAll(filepath.Dir(portal.DB))
		}
		listening := time.Now()
		for _, p := range portals {
			defer p.Kill()
			cfg.BaseURLs = append(cfg.BaseURLs, p.URL)
		}
		cfg.BaseURL = portal.URL
		accounts := o.users
		if o.bulk > 0 {
			// One more account starts the bulk jobs.
			accounts++
		}
		if cfg.Accounts, err = portal.AddAccounts(ctx, fmt.Sprintf("load%d-", time.Now().Unix()), accounts); err != nil {
			return err
		}
		if o.bulk > 0 {
			starter = cfg.Accounts[o.users]
			cfg.Accounts = cfg.Accounts[:o.users]
		}
		if !sleep.For(ctx, time.Until(listening.Add(o.idleWait))) {
			return ctx.Err()
		}
		for _, p := range portals {
			m, err := p.Memory()
			if err != nil {
				return err
			}
			idle = append(idle, m)
		}
		if f, ok := faultFor(o.fault); ok && f != nil {
			up.InjectFault(*f)
			// Every status a send can end with on screen: sent, stale,
			// refused, DigiCert error, no answer.
			cfg.SendOutcomes = []int{303, 409, 422, 502, 504}
		}
	} else if cfg.Accounts, err = readAccounts(o.accounts); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "portal %s, %d users, %s after %s warm-up, think %s, fault %s\n", strings.Join(portalURLs(cfg), " "), o.users, o.duration, o.warmup, o.think, o.fault)
	if o.bulk > 0 {
		windows, err := sandbox.ParseWindows(cmp.Or(o.rate, "100/5s,1000/5m"))
		if err != nil {
			return err
		}
		if err := runBulk(ctx, o, cfg, starter, up, windows, stdout); err != nil {
			return err
		}
		for _, p := range portals {
			if err := p.Stop(45 * time.Second); err != nil {
				return err
			}
		}
		return checkAudit(ctx, portal, stdout)
	}
	// The first measured run is profiled, from its start to its end.
	profiled := make(chan error, 1)
	var profiling atomic.Bool
	if o.cpuProfile != "" {
		cfg.Measuring = func(d time.Duration) {
			if profiling.CompareAndSwap(false, true) {
				go func() { profiled <- profileCPU(ctx, portal.MetricsURL, d, o.cpuProfile) }()
			}
		}
	}
	before, err := metrics(ctx, cfg)
	if err != nil {
		return err
	}
	var watches []*loadtest.RSSWatch
	for _, p := range portals {
		watches = append(watches, p.WatchRSS(rssInterval))
	}
	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nmeasured %s\n", res.Elapsed.Round(time.Millisecond))
	if err := loadtest.WriteTable(stdout, res.Summaries); err != nil {
		return err
	}
	for i, p := range portals {
		peak, err := watches[i].Stop()
		if err != nil {
			return err
		}
		life, err := p.Memory()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "portal %d resident memory (VmRSS): %s idle after start, %s at most under load (sampled every %s); %s peak over its life (VmHWM)\n",
			i+1, loadtest.MiB(idle[i].RSS), loadtest.MiB(peak), rssInterval, loadtest.MiB(life.PeakRSS))
	}
	if portal != nil {
		// Sends still waiting on DigiCert when the users stopped are
		// given time to end before the portal's state is read.
		if !sleep.For(ctx, o.settle) {
			return ctx.Err()
		}
	}
	after, err := metrics(ctx, cfg)
	if err != nil {
		return err
	}
	for _, name := range []string{"go_goroutines", "process_open_fds", "go_memstats_heap_inuse_bytes"} {
		fmt.Fprintf(stdout, "%s: %.0f before, %.0f after\n", name, before[name], after[name])
	}
	if profiling.Load() {
		if err := <-profiled; err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nCPU profile of the portal: %s\n", o.cpuProfile)
	}
	if portal == nil {
		return nil
	}
	if o.rate != "" {
		fmt.Fprintf(stdout, "DigiCert sandbox (windows %s): answered 429 to %d requests\n", o.rate, up.RateLimited())
	}
	for _, p := range portals {
		if err := p.Stop(45 * time.Second); err != nil {
			return err
		}
	}
	return checkAudit(ctx, portal, stdout)
}

// portalURLs lists the portals a run drives.
func portalURLs(cfg loadtest.Config) []string {
	if len(cfg.BaseURLs) > 0 {
		return cfg.BaseURLs
	}
	return []string{cfg.BaseURL}
}

// start serves a sandbox and starts the portal against it, o.instances
// times on one database.
func start(ctx context.Context, o options) ([]*loadtest.Portal, *loadtest.Upstream, error) {
	opts := loadtest.UpstreamOptions{Organizations: o.organizations}
	if o.rate != "" {
		windows, err := sandbox.ParseWindows(o.rate)
		if err != nil {
			return nil, nil, err
		}
		opts.Windows = windows
	}
	if o.latency > 0 {
		opts.Delay = func() time.Duration { return o.latency }
	}
	up := loadtest.StartUpstream(opts)
	db := o.db
	if db == "" {
		dir, err := os.MkdirTemp("", "contactdesk-load-")
		if err != nil {
			up.Close()
			return nil, nil, err
		}
		db = filepath.Join(dir, "contactdesk.db")
	}
	env := []string{"DIGICERT_API_KEY=" + up.APIKey, "DIGICERT_BASE_URL=" + up.BaseURL(), "CONTACTDESK_LOG_FORMAT=json"}
	if o.rate != "" {
		env = append(env, "CONTACTDESK_DIGICERT_RATE="+o.rate)
	}
	if strings.HasPrefix(db, "postgres") {
		// Every instance signs the audit log with one key, kept in
		// o.keyDir for the run.
		key := filepath.Join(o.keyDir, "audit.key")
		if _, _, err := auditlog.LoadOrCreateKey(key, "loadtest.invalid/contactdesk-audit"); err != nil {
			up.Close()
			return nil, nil, err
		}
		env = append(env, "CONTACTDESK_AUDIT_KEY_FILE="+key)
	}
	var portals []*loadtest.Portal
	for i := range o.instances {
		p := &loadtest.Portal{
			Binary:  o.binary,
			DB:      db,
			Env:     append(slices.Clone(env), fmt.Sprintf("CONTACTDESK_INSTANCE=load%d", i+1)),
			Metrics: o.cpuProfile != "",
		}
		if o.verbose {
			p.Log = os.Stderr
		}
		if err := p.Start(ctx); err != nil {
			for _, started := range portals {
				started.Kill()
			}
			up.Close()
			return nil, nil, err
		}
		portals = append(portals, p)
	}
	return portals, up, nil
}

// maxProfileSeconds bounds a CPU profile: the portal answers profiles
// within its metrics listener's two-minute write timeout.
const maxProfileSeconds = 100

// profileCPU records the portal's CPU profile for d, or its first
// maxProfileSeconds, and writes it to path.
func profileCPU(ctx context.Context, metricsURL string, d time.Duration, path string) error {
	url := metricsURL + "/debug/pprof/profile?seconds=" + strconv.Itoa(min(max(1, int(d.Seconds())), maxProfileSeconds))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("cpu profile: %s answered %s", url, res.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	return f.Close()
}

// metrics reads the portal's process metrics as the first account.
func metrics(ctx context.Context, cfg loadtest.Config) (map[string]float64, error) {
	u, err := loadtest.NewUser(cfg.BaseURL, loadtest.NewRecorder())
	if err != nil {
		return nil, err
	}
	defer u.Close()
	if err := u.SignIn(ctx, cfg.Accounts[0]); err != nil {
		return nil, err
	}
	return u.Metrics(ctx)
}

// checkAudit checks, with the portal stopped, that no submission is left
// without an outcome and that the audit chain is intact.
func checkAudit(ctx context.Context, p *loadtest.Portal, stdout io.Writer) error {
	st, err := store.Open(ctx, p.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	pending, err := st.PendingSubmissions(ctx)
	if err != nil {
		return err
	}
	var env []string
	for _, kv := range p.Env {
		if strings.HasPrefix(kv, "CONTACTDESK_AUDIT_KEY_FILE=") {
			env = append(env, kv)
		}
	}
	out, err := p.Command(ctx, env, "audit", "verify")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nsubmissions without an outcome: %d\naudit verify: %s", len(pending), out)
	if len(pending) > 0 {
		return fmt.Errorf("%d submissions were left without an outcome", len(pending))
	}
	return nil
}

// idRange reads first-last into the ids from first to last.
func idRange(s string) ([]int, error) {
	a, b, ok := strings.Cut(s, "-")
	first, err1 := strconv.Atoi(a)
	last, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || first > last || last-first > 1_000_000 {
		return nil, fmt.Errorf("-audit-organizations %q: want first-last, such as 100000-104999", s)
	}
	ids := make([]int, 0, last-first+1)
	for id := first; id <= last; id++ {
		ids = append(ids, id)
	}
	return ids, nil
}

// readAccounts reads email:password lines.
func readAccounts(path string) ([]loadtest.Account, error) {
	if path == "" {
		return nil, errors.New("-url needs -accounts")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var accounts []loadtest.Account
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		email, password, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if ok {
			accounts = append(accounts, loadtest.Account{Email: email, Password: password})
		}
	}
	if len(accounts) == 0 {
		return nil, fmt.Errorf("%s lists no email:password lines", path)
	}
	return accounts, sc.Err()
}
