package contacts

import (
	"context"
	"errors"
	"testing"
)

// size is the number of organizations whose lock is held or awaited.
func (l *orgLocks) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.byID)
}

func TestOrgLocksOrderOneOrganization(t *testing.T) {
	l := newOrgLocks()
	ctx := context.Background()
	unlock, err := l.lock(ctx, 1)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	// Another organization is not held up.
	unlockOther, err := l.lock(ctx, 2)
	if err != nil {
		t.Fatalf("lock of another organization: %v", err)
	}
	unlockOther()

	acquired := make(chan func())
	go func() {
		second, err := l.lock(ctx, 1)
		if err != nil {
			t.Errorf("second lock: %v", err)
			close(acquired)
			return
		}
		acquired <- second
	}()
	select {
	case <-acquired:
		t.Fatal("second lock of organization 1 acquired while the first was held")
	default:
	}
	unlock()
	second, ok := <-acquired
	if !ok {
		return
	}
	second()
	if n := l.size(); n != 0 {
		t.Errorf("entries after every lock was released: got %d, want 0", n)
	}
}

func TestOrgLocksWaitEndsWithContext(t *testing.T) {
	l := newOrgLocks()
	unlock, err := l.lock(context.Background(), 1)
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.lock(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("lock with an ended context: got %v, want context.Canceled", err)
	}
	unlock()
	if n := l.size(); n != 0 {
		t.Errorf("entries after the waiter gave up and the holder released: got %d, want 0", n)
	}
	again, err := l.lock(context.Background(), 1)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again()
}
