// Package handlers serves Contact Desk's pages with Echo: routes,
// middleware, sessions and the central error page. Handlers hold no SQL and
// make no HTTP calls to DigiCert; they call the contacts service and, for
// plain reads, the store.
package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/metrics"
	"github.com/contactdesk/contactdesk/static"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// maxBodyBytes caps every request body. A change request is a few KiB; this
// leaves room for the JSON panel while refusing floods early.
const maxBodyBytes = 256 << 10

// auditPagesKept is how many rendered audit log pages are kept: about
// 30 KB each.
const auditPagesKept = 256

// recentHistoriesKept is how many organizations' latest submissions are
// kept: ten rows each.
const recentHistoriesKept = 4096

// organizationPagesKept is how many rendered organization pages are kept:
// about 10 KB each.
const organizationPagesKept = 1024

// Config is everything the handlers depend on, built by main.
type Config struct {
	Store    *store.Store
	Contacts *contacts.Service
	Assets   *static.Assets
	Sessions *Sessions
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
	// PublicURL is the address users reach, used in one-time links; when
	// empty the links use the address of the request.
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
	// OwnDomains are the company's email domains: the People page can
	// list the contacts outside them.
	OwnDomains []string
}

// server holds the dependencies shared by every resource's handlers.
type server struct {
	Config
	throttle *signInThrottle
	// securityHeaderValues are the headers every response carries.
	securityHeaderValues http.Header
	// auditPages keeps rendered audit log pages, and recentHistory the
	// latest submissions of organizations, until the log changes.
	auditPages    *logCache[tokenSlots]
	recentHistory *logCache[[]views.HistoryRow]
	// organizationPages keeps rendered organization pages, by read from
	// DigiCert, until the log changes; layouts.token stands in them for
	// the viewer's form token.
	organizationPages *logCache[tokenSlots]
	// layouts keeps the layout around kept content.
	layouts *layouts
}

// New builds the Echo application with every route and middleware.
func New(cfg Config) *echo.Echo {
	s := &server{
		Config:               cfg,
		throttle:             newSignInThrottle(failureWindow, throttleMaxKeys),
		auditPages:           newLogCache[tokenSlots](auditPagesKept),
		recentHistory:        newLogCache[[]views.HistoryRow](recentHistoriesKept),
		organizationPages:    newLogCache[tokenSlots](organizationPagesKept),
		securityHeaderValues: newSecurityHeaders(cfg.Secure),
		layouts:              newLayouts("form-token-" + rand.Text()),
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = clientAddrExtractor(cfg.TrustedProxies)
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
	if token, ok := c.Get(csrfContextKey).(string); ok {
		p.CSRFToken = token
	}
	if u := currentUser(c); u != nil {
		p.User = &views.User{Name: u.Name, Email: u.Email, IsAdmin: u.Role == store.RoleAdmin}
	}
	p.Flash = s.Sessions.popFlash(c)
	return p
}

// render writes a templ component as a complete HTML response. It renders
// into a buffer first so that a rendering error becomes a proper error page
// rather than half a page.
func render(c echo.Context, status int, component templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	if err := component.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	// The whole page is in hand: its length spares the client decoding
	// chunks.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// renderBuffers holds buffers pages were rendered into, so that the next
// page is written into memory already grown to a page's size.
//
// A new buffer starts at renderBufferSize, larger than the largest
// common page (the audit log's first page, about 30 KB): the pool is
// emptied by every garbage collection, and growing a buffer from nothing
// copied each page several times.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, renderBufferSize)) }}

const renderBufferSize = 64 << 10

// maxKeptRenderBuffer is the largest buffer kept for another page: an
// unusually large page's buffer is left to the garbage collector.
const maxKeptRenderBuffer = 256 << 10

func putRenderBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxKeptRenderBuffer {
		return
	}
	buf.Reset()
	renderBuffers.Put(buf)
}

// renderString renders a templ component to a string, for content kept
// and shown again.
func renderString(ctx context.Context, component templ.Component) (string, error) {
	var b strings.Builder
	if err := component.Render(ctx, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// notFound is the error for anything that does not exist or that the
// user may not know exists.
func notFound() error { return echo.NewHTTPError(http.StatusNotFound) }
