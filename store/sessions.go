package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Sessions are kept here, one row each. The cookie that names a session
// holds a random 256-bit token that CreateSession hands out once; the
// table keeps only the token's SHA-256, so nothing in the database opens
// a session, let alone makes one. How long a session lives and when it
// counts as idle is the web layer's rule: the store keeps the times.

// Session is one session: of a signed-in user, or a pre-session (UserID
// 0) of a browser that has not signed in.
type Session struct {
	// ID names the session in pages and forms (to end it). It is not a
	// secret and opens nothing.
	ID         int64
	UserID     int
	CreatedAt  time.Time
	LastSeenAt time.Time
	// ExpiresAt is the session's absolute end.
	ExpiresAt  time.Time
	ClientAddr string
	UserAgent  string
	// CSRFToken is the token every form of the session carries.
	CSRFToken string
	// Data is the web layer's small values of the session (its flash
	// messages), opaque to the store.
	Data string
}

// NewSession is what CreateSession needs.
type NewSession struct {
	// UserID is the signed-in user, or 0 for a pre-session.
	UserID     int
	ClientAddr string
	// UserAgent is cut to MaxUserAgentLength characters.
	UserAgent string
	Data      string
	Now       time.Time
	ExpiresAt time.Time
	// Replaces, when not zero, is a session deleted in the same
	// transaction: the pre-session a sign-in replaces, so that no
	// session id survives signing in.
	Replaces int64
}

// MaxUserAgentLength bounds the user agent kept with a session.
const MaxUserAgentLength = 512

// sessionSecretBytes is the randomness of a session token and of a CSRF
// token; both travel as unpadded base64url.
const sessionSecretBytes = 32

// newSessionSecret returns a random token.
func newSessionSecret() string {
	b := make([]byte, sessionSecretBytes)
	rand.Read(b) // never fails since Go 1.24; it would crash instead
	return base64.RawURLEncoding.EncodeToString(b)
}

const sessionColumns = `id, user_id, created_at, last_seen_at, expires_at, client_addr, user_agent, csrf_token, data`

// CreateSession stores a new session and returns it with its token, the
// cookie's value, which is not kept.
func (s *Store) CreateSession(ctx context.Context, ns NewSession) (string, Session, error) {
	token := newSessionSecret()
	sess := Session{
		UserID:     ns.UserID,
		CreatedAt:  ns.Now.UTC(),
		LastSeenAt: ns.Now.UTC(),
		ExpiresAt:  ns.ExpiresAt.UTC(),
		ClientAddr: ns.ClientAddr,
		UserAgent:  truncateUserAgent(ns.UserAgent),
		CSRFToken:  newSessionSecret(),
		Data:       ns.Data,
	}
	var user sql.NullInt64
	if ns.UserID != 0 {
		user = sql.NullInt64{Int64: int64(ns.UserID), Valid: true}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if ns.Replaces != 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, ns.Replaces); err != nil {
				return err
			}
		}
		return tx.QueryRowContext(ctx,
			`INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, client_addr, user_agent, csrf_token, data)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			tokenHash(token), user, formatTime(sess.CreatedAt), formatTime(sess.LastSeenAt), formatTime(sess.ExpiresAt),
			sess.ClientAddr, sess.UserAgent, sess.CSRFToken, sess.Data).Scan(&sess.ID)
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("store: create session: %w", err)
	}
	return token, sess, nil
}

// truncateUserAgent cuts ua to MaxUserAgentLength characters, and to
// valid UTF-8.
func truncateUserAgent(ua string) string {
	if !utf8.ValidString(ua) {
		ua = string([]rune(ua))
	}
	if utf8.RuneCountInString(ua) <= MaxUserAgentLength {
		return ua
	}
	return string([]rune(ua)[:MaxUserAgentLength])
}

// SessionByToken returns the session whose token is token, or
// ErrNotFound. It returns the session whatever its times: whether it is
// still valid is the caller's rule.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	// Prepared once: every request reads its session. Outside any
	// transaction, as s.statements needs: it prepares on a connection of
	// its own.
	sessions, err := querySessions(ctx, s.statements,
		`SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, tokenHash(token))
	if err != nil {
		return Session{}, fmt.Errorf("store: session by token: %w", err)
	}
	if len(sessions) == 0 {
		return Session{}, ErrNotFound
	}
	return sessions[0], nil
}

