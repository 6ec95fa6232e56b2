package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	// pgx's database/sql driver, registered as "pgx".
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/internal/loadtest"
	"github.com/contactdesk/contactdesk/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// pgCrashKills is how many times the PostgreSQL crash test kills one of
// its two instances.
const pgCrashKills = 24

// instance is one of the portal processes sharing the database, and the
// users working on it.
type instance struct {
	name   string
	portal *loadtest.Portal
	log    *lockedLog
	users  []*loadtest.User
	orgs   []int
}

// pgCrashMode is what the instances do while one of them is killed.
type pgCrashMode struct {
	name string
	// upstream is the DigiCert sandbox of a run of seed; env is added to
	// each instance's environment.
	upstream func(seed uint64) loadtest.UpstreamOptions
	env      []string
	// start, when set, runs once before the first kill, with both
	// instances running.
	start func(t *testing.T, ctx context.Context, r *pgCrashRun)
	// load runs the workload of round until victim is killed, and
	// returns what it was acknowledged and how many things it started.
	load func(ctx context.Context, r *pgCrashRun, victim *instance, round int) (acked []string, started int)
	// check, run before the first kill and after each restart, checks
	// what the database holds.
	check func(t *testing.T, ctx context.Context, r *pgCrashRun, round int, acked []string)
	// finish, when set, runs after the last restart, both instances
	// running.
	finish func(t *testing.T, ctx context.Context, r *pgCrashRun)
}

// pgCrashRun is what a mode's functions share in one run.
type pgCrashRun struct {
	db        *sql.DB
	up        *loadtest.Upstream
	instances []*instance
	rng       *rand.Rand
	seed      uint64
	// The bulk mode's job, how many organizations it sends to, how many
	// settle between kills at most, and how many kills fell while it ran.
	job            int64
	toSend         int
	perRound       int
	killsDuringJob int
	// stalled is set when the job stopped going on before a kill.
	stalled error
}

// TestCrashRecoveryOnPostgres runs two instances on one PostgreSQL
// database and kills either one with SIGKILL at random moments,
// pgCrashKills times, starting it again each time, in two modes:
//
//   - send: people send changes through both instances. After every
//     restart every change acknowledged (303) has its requested and
//     responded events and no submission is left without an outcome.
//   - bulk: a bulk change of bulkOrganizations organizations runs on the
//     leader; each kill comes a few organizations after the last one.
//     After every restart no submission is left without an outcome and
//     no organization has received more than one PUT; in the end the job
//     has finished, every organization changed by exactly one PUT.
//
// In both, no organization ever received more PUTs than requests were
// recorded for it (nothing was sent twice), and `contactdesk audit
// verify` passes in the end, every checkpoint's signature included.
//
// CONTACTDESK_CRASH_SEED replays a run whose seed a failure printed.
func TestCrashRecoveryOnPostgres(t *testing.T) {
	if os.Getenv("CONTACTDESK_CRASH") != "1" {
		t.Skip("the crash test takes about a minute: set CONTACTDESK_CRASH=1 to run it")
	}
	sends := pgCrashMode{name: "send",
		upstream: func(seed uint64) loadtest.UpstreamOptions {
			return loadtest.UpstreamOptions{Delay: latencies(seed)}
		},
		load: sendsUntilKilled, check: checkSends}
	bulk := pgCrashMode{name: "bulk",
		upstream: func(seed uint64) loadtest.UpstreamOptions {
			return loadtest.UpstreamOptions{Organizations: bulkOrganizations, Delay: between(seed, bulkMinLatency, bulkMaxLatency)}
		},
		env:   []string{"CONTACTDESK_DIGICERT_RATE=" + bulkRate},
		start: startBulkJob, load: bulkUntilKilled, check: checkBulkRound, finish: finishBulkJob}
	for _, mode := range []pgCrashMode{sends, bulk} {
		t.Run(mode.name, func(t *testing.T) { runPostgresCrash(t, mode) })
	}
}

