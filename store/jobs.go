package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// BulkJobKind says what a bulk job does.
type BulkJobKind string

// The kinds of bulk jobs.
const (
	// BulkChange changes contacts as the user asked: replace, update or
	// remove.
	BulkChange BulkJobKind = "change"
	// BulkRestore puts back the contacts as they were before the
	// submissions of an earlier job.
	BulkRestore BulkJobKind = "restore"
)

// BulkJobState is where a bulk job is in its life.
type BulkJobState string

// The states of a bulk job.
const (
	// BulkReview: planned and shown for review; nothing is sent until it
	// is started.
	BulkReview BulkJobState = "review"
	// BulkRunning: its items are being sent.
	BulkRunning BulkJobState = "running"
	// BulkPaused: stopped until resumed; no item is started meanwhile.
	BulkPaused BulkJobState = "paused"
	// BulkCancelled: stopped for good; what was sent stays sent, the
	// items not started are cancelled.
	BulkCancelled BulkJobState = "cancelled"
	// BulkFinished: every item has its outcome.
	BulkFinished BulkJobState = "finished"
)

// Active reports whether the job is started and not over: running or
// paused.
func (s BulkJobState) Active() bool { return s == BulkRunning || s == BulkPaused }

// BulkEffect is the review's verdict on one organization of a job.
type BulkEffect string

// The effects a review finds. Only the first three are sent.
const (
	BulkUpdated    BulkEffect = "updated"
	BulkReplaced   BulkEffect = "replaced"
	BulkRemoved    BulkEffect = "removed"
	BulkNothing    BulkEffect = "nothing"
	BulkNotAllowed BulkEffect = "not_allowed"
)

// Sent reports whether items of this effect are sent.
func (e BulkEffect) Sent() bool {
	return e == BulkUpdated || e == BulkReplaced || e == BulkRemoved
}

// BulkEffects lists every effect, in the order reviews count them.
func BulkEffects() []BulkEffect {
	return []BulkEffect{BulkUpdated, BulkReplaced, BulkRemoved, BulkNothing, BulkNotAllowed}
}

// BulkItemState is where one organization of a job is.
type BulkItemState string

// The states of a bulk item.
const (
	// ItemExcluded: the review found nothing to do or did not allow it;
	// never sent.
	ItemExcluded BulkItemState = "excluded"
	// ItemPending: to be sent.
	ItemPending BulkItemState = "pending"
	// ItemSending: a request is recorded; its outcome is not settled.
	ItemSending BulkItemState = "sending"
	// ItemSucceeded: DigiCert made the change.
	ItemSucceeded BulkItemState = "succeeded"
	// ItemFailed: DigiCert refused the change, or it failed the checks
	// made before sending.
	ItemFailed BulkItemState = "failed"
	// ItemStale: the contacts changed since the review; nothing was sent.
	ItemStale BulkItemState = "stale"
	// ItemCancelled: the job was cancelled before the item was started.
	ItemCancelled BulkItemState = "cancelled"
)

// Done reports whether the item has its final outcome.
func (s BulkItemState) Done() bool {
	return s == ItemSucceeded || s == ItemFailed || s == ItemStale || s == ItemCancelled
}

// BulkItemStates lists the states of the items a job sends, in the order
// progress counts them.
func BulkItemStates() []BulkItemState {
	return []BulkItemState{ItemPending, ItemSending, ItemSucceeded, ItemFailed, ItemStale, ItemCancelled}
}

// Errors of bulk jobs.
var (
	// ErrBulkJobState: the job is not in a state that allows the change
	// asked for (for instance resuming a job that is not paused).
	ErrBulkJobState = errors.New("store: the bulk job is not in a state that allows this")
	// ErrBulkItemNotSendable: the item may not be sent now: its job is
	// not running, or the item is no longer pending. Nothing was
	// recorded.
	ErrBulkItemNotSendable = errors.New("store: the bulk item may not be sent now")
	// ErrBulkLeaseLost: another runner holds the job's lease.
	ErrBulkLeaseLost = errors.New("store: the bulk job's lease is held by another runner")
)

