package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"golang.org/x/mod/sumdb/tlog"
)

// AuditLogCheck is what VerifyAuditLog found in an intact log.
type AuditLogCheck struct {
	// Head is the end of the hash chain.
	Head ChainHead
	// Tree is the size and root of the Merkle tree over every event,
	// computed from the events.
	Tree TreeHead
	// Roots holds the root of the tree at each size asked for in
	// VerifyAuditOptions.RootsAt that the log reaches, computed from the
	// events.
	Roots map[int64]tlog.Hash
	// Submissions is the number of submissions rebuilt from the events and
	// found as stored.
	Submissions int
}

// VerifyAuditOptions asks VerifyAuditLog for more than the check.
type VerifyAuditOptions struct {
	// RootsAt lists tree sizes whose roots to compute from the events, to
	// compare with checkpoints.
	RootsAt []int64
}

// TreeError reports where the stored Merkle tree differs from the tree
// the events make.
type TreeError struct {
	// EventID is the first event whose part of the tree differs.
	EventID int64
	Reason  string
}

// Error implements error.
func (e *TreeError) Error() string {
	return fmt.Sprintf("store: audit tree differs at event %d: %s", e.EventID, e.Reason)
}

// DerivedError reports a row of a table derived from the events that
// differs from what the events make.
type DerivedError struct {
	// Table is the derived table; Row names the row in it ("submission
	// 3f2a…", "organization 1234").
	Table string
	Row   string
	// Column is the first column that differs; "" when the whole row is
	// missing or has no events to make it.
	Column string
	// Stored and Rebuilt are the column's values as stored and as the
	// events make them.
	Stored, Rebuilt string
	Reason          string
}

// Error implements error.
func (e *DerivedError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("store: %s: %s: %s", e.Table, e.Row, e.Reason)
	}
	return fmt.Sprintf("store: %s: %s: %s is %s but the events make it %s",
		e.Table, e.Row, e.Column, e.Stored, e.Rebuilt)
}

