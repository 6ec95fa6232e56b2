package accounts

import (
	"context"
	"fmt"
	"strconv"

	"github.com/contactdesk/contactdesk/store"
)

// EndSession ends the session sessionID of the user userID. People end
// their own sessions; administrators end anyone's. The deletion and its
// security event commit together. A session that ended meanwhile, or is
// not the user's, is store.ErrNotFound.
func (s *Service) EndSession(ctx context.Context, a Actor, userID int, sessionID int64) (store.Session, error) {
	own := a.is(userID)
	if !own && !a.mayManage() {
		return store.Session{}, ErrNotAllowed
	}
	summary := func(ended store.Session) string {
		return "Ended their session on " + describeSession(ended)
	}
	if !own {
		u, err := s.store.GetUser(ctx, userID)
		if err != nil {
			return store.Session{}, fmt.Errorf("accounts: end session: %w", err)
		}
		summary = func(ended store.Session) string {
			return "Ended a session of " + describeUser(u) + " on " + describeSession(ended)
		}
	}
	ch := newChange(s, a, store.AuditSignedOut, summary)
	ended, err := s.store.EndSession(ctx, userID, sessionID, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.Session{}, fmt.Errorf("accounts: end session: %w", err)
	}
	return ended, nil
}

// EndOtherSessions ends every session of the acting user but keep, the
// one they act from, and returns how many ended.
func (s *Service) EndOtherSessions(ctx context.Context, a Actor, keep int64) (int, error) {
	if a.User == nil {
		return 0, ErrNotAllowed
	}
	ch := newChange(s, a, store.AuditSignedOut, func(n int) string {
		return "Ended their other sessions (" + CountSessions(n) + ")"
	})
	n, err := s.store.EndOtherSessions(ctx, a.User.ID, keep, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return 0, fmt.Errorf("accounts: end other sessions: %w", err)
	}
	return n, nil
}

// describeSession names a session in event summaries.
func describeSession(sess store.Session) string {
	addr := sess.ClientAddr
	if addr == "" {
		addr = "-"
	}
	return fmt.Sprintf("%s (%s, session %d)", DescribeDevice(sess.UserAgent), addr, sess.ID)
}

// EndUserSessions ends every session of the user userID, for an
// administrator or the command line, and returns the user and how many
// sessions ended.
func (s *Service) EndUserSessions(ctx context.Context, a Actor, userID int) (store.User, int, error) {
	if !a.mayManage() {
		return store.User{}, 0, ErrNotAllowed
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return store.User{}, 0, fmt.Errorf("accounts: end sessions: %w", err)
	}
	ch := newChange(s, a, store.AuditSignedOut, func(n int) string {
		return "Ended the sessions of " + describeUser(u) + " (" + strconv.Itoa(n) + ")"
	})
	n, err := s.store.EndOtherSessions(ctx, userID, 0, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return store.User{}, 0, fmt.Errorf("accounts: end sessions: %w", err)
	}
	return u, n, nil
}

// EndEverySession ends every user's sessions, for an administrator or the
// command line, and returns how many ended.
func (s *Service) EndEverySession(ctx context.Context, a Actor) (int, error) {
	if !a.mayManage() {
		return 0, ErrNotAllowed
	}
	ch := newChange(s, a, store.AuditSignedOut, func(n int) string {
		return "Ended every user's sessions (" + strconv.Itoa(n) + ")"
	})
	n, err := s.store.EndAllSessions(ctx, ch.event)
	ch.done(ctx, err)
	if err != nil {
		return 0, fmt.Errorf("accounts: end every session: %w", err)
	}
	return n, nil
}

// CountSessions writes a number of sessions: "1 session", "3 sessions".
func CountSessions(n int) string {
	if n == 1 {
		return "1 session"
	}
	return strconv.Itoa(n) + " sessions"
}