// BulkJob is one bulk job, with counts of its items.
type BulkJob struct {
	ID          int64
	Kind        BulkJobKind
	Title       string
	Spec        []byte
	State       BulkJobState
	SourceJobID int64
	// CreatedBy made the review; StartedBy started it (zero before).
	CreatedBy      int
	CreatedByEmail string
	CreatedAt      time.Time
	StartedBy      int
	StartedByEmail string
	// ClientAddr is where the job was started from, for the audit log.
	ClientAddr string
	StartedAt  time.Time
	FinishedAt time.Time
	// RunningSince is set while the job runs; Elapsed is its running time
	// before then.
	RunningSince time.Time
	Elapsed      time.Duration
	// Note says why the job waits or paused on its own, "" when it does
	// not.
	Note string
	// Items counts the job's items by state, Effects by the review's
	// effect.
	Items   map[BulkItemState]int
	Effects map[BulkEffect]int
}

// RunningTime is how long the job has run at now, pauses left out.
func (j BulkJob) RunningTime(now time.Time) time.Duration {
	d := j.Elapsed
	if !j.RunningSince.IsZero() && now.After(j.RunningSince) {
		d += now.Sub(j.RunningSince)
	}
	return d
}

// ToSend counts the items the job sends: every item but the excluded.
func (j BulkJob) ToSend() int {
	n := 0
	for _, s := range BulkItemStates() {
		n += j.Items[s]
	}
	return n
}

// Processed counts the items with their final outcome.
func (j BulkJob) Processed() int {
	n := 0
	for s, c := range j.Items {
		if s.Done() {
			n += c
		}
	}
	return n
}

// BulkItem is one organization of a job.
type BulkItem struct {
	ID                 int64
	JobID              int64
	Position           int
	OrganizationID     int
	OrganizationName   string
	Effect             BulkEffect
	Plan               string
	Reviewed           []byte
	Input              []byte
	RequestBody        string
	SourceSubmissionID string
	State              BulkItemState
	SubmissionID       string
	Attempts           int
	Note               string
	UpdatedAt          time.Time
}

// NewBulkJob is a job to create, in state review.
type NewBulkJob struct {
	Kind           BulkJobKind
	Title          string
	Spec           []byte
	SourceJobID    int64
	CreatedBy      int
	CreatedByEmail string
	CreatedAt      time.Time
	// Items are the job's organizations in the order they are sent;
	// their state is set from their effect, and Position from their
	// order.
	Items []BulkItem
}

