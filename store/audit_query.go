package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
	// OutcomeChangedOutside: not a submission but a change found made
	// outside Contact Desk.
	OutcomeChangedOutside AuditOutcome = "changed_outside"
)

// AuditOutcomes lists every outcome, in the order filters offer them.
func AuditOutcomes() []AuditOutcome {
	return []AuditOutcome{
		OutcomeSucceeded, OutcomeDigiCertError, OutcomeNoAnswer, OutcomeReconciled, OutcomeRejected, OutcomePending,
		OutcomeChangedOutside,
	}
}

// Valid reports whether o is a known outcome.
func (o AuditOutcome) Valid() bool {
	for _, known := range AuditOutcomes() {
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
	// JobID selects the submissions of one bulk job.
	JobID int64
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
	// JobID is the bulk job the submission was part of, zero for none.
	JobID int64
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
	s.organization_id, s.organization_name, s.summary, s.outcome, s.status, s.duration_ms, s.job_id`

// AuditSubmissions returns one page of the audit log, newest first, read
// by keyset: a page costs the same however deep it is.
func (s *Store) AuditSubmissions(ctx context.Context, q AuditPageQuery) (AuditPage, error) {
	limit := q.Limit
	if limit < 1 || limit > maxAuditPage {
		limit = maxAuditPage
	}
	var page AuditPage
	err := s.read(ctx, func(tx *sql.Tx) error {
		where, err := filterWhere(ctx, tx, s.engine, q.Filter)
		if err != nil {
			return err
		}
		newestFirst := q.After == nil
		w := where
		switch {
		case q.Before != nil:
			w = w.olderThan(*q.Before)
		case q.After != nil:
			w = w.newerThan(*q.After)
		}
		if page.Submissions, err = listSubmissions(ctx, tx, w, newestFirst, limit+1); err != nil {
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
				page.HasNewer, err = submissionsExist(ctx, tx, where.notOlderThan(*q.Before))
			}
			return err
		}
		if !more {
			// Walking back reached the newest submissions: show the
			// newest page, full, rather than what was left of it.
			page.Submissions, err = listSubmissions(ctx, tx, where, true, limit+1)
			if err != nil {
				return err
			}
			page.HasOlder = len(page.Submissions) > limit
			page.Submissions = page.Submissions[:min(limit, len(page.Submissions))]
			return nil
		}
		slices.Reverse(page.Submissions)
		page.HasNewer = true
		page.HasOlder, err = submissionsExist(ctx, tx, where.notNewerThan(*q.After))
		return err
	})
	if err != nil {
		return AuditPage{}, fmt.Errorf("store: audit submissions: %w", err)
	}
	return page, nil
}

// auditWhere is a list of SQL conditions, joined by AND, and their
// arguments. Adding one returns a new list, so that a filter's conditions
// can be extended for each query without changing them.
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

// listSubmissions reads up to limit submissions matching w in the given
// order.
func listSubmissions(ctx context.Context, tx *sql.Tx, w auditWhere, newestFirst bool, limit int) ([]AuditSubmission, error) {
	query, args := submissionsQuery(w, newestFirst, limit)
	rows, err := tx.QueryContext(ctx, query, args...)
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

// submissionsQuery is the query of listSubmissions and its arguments.
func submissionsQuery(w auditWhere, newestFirst bool, limit int) (string, []any) {
	order := " ORDER BY s.occurred_at DESC, s.id DESC"
	if !newestFirst {
		order = " ORDER BY s.occurred_at, s.id"
	}
	return `SELECT ` + submissionColumns + ` FROM audit_submissions AS s` + w.sql() + order + ` LIMIT ?`,
		append(w.args[:len(w.args):len(w.args)], limit)
}

// submissionsExist reports whether any submission matches w.
func submissionsExist(ctx context.Context, tx *sql.Tx, w auditWhere) (bool, error) {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM audit_submissions AS s`+w.sql()+` LIMIT 1`,
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
		job                        sql.NullInt64
	)
	err := rows.Scan(&sub.ID, &sub.SubmissionID, &at, &actor, &sub.ActorEmail, &org, &sub.OrganizationName,
		&sub.Summary, &outcome, &status, &millis, &job)
	if err != nil {
		return AuditSubmission{}, err
	}
	if sub.OccurredAt, err = parseTime(at); err != nil {
		return AuditSubmission{}, err
	}
	sub.ActorID, sub.OrganizationID, sub.Status = int(actor.Int64), int(org.Int64), int(status.Int64)
	sub.Outcome = AuditOutcome(outcome)
	sub.Duration = time.Duration(millis.Int64) * time.Millisecond
	sub.JobID = job.Int64
	return sub, nil
}
