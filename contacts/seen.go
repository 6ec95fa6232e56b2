package contacts

import "sync"

// contactsMemorySize is how many sets of contacts contactsMemory keeps. A
// review or a send that comes after this many others (or after a restart)
// still gets its check; only the description of what changed is lost.
const contactsMemorySize = 1024

// contactsMemory keeps the contacts that recent pages prefilled their form
// with and that recent reviews were planned against, by organization and
// fingerprint. The form and the review page carry only the fingerprint, a
// hash; this is what lets a review or a send say what changed since.
type contactsMemory struct {
	mu    sync.Mutex
	byKey map[contactsKey]Current
	// order holds the keys oldest first, for eviction.
	order []contactsKey
}

type contactsKey struct {
	orgID       int
	fingerprint string
}

func newContactsMemory() *contactsMemory {
	return &contactsMemory{byKey: make(map[contactsKey]Current)}
}

// remember keeps a copy of the contacts, forgetting the oldest when full.
func (m *contactsMemory) remember(orgID int, fingerprint string, current Current) {
	key := contactsKey{orgID: orgID, fingerprint: fingerprint}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byKey[key]; ok {
		return
	}
	m.byKey[key] = cloneCurrent(current)
	m.order = append(m.order, key)
	if len(m.order) > contactsMemorySize {
		delete(m.byKey, m.order[0])
		m.order = m.order[1:]
	}
}

// recall returns the contacts of organization orgID with this fingerprint,
// if they are still remembered.
func (m *contactsMemory) recall(orgID int, fingerprint string) (Current, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byKey[contactsKey{orgID: orgID, fingerprint: fingerprint}]
	return cloneCurrent(c), ok
}

// changesSince says how the contacts of organization orgID changed from
// those with fingerprint to now: contact by contact and field by field
// when those are remembered, otherwise the sentence unknown alone.
func (s *Service) changesSince(orgID int, fingerprint string, now Current, unknown string) []string {
	if earlier, ok := s.seen.recall(orgID, fingerprint); ok {
		if described := DescribeDifference(earlier, now); len(described) > 0 {
			return described
		}
	}
	return []string{unknown}
}
