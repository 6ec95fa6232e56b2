package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// TestClientDisconnectWhileWaitingOnDigiCert: a user who closes the tab
// while the portal waits for DigiCert is logged as a canceled request at
// info level, with no error logged and no error page rendered for nobody.
func TestClientDisconnectWhileWaitingOnDigiCert(t *testing.T) {
	// DigiCert is the sandbox, except that, once held, it keeps reads of
	// an organization waiting until the test ends.
	sb := sandbox.New(sandbox.Options{APIKey: "test-key"})
	var held atomic.Bool
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if held.Load() && r.Method == http.MethodGet && regexp.MustCompile(`/organization/\d+$`).MatchString(r.URL.Path) {
			select {
			case arrived <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		sb.ServeHTTP(w, r)
	}))
	t.Cleanup(upstream.Close)
	t.Cleanup(func() { close(release) })

	base, setupLink, logs := startServeWith(t, map[string]string{
		"DIGICERT_API_KEY":       "test-key",
		"DIGICERT_BASE_URL":      upstream.URL + "/services/v2",
		"CONTACTDESK_LOG_FORMAT": "json",
	})
	client := setUpFirstAdmin(t, setupLink)
	path := "/organizations/1001"

	held.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path+"?fresh=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	answered := make(chan error, 1)
	go func() {
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	select {
	case <-arrived:
	case err := <-answered:
		t.Fatalf("answered before DigiCert was asked: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the portal did not ask DigiCert")
	}
	cancel()
	if err := <-answered; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v, want context.Canceled", err)
	}

	// The request's line is written once the portal has given up on it.
	var line map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for line == nil {
		for _, rec := range jsonLines(logs.String()) {
			if rec["msg"] == "request" && rec["path"] == path {
				line = rec
			}
		}
		if line == nil {
			if time.Now().After(deadline) {
				t.Fatalf("no request line for %s; log:\n%s", path, logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if line["level"] != "INFO" || line["status"] != float64(499) {
		t.Errorf("request line %v, want level INFO and status 499 (client closed request)", line)
	}
	var canceled bool
	for _, rec := range jsonLines(logs.String()) {
		if rec["request_id"] != line["request_id"] {
			continue
		}
		switch {
		case rec["msg"] == "request canceled: the client went away" && rec["level"] == "INFO":
			canceled = true
		case rec["level"] != "INFO":
			t.Errorf("logged for the canceled request: %v", rec)
		}
	}
	if !canceled {
		t.Errorf("no line says the request was canceled; log:\n%s", logs.String())
	}
	for _, rec := range jsonLines(logs.String()) {
		if rec["level"] == "ERROR" {
			t.Errorf("error logged: %v", rec)
		}
	}
}

// jsonLines parses the log's JSON lines.
func jsonLines(log string) []map[string]any {
	var recs []map[string]any
	for l := range strings.Lines(log) {
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil {
			recs = append(recs, rec)
		}
	}
	return recs
}
