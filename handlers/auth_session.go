package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/handlers/session"
	"github.com/contactdesk/contactdesk/store"
)

// userKey holds the signed-in *store.User in the request context.
const userKey = "user"

// currentUser returns the signed-in user, or nil when the request is
// anonymous.
func currentUser(c echo.Context) *store.User {
	u, _ := c.Get(userKey).(*store.User) // absent for anonymous requests
	return u
}

// sessionLoadedKey marks a request whose session loadUser read: only such
// requests show flash messages and CSRF tokens (an error page for a
// static file does not read, let alone start, a session).
const sessionLoadedKey = "session_loaded"

// loadUser reads the request's session and finds who is signed in. The
// session is checked against its row on every request (package session):
// a session that is idle too long, too old or deleted no longer opens
// anything. The user is read on every request too: a disabled or deleted
// account ends the session. When a session ended, the next page says why.
func (s *server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(sessionLoadedKey, true)
		sess, ended, err := s.Sessions.session(c)
		if err != nil {
			return err
		}
		if ended != nil {
			s.requestLogger(c).Info("session ended", "reason", string(ended.Reason))
			if err := s.Sessions.addFlash(c, "warning", sessionEndedMessage(ended.Reason)); err != nil {
				return err
			}
			return next(c)
		}
		id := session.UserID(sess)
		if id == 0 {
			return next(c)
		}
		u, err := s.Store.GetUser(c.Request().Context(), id)
		switch {
		case errors.Is(err, store.ErrNotFound), err == nil && u.Disabled:
			s.requestLogger(c).Info("session ended", "user_id", id, "reason", "account disabled or removed")
			if err := s.Sessions.signOut(c); err != nil {
				return err
			}
			if err := s.Sessions.addFlash(c, "warning", sessionEndedMessage(session.Unknown)); err != nil {
				return err
			}
			return next(c)
		case err != nil:
			return err
		}
		if p, ok := session.ProviderOf(sess); ok && s.now().Sub(p.GroupsCheckedAt) >= GroupsTTL {
			kept, err := s.recheckGroups(c, sess, u, p)
			if err != nil {
				return err
			}
			if kept == nil {
				return next(c)
			}
			u = *kept
		}
		c.Set(userKey, &u)
		return next(c)
	}
}

// sessionEndedMessage tells the user why they were signed out.
func sessionEndedMessage(reason session.Reason) string {
	switch reason {
	case session.Idle:
		return "You were signed out because you had not used Contact Desk for 30 minutes. Sign in again to continue."
	case session.Expired:
		return "You were signed out because you signed in more than 12 hours ago. Sign in again to continue."
	}
	return "You have been signed out. Sign in again to continue."
}

// requireUser sends anonymous requests to the sign-in page. A page
// request comes back to its address after sign-in; a form post does not
// (it would be lost anyway, and replaying it is not wanted).
func (s *server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		req := c.Request()
		target := signInPath
		if req.Method == http.MethodGet || req.Method == http.MethodHead {
			if back := req.URL.RequestURI(); back != "/" && isLocalPath(back) {
				target += "?" + url.Values{"next": {back}}.Encode()
			}
		}
		return c.Redirect(http.StatusSeeOther, target)
	}
}

// requireRole lets only users with one of roles through; others get 403.
func (s *server) requireRole(roles ...store.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := currentUser(c)
			if u == nil {
				return s.requireUser(next)(c)
			}
			for _, r := range roles {
				if u.Role == r {
					return next(c)
				}
			}
			s.requestLogger(c).Warn("access refused", "user_id", u.ID, "role", string(u.Role), "path", c.Request().URL.Path)
			return echo.NewHTTPError(http.StatusForbidden)
		}
	}
}
