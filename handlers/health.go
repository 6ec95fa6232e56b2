package handlers

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process is up.
func (s *server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}

// readyz answers 200 when the database does, 503 when it does not, in
// lines a person or a script reads: ready or not, then the database's
// engine and whether it answered, and, when set, the instance's name and
// whether it leads the instances sharing the database. It says nothing
// else of the database: the endpoint needs no sign-in.
//
//	ok
//	database: PostgreSQL, reachable
//	instance: web-1
//	leader: yes
func (s *server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	err := s.Store.Ping(ctx)
	var b strings.Builder
	status := http.StatusOK
	if err != nil {
		s.requestLogger(c).Error("readiness check failed", "error", err.Error())
		status = http.StatusServiceUnavailable
		fmt.Fprintf(&b, "database not ready\ndatabase: %s, not reachable\n", s.Store.Engine())
	} else {
		fmt.Fprintf(&b, "ok\ndatabase: %s, reachable\n", s.Store.Engine())
	}
	if s.Instance != "" {
		fmt.Fprintf(&b, "instance: %s\n", s.Instance)
	}
	if s.Leading != nil {
		leader := "no"
		if s.Leading() {
			leader = "yes"
		}
		fmt.Fprintf(&b, "leader: %s\n", leader)
	}
	return c.String(status, b.String())
}
