package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// DigiCertBudget counts the requests every portal process sharing the
// database makes to DigiCert's API, so that their clients keep to the API
// key's rate limits together (digicert.SharedBudget, wired in main): one
// row per request, from its admission to a window's span after its end.
// The client decides by its rules; the store only counts, under a
// transaction-level advisory lock that every process's admissions take,
// by the server's clock, which every process shares.
//
// The rows are counting, not record: their transactions commit without
// waiting for the disk (synchronous_commit off). A crash of the server
// may forget the last few, and the windows then count a few requests
// fewer for at most their span.
type DigiCertBudget struct {
	store *Store
}

// RateQuery describes the rate windows a DigiCertBudget counts for.
type RateQuery struct {
	// Spans are the windows' lengths.
	Spans []time.Duration
	// MaxInFlight is the longest a request can be in flight: one whose
	// end was never recorded (its process died) counts as ended
	// MaxInFlight after its admission.
	MaxInFlight time.Duration
}

// RateUse is what a window counts of one class at one moment: the
// requests in flight or ended less than its span ago, and the end of the
// first of those that ended (zero when none did).
type RateUse struct {
	Counted    int
	FirstEnded time.Time
}

// budgetLockKey identifies the advisory lock of admissions: any fixed
// number, the same in every process, unlike the other locks' ("CDrate"
// in ASCII).
const budgetLockKey = 0x434472617465

// DigiCertBudget returns the budget that the processes sharing the
// database count DigiCert's requests in, or nil on SQLite, where one
// process uses the database and its client counts its own.
func (s *Store) DigiCertBudget() *DigiCertBudget {
	if s.engine != postgres {
		return nil
	}
	return &DigiCertBudget{store: s}
}

// Admit reads what each window of q counts now, asks room how long a
// request of class must wait, and when room answers zero or less records
// the request as admitted and returns its id; otherwise it returns room's
// wait. It holds the budget's lock throughout, so that two processes
// never both take the last room.
func (b *DigiCertBudget) Admit(ctx context.Context, class string, q RateQuery,
	room func(now time.Time, use []map[string]RateUse) time.Duration) (id int64, wait time.Duration, err error) {
	err = b.store.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(budgetLockKey)); err != nil {
			return err
		}
		now, use, err := rateUse(ctx, tx, q, true)
		if err != nil {
			return err
		}
		if wait = room(now, use); wait > 0 {
			return nil
		}
		return tx.QueryRowContext(ctx, `INSERT INTO digicert_requests (class, admitted_at) VALUES (?, ?) RETURNING id`,
			class, now.UnixMicro()).Scan(&id)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: admit a DigiCert request: %w", err)
	}
	return id, wait, nil
}

// End records that request id ended now.
func (b *DigiCertBudget) End(ctx context.Context, id int64) error {
	err := b.store.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE digicert_requests SET ended_at = `+serverMicros+`
			WHERE id = ? AND ended_at IS NULL`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: end DigiCert request %d: %w", id, err)
	}
	return nil
}

// Use returns what each window of q counts now, and the server's time.
func (b *DigiCertBudget) Use(ctx context.Context, q RateQuery) (now time.Time, use []map[string]RateUse, err error) {
	err = b.store.read(ctx, func(tx *sql.Tx) error {
		now, use, err = rateUse(ctx, tx, q, false)
		return err
	})
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("store: DigiCert budget: %w", err)
	}
	return now, use, nil
}

// serverMicros is the server's time now in microseconds since 1970. It is
// clock_timestamp(), not now(): the transaction's start may lie behind a
// wait for the lock.
const serverMicros = `(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`

// endedAt is when a request ended, or is taken to have ended because it
// was admitted longer than the longest flight ago (parameters: now less
// the longest flight, the longest flight); NULL while it may still be in
// flight.
const endedAt = `CASE WHEN ended_at IS NOT NULL THEN ended_at WHEN admitted_at <= ? THEN admitted_at + ? END`

// rateUse reads the server's time and what each window of q counts then;
// with prune it first deletes the rows no window counts any more.
func rateUse(ctx context.Context, tx *sql.Tx, q RateQuery, prune bool) (time.Time, []map[string]RateUse, error) {
	var micros int64
	if err := tx.QueryRowContext(ctx, `SELECT `+serverMicros).Scan(&micros); err != nil {
		return time.Time{}, nil, err
	}
	flight := q.MaxInFlight.Microseconds()
	if prune {
		var longest time.Duration
		for _, span := range q.Spans {
			longest = max(longest, span)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM digicert_requests WHERE (`+endedAt+`) <= ?`,
			micros-flight, flight, micros-longest.Microseconds()); err != nil {
			return time.Time{}, nil, err
		}
	}
	use := make([]map[string]RateUse, len(q.Spans))
	for i, span := range q.Spans {
		u, err := windowUse(ctx, tx, micros-flight, flight, micros-span.Microseconds())
		if err != nil {
			return time.Time{}, nil, err
		}
		use[i] = u
	}
	return time.UnixMicro(micros).UTC(), use, nil
}

// windowUse counts, by class, the requests that are in flight or ended
// after since.
func windowUse(ctx context.Context, tx *sql.Tx, flightStart, flight, since int64) (map[string]RateUse, error) {
	rows, err := tx.QueryContext(ctx, `SELECT class, count(*), min(ended) FROM (
			SELECT class, `+endedAt+` AS ended FROM digicert_requests) AS r
		WHERE ended IS NULL OR ended > ? GROUP BY class`, flightStart, flight, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	use := map[string]RateUse{}
	for rows.Next() {
		var (
			class string
			u     RateUse
			first sql.NullInt64
		)
		if err := rows.Scan(&class, &u.Counted, &first); err != nil {
			return nil, err
		}
		if first.Valid {
			u.FirstEnded = time.UnixMicro(first.Int64).UTC()
		}
		use[class] = u
	}
	return use, rows.Err()
}
