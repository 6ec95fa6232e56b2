package contacts

import (
	"container/list"
	"sync"
	"time"
)

// viewCapacity is how many organizations keptViews holds at most. An entry
// is one organization with its two contacts, a few hundred bytes, so a
// full cache stays within a few MiB.
const viewCapacity = 10_000

// keptViews keeps the last successful read of each organization, for its
// page.
//
// Every live read of an organization takes a ticket from one counter
// before it asks DigiCert, and so does every drop: tickets order reads and
// drops by when they began. An entry's mark is the ticket of the read it
// keeps or of the drop that emptied it. A read is kept only when its
// ticket is above its organization's mark, so a read that began before a
// drop (a send may have changed the contacts while it was under way), or
// before the read kept now, never replaces something newer. An
// organization without an entry has floor as its mark: the highest mark of
// the entries that expired or were evicted, so that forgetting an entry
// never lets an older read in. Entries leave when they expire, or oldest
// first when there are more than capacity.
type keptViews struct {
	mu       sync.Mutex
	capacity int
	tickets  uint64
	floor    uint64
	byID     map[int]*list.Element // of *keptView
	// order holds the entries in the order they were stored, oldest
	// first.
	order *list.List
}

// keptView is one organization's entry: its last read, or a drop.
type keptView struct {
	id   int
	mark uint64
	// view is the read kept; its Organization is nil after a drop.
	view View
	// since is when the read began, or when the drop was made; the entry
	// expires a max age after it.
	since time.Time
}

func newKeptViews(capacity int) *keptViews {
	return &keptViews{capacity: capacity, byID: make(map[int]*list.Element), order: list.New()}
}

// ticket returns the ticket of a read that is about to begin.
func (k *keptViews) ticket() uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tickets++
	return k.tickets
}

// recent returns a copy of the read kept for organization id when it
// began less than maxAge before now.
func (k *keptViews) recent(id int, now time.Time, maxAge time.Duration) (View, bool) {
	k.mu.Lock()
	el, ok := k.byID[id]
	var v View
	if ok {
		v = el.Value.(*keptView).view
	}
	k.mu.Unlock()
	if v.Organization == nil || !young(v.ReadAt, now, maxAge) {
		return View{}, false
	}
	// The kept organization is never changed, only replaced: copying it
	// outside the lock is safe.
	return v.clone(), true
}

// young reports whether something from since is less than maxAge old at
// now. A since after now (a clock set back) counts as old.
func young(since, now time.Time, maxAge time.Duration) bool {
	age := now.Sub(since)
	return age >= 0 && age < maxAge
}

// markOf returns the mark of organization id: it changes whenever a read
// is kept or the entry dropped.
func (k *keptViews) markOf(id int) uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.markLocked(id)
}

func (k *keptViews) markLocked(id int) uint64 {
	if el, ok := k.byID[id]; ok {
		return el.Value.(*keptView).mark
	}
	return k.floor
}

// keep stores v, the answer of the read that took ticket, unless a read
// or drop that began after it was stored first. With a max age of zero or
// less nothing is kept.
func (k *keptViews) keep(id int, v View, ticket uint64, now time.Time, maxAge time.Duration) {
	if maxAge <= 0 {
		return
	}
	kept := v.clone()
	k.mu.Lock()
	defer k.mu.Unlock()
	if ticket <= k.markLocked(id) {
		return
	}
	k.put(&keptView{id: id, mark: ticket, view: kept, since: v.ReadAt}, now, maxAge)
}

// drop empties the entry of organization id, so that the next view reads
// DigiCert again and no read that began before now is kept.
func (k *keptViews) drop(id int, now time.Time, maxAge time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tickets++
	k.put(&keptView{id: id, mark: k.tickets, since: now}, now, maxAge)
}

// put replaces the entry of e.id with e, then forgets the entries that
// have expired and, oldest first, those beyond capacity.
func (k *keptViews) put(e *keptView, now time.Time, maxAge time.Duration) {
	if el, ok := k.byID[e.id]; ok {
		k.order.Remove(el)
	}
	k.byID[e.id] = k.order.PushBack(e)
	// The order is by storing, and a read is stored after it began, so an
	// expired entry can wait behind a younger one; it is never served all
	// the same.
	for el := k.order.Front(); el != nil && !young(el.Value.(*keptView).since, now, maxAge); el = k.order.Front() {
		k.forget(el)
	}
	for k.order.Len() > k.capacity {
		k.forget(k.order.Front())
	}
}

// forget removes an entry, handing its mark on to floor.
func (k *keptViews) forget(el *list.Element) {
	e := el.Value.(*keptView)
	k.floor = max(k.floor, e.mark)
	delete(k.byID, e.id)
	k.order.Remove(el)
}
