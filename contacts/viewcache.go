package contacts

import (
	"sync"
	"time"
)

// viewCacheCapacity is how many organizations the view cache tracks before
// it drops the entries older than its TTL. An entry is one organization
// with its two contacts, a few hundred bytes. DigiCert's rate limit allows
// far fewer reads within one TTL, so the cache never needs more.
const viewCacheCapacity = 10_000

// viewCache is the cache of each organization's last successful read from
// DigiCert, served to its page for a TTL.
//
// Each organization also has a generation, which invalidate moves on (a
// send, or DigiCert no longer knowing the organization). A read takes the
// generation before it asks DigiCert, and its answer is stored only when
// the generation is still the same once it has arrived: a read that
// started before a write is never stored over it. Generations come from
// one counter for all organizations, so an entry dropped and made again
// never gives a read under way the generation it started with.
//
// Generations are the process's own; a send made by another portal
// process sharing the database does not move them. What every process
// sees is the audit log, where every send appends an event about its
// organization before and after its PUT: a read is stored with the id of
// the newest such event when it began, and served only while that is
// still the newest (see version and store.LatestOrganizationChange).
type viewCache struct {
	ttl      time.Duration
	capacity int

	mu sync.Mutex
	// last is the last generation handed out.
	last    uint64
	entries map[int]*viewEntry
}

// version is what a read of an organization starts from: the
// generation of its cache entry, and the id of the newest audit event of
// a change sent to the organization (0 for none).
type version struct {
	generation uint64
	event      int64
}

// viewEntry is one organization's generation and cached read.
type viewEntry struct {
	generation uint64
	// view is the cached read; its Organization is nil when there is none.
	view View
	// event is the newest audit event of a change sent to the
	// organization when the cached read began.
	event int64
	// touched is when the entry last changed, to drop idle entries.
	touched time.Time
}

func newViewCache(ttl time.Duration, capacity int) *viewCache {
	return &viewCache{ttl: ttl, capacity: capacity, entries: make(map[int]*viewEntry)}
}

// get returns a copy of the cached read of organization id when it began
// less than the TTL before now, and after event, the newest audit event
// of a change sent to the organization.
func (c *viewCache) get(id int, event int64, now time.Time) (View, bool) {
	c.mu.Lock()
	var v View
	if e, ok := c.entries[id]; ok && e.event == event {
		v = e.view
	}
	c.mu.Unlock()
	if v.Organization == nil || !c.fresh(v.ReadAt, now) {
		return View{}, false
	}
	// A cached organization is never changed, only replaced: copying it
	// outside the lock is safe.
	return v.clone(), true
}

// fresh reports whether something from since is younger than the TTL at
// now. A since after now (a clock set back) counts as stale.
func (c *viewCache) fresh(since, now time.Time) bool {
	age := now.Sub(since)
	return age >= 0 && age < c.ttl
}

// version returns the version of organization id a read about to begin
// starts from, given the newest audit event of a change sent to it.
func (c *viewCache) version(id int, event int64, now time.Time) version {
	c.mu.Lock()
	defer c.mu.Unlock()
	return version{generation: c.entry(id, now).generation, event: event}
}

// put stores v, the answer of a read that began at ver, unless the
// organization was invalidated since or holds a read that began later.
// With a TTL of zero or less nothing is stored.
func (c *viewCache) put(id int, ver version, v View, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	cached := v.clone()
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || e.generation != ver.generation {
		return
	}
	if e.view.Organization != nil && e.view.ReadAt.After(v.ReadAt) {
		return
	}
	e.view, e.event, e.touched = cached, ver.event, now
}

// invalidate drops the cached read of organization id and moves its
// generation on, so that the next view reads DigiCert again and no read
// under way now is stored.
func (c *viewCache) invalidate(id int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok {
		// No read under way holds a generation of this organization: a
		// read takes its generation from an entry, and one made again
		// gets a new generation.
		return
	}
	c.last++
	e.generation, e.view, e.touched = c.last, View{}, now
}

// entry returns the entry of organization id, making it when there is
// none. At capacity, the entries untouched for longer than the TTL go
// first, and all of them if that is not enough: the reads under way for
// them are then not stored, which costs a read, never a stale page.
func (c *viewCache) entry(id int, now time.Time) *viewEntry {
	if e, ok := c.entries[id]; ok {
		return e
	}
	if len(c.entries) >= c.capacity {
		for key, e := range c.entries {
			if !c.fresh(e.touched, now) {
				delete(c.entries, key)
			}
		}
		if len(c.entries) >= c.capacity {
			clear(c.entries)
		}
	}
	c.last++
	e := &viewEntry{generation: c.last, touched: now}
	c.entries[id] = e
	return e
}
