package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

const requestIDKey = "request_id"

// requestIDMiddleware gives every request an id of our own making (a
// client-supplied X-Request-ID is not trusted), returned in the response
// header, written on every log line and recorded in audit events.
func (s *server) requestIDMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [12]byte
		if _, err := rand.Read(b[:]); err != nil {
			return fmt.Errorf("handlers: request id: %w", err)
		}
		id := hex.EncodeToString(b[:])
		c.Set(requestIDKey, id)
		req := c.Request()
		c.SetRequest(req.WithContext(context.WithValue(req.Context(), requestIDContextKey{}, id)))
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func requestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string) // absent only outside the middleware chain
	return id
}

// requestLogger is the logger for this request: every line carries its id.
func (s *server) requestLogger(c echo.Context) *slog.Logger {
	return s.Logger.With("request_id", requestID(c))
}

// untrustedForwardedFor returns a middleware that logs one warning, at
// the first request carrying X-Forwarded-For, when no trusted proxy is
// configured: the portal then runs behind a proxy it does not believe, and
// sees the proxy's address as every client's, in the sign-in throttle, the
// audit log and the sessions. With trusted proxies it does nothing.
func (s *server) untrustedForwardedFor() echo.MiddlewareFunc {
	if len(s.TrustedProxies) > 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	var once sync.Once
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if c.Request().Header.Get(echo.HeaderXForwardedFor) != "" {
				once.Do(func() {
					s.requestLogger(c).Warn("requests carry X-Forwarded-For but CONTACTDESK_TRUSTED_PROXIES is empty: " +
						"every client is seen at the proxy's address; set CONTACTDESK_TRUSTED_PROXIES to the proxy's address or network")
				})
			}
			return next(c)
		}
	}
}

// recoverMiddleware turns a panic into a 500 page and a logged stack trace,
// so one bad request never takes the process down.
func (s *server) recoverMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.requestLogger(c).Error("panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = fmt.Errorf("handlers: panic: %v", r)
			}
		}()
		return next(c)
	}
}

// logMiddleware writes one line per request.
func (s *server) logMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		req := c.Request()
		// The request's context gives the line its request_id (LogHandler).
		s.Logger.LogAttrs(req.Context(), slog.LevelInfo, "request",
			slog.String("method", req.Method),
			slog.String("path", req.URL.Path),
			slog.String("route", c.Path()),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", time.Since(start)),
		)
		return nil
	}
}

// contentSecurityPolicy allows nothing inline and nothing from elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// signInContentSecurityPolicy is the policy of the sign-in page when it
// offers sign-in with SSO: its form's answer redirects the browser to the
// identity provider, and browsers check form-action at every redirect of
// a form's navigation. The provider may send the browser on to other
// hosts of its own (a federated login, for instance), so any https
// address is allowed, and the issuer's origin, which may be http on this
// host.
func signInContentSecurityPolicy(issuer string) string {
	sources := "'self' https:"
	if origin := publicOrigin(issuer); origin != "" && !strings.HasPrefix(origin, "https:") {
		sources += " " + origin
	}
	return strings.Replace(contentSecurityPolicy, "form-action 'self'", "form-action "+sources, 1)
}

// securityHeaders sets the headers every response carries, error pages and
// static files included.
func (s *server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		// The values are shared by every response: each is a list of one,
		// so that an Add to one of these headers copies it rather than
		// writing into another response's.
		for name, values := range s.securityHeaderValues {
			h[name] = values
		}
		return next(c)
	}
}

// newSecurityHeaders lists the headers securityHeaders sets: HSTS only
// when users reach the portal over https.
func newSecurityHeaders(secure bool) http.Header {
	h := http.Header{}
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if secure {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	for name, values := range h {
		h[name] = values[:len(values):len(values)]
	}
	return h
}

// noStore keeps pages with account data out of every cache.
func (s *server) noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// bodyLimit refuses bodies over maxBodyBytes with 413. It is made once:
// Echo runs the middleware given to Use anew for every request.
func (s *server) bodyLimit() echo.MiddlewareFunc {
	return middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: fmt.Sprintf("%dB", maxBodyBytes)})
}

// errCSRF marks a refused CSRF check, so the error page can explain it.
const errCSRF = "csrf"

// isHTMLRequest is used by the error handler to pick a plain-text answer
// for probes and tools.
func isHTMLRequest(c echo.Context) bool {
	accept := c.Request().Header.Get(echo.HeaderAccept)
	return accept == "" || strings.Contains(accept, "text/html") || strings.Contains(accept, "*/*")
}
