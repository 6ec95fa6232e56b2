package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// AuditSubmissionDetail is what the audit log shows of a submission beyond
// its row in the list: what its first event recorded of the change, and
// the name of who made it.
type AuditSubmissionDetail struct {
	// ActorName is the user's name as it is now; "" when the actor is not
	// a user (a change found made outside Contact Desk, the command line)
	// or the user no longer exists.
	ActorName string
	// RequestBody, ContactsBefore and ContactsAfter are those of the
	// submission's first event (requested, rejected or changed_outside).
	RequestBody    string
	ContactsBefore json.RawMessage
	ContactsAfter  json.RawMessage
}

// AuditSubmissionDetails returns the details of the submissions whose
// first events have the given ids (AuditSubmission.ID), keyed by that id.
// Ids that name no event are left out.
func (s *Store) AuditSubmissionDetails(ctx context.Context, ids []int64) (map[int64]AuditSubmissionDetail, error) {
	out := make(map[int64]AuditSubmissionDetail, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, fmt.Errorf("store: audit submission details: %w", err)
	}
	err = s.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT e.id, coalesce(u.name, ''), e.request_body, e.contacts_before, e.contacts_after
			FROM audit_events AS e LEFT JOIN users AS u ON u.id = e.actor_id
			WHERE e.id IN (`+s.engine.idList()+`)`, string(list))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id            int64
				d             AuditSubmissionDetail
				before, after string
			)
			if err := rows.Scan(&id, &d.ActorName, &d.RequestBody, &before, &after); err != nil {
				return err
			}
			if before != "" {
				d.ContactsBefore = json.RawMessage(before)
			}
			if after != "" {
				d.ContactsAfter = json.RawMessage(after)
			}
			out[id] = d
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: audit submission details: %w", err)
	}
	return out, nil
}
