package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// manualClock is a clock a test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestKeptReads checks when GetUser and AuditLogHead answer from memory:
// a write of this process is seen at once, one of another process within
// keptMaxAge.
func TestKeptReads(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "contactdesk.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := &manualClock{t: time.Now()}
	st.users.now, st.head.now = clock.now, clock.now
	other, err := Open(ctx, path) // as the contactdesk user command would
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	admin := createTestUser(t, st, "admin@example.com", RoleAdmin)
	u := createTestUser(t, st, "ed@example.com", RoleEditor)
	user := func() User {
		t.Helper()
		got, err := st.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	head := func() int64 {
		t.Helper()
		h, err := st.AuditLogHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h.LastID
	}
	appendEvent := func(s *Store) int64 {
		t.Helper()
		e, err := s.AppendAuditEvent(ctx, AuditEvent{
			SubmissionID: "sub", Kind: AuditRejected, ActorID: admin.ID, ActorEmail: admin.Email,
			OrganizationID: 1, OrganizationName: "Org", Summary: "Nothing to send",
		})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	if got := user().Role; got != RoleEditor {
		t.Fatalf("role %s, want editor", got)
	}
	if got := head(); got != 2 {
		t.Fatalf("head %d of a log holding the two users' creation, want 2", got)
	}

	// This process's own writes are seen at once, the events that record
	// them included.
	if _, err := st.SetUserRole(ctx, u.ID, RoleEditor, RoleAuditor, testEvent[User](AuditUserChanged)); err != nil {
		t.Fatal(err)
	}
	if got := user().Role; got != RoleAuditor {
		t.Errorf("after this process's write: role %s, want auditor", got)
	}
	if got := head(); got != 3 {
		t.Errorf("after this process's write: head %d, want its event 3", got)
	}
	if id := appendEvent(st); head() != id {
		t.Errorf("after this process's append: head %d, want %d", head(), id)
	}

	// Another process's writes are seen once the kept answers are too old.
	user() // kept again since the append
	if _, err := other.DisableUser(ctx, u.ID, testEvent[User](AuditUserDisabled)); err != nil {
		t.Fatal(err)
	}
	id := appendEvent(other)
	clock.advance(keptMaxAge / 2)
	if user().Disabled || head() == id {
		t.Errorf("within keptMaxAge: disabled %t, head %d; want the kept answers", user().Disabled, head())
	}
	clock.advance(keptMaxAge / 2)
	if !user().Disabled || head() != id {
		t.Errorf("after keptMaxAge: disabled %t, head %d; want the other process's writes (head %d)", user().Disabled, head(), id)
	}

	if _, err := st.GetUser(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetUser(9999) = %v, want ErrNotFound", err)
	}
}

func TestKeptDropsReadsOverlappingAWrite(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	var writes writeCount
	k := newKept[int, string](clock.now, &writes)
	fetches := 0
	fetch := func(v string) func() (string, error) {
		return func() (string, error) { fetches++; return v, nil }
	}

	// A write finishes while the value is being read: what was read may
	// be from before it, so it is not kept.
	k.read(1, func() (string, error) { writes.done(); return "old", nil })
	if got, _ := k.read(1, fetch("new")); got != "new" || fetches != 1 {
		t.Errorf("read after an overlapping write = %q after %d fetches, want new after 1", got, fetches)
	}
	if got, _ := k.read(1, fetch("newer")); got != "new" || fetches != 1 {
		t.Errorf("second read = %q after %d fetches, want the kept new", got, fetches)
	}
	writes.done()
	if got, _ := k.read(1, fetch("after write")); got != "after write" || fetches != 2 {
		t.Errorf("read after a write = %q after %d fetches, want a new read", got, fetches)
	}
	// A clock set back does not make an answer look young.
	clock.advance(-time.Minute)
	if got, _ := k.read(1, fetch("clock back")); got != "clock back" {
		t.Errorf("read with the clock set back = %q, want a new read", got)
	}
	// Errors are not kept.
	failing := errors.New("disk")
	if _, err := k.read(2, func() (string, error) { return "", failing }); !errors.Is(err, failing) {
		t.Errorf("read error = %v", err)
	}
	if got, _ := k.read(2, fetch("fine")); got != "fine" {
		t.Errorf("read after an error = %q, want a new read", got)
	}
	for i := range maxKept + 5 {
		k.read(100+i, fetch("x"))
	}
	if len(k.byKey) > maxKept {
		t.Errorf("%d answers kept, more than %d", len(k.byKey), maxKept)
	}
}
