package store

import (
	"sync"
	"sync/atomic"
	"time"
)

// keptMaxAge is how long the answer of a read made on every request (the
// signed-in user, the audit log's head) is served from memory. Every write
// of this process forgets such answers at once; what another process
// writes (the contactdesk user command) is seen within this time.
const keptMaxAge = time.Second

// maxKept bounds each cache of kept answers; past it, it starts over.
const maxKept = 10_000

// writeCount counts the writes this process has finished. A kept answer
// is served only while the count is what it was when its read began, so
// no read that overlapped a write is ever served after the write.
type writeCount struct{ n atomic.Uint64 }

// done records a finished write (committed or not).
func (w *writeCount) done() { w.n.Add(1) }

func (w *writeCount) load() uint64 { return w.n.Load() }

// kept holds, for keptMaxAge, the answers of reads made on every request,
// so that a busy portal does not ask SQLite the same question thousands of
// times a second.
type kept[K comparable, V any] struct {
	now    func() time.Time
	writes *writeCount

	mu    sync.Mutex
	byKey map[K]keptAnswer[V]
}

type keptAnswer[V any] struct {
	v      V
	readAt time.Time
	writes uint64
}

func newKept[K comparable, V any](now func() time.Time, writes *writeCount) *kept[K, V] {
	return &kept[K, V]{now: now, writes: writes, byKey: make(map[K]keptAnswer[V])}
}

// read returns the kept answer for key while it is fresh, and otherwise
// calls fetch and keeps its answer unless a write finished meanwhile.
func (k *kept[K, V]) read(key K, fetch func() (V, error)) (V, error) {
	writes, readAt := k.writes.load(), k.now()
	k.mu.Lock()
	a, ok := k.byKey[key]
	k.mu.Unlock()
	if ok && a.writes == writes && readAt.Sub(a.readAt) >= 0 && readAt.Sub(a.readAt) < keptMaxAge {
		return a.v, nil
	}
	v, err := fetch()
	if err != nil {
		return v, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.writes.load() != writes {
		return v, nil
	}
	if len(k.byKey) >= maxKept {
		clear(k.byKey)
	}
	k.byKey[key] = keptAnswer[V]{v: v, readAt: readAt, writes: writes}
	return v, nil
}
