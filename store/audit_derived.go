package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The audit pages do not read audit_events alone: the list, its filters,
// its chart and the exports of a selection read four tables derived from
// the events. audit_submissions has one row per submission (its first
// event, with the outcome of its latest closing event); audit_organizations
// and audit_actors count the submissions of each organization and user, so
// that a name typed in a filter is matched among few rows; audit_daily
// counts submissions per day and outcome for the chart.
//
// deriveEvent is the one definition of those tables: every append applies
// it to the rows the event touches (writeDerived), and audit verify applies
// it to every event in order, from nothing, and compares the rows it builds
// with the stored ones column by column (verifyDerived). A row changed by
// hand therefore shows up as a difference, named by submission and column.

// submissionRow is a row of audit_submissions.
type submissionRow struct {
	id               int64
	submissionID     string
	occurredAt       string
	actorID          sql.NullInt64
	actorEmail       string
	organizationID   sql.NullInt64
	organizationName string
	summary          string
	outcome          string
	status           sql.NullInt64
	durationMS       sql.NullInt64
	outcomeID        sql.NullInt64
	// jobID is the bulk job that made the submission (see
	// BulkJobRequestID); NULL for a change made on its own.
	jobID sql.NullInt64
}

// submissionOutcome is the part of a submission's row that events after
// its first change (see deriveEvent): its outcome and the outcome event's
// status and duration.
type submissionOutcome struct {
	outcome                       string
	status, durationMS, outcomeID sql.NullInt64
}

// outcomeColumns returns the row's columns that later events change.
func (r *submissionRow) outcomeColumns() submissionOutcome {
	return submissionOutcome{outcome: r.outcome, status: r.status, durationMS: r.durationMS, outcomeID: r.outcomeID}
}

// setOutcome sets the row's columns that later events change.
func (r *submissionRow) setOutcome(o submissionOutcome) {
	r.outcome, r.status, r.durationMS, r.outcomeID = o.outcome, o.status, o.durationMS, o.outcomeID
}

// submissionColumn is one column of audit_submissions and the field of
// submissionRow that holds it.
type submissionColumn struct {
	name  string
	field func(*submissionRow) any
}

// submissionTable lists the columns of audit_submissions. Reading,
// writing and comparing rows all go by this list, so that a new column
// is one line here, a field of submissionRow and what deriveEvent puts in
// it.
var submissionTable = []submissionColumn{
	{"id", func(r *submissionRow) any { return &r.id }},
	{"submission_id", func(r *submissionRow) any { return &r.submissionID }},
	{"occurred_at", func(r *submissionRow) any { return &r.occurredAt }},
	{"actor_id", func(r *submissionRow) any { return &r.actorID }},
	{"actor_email", func(r *submissionRow) any { return &r.actorEmail }},
	{"organization_id", func(r *submissionRow) any { return &r.organizationID }},
	{"organization_name", func(r *submissionRow) any { return &r.organizationName }},
	{"summary", func(r *submissionRow) any { return &r.summary }},
	{"outcome", func(r *submissionRow) any { return &r.outcome }},
	{"status", func(r *submissionRow) any { return &r.status }},
	{"duration_ms", func(r *submissionRow) any { return &r.durationMS }},
	{"outcome_id", func(r *submissionRow) any { return &r.outcomeID }},
	{"job_id", func(r *submissionRow) any { return &r.jobID }},
}

// pointers returns scan destinations for every column of submissionTable.
func (r *submissionRow) pointers() []any {
	out := make([]any, len(submissionTable))
	for i, c := range submissionTable {
		out[i] = c.field(r)
	}
	return out
}

// values returns the row's values in the order of submissionTable.
func (r *submissionRow) values() []any {
	out := make([]any, len(submissionTable))
	for i, c := range submissionTable {
		out[i] = deref(c.field(r))
	}
	return out
}

// deref reads the value a field pointer of submissionRow points to.
func deref(p any) any {
	switch v := p.(type) {
	case *int64:
		return *v
	case *string:
		return *v
	case *sql.NullInt64:
		return *v
	}
	panic(fmt.Sprintf("store: submission column of type %T", p))
}

