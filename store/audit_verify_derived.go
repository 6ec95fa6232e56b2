package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// VerifyAuditLog rebuilds the derived tables from the events, as
// deriveEvent makes them, and compares them with the stored ones.
//
// audit_submissions has a row per submission, so it is not rebuilt whole
// and then compared: its stored rows are read in the order of their ids,
// which is the order of the events that make them (a row's id is its
// submission's first event), beside the fold. When the fold makes a row,
// the stored row of that id is compared with it at once, but for the
// columns later events change (submissionOutcome); of each submission the
// fold then keeps only what the next events of the submission need and
// those columns, rebuilt and as stored, to compare at the end. A stored
// row that does not line up with the row the events make there (an id or
// a submission id changed, a row added or deleted) is put aside, and
// looked at again, as a whole, once the fold is over.
//
// Strings taken from an event are views into the row it was read from
// (see scanEvents): what the rebuild keeps past the event is copied.

// rebuiltTables is what the events make of the derived tables.
type rebuiltTables struct {
	submissions   *rebuiltSubmissions
	organizations map[int64]*organizationTally
	actors        map[string]*int64
	days          map[[2]string]*int64
}

// organizationTally is an organization's row of audit_organizations as
// the events make it.
type organizationTally struct {
	name        string
	submissions int64
}

// newRebuiltTables starts a rebuild from no events, comparing the stored
// submissions read in tx, a transaction of e, as it goes.
func newRebuiltTables(ctx context.Context, e engine, tx *sql.Tx) (*rebuiltTables, error) {
	subs, err := newRebuiltSubmissions(ctx, e, tx)
	if err != nil {
		return nil, err
	}
	return &rebuiltTables{
		submissions:   subs,
		organizations: map[int64]*organizationTally{},
		actors:        map[string]*int64{},
		days:          map[[2]string]*int64{},
	}, nil
}

func (t *rebuiltTables) close() {
	t.submissions.close()
}

// apply folds one event into the derived tables, as writeDerived does
// into the stored ones.
func (t *rebuiltTables) apply(e *auditRow) error {
	if !touchesDerived(e.kind) {
		return nil
	}
	i, found := t.submissions.index[e.submissionID]
	var ch derivedChange
	if found {
		prev := t.submissions.rowOf(i, e.submissionID)
		ch = deriveEvent(&prev, e)
	} else {
		ch = deriveEvent(nil, e)
	}
	if ch.row != nil {
		var err error
		if ch.created {
			err = t.submissions.create(ch.row)
		} else {
			t.submissions.at(int(i)).outcome, err = keepRebuilt(ch.row)
		}
		if err != nil {
			return err
		}
	}
	if o := ch.organization; o != nil {
		tally := t.organizations[o.id]
		if tally == nil {
			tally = &organizationTally{}
			t.organizations[o.id] = tally
		}
		if tally.name != o.name {
			tally.name = strings.Clone(o.name)
		}
		tally.submissions++
	}
	if ch.actor != nil {
		*countOf(t.actors, *ch.actor, strings.Clone)++
	}
	for _, d := range ch.days {
		*countOf(t.days, [2]string{d.day, d.outcome}, func(k [2]string) [2]string {
			return [2]string{strings.Clone(k[0]), strings.Clone(k[1])}
		}) += int64(d.delta)
	}
	return nil
}

// countOf returns the count of key in counts, adding one of zero under a
// copy of key when there is none: counts[key]++ would store key itself,
// which may be a view into a whole row.
func countOf[K comparable](counts map[K]*int64, key K, copyKey func(K) K) *int64 {
	if n := counts[key]; n != nil {
		return n
	}
	n := new(int64)
	counts[copyKey(key)] = n
	return n
}

// compare compares what is left of the stored derived tables with the
// rebuilt ones, once every event is folded, and returns the first row
// that differs, as a *DerivedError.
func (t *rebuiltTables) compare(ctx context.Context, tx *sql.Tx) error {
	if err := t.submissions.compare(ctx, tx); err != nil {
		return err
	}
	if err := t.compareOrganizations(ctx, tx); err != nil {
		return err
	}
	if err := t.compareActors(ctx, tx); err != nil {
		return err
	}
	return t.compareDays(ctx, tx)
}

