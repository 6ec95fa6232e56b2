package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process is up.
func (s *server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz answers when the database does.
func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.Store.Ping(ctx); err != nil {
		s.requestLogger(c).Error("readiness check failed", "error", err.Error())
		return c.String(http.StatusServiceUnavailable, "database not ready\n")
	}
	return c.String(http.StatusOK, "ok\n")
}
