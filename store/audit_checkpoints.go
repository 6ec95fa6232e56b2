package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// AuditCheckpoint is a signed checkpoint of the audit tree, as kept in
// the database. The key that signed it is not kept here.
type AuditCheckpoint struct {
	// ID numbers checkpoints in the order they were signed, from 1.
	ID       int64
	TreeSize int64
	Root     tlog.Hash
	SignedAt time.Time
	// Note is the signed note, in the C2SP checkpoint format.
	Note string
}

const checkpointColumns = `id, tree_size, root_hash, signed_at, note`

// ErrCheckpointConflict is returned by AddAuditCheckpoint when a
// checkpoint of the same size with another root is kept already: the log
// was changed under one of them.
var ErrCheckpointConflict = errors.New("store: a checkpoint of this size with another root is kept already")

// AddAuditCheckpoint keeps a signed checkpoint and returns it with its id
// and added set. A log is signed once per size, whichever portal process
// signs it: when a checkpoint of the same size is kept already (another
// process signed the log at that size first), AddAuditCheckpoint keeps
// nothing and returns that one, with added false. The check and the
// insert hold the audit log's lock, so that processes signing at once
// cannot both add one.
func (s *Store) AddAuditCheckpoint(ctx context.Context, cp AuditCheckpoint) (kept AuditCheckpoint, added bool, err error) {
	err = s.writeAudited(ctx, func(tx *sql.Tx) error {
		existing, err := scanCheckpoint(tx.QueryRowContext(ctx,
			`SELECT `+checkpointColumns+` FROM audit_checkpoints WHERE tree_size = ? ORDER BY id LIMIT 1`, cp.TreeSize))
		switch {
		case err == nil && existing.Root != cp.Root:
			return fmt.Errorf("%w (checkpoint %d, %d events)", ErrCheckpointConflict, existing.ID, existing.TreeSize)
		case err == nil:
			kept = existing
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		added = true
		return tx.QueryRowContext(ctx, `INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, note)
			VALUES (?, ?, ?, ?) RETURNING id`, cp.TreeSize, hex.EncodeToString(cp.Root[:]), formatTime(cp.SignedAt), cp.Note).Scan(&cp.ID)
	})
	if err != nil {
		return AuditCheckpoint{}, false, fmt.Errorf("store: add audit checkpoint: %w", err)
	}
	if !added {
		return kept, false, nil
	}
	cp.SignedAt = cp.SignedAt.UTC()
	return cp, true, nil
}

// LatestAuditCheckpoint returns the checkpoint signed last, or
// ErrNotFound when there is none.
func (s *Store) LatestAuditCheckpoint(ctx context.Context) (AuditCheckpoint, error) {
	cp, err := scanCheckpoint(s.reader.QueryRowContext(ctx,
		`SELECT `+checkpointColumns+` FROM audit_checkpoints ORDER BY id DESC LIMIT 1`))
	if err != nil {
		return AuditCheckpoint{}, fmt.Errorf("store: latest audit checkpoint: %w", err)
	}
	return cp, nil
}

// AuditCheckpointByID returns one checkpoint, or ErrNotFound.
func (s *Store) AuditCheckpointByID(ctx context.Context, id int64) (AuditCheckpoint, error) {
	cp, err := scanCheckpoint(s.reader.QueryRowContext(ctx,
		`SELECT `+checkpointColumns+` FROM audit_checkpoints WHERE id = ?`, id))
	if err != nil {
		return AuditCheckpoint{}, fmt.Errorf("store: audit checkpoint %d: %w", id, err)
	}
	return cp, nil
}

// EachAuditCheckpoint calls fn with every checkpoint, oldest first.
func (s *Store) EachAuditCheckpoint(ctx context.Context, fn func(AuditCheckpoint) error) error {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+checkpointColumns+` FROM audit_checkpoints ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: audit checkpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		cp, err := scanCheckpoint(rows)
		if err != nil {
			return fmt.Errorf("store: audit checkpoints: %w", err)
		}
		if err := fn(cp); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: audit checkpoints: %w", err)
	}
	return nil
}

func scanCheckpoint(row rowScanner) (AuditCheckpoint, error) {
	var (
		cp       AuditCheckpoint
		root, at string
	)
	err := row.Scan(&cp.ID, &cp.TreeSize, &root, &at, &cp.Note)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditCheckpoint{}, ErrNotFound
	}
	if err != nil {
		return AuditCheckpoint{}, err
	}
	b, err := hex.DecodeString(root)
	if err != nil || len(b) != tlog.HashSize {
		return AuditCheckpoint{}, fmt.Errorf("checkpoint %d: root %q is not a hash", cp.ID, root)
	}
	cp.Root = tlog.Hash(b)
	if cp.SignedAt, err = parseTime(at); err != nil {
		return AuditCheckpoint{}, fmt.Errorf("checkpoint %d: %w", cp.ID, err)
	}
	return cp, nil
}