// differentColumn returns the name of the first column in which a and b
// differ, or "" when they are equal.
func differentColumn(a, b *submissionRow) string {
	if *a == *b {
		return ""
	}
	for _, c := range submissionTable {
		if deref(c.field(a)) != deref(c.field(b)) {
			return c.name
		}
	}
	return ""
}

// describeValue renders a column's value for a report.
func describeValue(v any) string {
	switch v := v.(type) {
	case sql.NullInt64:
		if !v.Valid {
			return "NULL"
		}
		return strconv.FormatInt(v.Int64, 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return strconv.Quote(v)
	}
	return fmt.Sprint(v)
}

// derivedChange is what one event changes in the derived tables: the
// submission row it creates or updates, and the counts it moves.
type derivedChange struct {
	// row is the submission's row after the event; nil when the event
	// leaves audit_submissions as it is. created tells an insert from an
	// update.
	row     *submissionRow
	created bool
	// organization, when set, counts one more submission for the
	// organization and gives its latest name.
	organization *organizationCount
	// actor, when set, counts one more submission for that email.
	actor *string
	// days lists the per-day counts to move: +1 or -1 each.
	days []dayDelta
}

type organizationCount struct {
	id   int64
	name string
}

type dayDelta struct {
	day, outcome string
	delta        int
}

// deriveEvent returns what event e changes in the derived tables, given
// its submission's row before it (nil when there is none).
//
// A requested or rejected event opens its submission, pending or
// rejected; a changed_outside event opens one of its own. A later opening
// event of a submission that has a row changes nothing in it. Each
// opening event counts for its organization (whose name becomes the
// event's) and, but for changed_outside, which has no actor, for its
// actor. A responded, failed or reconciled event sets the outcome of a
// submission that has a row, keeping the previous status and duration
// where it has none. The chart's per-day counts follow each row's
// outcome.
func deriveEvent(prev *submissionRow, e *auditRow) derivedChange {
	var ch derivedChange
	switch AuditKind(e.kind) {
	case AuditRequested, AuditRejected, AuditChangedOutside:
		if e.organizationID.Valid {
			ch.organization = &organizationCount{id: e.organizationID.Int64, name: e.organizationName}
		}
		if AuditKind(e.kind) != AuditChangedOutside {
			ch.actor = &e.actorEmail
		}
		if prev != nil {
			return ch
		}
		outcome := OutcomePending
		switch AuditKind(e.kind) {
		case AuditRejected:
			outcome = OutcomeRejected
		case AuditChangedOutside:
			outcome = OutcomeChangedOutside
		}
		ch.row = &submissionRow{
			id: e.id, submissionID: e.submissionID, occurredAt: e.occurredAt,
			actorID: e.actorID, actorEmail: e.actorEmail,
			organizationID: e.organizationID, organizationName: e.organizationName,
			summary: e.summary, outcome: string(outcome), jobID: jobOfRequest(e.requestID),
		}
		ch.created = true
		ch.days = []dayDelta{{day: dayOf(e.occurredAt), outcome: string(outcome), delta: 1}}
	case AuditResponded, AuditFailed, AuditReconciled:
		if prev == nil {
			return ch
		}
		next := *prev
		next.outcome = string(closingOutcome(e))
		if e.status.Valid {
			next.status = e.status
		}
		if e.durationMS.Valid {
			next.durationMS = e.durationMS
		}
		next.outcomeID = sql.NullInt64{Int64: e.id, Valid: true}
		ch.row = &next
		if next.outcome != prev.outcome {
			day := dayOf(prev.occurredAt)
			ch.days = []dayDelta{{day: day, outcome: prev.outcome, delta: -1}, {day: day, outcome: next.outcome, delta: 1}}
		}
	}
	return ch
}

// closingOutcome is the outcome a responded, failed or reconciled event
// gives its submission.
func closingOutcome(e *auditRow) AuditOutcome {
	switch AuditKind(e.kind) {
	case AuditFailed:
		return OutcomeNoAnswer
	case AuditReconciled:
		return OutcomeReconciled
	}
	if e.status.Valid && e.status.Int64 >= 200 && e.status.Int64 <= 299 {
		return OutcomeSucceeded
	}
	return OutcomeDigiCertError
}

// dayOf is the UTC day (YYYY-MM-DD) of a stored time: its first ten
// characters.
func dayOf(occurredAt string) string {
	n := 0
	for i := range occurredAt {
		if n == 10 {
			return occurredAt[:i]
		}
		n++
	}
	return occurredAt
}

// touchesDerived reports whether an event of kind k can change the derived
// tables; security events do not.
func touchesDerived(k string) bool {
	switch AuditKind(k) {
	case AuditRequested, AuditRejected, AuditChangedOutside, AuditResponded, AuditFailed, AuditReconciled:
		return true
	}
	return false
}

// derivedWriter gathers the events of one transaction that touch the
// derived tables and writes what they change with flush: the batch's
// submission rows read in one query, the events applied to them in order
// in memory (deriveEvent), the submission rows written in one statement
// and the counts in a few (see flush). That is what applying the events
// one by one would leave, but for a day's count that nets to zero in a
// batch and had no row (audit verify and the chart read no row as zero),
// for a few round trips per batch instead of several per event.
type derivedWriter struct {
	ctx    context.Context
	tx     *sql.Tx
	events []*auditRow
}

func newDerivedWriter(ctx context.Context, tx *sql.Tx) *derivedWriter {
	return &derivedWriter{ctx: ctx, tx: tx}
}

// submissionTableSQL returns the column list of submissionTable, as many
// placeholders, and the assignments of every column but id.
func submissionTableSQL() (names, marks, sets string) {
	for i, c := range submissionTable {
		if i > 0 {
			names, marks = names+", ", marks+", "
		}
		names, marks = names+c.name, marks+"?"
		if i > 0 {
			if i > 1 {
				sets += ", "
			}
			sets += c.name + " = ?"
		}
	}
	return names, marks, sets
}

// submissionUpsertSets returns the assignments of every column of
// submissionTable but id from an upsert's excluded row.
func submissionUpsertSets() string {
	var sets []string
	for _, c := range submissionTable[1:] {
		sets = append(sets, c.name+" = excluded."+c.name)
	}
	return strings.Join(sets, ", ")
}

// add queues e, when it touches the derived tables, for flush.
func (w *derivedWriter) add(e *auditRow) {
	if touchesDerived(e.kind) {
		w.events = append(w.events, e)
	}
}

// flush derives the changes of the queued events, in order, from the
// stored rows and writes them.
func (w *derivedWriter) flush() error {
	if len(w.events) == 0 {
		return nil
	}
	rows, err := w.readSubmissions()
	if err != nil {
		return err
	}
	var (
		changed   []string // submission ids whose row changed, first change first
		orgOrder  []int64
		orgs      = make(map[int64]*organizationCount)
		orgCounts = make(map[int64]int)
		actors    []string
		actorN    = make(map[string]int)
		days      []dayDelta
		dayIndex  = make(map[[2]string]int)
		isChanged = make(map[string]bool)
	)
	for _, e := range w.events {
		ch := deriveEvent(rows[e.submissionID], e)
		if ch.row != nil {
			rows[e.submissionID] = ch.row
			if !isChanged[e.submissionID] {
				isChanged[e.submissionID] = true
				changed = append(changed, e.submissionID)
			}
		}
		if o := ch.organization; o != nil {
			if _, ok := orgs[o.id]; !ok {
				orgOrder = append(orgOrder, o.id)
			}
			orgs[o.id] = o
			orgCounts[o.id]++
		}
		if a := ch.actor; a != nil {
			if _, ok := actorN[*a]; !ok {
				actors = append(actors, *a)
			}
			actorN[*a]++
		}
		for _, d := range ch.days {
			key := [2]string{d.day, d.outcome}
			i, ok := dayIndex[key]
			if !ok {
				i = len(days)
				dayIndex[key] = i
				days = append(days, dayDelta{day: d.day, outcome: d.outcome})
			}
			days[i].delta += d.delta
		}
	}
	w.events = w.events[:0]

	names, _, _ := submissionTableSQL()
	values := make([][]any, len(changed))
	for i, id := range changed {
		values[i] = rows[id].values()
	}
	if err := insertRows(w.ctx, w.tx, `INSERT INTO audit_submissions (`+names+`)`,
		`ON CONFLICT (id) DO UPDATE SET `+submissionUpsertSets(), values); err != nil {
		return fmt.Errorf("write submissions: %w", err)
	}
	// The tables' triggers let an update move a count by one only, so
	// the counts are written in rounds: round r adds one for every key
	// counted more than r times in the batch (and the days' net moves, a
	// submission opened and closed in one batch netting to nothing).
	for r := 0; ; r++ {
		var orgRows, actorRows, dayRows [][]any
		for _, id := range orgOrder {
			if orgCounts[id] > r {
				orgRows = append(orgRows, []any{id, orgs[id].name, 1})
			}
		}
		for _, a := range actors {
			if actorN[a] > r {
				actorRows = append(actorRows, []any{a, 1})
			}
		}
		for _, d := range days {
			if d.delta > r {
				dayRows = append(dayRows, []any{d.day, d.outcome, 1})
			} else if -d.delta > r {
				dayRows = append(dayRows, []any{d.day, d.outcome, -1})
			}
		}
		if orgRows == nil && actorRows == nil && dayRows == nil {
			return nil
		}
		if err := insertRows(w.ctx, w.tx, `INSERT INTO audit_organizations (id, name, submissions)`,
			`ON CONFLICT (id) DO UPDATE SET name = excluded.name, submissions = audit_organizations.submissions + 1`,
			orgRows); err != nil {
			return fmt.Errorf("count organizations: %w", err)
		}
		if err := insertRows(w.ctx, w.tx, `INSERT INTO audit_actors (email, submissions)`,
			`ON CONFLICT (email) DO UPDATE SET submissions = audit_actors.submissions + 1`,
			actorRows); err != nil {
			return fmt.Errorf("count actors: %w", err)
		}
		if err := insertRows(w.ctx, w.tx, `INSERT INTO audit_daily (day, outcome, submissions)`,
			`ON CONFLICT (day, outcome) DO UPDATE SET submissions = audit_daily.submissions + excluded.submissions`,
			dayRows); err != nil {
			return fmt.Errorf("count days: %w", err)
		}
	}
}

// readSubmissions returns the stored rows of the queued events'
// submissions, by submission id.
func (w *derivedWriter) readSubmissions() (map[string]*submissionRow, error) {
	var ids []any
	seen := make(map[string]bool)
	for _, e := range w.events {
		if !seen[e.submissionID] {
			seen[e.submissionID] = true
			ids = append(ids, e.submissionID)
		}
	}
	names, _, _ := submissionTableSQL()
	out := make(map[string]*submissionRow)
	for start := 0; start < len(ids); start += maxStatementParams {
		part := ids[start:min(start+maxStatementParams, len(ids))]
		rows, err := w.tx.QueryContext(w.ctx,
			`SELECT `+names+` FROM audit_submissions WHERE submission_id IN (`+placeholders(len(part))+`)`, part...)
		if err != nil {
			return nil, fmt.Errorf("read submissions: %w", err)
		}
		for rows.Next() {
			var r submissionRow
			if err := rows.Scan(r.pointers()...); err != nil {
				return nil, errors.Join(fmt.Errorf("read submissions: %w", err), rows.Close())
			}
			out[r.submissionID] = &r
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return nil, fmt.Errorf("read submissions: %w", err)
		}
	}
	return out, nil
}

// jobOfRequest returns the bulk job a request id names ("job-<id>", see
// BulkJobRequestID), or NULL for any other request id.
func jobOfRequest(requestID string) sql.NullInt64 {
	digits, ok := strings.CutPrefix(requestID, "job-")
	if !ok || digits == "" || digits[0] == '0' {
		return sql.NullInt64{}
	}
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: id, Valid: true}
}