// UserSessions returns the sessions of the user that have not reached
// their absolute end at now, the most recently seen first.
func (s *Store) UserSessions(ctx context.Context, userID int, now time.Time) ([]Session, error) {
	sessions, err := querySessions(ctx, s.reader,
		`SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? AND expires_at > ?
		 ORDER BY last_seen_at DESC, id DESC`, userID, formatTime(now))
	if err != nil {
		return nil, fmt.Errorf("store: sessions of user %d: %w", userID, err)
	}
	return sessions, nil
}

// TouchSession records that the session was used at at, from clientAddr.
func (s *Store) TouchSession(ctx context.Context, id int64, at time.Time, clientAddr string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ?, client_addr = ? WHERE id = ?`,
			formatTime(at), clientAddr, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: touch session %d: %w", id, err)
	}
	return nil
}

// SetSessionData replaces the web layer's values of the session. A
// session that has ended meanwhile is left ended.
func (s *Store) SetSessionData(ctx context.Context, id int64, data string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET data = ? WHERE id = ?`, data, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set data of session %d: %w", id, err)
	}
	return nil
}

// DeleteSession ends the session: its cookie opens nothing from now on.
// Deleting a session that is gone already is not an error.
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete session %d: %w", id, err)
	}
	return nil
}

// EndSession ends one session of the user and records it with event (see
// EventFor), made from the session as it was. It returns ErrNotFound when
// the user has no session id: it ended already, or is someone else's.
func (s *Store) EndSession(ctx context.Context, userID int, id int64, event EventFor[Session]) (Session, error) {
	var ended Session
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		sessions, err := querySessions(ctx, tx,
			`SELECT `+sessionColumns+` FROM sessions WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return err
		}
		if len(sessions) == 0 {
			return ErrNotFound
		}
		ended = sessions[0]
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, ended)
	})
	if err != nil {
		return Session{}, fmt.Errorf("store: end session %d of user %d: %w", id, userID, err)
	}
	return ended, nil
}

// EndOtherSessions ends every session of the user but keep (0 keeps
// none) and returns how many ended. When any did, it records it with event
// (see EventFor), made from that number.
func (s *Store) EndOtherSessions(ctx context.Context, userID int, keep int64, event EventFor[int]) (int, error) {
	n, err := s.endSessions(ctx, event, `user_id = ? AND id != ?`, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("store: end sessions of user %d: %w", userID, err)
	}
	return n, nil
}

// EndAllSessions ends the session of every signed-in user and returns how
// many ended. When any did, it records it with event (see EventFor), made
// from that number. Pre-sessions, which open nothing, are left.
func (s *Store) EndAllSessions(ctx context.Context, event EventFor[int]) (int, error) {
	n, err := s.endSessions(ctx, event, `user_id IS NOT NULL`)
	if err != nil {
		return 0, fmt.Errorf("store: end all sessions: %w", err)
	}
	return n, nil
}

// endSessions deletes the sessions matching where and records event when
// any were deleted.
func (s *Store) endSessions(ctx context.Context, event EventFor[int], where string, args ...any) (int, error) {
	var n int
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE `+where, args...)
		if err != nil {
			return err
		}
		deleted, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n = int(deleted); n == 0 {
			return nil
		}
		return recordChange(ctx, tx, event, n)
	})
	return n, err
}

// PurgeSessions deletes the sessions whose absolute end is at or before
// now, and returns how many it deleted.
func (s *Store) PurgeSessions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, formatTime(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge sessions: %w", err)
	}
	return int(n), nil
}

// deleteUserSessions ends every session of the user within tx: the
// user's access changed.
func deleteUserSessions(ctx context.Context, tx *sql.Tx, userID int) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

func querySessions(ctx context.Context, q queryer, query string, args ...any) ([]Session, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sessions []Session
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		sessions = append(sessions, sess)
	}
	return sessions, rows.Err()
}

func scanSession(rows *sql.Rows) (Session, error) {
	var (
		sess                   Session
		user                   sql.NullInt64
		created, seen, expires string
	)
	if err := rows.Scan(&sess.ID, &user, &created, &seen, &expires, &sess.ClientAddr, &sess.UserAgent,
		&sess.CSRFToken, &sess.Data); err != nil {
		return Session{}, err
	}
	sess.UserID = int(user.Int64)
	var errs [3]error
	sess.CreatedAt, errs[0] = parseTime(created)
	sess.LastSeenAt, errs[1] = parseTime(seen)
	sess.ExpiresAt, errs[2] = parseTime(expires)
	if err := errors.Join(errs[:]...); err != nil {
		return Session{}, err
	}
	return sess, nil
}
