package handlers

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

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

// loadUser finds who the session cookie says is signed in and checks,
// against the database on every request, that they still may be: the
// account is enabled, its session version is the cookie's, and the session
// is neither idle too long nor too old. A session that fails is emptied,
// and the next page says why.
func (s *server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, ok := s.Sessions.identity(c)
		if err, refused := c.Get(sessionRefusedKey).(error); refused {
			s.requestLogger(c).Info("session cookie refused", "reason", err.Error())
		}
		if !ok {
			return next(c)
		}
		now := s.now()
		u, err := s.Store.GetUser(c.Request().Context(), id.UserID)
		reason := ""
		switch {
		case errors.Is(err, store.ErrNotFound):
			reason = sessionEndedRevoked
		case err != nil:
			return err
		default:
			reason = id.check(u, now)
		}
		if reason != "" {
			s.requestLogger(c).Info("session ended", "user_id", id.UserID, "reason", reason)
			if err := s.endSession(c, reason); err != nil {
				return err
			}
			return next(c)
		}
		c.Set(userKey, &u)
		if err := s.Sessions.touch(c, id, now); err != nil {
			return err
		}
		return next(c)
	}
}

// endSession empties a session that is no longer accepted and queues a
// message saying why for the sign-in page.
func (s *server) endSession(c echo.Context, reason string) error {
	if err := s.Sessions.signOut(c); err != nil {
		return err
	}
	message := "You have been signed out. Sign in again to continue."
	switch reason {
	case sessionEndedIdle:
		message = "You were signed out because you had not used Contact Desk for 30 minutes. Sign in again to continue."
	case sessionEndedExpired:
		message = "You were signed out because you signed in more than 12 hours ago. Sign in again to continue."
	}
	return s.Sessions.addFlash(c, "warning", message)
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

// rotateCSRF drops the CSRF cookie when a session starts or ends, so that
// the next page gets a fresh token and a token seen before the change (by
// someone looking over a shoulder) is useless after it. Behind https the
// cookie's __Host- prefix keeps other hosts from planting one; over plain
// http nothing can.
func (s *server) rotateCSRF(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name:     s.csrfCookieName(),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   s.Secure,
		SameSite: http.SameSiteLaxMode,
	})
}
