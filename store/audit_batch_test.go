package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// TestAuditAppendsShareACommit checks the group commit: appends that
// arrive while a commit is under way are committed together in the next
// transaction, each still chained and verifiable.
func TestAuditAppendsShareACommit(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	const waiting = 9

	var (
		mu      sync.Mutex
		commits []int // events per transaction
	)
	release := make(chan struct{})
	write := func(ctx context.Context, fn func(*sql.Tx) error) error {
		mu.Lock()
		first := len(commits) == 0
		commits = append(commits, 0)
		n := len(commits) - 1
		mu.Unlock()
		if first {
			<-release // hold the first commit until the others wait
		}
		return s.write(ctx, func(tx *sql.Tx) error {
			before, err := chainHead(ctx, tx)
			if err != nil {
				return err
			}
			if err := fn(tx); err != nil {
				return err
			}
			after, err := chainHead(ctx, tx)
			mu.Lock()
			commits[n] = int(after.LastID - before.LastID)
			mu.Unlock()
			return err
		})
	}
	appendOne := func(i int) error {
		r, err := newAuditRow(fullAuditEvent(fmt.Sprintf("sub-%d", i), AuditRequested))
		if err != nil {
			return err
		}
		_, err = s.audit.append(r, write)
		return err
	}

	var wg sync.WaitGroup
	errs := make(chan error, waiting+1)
	wg.Go(func() { errs <- appendOne(0) })
	for {
		mu.Lock()
		started := len(commits) == 1
		mu.Unlock()
		if started {
			break
		}
		runtime.Gosched()
	}
	for i := 1; i <= waiting; i++ {
		wg.Go(func() { errs <- appendOne(i) })
	}
	for {
		s.audit.mu.Lock()
		queued := len(s.audit.pending)
		s.audit.mu.Unlock()
		if queued == waiting {
			break
		}
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	if want := []int{1, waiting}; fmt.Sprint(commits) != fmt.Sprint(want) {
		t.Errorf("events per transaction = %v, want %v: appends waiting on a commit share the next one", commits, want)
	}
	head, err := s.VerifyAuditChain(ctx)
	if err != nil || head.Count != waiting+1 {
		t.Errorf("VerifyAuditChain = %+v, %v; want %d events, intact", head, err, waiting+1)
	}
}
