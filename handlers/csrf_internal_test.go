package handlers

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestCrossOriginTrustsPublicURL: behind a reverse proxy that rewrites
// Host, a browser that sends Origin but not Sec-Fetch-Site is let through
// from the public URL, and from nowhere else.
func TestCrossOriginTrustsPublicURL(t *testing.T) {
	s := &server{Config: Config{PublicURL: "https://portal.example/desk/", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	e := echo.New()
	e.Use(s.crossOriginCheck())
	e.POST("/teams", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	for _, tt := range []struct {
		origin string
		want   int
	}{
		{"https://portal.example", http.StatusNoContent},
		{"http://portal.example", http.StatusForbidden},
		{"https://evil.example", http.StatusForbidden},
	} {
		req := httptest.NewRequest(http.MethodPost, "http://10.0.0.5:8080/teams", nil)
		req.Header.Set("Origin", tt.origin)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("Origin %s: status %d, want %d", tt.origin, rec.Code, tt.want)
		}
	}
}
