package handlers

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"
)

const (
	csrfContextKey = "csrf"
	csrfFormField  = "_csrf"
	// csrfCookieName is the token cookie's name over plain http. Behind
	// https it carries the __Host- prefix, with which browsers accept the
	// cookie only from this host, Secure, for the whole site: a sibling
	// subdomain or a plain-http answer cannot plant a token of its own.
	csrfCookieName       = "contactdesk_csrf"
	csrfSecureCookieName = "__Host-" + csrfCookieName
	// csrfTokenBytes is a form token's randomness; it travels as
	// unpadded base64url.
	csrfTokenBytes = 32
	// csrfCookieLifetime matches the longest session, which starts with a
	// token of its own (see rotateCSRF).
	csrfCookieLifetime = sessionLifetime
)

// csrfMiddleware protects every form with a token (double-submit): each
// browser gets a random token in an HttpOnly cookie, every page's forms
// carry it in the _csrf field, and a request that is not a GET, HEAD,
// OPTIONS or TRACE must send the two equal, or is refused with 403.
// Nothing else is accepted in its place: not Sec-Fetch-Site, not Origin.
//
// The cookie is set once, when the browser has none that could be a token,
// and not again on every page: sessions start with a fresh token and last
// no longer than the cookie.
func (s *server) csrfMiddleware() echo.MiddlewareFunc {
	name := s.csrfCookieName()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			token := ""
			if ck, err := c.Cookie(name); err == nil && isCSRFToken(ck.Value) {
				token = ck.Value
			} else {
				var err error
				if token, err = newCSRFToken(); err != nil {
					return err
				}
				c.SetCookie(&http.Cookie{
					Name:     name,
					Value:    token,
					Path:     "/",
					MaxAge:   int(csrfCookieLifetime.Seconds()),
					HttpOnly: true,
					Secure:   s.Secure,
					SameSite: http.SameSiteLaxMode,
				})
			}
			c.Set(csrfContextKey, token)
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
				return next(c)
			}
			sent := c.Request().PostFormValue(csrfFormField)
			if sent == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
				reason := "form token does not match the cookie"
				if sent == "" {
					reason = "no form token"
				}
				s.requestLogger(c).Warn("csrf check failed", "path", c.Request().URL.Path, "reason", reason)
				return echo.NewHTTPError(http.StatusForbidden, errCSRF)
			}
			return next(c)
		}
	}
}

// csrfCookieName is the token cookie's name: prefixed behind https.
func (s *server) csrfCookieName() string {
	if s.Secure {
		return csrfSecureCookieName
	}
	return csrfCookieName
}

func newCSRFToken() (string, error) {
	b := make([]byte, csrfTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// isCSRFToken reports whether v has the form of a token newCSRFToken
// makes.
func isCSRFToken(v string) bool {
	if len(v) != base64.RawURLEncoding.EncodedLen(csrfTokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}
