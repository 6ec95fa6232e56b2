package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
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
// stored tree and derived tables are read in one snapshot, whose last
// event bounds the ranges, so that they match the events folded.
func (s *Store) VerifyAuditLog(ctx context.Context, opts VerifyAuditOptions) (AuditLogCheck, error) {
	var check AuditLogCheck
	err := s.read(ctx, func(tx *sql.Tx) error {
		var first, last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(id), max(id) FROM audit_events`).Scan(&first, &last); err != nil {
			return err
		}
		r := newRebuiltLog(opts.RootsAt)
		check.Head = ChainHead{LastHash: GenesisHash}
		var err error
		if last.Valid {
			if check.Head, err = s.foldEvents(ctx, first.Int64, last.Int64, r); err != nil {
				return err
			}
		}
		check.Tree.Size = r.size
		if check.Tree.Root, err = r.tree.Root(r.size); err != nil {
			return err
		}
		check.Roots = r.roots
		if err := r.checkStoredTree(ctx, tx, check.Tree.Root); err != nil {
			return err
		}
		check.Submissions = len(r.submissions)
		return r.compare(ctx, tx)
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
const foldSpan = 16_384

// foldEvents reads the events from first to last in ranges, read side by
// side by at most one worker per processor and a few ranges ahead of the
// fold, checks their chain and folds them, in order, into r.
func (s *Store) foldEvents(ctx context.Context, first, last int64, r *rebuiltLog) (ChainHead, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var spans []*chainSpan
	for from := first; from <= last; from += foldSpan {
		spans = append(spans, &chainSpan{from: from, to: min(from+foldSpan-1, last), collect: true})
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), readerConns-2))
	done := make([]chan struct{}, len(spans))
	for i := range done {
		done[i] = make(chan struct{})
	}
	// ahead bounds the ranges read but not yet folded, and so memory.
	ahead := make(chan struct{}, workers+1)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i, c := range spans {
			select {
			case ahead <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer close(done[i])
				c.verify(ctx, s.reader)
			})
		}
	})
	head, err := func() (ChainHead, error) {
		head := ChainHead{LastHash: GenesisHash}
		for i, c := range spans {
			select {
			case <-done[i]:
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
			c.events = nil
		}
		return head, nil
	}()
	cancel()
	wg.Wait()
	return head, err
}

// foldEvent is what VerifyAuditLog keeps of an event: the columns
// deriveEvent reads and its hash, checked.
type foldEvent struct {
	row auditRow
}

// newFoldEvent takes what the fold needs from a row read as raw columns,
// in the order of auditColumns; hash is its checked hash.
func newFoldEvent(id int64, raw *[hashedColumns + 2]sql.RawBytes, hash string) (foldEvent, error) {
	e := foldEvent{row: auditRow{id: id, kind: string(raw[2]), submissionID: string(raw[1]), hash: hash}}
	if !touchesDerived(e.row.kind) {
		return e, nil
	}
	var err error
	integer := func(b sql.RawBytes) sql.NullInt64 {
		if b == nil || err != nil {
			return sql.NullInt64{}
		}
		var n int64
		n, err = strconv.ParseInt(string(b), 10, 64)
		return sql.NullInt64{Int64: n, Valid: true}
	}
	e.row.actorID, e.row.organizationID = integer(raw[4]), integer(raw[6])
	e.row.status, e.row.durationMS = integer(raw[11]), integer(raw[15])
	switch AuditKind(e.row.kind) {
	case AuditRequested, AuditRejected, AuditChangedOutside:
		e.row.occurredAt, e.row.actorEmail = string(raw[3]), string(raw[5])
		e.row.organizationName, e.row.summary = string(raw[7]), string(raw[18])
		e.row.requestID = string(raw[17])
	}
	return e, err
}

// rebuiltLog is what the events make: the tree and the derived tables.
type rebuiltLog struct {
	size int64
	tree TreeBuilder
	// leaves are kept for a node-by-node comparison with the stored tree,
	// made only when their roots differ.
	leaves []tlog.Hash
	want   map[int64]bool
	roots  map[int64]tlog.Hash

	submissions   map[string]*submissionRow
	organizations map[int64]*organizationCount
	orgCounts     map[int64]int64
	actors        map[string]int64
	days          map[[2]string]int64
}

func newRebuiltLog(rootsAt []int64) *rebuiltLog {
	r := &rebuiltLog{
		tree:          NewTreeBuilder(),
		want:          map[int64]bool{},
		roots:         map[int64]tlog.Hash{},
		submissions:   map[string]*submissionRow{},
		organizations: map[int64]*organizationCount{},
		orgCounts:     map[int64]int64{},
		actors:        map[string]int64{},
		days:          map[[2]string]int64{},
	}
	for _, n := range rootsAt {
		r.want[n] = true
	}
	return r
}

// add folds the next event into the tree and the derived tables.
func (r *rebuiltLog) add(e *foldEvent) error {
	if e.row.id != r.size+1 {
		return &TreeError{EventID: r.size + 1, Reason: fmt.Sprintf("the event is missing (the next is %d)", e.row.id)}
	}
	leaf, err := LeafHash(e.row.hash)
	if err != nil {
		return &TreeError{EventID: e.row.id, Reason: err.Error()}
	}
	if _, err := r.tree.Add(leaf); err != nil {
		return err
	}
	r.leaves = append(r.leaves, leaf)
	r.size++
	if r.want[r.size] {
		if r.roots[r.size], err = r.tree.Root(r.size); err != nil {
			return err
		}
	}
	r.apply(&e.row)
	return nil
}

// checkStoredTree compares the stored tree with the tree the events make:
// its number of hashes, and its roots at the log's size and at each size
// asked for, which commit to every leaf and node below them. When they
// differ, the stored hashes are compared one by one to name the first
// event whose part differs. (A stored node that no root covers can only
// make a proof fail to verify, never pass a false one.)
func (r *rebuiltLog) checkStoredTree(ctx context.Context, tx *sql.Tx, root tlog.Hash) error {
	var stored, count int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id) + 1, 0), count(*) FROM audit_tree`).Scan(&stored, &count); err != nil {
		return err
	}
	want := tlog.StoredHashCount(r.size)
	if stored > want && count >= want {
		return &TreeError{EventID: r.size + 1,
			Reason: fmt.Sprintf("the tree goes on past the last event, %d: events were removed from the end", r.size)}
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
	if same && r.size > 0 {
		got, err := tlog.TreeHash(r.size, reader)
		same = err == nil && got == root
	}
	if same {
		return nil
	}
	return r.compareStoredTree(ctx, tx)
}

// compareStoredTree reads every stored hash in order and returns the first
// that differs from the tree the events make, as a *TreeError.
func (r *rebuiltLog) compareStoredTree(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, hash FROM audit_tree ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	t := treeCheck{stored: rows, tree: NewTreeBuilder()}
	for n, leaf := range r.leaves {
		if err := t.add(int64(n), leaf); err != nil {
			return err
		}
	}
	if err := t.end(r.size); err != nil {
		return err
	}
	return &TreeError{EventID: r.size, Reason: "the tree's root differs from the events' (stored hashes out of order?)"}
}

// apply folds one event into the derived tables, as writeDerived does
// into the stored ones.
func (r *rebuiltLog) apply(e *auditRow) {
	if !touchesDerived(e.kind) {
		return
	}
	ch := deriveEvent(r.submissions[e.submissionID], e)
	if ch.row != nil {
		r.submissions[e.submissionID] = ch.row
	}
	if o := ch.organization; o != nil {
		r.organizations[o.id] = o
		r.orgCounts[o.id]++
	}
	if ch.actor != nil {
		r.actors[*ch.actor]++
	}
	for _, d := range ch.days {
		r.days[[2]string{d.day, d.outcome}] += int64(d.delta)
	}
}

// compare reads the derived tables and returns the first row that differs
// from the rebuilt one, as a *DerivedError.
func (r *rebuiltLog) compare(ctx context.Context, tx *sql.Tx) error {
	if err := r.compareSubmissions(ctx, tx); err != nil {
		return err
	}
	if err := r.compareOrganizations(ctx, tx); err != nil {
		return err
	}
	if err := r.compareActors(ctx, tx); err != nil {
		return err
	}
	return r.compareDays(ctx, tx)
}

func (r *rebuiltLog) compareSubmissions(ctx context.Context, tx *sql.Tx) error {
	names, _, _ := submissionTableSQL()
	rows, err := tx.QueryContext(ctx, `SELECT `+names+` FROM audit_submissions ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var row submissionRow
	dest := row.pointers()
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		name := "submission " + row.submissionID
		want, ok := r.submissions[row.submissionID]
		if !ok {
			// The submission id itself may have been changed: the row's
			// id is that of the submission's first event.
			if want = r.submissionWithID(row.id); want == nil {
				return &DerivedError{Table: "audit_submissions", Row: name,
					Reason: "the row has no event of that submission to make it (added by hand?)"}
			}
			name = "submission " + want.submissionID
		}
		if col := differentColumn(&row, want); col != "" {
			return &DerivedError{Table: "audit_submissions", Row: name, Column: col,
				Stored:  describeValue(deref(fieldOf(&row, col))),
				Rebuilt: describeValue(deref(fieldOf(want, col)))}
		}
		delete(r.submissions, want.submissionID)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var missing *submissionRow
	for _, want := range r.submissions {
		if missing == nil || want.id < missing.id {
			missing = want
		}
	}
	if missing != nil {
		return &DerivedError{Table: "audit_submissions", Row: "submission " + missing.submissionID,
			Reason: "the row is missing (deleted?)"}
	}
	return nil
}

// submissionWithID returns the rebuilt submission whose first event is
// id, or nil.
func (r *rebuiltLog) submissionWithID(id int64) *submissionRow {
	for _, row := range r.submissions {
		if row.id == id {
			return row
		}
	}
	return nil
}

// fieldOf returns the field of r that holds column.
func fieldOf(r *submissionRow, column string) any {
	for _, c := range submissionTable {
		if c.name == column {
			return c.field(r)
		}
	}
	panic("store: no submission column " + column)
}

func (r *rebuiltLog) compareOrganizations(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, submissions FROM audit_organizations ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var (
			id, n int64
			name  string
		)
		if err := rows.Scan(&id, &name, &n); err != nil {
			return err
		}
		row := "organization " + strconv.FormatInt(id, 10)
		want, ok := r.organizations[id]
		switch {
		case !ok:
			return &DerivedError{Table: "audit_organizations", Row: row, Reason: "no event names this organization"}
		case name != want.name:
			return &DerivedError{Table: "audit_organizations", Row: row, Column: "name",
				Stored: strconv.Quote(name), Rebuilt: strconv.Quote(want.name)}
		case n != r.orgCounts[id]:
			return &DerivedError{Table: "audit_organizations", Row: row, Column: "submissions",
				Stored: strconv.FormatInt(n, 10), Rebuilt: strconv.FormatInt(r.orgCounts[id], 10)}
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if seen < len(r.organizations) {
		ids := make([]int64, 0, len(r.organizations))
		for id := range r.organizations {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM audit_organizations WHERE id = ?`, id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return &DerivedError{Table: "audit_organizations", Row: "organization " + strconv.FormatInt(id, 10),
					Reason: "the row is missing (deleted?)"}
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *rebuiltLog) compareActors(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT email, submissions FROM audit_actors ORDER BY email`)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var (
			email string
			n     int64
		)
		if err := rows.Scan(&email, &n); err != nil {
			return err
		}
		row := "user " + strconv.Quote(email)
		want, ok := r.actors[email]
		switch {
		case !ok:
			return &DerivedError{Table: "audit_actors", Row: row, Reason: "no event has this user"}
		case n != want:
			return &DerivedError{Table: "audit_actors", Row: row, Column: "submissions",
				Stored: strconv.FormatInt(n, 10), Rebuilt: strconv.FormatInt(want, 10)}
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if seen < len(r.actors) {
		return &DerivedError{Table: "audit_actors", Row: fmt.Sprintf("%d users", len(r.actors)-seen),
			Reason: "rows are missing (deleted?)"}
	}
	return nil
}

// compareDays compares the chart's counts; a count of zero and no row
// are the same.
func (r *rebuiltLog) compareDays(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT day, outcome, submissions FROM audit_daily WHERE submissions <> 0`)
	if err != nil {
		return err
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var (
			key [2]string
			n   int64
		)
		if err := rows.Scan(&key[0], &key[1], &n); err != nil {
			return err
		}
		if want := r.days[key]; n != want {
			return &DerivedError{Table: "audit_daily", Row: key[0] + " " + key[1], Column: "submissions",
				Stored: strconv.FormatInt(n, 10), Rebuilt: strconv.FormatInt(want, 10)}
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	nonzero := 0
	for _, n := range r.days {
		if n != 0 {
			nonzero++
		}
	}
	if seen < nonzero {
		return &DerivedError{Table: "audit_daily", Row: fmt.Sprintf("%d days", nonzero-seen),
			Reason: "counts are missing (deleted?)"}
	}
	return nil
}

// treeCheck rebuilds the tree leaf by leaf and compares each stored hash
// as the leaf that completes it is added.
type treeCheck struct {
	stored *sql.Rows
	tree   TreeBuilder
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
	if !t.stored.Next() {
		if err := t.stored.Err(); err != nil {
			return err
		}
		return &TreeError{EventID: id, Reason: "the tree ends before this event"}
	}
	var (
		got int64
		b   []byte
	)
	if err := t.stored.Scan(&got, &b); err != nil {
		return err
	}
	switch {
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
	if t.stored.Next() {
		return &TreeError{EventID: size + 1,
			Reason: fmt.Sprintf("the tree goes on past the last event, %d: events were removed from the end", size)}
	}
	return t.stored.Err()
}
