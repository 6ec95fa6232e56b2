package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/static"
	"github.com/contactdesk/contactdesk/store"
)

// routes lists every route of the portal in one place.
func (s *server) routes(e *echo.Echo) {
	e.Pre(s.requestIDMiddleware, s.untrustedForwardedFor())
	e.Use(s.metricsMiddleware, s.logMiddleware, s.recoverMiddleware, s.securityHeaders, s.crossOriginCheck(), s.bodyLimit())

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET(static.Prefix+"*", echo.WrapHandler(s.Assets))
	e.HEAD(static.Prefix+"*", echo.WrapHandler(s.Assets))

	// Pages reachable without signing in: sign-in, the setup link and the
	// one-time password links. Their pages start a pre-session, whose
	// token their forms carry.
	public := e.Group("", s.noStore, s.loadUser, s.startPreSession, s.checkCSRF)
	auth := authHandlers{server: s}
	auth.publicRoutes(public)
	ssoHandlers{server: s}.routes(public)
	setupHandlers{server: s}.routes(public)
	passwordLinkHandlers{server: s}.routes(public)

	// Everything else needs a signed-in user; anonymous requests, unknown
	// paths included, go to the sign-in page, and so does a form posted
	// after its session ended. Every other state-changing request carries
	// its session's CSRF token.
	app := e.Group("", s.noStore, s.loadUser, s.requireUser, s.checkCSRF)
	app.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/organizations") })
	auth.routes(app)
	accountHandlers{server: s}.routes(app)
	users := app.Group("/users", s.requireRole(store.RoleAdmin))
	userHandlers{server: s}.routes(users)
	userSessionHandlers{server: s}.routes(users)
	teamHandlers{server: s}.routes(app.Group("/teams"))
	groupMappingHandlers{server: s}.routes(app.Group("/group-mappings", s.requireRole(store.RoleAdmin)))

	orgs := organizationHandlers{server: s}
	orgs.routes(app)
	changes := changeHandlers{server: s}
	changes.routes(app)
	audit := auditHandlers{server: s}
	audit.routes(app)
	peopleHandlers{server: s}.routes(app)
	bulkHandlers{server: s}.routes(app)
	directoryHandlers{server: s}.routes(app.Group("/directory", s.requireRole(store.RoleAdmin)))
	s.metricsRoutes(app)
}
