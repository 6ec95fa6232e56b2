package contacts

import "sync"

// fingerprintCacheSize is how many sets of contacts fingerprintCache holds.
// A review or a send that comes after this many others (or after a
// restart) still gets its check; only the description of what changed is
// lost.
const fingerprintCacheSize = 1024

// fingerprintCache holds the contacts that recent pages prefilled their
// form with and that recent reviews were planned against, by organization
// and fingerprint. The form and the review page carry only the
// fingerprint, a hash; this is what lets a review or a send say what
// changed since. When full it drops the oldest entry first.
type fingerprintCache struct {
	mu      sync.Mutex
	entries map[fingerprintKey]Current
	// order holds the keys oldest first, for eviction.
	order []fingerprintKey
}

type fingerprintKey struct {
	orgID       int
	fingerprint string
}

func newFingerprintCache() *fingerprintCache {
	return &fingerprintCache{entries: make(map[fingerprintKey]Current)}
}

// put caches a copy of the contacts, dropping the oldest when full.
func (c *fingerprintCache) put(orgID int, fingerprint string, current Current) {
	key := fingerprintKey{orgID: orgID, fingerprint: fingerprint}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; ok {
		return
	}
	c.entries[key] = cloneCurrent(current)
	c.order = append(c.order, key)
	if len(c.order) > fingerprintCacheSize {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
}

// get returns the contacts of organization orgID with this fingerprint,
// if they are still cached.
func (c *fingerprintCache) get(orgID int, fingerprint string) (Current, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, ok := c.entries[fingerprintKey{orgID: orgID, fingerprint: fingerprint}]
	return cloneCurrent(cur), ok
}

// changesSince says how the contacts of organization orgID changed from
// those with fingerprint to now: contact by contact and field by field
// when those are cached, otherwise the sentence unknown alone.
func (s *Service) changesSince(orgID int, fingerprint string, now Current, unknown string) []string {
	if earlier, ok := s.fingerprints.get(orgID, fingerprint); ok {
		if described := DescribeDifference(earlier, now); len(described) > 0 {
			return described
		}
	}
	return []string{unknown}
}
