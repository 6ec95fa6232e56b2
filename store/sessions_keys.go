package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Session cookie keys live in settings: a current pair, generated at first
// start, and after a rotation the previous pair, which still opens cookies
// issued before the rotation until they expire.
const (
	sessionAuthKey         = "session_auth_key"
	sessionEncKey          = "session_encryption_key"
	sessionAuthKeyPrevious = "session_auth_key_previous"
	sessionEncKeyPrevious  = "session_encryption_key_previous"

	sessionAuthKeySize = 64
	sessionEncKeySize  = 32
)

// SessionKeys returns the session cookie keys as gorilla/securecookie
// takes them: alternating authentication (64 bytes) and encryption (32
// bytes) keys, the current pair first, then the previous pair if a rotation
// kept one. The current pair is generated on first use.
func (s *Store) SessionKeys(ctx context.Context) ([][]byte, error) {
	auth, err := s.EnsureSecret(ctx, sessionAuthKey, sessionAuthKeySize)
	if err != nil {
		return nil, err
	}
	enc, err := s.EnsureSecret(ctx, sessionEncKey, sessionEncKeySize)
	if err != nil {
		return nil, err
	}
	keys := [][]byte{auth, enc}
	prevAuth, authErr := s.GetSetting(ctx, sessionAuthKeyPrevious)
	prevEnc, encErr := s.GetSetting(ctx, sessionEncKeyPrevious)
	for _, err := range []error{authErr, encErr} {
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	if authErr == nil && encErr == nil {
		keys = append(keys, prevAuth, prevEnc)
	}
	return keys, nil
}

// RotateSessionKeys replaces the current session keys with fresh ones.
// With keepPrevious the old pair is kept as the previous one (replacing
// any older previous pair), so existing sessions continue until they
// expire; without it every session ends. A running server reads the keys
// at start, so a rotation applies when it restarts.
func (s *Store) RotateSessionKeys(ctx context.Context, keepPrevious bool) error {
	auth := make([]byte, sessionAuthKeySize)
	enc := make([]byte, sessionEncKeySize)
	if _, err := rand.Read(auth); err != nil {
		return fmt.Errorf("store: rotate session keys: %w", err)
	}
	if _, err := rand.Read(enc); err != nil {
		return fmt.Errorf("store: rotate session keys: %w", err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := formatTime(time.Now())
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key IN (?, ?)`,
			sessionAuthKeyPrevious, sessionEncKeyPrevious); err != nil {
			return err
		}
		if keepPrevious {
			if _, err := tx.ExecContext(ctx,
				`UPDATE settings SET key = key || '_previous', updated_at = ? WHERE key IN (?, ?)`,
				now, sessionAuthKey, sessionEncKey); err != nil {
				return err
			}
		}
		for key, value := range map[string][]byte{sessionAuthKey: auth, sessionEncKey: enc} {
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				key, value, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: rotate session keys: %w", err)
	}
	return nil
}