// VerifyAuditLog checks the whole audit log: every link and hash of the
// chain (as VerifyAuditChain), the stored Merkle tree against the tree
// the events make, and every row of the tables derived from the events
// (audit_submissions, audit_organizations, audit_actors, audit_daily)
// against the rows deriveEvent builds from them, column by column. The
// first problem is returned as a *ChainError, *TreeError or
// *DerivedError.
//
// The events are read once, in ranges read side by side as
// VerifyAuditChain does; the ranges are then taken in order, each folded
// into the tree and the derived tables, while later ones are read. The
// stored submissions are read in the same order, beside the fold, and
// each is compared as the event that makes it is folded, so that what is
// kept of a submission until the end is its id and outcome. The stored
// tree and derived tables are read in one snapshot, whose last event
// bounds the ranges, so that they match the events folded.
func (s *Store) VerifyAuditLog(ctx context.Context, opts VerifyAuditOptions) (AuditLogCheck, error) {
	var check AuditLogCheck
	err := s.read(ctx, func(tx *sql.Tx) error {
		var first, last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(id), max(id) FROM audit_events`).Scan(&first, &last); err != nil {
			return err
		}
		r, err := newRebuiltLog(ctx, s.engine, tx, opts.RootsAt)
		if err != nil {
			return err
		}
		defer r.close()
		check.Head = ChainHead{LastHash: GenesisHash}
		if last.Valid {
			if check.Head, err = s.foldEvents(ctx, first.Int64, last.Int64, r); err != nil {
				return err
			}
		}
		if err := r.tables.submissions.finish(); err != nil {
			return err
		}
		check.Tree.Size = r.tree.Size()
		if check.Tree.Root, err = r.tree.Root(check.Tree.Size); err != nil {
			return err
		}
		check.Roots = r.roots
		if err := r.checkStoredTree(ctx, tx, check.Tree.Root); err != nil {
			return err
		}
		check.Submissions = r.tables.submissions.len()
		return r.tables.compare(ctx, tx)
	})
	var (
		chainErr   *ChainError
		treeErr    *TreeError
		derivedErr *DerivedError
	)
	if errors.As(err, &chainErr) || errors.As(err, &treeErr) || errors.As(err, &derivedErr) {
		return AuditLogCheck{}, err
	}
	if err != nil {
		return AuditLogCheck{}, fmt.Errorf("store: verify audit log: %w", err)
	}
	return check, nil
}

// foldSpan is the number of events one range of VerifyAuditLog reads.
// The events of a range keep the rows they were read from in memory
// until they are folded (see scanEvents), a few ranges at a time.
const foldSpan = 4096

// foldRange is a range of events read for the fold: its chain, checked,
// and the events to fold.
type foldRange struct {
	chainSpan
	events []foldEvent
	done   chan struct{}
}

// foldEvent is an event as the fold takes it: its columns and its leaf in
// the tree.
type foldEvent struct {
	row  auditRow
	leaf tlog.Hash
}

// newFoldEvent makes the fold's event of an event whose hash checked out.
// Its strings are views into the row read (see scanEvents).
func newFoldEvent(id int64, cols *eventColumns, hash *[sha256.Size]byte) (foldEvent, error) {
	e := foldEvent{leaf: leafOf(hash), row: auditRow{
		id:               id,
		submissionID:     cols[columnSubmissionID],
		kind:             cols[columnKind],
		occurredAt:       cols[columnOccurredAt],
		actorEmail:       cols[columnActorEmail],
		organizationName: cols[columnOrganizationName],
		requestBody:      cols[columnRequestBody],
		contactsBefore:   cols[columnContactsBefore],
		contactsAfter:    cols[columnContactsAfter],
		responseBody:     cols[columnResponseBody],
		errorCodes:       cols[columnErrorCodes],
		errorMessage:     cols[columnErrorMessage],
		clientAddr:       cols[columnClientAddr],
		requestID:        cols[columnRequestID],
		summary:          cols[columnSummary],
		prevHash:         cols[columnPrevHash],
		hash:             cols[columnHash],
	}}
	for _, c := range [...]struct {
		dst    *sql.NullInt64
		column int
	}{
		{&e.row.actorID, columnActorID}, {&e.row.organizationID, columnOrganizationID},
		{&e.row.status, columnStatus}, {&e.row.durationMS, columnDurationMS},
	} {
		var err error
		if *c.dst, err = cols.integer(c.column); err != nil {
			return foldEvent{}, err
		}
	}
	return e, nil
}

// foldEvents reads the events from first to last in ranges, read side by
// side by at most one worker per processor and a few ranges ahead of the
// fold, checks their chain and folds them, in order, into r.
func (s *Store) foldEvents(ctx context.Context, first, last int64, r *rebuiltLog) (ChainHead, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var ranges []*foldRange
	for from := first; from <= last; from += foldSpan {
		ranges = append(ranges, &foldRange{
			chainSpan: chainSpan{from: from, to: min(from+foldSpan-1, last)},
			done:      make(chan struct{}),
		})
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), readerConns-2))
	// ahead bounds the ranges read but not yet folded, and so memory;
	// free passes the event buffers of folded ranges back to the readers.
	ahead := make(chan struct{}, workers+1)
	free := make(chan []foldEvent, workers+2)
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, c := range ranges {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer close(c.done)
				select {
				case c.events = <-free:
				default:
					c.events = make([]foldEvent, 0, foldSpan)
				}
				c.verify(ctx, s.engine, s.reader, func(id int64, cols *eventColumns, hash *[sha256.Size]byte) error {
					e, err := newFoldEvent(id, cols, hash)
					c.events = append(c.events, e)
					return err
				})
			})
		}
	})
	head, err := func() (ChainHead, error) {
		head := ChainHead{LastHash: GenesisHash}
		for _, c := range ranges {
			select {
			case <-c.done:
			case <-ctx.Done():
				return ChainHead{}, ctx.Err()
			}
			<-ahead
			if c.err != nil {
				return ChainHead{}, c.err
			}
			if c.count == 0 && c.broken == nil {
				continue
			}
			if c.firstPrev != head.LastHash {
				return ChainHead{}, &ChainError{EventID: c.firstID, Reason: brokenLink(head.LastID)}
			}
			if c.broken != nil {
				return ChainHead{}, c.broken
			}
			head = ChainHead{Count: head.Count + c.count, LastID: c.lastID, LastHash: c.lastHash}
			for j := range c.events {
				if err := r.add(&c.events[j]); err != nil {
					return ChainHead{}, err
				}
			}
			// The buffer goes back for another range: clear what keeps
			// this range's rows in memory.
			clear(c.events)
			select {
			case free <- c.events[:0]:
			default:
			}
			c.events = nil
		}
		return head, nil
	}()
	cancel()
	wg.Wait()
	return head, err
}

// rebuiltLog is what the events make: the tree and the derived tables.
type rebuiltLog struct {
	tree  TreeBuilder
	want  map[int64]bool
	roots map[int64]tlog.Hash

	tables *rebuiltTables
}

// newRebuiltLog starts a rebuild from no events, which compares the
// derived tables read in tx, a transaction of e, as it goes.
func newRebuiltLog(ctx context.Context, e engine, tx *sql.Tx, rootsAt []int64) (*rebuiltLog, error) {
	tables, err := newRebuiltTables(ctx, e, tx)
	if err != nil {
		return nil, err
	}
	r := &rebuiltLog{
		tree:   NewTreeBuilder(),
		want:   map[int64]bool{},
		roots:  map[int64]tlog.Hash{},
		tables: tables,
	}
	for _, n := range rootsAt {
		r.want[n] = true
	}
	return r, nil
}

// close ends the reads the rebuild keeps open.
func (r *rebuiltLog) close() {
	r.tables.close()
}

// add folds the next event into the tree and the derived tables.
func (r *rebuiltLog) add(e *foldEvent) error {
	size := r.tree.Size()
	if e.row.id != size+1 {
		return &TreeError{EventID: size + 1, Reason: fmt.Sprintf("the event is missing (the next is %d)", e.row.id)}
	}
	if _, err := r.tree.Add(e.leaf); err != nil {
		return err
	}
	size++
	if r.want[size] {
		root, err := r.tree.Root(size)
		if err != nil {
			return err
		}
		r.roots[size] = root
	}
	return r.tables.apply(&e.row)
}

// checkStoredTree compares the stored tree with the tree the events make:
// its number of hashes, and its roots at the log's size and at each size
// asked for, which commit to every leaf and node below them. When they
// differ, the stored hashes are compared one by one to name the first
// event whose part differs. (A stored node that no root covers can only
// make a proof fail to verify, never pass a false one.)
func (r *rebuiltLog) checkStoredTree(ctx context.Context, tx *sql.Tx, root tlog.Hash) error {
	size := r.tree.Size()
	var stored, count int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id) + 1, 0), count(*) FROM audit_tree`).Scan(&stored, &count); err != nil {
		return err
	}
	want := tlog.StoredHashCount(size)
	if stored > want && count >= want {
		return &TreeError{EventID: size + 1,
			Reason: fmt.Sprintf("the tree goes on past the last event, %d: events were removed from the end", size)}
	}
	same := stored == want && count == want
	reader := storedHashes{ctx: ctx, q: tx}
	for n, events := range r.roots {
		if !same {
			break
		}
		got, err := tlog.TreeHash(n, reader)
		same = err == nil && got == events
	}
	if same && size > 0 {
		got, err := tlog.TreeHash(size, reader)
		same = err == nil && got == root
	}
	if same {
		return nil
	}
	return compareStoredTree(ctx, tx, size)
}

// compareStoredTree rebuilds the tree of the first size events from their
// hashes, reading every stored hash in order, and returns the first that
// differs, as a *TreeError.
//
// The events and the stored hashes are read side by side, a page of each
// at a time (see treePage): a transaction has one connection, and
// PostgreSQL's runs one query at a time, so no query may stay open while
// the other runs.
func compareStoredTree(ctx context.Context, tx *sql.Tx, size int64) error {
	t := treeCheck{stored: storedHashPages{ctx: ctx, tx: tx}, tree: NewTreeBuilder()}
	var (
		n    int64
		last int64 // the id of the last event read
	)
	for {
		hashes, ids, err := eventHashPage(ctx, tx, last, size)
		if err != nil {
			return err
		}
		for i, hash := range hashes {
			leaf, err := LeafHash(hash)
			if err != nil {
				return &TreeError{EventID: n + 1, Reason: err.Error()}
			}
			if err := t.add(n, leaf); err != nil {
				return err
			}
			n, last = n+1, ids[i]
		}
		if len(hashes) < treePage {
			break
		}
	}
	if err := t.end(size); err != nil {
		return err
	}
	return &TreeError{EventID: size, Reason: "the tree's root differs from the events' (stored hashes out of order?)"}
}

// treePage is how many rows compareStoredTree reads in one query.
const treePage = 4096

// eventHashPage reads the hashes of the next treePage events after the
// event with id after, up to the event with id last, in id order.
func eventHashPage(ctx context.Context, tx *sql.Tx, after, last int64) (hashes []string, ids []int64, err error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, hash FROM audit_events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`,
		after, last, treePage)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			hash string
		)
		if err := rows.Scan(&id, &hash); err != nil {
			return nil, nil, err
		}
		hashes, ids = append(hashes, hash), append(ids, id)
	}
	return hashes, ids, rows.Err()
}

// treeCheck rebuilds the tree leaf by leaf and compares each stored hash
// as the leaf that completes it is added.
type treeCheck struct {
	stored storedHashPages
	tree   TreeBuilder
}

// storedHashPages reads the stored hashes of audit_tree in id order, a
// page at a time.
type storedHashPages struct {
	ctx context.Context
	tx  *sql.Tx
	// ids and hashes are the page read, from its i-th row on not yet
	// taken; done says that it was the last.
	ids    []int64
	hashes [][]byte
	i      int
	done   bool
}

// next returns the next stored hash and its id, ok false past the last.
func (p *storedHashPages) next() (id int64, hash []byte, ok bool, err error) {
	if p.i == len(p.ids) {
		if p.done {
			return 0, nil, false, nil
		}
		after := int64(-1)
		if len(p.ids) > 0 {
			after = p.ids[len(p.ids)-1]
		}
		if err := p.read(after); err != nil {
			return 0, nil, false, err
		}
		if len(p.ids) == 0 {
			return 0, nil, false, nil
		}
	}
	id, hash = p.ids[p.i], p.hashes[p.i]
	p.i++
	return id, hash, true, nil
}

// read reads the page of stored hashes after the one with id after.
func (p *storedHashPages) read(after int64) error {
	rows, err := p.tx.QueryContext(p.ctx, `SELECT id, hash FROM audit_tree WHERE id > ? ORDER BY id LIMIT ?`, after, treePage)
	if err != nil {
		return err
	}
	defer rows.Close()
	p.ids, p.hashes, p.i = p.ids[:0], p.hashes[:0], 0
	for rows.Next() {
		var (
			id int64
			b  []byte
		)
		if err := rows.Scan(&id, &b); err != nil {
			return err
		}
		p.ids, p.hashes = append(p.ids, id), append(p.hashes, b)
	}
	p.done = len(p.ids) < treePage
	return rows.Err()
}

// add adds leaf n and compares the stored hashes it completes.
func (t *treeCheck) add(n int64, leaf tlog.Hash) error {
	hashes, err := t.tree.Add(leaf)
	if err != nil {
		return err
	}
	base := tlog.StoredHashIndex(0, n)
	for i, h := range hashes {
		if err := t.compareStored(base+int64(i), h, n+1, i); err != nil {
			return err
		}
	}
	return nil
}

// compareStored reads the next stored hash, which must be index and
// equal h.
func (t *treeCheck) compareStored(index int64, h tlog.Hash, id int64, level int) error {
	got, b, ok, err := t.stored.next()
	switch {
	case err != nil:
		return err
	case !ok:
		return &TreeError{EventID: id, Reason: "the tree ends before this event"}
	case got != index:
		return &TreeError{EventID: id, Reason: fmt.Sprintf("stored hash %d is missing", index)}
	case level == 0 && string(b) != string(h[:]):
		return &TreeError{EventID: id, Reason: "the tree's leaf does not match the event's hash (the event or the tree was rewritten)"}
	case string(b) != string(h[:]):
		first := id - (int64(1) << level) + 1
		return &TreeError{EventID: first, Reason: fmt.Sprintf("the tree's node over events %d to %d does not match them", first, id)}
	}
	return nil
}

// end checks that the stored tree holds no more than the events make.
func (t *treeCheck) end(size int64) error {
	_, _, ok, err := t.stored.next()
	if err != nil {
		return err
	}
	if ok {
		return &TreeError{EventID: size + 1,
			Reason: fmt.Sprintf("the tree goes on past the last event, %d: events were removed from the end", size)}
	}
	return nil
}
