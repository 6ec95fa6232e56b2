// Package handlers serves Contact Desk's pages with Echo: routes,
// middleware, sessions and the central error page. Handlers hold no SQL and
// make no HTTP calls to DigiCert; they call the contacts service and, for
// plain reads, the store.
package handlers

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/bulk"
	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/handlers/sso"
	"github.com/contactdesk/contactdesk/metrics"
	"github.com/contactdesk/contactdesk/static"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// maxBodyBytes caps every request body. A change request is a few KiB; this
// leaves room for the JSON panel while refusing floods early.
const maxBodyBytes = 256 << 10

// Config is everything the handlers depend on, built by main.
type Config struct {
	Store    *store.Store
	Contacts *contacts.Service
	// Accounts holds the rules for users and teams and makes the
	// one-time links; required.
	Accounts *accounts.Service
	Assets   *static.Assets
	Logger   *slog.Logger
	// Sandbox shows the sandbox banner on every page.
	Sandbox bool
	// Secure is set when users reach the portal over https: Secure cookies
	// and HSTS.
	Secure  bool
	Version string
	// DigiCertBaseURL is where requests go, shown in the curl command of
	// the review page.
	DigiCertBaseURL string
	// Passwords hashes and checks passwords; required.
	Passwords *store.PasswordHasher
	// PublicURL is the address users reach; its origin is trusted by the
	// cross-origin check. One-time links are the accounts service's.
	PublicURL string
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For header is believed. When empty the client address
	// is the socket's.
	TrustedProxies []*net.IPNet
	// Clock returns the current time; nil means time.Now. Tests set it to
	// move through session timeouts and throttling windows.
	Clock func() time.Time
	// Metrics counts requests and serves /metrics to admins; nil turns
	// both off.
	Metrics *metrics.Metrics
	// Directory knows who is contact where; required.
	Directory *directory.Directory
	// Bulk plans and runs changes of many organizations; required.
	Bulk *bulk.Service
	// OwnDomains are the company's email domains: the People page can
	// list the contacts outside them.
	OwnDomains []string
	// SSO signs people in with the company's identity provider; nil
	// turns sign-in with SSO off.
	SSO *sso.Client
	// SSOButton is the name of the sign-in button of the identity
	// provider.
	SSOButton string
	// GroupsClaim names the claim the identity provider lists groups in,
	// shown on the Group mappings page.
	GroupsClaim string
	// PasswordSignIn says who may sign in with a password; "" means
	// everyone.
	PasswordSignIn PasswordSignIn

	// Checkpoints signs and checks the audit log's checkpoints; required.
	Checkpoints *auditlog.Checkpointer

	// Instance names this portal process among several sharing a
	// database, and Leading, when set, reports whether it leads them:
	// both for /readyz.
	Instance string
	Leading  func() bool
}

// PasswordSignIn says who may sign in with a password.
type PasswordSignIn string

// Who may sign in with a password: everyone, administrators only (a
// break-glass account while everyone else uses the identity provider), or
// no one.
const (
	PasswordSignInAll    PasswordSignIn = "all"
	PasswordSignInAdmins PasswordSignIn = "admins"
	PasswordSignInNone   PasswordSignIn = "none"
)

// server holds the dependencies shared by every resource's handlers.
type server struct {
	Config
	// Sessions reads and writes each request's session, kept in the
	// database.
	Sessions *Sessions
	throttle *signInThrottle
	// securityHeaderValues are the headers every response carries.
	securityHeaderValues http.Header
	// freshReads caps how often each user has DigiCert read again.
	freshReads *freshReadLimiter
}

// New builds the Echo application with every route and middleware.
func New(cfg Config) *echo.Echo {
	if cfg.PasswordSignIn == "" {
		cfg.PasswordSignIn = PasswordSignInAll
	}
	if cfg.SSOButton == "" {
		cfg.SSOButton = "Sign in with SSO"
	}
	s := &server{
		Config:               cfg,
		throttle:             newSignInThrottle(failureWindow, throttleMaxKeys),
		securityHeaderValues: newSecurityHeaders(cfg.Secure),
		freshReads:           newFreshReadLimiter(freshReadsPerMinute),
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = clientAddrExtractor(cfg.TrustedProxies)
	s.Sessions = newSessions(cfg.Store, cfg.Secure, s.now, e.IPExtractor)
	e.HTTPErrorHandler = s.handleError
	s.routes(e)
	return e
}

// page fills the layout's view model for the current request.
func (s *server) page(c echo.Context, title, nav string) views.Page {
	p := views.Page{
		Title:      title,
		Nav:        nav,
		CSSURL:     s.Assets.URL("css/app.css"),
		JSURL:      s.Assets.URL("js/app.js"),
		Sandbox:    s.Sandbox,
		RequestID:  requestID(c),
		AppVersion: s.Version,
	}
	if u := currentUser(c); u != nil {
		p.User = &views.User{Name: u.Name, Email: u.Email, IsAdmin: u.Role == store.RoleAdmin}
	}
	if loaded, _ := c.Get(sessionLoadedKey).(bool); !loaded {
		return p
	}
	// The session was read by loadUser, which returned any error reading
	// it: these read what it read.
	var err error
	if u := currentUser(c); u != nil {
		p.Jobs = s.jobNotices(c, u.ID)
	}
	if p.CSRFToken, err = s.Sessions.csrfToken(c); err != nil {
		s.requestLogger(c).Warn("no form token for the page", "error", err.Error())
	}
	if p.Flash, err = s.Sessions.popFlash(c); err != nil {
		s.requestLogger(c).Warn("flash message not shown", "error", err.Error())
	}
	return p
}

// render writes a templ component as a complete HTML response. It renders
// into a buffer first so that a rendering error becomes a proper error page
// rather than half a page.
func render(c echo.Context, status int, component templ.Component) error {
	var buf bytes.Buffer
	if err := component.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// notFound is the error for anything that does not exist or that the
// user may not know exists.
func notFound() error { return echo.NewHTTPError(http.StatusNotFound) }
