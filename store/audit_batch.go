package store

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// batchTimeout bounds one group commit. It does not follow any caller's
// context: the events of several callers share the transaction.
const batchTimeout = 30 * time.Second

// auditBatcher commits concurrent audit appends together ("group commit"):
// every append still returns only after its event is committed and synced,
// but events that arrive while a commit is under way share the next
// transaction and its single fsync. With synchronous=FULL the sync, not the
// insert, is what an append costs, so this is what lets the log keep up
// with many senders.
//
// There is no background goroutine: the first caller to find no commit
// under way becomes the leader and commits batches until none is waiting.
type auditBatcher struct {
	mu       sync.Mutex
	pending  []*pendingAppend
	flushing bool
}

// pendingAppend is one event waiting for its batch.
type pendingAppend struct {
	row  auditRow
	err  error
	done chan struct{}
}

// append commits r through write and fills in its id and hashes.
func (b *auditBatcher) append(r auditRow, write func(context.Context, func(*sql.Tx) error) error) (auditRow, error) {
	p := &pendingAppend{row: r, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, p)
	lead := !b.flushing
	b.flushing = true
	b.mu.Unlock()
	if lead {
		b.flush(write)
	}
	<-p.done
	return p.row, p.err
}

// flush commits batches until no append is waiting.
func (b *auditBatcher) flush(write func(context.Context, func(*sql.Tx) error) error) {
	for {
		b.mu.Lock()
		batch := b.pending
		b.pending = nil
		if len(batch) == 0 {
			b.flushing = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		err := commitBatch(batch, write)
		for _, p := range batch {
			p.err = err
			close(p.done)
		}
	}
}

// commitBatch inserts the batch in one transaction, chaining each event to
// the one before it.
func commitBatch(batch []*pendingAppend, write func(context.Context, func(*sql.Tx) error) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	rows := make([]*auditRow, len(batch))
	for i, p := range batch {
		rows[i] = &p.row
	}
	return write(ctx, func(tx *sql.Tx) error {
		return insertAuditRows(ctx, tx, rows...)
	})
}
