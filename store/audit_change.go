package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// EventFor makes the audit event that records a change to a user or a
// team, from the row as the change left it (a deleted team as it was).
//
// The methods that change users and teams take one and append its event in
// the change's own write transaction, so that the change and its record
// commit together or not at all: no crash and no failed append can leave a
// change to who may do what out of the log. The event is made only when
// something changes, while the write lock is held, so it must be quick and
// must not use the store. An error, or an event the log refuses, undoes the
// change. The store sets the event's id and hashes, and OccurredAt when it
// is zero.
type EventFor[T any] func(changed T) (AuditEvent, error)

// recordChange appends the event that event makes from changed within tx,
// the transaction of the change.
func recordChange[T any](ctx context.Context, tx *sql.Tx, event EventFor[T], changed T) error {
	if event == nil {
		return errors.New("audit event: none given for the change")
	}
	e, err := event(changed)
	if err != nil {
		return fmt.Errorf("audit event: %w", err)
	}
	r, err := newAuditRow(e)
	if err != nil {
		return fmt.Errorf("audit event: %w", err)
	}
	return insertAuditRows(ctx, tx, &r)
}