// rebuiltSubmission is what the rebuild keeps of a submission, with no
// pointer for the garbage collector to follow.
type rebuiltSubmission struct {
	// id is the row's id: the submission's first event.
	id int64
	// outcome is what the events make of the columns later events change;
	// stored is the same columns as stored, when match is rowMatched.
	outcome, stored keptOutcome
	// day is the day of the first event, which the chart counts the
	// submission on, as its index in rebuiltSubmissions.days.
	day   int32
	match rowMatch
}

// keptOutcome is submissionOutcome as the rebuild keeps it, in half the
// memory: the outcome by its number, NULL by a bit.
type keptOutcome struct {
	status, durationMS, outcomeID int64
	// null has bit 0 set when status is NULL, bit 1 for durationMS, bit 2
	// for outcomeID.
	null uint8
	// outcome is 1 + the outcome's index in keptOutcomes, or 0 for any
	// other value, which a stored row may hold but the events never make.
	outcome uint8
}

// keptOutcomes lists the outcomes deriveEvent gives submissions.
var keptOutcomes = [...]AuditOutcome{OutcomePending, OutcomeSucceeded, OutcomeDigiCertError,
	OutcomeNoAnswer, OutcomeReconciled, OutcomeRejected, OutcomeChangedOutside}

func keepOutcome(o submissionOutcome) keptOutcome {
	var k keptOutcome
	for i, c := range [...]struct {
		dst *int64
		src sql.NullInt64
	}{{&k.status, o.status}, {&k.durationMS, o.durationMS}, {&k.outcomeID, o.outcomeID}} {
		if c.src.Valid {
			*c.dst = c.src.Int64
		} else {
			k.null |= 1 << i
		}
	}
	for i, name := range keptOutcomes {
		if o.outcome == string(name) {
			k.outcome = uint8(i + 1)
		}
	}
	return k
}

// columns returns the columns k keeps.
func (k keptOutcome) columns() submissionOutcome {
	o := submissionOutcome{
		status:     sql.NullInt64{Int64: k.status, Valid: k.null&1 == 0},
		durationMS: sql.NullInt64{Int64: k.durationMS, Valid: k.null&2 == 0},
		outcomeID:  sql.NullInt64{Int64: k.outcomeID, Valid: k.null&4 == 0},
	}
	if k.outcome > 0 {
		o.outcome = string(keptOutcomes[k.outcome-1])
	}
	return o
}

// keepRebuilt returns the outcome columns of a row the events make, as
// the rebuild keeps them.
func keepRebuilt(row *submissionRow) (keptOutcome, error) {
	k := keepOutcome(row.outcomeColumns())
	if k.outcome == 0 {
		return keptOutcome{}, fmt.Errorf("submission %q: the events make outcome %q, which the rebuild does not keep", row.submissionID, row.outcome)
	}
	return k, nil
}

// rowMatch tells how a rebuilt submission lines up with the stored rows.
type rowMatch uint8

const (
	// rowMissing: no stored row has been found for it (yet).
	rowMissing rowMatch = iota
	// rowMatched: the stored row of the same id and submission id has the
	// same first columns; its outcome columns are in stored.
	rowMatched
	// rowDiffers: the stored row of the same id and submission id differs
	// in a column that later events do not change.
	rowDiffers
	// rowTaken: a stored row put aside claimed it (see resolve).
	rowTaken
)

// submissionBlock is the number of rebuilt submissions in a block of
// rebuiltSubmissions.rows: the list grows a block at a time, never
// copied.
const submissionBlock = 4096

// rebuiltSubmissions is audit_submissions as the events make it, compared
// with the stored rows as it is built.
type rebuiltSubmissions struct {
	// rows holds the rebuilt submissions in the order of their ids, in
	// blocks of submissionBlock; index finds one by submission id.
	rows  [][]rebuiltSubmission
	n     int
	index map[string]int32

	// days lists the days of first events; dayIndex finds one.
	days     []string
	dayIndex map[string]int32

	// stored reads the stored rows in the order of their ids, packed as
	// packedSubmissionColumns; row is the next one not yet compared, when
	// more is true.
	ctx    context.Context
	tx     *sql.Tx
	stored *sql.Rows
	packed string // the row read, which row's strings are views into
	row    submissionRow
	more   bool
	// aside lists, in order, the ids of stored rows that did not line up
	// with the row the events make there.
	aside []int64
}

