package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditOutcome is how a submission ended, as the audit log page shows it.
type AuditOutcome string

// The outcomes of a submission.
const (
	// OutcomePending: requested, with no answer recorded yet.
	OutcomePending AuditOutcome = "pending"
	// OutcomeSucceeded: DigiCert answered with a 2xx status.
	OutcomeSucceeded AuditOutcome = "succeeded"
	// OutcomeDigiCertError: DigiCert answered with any other status.
	OutcomeDigiCertError AuditOutcome = "digicert_error"
	// OutcomeNoAnswer: the request failed without an answer.
	OutcomeNoAnswer AuditOutcome = "no_answer"
	// OutcomeReconciled: the organization was read again at start-up after
	// a request whose outcome was never recorded.
	OutcomeReconciled AuditOutcome = "reconciled"
	// OutcomeRejected: local validation refused the change; nothing was sent.
	OutcomeRejected AuditOutcome = "rejected"
)

// AuditOutcomes lists every outcome, in the order filters offer them.
var AuditOutcomes = []AuditOutcome{
	OutcomeSucceeded, OutcomeDigiCertError, OutcomeNoAnswer, OutcomeReconciled, OutcomeRejected, OutcomePending,
}

// Valid reports whether o is a known outcome.
func (o AuditOutcome) Valid() bool {
	for _, known := range AuditOutcomes {
		if o == known {
			return true
		}
	}
	return false
}

// AuditFilter selects submissions of the audit log. Zero fields select
// everything; set fields combine with AND.
type AuditFilter struct {
	// OrganizationID selects one organization by DigiCert id.
	OrganizationID int
	// OrganizationName matches part of the organization's name, ignoring
	// ASCII case.
	OrganizationName string
	// User matches part of the actor's email, ignoring ASCII case.
	User    string
	Outcome AuditOutcome
	// From is inclusive and To exclusive.
	From, To time.Time
	// OrganizationIDs restricts the log to these organizations, for users
	// who may see only some; nil means all, an empty non-nil slice none.
	OrganizationIDs []int
}

// AuditCursor is a position in the audit log's order (newest first): the
// time and id of a submission.
type AuditCursor struct {
	OccurredAt time.Time
	ID         int64
}

// String encodes the cursor for a URL.
func (c AuditCursor) String() string {
	return formatTime(c.OccurredAt) + "_" + strconv.FormatInt(c.ID, 10)
}

// ErrBadCursor is returned for a page cursor that String did not produce.
var ErrBadCursor = errors.New("store: bad audit page cursor")