// CreateBulkJob stores a job in state review with its items.
func (s *Store) CreateBulkJob(ctx context.Context, nj NewBulkJob) (BulkJob, error) {
	var id int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		var source any
		if nj.SourceJobID != 0 {
			source = nj.SourceJobID
		}
		err := tx.QueryRowContext(ctx,
			`INSERT INTO bulk_jobs (kind, title, spec, state, source_job_id, created_by, created_by_email, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			string(nj.Kind), nj.Title, string(nj.Spec), string(BulkReview), source, nj.CreatedBy, nj.CreatedByEmail,
			formatTime(nj.CreatedAt)).Scan(&id)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO bulk_items (job_id, position, organization_id,
			organization_name, effect, plan, reviewed, input, request_body, source_submission_id, state, note, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for i, it := range nj.Items {
			state := ItemExcluded
			if it.Effect.Sent() {
				state = ItemPending
			}
			if _, err := stmt.ExecContext(ctx, id, i+1, it.OrganizationID, it.OrganizationName, string(it.Effect), it.Plan,
				string(it.Reviewed), string(it.Input), it.RequestBody, it.SourceSubmissionID, string(state), it.Note,
				formatTime(nj.CreatedAt)); err != nil {
				return fmt.Errorf("item %d (organization %d): %w", i+1, it.OrganizationID, err)
			}
		}
		return nil
	})
	if err != nil {
		return BulkJob{}, fmt.Errorf("store: create bulk job: %w", err)
	}
	return s.BulkJob(ctx, id)
}

const bulkJobColumns = `id, kind, title, spec, state, coalesce(source_job_id, 0), created_by, created_by_email,
	created_at, coalesce(started_by, 0), started_by_email, client_addr, started_at, finished_at, running_since,
	elapsed_ms, note`

// BulkJob returns job id with the counts of its items, or ErrNotFound.
func (s *Store) BulkJob(ctx context.Context, id int64) (BulkJob, error) {
	var j BulkJob
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		if j, err = scanBulkJob(tx.QueryRowContext(ctx, `SELECT `+bulkJobColumns+` FROM bulk_jobs WHERE id = ?`, id)); err != nil {
			return err
		}
		return countBulkItems(ctx, tx, &j)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return BulkJob{}, ErrNotFound
	}
	if err != nil {
		return BulkJob{}, fmt.Errorf("store: bulk job %d: %w", id, err)
	}
	return j, nil
}

// BulkJobQuery selects jobs for the list.
type BulkJobQuery struct {
	// UserID, when not zero, keeps the jobs the user created or started.
	UserID int
	// States, when not empty, keeps the jobs in these states.
	States []BulkJobState
	// Limit bounds the list; at most 500.
	Limit int
}

// BulkJobs returns the jobs q selects, newest first, with their counts.
func (s *Store) BulkJobs(ctx context.Context, q BulkJobQuery) ([]BulkJob, error) {
	var w auditWhere
	if q.UserID != 0 {
		w = w.and("(created_by = ? OR started_by = ?)", q.UserID, q.UserID)
	}
	if len(q.States) > 0 {
		marks := make([]string, len(q.States))
		for i, st := range q.States {
			marks[i] = "?"
			w.args = append(w.args[:len(w.args):len(w.args)], string(st))
		}
		w.conds = append(w.conds[:len(w.conds):len(w.conds)], "state IN ("+strings.Join(marks, ", ")+")")
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	var jobs []BulkJob
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+bulkJobColumns+` FROM bulk_jobs`+w.sql()+` ORDER BY id DESC LIMIT ?`,
			append(w.args, limit)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanBulkJob(rows)
			if err != nil {
				return err
			}
			jobs = append(jobs, j)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range jobs {
			if err := countBulkItems(ctx, tx, &jobs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: bulk jobs: %w", err)
	}
	return jobs, nil
}

func scanBulkJob(row rowScanner) (BulkJob, error) {
	var (
		j                                        BulkJob
		kind, spec, state                        string
		created, started, finished, runningSince string
		elapsedMS                                int64
	)
	err := row.Scan(&j.ID, &kind, &j.Title, &spec, &state, &j.SourceJobID, &j.CreatedBy, &j.CreatedByEmail,
		&created, &j.StartedBy, &j.StartedByEmail, &j.ClientAddr, &started, &finished, &runningSince, &elapsedMS, &j.Note)
	if err != nil {
		return BulkJob{}, err
	}
	j.Kind, j.Spec, j.State = BulkJobKind(kind), []byte(spec), BulkJobState(state)
	j.Elapsed = time.Duration(elapsedMS) * time.Millisecond
	if j.CreatedAt, err = parseTime(created); err != nil {
		return BulkJob{}, err
	}
	for _, t := range []struct {
		dst *time.Time
		src string
	}{{&j.StartedAt, started}, {&j.FinishedAt, finished}, {&j.RunningSince, runningSince}} {
		if *t.dst, err = parseOptionalTime(t.src); err != nil {
			return BulkJob{}, err
		}
	}
	return j, nil
}

// countBulkItems fills the counts of j's items.
func countBulkItems(ctx context.Context, tx *sql.Tx, j *BulkJob) error {
	j.Items, j.Effects = map[BulkItemState]int{}, map[BulkEffect]int{}
	rows, err := tx.QueryContext(ctx,
		`SELECT state, effect, count(*) FROM bulk_items WHERE job_id = ? GROUP BY state, effect`, j.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var state, effect string
		var n int
		if err := rows.Scan(&state, &effect, &n); err != nil {
			return err
		}
		j.Items[BulkItemState(state)] += n
		j.Effects[BulkEffect(effect)] += n
	}
	return rows.Err()
}

// BulkItemQuery selects items of a job.
type BulkItemQuery struct {
	// States, when not empty, keeps the items in these states.
	States []BulkItemState
	// Effects, when not empty, keeps the items of these effects.
	Effects []BulkEffect
	// Limit and Offset page the items in their order; no limit when
	// Limit is zero.
	Limit, Offset int
}

const bulkItemColumns = `id, job_id, position, organization_id, organization_name, effect, plan, reviewed, input,
	request_body, source_submission_id, state, submission_id, attempts, note, updated_at`

// BulkItems returns the items of job jobID that q selects, in order.
func (s *Store) BulkItems(ctx context.Context, jobID int64, q BulkItemQuery) ([]BulkItem, error) {
	w := auditWhere{}.and("job_id = ?", jobID)
	w = inList(w, "state", q.States)
	w = inList(w, "effect", q.Effects)
	limit := int64(q.Limit)
	if limit <= 0 {
		limit = math.MaxInt64 // no limit, in terms both engines take
	}
	var items []BulkItem
	err := s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+bulkItemColumns+` FROM bulk_items`+w.sql()+
			` ORDER BY position LIMIT ? OFFSET ?`, append(w.args, limit, max(q.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanBulkItem(rows)
			if err != nil {
				return err
			}
			items = append(items, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: items of bulk job %d: %w", jobID, err)
	}
	return items, nil
}

// BulkItem returns the item of job jobID at position, or ErrNotFound.
func (s *Store) BulkItem(ctx context.Context, jobID int64, position int) (BulkItem, error) {
	it, err := scanBulkItem(s.reader.QueryRowContext(ctx,
		`SELECT `+bulkItemColumns+` FROM bulk_items WHERE job_id = ? AND position = ?`, jobID, position))
	if errors.Is(err, sql.ErrNoRows) {
		return BulkItem{}, ErrNotFound
	}
	if err != nil {
		return BulkItem{}, fmt.Errorf("store: bulk job %d item %d: %w", jobID, position, err)
	}
	return it, nil
}

// inList adds "column IN (values…)" to w when values is not empty.
func inList[T ~string](w auditWhere, column string, values []T) auditWhere {
	if len(values) == 0 {
		return w
	}
	marks := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		marks[i], args[i] = "?", string(v)
	}
	return w.and(column+" IN ("+strings.Join(marks, ", ")+")", args...)
}

func scanBulkItem(row rowScanner) (BulkItem, error) {
	var (
		it                                      BulkItem
		effect, reviewed, input, state, updated string
	)
	err := row.Scan(&it.ID, &it.JobID, &it.Position, &it.OrganizationID, &it.OrganizationName, &effect, &it.Plan,
		&reviewed, &input, &it.RequestBody, &it.SourceSubmissionID, &state, &it.SubmissionID, &it.Attempts, &it.Note, &updated)
	if err != nil {
		return BulkItem{}, err
	}
	it.Effect, it.State = BulkEffect(effect), BulkItemState(state)
	it.Reviewed, it.Input = []byte(reviewed), []byte(input)
	if it.UpdatedAt, err = parseTime(updated); err != nil {
		return BulkItem{}, err
	}
	return it, nil
}

// BulkActor is who starts a job, and from where.
type BulkActor struct {
	UserID     int
	Email      string
	ClientAddr string
}

// StartBulkJob starts job id, in review, on behalf of by.
func (s *Store) StartBulkJob(ctx context.Context, id int64, by BulkActor, at time.Time) error {
	return s.moveBulkJob(ctx, id, "start", func(tx *sql.Tx) error {
		return moveState(ctx, tx, `UPDATE bulk_jobs SET state = 'running', started_by = ?, started_by_email = ?,
			client_addr = ?, started_at = ?, running_since = ? WHERE id = ? AND state = 'review'`,
			by.UserID, by.Email, by.ClientAddr, formatTime(at), formatTime(at), id)
	})
}

// PauseBulkJob pauses running job id, with a note saying why when the
// runner pauses it on its own ("" when a person does).
func (s *Store) PauseBulkJob(ctx context.Context, id int64, note string, at time.Time) error {
	return s.moveBulkJob(ctx, id, "pause", func(tx *sql.Tx) error {
		if err := stopClock(ctx, tx, id, at); err != nil {
			return err
		}
		return moveState(ctx, tx, `UPDATE bulk_jobs SET state = 'paused', note = ? WHERE id = ? AND state = 'running'`,
			note, id)
	})
}

// ResumeBulkJob lets paused job id run again.
func (s *Store) ResumeBulkJob(ctx context.Context, id int64, at time.Time) error {
	return s.moveBulkJob(ctx, id, "resume", func(tx *sql.Tx) error {
		return moveState(ctx, tx, `UPDATE bulk_jobs SET state = 'running', note = '', running_since = ?
			WHERE id = ? AND state = 'paused'`, formatTime(at), id)
	})
}

// CancelBulkJob cancels job id, running or paused: the items not started
// are cancelled in the same transaction, so none of them is sent after
// it. An item in flight keeps its course; the job is over once it has
// its outcome (see FinishBulkJob).
func (s *Store) CancelBulkJob(ctx context.Context, id int64, at time.Time) error {
	return s.moveBulkJob(ctx, id, "cancel", func(tx *sql.Tx) error {
		if err := stopClock(ctx, tx, id, at); err != nil {
			return err
		}
		err := moveState(ctx, tx, `UPDATE bulk_jobs SET state = 'cancelled' WHERE id = ? AND state IN ('running', 'paused')`, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bulk_items SET state = 'cancelled', updated_at = ?
			WHERE job_id = ? AND state = 'pending'`, formatTime(at), id); err != nil {
			return err
		}
		return closeIfSettled(ctx, tx, id, at)
	})
}

