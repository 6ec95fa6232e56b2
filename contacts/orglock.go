package contacts

import (
	"context"
	"sync"
)

// lockOrganization orders the changes to organization id: inside the
// process (orgLocks), then across the portal processes sharing the
// database (store.LockOrganization). It returns the function that
// releases both.
func (s *Service) lockOrganization(ctx context.Context, id int) (unlock func(), err error) {
	unlockHere, err := s.locks.lock(ctx, id)
	if err != nil {
		return nil, err
	}
	unlockShared, err := s.store.LockOrganization(ctx, id)
	if err != nil {
		unlockHere()
		return nil, err
	}
	return func() {
		if err := unlockShared(); err != nil {
			// Its connection is gone, and the lock with it.
			s.logger.Warn("contacts: release the lock of an organization", "organization_id", id, "error", err.Error())
		}
		unlockHere()
	}, nil
}

// orgLocks orders the sends to each organization inside the process: a
// send holds its organization's lock from the fresh read through the
// record of the outcome, so a second send to the same organization reads
// the contacts only after the first one changed them, and its stale check
// sees that change. Sends to different organizations do not wait for each
// other.
//
// An entry exists only while someone holds or waits for it, so the map
// stays as small as the number of organizations being changed right now.
type orgLocks struct {
	mu   sync.Mutex
	byID map[int]*orgLock
}

// orgLock is one organization's lock: a channel with room for one token,
// which lets a waiter give up when its context ends.
type orgLock struct {
	token chan struct{}
	// users counts the holder and the waiters; guarded by orgLocks.mu.
	users int
}

func newOrgLocks() *orgLocks {
	return &orgLocks{byID: make(map[int]*orgLock)}
}

// lock waits until the lock of organization id is free or ctx ends, and
// returns the function that releases it.
func (l *orgLocks) lock(ctx context.Context, id int) (unlock func(), err error) {
	entry := l.acquire(id)
	select {
	case entry.token <- struct{}{}:
		return func() {
			<-entry.token
			l.release(id, entry)
		}, nil
	case <-ctx.Done():
		l.release(id, entry)
		return nil, ctx.Err()
	}
}

// acquire returns the entry of id, creating it when nobody uses it, and
// counts the caller as one of its users.
func (l *orgLocks) acquire(id int) *orgLock {
	l.mu.Lock()
	defer l.mu.Unlock()
	entry := l.byID[id]
	if entry == nil {
		entry = &orgLock{token: make(chan struct{}, 1)}
		l.byID[id] = entry
	}
	entry.users++
	return entry
}

// release stops counting the caller as a user of entry and forgets the
// entry when it has no user left.
func (l *orgLocks) release(id int, entry *orgLock) {
	l.mu.Lock()
	defer l.mu.Unlock()
	entry.users--
	if entry.users == 0 {
		delete(l.byID, id)
	}
}