// ParseAuditCursor reads a cursor made by AuditCursor.String.
func ParseAuditCursor(s string) (AuditCursor, error) {
	at, id, ok := strings.Cut(s, "_")
	if !ok || len(at) != len(timeFormat) {
		return AuditCursor{}, ErrBadCursor
	}
	t, err := parseTime(at)
	if err != nil {
		return AuditCursor{}, ErrBadCursor
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 || strconv.FormatInt(n, 10) != id {
		return AuditCursor{}, ErrBadCursor
	}
	return AuditCursor{OccurredAt: t, ID: n}, nil
}

// AuditSubmission is one submission as the audit log lists it: its first
// event, with the outcome of its latest closing event.
type AuditSubmission struct {
	// ID is the id of the submission's first event.
	ID               int64
	SubmissionID     string
	OccurredAt       time.Time
	ActorID          int
	ActorEmail       string
	OrganizationID   int
	OrganizationName string
	Summary          string
	Outcome          AuditOutcome
	// Status is DigiCert's HTTP status, zero without an answer.
	Status int
	// Duration is zero when not measured.
	Duration time.Duration
}

// Cursor is the submission's position in the log.
func (s AuditSubmission) Cursor() AuditCursor {
	return AuditCursor{OccurredAt: s.OccurredAt, ID: s.ID}
}

// AuditPageQuery asks for one page of the audit log. At most one of Before
// and After is set: Before asks for the submissions older than it, After
// for those newer; neither asks for the newest.
type AuditPageQuery struct {
	Filter AuditFilter
	Before *AuditCursor
	After  *AuditCursor
	Limit  int
}

// AuditPage is one page of submissions, newest first, and whether there are
// newer and older ones beyond it.
type AuditPage struct {
	Submissions []AuditSubmission
	HasNewer    bool
	HasOlder    bool
}

// maxAuditPage bounds a page whatever the caller asks.
const maxAuditPage = 500

const submissionColumns = `s.id, s.submission_id, s.occurred_at, s.actor_id, s.actor_email,
	s.organization_id, s.organization_name, s.summary, s.outcome, s.status, s.duration_ms`

// AuditSubmissions returns one page of the audit log, newest first, read
// by keyset: a page costs the same however deep it is.
func (s *Store) AuditSubmissions(ctx context.Context, q AuditPageQuery) (AuditPage, error) {
	limit := q.Limit
	if limit < 1 || limit > maxAuditPage {
		limit = maxAuditPage
	}
	var page AuditPage
	err := s.read(ctx, func(tx *sql.Tx) error {
		plan, err := planAuditQuery(ctx, tx, q.Filter)
		if err != nil || plan.empty {
			return err
		}
		newestFirst := q.After == nil
		w := plan.where
		switch {
		case q.Before != nil:
			w = w.olderThan(*q.Before)
		case q.After != nil:
			w = w.newerThan(*q.After)
		}
		if page.Submissions, err = plan.list(ctx, tx, w, newestFirst, limit+1); err != nil {
			return err
		}
		more := len(page.Submissions) > limit
		if more {
			page.Submissions = page.Submissions[:limit]
		}
		if newestFirst {
			page.HasOlder = more
			if q.Before != nil {
				// A typed cursor may point anywhere: check that something
				// newer exists rather than assume it.
				page.HasNewer, err = plan.exists(ctx, tx, plan.where.notOlderThan(*q.Before))
			}
			return err
		}
		if !more {
			// Walking back reached the newest submissions: show the
			// newest page, full, rather than what was left of it.
			page.Submissions, err = plan.list(ctx, tx, plan.where, true, limit+1)
			if err != nil {
				return err
			}
			page.HasOlder = len(page.Submissions) > limit
			page.Submissions = page.Submissions[:min(limit, len(page.Submissions))]
			return nil
		}
		reverse(page.Submissions)
		page.HasNewer = true
		page.HasOlder, err = plan.exists(ctx, tx, plan.where.notNewerThan(*q.After))
		return err
	})
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: audit submissions: %w", err)
	}
	return page, nil
}

func reverse[T any](s []T) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// auditPlan is a filter turned into SQL, with the index that reads the
// fewest rows for it.
type auditPlan struct {
	// empty is set when no submission can match (an unknown name).
	empty bool
	index string
	where auditWhere
}

// auditWhere is a list of SQL conditions on audit_submissions AS s and
// their arguments.
type auditWhere struct {
	conds []string
	args  []any
}

func (w auditWhere) and(cond string, args ...any) auditWhere {
	return auditWhere{
		conds: append(w.conds[:len(w.conds):len(w.conds)], cond),
		args:  append(w.args[:len(w.args):len(w.args)], args...),
	}
}

// olderThan keeps the submissions after c in newest-first order. The first
// condition bounds the index range; the second settles equal times by id.
func (w auditWhere) olderThan(c AuditCursor) auditWhere {
	at := formatTime(c.OccurredAt)
	return w.and("s.occurred_at <= ? AND (s.occurred_at < ? OR s.id < ?)", at, at, c.ID)
}

// newerThan keeps the submissions before c in newest-first order.
func (w auditWhere) newerThan(c AuditCursor) auditWhere {
	at := formatTime(c.OccurredAt)
	return w.and("s.occurred_at >= ? AND (s.occurred_at > ? OR s.id > ?)", at, at, c.ID)
}

