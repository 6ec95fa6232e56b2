package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// DraftLifetime is how long a reviewed change can still be sent or edited.
const DraftLifetime = 24 * time.Hour

// Draft is a reviewed change waiting to be sent: the input as the user
// typed it, owned by one user and one organization.
type Draft struct {
	ID             string
	OrganizationID int
	UserID         int
	// Payload is the input, encoded by the caller.
	Payload   []byte
	CreatedAt time.Time
}

// SaveDraft stores d and deletes drafts past their lifetime.
func (s *Store) SaveDraft(ctx context.Context, d Draft) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE created_at < ?`,
			formatTime(d.CreatedAt.Add(-DraftLifetime))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO drafts (id, organization_id, user_id, payload, created_at) VALUES (?, ?, ?, ?, ?)`,
			d.ID, d.OrganizationID, d.UserID, d.Payload, formatTime(d.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: save draft: %w", err)
	}
	return nil
}

// GetDraft returns the draft with id, or ErrNotFound when there is none or
// it is older than DraftLifetime at now.
func (s *Store) GetDraft(ctx context.Context, id string, now time.Time) (Draft, error) {
	var d Draft
	var created string
	err := s.reader.QueryRowContext(ctx,
		`SELECT id, organization_id, user_id, payload, created_at FROM drafts WHERE id = ? AND created_at >= ?`,
		id, formatTime(now.Add(-DraftLifetime)),
	).Scan(&d.ID, &d.OrganizationID, &d.UserID, &d.Payload, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Draft{}, ErrNotFound
	}
	if err != nil {
		return Draft{}, fmt.Errorf("store: get draft: %w", err)
	}
	if d.CreatedAt, err = parseTime(created); err != nil {
		return Draft{}, fmt.Errorf("store: get draft: %w", err)
	}
	return d, nil
}
