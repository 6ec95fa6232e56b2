package crashtest

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The bulk mode of TestCrashRecoveryOnPostgres: the job of
// TestCrashRecoveryBulk (bulkOrganizations organizations at bulkRate,
// each kill a few organizations after the last), run by whichever of the
// two instances leads, while either is killed.

// bulkSettled counts the settled items of job $1.
const bulkSettled = `SELECT count(*) FROM bulk_items WHERE job_id = $1
	AND state IN ('succeeded', 'failed', 'stale', 'cancelled')`

// startBulkJob waits until the leader's directory has read every
// organization, then has a user of instance a start a bulk change of all
// of them.
func startBulkJob(t *testing.T, ctx context.Context, r *pgCrashRun) {
	t.Helper()
	var ids []int
	for _, o := range r.up.Organizations() {
		ids = append(ids, o.ID)
	}
	if err := waitCount(ctx, r.db, bulkTimeout, len(ids), `SELECT count(*) FROM directory_organizations WHERE read_at != ''`); err != nil {
		t.Fatalf("the directory did not read every organization: %v", err)
	}
	job, err := r.instances[0].users[0].StartBulkChange(ctx, ids, "PG crash bulk")
	if err != nil {
		t.Fatal(err)
	}
	r.job = job
	r.toSend = count(t, r.db, `SELECT count(*) FROM bulk_items WHERE job_id = $1 AND state != 'excluded'`, job)
	if r.toSend < len(ids)*9/10 {
		t.Fatalf("the job sends to %d of %d organizations: the review left out too many", r.toSend, len(ids))
	}
	r.perRound = max(1, r.toSend/(2*(pgCrashKills+1)))
}

// bulkUntilKilled waits until the job has settled a few more
// organizations, then a moment more, and kills victim.
// A job that does not go on is kept in r.stalled, for the check after
// the restart to report.
func bulkUntilKilled(ctx context.Context, r *pgCrashRun, victim *instance, round int) (acked []string, started int) {
	var done int
	err := r.db.QueryRowContext(ctx, bulkSettled, r.job).Scan(&done)
	if err == nil {
		err = waitCount(ctx, r.db, bulkTimeout, done+1+r.rng.IntN(r.perRound), bulkSettled, r.job)
	}
	if err != nil {
		r.stalled = fmt.Errorf("round %d: the job does not go on: %w", round, err)
	}
	time.Sleep(time.Duration(r.rng.Int64N(int64(bulkMaxJitter))))
	victim.portal.Kill()
	var state string
	if err := r.db.QueryRowContext(ctx, `SELECT state FROM bulk_jobs WHERE id = $1`, r.job).Scan(&state); err == nil && state == "running" {
		r.killsDuringJob++
	}
	return nil, 0
}

// checkBulkRound checks, after a restart, that no organization received
// two PUTs and that nothing is left open, and that the job goes on.
func checkBulkRound(t *testing.T, ctx context.Context, r *pgCrashRun, round int, _ []string) {
	t.Helper()
	if r.stalled != nil {
		t.Fatal(r.stalled)
	}
	checkSentOnce(t, r.up, round)
	pending, err := waitSettled(ctx, r.db, settleTimeout)
	if err != nil {
		t.Fatalf("round %d: %v", round, err)
	}
	if pending > 0 {
		t.Errorf("round %d: %d submissions still have no outcome %s after the restart", round, pending, settleTimeout)
	}
}

// finishBulkJob waits for the job to finish and checks that every
// organization of it was changed by exactly one PUT.
func finishBulkJob(t *testing.T, ctx context.Context, r *pgCrashRun) {
	t.Helper()
	if r.killsDuringJob < bulkMinKills {
		t.Errorf("only %d of %d kills fell while the job ran, want at least %d", r.killsDuringJob, pgCrashKills, bulkMinKills)
	}
	if err := waitCount(ctx, r.db, bulkTimeout, 1, `SELECT count(*) FROM bulk_jobs WHERE id = $1 AND state = 'finished'`, r.job); err != nil {
		t.Fatalf("the job did not finish after the last restart: %v", err)
	}
	checkJobSentOnce(t, ctx, r.db, r.up, r.job, r.toSend, "PG crash bulk")
	t.Logf("bulk job of %d organizations, %d of %d kills while it ran", r.toSend, r.killsDuringJob, pgCrashKills)
}