// stopClock adds the running time up to at to job id's elapsed time and
// stops its clock; a job whose clock is stopped is left as it is.
func stopClock(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	var since string
	var elapsed int64
	if err := tx.QueryRowContext(ctx, `SELECT running_since, elapsed_ms FROM bulk_jobs WHERE id = ?`, id).
		Scan(&since, &elapsed); err != nil {
		return err
	}
	if since == "" {
		return nil
	}
	from, err := parseTime(since)
	if err != nil {
		return err
	}
	if d := at.Sub(from); d > 0 {
		elapsed += d.Milliseconds()
	}
	_, err = tx.ExecContext(ctx, `UPDATE bulk_jobs SET elapsed_ms = ?, running_since = '' WHERE id = ?`, elapsed, id)
	return err
}

// closeIfSettled sets finished_at on job id once it is cancelled and no
// item of it is in flight.
func closeIfSettled(ctx context.Context, tx *sql.Tx, id int64, at time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE bulk_jobs SET finished_at = ? WHERE id = ? AND state = 'cancelled'
		AND finished_at = '' AND NOT EXISTS (SELECT 1 FROM bulk_items WHERE job_id = ? AND state = 'sending')`,
		formatTime(at), id, id)
	return err
}

// FinishBulkJob ends job id once no item is left to send: a running job
// becomes finished, and a cancelled one gets its end time. It reports
// whether the job is over.
func (s *Store) FinishBulkJob(ctx context.Context, id int64, at time.Time) (bool, error) {
	over := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM bulk_items WHERE job_id = ? AND state IN ('pending', 'sending')`,
			id).Scan(&left); err != nil {
			return err
		}
		if left > 0 {
			return nil
		}
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT state FROM bulk_jobs WHERE id = ?`, id).Scan(&state); err != nil {
			return err
		}
		if BulkJobState(state) == BulkRunning {
			if err := stopClock(ctx, tx, id, at); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE bulk_jobs SET state = 'finished', finished_at = ?, note = ''
				WHERE id = ?`, formatTime(at), id); err != nil {
				return err
			}
		}
		if err := closeIfSettled(ctx, tx, id, at); err != nil {
			return err
		}
		over = BulkJobState(state) != BulkPaused && BulkJobState(state) != BulkReview
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: finish bulk job %d: %w", id, err)
	}
	return over, nil
}