// notOlderThan keeps c and the submissions before it.
func (w auditWhere) notOlderThan(c AuditCursor) auditWhere {
	at := formatTime(c.OccurredAt)
	return w.and("s.occurred_at >= ? AND (s.occurred_at > ? OR s.id >= ?)", at, at, c.ID)
}

// notNewerThan keeps c and the submissions after it.
func (w auditWhere) notNewerThan(c AuditCursor) auditWhere {
	at := formatTime(c.OccurredAt)
	return w.and("s.occurred_at <= ? AND (s.occurred_at < ? OR s.id <= ?)", at, at, c.ID)
}

func (w auditWhere) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// list reads up to limit submissions matching w in the given order.
func (p auditPlan) list(ctx context.Context, tx *sql.Tx, w auditWhere, newestFirst bool, limit int) ([]AuditSubmission, error) {
	order := " ORDER BY s.occurred_at DESC, s.id DESC"
	if !newestFirst {
		order = " ORDER BY s.occurred_at, s.id"
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+submissionColumns+` FROM audit_submissions AS s INDEXED BY `+
		p.index+w.sql()+order+` LIMIT ?`, append(w.args[:len(w.args):len(w.args)], limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditSubmission
	for rows.Next() {
		sub, err := scanSubmission(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

func (p auditPlan) exists(ctx context.Context, tx *sql.Tx, w auditWhere) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM audit_submissions AS s INDEXED BY `+p.index+w.sql()+` LIMIT 1`,
		w.args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func scanSubmission(rows *sql.Rows) (AuditSubmission, error) {
	var (
		sub                        AuditSubmission
		at, outcome                string
		actor, org, status, millis sql.NullInt64
	)
	err := rows.Scan(&sub.ID, &sub.SubmissionID, &at, &actor, &sub.ActorEmail, &org, &sub.OrganizationName,
		&sub.Summary, &outcome, &status, &millis)
	if err != nil {
		return AuditSubmission{}, err
	}
	if sub.OccurredAt, err = parseTime(at); err != nil {
		return AuditSubmission{}, err
	}
	sub.ActorID, sub.OrganizationID, sub.Status = int(actor.Int64), int(org.Int64), int(status.Int64)
	sub.Outcome = AuditOutcome(outcome)
	sub.Duration = time.Duration(millis.Int64) * time.Millisecond
	return sub, nil
}

// Reading through an index on (column, occurred_at) returns the rows of
// one value in log order, so a page stops after limit rows. Several values
// need a sort of all their rows, which is cheap only for a few thousand;
// beyond that, walking the time index and skipping non-matching rows reads
// fewer rows for a page.
const maxSortedRows = 5000

// indexChoice is one index that could drive a query and how many rows it
// would read.
type indexChoice struct {
	index  string
	rows   int
	values int
}

// planAuditQuery turns f into conditions and picks the index to read.
// Names and emails are matched first against the small tables of known
// organizations and users, so the big table is only ever compared by
// equality.
func planAuditQuery(ctx context.Context, tx *sql.Tx, f AuditFilter) (auditPlan, error) {
	var (
		p       auditPlan
		choices []indexChoice
	)
	orgs, orgRows, err := organizationMatches(ctx, tx, f)
	if err != nil {
		return p, err
	}
	if orgs != nil {
		if len(orgs) == 0 {
			return auditPlan{empty: true}, nil
		}
		p.where = p.where.and(inList("s.organization_id", len(orgs)), intArgs(orgs)...)
		choices = append(choices, indexChoice{"audit_submissions_organization", orgRows, len(orgs)})
	}
	if f.User != "" {
		emails, rows, err := actorMatches(ctx, tx, f.User)
		if err != nil {
			return p, err
		}
		if len(emails) == 0 {
			return auditPlan{empty: true}, nil
		}
		p.where = p.where.and(inList("s.actor_email", len(emails)), stringArgs(emails)...)
		choices = append(choices, indexChoice{"audit_submissions_actor", rows, len(emails)})
	}
	if f.Outcome != "" {
		rows, err := countUpTo(ctx, tx, `SELECT 1 FROM audit_submissions WHERE outcome = ?`, maxSortedRows, f.Outcome)
		if err != nil {
			return p, err
		}
		p.where = p.where.and("s.outcome = ?", string(f.Outcome))
		choices = append(choices, indexChoice{"audit_submissions_outcome", rows, 1})
	}
	if !f.From.IsZero() {
		p.where = p.where.and("s.occurred_at >= ?", formatTime(f.From))
	}
	if !f.To.IsZero() {
		p.where = p.where.and("s.occurred_at < ?", formatTime(f.To))
	}
	p.index = chooseIndex(choices)
	return p, nil
}

// chooseIndex prefers the index that reads fewest rows: any single-value
// index (it reads in order), a multi-value one only when its rows are few
// enough to sort, and otherwise the time index.
func chooseIndex(choices []indexChoice) string {
	best, bestRows := "audit_submissions_occurred", -1
	for _, c := range choices {
		if c.values > 1 && c.rows > maxSortedRows {
			continue
		}
		if bestRows < 0 || c.rows < bestRows {
			best, bestRows = c.index, c.rows
		}
	}
	return best
}

// organizationMatches returns the organization ids f allows and how many
// submissions they have, or nil when f does not restrict organizations.
func organizationMatches(ctx context.Context, tx *sql.Tx, f AuditFilter) ([]int, int, error) {
	var ids []int
	switch {
	case f.OrganizationID != 0:
		ids = []int{f.OrganizationID}
	case f.OrganizationName != "":
		rows, err := tx.QueryContext(ctx, `SELECT id FROM audit_organizations WHERE name LIKE ? ESCAPE '\'`,
			"%"+escapeLike(f.OrganizationName)+"%")
		if err != nil {
			return nil, 0, err
		}
		if ids, err = scanInts(rows); err != nil {
			return nil, 0, err
		}
		ids = nonNil(ids)
	}
	if f.OrganizationIDs != nil {
		ids = intersect(ids, f.OrganizationIDs, f.OrganizationID != 0 || f.OrganizationName != "")
	}
	if ids == nil {
		return nil, 0, nil
	}
	if len(ids) == 0 {
		return ids, 0, nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(submissions), 0) FROM audit_organizations WHERE `+
		inList("id", len(ids)), intArgs(ids)...).Scan(&n)
	return ids, n, err
}

// actorMatches returns the emails that contain part and how many
// submissions they have.
func actorMatches(ctx context.Context, tx *sql.Tx, part string) ([]string, int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT email, submissions FROM audit_actors WHERE email LIKE ? ESCAPE '\'`,
		"%"+escapeLike(part)+"%")
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var (
		emails []string
		total  int
	)
	for rows.Next() {
		var (
			email string
			n     int
		)
		if err := rows.Scan(&email, &n); err != nil {
			return nil, 0, err
		}
		emails = append(emails, email)
		total += n
	}
	return emails, total, rows.Err()
}

// countUpTo counts the rows of query, stopping at limit.
func countUpTo(ctx context.Context, tx *sql.Tx, query string, limit int, args ...any) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+query+` LIMIT ?)`, append(args, limit)...).Scan(&n)
	return n, err
}

func scanInts(rows *sql.Rows) ([]int, error) {
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// intersect keeps the ids of a that are in allowed; when a is not a filter
// (filtered false), the allowed ids themselves.
func intersect(a, allowed []int, filtered bool) []int {
	if !filtered {
		return nonNil(append([]int(nil), allowed...))
	}
	ok := make(map[int]bool, len(allowed))
	for _, id := range allowed {
		ok[id] = true
	}
	out := []int{}
	for _, id := range a {
		if ok[id] {
			out = append(out, id)
		}
	}
	return out
}

func nonNil(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}

func inList(column string, n int) string {
	if n == 1 {
		return column + " = ?"
	}
	return column + " IN (?" + strings.Repeat(", ?", n-1) + ")"
}

func intArgs(ids []int) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

func stringArgs(ss []string) []any {
	args := make([]any, len(ss))
	for i, s := range ss {
		args[i] = s
	}
	return args
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
