package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"
)

// testKey is the API key of servers built by startServer.
const testKey = "test-key"

// startServer runs a sandbox with opts on a loopback httptest server. An
// empty opts.APIKey becomes testKey.
func startServer(t *testing.T, opts Options) (*Server, *httptest.Server) {
	t.Helper()
	if opts.APIKey == "" {
		opts.APIKey = testKey
	}
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// response is what a test request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request with the given API key ("" sends no key header)
// and body ("" sends none).
func call(t *testing.T, ts *httptest.Server, method, path, key, body string) response {
	t.Helper()
	return callWith(t, ts.Client(), ts.URL, method, path, key, body)
}

func callWith(t *testing.T, c *http.Client, base, method, path, key, body string) response {
	t.Helper()
	req, err := newRequest(context.Background(), method, base+path, key, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{status: res.StatusCode, header: res.Header, body: data}
}

func newRequest(ctx context.Context, method, url, key, body string) (*http.Request, error) {
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("X-DC-DEVKEY", key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// assertResponse checks the status and, when want is not "", that the body
// decodes to the same JSON value as want.
func assertResponse(t *testing.T, got response, wantStatus int, want string) {
	t.Helper()
	if got.status != wantStatus {
		t.Errorf("status: got %d, want %d (body %s)", got.status, wantStatus, got.body)
	}
	if want == "" {
		if len(got.body) != 0 {
			t.Errorf("body: got %q, want empty", got.body)
		}
		return
	}
	assertJSON(t, got.body, want)
}

// assertJSON checks that got and want decode to equal JSON values.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body:\n got %s\nwant %s", compact(got), compact([]byte(want)))
	}
}

func compact(data []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return string(data)
	}
	return b.String()
}

// errorsJSON renders DigiCert's error body for the given code, message
// pairs.
func errorsJSON(t *testing.T, pairs ...string) string {
	t.Helper()
	errs := make([]map[string]string, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		errs = append(errs, map[string]string{"code": pairs[i], "message": pairs[i+1]})
	}
	data, err := json.Marshal(map[string]any{"errors": errs})
	if err != nil {
		t.Fatalf("encode errors: %v", err)
	}
	return string(data)
}

// fakeClock is a settable clock, safe to read from server goroutines.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
