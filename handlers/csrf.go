package handlers

import (
	"crypto/subtle"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// csrfFormField is the form field that carries the session's CSRF token.
const csrfFormField = "_csrf"

// errCrossOrigin marks a request refused by crossOriginCheck, so the error
// page can explain it.
const errCrossOrigin = "cross-origin"

// isSafeMethod reports whether a request of method changes nothing: only
// these are served without a CSRF check.
func isSafeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// checkCSRF refuses with 403 every state-changing request whose form does
// not carry its session's CSRF token in the _csrf field. The token lives in
// the session's row on the server and reaches the browser only inside the
// pages' forms, so no cookie can stand in for it: a token planted by a
// sibling subdomain, or another session's, matches nothing. A request
// without a stored session has no token and is refused.
//
// It runs after loadUser, which reads the session.
func (s *server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isSafeMethod(c.Request().Method) {
			return next(c)
		}
		token, err := s.Sessions.csrfToken(c)
		if err != nil {
			return err
		}
		sent := c.Request().PostFormValue(csrfFormField)
		if token == "" || sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			reason := "form token is not the session's"
			switch {
			case token == "":
				reason = "no session"
			case sent == "":
				reason = "no form token"
			}
			s.requestLogger(c).Warn("csrf check failed", "path", c.Request().URL.Path, "reason", reason)
			return echo.NewHTTPError(http.StatusForbidden, errCSRF)
		}
		return next(c)
	}
}

// startPreSession stores a pre-session for a page of the public group
// (sign-in, setup, one-time password links), whose forms need a CSRF
// token before anyone signs in. Only pages get one: static files, health
// checks and redirects to the sign-in page start no session.
func (s *server) startPreSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodGet {
			if err := s.Sessions.ensure(c); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// crossOriginCheck refuses with 403 a state-changing request that a
// browser says comes from another origin, with Go's
// http.CrossOriginProtection (Sec-Fetch-Site, else Origin against Host).
// It is a second layer, independent of the session's CSRF token, in front
// of every route. The public URL's origin is trusted, so that a reverse
// proxy that rewrites Host does not turn browsers without Sec-Fetch-Site
// away.
func (s *server) crossOriginCheck() echo.MiddlewareFunc {
	protection := http.NewCrossOriginProtection()
	if origin := publicOrigin(s.PublicURL); origin != "" {
		if err := protection.AddTrustedOrigin(origin); err != nil {
			s.Logger.Warn("public URL not trusted as an origin", "origin", origin, "error", err.Error())
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := protection.Check(c.Request()); err != nil {
				s.requestLogger(c).Warn("cross-origin request refused", "path", c.Request().URL.Path,
					"origin", c.Request().Header.Get("Origin"), "sec_fetch_site", c.Request().Header.Get("Sec-Fetch-Site"))
				return echo.NewHTTPError(http.StatusForbidden, errCrossOrigin)
			}
			return next(c)
		}
	}
}

// publicOrigin is the scheme and host of publicURL, or "" without one.
func publicOrigin(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
