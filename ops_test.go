package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMetricsAddr serves /metrics on its own address without sign-in,
// while the portal's own /metrics stays closed to anonymous requests.
func TestMetricsAddr(t *testing.T) {
	metricsAddr := "127.0.0.1:" + freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	env := envMap(map[string]string{
		"CONTACTDESK_ADDR":         "127.0.0.1:0",
		"CONTACTDESK_DB":           filepath.Join(t.TempDir(), "cd.db"),
		"CONTACTDESK_METRICS_ADDR": metricsAddr,
	})
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env, nil, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v; log:\n%s", err, stderr.String())
		}
	})

	running := regexp.MustCompile(`running at (http://\S+)`)
	var base string
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := running.FindStringSubmatch(stdout.String()); m != nil && strings.Contains(stderr.String(), "organization list refreshed") {
			base = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start and sync; stdout %q, log:\n%s", stdout.String(), stderr.String())
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped early: %v; log:\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}

	status, body := get(t, client, "http://"+metricsAddr+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics on CONTACTDESK_METRICS_ADDR: status %d, want 200", status)
	}
	for _, want := range []string{
		"contactdesk_sandbox_mode 1",
		`contactdesk_digicert_calls_total{method="GET",outcome="success"}`,
		"contactdesk_build_info{",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics have no %q", want)
		}
	}
	if status, body := get(t, client, "http://"+metricsAddr+"/debug/pprof/goroutine?debug=1"); status != http.StatusOK || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("GET /debug/pprof/goroutine on CONTACTDESK_METRICS_ADDR: status %d, body %.80q", status, body)
	}
	if status, _ := get(t, client, base+"/debug/pprof/goroutine"); status == http.StatusOK {
		t.Errorf("the portal's own address serves /debug/pprof/")
	}
	if status, body := get(t, client, "http://"+metricsAddr+"/debug/pprof/cmdline"); status == http.StatusOK {
		t.Errorf("the metrics address serves the command line, which may hold the API key: %.80q", body)
	}
	if status, _ := get(t, client, "http://"+metricsAddr+"/organizations"); status != http.StatusNotFound {
		t.Errorf("the metrics address serves /organizations: status %d, want 404", status)
	}
	if status, _ := get(t, client, base+"/metrics"); status == http.StatusOK {
		t.Errorf("the portal's /metrics answered an anonymous request with 200")
	}
}

// TestProfilesOnlyForThisHost refuses profiles to clients elsewhere.
func TestProfilesOnlyForThisHost(t *testing.T) {
	called := false
	h := loopbackOnly(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	for addr, want := range map[string]int{
		"127.0.0.1:5000":   http.StatusOK,
		"[::1]:5000":       http.StatusOK,
		"10.0.0.7:5000":    http.StatusForbidden,
		"192.0.2.1:443":    http.StatusForbidden,
		"[2001:db8::1]:80": http.StatusForbidden,
		"not an address":   http.StatusForbidden,
	} {
		called = false
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/debug/pprof/", nil)
		req.RemoteAddr = addr
		h.ServeHTTP(rec, req)
		if rec.Code != want || called != (want == http.StatusOK) {
			t.Errorf("client %s: status %d, handler called %t; want %d", addr, rec.Code, called, want)
		}
	}
}

func TestMetricsAddrIsValidated(t *testing.T) {
	env := envMap(map[string]string{
		"CONTACTDESK_DB":           filepath.Join(t.TempDir(), "cd.db"),
		"CONTACTDESK_METRICS_ADDR": "metrics.example.com:9090",
	})
	err := run(context.Background(), nil, env, nil, &lockedBuffer{}, &lockedBuffer{})
	var ce *configError
	if !errors.As(err, &ce) || ce.Variable != "CONTACTDESK_METRICS_ADDR" {
		t.Errorf("run with a host name in CONTACTDESK_METRICS_ADDR: got %v, want a configError naming it", err)
	}
}

// TestRequestLogLine checks the line written for every request: JSON, with
// the request's id as its X-Request-Id header gives it.
func TestRequestLogLine(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	env := envMap(map[string]string{
		"CONTACTDESK_ADDR":       "127.0.0.1:0",
		"CONTACTDESK_DB":         filepath.Join(t.TempDir(), "cd.db"),
		"CONTACTDESK_LOG_FORMAT": "json",
	})
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, env, nil, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve returned %v", err)
		}
	})
	running := regexp.MustCompile(`running at (http://\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	var base string
	for base == "" {
		if m := running.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("serve did not start; log:\n%s", stderr.String())
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	res, err := http.Get(base + "/login?from=test")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := res.Header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id")
	}
	var line map[string]any
	for _, l := range strings.Split(stderr.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == "request" && rec["path"] == "/login" {
			line = rec
		}
	}
	if line == nil {
		t.Fatalf("no request line for /login; log:\n%s", stderr.String())
	}
	if line["request_id"] != id || line["method"] != "GET" || line["route"] != "/login" || line["status"] != float64(http.StatusOK) {
		t.Errorf("request line %v, want request_id %s, GET, route /login, status 200", line, id)
	}
	if n := strings.Count(stderr.String(), `"request_id":"`+id+`"`); n != 1 {
		t.Errorf("request %s named on %d lines, want 1", id, n)
	}
}
