package handlers

import (
	"sync"
)

// renderedCache keeps rendered page content that is a function of the
// audit log alone, for as long as the log is unchanged. The log is
// append-only and every append moves its head, so content rendered at one
// head is exactly what rendering again at that head would give; the first
// lookup at a new head drops everything rendered at the old one.
//
// Keys are built from request parameters, so the cache holds at most max
// entries and forgets the oldest first: a client inventing addresses can
// only push out other entries, never grow memory.
type renderedCache struct {
	max int

	mu      sync.Mutex
	head    int64
	entries map[string]string
	order   []string // keys, oldest first
}

func newRenderedCache(max int) *renderedCache {
	return &renderedCache{max: max, entries: make(map[string]string, max)}
}

// get returns the content rendered for key at head.
func (c *renderedCache) get(head int64, key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.moveTo(head)
	html, ok := c.entries[key]
	return html, ok
}

// put keeps content rendered for key at head. Content of an older head is
// not kept: the log moved on while it was rendered.
func (c *renderedCache) put(head int64, key, html string) {
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
	c.entries[key] = html
	c.order = append(c.order, key)
}

// moveTo forgets everything when head is newer than what the entries were
// rendered at. An older head, from a reader that looked before the latest
// append, changes nothing.
func (c *renderedCache) moveTo(head int64) {
	if head <= c.head {
		return
	}
	c.head = head
	clear(c.entries)
	c.order = c.order[:0]
}
