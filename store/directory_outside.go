package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// LastOutsideChange returns the newest changed_outside event of an
// organization, or ErrNotFound when the directory never found its
// contacts changed outside Contact Desk.
func (s *Store) LastOutsideChange(ctx context.Context, orgID int) (AuditEvent, error) {
	var events []AuditEvent
	err := s.read(ctx, func(tx *sql.Tx) error {
		var id string
		err := tx.QueryRowContext(ctx,
			`SELECT submission_id FROM audit_submissions
			 WHERE organization_id = ? AND outcome = ?
			 ORDER BY occurred_at DESC, id DESC LIMIT 1`, orgID, OutcomeChangedOutside).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx,
			`SELECT `+auditColumns+` FROM audit_events WHERE submission_id = ? AND kind = ? ORDER BY id`,
			id, AuditChangedOutside)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r auditRow
			if err := rows.Scan(r.pointers()...); err != nil {
				return err
			}
			e, err := r.event()
			if err != nil {
				return err
			}
			events = append(events, e)
		}
		return rows.Err()
	})
	if errors.Is(err, ErrNotFound) {
		return AuditEvent{}, ErrNotFound
	}
	if err != nil {
		return AuditEvent{}, fmt.Errorf("store: last outside change of organization %d: %w", orgID, err)
	}
	if len(events) == 0 {
		return AuditEvent{}, ErrNotFound
	}
	return events[len(events)-1], nil
}
