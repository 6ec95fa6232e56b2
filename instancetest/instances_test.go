package instancetest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/contactdesk/contactdesk/internal/loadtest"
)

// TestOneTruthAcrossTwoInstances runs two instances on one database, as
// behind a load balancer that sends each request to either: a session
// made on one is valid on the other, changes sent through both make one
// audit log that verifies with every checkpoint signed by the one key,
// each size of the log signed once even when both sign at once, and
// signing out on one ends the session on both.
func TestOneTruthAcrossTwoInstances(t *testing.T) {
	c := newCluster(t, 0, "CONTACTDESK_AUDIT_CHECKPOINT_INTERVAL=1s")
	a, b := c.start("a"), c.start("b")
	accounts, err := a.AddAccounts(context.Background(), "truth", 4)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var users []*loadtest.User
	for _, acc := range accounts {
		u, err := loadtest.NewUser(a.URL, loadtest.NewRecorder())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(u.Close)
		if err := u.SignIn(ctx, acc); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}

	// Every session was made on a; half the users now work on b.
	for i, u := range users {
		base := a.URL
		if i%2 == 1 {
			base = b.URL
		}
		if err := u.Retarget(base); err != nil {
			t.Fatal(err)
		}
		if r, err := u.Get(ctx, "list", "/organizations", http.StatusOK); err != nil {
			t.Fatalf("user %d on %s with a session made on a: %v (%s)", i, base, err, r.Location)
		}
	}

	orgs := c.up.Organizations()
	const sendsEach = 6
	var wg sync.WaitGroup
	for i, u := range users {
		wg.Go(func() {
			for n := range sendsEach {
				if _, err := u.SendChange(ctx, orgs[i].ID, fmt.Sprintf("Truth u%d n%d", i, n)); err != nil {
					t.Errorf("user %d send %d: %v", i, n, err)
					return
				}
			}
		})
	}
	wg.Wait()

	// Both export at once, each signing the log as it is: one
	// checkpoint for that size.
	for i := range 3 {
		wg.Go(func() {
			if _, err := users[i%2].Get(ctx, "export", "/audit/export?format=json", http.StatusOK); err != nil {
				t.Errorf("export: %v", err)
			}
		})
	}
	wg.Wait()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var checkpoints, sizes, requested int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT tree_size) FROM audit_checkpoints`).Scan(&checkpoints, &sizes); err != nil {
		t.Fatal(err)
	}
	if checkpoints == 0 || checkpoints != sizes {
		t.Errorf("%d checkpoints of %d sizes of the log, want one per size", checkpoints, sizes)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE kind = 'requested'`).Scan(&requested); err != nil {
		t.Fatal(err)
	}
	if want := len(users) * sendsEach; requested != want {
		t.Errorf("%d requested events, want %d", requested, want)
	}

	// Signing out on a ends the session on b.
	u := users[1]
	if err := u.Retarget(a.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Get(ctx, "list", "/organizations", http.StatusOK); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Post(ctx, "sign-out", "/logout", url.Values{}, http.StatusSeeOther); err != nil {
		t.Fatal(err)
	}
	if err := u.Retarget(b.URL); err != nil {
		t.Fatal(err)
	}
	r, err := u.Get(ctx, "list", "/organizations", http.StatusSeeOther)
	if err != nil || !strings.HasPrefix(r.Location, "/login") {
		t.Errorf("on b after signing out on a: %v, sent to %q; want the sign-in page", err, r.Location)
	}
	if _, err := users[3].Get(ctx, "list", "/organizations", http.StatusOK); err != nil {
		t.Errorf("another user's session on b after the sign-out: %v", err)
	}

	for _, p := range []*loadtest.Portal{a, b} {
		if err := p.Stop(time.Minute); err != nil {
			t.Error(err)
		}
	}
	out := c.command(nil, "audit", "verify")
	if !strings.Contains(out, "every signature verified") {
		t.Errorf("audit verify does not say every checkpoint's signature verified:\n%s", out)
	}
}

// TestLeaderTakesOverWhenKilled runs the directory's worker over enough
// organizations to keep it busy: only the leader reads; when the leader
// is killed with SIGKILL, the other instance leads within 30 seconds and
// its worker goes on; the killed one, started again, follows.
func TestLeaderTakesOverWhenKilled(t *testing.T) {
	// 2,000 organizations at a background share of 10 reads a second
	// keep the worker busy for minutes.
	c := newCluster(t, 2000, "CONTACTDESK_DIGICERT_RATE=20/1s,100000/1h")
	first := c.start("a")
	eventually(t, 30*time.Second, "a leading", func() bool { return leader(t, first) })
	second := c.start("b")
	if leader(t, second) {
		t.Fatal("b leads while a does")
	}
	eventually(t, time.Minute, "a's worker reading", func() bool { return workerReads(t, first) >= 10 })
	if n := workerReads(t, second); n != 0 {
		t.Fatalf("b's worker read %d organizations while a leads", n)
	}

	first.Kill()
	killed := time.Now()
	eventually(t, 30*time.Second, "b leading after a was killed", func() bool { return leader(t, second) })
	t.Logf("b led %s after a was killed", time.Since(killed).Round(time.Millisecond))
	eventually(t, time.Minute, "b's worker reading", func() bool { return workerReads(t, second) >= 5 })

	again := c.start("a")
	if leader(t, again) {
		t.Error("a, started again, leads beside b")
	}
	if !leader(t, second) {
		t.Error("b stopped leading when a started again")
	}
	if n := workerReads(t, again); n != 0 {
		t.Errorf("a's worker, started again, read %d organizations while b leads", n)
	}
	for _, p := range []*loadtest.Portal{again, second} {
		if err := p.Stop(time.Minute); err != nil {
			t.Error(err)
		}
	}
	c.command(nil, "audit", "verify")
}
