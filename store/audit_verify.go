package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"

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
// The events, the tree and the derived tables are read in one snapshot;
// the chain is checked meanwhile, in ranges side by side, up to the last
// event of that snapshot.
func (s *Store) VerifyAuditLog(ctx context.Context, opts VerifyAuditOptions) (AuditLogCheck, error) {
	var check AuditLogCheck
	err := s.read(ctx, func(tx *sql.Tx) error {
		var first, last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(id), max(id) FROM audit_events`).Scan(&first, &last); err != nil {
			return err
		}
		var (
			chainErr error
			done     = make(chan struct{})
		)
		check.Head = ChainHead{LastHash: GenesisHash}
		go func() {
			defer close(done)
			if last.Valid {
				workers := max(1, min(runtime.GOMAXPROCS(0), readerConns-2))
				check.Head, chainErr = s.verifyChainRange(ctx, first.Int64, last.Int64, workers)
			}
		}()
		rebuilt, err := rebuildFromEvents(ctx, tx, opts.RootsAt)
		<-done
		if chainErr != nil {
			return chainErr
		}
		if err != nil {
			return err
		}
		check.Tree, check.Roots = rebuilt.tree, rebuilt.roots
		check.Submissions = len(rebuilt.submissions)
		return rebuilt.compare(ctx, tx)
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

// rebuiltLog is what the events make: the tree and the derived tables.
type rebuiltLog struct {
	tree  TreeHead
	roots map[int64]tlog.Hash

	submissions   map[string]*submissionRow
	organizations map[int64]*organizationCount
	orgCounts     map[int64]int64
	actors        map[string]int64
	days          map[[2]string]int64
}

// rebuildFromEvents reads every event in order, folding it into the
// derived tables with deriveEvent and into the tree, whose stored hashes
// it compares as it goes.
func rebuildFromEvents(ctx context.Context, tx *sql.Tx, rootsAt []int64) (*rebuiltLog, error) {
	r := &rebuiltLog{
		roots:         map[int64]tlog.Hash{},
		submissions:   map[string]*submissionRow{},
		organizations: map[int64]*organizationCount{},
		orgCounts:     map[int64]int64{},
		actors:        map[string]int64{},
		days:          map[[2]string]int64{},
	}
	want := map[int64]bool{}
	for _, n := range rootsAt {
		want[n] = true
	}
	events, err := tx.QueryContext(ctx, `SELECT id, submission_id, kind, occurred_at, actor_id, actor_email,
		organization_id, organization_name, summary, status, duration_ms, hash FROM audit_events ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer events.Close()
	stored, err := tx.QueryContext(ctx, `SELECT id, hash FROM audit_tree ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer stored.Close()
	tree := treeCheck{stored: stored, tree: NewTreeBuilder()}
	var e auditRow
	for events.Next() {
		err := events.Scan(&e.id, &e.submissionID, &e.kind, &e.occurredAt, &e.actorID, &e.actorEmail,
			&e.organizationID, &e.organizationName, &e.summary, &e.status, &e.durationMS, &e.hash)
		if err != nil {
			return nil, err
		}
		if err := tree.add(r.tree.Size, e.id, e.hash); err != nil {
			return nil, err
		}
		r.tree.Size++
		if want[r.tree.Size] {
			if r.roots[r.tree.Size], err = tree.root(r.tree.Size); err != nil {
				return nil, err
			}
		}
		r.apply(&e)
	}
	if err := events.Err(); err != nil {
		return nil, err
	}
	if err := tree.end(r.tree.Size); err != nil {
		return nil, err
	}
	if r.tree.Root, err = tree.root(r.tree.Size); err != nil {
		return nil, err
	}
	return r, nil
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

// add adds leaf n, of the event with id and hash, and compares the stored
// hashes it completes.
func (t *treeCheck) add(n, id int64, hash string) error {
	if id != n+1 {
		return &TreeError{EventID: n + 1, Reason: fmt.Sprintf("the event is missing (the next is %d)", id)}
	}
	leaf, err := LeafHash(hash)
	if err != nil {
		return &TreeError{EventID: id, Reason: err.Error()}
	}
	hashes, err := t.tree.Add(leaf)
	if err != nil {
		return err
	}
	base := tlog.StoredHashIndex(0, n)
	for i, h := range hashes {
		if err := t.compareStored(base+int64(i), h, id, i); err != nil {
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

// root returns the root of the tree of the leaves added so far.
func (t *treeCheck) root(size int64) (tlog.Hash, error) {
	return t.tree.Root(size)
}