func newRebuiltSubmissions(ctx context.Context, e engine, tx *sql.Tx) (*rebuiltSubmissions, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+packedSubmissionColumns(e)+` FROM audit_submissions ORDER BY id`)
	if err != nil {
		return nil, err
	}
	s := &rebuiltSubmissions{index: map[string]int32{}, dayIndex: map[string]int32{}, ctx: ctx, tx: tx, stored: rows}
	if err := s.next(); err != nil {
		rows.Close()
		return nil, err
	}
	return s, nil
}

// next reads the next stored row. Its strings are views into the row
// read, as scanEvents' are.
func (s *rebuiltSubmissions) next() error {
	s.more = s.stored.Next()
	if !s.more {
		return s.stored.Err()
	}
	if err := s.stored.Scan(&s.packed); err != nil {
		return err
	}
	packed := s.packed
	if s.row.unpack(packed) {
		return nil
	}
	// A row that does not unpack (text that is not UTF-8, written by
	// hand) is read again column by column.
	first, _, _ := strings.Cut(packed, columnSeparator)
	id, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return fmt.Errorf("submission row id %q: %w", first, err)
	}
	s.row, err = readSubmissionRow(s.ctx, s.tx, id)
	return err
}

// packedSubmissionColumns is the columns of submissionTable as one value
// of e, as packedEventColumns has an event's.
func packedSubmissionColumns(e engine) string {
	var (
		row  submissionRow
		cols []packedColumn
	)
	for _, c := range submissionTable {
		_, nullable := c.field(&row).(*sql.NullInt64)
		cols = append(cols, packedColumn{name: c.name, nullable: nullable})
	}
	return e.packColumns(cols)
}

// unpack sets r from a row of packedSubmissionColumns and reports whether
// it held exactly the columns of submissionTable, each of its type.
func (r *submissionRow) unpack(packed string) bool {
	rest := packed
	for i, c := range submissionTable {
		value, more, found := strings.Cut(rest, columnSeparator)
		if found != (i < len(submissionTable)-1) {
			return false
		}
		rest = more
		switch f := c.field(r).(type) {
		case *string:
			*f = value
		case *int64:
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return false
			}
			*f = n
		case *sql.NullInt64:
			*f = sql.NullInt64{}
			if value != "" {
				n, err := strconv.ParseInt(value, 10, 64)
				if err != nil {
					return false
				}
				*f = sql.NullInt64{Int64: n, Valid: true}
			}
		default:
			return false
		}
	}
	return true
}

func (s *rebuiltSubmissions) close() {
	s.stored.Close()
}

func (s *rebuiltSubmissions) len() int { return s.n }

func (s *rebuiltSubmissions) at(i int) *rebuiltSubmission {
	return &s.rows[i/submissionBlock][i%submissionBlock]
}

// rowOf returns the row of the i-th submission as the events so far make
// it, from what the rebuild keeps of it: enough for deriveEvent.
func (s *rebuiltSubmissions) rowOf(i int32, submissionID string) submissionRow {
	sub := s.at(int(i))
	// Of the first event's time, deriveEvent reads the day.
	row := submissionRow{id: sub.id, submissionID: submissionID, occurredAt: s.days[sub.day]}
	row.setOutcome(sub.outcome.columns())
	return row
}