// SetBulkJobNote sets what the job's page says of why it waits; "" for
// nothing.
func (s *Store) SetBulkJobNote(ctx context.Context, id int64, note string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE bulk_jobs SET note = ? WHERE id = ?`, note, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: note of bulk job %d: %w", id, err)
	}
	return nil
}

// moveBulkJob runs fn, a change of job id's state, in a transaction:
// ErrBulkJobState when the job is not in a state the change applies to.
func (s *Store) moveBulkJob(ctx context.Context, id int64, what string, fn func(tx *sql.Tx) error) error {
	if err := s.write(ctx, fn); err != nil {
		return fmt.Errorf("store: %s bulk job %d: %w", what, id, err)
	}
	return nil
}

// moveState runs one conditional update of a job's state: ErrBulkJobState
// unless it changed a row.
func moveState(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrBulkJobState
	}
	return nil
}

// TakeOverBulkLeases gives owner the lease of every running job, until
// until. Jobs run only where the process leads (see LeaderLease), so a
// lease held when a term of leadership begins was left by an earlier
// leader, which stopped or is stopping: the runner of the new term takes
// it over rather than wait for it to expire. (Of two processes that lead
// at once for a few seconds, the old one finds its lease gone at its next
// renewal; an organization it is sending to meanwhile is locked, and the
// new runner settles that send before it sends anything.) On SQLite one
// process uses the database, and leads from its start.
func (s *Store) TakeOverBulkLeases(ctx context.Context, owner string, until time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE bulk_jobs SET lease_owner = ?, lease_expires_at = ?
			WHERE state = 'running' AND lease_owner != ''`, owner, formatTime(until))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: take over bulk leases: %w", err)
	}
	return nil
}

