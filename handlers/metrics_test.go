package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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

// TestMetricsSeriesStayBounded: requests with invented methods and paths,
// which anybody may send without signing in, add no series beyond a fixed
// set of methods and the registered routes' patterns.
func TestMetricsSeriesStayBounded(t *testing.T) {
	s := &server{Config: Config{Metrics: metrics.New(metrics.Options{})}}
	e := echo.New()
	e.Use(s.metricsMiddleware)
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e.GET("/static/*", ok)
	// A group with middleware answers every unknown path below it, as the
	// portal's do.
	app := e.Group("", func(next echo.HandlerFunc) echo.HandlerFunc { return next })
	app.GET("/organizations/:id", ok)
	app.POST("/organizations/:id/review", ok)

	send := func(from, to int) {
		for i := from; i < to; i++ {
			n := strconv.Itoa(i)
			for _, req := range []*http.Request{
				httptest.NewRequest("INVENTED"+n, "/organizations/"+n, nil),
				httptest.NewRequest("INVENTED"+n, "/nothing/"+n, nil),
				httptest.NewRequest(http.MethodGet, "/nothing/"+n, nil),
				httptest.NewRequest(http.MethodGet, "/static/"+n+".css", nil),
				httptest.NewRequest(http.MethodPost, "/organizations/"+n, nil),
				httptest.NewRequest(http.MethodGet, "/organizations/"+n, nil),
			} {
				e.ServeHTTP(httptest.NewRecorder(), req)
			}
		}
	}
	series := func() []string {
		rec := httptest.NewRecorder()
		s.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		var lines []string
		for line := range strings.Lines(rec.Body.String()) {
			if strings.HasPrefix(line, "contactdesk_http_requests_total{") {
				lines = append(lines, line)
			}
		}
		return lines
	}

	send(0, 100)
	before := series()
	send(100, 1000)
	after := series()
	if len(after) != len(before) {
		t.Errorf("request series: %d after 600 requests, %d after 6000; want no growth; the first:\n%s",
			len(before), len(after), strings.Join(after[:min(len(after), 5)], ""))
	}
	routes := map[string]bool{metrics.UnmatchedRoute: true}
	for _, r := range e.Routes() {
		routes[r.Path] = true
	}
	methods := map[string]bool{"GET": true, "POST": true, metrics.OtherMethod: true}
	for _, line := range after {
		method, route := labelValue(line, "method"), labelValue(line, "route")
		if !methods[method] || !routes[route] {
			t.Errorf("series %q: method %q, route %q; want a standard method or %q, and a route pattern",
				strings.TrimSpace(line), method, route, metrics.OtherMethod)
		}
	}
}

// labelValue reads one label's value from a line of the exposition text.
func labelValue(line, name string) string {
	_, rest, ok := strings.Cut(line, name+`="`)
	if !ok {
		return ""
	}
	value, _, _ := strings.Cut(rest, `"`)
	return value
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
