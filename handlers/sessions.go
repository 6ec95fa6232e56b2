package handlers

import (
	"encoding/gob"
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/views"
)

const sessionName = "contactdesk_session"

// Sessions keeps per-browser state in a signed and encrypted cookie.
type Sessions struct {
	store *sessions.CookieStore
}

// NewSessions makes the session store. keyPairs are alternating
// authentication (64 bytes) and encryption (32 bytes) keys, newest first,
// so that keys can be rotated without signing everybody out.
func NewSessions(secure bool, keyPairs ...[]byte) *Sessions {
	gob.Register(views.Flash{})
	st := sessions.NewCookieStore(keyPairs...)
	st.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   12 * 60 * 60,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	// MaxAge on the store itself also bounds how old a signed cookie the
	// codecs accept, not only the cookie's lifetime in the browser.
	st.MaxAge(st.Options.MaxAge)
	return &Sessions{store: st}
}

// session returns the request's session; a cookie that fails to decode
// (tampered, expired, signed by a retired key) yields a new, empty one.
func (s *Sessions) session(c echo.Context) *sessions.Session {
	sess, err := s.store.Get(c.Request(), sessionName)
	if err != nil {
		sess, _ = s.store.New(c.Request(), sessionName) // New returns a usable session even with its error
	}
	return sess
}

// addFlash queues a message for the next page.
func (s *Sessions) addFlash(c echo.Context, kind, message string) error {
	sess := s.session(c)
	sess.AddFlash(views.Flash{Kind: kind, Message: message})
	return sess.Save(c.Request(), c.Response())
}

// popFlash takes the queued message, if any.
func (s *Sessions) popFlash(c echo.Context) *views.Flash {
	sess := s.session(c)
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return nil
	}
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return nil
	}
	f, ok := flashes[len(flashes)-1].(views.Flash)
	if !ok {
		return nil
	}
	return &f
}
