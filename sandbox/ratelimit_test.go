package sandbox

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

const limitExceeded = `{"errors":[{"code":"request_limit_exceeded","message":"Service unavailable, please limit request volume"}]}`

// TestRateLimitOverHTTP drives a 3-per-200ms window with an injected clock.
func TestRateLimitOverHTTP(t *testing.T) {
	clock := newFakeClock()
	s, ts := startServer(t, Options{Windows: []RateWindow{{Limit: 3, Per: 200 * time.Millisecond}}, Now: clock.Now})
	const (
		get    = "/services/v2/organization/1001"
		put    = "/services/v2/organization/1001/contact"
		remove = `{"contacts":[{"contact_type":"technical_contact"}]}`
	)
	steps := []struct {
		advance      time.Duration
		method, path string
		key          string
		body         string
		status       int
		wantResponse string
	}{
		{0, http.MethodGet, get, testKey, "", http.StatusOK, ""},
		{0, http.MethodGet, get, testKey, "", http.StatusOK, ""},
		{50 * time.Millisecond, http.MethodGet, get, testKey, "", http.StatusOK, ""},
		{0, http.MethodPut, put, testKey, remove, http.StatusTooManyRequests, limitExceeded},
		{0, http.MethodGet, get, "wrong", "", http.StatusForbidden, accessDenied},
		{149 * time.Millisecond, http.MethodGet, get, testKey, "", http.StatusTooManyRequests, limitExceeded},
		// 200 ms after the first two: they have left the window.
		{1 * time.Millisecond, http.MethodGet, get, testKey, "", http.StatusOK, ""},
		{0, http.MethodGet, get, testKey, "", http.StatusOK, ""},
		{0, http.MethodGet, get, testKey, "", http.StatusTooManyRequests, limitExceeded},
		// 200 ms after the third.
		{50 * time.Millisecond, http.MethodGet, get, testKey, "", http.StatusOK, ""},
	}
	for i, st := range steps {
		clock.advance(st.advance)
		res := call(t, ts, st.method, st.path, st.key, st.body)
		if res.status != st.status {
			t.Fatalf("step %d: status: got %d, want %d (body %s)", i, res.status, st.status, res.body)
		}
		if st.wantResponse != "" {
			assertJSON(t, res.body, st.wantResponse)
		}
	}
	if mustOrganization(t, s, 1001).TechnicalContact == nil {
		t.Errorf("a rate-limited PUT removed the technical contact")
	}
}

func TestLimiter(t *testing.T) {
	ms := time.Millisecond
	type attempt struct {
		at   time.Duration // since the start
		key  string
		want bool
	}
	tests := []struct {
		name     string
		windows  []RateWindow
		attempts []attempt
	}{
		{
			name:    "two windows, the stricter one decides",
			windows: []RateWindow{{Limit: 2, Per: 100 * ms}, {Limit: 3, Per: time.Second}},
			attempts: []attempt{
				{0, "k", true}, {10 * ms, "k", true}, {20 * ms, "k", false},
				{100 * ms, "k", true}, {110 * ms, "k", false}, {500 * ms, "k", false},
				{1000 * ms, "k", true},
			},
		},
		{
			name:    "keys are limited separately",
			windows: []RateWindow{{Limit: 1, Per: time.Second}},
			attempts: []attempt{
				{0, "a", true}, {0, "b", true}, {0, "a", false}, {0, "b", false}, {time.Second, "a", true},
			},
		},
		{
			name:    "refused requests do not count",
			windows: []RateWindow{{Limit: 1, Per: 100 * ms}},
			attempts: []attempt{
				{0, "k", true}, {50 * ms, "k", false}, {99 * ms, "k", false}, {100 * ms, "k", true},
			},
		},
		{
			name:    "windows with no limit or no period are ignored",
			windows: []RateWindow{{Limit: 0, Per: time.Second}, {Limit: 1, Per: 0}},
			attempts: []attempt{
				{0, "k", true}, {0, "k", true}, {0, "k", true},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(tc.windows)
			start := time.Unix(1700000000, 0)
			for i, a := range tc.attempts {
				if got := l.allow(a.key, start.Add(a.at)); got != a.want {
					t.Errorf("attempt %d (%s at %v): got %v, want %v", i, a.key, a.at, got, a.want)
				}
			}
		})
	}
}

// TestLimiterDefaults checks DigiCert's limits: 100 per 5 seconds and 1000
// per 5 minutes.
func TestLimiterDefaults(t *testing.T) {
	l := newLimiter(nil)
	start := time.Unix(1700000000, 0)
	for i := range 100 {
		if !l.allow("k", start) {
			t.Fatalf("request %d of 100 in one instant refused", i+1)
		}
	}
	if l.allow("k", start) {
		t.Errorf("request 101 within 5 seconds allowed, want refused")
	}

	l = newLimiter(nil)
	// One request every 50 ms never exceeds 100 per 5 s, so only the
	// 5-minute window can stop it, at the 1001st request.
	at := start
	for i := range 1000 {
		if !l.allow("k", at) {
			t.Fatalf("request %d at %v refused", i+1, at.Sub(start))
		}
		at = at.Add(50 * time.Millisecond)
	}
	if l.allow("k", at) {
		t.Errorf("request 1001 within 5 minutes allowed, want refused")
	}
	if !l.allow("k", start.Add(5*time.Minute+time.Millisecond)) {
		t.Errorf("request 5 minutes after the first refused, want allowed")
	}
}

func TestNoRateLimit(t *testing.T) {
	l := newLimiter([]RateWindow{})
	now := time.Unix(1700000000, 0)
	for i := range 5000 {
		if !l.allow("k", now) {
			t.Fatalf("request %d refused with rate limiting off", i+1)
		}
	}
}

func TestParseWindows(t *testing.T) {
	tests := []struct {
		in      string
		want    []RateWindow
		wantErr bool
	}{
		{"100/5s,1000/5m", []RateWindow{{100, 5 * time.Second}, {1000, 5 * time.Minute}}, false},
		{" 10/500ms ", []RateWindow{{10, 500 * time.Millisecond}}, false},
		{"", nil, true},
		{"100", nil, true},
		{"0/5s", nil, true},
		{"100/0s", nil, true},
		{"100/five", nil, true},
		{"100/5s,", nil, true},
		{"-1/5s", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseWindows(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseWindows(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParseWindows(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRateLimitedCountsRefusals(t *testing.T) {
	s := New(Options{APIKey: "k", Windows: []RateWindow{{Limit: 1, Per: time.Hour}}})
	for range 3 {
		req := httptest.NewRequest(http.MethodGet, apiPrefix+"/organization", nil)
		req.Header.Set("X-DC-DEVKEY", "k")
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	if got := s.RateLimited(); got != 2 {
		t.Errorf("RateLimited() = %d, want 2", got)
	}
}
