package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
)

// scrape reads the exposition text as Prometheus would.
func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	return string(body)
}

func TestScrapeShowsWhatWasRecorded(t *testing.T) {
	m := New(Options{Version: "1.2.3", Sandbox: true})
	done := m.RequestStarted()
	done("GET", "/organizations/:id", 200)
	m.RequestStarted()("GET", "", 404)
	m.DigiCertCall(digicert.CallResult{Method: "PUT", Status: 204, Attempts: 1, Duration: 80 * time.Millisecond})
	m.DigiCertCall(digicert.CallResult{Method: "PUT", Status: 400, Attempts: 1, Err: errors.New("invalid_email")})
	m.DigiCertRetry(1, errors.New("503"))
	m.LimiterWait(1500 * time.Millisecond)
	m.AuditEvent("requested")
	m.AuditEvent("requested")
	m.AuditEvent("responded")

	text := scrape(t, m)
	for _, want := range []string{
		`contactdesk_http_requests_total{code="200",method="GET",route="/organizations/:id"} 1`,
		`contactdesk_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`contactdesk_http_request_duration_seconds_count{method="GET",route="/organizations/:id"} 1`,
		`contactdesk_http_requests_in_flight 0`,
		`contactdesk_digicert_calls_total{method="PUT",outcome="success"} 1`,
		`contactdesk_digicert_calls_total{method="PUT",outcome="client_error"} 1`,
		`contactdesk_digicert_call_duration_seconds_count{method="PUT"} 2`,
		`contactdesk_digicert_retries_total 1`,
		`contactdesk_digicert_limiter_waits_total 1`,
		`contactdesk_digicert_limiter_wait_seconds_total 1.5`,
		`contactdesk_audit_events_total{kind="requested"} 2`,
		`contactdesk_audit_events_total{kind="responded"} 1`,
		`contactdesk_sandbox_mode 1`,
		`contactdesk_build_info{goversion="go`,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape has no line %q", want)
		}
	}
}

// TestInventedMethodsShareOneLabel: a client may send any token as a
// method; each must not become a series of its own.
func TestInventedMethodsShareOneLabel(t *testing.T) {
	m := New(Options{})
	for i := range 1000 {
		m.RequestStarted()(fmt.Sprintf("X-INVENTED-%d", i), "", 405)
	}
	m.RequestStarted()("GET", "/organizations/:id", 200)
	m.RequestStarted()("get", "/organizations/:id", 200)

	text := scrape(t, m)
	if n := strings.Count(text, "\ncontactdesk_http_requests_total{"); n != 3 {
		t.Errorf("%d request series after 1000 invented methods, want 3", n)
	}
	for _, want := range []string{
		`contactdesk_http_requests_total{code="405",method="other",route="unmatched"} 1000`,
		`contactdesk_http_requests_total{code="200",method="GET",route="/organizations/:id"} 1`,
		`contactdesk_http_requests_total{code="200",method="other",route="/organizations/:id"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape has no line %q", want)
		}
	}
	if strings.Contains(text, "INVENTED") {
		t.Error("scrape names an invented method")
	}
}

func TestSandboxModeOff(t *testing.T) {
	if text := scrape(t, New(Options{})); !strings.Contains(text, "contactdesk_sandbox_mode 0") {
		t.Errorf("scrape without sandbox mode has no %q", "contactdesk_sandbox_mode 0")
	}
}

func TestOutcome(t *testing.T) {
	tests := []struct {
		result digicert.CallResult
		want   string
	}{
		{digicert.CallResult{Status: 200}, "success"},
		{digicert.CallResult{Status: 204}, "success"},
		{digicert.CallResult{Status: 400, Err: errors.New("api")}, "client_error"},
		{digicert.CallResult{Status: 404, Err: errors.New("api")}, "client_error"},
		{digicert.CallResult{Status: 429, Err: errors.New("api")}, "rate_limited"},
		{digicert.CallResult{Status: 503, Err: errors.New("api")}, "server_error"},
		{digicert.CallResult{Status: 200, Err: errors.New("too large")}, "invalid_answer"},
		{digicert.CallResult{Err: fmt.Errorf("wait: %w", digicert.ErrThrottled)}, "throttled"},
		{digicert.CallResult{Err: &digicert.TransportError{Err: context.Canceled}}, "canceled"},
		{digicert.CallResult{Err: &digicert.TransportError{Err: context.DeadlineExceeded}}, "no_answer"},
		{digicert.CallResult{Err: &digicert.TransportError{Err: errors.New("connection refused")}}, "no_answer"},
	}
	for _, tt := range tests {
		if got := Outcome(tt.result); got != tt.want {
			t.Errorf("Outcome(status %d, %v) = %q, want %q", tt.result.Status, tt.result.Err, got, tt.want)
		}
	}
}

func TestNilMetricsDoNothing(t *testing.T) {
	var m *Metrics
	m.RequestStarted()("GET", "/", 200)
	m.DigiCertCall(digicert.CallResult{})
	m.DigiCertRetry(1, nil)
	m.LimiterWait(time.Second)
	m.AuditEvent("requested")
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil Metrics handler: status %d, want 404", rec.Code)
	}
}

func BenchmarkRequestStarted(b *testing.B) {
	m := New(Options{})
	for b.Loop() {
		m.RequestStarted()("GET", "/organizations/:id", 200)
	}
}

// TestInstanceLabelsEverySeries scrapes the metrics of an instance with a
// name, as Prometheus does each of several behind one load balancer:
// every series, the Go runtime's and the directory's included, carries
// the name, and contactdesk_leader says whether the instance leads.
func TestInstanceLabelsEverySeries(t *testing.T) {
	var leading atomic.Bool
	leading.Store(true)
	m := New(Options{Version: "1.2.3", Instance: "web-2", Leading: leading.Load})
	m.RequestStarted()("GET", "/organizations", 200)
	m.AuditEvent("requested")
	text := scrape(t, m)
	for _, want := range []string{
		`contactdesk_leader{instance_name="web-2"} 1`,
		`contactdesk_http_requests_total{code="200",instance_name="web-2",method="GET",route="/organizations"} 1`,
		`contactdesk_audit_events_total{instance_name="web-2",kind="requested"} 1`,
		`contactdesk_build_info{goversion=`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scrape lacks %s", want)
		}
	}
	series := 0
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		series++
		if !strings.Contains(line, `instance_name="web-2"`) {
			t.Errorf("series without the instance's name: %s", line)
		}
	}
	if series < 20 {
		t.Errorf("only %d series scraped", series)
	}
	leading.Store(false)
	if text := scrape(t, m); !strings.Contains(text, `contactdesk_leader{instance_name="web-2"} 0`) {
		t.Error("contactdesk_leader is not 0 once the instance no longer leads")
	}
	if text := scrape(t, New(Options{Version: "1"})); strings.Contains(text, "instance_name") || strings.Contains(text, "contactdesk_leader") {
		t.Error("an instance without a name or a lease has the label or the leader series")
	}
}