// LeaseBulkJob gives owner the lease, until until, of the oldest running
// job whose lease is free, expired at now, or already owner's; ErrNotFound
// when there is none.
func (s *Store) LeaseBulkJob(ctx context.Context, owner string, now, until time.Time) (BulkJob, error) {
	var id int64
	// One statement, whose conditions are checked again on the row it
	// changes: of two stores leasing at once, one gets the job.
	err := s.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `UPDATE bulk_jobs SET lease_owner = ?, lease_expires_at = ?
			WHERE id = (SELECT id FROM bulk_jobs WHERE state = 'running'
				AND (lease_owner = '' OR lease_owner = ? OR lease_expires_at <= ?) ORDER BY id LIMIT 1)
			AND state = 'running' AND (lease_owner = '' OR lease_owner = ? OR lease_expires_at <= ?)
			RETURNING id`,
			owner, formatTime(until), owner, formatTime(now), owner, formatTime(now)).Scan(&id)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return BulkJob{}, ErrNotFound
	}
	if err != nil {
		return BulkJob{}, fmt.Errorf("store: lease a bulk job: %w", err)
	}
	return s.BulkJob(ctx, id)
}

// RenewBulkLease extends owner's lease of job id until until;
// ErrBulkLeaseLost when owner does not hold it.
func (s *Store) RenewBulkLease(ctx context.Context, id int64, owner string, until time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bulk_jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?`,
			formatTime(until), id, owner)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(err, ErrBulkLeaseLost)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: renew the lease of bulk job %d: %w", id, err)
	}
	return nil
}

// ReleaseBulkLease gives up owner's lease of job id.
func (s *Store) ReleaseBulkLease(ctx context.Context, id int64, owner string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE bulk_jobs SET lease_owner = '', lease_expires_at = ''
			WHERE id = ? AND lease_owner = ?`, id, owner)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: release the lease of bulk job %d: %w", id, err)
	}
	return nil
}

// NextBulkItem returns the item of job jobID to work on next: one left
// sending (its outcome to settle) first, then the first pending one;
// ErrNotFound when none is left.
func (s *Store) NextBulkItem(ctx context.Context, jobID int64) (BulkItem, error) {
	it, err := scanBulkItem(s.reader.QueryRowContext(ctx, `SELECT `+bulkItemColumns+` FROM bulk_items
		WHERE job_id = ? AND state IN ('sending', 'pending') ORDER BY state = 'pending', position LIMIT 1`, jobID))
	if errors.Is(err, sql.ErrNoRows) {
		return BulkItem{}, ErrNotFound
	}
	if err != nil {
		return BulkItem{}, fmt.Errorf("store: next item of bulk job %d: %w", jobID, err)
	}
	return it, nil
}

// BulkItemUpdate is a change of an item's state.
type BulkItemUpdate struct {
	State BulkItemState
	// SubmissionID, when not empty, becomes the item's submission.
	SubmissionID string
	// Note says why, for failed, stale and retried items.
	Note string
	// Attempt counts one more attempt.
	Attempt bool
}