func runPostgresCrash(t *testing.T, mode pgCrashMode) {
	dsn := pgtest.Database(t)
	seed := crashSeed(t)
	r := &pgCrashRun{rng: rand.New(rand.NewPCG(seed, 1)), seed: seed}
	ctx := context.Background()

	r.up = loadtest.StartUpstream(mode.upstream(seed))
	t.Cleanup(r.up.Close)
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	if _, _, err := auditlog.LoadOrCreateKey(keyFile, "crash.test/contactdesk-audit"); err != nil {
		t.Fatal(err)
	}
	bin := buildPortal(t)
	orgs := organizationIDs(r.up, crashSenders)
	for _, name := range []string{"a", "b"} {
		log := &lockedLog{}
		in := &instance{name: name, log: log, portal: &loadtest.Portal{
			Binary: bin, DB: dsn, Log: log,
			Env: append([]string{"DIGICERT_API_KEY=" + r.up.APIKey, "DIGICERT_BASE_URL=" + r.up.BaseURL(),
				"CONTACTDESK_AUDIT_KEY_FILE=" + keyFile, "CONTACTDESK_INSTANCE=" + name,
				"CONTACTDESK_AUDIT_CHECKPOINT_INTERVAL=1s"}, mode.env...),
		}}
		if err := in.portal.Start(ctx); err != nil {
			t.Fatalf("start %s: %v\n%s", name, err, log)
		}
		r.instances = append(r.instances, in)
	}
	t.Cleanup(func() {
		for _, in := range r.instances {
			in.portal.Kill()
			if t.Failed() {
				t.Logf("instance %s, output of its last start:\n%s", in.name, in.log)
			}
		}
	})
	accounts, err := r.instances[0].portal.AddAccounts(ctx, "pgcrash", crashSenders)
	if err != nil {
		t.Fatal(err)
	}
	// Sessions live in the database: each user signs in on a once and
	// works on its own instance, across every kill.
	for i, u := range signIn(t, r.instances[0].portal.URL, accounts) {
		in := r.instances[i%len(r.instances)]
		in.users, in.orgs = append(in.users, u), append(in.orgs, orgs[i])
		if err := u.Retarget(in.portal.URL); err != nil {
			t.Fatal(err)
		}
	}
	if r.db, err = sql.Open("pgx", dsn); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.db.Close() })

	start := time.Now()
	if mode.start != nil {
		mode.start(t, ctx, r)
	}
	var acked, lastAcked []string
	sent, kills := 0, map[string]int{}
	for round := 0; ; round++ {
		mode.check(t, ctx, r, round, lastAcked)
		checkNoneSentTwice(t, ctx, r.db, r.up, round)
		if t.Failed() || round == pgCrashKills {
			break
		}
		victim := r.instances[r.rng.IntN(len(r.instances))]
		got, n := mode.load(ctx, r, victim, round)
		acked, lastAcked, sent = append(acked, got...), got, sent+n
		kills[victim.name]++
		victim.log.Reset()
		if err := victim.portal.Start(ctx); err != nil {
			t.Fatalf("round %d: start %s again: %v\n%s", round, victim.name, err, victim.log)
		}
		for _, u := range victim.users {
			if err := u.Retarget(victim.portal.URL); err != nil {
				t.Fatal(err)
			}
		}
	}
	if t.Failed() {
		return
	}
	mode.check(t, ctx, r, pgCrashKills, acked)
	if mode.finish != nil {
		mode.finish(t, ctx, r)
	}
	for _, in := range r.instances {
		if err := in.portal.Stop(time.Minute); err != nil {
			t.Error(err)
		}
	}
	if out, err := r.instances[0].portal.Command(ctx, []string{"CONTACTDESK_AUDIT_KEY_FILE=" + keyFile}, "audit", "verify"); err != nil {
		t.Errorf("audit verify: %v", err)
	} else {
		t.Logf("audit verify: %s", out)
	}
	var reconciled int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_events WHERE kind = 'reconciled'`).Scan(&reconciled); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d kills (a %d, b %d) in %s: %d sends started, %d acknowledged, %d reconciled after a kill",
		pgCrashKills, kills["a"], kills["b"], time.Since(start).Round(time.Millisecond), sent, len(acked), reconciled)
	if mode.name == "send" && len(acked) == 0 {
		t.Errorf("no change was acknowledged in %d rounds: the test checked nothing", pgCrashKills)
	}
}

// sendsUntilKilled has every user of both instances send changes back to
// back to its own organization, kills victim after a run of random
// length, and returns the job titles of the changes acknowledged (303)
// and how many sends started.
func sendsUntilKilled(ctx context.Context, r *pgCrashRun, victim *instance, round int) (acked []string, started int) {
	run := crashMinRun + time.Duration(r.rng.Int64N(int64(crashMaxRun-crashMinRun)))
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	for _, in := range r.instances {
		for i, u := range in.users {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					title := fmt.Sprintf("PG crash r%d %s%d n%d", round, in.name, i, n)
					mu.Lock()
					started++
					mu.Unlock()
					status, err := u.SendChange(ctx, in.orgs[i], title, http.StatusSeeOther)
					if err == nil && status == http.StatusSeeOther {
						mu.Lock()
						acked = append(acked, title)
						mu.Unlock()
					}
					if err != nil {
						// The instance is gone or going: nothing more
						// this round.
						return
					}
				}
			})
		}
	}
	time.Sleep(run)
	victim.portal.Kill()
	close(stop)
	wg.Wait()
	return acked, started
}

// checkSends checks, after a restart, that nothing is left open and that
// every acknowledged change was recorded with its answer.
func checkSends(t *testing.T, ctx context.Context, r *pgCrashRun, round int, acked []string) {
	t.Helper()
	db := r.db
	pending, err := waitSettled(ctx, db, settleTimeout)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	if pending > 0 {
		t.Errorf("round %d: %d submissions still have no outcome %s after the restart", round, pending, settleTimeout)
	}
	for _, title := range acked {
		kinds, err := eventsOfChange(ctx, db, title)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !slices.Contains(kinds, "requested") || !slices.Contains(kinds, "responded") {
			t.Errorf("round %d: change %q was acknowledged but its events are %v, want requested and responded", round, title, kinds)
		}
	}
}

// checkNoneSentTwice compares the PUTs DigiCert received for each
// organization with the requests recorded for it: a submission records
// its request before its one PUT, so more PUTs than requests means a
// change was sent twice.
func checkNoneSentTwice(t *testing.T, ctx context.Context, db *sql.DB, up *loadtest.Upstream, round int) {
	t.Helper()
	for id, puts := range up.ContactUpdates() {
		var requested, answered int
		err := db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE kind = 'requested'),
			count(*) FILTER (WHERE kind = 'responded') FROM audit_events WHERE organization_id = $1`, id).Scan(&requested, &answered)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if puts > requested || puts < answered {
			t.Errorf("round %d: organization %d received %d PUTs for %d requests recorded, %d answered: a change was sent twice or not recorded",
				round, id, puts, requested, answered)
		}
	}
}
