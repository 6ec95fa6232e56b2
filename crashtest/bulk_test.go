package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/internal/loadtest"
)

// Bulk crash test parameters: a job of bulkOrganizations organizations,
// killed bulkKills times, each after a random run of bulkMinRun to
// bulkMaxRun, against a DigiCert that takes bulkMinLatency to
// bulkMaxLatency to answer. The job needs about 15 seconds of work, so
// every kill falls in the middle of it.
const (
	bulkOrganizations = 500
	bulkKills         = 24
	bulkMinKills      = 20
	bulkMinRun        = 150 * time.Millisecond
	bulkMaxRun        = 400 * time.Millisecond
	bulkMinLatency    = 3 * time.Millisecond
	bulkMaxLatency    = 10 * time.Millisecond
	// bulkRate is the client's rate windows: roomy, so that the job is
	// bounded by DigiCert's answers and the database, not the limiter.
	bulkRate = "2000/1s,200000/1m"
	// bulkTimeout bounds the wait for the directory to read every
	// organization, and for the job to finish after the last kill.
	bulkTimeout = 2 * time.Minute
)

// TestCrashRecoveryBulk kills the portal with SIGKILL again and again
// while a bulk change of 500 organizations runs, restarting it each time.
// After every restart every submission has its outcome or is reconciled,
// no organization has received more than one PUT (the sandbox counts
// them), the database is intact and `audit verify` passes; in the end
// the job has finished with every organization changed exactly once.
func TestCrashRecoveryBulk(t *testing.T) {
	if os.Getenv("CONTACTDESK_CRASH") != "1" {
		t.Skip("the crash test takes about a minute: set CONTACTDESK_CRASH=1 to run it")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CONTACTDESK_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CONTACTDESK_CRASH_SEED=%q: %v", s, err)
		}
		seed = n
	}
	t.Logf("seed %d (CONTACTDESK_CRASH_SEED=%d replays this run)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	ctx := context.Background()

	up := loadtest.StartUpstream(loadtest.UpstreamOptions{Organizations: bulkOrganizations, Delay: between(seed, bulkMinLatency, bulkMaxLatency)})
	t.Cleanup(up.Close)
	logs := &lockedLog{}
	portal := &loadtest.Portal{
		Binary: buildPortal(t),
		DB:     filepath.Join(t.TempDir(), "contactdesk.db"),
		Env: []string{"DIGICERT_API_KEY=" + up.APIKey, "DIGICERT_BASE_URL=" + up.BaseURL(),
			"CONTACTDESK_DIGICERT_RATE=" + bulkRate},
		Log: logs,
	}
	accounts, err := portal.AddAccounts(ctx, "bulk", 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		portal.Kill()
		if t.Failed() {
			t.Logf("portal output, last start:\n%s", logs.String())
		}
	})
	if err := portal.Start(ctx); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	user := signIn(t, portal.URL, accounts)[0]
	db := openReadOnly(t, portal.DB)
	var ids []int
	for _, o := range up.Organizations() {
		ids = append(ids, o.ID)
	}
	if err := waitCount(ctx, db, `SELECT count(*) FROM directory_organizations WHERE read_at != ''`, len(ids), bulkTimeout); err != nil {
		t.Fatalf("the directory did not read every organization: %v", err)
	}
	start := time.Now()
	job, err := user.StartBulkChange(ctx, ids, "Crash bulk")
	if err != nil {
		t.Fatal(err)
	}
	toSend := count(t, db, `SELECT count(*) FROM bulk_items WHERE job_id = ? AND state != 'excluded'`, job)
	if toSend < len(ids)*9/10 {
		t.Fatalf("the job sends to %d of %d organizations: the review left out too many", toSend, len(ids))
	}

	killsDuringJob := 0
	for round := 1; round <= bulkKills; round++ {
		run := bulkMinRun + time.Duration(rng.Int64N(int64(bulkMaxRun-bulkMinRun)))
		time.Sleep(run)
		portal.Kill()
		if state := jobState(t, db, job); state == "running" {
			killsDuringJob++
		}
		checkSentOnce(t, up, round)
		logs.Reset()
		if err := portal.Start(ctx); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, logs.String())
		}
		checkRecovered(t, ctx, portal, round, nil)
		if t.Failed() {
			return
		}
	}
	t.Logf("after the last kill %d of %d organizations have their outcome", count(t, db,
		`SELECT count(*) FROM bulk_items WHERE job_id = ? AND state IN ('succeeded', 'failed', 'stale', 'cancelled')`, job), toSend)
	if killsDuringJob < bulkMinKills {
		t.Fatalf("only %d of %d kills fell while the job ran, want at least %d: the job ran too fast for the test", killsDuringJob, bulkKills, bulkMinKills)
	}
	if err := waitCount(ctx, db, `SELECT count(*) FROM bulk_jobs WHERE id = `+strconv.FormatInt(job, 10)+` AND state = 'finished'`, 1, bulkTimeout); err != nil {
		t.Fatalf("the job did not finish after the last restart: %v", err)
	}
	checkRecovered(t, ctx, portal, bulkKills+1, nil)
	if got := count(t, db, `SELECT count(*) FROM bulk_items WHERE job_id = ? AND state = 'succeeded'`, job); got != toSend {
		t.Errorf("%d of %d organizations succeeded", got, toSend)
	}
	puts := up.ContactUpdates()
	rows, err := db.QueryContext(ctx, `SELECT organization_id FROM bulk_items WHERE job_id = ? AND state = 'succeeded'`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		o, _ := up.Organization(id)
		if puts[id] != 1 || o.OrganizationContact.JobTitle != "Crash bulk" {
			t.Errorf("organization %d: %d PUTs, job title %q; want one PUT that set Crash bulk", id, puts[id], o.OrganizationContact.JobTitle)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := portal.Stop(time.Minute); err != nil {
		t.Error(err)
	}
	t.Logf("%d organizations, %d kills (%d while the job ran) in %s; %d reconciled after a kill",
		toSend, bulkKills, killsDuringJob, time.Since(start).Round(time.Millisecond), countKind(t, portal.DB, "reconciled"))
}

// between returns how long each DigiCert request waits: uniform between
// lo and hi, from its own seeded generator.
func between(seed uint64, lo, hi time.Duration) func() time.Duration {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(seed, 4))
	return func() time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return lo + time.Duration(rng.Int64N(int64(hi-lo)))
	}
}

// checkSentOnce fails the test for any organization the sandbox handled
// more than one PUT for.
func checkSentOnce(t *testing.T, up *loadtest.Upstream, round int) {
	t.Helper()
	for id, n := range up.ContactUpdates() {
		if n > 1 {
			t.Errorf("round %d: organization %d received %d PUTs", round, id, n)
		}
	}
}

// jobState reads a job's state.
func jobState(t *testing.T, db *sql.DB, id int64) string {
	t.Helper()
	var state string
	if err := db.QueryRow(`SELECT state FROM bulk_jobs WHERE id = ?`, id).Scan(&state); err != nil {
		t.Fatalf("state of job %d: %v", id, err)
	}
	return state
}

// count runs a query counting rows with one argument.
func count(t *testing.T, db *sql.DB, query string, arg any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, arg).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// waitCount waits until query counts at least want rows.
func waitCount(ctx context.Context, db *sql.DB, query string, want int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		var n int
		if err := db.QueryRowContext(ctx, query).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", query, err)
		}
		if n >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d after %s", n, want, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
