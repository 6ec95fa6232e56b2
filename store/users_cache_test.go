package store

import (
	"context"
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

// TestGetUserKept checks when GetUser answers from memory: a write of
// this process is seen at once, one of another process within userMaxAge.
func TestGetUserKept(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "contactdesk.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := &manualClock{t: time.Now()}
	st.users.now = clock.now
	other, err := Open(ctx, path) // as the contactdesk user command would
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	if _, err := st.CreateUser(ctx, NewUser{Email: "admin@example.com", Name: "Admin", Role: RoleAdmin, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, NewUser{Email: "ed@example.com", Name: "Ed", Role: RoleEditor, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	role := func() Role {
		t.Helper()
		got, err := st.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Role
	}
	if got := role(); got != RoleEditor {
		t.Fatalf("role %s, want editor", got)
	}

	// This process's own write is seen at once.
	if _, err := st.SetUserRole(ctx, u.ID, RoleAuditor); err != nil {
		t.Fatal(err)
	}
	if got := role(); got != RoleAuditor {
		t.Errorf("after this process's write: role %s, want auditor", got)
	}

	// Another process's write is seen once the kept copy is too old.
	if _, err := other.DisableUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	clock.advance(userMaxAge / 2)
	if got, err := st.GetUser(ctx, u.ID); err != nil || got.Disabled {
		t.Errorf("within userMaxAge: disabled %t, %v; want the kept copy", got.Disabled, err)
	}
	clock.advance(userMaxAge / 2)
	if got, err := st.GetUser(ctx, u.ID); err != nil || !got.Disabled {
		t.Errorf("after userMaxAge: disabled %t, %v; want the other process's write", got.Disabled, err)
	}

	// Unknown ids are not kept.
	if _, err := st.GetUser(ctx, 9999); err == nil {
		t.Error("GetUser(9999) found someone")
	}
}

func TestUserCacheDropsReadsOverlappingAWrite(t *testing.T) {
	clock := &manualClock{t: time.Now()}
	c := newUserCache(clock.now)
	_, ok, generation := c.get(1)
	if ok {
		t.Fatal("empty cache answered")
	}
	// A write commits while the row is being read: what was read may be
	// from before it.
	c.forget()
	c.put(User{ID: 1, Name: "Old"}, generation, clock.now())
	if _, ok, _ := c.get(1); ok {
		t.Error("a read that overlapped a write was kept")
	}
	_, _, generation = c.get(1)
	c.put(User{ID: 1, Name: "New"}, generation, clock.now())
	if u, ok, _ := c.get(1); !ok || u.Name != "New" {
		t.Errorf("get(1) = %+v, %t; want the read kept", u, ok)
	}
	for id := 2; id <= maxCachedUsers+1; id++ {
		c.put(User{ID: id}, generation, clock.now())
	}
	if len(c.byID) > maxCachedUsers {
		t.Errorf("%d users kept, more than %d", len(c.byID), maxCachedUsers)
	}
}