// RecordBulkItemEvent appends e to the audit log and applies u to item
// itemID of job jobID in one transaction, so that the item's state and the
// audit log always agree. An event that opens a submission (requested or
// rejected) is recorded only while the job runs and the item is pending or
// sending: otherwise nothing is written and ErrBulkItemNotSendable is
// returned, so that a job paused or cancelled sends nothing after it.
// Other events are always recorded: they say what became of a request
// already made. A zero u.State leaves the item's state as it is.
func (s *Store) RecordBulkItemEvent(ctx context.Context, jobID, itemID int64, u BulkItemUpdate, e AuditEvent) (AuditEvent, error) {
	r, err := newAuditRow(e)
	if err != nil {
		return AuditEvent{}, fmt.Errorf("store: record bulk item event: %w", err)
	}
	opens := e.Kind == AuditRequested || e.Kind == AuditRejected
	// The event is recorded whatever the caller's context says, as every
	// audit append is.
	ctx = context.WithoutCancel(ctx)
	err = s.writeAudited(ctx, func(tx *sql.Tx) error {
		if opens {
			var ok bool
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM bulk_items AS i JOIN bulk_jobs AS j ON j.id = i.job_id
				WHERE i.id = ? AND i.job_id = ? AND j.state = 'running' AND i.state IN ('pending', 'sending'))`,
				itemID, jobID).Scan(&ok)
			if err != nil {
				return err
			}
			if !ok {
				return ErrBulkItemNotSendable
			}
		}
		if err := updateBulkItem(ctx, tx, jobID, itemID, u, e.OccurredAt); err != nil {
			return err
		}
		if err := insertAuditRows(ctx, tx, &r); err != nil {
			return err
		}
		return closeIfSettled(ctx, tx, jobID, e.OccurredAt)
	})
	if err != nil {
		return AuditEvent{}, fmt.Errorf("store: record event of bulk job %d item %d: %w", jobID, itemID, err)
	}
	return r.event()
}

// UpdateBulkItem applies u to item itemID of job jobID.
func (s *Store) UpdateBulkItem(ctx context.Context, jobID, itemID int64, u BulkItemUpdate, at time.Time) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := updateBulkItem(ctx, tx, jobID, itemID, u, at); err != nil {
			return err
		}
		return closeIfSettled(ctx, tx, jobID, at)
	})
	if err != nil {
		return fmt.Errorf("store: update bulk job %d item %d: %w", jobID, itemID, err)
	}
	return nil
}

func updateBulkItem(ctx context.Context, tx *sql.Tx, jobID, itemID int64, u BulkItemUpdate, at time.Time) error {
	if at.IsZero() {
		at = time.Now()
	}
	sets := []string{"updated_at = ?"}
	args := []any{formatTime(at)}
	if u.State != "" {
		sets, args = append(sets, "state = ?"), append(args, string(u.State))
	}
	if u.SubmissionID != "" {
		sets, args = append(sets, "submission_id = ?"), append(args, u.SubmissionID)
	}
	if u.Note != "" || u.State != "" {
		sets, args = append(sets, "note = ?"), append(args, u.Note)
	}
	if u.Attempt {
		sets = append(sets, "attempts = attempts + 1")
	}
	res, err := tx.ExecContext(ctx, `UPDATE bulk_items SET `+strings.Join(sets, ", ")+` WHERE id = ? AND job_id = ?`,
		append(args, itemID, jobID)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(err, ErrNotFound)
	}
	return nil
}

// SubmissionOutcome returns how a submission ended, as the audit log
// lists it, and the error codes of its rejection if it was rejected;
// ErrNotFound for an unknown submission.
func (s *Store) SubmissionOutcome(ctx context.Context, submissionID string) (AuditOutcome, error) {
	var outcome string
	err := s.reader.QueryRowContext(ctx, `SELECT outcome FROM audit_submissions WHERE submission_id = ?`,
		submissionID).Scan(&outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: outcome of submission %q: %w", submissionID, err)
	}
	return AuditOutcome(outcome), nil
}

// BulkJobRequestID is the request id the audit events of job id's
// submissions carry, which ties them to the job.
func BulkJobRequestID(id int64) string { return "job-" + strconv.FormatInt(id, 10) }
