package sandbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

const cdn503 = `<!DOCTYPE html>
<html><head><title>503 Service Unavailable</title></head>
<body><h1>503 Service Unavailable</h1>
<p>The server is temporarily unable to service your request. Please try again later.</p>
<hr><p>Reference #97.3c1b2e17.1700000000.5a8f</p></body></html>
`

func TestStatusFaults(t *testing.T) {
	tests := []struct {
		name        string
		fault       Fault
		key         string
		status      int
		contentType string
		retryAfter  string
		body        string
		json        bool // compare body as JSON rather than bytes
	}{
		{name: "503 gets a CDN page", fault: Fault{Status: 503}, status: 503, contentType: "text/html; charset=utf-8", body: cdn503},
		{name: "429 gets DigiCert's error and Retry-After", fault: Fault{Status: 429, RetryAfter: "7"}, status: 429, contentType: "application/json", retryAfter: "7", body: limitExceeded, json: true},
		{name: "404 gets not_found", fault: Fault{Status: 404}, status: 404, contentType: "application/json", body: `{"errors":[{"code":"not_found","message":"Not Found."}]}`, json: true},
		{name: "403 gets access_denied", fault: Fault{Status: 403}, status: 403, contentType: "application/json", body: `{"errors":[{"code":"access_denied","message":"Forbidden."}]}`, json: true},
		{name: "409 gets bad_request", fault: Fault{Status: 409}, status: 409, contentType: "application/json", body: `{"errors":[{"code":"bad_request","message":"Conflict."}]}`, json: true},
		{name: "405 gets method_not_allowed", fault: Fault{Status: 405}, status: 405, contentType: "application/json", body: `{"errors":[{"code":"method_not_allowed","message":"Method Not Allowed."}]}`, json: true},
		{name: "a success status gets no body", fault: Fault{Status: 202}, status: 202},
		{name: "a JSON body as given", fault: Fault{Status: 400, Body: `{"errors":[{"code":"x","message":"y"}]}`}, status: 400, contentType: "application/json", body: `{"errors":[{"code":"x","message":"y"}]}`},
		{name: "a text body as given", fault: Fault{Status: 500, Body: "upstream connect error"}, status: 500, contentType: "text/plain; charset=utf-8", body: "upstream connect error"},
		{name: "played before the key is checked", fault: Fault{Status: 503}, key: "wrong", status: 503, contentType: "text/html; charset=utf-8", body: cdn503},
		{name: "after latency", fault: Fault{Status: 502, Latency: time.Millisecond, Body: "<html>bad gateway</html>"}, status: 502, contentType: "text/html; charset=utf-8", body: "<html>bad gateway</html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ts := startServer(t, Options{})
			s.InjectFault(tc.fault)
			key := tc.key
			if key == "" {
				key = testKey
			}
			res := call(t, ts, http.MethodPut, "/services/v2/organization/1001/contact", key, `{"contacts":[{"contact_type":"technical_contact"}]}`)
			if res.status != tc.status {
				t.Errorf("status: got %d, want %d", res.status, tc.status)
			}
			if got := res.header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type: got %q, want %q", got, tc.contentType)
			}
			if got := res.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After: got %q, want %q", got, tc.retryAfter)
			}
			if tc.json {
				assertJSON(t, res.body, tc.body)
			} else if string(res.body) != tc.body {
				t.Errorf("body:\n got %q\nwant %q", res.body, tc.body)
			}
			if mustOrganization(t, s, 1001).TechnicalContact == nil {
				t.Errorf("a faulted PUT removed the technical contact")
			}
			if got := call(t, ts, http.MethodGet, "/services/v2/organization/1001", testKey, ""); got.status != http.StatusOK {
				t.Errorf("the request after the fault: got status %d, want 200", got.status)
			}
		})
	}
}

