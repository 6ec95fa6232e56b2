package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// One-time tokens: the setup link that creates the first admin, and the
// links through which a user sets a password. The store hands out the
// token once and keeps only its SHA-256 hash, so a copy of the database
// does not open any link. A token is 32 random bytes, which makes a plain
// hash (rather than a slow one) enough.

// setupTokenKey is the settings entry holding the setup token's hash.
const setupTokenKey = "setup_token_hash"

// ErrSetupClosed reports that the setup link is not valid: a user exists
// already, the link was used, or the token is wrong.
var ErrSetupClosed = errors.New("store: setup link not valid")

// newToken returns a fresh token and its hash.
func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewSetupToken returns a fresh setup token when no user exists, replacing
// any earlier one, and "" when users exist (the portal is set up).
func (s *Store) NewSetupToken(ctx context.Context) (string, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", fmt.Errorf("store: new setup token: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			token = ""
			_, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, setupTokenKey)
			return err
		}
		_, err := tx.ExecContext(ctx,
			`INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			setupTokenKey, []byte(hash), formatTime(time.Now()))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: new setup token: %w", err)
	}
	return token, nil
}

// CheckSetupToken returns nil when token opens the setup page, else
// ErrSetupClosed.
func (s *Store) CheckSetupToken(ctx context.Context, token string) error {
	err := s.read(ctx, func(tx *sql.Tx) error { return checkSetupToken(ctx, tx, token) })
	if err != nil && !errors.Is(err, ErrSetupClosed) {
		return fmt.Errorf("store: check setup token: %w", err)
	}
	return err
}

func checkSetupToken(ctx context.Context, tx *sql.Tx, token string) error {
	var stored []byte
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, setupTokenKey).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrSetupClosed
	}
	if err != nil {
		return err
	}
	var users int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return err
	}
	if users > 0 || token == "" || subtle.ConstantTimeCompare(stored, []byte(tokenHash(token))) != 1 {
		return ErrSetupClosed
	}
	return nil
}

// CreateFirstAdmin creates the first user, an admin, through the setup
// link, and records the change with event (see EventFor). The token check,
// the insert, the token's removal and the event share one transaction, so
// the link works exactly once. It returns ErrSetupClosed for a bad token or
// when a user exists.
func (s *Store) CreateFirstAdmin(ctx context.Context, token string, nu NewUser, event EventFor[User]) (User, error) {
	nu.Role = RoleAdmin
	nu, err := checkNewUser(nu)
	if err != nil {
		return User{}, err
	}
	if nu.PasswordHash == "" {
		return User{}, errors.New("store: create first admin: no password hash")
	}
	var u User
	err = s.writeAudited(ctx, func(tx *sql.Tx) error {
		if err := checkSetupToken(ctx, tx, token); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, setupTokenKey); err != nil {
			return err
		}
		var err error
		if u, err = insertUser(ctx, tx, nu, time.Now()); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if errors.Is(err, ErrSetupClosed) {
		return User{}, err
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create first admin: %w", err)
	}
	return u, nil
}

// InviteUser creates a user without a password, as CreateUser does, and
// returns a one-time token, valid until expires, with which they choose
// one. The user, the token and the event that records them (see EventFor)
// share one transaction.
func (s *Store) InviteUser(ctx context.Context, nu NewUser, expires time.Time, event EventFor[User]) (User, string, error) {
	if nu.PasswordHash != "" {
		return User{}, "", errors.New("store: invite user: the user chooses their password")
	}
	nu, err := checkNewUser(nu)
	if err != nil {
		return User{}, "", err
	}
	var (
		u     User
		token string
	)
	err = s.writeAudited(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = insertUser(ctx, tx, nu, time.Now()); err != nil {
			return err
		}
		if token, err = replacePasswordToken(ctx, tx, u.ID, expires); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, "", fmt.Errorf("store: invite user: %w", err)
	}
	return u, token, nil
}

// ResetPassword removes the user's password, ends their sessions and
// returns a one-time token, valid until expires, with which they choose a
// new one. Until then nobody can sign in as the user. It records the
// change with event (see EventFor).
func (s *Store) ResetPassword(ctx context.Context, userID int, expires time.Time, event EventFor[User]) (User, string, error) {
	var (
		u     User
		token string
	)
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = updateUserTx(ctx, tx, userID, false, `password_hash = ''`); err != nil {
			return err
		}
		if token, err = replacePasswordToken(ctx, tx, userID, expires); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, "", fmt.Errorf("store: reset password of user %d: %w", userID, err)
	}
	return u, token, nil
}

func replacePasswordToken(ctx context.Context, tx *sql.Tx, userID int, expires time.Time) (string, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	// Expired tokens of every user go too: nothing else removes them.
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM password_tokens WHERE user_id = ? OR expires_at <= ?`,
		userID, formatTime(time.Now())); err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO password_tokens (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		hash, userID, formatTime(time.Now()), formatTime(expires))
	return token, err
}

// PasswordTokenUser returns the enabled user whom token lets set a
// password at now, or ErrNotFound when the token is unknown, used or
// expired.
func (s *Store) PasswordTokenUser(ctx context.Context, token string, now time.Time) (User, error) {
	var u User
	err := s.read(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = passwordTokenUser(ctx, tx, token, now)
		return err
	})
	if err != nil {
		return User{}, fmt.Errorf("store: password token: %w", err)
	}
	return u, nil
}

func passwordTokenUser(ctx context.Context, tx *sql.Tx, token string, now time.Time) (User, error) {
	return queryUser(ctx, tx,
		`WHERE disabled = FALSE AND id = (
		     SELECT user_id FROM password_tokens WHERE token_hash = ? AND expires_at > ?)`,
		tokenHash(token), formatTime(now))
}

// UsePasswordToken sets the password of the token's user to passwordHash,
// ends their sessions, removes the token and records the change with event
// (see EventFor), in one transaction, so a link works once. It returns
// ErrNotFound when the token is unknown, used or expired at now.
func (s *Store) UsePasswordToken(ctx context.Context, token string, now time.Time, passwordHash string, event EventFor[User]) (User, error) {
	if passwordHash == "" {
		return User{}, errors.New("store: use password token: empty hash")
	}
	var u User
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		owner, err := passwordTokenUser(ctx, tx, token, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM password_tokens WHERE user_id = ?`, owner.ID); err != nil {
			return err
		}
		if u, err = updateUserTx(ctx, tx, owner.ID, false, `password_hash = ?`, passwordHash); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, fmt.Errorf("store: use password token: %w", err)
	}
	return u, nil
}
