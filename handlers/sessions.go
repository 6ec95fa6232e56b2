package handlers

import (
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

const sessionName = "contactdesk_session"

const (
	// sessionIdleTimeout ends a session nobody used for this long.
	sessionIdleTimeout = 30 * time.Minute
	// sessionLifetime ends every session this long after sign-in, however
	// active. It is also the cookie's MaxAge.
	sessionLifetime = 12 * time.Hour
	// sessionTouchInterval is how stale the last-seen time may get before a
	// request rewrites the cookie: refreshing it on every request would
	// send a Set-Cookie with every page for no gain.
	sessionTouchInterval = time.Minute
)

// The session values of a signed-in user.
const (
	sessionUserID  = "uid"
	sessionVersion = "ver"
	sessionCreated = "created"
	sessionSeen    = "seen"
)

// Sessions keeps per-browser state in a signed and encrypted cookie.
type Sessions struct {
	store *cookieStore
}

// NewSessions makes the session store. keyPairs are alternating
// authentication (64 bytes) and encryption (32 bytes) keys, newest first,
// so that keys can be rotated without signing everybody out.
func NewSessions(secure bool, keyPairs ...[]byte) *Sessions {
	st := sessions.NewCookieStore(keyPairs...)
	for _, codec := range st.Codecs {
		if sc, ok := codec.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(sessionSerializer{})
		}
	}
	st.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(sessionLifetime / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	// MaxAge on the store itself also bounds how old a signed cookie the
	// codecs accept, not only the cookie's lifetime in the browser.
	st.MaxAge(st.Options.MaxAge)
	return &Sessions{store: newCookieStore(st, time.Now)}
}

// sessionRefusedKey marks a request whose session cookie did not decode.
const sessionRefusedKey = "session_refused"

// session returns the request's session. A cookie that fails to decode
// (tampered, expired, signed by a retired key) yields a new, empty session,
// and the request is marked so that the refusal is logged; the request's
// registry keeps the session, so every later call gets the same one.
func (s *Sessions) session(c echo.Context) *sessions.Session {
	sess, err := s.store.Get(c.Request(), sessionName)
	if err != nil {
		c.Set(sessionRefusedKey, err)
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

// sessionIdentity is who a session cookie says is signed in, and since
// when.
type sessionIdentity struct {
	UserID  int
	Version int
	Created time.Time
	Seen    time.Time
}

// identity reads the signed-in user from the session, if any.
func (s *Sessions) identity(c echo.Context) (sessionIdentity, bool) {
	v := s.session(c).Values
	id, ok1 := v[sessionUserID].(int)
	version, ok2 := v[sessionVersion].(int)
	created, ok3 := v[sessionCreated].(int64)
	seen, ok4 := v[sessionSeen].(int64)
	if !ok1 || !ok2 || !ok3 || !ok4 || id <= 0 {
		return sessionIdentity{}, false
	}
	return sessionIdentity{UserID: id, Version: version, Created: time.Unix(created, 0), Seen: time.Unix(seen, 0)}, true
}

// Why a session stopped being accepted.
const (
	sessionEndedIdle    = "idle"
	sessionEndedExpired = "expired"
	sessionEndedRevoked = "revoked"
)

// check returns "" when the session still stands for u at now, or why it
// does not: unused for too long, too old, or revoked (the user is disabled
// or their session version moved on).
func (id sessionIdentity) check(u store.User, now time.Time) string {
	switch {
	case u.Disabled || u.SessionVersion != id.Version:
		return sessionEndedRevoked
	case now.Sub(id.Created) >= sessionLifetime || now.Before(id.Created.Add(-time.Minute)):
		return sessionEndedExpired
	case now.Sub(id.Seen) >= sessionIdleTimeout:
		return sessionEndedIdle
	}
	return ""
}

// signIn starts a fresh session for u: every earlier value goes, so no
// state set before authentication survives it.
func (s *Sessions) signIn(c echo.Context, u store.User, now time.Time) error {
	sess := s.session(c)
	clear(sess.Values)
	sess.Values[sessionUserID] = u.ID
	sess.Values[sessionVersion] = u.SessionVersion
	sess.Values[sessionCreated] = now.Unix()
	sess.Values[sessionSeen] = now.Unix()
	return sess.Save(c.Request(), c.Response())
}

// touch records activity, rewriting the cookie only when the last-seen
// time is more than sessionTouchInterval old.
func (s *Sessions) touch(c echo.Context, id sessionIdentity, now time.Time) error {
	if now.Sub(id.Seen) < sessionTouchInterval {
		return nil
	}
	sess := s.session(c)
	sess.Values[sessionSeen] = now.Unix()
	return sess.Save(c.Request(), c.Response())
}

// signOut empties the session, keeping the cookie for flash messages.
func (s *Sessions) signOut(c echo.Context) error {
	sess := s.session(c)
	clear(sess.Values)
	return sess.Save(c.Request(), c.Response())
}
