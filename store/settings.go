package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GetSetting returns the value stored under key, or ErrNotFound.
func (s *Store) GetSetting(ctx context.Context, key string) ([]byte, error) {
	var value []byte
	err := s.reader.QueryRowContext(ctx,
		`SELECT value FROM settings WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: get setting %q: %w", key, err)
	}
	return value, nil
}

// SetSetting stores value under key, replacing any previous value.
func (s *Store) SetSetting(ctx context.Context, key string, value []byte) error {
	if value == nil {
		// The column is NOT NULL; an empty value is still a value.
		value = []byte{}
	}
	_, err := s.writer.ExecContext(ctx,
		`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		key, value, formatTime(time.Now()))
	if err != nil {
		return fmt.Errorf("store: set setting %q: %w", key, err)
	}
	return nil
}

// EnsureSecret returns the secret stored under key. The first call generates
// size random bytes and stores them; later calls, from this process or
// another one sharing the file, return the stored bytes unchanged, even if
// size differs.
func (s *Store) EnsureSecret(ctx context.Context, key string, size int) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("store: ensure secret %q: size %d must be positive", key, size)
	}
	fresh := make([]byte, size)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("store: ensure secret %q: %w", key, err)
	}
	secret, err := s.insertSecret(ctx, key, fresh)
	if err != nil {
		return nil, fmt.Errorf("store: ensure secret %q: %w", key, err)
	}
	return secret, nil
}

// insertSecret stores fresh under key unless a value is already there, and
// returns whichever value is stored. Both steps share one write transaction,
// so two callers racing always come back with the same bytes.
func (s *Store) insertSecret(ctx context.Context, key string, fresh []byte) ([]byte, error) {
	var secret []byte
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT OR IGNORE INTO settings (key, value, updated_at) VALUES (?, ?, ?)`,
			key, fresh, formatTime(time.Now()))
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&secret)
	})
	return secret, err
}