// create adds the row an event makes and compares it with the stored row
// of the same id, reading the stored rows up to it.
func (s *rebuiltSubmissions) create(row *submissionRow) error {
	for s.more && s.row.id < row.id {
		s.aside = append(s.aside, s.row.id)
		if err := s.next(); err != nil {
			return err
		}
	}
	outcome, err := keepRebuilt(row)
	if err != nil {
		return err
	}
	sub := rebuiltSubmission{id: row.id, day: s.day(row.occurredAt), outcome: outcome}
	if s.more && s.row.id == row.id {
		if s.row.submissionID == row.submissionID {
			sub.match, sub.stored = rowMatched, keepOutcome(s.row.outcomeColumns())
			// The first columns must be as the event makes them now.
			stored := s.row
			stored.setOutcome(row.outcomeColumns())
			if stored != *row {
				sub.match = rowDiffers
			}
		} else {
			s.aside = append(s.aside, s.row.id)
		}
		if err := s.next(); err != nil {
			return err
		}
	}
	if s.n%submissionBlock == 0 {
		s.rows = append(s.rows, make([]rebuiltSubmission, submissionBlock))
	}
	*s.at(s.n) = sub
	s.index[strings.Clone(row.submissionID)] = int32(s.n)
	s.n++
	return nil
}

// day returns the index in s.days of the day of occurredAt.
func (s *rebuiltSubmissions) day(occurredAt string) int32 {
	day := dayOf(occurredAt)
	i, ok := s.dayIndex[day]
	if !ok {
		i = int32(len(s.days))
		s.days = append(s.days, strings.Clone(day))
		s.dayIndex[s.days[i]] = i
	}
	return i
}

// finish reads the stored rows past the last submission the events make,
// which line up with none.
func (s *rebuiltSubmissions) finish() error {
	for s.more {
		s.aside = append(s.aside, s.row.id)
		if err := s.next(); err != nil {
			return err
		}
	}
	return s.stored.Close()
}

// compare returns the first stored row, in the order of ids, that differs
// from the row the events make, then the first row the events make that
// is not stored, as a *DerivedError.
func (s *rebuiltSubmissions) compare(ctx context.Context, tx *sql.Tx) error {
	aside := s.aside
	for i := range s.n {
		sub := s.at(i)
		for len(aside) > 0 && aside[0] < sub.id {
			if err := s.resolve(ctx, tx, aside[0]); err != nil {
				return err
			}
			aside = aside[1:]
		}
		if sub.match == rowDiffers || sub.match == rowMatched && sub.outcome != sub.stored {
			return s.describe(ctx, tx, sub, sub.id)
		}
	}
	for _, id := range aside {
		if err := s.resolve(ctx, tx, id); err != nil {
			return err
		}
	}
	for i := range s.n {
		if sub := s.at(i); sub.match == rowMissing {
			row, err := s.rebuild(ctx, tx, sub)
			if err != nil {
				return err
			}
			return &DerivedError{Table: "audit_submissions", Row: "submission " + row.submissionID,
				Reason: "the row is missing (deleted?)"}
		}
	}
	return nil
}

// resolve looks at a stored row put aside: it should be the row the
// events make for its submission id, or else for its id, which no other
// stored row claimed; it returns how it differs from it.
func (s *rebuiltSubmissions) resolve(ctx context.Context, tx *sql.Tx, id int64) error {
	stored, err := readSubmissionRow(ctx, tx, id)
	if err != nil {
		return err
	}
	var want *rebuiltSubmission
	if i, ok := s.index[stored.submissionID]; ok && s.at(int(i)).match == rowMissing {
		want = s.at(int(i))
	} else if i := sort.Search(s.n, func(i int) bool { return s.at(i).id >= id }); i < s.n && s.at(i).id == id && s.at(i).match == rowMissing {
		want = s.at(i)
	}
	if want == nil {
		return &DerivedError{Table: "audit_submissions", Row: "submission " + stored.submissionID,
			Reason: "the row has no event of that submission to make it (added by hand?)"}
	}
	want.match = rowTaken
	return s.describe(ctx, tx, want, id)
}

