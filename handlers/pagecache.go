package handlers

import (
	"sync"
)

// logCache keeps what pages show of the audit log (rendered content, rows)
// for as long as the log is unchanged. The log is append-only and every
// append moves its head, so what was read at one head is exactly what
// reading again at that head would give; the first lookup at a new head
// drops everything read at the old one.
//
// Keys are built from request parameters, so the cache holds at most max
// entries and forgets the oldest first: a client inventing addresses can
// only push out other entries, never grow memory.
type logCache[V any] struct {
	max int

	mu      sync.Mutex
	head    int64
	entries map[string]V
	order   []string // keys, oldest first
}

func newLogCache[V any](max int) *logCache[V] {
	return &logCache[V]{max: max, entries: make(map[string]V, max)}
}

// get returns what was kept for key at head.
func (c *logCache[V]) get(head int64, key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveTo(head)
	v, ok := c.entries[key]
	return v, ok
}

// put keeps v, read for key at head. What was read at an older head is
// not kept: the log moved on meanwhile.
func (c *logCache[V]) put(head int64, key string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveTo(head)
	if head != c.head {
		return
	}
	if _, ok := c.entries[key]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.entries, c.order[0])
		c.order = c.order[1:]
	}
	c.entries[key] = v
	c.order = append(c.order, key)
}

// moveTo forgets everything when head is newer than what the entries were
// read at. An older head, from a reader that looked before the latest
// append, changes nothing.
func (c *logCache[V]) moveTo(head int64) {
	if head <= c.head {
		return
	}
	c.head = head
	clear(c.entries)
	c.order = c.order[:0]
}
