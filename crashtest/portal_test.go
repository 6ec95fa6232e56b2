package crashtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// buildPortal builds the portal binary into a temporary folder.
func buildPortal(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the module's folder")
	}
	root := filepath.Dir(filepath.Dir(file))
	bin := filepath.Join(t.TempDir(), "contactdesk")
	start := time.Now()
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built the portal in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// openReadOnly opens the portal's database beside the running portal for
// reading only: query_only refuses any write, and WAL mode lets it read
// while the portal writes.
func openReadOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// integrityCheck runs SQLite's full check of the file's structure.
func integrityCheck(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("integrity_check: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("integrity_check: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity_check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// pendingQuery counts the requested events without an outcome, as the
// portal's reconciliation sees them.
const pendingQuery = `SELECT count(*) FROM audit_events AS r
	WHERE r.kind = 'requested' AND NOT EXISTS (
	    SELECT 1 FROM audit_events AS o
	    WHERE o.submission_id = r.submission_id AND o.kind IN ('responded', 'failed', 'reconciled'))`

// waitSettled waits until no submission is pending, which after a restart
// means the portal has reconciled what the crash left open.
func waitSettled(ctx context.Context, db *sql.DB, within time.Duration) (int, error) {
	deadline := time.Now().Add(within)
	for {
		var n int
		if err := db.QueryRowContext(ctx, pendingQuery).Scan(&n); err != nil {
			return 0, fmt.Errorf("pending submissions: %w", err)
		}
		if n == 0 || time.Now().After(deadline) {
			return n, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventsOfChange returns the kinds of the events of the submission whose
// request set jobTitle, oldest first; nil when there was none. db is
// SQLite's or PostgreSQL's: the query is in SQL both take (replace finds
// the text in both; neither has the other's instr or strpos), with a $1
// parameter, which both drivers take.
func eventsOfChange(ctx context.Context, db *sql.DB, jobTitle string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT kind FROM audit_events WHERE submission_id IN (
		SELECT submission_id FROM audit_events WHERE kind = 'requested' AND replace(request_body, $1, '') != request_body)
		ORDER BY id`, `"job_title":"`+jobTitle+`"`)
	if err != nil {
		return nil, fmt.Errorf("events of %q: %w", jobTitle, err)
	}
	defer rows.Close()
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		kinds = append(kinds, k)
	}
	return kinds, rows.Err()
}
