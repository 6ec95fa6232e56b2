package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/internal/loadtest"
)

// Bulk crash test parameters: a job of bulkOrganizations organizations,
// killed bulkKills times against a DigiCert that takes bulkMinLatency to
// bulkMaxLatency to answer. Each kill comes once the job has settled a
// random number of further organizations (at most bulkOrganizations /
// (2 × (bulkKills + 1)), so that every kill falls in the middle of the job
// however fast the machine runs it), then after a random wait of up to
// bulkMaxJitter, so that kills land at every step of an organization's
// send: its read, its audit, its PUT, its outcome.
const (
	bulkOrganizations = 500
	bulkKills         = 24
	bulkMinKills      = 20
	bulkMaxJitter     = 25 * time.Millisecond
	bulkMinLatency    = 3 * time.Millisecond
	bulkMaxLatency    = 10 * time.Millisecond
	// bulkRate is the client's rate windows: roomy, so that the job is
	// bounded by DigiCert's answers and the database, not the limiter.
	bulkRate = "2000/1s,200000/1m"
	// bulkTimeout bounds the wait for the directory to read every
	// organization, for the job to settle its next organizations, and for
	// the job to finish after the last kill.
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
	seed := crashSeed(t)
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
	if err := waitCount(ctx, db, bulkTimeout, len(ids), `SELECT count(*) FROM directory_organizations WHERE read_at != ''`); err != nil {
		t.Fatalf("the directory did not read every organization: %v", err)
	}
	start := time.Now()
	job, err := user.StartBulkChange(ctx, ids, "Crash bulk")
	if err != nil {
		t.Fatal(err)
	}
	toSend := count(t, db, `SELECT count(*) FROM bulk_items WHERE job_id = $1 AND state != 'excluded'`, job)
	if toSend < len(ids)*9/10 {
		t.Fatalf("the job sends to %d of %d organizations: the review left out too many", toSend, len(ids))
	}

	const settled = `SELECT count(*) FROM bulk_items WHERE job_id = $1
		AND state IN ('succeeded', 'failed', 'stale', 'cancelled')`
	perRound := toSend / (2 * (bulkKills + 1))
	killsDuringJob := 0
	for round := 1; round <= bulkKills; round++ {
		var done int
		if err := db.QueryRowContext(ctx, settled, job).Scan(&done); err != nil {
			t.Fatal(err)
		}
		if err := waitCount(ctx, db, bulkTimeout, done+1+rng.IntN(perRound), settled, job); err != nil {
			t.Fatalf("round %d: the job does not go on: %v\n%s", round, err, logs.String())
		}
		time.Sleep(time.Duration(rng.Int64N(int64(bulkMaxJitter))))
		portal.Kill()
		if state := jobState(t, db, job); state == "running" {
			killsDuringJob++
		}
		checkSentOnce(t, up, round)
		// The database as the kill left it, checked while no portal
		// runs, so that the job does not go on meanwhile.
		checkIntact(t, ctx, portal, db, round)
		open := pendingSubmissions(t, db)
		logs.Reset()
		if err := portal.Start(ctx); err != nil {
			t.Fatalf("round %d: %v\n%s", round, err, logs.String())
		}
		if err := waitOutcomes(ctx, db, open, settleTimeout); err != nil {
			t.Errorf("round %d: after the restart: %v", round, err)
		}
		if t.Failed() {
			return
		}
	}
	var done int
	if err := db.QueryRowContext(ctx, settled, job).Scan(&done); err != nil {
		t.Fatal(err)
	}
	t.Logf("after the last kill %d of %d organizations have their outcome", done, toSend)
	if killsDuringJob < bulkMinKills {
		t.Fatalf("only %d of %d kills fell while the job ran, want at least %d", killsDuringJob, bulkKills, bulkMinKills)
	}
	if err := waitCount(ctx, db, bulkTimeout, 1, `SELECT count(*) FROM bulk_jobs WHERE id = $1 AND state = 'finished'`, job); err != nil {
		t.Fatalf("the job did not finish after the last restart: %v", err)
	}
	checkRecovered(t, ctx, portal, bulkKills+1, nil)
	checkJobSentOnce(t, ctx, db, up, job, toSend, "Crash bulk")
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

// checkJobSentOnce checks that every one of the toSend organizations of
// the job succeeded, each by one PUT that set jobTitle. Its queries have
// $N parameters, which both SQLite's driver and PostgreSQL's take.
func checkJobSentOnce(t *testing.T, ctx context.Context, db *sql.DB, up *loadtest.Upstream, job int64, toSend int, jobTitle string) {
	t.Helper()
	if got := count(t, db, `SELECT count(*) FROM bulk_items WHERE job_id = $1 AND state = 'succeeded'`, job); got != toSend {
		t.Errorf("%d of %d organizations succeeded", got, toSend)
	}
	puts := up.ContactUpdates()
	rows, err := db.QueryContext(ctx, `SELECT organization_id FROM bulk_items WHERE job_id = $1 AND state = 'succeeded'`, job)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		o, ok := up.Organization(id)
		if puts[id] != 1 || !ok || o.OrganizationContact.JobTitle != jobTitle {
			t.Errorf("organization %d: %d PUTs, job title %q; want one PUT that set %s", id, puts[id], o.OrganizationContact.JobTitle, jobTitle)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
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

// pendingSubmissions returns the submissions whose request is recorded
// and whose outcome is not.
func pendingSubmissions(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(strings.Replace(pendingQuery, "count(*)", "r.submission_id", 1))
	if err != nil {
		t.Fatalf("pending submissions: %v", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("pending submissions: %v", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("pending submissions: %v", err)
	}
	return ids
}

// waitOutcomes waits until each of the submissions ids has an outcome,
// which after a restart means the portal has reconciled what the kill
// left open.
func waitOutcomes(ctx context.Context, db *sql.DB, ids []string, within time.Duration) error {
	for _, id := range ids {
		if err := waitCount(ctx, db, within, 1, `SELECT count(*) FROM audit_events
			WHERE submission_id = $1 AND kind IN ('responded', 'failed', 'reconciled')`, id); err != nil {
			return fmt.Errorf("submission %s has no outcome: %w", id, err)
		}
	}
	return nil
}

// jobState reads a job's state.
func jobState(t *testing.T, db *sql.DB, id int64) string {
	t.Helper()
	var state string
	if err := db.QueryRow(`SELECT state FROM bulk_jobs WHERE id = $1`, id).Scan(&state); err != nil {
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
func waitCount(ctx context.Context, db *sql.DB, within time.Duration, want int, query string, args ...any) error {
	deadline := time.Now().Add(within)
	for {
		var n int
		if err := db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", query, err)
		}
		if n >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d after %s", n, want, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