// describe returns how the stored row with id differs from sub, as a
// *DerivedError naming the first column that differs. The row is known
// to differ: that no column does is an error of the rebuild.
func (s *rebuiltSubmissions) describe(ctx context.Context, tx *sql.Tx, sub *rebuiltSubmission, id int64) error {
	stored, err := readSubmissionRow(ctx, tx, id)
	if err != nil {
		return err
	}
	want, err := s.rebuild(ctx, tx, sub)
	if err != nil {
		return err
	}
	col := differentColumn(&stored, &want)
	if col == "" {
		return fmt.Errorf("submission row %d: found different from the events' row, yet no column differs", id)
	}
	return &DerivedError{Table: "audit_submissions", Row: "submission " + want.submissionID, Column: col,
		Stored:  describeValue(deref(fieldOf(&stored, col))),
		Rebuilt: describeValue(deref(fieldOf(&want, col)))}
}

// rebuild returns the whole row the events make of sub: its first event's
// row, with the outcome its later events gave it.
func (s *rebuiltSubmissions) rebuild(ctx context.Context, tx *sql.Tx, sub *rebuiltSubmission) (submissionRow, error) {
	var e auditRow
	err := tx.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id = ?`, sub.id).Scan(e.pointers()...)
	if err != nil {
		return submissionRow{}, fmt.Errorf("read event %d: %w", sub.id, err)
	}
	ch := deriveEvent(nil, &e)
	if !ch.created {
		return submissionRow{}, fmt.Errorf("event %d does not make a submission", sub.id)
	}
	row := *ch.row
	row.setOutcome(sub.outcome.columns())
	return row, nil
}

// readSubmissionRow reads the stored row with id.
func readSubmissionRow(ctx context.Context, tx *sql.Tx, id int64) (submissionRow, error) {
	names, _, _ := submissionTableSQL()
	var row submissionRow
	err := tx.QueryRowContext(ctx, `SELECT `+names+` FROM audit_submissions WHERE id = ?`, id).Scan(row.pointers()...)
	if err != nil {
		return submissionRow{}, fmt.Errorf("read submission row %d: %w", id, err)
	}
	return row, nil
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

func (t *rebuiltTables) compareOrganizations(ctx context.Context, tx *sql.Tx) error {
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
		want, ok := t.organizations[id]
		switch {
		case !ok:
			return &DerivedError{Table: "audit_organizations", Row: row, Reason: "no event names this organization"}
		case name != want.name:
			return &DerivedError{Table: "audit_organizations", Row: row, Column: "name",
				Stored: strconv.Quote(name), Rebuilt: strconv.Quote(want.name)}
		case n != want.submissions:
			return &DerivedError{Table: "audit_organizations", Row: row, Column: "submissions",
				Stored: strconv.FormatInt(n, 10), Rebuilt: strconv.FormatInt(want.submissions, 10)}
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if seen < len(t.organizations) {
		ids := make([]int64, 0, len(t.organizations))
		for id := range t.organizations {
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

func (t *rebuiltTables) compareActors(ctx context.Context, tx *sql.Tx) error {
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
		want, ok := t.actors[email]
		switch {
		case !ok:
			return &DerivedError{Table: "audit_actors", Row: row, Reason: "no event has this user"}
		case n != *want:
			return &DerivedError{Table: "audit_actors", Row: row, Column: "submissions",
				Stored: strconv.FormatInt(n, 10), Rebuilt: strconv.FormatInt(*want, 10)}
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if seen < len(t.actors) {
		return &DerivedError{Table: "audit_actors", Row: fmt.Sprintf("%d users", len(t.actors)-seen),
			Reason: "rows are missing (deleted?)"}
	}
	return nil
}

// compareDays compares the chart's counts; a count of zero and no row
// are the same.
func (t *rebuiltTables) compareDays(ctx context.Context, tx *sql.Tx) error {
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
		var want int64
		if p := t.days[key]; p != nil {
			want = *p
		}
		if n != want {
			return &DerivedError{Table: "audit_daily", Row: key[0] + " " + key[1], Column: "submissions",
				Stored: strconv.FormatInt(n, 10), Rebuilt: strconv.FormatInt(want, 10)}
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	nonzero := 0
	for _, n := range t.days {
		if *n != 0 {
			nonzero++
		}
	}
	if seen < nonzero {
		return &DerivedError{Table: "audit_daily", Row: fmt.Sprintf("%d days", nonzero-seen),
			Reason: "counts are missing (deleted?)"}
	}
	return nil
}
