package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/static"
)

// routes lists every route of the portal in one place.
func (s *server) routes(e *echo.Echo) {
	e.Pre(s.requestIDMiddleware)
	e.Use(s.logMiddleware, s.recoverMiddleware, s.securityHeaders, s.bodyLimit)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET(static.Prefix+"*", echo.WrapHandler(s.Assets))
	e.HEAD(static.Prefix+"*", echo.WrapHandler(s.Assets))

	app := e.Group("", s.noStore, s.csrfMiddleware())
	app.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/organizations") })

	orgs := organizationHandlers{server: s}
	orgs.routes(app)
	changes := changeHandlers{server: s}
	changes.routes(app)
}
