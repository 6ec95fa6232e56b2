package crashtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/internal/loadtest"
)

// Crash test parameters: at least crashKills kills, each after a random
// run of crashMinRun to crashMaxRun with crashSenders users sending
// changes back to back against a DigiCert that takes crashMinLatency to
// crashMaxLatency to answer.
const (
	crashKills      = 50
	crashSenders    = 4
	crashMinRun     = 150 * time.Millisecond
	crashMaxRun     = 1200 * time.Millisecond
	crashMinLatency = 5 * time.Millisecond
	crashMaxLatency = 80 * time.Millisecond
	// settleTimeout bounds the wait for reconciliation after a restart;
	// it takes milliseconds against the sandbox on loopback.
	settleTimeout = 30 * time.Second
)

// TestCrashRecovery kills the portal with SIGKILL at random moments while
// changes are being sent, restarts it, and checks after every restart that
// nothing acknowledged was lost and nothing started was left open: every
// change answered with a 303 has its requested and responded events,
// every requested event gets an outcome or a reconciled event, the file
// passes SQLite's integrity check, and `contactdesk audit verify` passes.
//
// The kill moments and upstream latencies come from a seeded generator;
// CONTACTDESK_CRASH_SEED replays a run whose seed a failure printed.
func TestCrashRecovery(t *testing.T) {
	if os.Getenv("CONTACTDESK_CRASH") != "1" {
		t.Skip("the crash test takes about two minutes: set CONTACTDESK_CRASH=1 to run it")
	}
	seed := crashSeed(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	ctx := context.Background()

	up := loadtest.StartUpstream(loadtest.UpstreamOptions{Delay: latencies(seed)})
	t.Cleanup(up.Close)
	dir := t.TempDir()
	logs := &lockedLog{}
	portal := &loadtest.Portal{
		Binary: buildPortal(t),
		DB:     filepath.Join(dir, "contactdesk.db"),
		Env:    []string{"DIGICERT_API_KEY=" + up.APIKey, "DIGICERT_BASE_URL=" + up.BaseURL()},
		Log:    logs,
	}
	accounts, err := portal.AddAccounts(ctx, "crash", crashSenders)
	if err != nil {
		t.Fatal(err)
	}
	orgs := organizationIDs(up, crashSenders)
	t.Cleanup(func() {
		portal.Kill()
		if t.Failed() {
			t.Logf("portal output, last start:\n%s", logs.String())
		}
	})

	var (
		users     []*loadtest.User
		acked     []string
		lastAcked []string
		sent      int
	)
	start := time.Now()
	for round := 0; round <= crashKills; round++ {
		logs.Reset()
		if err := portal.Start(ctx); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, logs.String())
		}
		if users == nil {
			// Sessions are kept in the database, so the users stay
			// signed in across every crash.
			users = signIn(t, portal.URL, accounts)
		}
		for _, u := range users {
			if err := u.Retarget(portal.URL); err != nil {
				t.Fatal(err)
			}
		}
		// The changes acknowledged just before the kill are the ones at
		// risk; older ones are checked once more at the end.
		checkRecovered(t, ctx, portal, round, lastAcked)
		if t.Failed() {
			return
		}
		if round == crashKills {
			break
		}
		run := crashMinRun + time.Duration(rng.Int64N(int64(crashMaxRun-crashMinRun)))
		got, n := sendUntilKilled(ctx, portal, users, orgs, round, run)
		acked = append(acked, got...)
		lastAcked = got
		sent += n
	}
	checkRecovered(t, ctx, portal, crashKills, acked)
	if err := portal.Stop(time.Minute); err != nil {
		t.Error(err)
	}
	t.Logf("%d kills in %s: %d sends started, %d acknowledged, %d reconciled after a kill",
		crashKills, time.Since(start).Round(time.Millisecond), sent, len(acked), countKind(t, portal.DB, "reconciled"))
	if len(acked) == 0 {
		t.Errorf("no change was acknowledged in %d rounds: the test checked nothing", crashKills)
	}
}

// latencies returns how long each DigiCert request waits: uniform between
// crashMinLatency and crashMaxLatency, from its own seeded generator.
func latencies(seed uint64) func() time.Duration {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 2))
	return func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return crashMinLatency + time.Duration(rng.Int64N(int64(crashMaxLatency-crashMinLatency)))
	}
}

// organizationIDs picks n organizations of the sandbox, one per sender, so
// that no send makes another's review stale.
func organizationIDs(up *loadtest.Upstream, n int) []int {
	var ids []int
	for _, o := range up.Organizations() {
		if len(ids) < n {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// signIn signs every account in, one user each.
func signIn(t *testing.T, url string, accounts []loadtest.Account) []*loadtest.User {
	t.Helper()
	users := make([]*loadtest.User, len(accounts))
	for i, a := range accounts {
		u, err := loadtest.NewUser(url, loadtest.NewRecorder())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(u.Close)
		if err := u.SignIn(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		users[i] = u
	}
	return users
}

// sendUntilKilled has every user send changes back to back, kills the
// portal after run, and returns the job titles of the changes whose send
// was answered 303 (sent), and how many sends were started.
func sendUntilKilled(ctx context.Context, portal *loadtest.Portal, users []*loadtest.User, orgs []int, round int, run time.Duration) (acked []string, started int) {
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		stop = make(chan struct{})
	)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				title := fmt.Sprintf("Crash r%d u%d n%d", round, i, n)
				mu.Lock()
				started++
				mu.Unlock()
				status, err := u.SendChange(ctx, orgs[i], title, http.StatusSeeOther)
				if err == nil && status == http.StatusSeeOther {
					mu.Lock()
					acked = append(acked, title)
					mu.Unlock()
				}
				if err != nil {
					// The portal is gone or going: nothing more to send
					// this round.
					return
				}
			}
		}()
	}
	time.Sleep(run)
	portal.Kill()
	close(stop)
	wg.Wait()
	return acked, started
}

// checkRecovered checks the portal's state after a restart.
func checkRecovered(t *testing.T, ctx context.Context, portal *loadtest.Portal, round int, acked []string) {
	t.Helper()
	db := openReadOnly(t, portal.DB)
	defer db.Close()
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
	checkIntact(t, ctx, portal, db, round)
}

// checkIntact fails the test unless the database's structure is sound
// and `audit verify` passes.
func checkIntact(t *testing.T, ctx context.Context, portal *loadtest.Portal, db *sql.DB, round int) {
	t.Helper()
	if err := integrityCheck(ctx, db); err != nil {
		t.Errorf("round %d: %v", round, err)
	}
	if out, err := portal.Command(ctx, nil, "audit", "verify"); err != nil {
		t.Errorf("round %d: %v", round, errors.Join(err, errors.New(out)))
	}
}

// crashSeed returns the seed of a run's kill moments and latencies:
// CONTACTDESK_CRASH_SEED when set, to replay a run whose seed a failure
// printed, else a new one, logged.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CONTACTDESK_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CONTACTDESK_CRASH_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (CONTACTDESK_CRASH_SEED=%d replays this run)", seed, seed)
	return seed
}

// countKind counts the audit events of kind.
func countKind(t *testing.T, path, kind string) int {
	t.Helper()
	db := openReadOnly(t, path)
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM audit_events WHERE kind = $1`, kind).Scan(&n); err != nil {
		t.Fatalf("count %s events: %v", kind, err)
	}
	return n
}

// lockedLog keeps the output of the current start of the portal.
type lockedLog struct {
	mu  sync.Mutex
	buf []byte
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// Reset forgets what was written.
func (l *lockedLog) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = l.buf[:0]
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
