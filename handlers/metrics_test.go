package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/metrics"
)

func TestMetricsMiddlewareRecordsRoutesNotPaths(t *testing.T) {
	s := &server{Config: Config{Metrics: metrics.New(metrics.Options{})}}
	e := echo.New()
	e.Use(s.metricsMiddleware)
	e.GET("/organizations/:id", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.GET("/broken", func(c echo.Context) error { return echo.NewHTTPError(http.StatusBadGateway) })
	for _, path := range []string{"/organizations/12", "/organizations/13", "/broken"} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}

	rec := httptest.NewRecorder()
	s.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`contactdesk_http_requests_total{code="204",method="GET",route="/organizations/:id"} 2`,
		`contactdesk_http_requests_total{code="502",method="GET",route="/broken"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics have no %q", want)
		}
	}
	if strings.Contains(string(body), "/organizations/12") {
		t.Errorf("metrics name a raw path; want only route patterns")
	}
}

func TestMetricsMiddlewareWithoutMetrics(t *testing.T) {
	s := &server{}
	e := echo.New()
	e.Use(s.metricsMiddleware)
	e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusNoContent {
		t.Errorf("status %d, want 204", rec.Code)
	}
}
