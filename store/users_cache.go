package store

import (
	"sync"
	"time"
)

// userMaxAge is how long a user read by id is served from memory. Every
// write this process makes forgets them all at once; a change written by
// another process (the contactdesk user command) is seen within this
// time.
const userMaxAge = time.Second

// maxCachedUsers bounds the cache; past it, it starts over.
const maxCachedUsers = 10_000

// userCache keeps the users looked up on every request (who is signed in,
// and whether they still may be) for a moment, so that a busy portal
// does not read the same row thousands of times a second.
type userCache struct {
	now func() time.Time

	mu sync.Mutex
	// generation moves on after every write; entries of an earlier
	// generation are never served.
	generation uint64
	byID       map[int]cachedUser
}

type cachedUser struct {
	user       User
	readAt     time.Time
	generation uint64
}

func newUserCache(now func() time.Time) *userCache {
	return &userCache{now: now, byID: make(map[int]cachedUser)}
}

// get returns the user kept for id, if fresh. Otherwise it returns the
// generation to hand to put with what is read instead.
func (c *userCache) get(id int) (u User, ok bool, generation uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.byID[id]
	if found && e.generation == c.generation && c.now().Sub(e.readAt) < userMaxAge {
		return e.user, true, c.generation
	}
	return User{}, false, c.generation
}

// put keeps u, read during generation, unless a write has happened since
// the read began.
func (c *userCache) put(u User, generation uint64, readAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.generation {
		return
	}
	if len(c.byID) >= maxCachedUsers {
		clear(c.byID)
	}
	c.byID[u.ID] = cachedUser{user: u, readAt: readAt, generation: generation}
}

// forget drops every kept user. It is called after each write has
// committed (or failed), so that no read that began before the write can
// keep its result.
func (c *userCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	clear(c.byID)
}
