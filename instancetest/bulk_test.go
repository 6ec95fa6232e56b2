package instancetest

import (
	"bufio"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/contactdesk/contactdesk/internal/loadtest"
)

// TestBulkJobRunsOnTheLeader starts a bulk change of 300 organizations on
// the instance that does not lead: the leader runs it, the other sends
// nothing. The leader is killed with SIGKILL in the middle of the job;
// the other leads within 30 seconds, takes the job over and finishes it,
// and no organization receives two PUTs (the sandbox counts them). The
// audit log of both verifies.
func TestBulkJobRunsOnTheLeader(t *testing.T) {
	const organizations = 300
	// Reads and writes at 40 a second, of which the bulk class has 80 %:
	// the job takes about 20 seconds, long enough to be killed in its
	// middle.
	c := newCluster(t, organizations, "CONTACTDESK_DIGICERT_RATE=40/1s,100000/1h")
	a := c.start("a")
	eventually(t, 30*time.Second, "a leading", func() bool { return leader(t, a) })
	b := c.start("b")
	if leader(t, b) {
		t.Fatal("b leads while a does")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// A bulk change is reviewed against the directory, which a's worker
	// fills.
	countRows(t, conn, 2*time.Minute, organizations, `SELECT count(*) FROM directory_organizations WHERE read_at != ''`)

	accounts, err := b.AddAccounts(ctx, "bulk", 1)
	if err != nil {
		t.Fatal(err)
	}
	user, err := loadtest.NewUser(b.URL, loadtest.NewRecorder())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(user.Close)
	if err := user.SignIn(ctx, accounts[0]); err != nil {
		t.Fatal(err)
	}
	var ids []int
	for _, o := range c.up.Organizations() {
		ids = append(ids, o.ID)
	}
	const title = "Bulk on the leader"
	job, err := user.StartBulkChange(ctx, ids, title)
	if err != nil {
		t.Fatal(err)
	}
	var toSend int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM bulk_items WHERE job_id = $1 AND state != 'excluded'`, job).Scan(&toSend); err != nil {
		t.Fatal(err)
	}
	if toSend < organizations*9/10 {
		t.Fatalf("the job sends to %d of %d organizations: the review left out too many", toSend, organizations)
	}

	// The job, started on b, runs on a.
	settled := func() int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM bulk_items WHERE job_id = $1
			AND state IN ('succeeded', 'failed', 'stale', 'cancelled')`, job).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	eventually(t, time.Minute, "a third of the job settled", func() bool { return settled() >= toSend/3 })
	if n := bulkRequests(t, b); n != 0 {
		t.Fatalf("b, which does not lead, made %d requests of the bulk job", n)
	}
	if n := bulkRequests(t, a); n == 0 {
		t.Fatal("a, the leader, made no request of the bulk job, yet it goes on")
	}

	a.Kill()
	killed := time.Now()
	done := settled()
	var state string
	if err := conn.QueryRow(ctx, `SELECT state FROM bulk_jobs WHERE id = $1`, job).Scan(&state); err != nil {
		t.Fatal(err)
	}
	if state != "running" || done >= toSend {
		t.Fatalf("the job is %s with %d of %d organizations settled when a is killed: the kill missed it", state, done, toSend)
	}
	eventually(t, 30*time.Second, "b leading after a was killed", func() bool { return leader(t, b) })
	eventually(t, time.Until(killed.Add(30*time.Second)), "b going on with the job", func() bool {
		return settled() > done && bulkRequests(t, b) > 0
	})
	t.Logf("b went on with the job %s after a was killed (%d of %d organizations settled then)",
		time.Since(killed).Round(time.Millisecond), done, toSend)
	countRows(t, conn, 2*time.Minute, 1, `SELECT count(*) FROM bulk_jobs WHERE id = $1 AND state = 'finished'`, job)

	puts := c.up.ContactUpdates()
	for id, n := range puts {
		if n > 1 {
			t.Errorf("organization %d received %d PUTs", id, n)
		}
	}
	rows, err := conn.Query(ctx, `SELECT organization_id, state FROM bulk_items WHERE job_id = $1 AND state != 'excluded'`, job)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var (
			id    int
			state string
		)
		if err := rows.Scan(&id, &state); err != nil {
			t.Fatal(err)
		}
		o, ok := c.up.Organization(id)
		if state != "succeeded" || puts[id] != 1 || !ok || o.OrganizationContact.JobTitle != title {
			t.Errorf("organization %d: %s, %d PUTs, job title %q; want succeeded by one PUT that set %q",
				id, state, puts[id], o.OrganizationContact.JobTitle, title)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Stop(time.Minute); err != nil {
		t.Error(err)
	}
	out := c.command(nil, "audit", "verify")
	if !strings.Contains(out, "every signature verified") {
		t.Errorf("audit verify does not say every checkpoint's signature verified:\n%s", out)
	}
}

// bulkRequests sums the DigiCert requests of bulk jobs the instance's
// client admitted, from its metrics.
func bulkRequests(t *testing.T, p *loadtest.Portal) int {
	t.Helper()
	n := 0
	sc := bufio.NewScanner(strings.NewReader(getText(t, p.MetricsURL+"/metrics")))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "contactdesk_digicert_admitted_total{") || !strings.Contains(line, `class="bulk"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		n += int(v)
	}
	return n
}

// countRows waits until query counts at least want rows, failing the test
// after within.
func countRows(t *testing.T, conn *pgx.Conn, within time.Duration, want int, query string, args ...any) {
	t.Helper()
	n := 0
	eventually(t, within, query, func() bool {
		if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n >= want
	})
}
