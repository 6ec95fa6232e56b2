package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
)

// metricsRoutes serves the Prometheus metrics to signed-in admins. A
// scraper, which has no session, reads them on the separate address set
// by CONTACTDESK_METRICS_ADDR instead.
func (s *server) metricsRoutes(g *echo.Group) {
	if s.Metrics == nil {
		return
	}
	g.GET("/metrics", echo.WrapHandler(s.Metrics.Handler()), s.requireRole(store.RoleAdmin))
}

// metricsMiddleware counts every request by method, route pattern and
// final status, and times it. c.Path() is the pattern of the route Echo's
// router matched (a group's catch-all for unknown paths below it), never
// the raw path; the metrics fold non-standard methods into one label. It
// runs outside the logging middleware,
// which turns errors into responses; an error that still reaches it is
// answered here, so that the status counted is the one sent.
func (s *server) metricsMiddleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		done := s.Metrics.RequestStarted()
		if err := next(c); err != nil {
			c.Error(err)
		}
		done(c.Request().Method, c.Path(), c.Response().Status)
		return nil
	}
}
