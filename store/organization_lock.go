package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// organizationLockConns bounds the connections that hold organizations'
// locks, one per send in flight in this process. They are a pool apart,
// so that sends waiting for a lock never keep the appends of the sends
// holding one from a connection.
const organizationLockConns = 16

// organizationLockClass is the first key of the advisory locks of
// organizations, the second being the organization's id: any fixed
// number, the same in every process ("CDor" in ASCII). Locks named by two
// keys never meet those named by one (auditLockKey, leaderLockKey).
const organizationLockClass = 0x43446f72

// LockOrganization orders the changes to one organization across every
// portal process sharing the database: it waits until no other process
// holds organization id's lock, or ctx ends, and returns the function
// that releases it (an error from it means the lock went with its
// connection). A send holds it from its fresh read of the
// organization through the record of DigiCert's answer, so that a send
// from another process reads the contacts only after the first changed
// them, and a reconciliation never settles a send still in flight.
//
// On PostgreSQL the lock is a session-level advisory lock on a connection
// held for the send: a process that dies releases its locks with its
// connections. On SQLite one process uses the database, and the contacts
// service's lock within the process is enough: LockOrganization returns
// at once.
func (s *Store) LockOrganization(ctx context.Context, id int) (unlock func() error, err error) {
	if s.organizationLocks == nil {
		return func() error { return nil }, nil
	}
	conn, err := s.organizationLocks.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: lock organization %d: %w", id, err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?::integer, ?::integer)`,
		int32(organizationLockClass), organizationLockKey(id)); err != nil {
		// Whether the lock was taken before the error is unknown: ending
		// the session releases it either way.
		return nil, errors.Join(fmt.Errorf("store: lock organization %d: %w", id, err), discardConn(conn))
	}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var released bool
		err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock(?::integer, ?::integer)`,
			int32(organizationLockClass), organizationLockKey(id)).Scan(&released)
		if err == nil && !released {
			err = errors.New("the lock was not held")
		}
		if err != nil {
			// The session ends with the connection, and the lock with it.
			return errors.Join(fmt.Errorf("store: unlock organization %d: %w", id, err), discardConn(conn))
		}
		if err := conn.Close(); err != nil {
			return fmt.Errorf("store: unlock organization %d: %w", id, err)
		}
		return nil
	}, nil
}

// organizationLockKey is the second key of organization id's lock: the id
// itself when it fits in 32 bits, as DigiCert's do, else its two halves
// folded together (two organizations sharing a lock only wait for each
// other).
func organizationLockKey(id int) int32 {
	if int(int32(id)) == id {
		return int32(id)
	}
	return int32(id) ^ int32(int64(id)>>32)
}