func TestFaultQueue(t *testing.T) {
	s, ts := startServer(t, Options{})
	s.InjectFault(Fault{Status: 502, Count: 2})
	s.InjectFault(Fault{Status: 503})
	s.InjectFault(Fault{Latency: time.Millisecond})
	s.InjectFault(Fault{Status: 504, Count: -3})
	var got []int
	for range 6 {
		got = append(got, call(t, ts, http.MethodGet, "/services/v2/organization/1001", testKey, "").status)
	}
	want := []int{502, 502, 503, 200, 504, 200}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("statuses in order: got %v, want %v", got, want)
			break
		}
	}
	if n := len(s.Requests()); n != 6 {
		t.Errorf("recorded requests: got %d, want 6 (faulted ones included)", n)
	}
}

// freshClient opens a new connection per request, so a dropped connection
// is not hidden by the transport retrying on another.
func freshClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestDropConnection(t *testing.T) {
	s, ts := startServer(t, Options{})
	s.InjectFault(Fault{DropConnection: true})
	s.InjectFault(Fault{DropConnection: true, Latency: time.Millisecond})
	for i := range 2 {
		req, err := newRequest(context.Background(), http.MethodPut, ts.URL+"/services/v2/organization/1001/contact", testKey, `{"contacts":[{"contact_type":"technical_contact"}]}`)
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		res, err := freshClient().Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("request %d: got status %d, want the connection dropped", i, res.StatusCode)
		}
	}
	if mustOrganization(t, s, 1001).TechnicalContact == nil {
		t.Errorf("a dropped PUT removed the technical contact")
	}
	if got := callWith(t, freshClient(), ts.URL, http.MethodGet, "/services/v2/organization/1001", testKey, ""); got.status != http.StatusOK {
		t.Errorf("the request after the faults: got status %d, want 200", got.status)
	}
}

// TestLatencyAbandoned checks that a client giving up during the latency
// leaves the server free at once and the request without effect. Were the
// server to sleep the full minute, closing the test server would hang.
func TestLatencyAbandoned(t *testing.T) {
	s, ts := startServer(t, Options{})
	s.InjectFault(Fault{Latency: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, err := newRequest(ctx, http.MethodPut, ts.URL+"/services/v2/organization/1001/contact", testKey, `{"contacts":[{"contact_type":"technical_contact"}]}`)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	res, err := ts.Client().Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("got status %d, want the client to time out", res.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error: got %v, want a deadline exceeded", err)
	}
	if got := call(t, ts, http.MethodGet, "/services/v2/organization/1001", testKey, ""); got.status != http.StatusOK {
		t.Errorf("the request after: got status %d, want 200", got.status)
	}
	ts.Close()
	if mustOrganization(t, s, 1001).TechnicalContact == nil {
		t.Errorf("an abandoned PUT removed the technical contact")
	}
}

func TestLatencyThenNormalAnswer(t *testing.T) {
	s, ts := startServer(t, Options{})
	s.InjectFault(Fault{Latency: 5 * time.Millisecond})
	res := call(t, ts, http.MethodPut, "/services/v2/organization/1001/contact", testKey, `{"contacts":[{"contact_type":"technical_contact"}]}`)
	assertResponse(t, res, http.StatusNoContent, "")
	if mustOrganization(t, s, 1001).TechnicalContact != nil {
		t.Errorf("a slow but answered PUT did not remove the technical contact")
	}
}

func TestFaultMethodFilter(t *testing.T) {
	s := New(Options{APIKey: "k"})
	srv := httptest.NewServer(s)
	defer srv.Close()
	s.InjectFault(Fault{Method: http.MethodPut, Status: http.StatusServiceUnavailable})
	org := s.Organizations()[0]
	get := func() int {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/services/v2/organization/"+strconv.Itoa(org.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-DC-DEVKEY", "k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("GET with a PUT-only fault queued: %d, want 200", got)
	}
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/services/v2/organization/"+strconv.Itoa(org.ID)+"/contact", strings.NewReader(`{"contacts":[{"contact_type":"technical_contact"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-DC-DEVKEY", "k")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("PUT: %d, want the injected 503", resp.StatusCode)
	}
	if got := get(); got != http.StatusOK {
		t.Fatalf("GET after the fault was used: %d", got)
	}
}
