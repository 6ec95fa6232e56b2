package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditDayCount is the number of submissions of one day (UTC) with one
// outcome.
type AuditDayCount struct {
	// Day is midnight UTC.
	Day     time.Time
	Outcome AuditOutcome
	Count   int
}

// AuditDailyCounts counts the submissions of each day from from to to
// (exclusive; both are cut to whole UTC days) by outcome, among the
// organizations allowed (nil for all). Days and outcomes without
// submissions are left out.
func (s *Store) AuditDailyCounts(ctx context.Context, from, to time.Time, allowed []int) ([]AuditDayCount, error) {
	first, end := from.UTC().Format(dayFormat), to.UTC().Format(dayFormat)
	query := `SELECT day, outcome, submissions FROM audit_daily
		WHERE day >= ? AND day < ? AND submissions > 0 ORDER BY day, outcome`
	args := []any{first, end}
	if allowed != nil {
		if len(allowed) == 0 {
			return nil, nil
		}
		// Counted from the submissions themselves: the daily totals are
		// counted for the whole log only.
		ids, err := json.Marshal(allowed)
		if err != nil {
			return nil, fmt.Errorf("store: audit daily counts: %w", err)
		}
		query = `SELECT substr(occurred_at, 1, 10) AS day, outcome, count(*) FROM audit_submissions
			WHERE organization_id IN (` + s.engine.idList() + `) AND occurred_at >= ? AND occurred_at < ?
			GROUP BY 1, 2 ORDER BY 1, 2`
		args = []any{string(ids), first, end}
	}
	rows, err := s.reader.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit daily counts: %w", err)
	}
	defer rows.Close()
	var out []AuditDayCount
	for rows.Next() {
		var (
			day, outcome string
			c            AuditDayCount
		)
		if err := rows.Scan(&day, &outcome, &c.Count); err != nil {
			return nil, fmt.Errorf("store: audit daily counts: %w", err)
		}
		if c.Day, err = time.Parse(dayFormat, day); err != nil {
			return nil, fmt.Errorf("store: audit daily counts: day %q: %w", day, err)
		}
		c.Outcome = AuditOutcome(outcome)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: audit daily counts: %w", err)
	}
	return out, nil
}

// AuditLogHead returns the id and hash of the newest event, without
// counting events or checking the chain: cheap enough for every page. In
// an intact log the id is also the number of events.
func (s *Store) AuditLogHead(ctx context.Context) (ChainHead, error) {
	row, err := s.statements.QueryRowContext(ctx, chainHeadQuery)
	if err != nil {
		return ChainHead{}, fmt.Errorf("store: audit log head: %w", err)
	}
	head, err := scanChainHead(row)
	if err != nil {
		return ChainHead{}, fmt.Errorf("store: audit log head: %w", err)
	}
	head.Count = int(head.LastID)
	return head, nil
}
