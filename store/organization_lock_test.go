package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// lockResult is what a LockOrganization called in a goroutine returned.
type lockResult struct {
	unlock func() error
	err    error
}

func lockInBackground(ctx context.Context, s *Store, id int) <-chan lockResult {
	ch := make(chan lockResult, 1)
	go func() {
		unlock, err := s.LockOrganization(ctx, id)
		ch <- lockResult{unlock, err}
	}()
	return ch
}

// waitingForLock waits until a session waits for organization id's lock,
// as pg_locks shows it.
func waitingForLock(t *testing.T, s *Store, id int) {
	t.Helper()
	waitFor(t, "a process waiting for the lock", func() bool {
		var n int
		err := s.reader.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND classid = ? AND objid = ? AND objsubid = 2`,
			int64(organizationLockClass), int64(id)).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
}

func mustUnlock(t *testing.T, unlock func() error) {
	t.Helper()
	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}

// TestLockOrganizationAcrossProcesses takes organizations' locks from
// three stores on one database, as three portal processes: a second
// process waits for the first's lock of the same organization and for
// nothing else, gives up when its context ends, and gets the lock when
// the first releases it or dies.
func TestLockOrganizationAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	if testEngine != postgres {
		s := openTestStore(t)
		first, err := s.LockOrganization(ctx, 1001)
		if err != nil {
			t.Fatal(err)
		}
		second, err := s.LockOrganization(ctx, 1001)
		if err != nil {
			t.Fatalf("on SQLite the store's lock is the process's own: %v", err)
		}
		mustUnlock(t, second)
		mustUnlock(t, first)
		return
	}
	dsn := testDSN(t)
	a, b := openTestStoreAt(t, dsn), openTestStoreAt(t, dsn)
	unlockA, err := a.LockOrganization(ctx, 1001)
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.LockOrganization(ctx, 1002)
	if err != nil {
		t.Fatalf("another organization's lock: %v", err)
	}
	mustUnlock(t, other)

	waiting := lockInBackground(ctx, b, 1001)
	waitingForLock(t, a, 1001)
	select {
	case r := <-waiting:
		t.Fatalf("the second process got the lock while the first held it (err %v)", r.err)
	default:
	}
	mustUnlock(t, unlockA)
	r := <-waiting
	if r.err != nil {
		t.Fatalf("after the first released it: %v", r.err)
	}

	// A waiter whose context ends gives up, holding nothing.
	giveUp, cancel := context.WithCancel(ctx)
	abandoned := lockInBackground(giveUp, a, 1001)
	waitingForLock(t, a, 1001)
	cancel()
	if r := <-abandoned; !errors.Is(r.err, context.Canceled) {
		t.Fatalf("a waiter whose context ended: err = %v, want context.Canceled", r.err)
	}
	mustUnlock(t, r.unlock)
	again, err := b.LockOrganization(ctx, 1001)
	if err != nil {
		t.Fatalf("the lock after a waiter gave up: %v", err)
	}

	// A process that dies releases its locks with its connections: here
	// the server ends the holder's session, as it does when the
	// process's connection closes.
	c := openTestStoreAt(t, dsn)
	waiting = lockInBackground(ctx, c, 1001)
	waitingForLock(t, c, 1001)
	var ended int
	if err := c.reader.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND classid = ? AND objid = ? AND objsubid = 2`,
		int64(organizationLockClass), int64(1001)).Scan(&ended); err != nil || ended != 1 {
		t.Fatalf("end the holder's session: %d ended, %v; want 1", ended, err)
	}
	select {
	case r := <-waiting:
		if r.err != nil {
			t.Fatalf("after the holder died: %v", r.err)
		}
		mustUnlock(t, r.unlock)
	case <-time.After(30 * time.Second):
		t.Fatal("the lock of a process that died was not released")
	}
	if err := again(); err == nil {
		t.Error("unlocking a lock whose session ended succeeded")
	}
}
