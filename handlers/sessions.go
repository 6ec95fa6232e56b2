package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/handlers/session"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// sessionName names the session cookie: __Host- prefixed behind https.
const sessionName = "contactdesk_session"

// Sessions gives handlers the request's session, kept on the server (see
// package session).
type Sessions struct {
	store *session.Store
}

func newSessions(st *store.Store, secure bool, clock func() time.Time, clientAddr func(*http.Request) string) *Sessions {
	return &Sessions{store: session.NewStore(st, session.Options{Secure: secure, Clock: clock, ClientAddr: clientAddr})}
}

// session returns the request's session, and why the session its cookie
// named ended when it did. The session is read once per request.
func (s *Sessions) session(c echo.Context) (*sessions.Session, *session.EndedError, error) {
	sess, err := s.store.Get(c.Request(), sessionName)
	var ended *session.EndedError
	if errors.As(err, &ended) {
		return sess, ended, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return sess, nil, nil
}

// save stores the request's session.
func (s *Sessions) save(c echo.Context, sess *sessions.Session) error {
	return sess.Save(c.Request(), c.Response())
}

// userID returns the signed-in user of the request's session, or 0.
func (s *Sessions) userID(c echo.Context) (int, error) {
	sess, _, err := s.session(c)
	if err != nil {
		return 0, err
	}
	return session.UserID(sess), nil
}

// currentID returns the id of the request's stored session, or 0.
func (s *Sessions) currentID(c echo.Context) (int64, error) {
	sess, _, err := s.session(c)
	if err != nil {
		return 0, err
	}
	return session.ID(sess), nil
}

// csrfToken returns the token of the request's session, or "" while the
// request has no stored session.
func (s *Sessions) csrfToken(c echo.Context) (string, error) {
	sess, _, err := s.session(c)
	if err != nil {
		return "", err
	}
	return session.CSRFToken(sess), nil
}

// ensure stores the request's session if it is not stored yet: a
// pre-session, for a page whose forms need a CSRF token.
func (s *Sessions) ensure(c echo.Context) error {
	sess, _, err := s.session(c)
	if err != nil {
		return err
	}
	if session.ID(sess) != 0 {
		return nil
	}
	return s.save(c, sess)
}

// addFlash queues a message for the next page, storing a pre-session
// when the request has no session.
func (s *Sessions) addFlash(c echo.Context, kind, message string) error {
	return s.queueFlash(c, session.Flash{Kind: kind, Message: message})
}

// addLinkFlash queues a success message about a one-time link, which the
// next page shows in a field of its own.
func (s *Sessions) addLinkFlash(c echo.Context, message, link string) error {
	return s.queueFlash(c, session.Flash{Kind: "success", Message: message, Link: link})
}

func (s *Sessions) queueFlash(c echo.Context, f session.Flash) error {
	sess, _, err := s.session(c)
	if err != nil {
		return err
	}
	sess.AddFlash(f)
	return s.save(c, sess)
}

// popFlash takes the newest queued message, if any, and drops the others.
func (s *Sessions) popFlash(c echo.Context) (*views.Flash, error) {
	sess, _, err := s.session(c)
	if err != nil {
		return nil, err
	}
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return nil, nil
	}
	if err := s.save(c, sess); err != nil {
		return nil, err
	}
	f, ok := flashes[len(flashes)-1].(session.Flash)
	if !ok {
		return nil, nil
	}
	return &views.Flash{Kind: f.Kind, Message: f.Message, Link: f.Link}, nil
}

// signIn starts a fresh session for u, in place of the request's: a new
// cookie and a new CSRF token, so nothing set before authentication
// (a planted cookie included) survives it.
func (s *Sessions) signIn(c echo.Context, u store.User) error {
	sess, _, err := s.session(c)
	if err != nil {
		return err
	}
	return s.store.Renew(c.Request(), c.Response(), sess, u.ID)
}

// signOut ends the request's session: its row is deleted, so a copy of
// the cookie is dead at once. A new pre-session takes its place, for the
// flash message the sign-in page shows next.
func (s *Sessions) signOut(c echo.Context) error {
	sess, _, err := s.session(c)
	if err != nil {
		return err
	}
	return s.store.Renew(c.Request(), c.Response(), sess, 0)
}
