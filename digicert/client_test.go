package digicert

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "k3y-SECRET-0123456789"

// step is how a scripted server answers one request.
type step struct {
	status int
	header map[string]string
	body   string
	// drop closes the connection without an answer.
	drop bool
	// hang waits until the client gives up.
	hang bool
}

// received is one request as a scripted server saw it.
type received struct {
	method, path, query string
	header              http.Header
	body                []byte
}

// script serves its steps in order, then 204 No Content forever.
type script struct {
	mu    sync.Mutex
	steps []step
	reqs  []received
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, received{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
	st := step{status: http.StatusNoContent}
	if len(s.steps) > 0 {
		st, s.steps = s.steps[0], s.steps[1:]
	}
	s.mu.Unlock()
	switch {
	case st.drop:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
		return
	case st.hang:
		<-r.Context().Done()
		return
	}
	for k, v := range st.header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(st.status)
	io.WriteString(w, st.body)
}

func (s *script) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.reqs...)
}

// sleepRecorder replaces the client's sleep: waits are recorded, not spent.
type sleepRecorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	r.waits = append(r.waits, d)
	r.mu.Unlock()
	return ctx.Err()
}

func (r *sleepRecorder) recorded() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.waits...)
}

// scripted starts a server answering with steps and a client for it whose
// waits are recorded instead of spent.
func scripted(t *testing.T, cfg Config, steps ...step) (*Client, *script, *sleepRecorder) {
	t.Helper()
	s := &script{steps: steps}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg.BaseURL = srv.URL + "/services/v2"
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.Windows == nil {
		cfg.Windows = []RateWindow{}
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	c.sleep = rec.sleep
	return c, s, rec
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"empty base URL", Config{APIKey: testKey}},
		{"relative base URL", Config{BaseURL: "/services/v2", APIKey: testKey}},
		{"ftp base URL", Config{BaseURL: "ftp://www.digicert.com/services/v2", APIKey: testKey}},
		{"no host", Config{BaseURL: "https:///services/v2", APIKey: testKey}},
		{"credentials in base URL", Config{BaseURL: "https://user:" + testKey + "@www.digicert.com/services/v2", APIKey: testKey}},
		{"key as query", Config{BaseURL: "https://www.digicert.com/services/v2?key=" + testKey, APIKey: testKey}},
		{"unparsable base URL", Config{BaseURL: "https://www.digicert.com/%zz" + testKey, APIKey: testKey}},
		{"empty key", Config{BaseURL: "https://www.digicert.com/services/v2"}},
		{"key with newline", Config{BaseURL: "https://www.digicert.com/services/v2", APIKey: testKey + "\r\nX-Evil: 1"}},
		{"negative timeout", Config{BaseURL: "https://www.digicert.com/services/v2", APIKey: testKey, Timeout: -time.Second}},
		{"negative attempts", Config{BaseURL: "https://www.digicert.com/services/v2", APIKey: testKey, MaxAttempts: -1}},
		{"zero window", Config{BaseURL: "https://www.digicert.com/services/v2", APIKey: testKey, Windows: []RateWindow{{Limit: 0, Per: time.Second}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New = %v, nil; want an error", c)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q contains the API key", err)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{BaseURL: "https://www.digicert.com/services/v2/", APIKey: testKey, Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"base URL", c.baseURL, "https://www.digicert.com/services/v2"},
		{"user agent", c.userAgent, "ContactDesk/1.2.3 (+https://github.com/contactdesk/contactdesk)"},
		{"timeout", c.timeout, DefaultTimeout},
		{"attempts", c.maxAttempts, DefaultMaxAttempts},
		{"budget", c.maxElapsed, DefaultMaxElapsed},
		{"backoff base", c.backoff.base, DefaultBaseBackoff},
		{"backoff cap", c.backoff.max, DefaultMaxBackoff},
		{"windows", len(c.limiter.windows), 2},
		{"page size", c.pageSize, 1000},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	off, err := New(Config{BaseURL: "http://127.0.0.1:1", APIKey: testKey, Windows: []RateWindow{}})
	if err != nil {
		t.Fatal(err)
	}
	if off.limiter != nil {
		t.Errorf("empty non-nil Windows: limiter = %v, want none", off.limiter)
	}
}

func TestRequestHeadersAndPaths(t *testing.T) {
	for _, base := range []string{"/services/v2", "/services/v2/"} {
		t.Run(base, func(t *testing.T) {
			s := &script{steps: []step{
				{status: 200, body: `{"id":12,"name":"Acme"}`},
				{status: 204},
			}}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, err := New(Config{BaseURL: srv.URL + base, APIKey: testKey, UserAgent: "Test/1", Windows: []RateWindow{}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetOrganization(context.Background(), 12); err != nil {
				t.Fatal(err)
			}
			if _, err := c.UpdateContacts(context.Background(), 12, []Contact{{ContactType: TechnicalContact}}); err != nil {
				t.Fatal(err)
			}
			reqs := s.requests()
			if len(reqs) != 2 {
				t.Fatalf("got %d requests, want 2", len(reqs))
			}
			want := []struct {
				method, path, contentType string
			}{
				{"GET", "/services/v2/organization/12", ""},
				{"PUT", "/services/v2/organization/12/contact", "application/json"},
			}
			for i, r := range reqs {
				w := want[i]
				if r.method != w.method || r.path != w.path {
					t.Errorf("request %d = %s %s, want %s %s", i, r.method, r.path, w.method, w.path)
				}
				for name, v := range map[string]string{"X-DC-DEVKEY": testKey, "Accept": "application/json", "User-Agent": "Test/1", "Content-Type": w.contentType} {
					if got := r.header.Get(name); got != v {
						t.Errorf("request %d header %s = %q, want %q", i, name, got, v)
					}
				}
			}
		})
	}
}

func TestEncodeContacts(t *testing.T) {
	tests := []struct {
		name     string
		contacts []Contact
		want     string
	}{
		{
			name: "full contact in documented order",
			contacts: []Contact{{FirstName: "John", LastName: "Doe", Email: "john.doe@example.com", JobTitle: "SRE",
				Telephone: "1234567890", TelephoneExtension: "1234", LanguageID: "1", ContactType: OrganizationContact}},
			want: `{"contacts":[{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","job_title":"SRE","telephone":"1234567890","telephone_extension":"1234","language_id":"1","contact_type":"organization_contact"}]}`,
		},
		{
			name:     "technical contact removal",
			contacts: []Contact{{ContactType: TechnicalContact}},
			want:     `{"contacts":[{"contact_type":"technical_contact"}]}`,
		},
		{
			name:     "empty fields left out, HTML kept as typed",
			contacts: []Contact{{FirstName: "<b>Zoë</b>", LastName: "O'Brien & Co", Email: "z@example.com", ContactType: OrganizationContact}},
			want:     `{"contacts":[{"first_name":"<b>Zoë</b>","last_name":"O'Brien & Co","email":"z@example.com","contact_type":"organization_contact"}]}`,
		},
		{
			name:     "duplicates sent as given",
			contacts: []Contact{{ContactType: TechnicalContact}, {ContactType: TechnicalContact}},
			want:     `{"contacts":[{"contact_type":"technical_contact"},{"contact_type":"technical_contact"}]}`,
		},
		{
			name:     "quotes and control characters escaped",
			contacts: []Contact{{FirstName: "a\"b\\c\td", ContactType: OrganizationContact}},
			want:     `{"contacts":[{"first_name":"a\"b\\c\td","contact_type":"organization_contact"}]}`,
		},
		{name: "nil", contacts: nil, want: `{"contacts":[]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EncodeContacts(tt.contacts)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("EncodeContacts =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRetries(t *testing.T) {
	unavailable := step{status: 503, body: `{"errors":[{"code":"service_unavailable","message":"Try later"}]}`}
	limited := step{status: 429, header: map[string]string{"Retry-After": "1"},
		body: `{"errors":[{"code":"request_limit_exceeded","message":"Service unavailable, please limit request volume"}]}`}
	tests := []struct {
		name         string
		steps        []step
		cfg          Config
		wantStatus   int // 0: no answer
		wantAttempts int
		wantCodes    []string
		wantWaits    []time.Duration // nil: any backoff, as many as retries
	}{
		{name: "503 then success", steps: []step{unavailable}, wantStatus: 204, wantAttempts: 2},
		{name: "429 honours Retry-After", steps: []step{limited}, wantStatus: 204, wantAttempts: 2, wantWaits: []time.Duration{time.Second}},
		{name: "Retry-After as HTTP date in the past", steps: []step{{status: 503, header: map[string]string{"Retry-After": "Mon, 01 Jan 2001 00:00:00 GMT"}}}, wantStatus: 204, wantAttempts: 2, wantWaits: []time.Duration{0}},
		{name: "502 500 504 then success", steps: []step{{status: 502}, {status: 500}, {status: 504}}, wantStatus: 204, wantAttempts: 4},
		{name: "dropped connection then success", steps: []step{{drop: true}}, wantStatus: 204, wantAttempts: 2},
		{name: "501 not retried", steps: []step{{status: 501}}, wantStatus: 501, wantAttempts: 1},
		{name: "400 not retried", steps: []step{{status: 400, body: `{"errors":[{"code":"contact_type_duplicate","message":"dup"}]}`}}, wantStatus: 400, wantAttempts: 1, wantCodes: []string{"contact_type_duplicate"}},
		{name: "403 not retried", steps: []step{{status: 403, body: `{"errors":[{"code":"access_denied|access_denied_invalid_key","message":"Invalid API key."}]}`}}, wantStatus: 403, wantAttempts: 1, wantCodes: []string{"access_denied|access_denied_invalid_key"}},
		{name: "404 not retried", steps: []step{{status: 404}}, wantStatus: 404, wantAttempts: 1},
		{name: "at most MaxAttempts", steps: []step{unavailable, unavailable, unavailable, unavailable, unavailable}, wantStatus: 503, wantAttempts: 4, wantCodes: []string{"service_unavailable"}},
		{name: "MaxAttempts 2", cfg: Config{MaxAttempts: 2}, steps: []step{unavailable, unavailable, unavailable}, wantStatus: 503, wantAttempts: 2, wantCodes: []string{"service_unavailable"}},
		{name: "MaxAttempts 1 never retries", cfg: Config{MaxAttempts: 1}, steps: []step{unavailable}, wantStatus: 503, wantAttempts: 1, wantCodes: []string{"service_unavailable"}},
		{name: "Retry-After beyond the budget stops", cfg: Config{MaxElapsed: 5 * time.Second}, steps: []step{{status: 429, header: map[string]string{"Retry-After": "10"}}}, wantStatus: 429, wantAttempts: 1, wantWaits: []time.Duration{}},
		{name: "backoff beyond the budget stops", cfg: Config{MaxElapsed: time.Second, BaseBackoff: time.Hour, MaxBackoff: time.Hour}, steps: []step{unavailable}, wantStatus: 503, wantAttempts: 1, wantCodes: []string{"service_unavailable"}, wantWaits: []time.Duration{}},
		{name: "always dropped", steps: []step{{drop: true}, {drop: true}, {drop: true}, {drop: true}, {drop: true}}, wantStatus: 0, wantAttempts: 4},
	}
	contacts := []Contact{{FirstName: "Zoë", LastName: "<Doe>", Email: "z@example.com", ContactType: OrganizationContact}}
	wantBody, err := EncodeContacts(contacts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var retries []int
			tt.cfg.OnRetry = func(attempt int, err error) { retries = append(retries, attempt) }
			// Pin the jitter to its ceiling so that the budget checks see the
			// largest wait.
			c, s, rec := scripted(t, tt.cfg, tt.steps...)
			c.backoff.randN = func(n int64) int64 { return n - 1 }
			resp, err := c.UpdateContacts(context.Background(), 12, contacts)

			reqs := s.requests()
			if len(reqs) != tt.wantAttempts {
				t.Errorf("server saw %d requests, want %d", len(reqs), tt.wantAttempts)
			}
			for i, r := range reqs {
				if !bytes.Equal(r.body, wantBody) {
					t.Errorf("attempt %d body = %s, want %s", i+1, r.body, wantBody)
				}
			}
			if len(retries) != tt.wantAttempts-1 {
				t.Errorf("OnRetry called for attempts %v, want %d calls", retries, tt.wantAttempts-1)
			}
			waits := rec.recorded()
			if tt.wantWaits != nil && !equalDurations(waits, tt.wantWaits) {
				t.Errorf("waits = %v, want %v", waits, tt.wantWaits)
			}
			if tt.wantWaits == nil && len(waits) != tt.wantAttempts-1 {
				t.Errorf("waits = %v, want %d", waits, tt.wantAttempts-1)
			}
			checkOutcome(t, resp, err, tt.wantStatus, tt.wantAttempts, tt.wantCodes)
		})
	}
}

// checkOutcome checks the Response and error of a call against the status
// (0: no answer), attempts and error codes wanted.
func checkOutcome(t *testing.T, resp *Response, err error, status, attempts int, codes []string) {
	t.Helper()
	var ae *APIError
	var te *TransportError
	switch {
	case status == 0:
		if resp != nil {
			t.Errorf("response = %+v, want none", resp)
		}
		if !errors.As(err, &te) || errors.As(err, &ae) {
			t.Fatalf("err = %v (%T), want a *TransportError only", err, err)
		}
		if te.Attempts != attempts {
			t.Errorf("TransportError.Attempts = %d, want %d", te.Attempts, attempts)
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("error %q contains the API key", err)
		}
		return
	case resp == nil:
		t.Fatalf("response = nil (err %v), want status %d", err, status)
	}
	if resp.Status != status || resp.Attempts != attempts {
		t.Errorf("response status %d after %d attempts, want %d after %d", resp.Status, resp.Attempts, status, attempts)
	}
	if resp.Duration <= 0 {
		t.Errorf("response duration = %s, want > 0", resp.Duration)
	}
	if status >= 200 && status < 300 {
		if err != nil {
			t.Errorf("err = %v, want nil", err)
		}
		return
	}
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if ae.Status != status {
		t.Errorf("APIError.Status = %d, want %d", ae.Status, status)
	}
	if got := codesOf(ae); strings.Join(got, ",") != strings.Join(codes, ",") {
		t.Errorf("codes = %v, want %v", got, codes)
	}
	if string(resp.Body) != ae.Body {
		t.Errorf("response body %q differs from APIError.Body %q", resp.Body, ae.Body)
	}
}

func codesOf(ae *APIError) []string {
	var codes []string
	for _, d := range ae.Errors {
		codes = append(codes, d.Code)
	}
	return codes
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	c, s, _ := scripted(t, Config{Timeout: 20 * time.Millisecond, MaxAttempts: 2}, step{hang: true}, step{hang: true})
	_, err := c.GetOrganization(context.Background(), 1)
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *TransportError", err, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "no answer within 20ms") {
		t.Errorf("err = %q, want it to name the attempt timeout", err)
	}
	if n := len(s.requests()); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestBudgetCutsTheLastAttempt(t *testing.T) {
	c, _, _ := scripted(t, Config{MaxElapsed: 30 * time.Millisecond}, step{hang: true})
	_, err := c.GetOrganization(context.Background(), 1)
	var te *TransportError
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Fatalf("err = %v, want a *TransportError after 1 attempt", err)
	}
	if !strings.Contains(err.Error(), "time budget of 30ms spent") {
		t.Errorf("err = %q, want it to name the time budget", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(Config{BaseURL: "http://" + addr + "/services/v2", APIKey: testKey, Windows: []RateWindow{}, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	rec := &sleepRecorder{}
	c.sleep = rec.sleep
	resp, err := c.UpdateContacts(context.Background(), 5, []Contact{{ContactType: TechnicalContact}})
	checkOutcome(t, resp, err, 0, 3, nil)
	var op *net.OpError
	if !errors.As(err, &op) {
		t.Errorf("err = %v, want it to wrap a *net.OpError", err)
	}
	if want := "digicert: PUT /organization/5/contact: no answer: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q, want prefix %q", err, want)
	}
}

func TestCancelWhileWaitingKeepsTheLastAnswer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, s, _ := scripted(t, Config{OnRetry: func(int, error) { cancel() }},
		step{status: 503, header: map[string]string{"Retry-After": "10"}, body: `{"errors":[{"code":"unavailable","message":"x"}]}`})
	c.sleep = sleepContext
	resp, err := c.UpdateContacts(ctx, 1, []Contact{{ContactType: TechnicalContact}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Errorf("err = %v, want it to carry the 503 APIError", err)
	}
	if resp == nil || resp.Status != 503 {
		t.Errorf("response = %+v, want the 503", resp)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestCancelledBeforeSending(t *testing.T) {
	c, s, _ := scripted(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := c.UpdateContacts(ctx, 1, []Contact{{ContactType: TechnicalContact}})
	if resp != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("got %+v, %v; want nil, context.Canceled", resp, err)
	}
	if want := "digicert: PUT /organization/1/contact not sent: context canceled"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if n := len(s.requests()); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestErrorBodies(t *testing.T) {
	html := "<html><body><h1>502 Bad Gateway</h1></body></html>"
	long := strings.Repeat("é", maxErrorBody) // 2 bytes each: twice the cap
	tests := []struct {
		name      string
		body      string
		wantCodes []string
		wantBody  string
	}{
		{name: "several errors", body: `{"errors":[{"code":"invalid_email","message":"Bad email."},{"code":"required_param:first_name","message":"First name is required."}]}`,
			wantCodes: []string{"invalid_email", "required_param:first_name"}},
		{name: "HTML page", body: html, wantBody: html},
		{name: "empty body", body: "", wantBody: ""},
		{name: "errors not an array", body: `{"errors":"boom"}`},
		{name: "errors of numbers", body: `{"errors":[1,2]}`},
		{name: "null", body: `null`},
		{name: "array", body: `[{"code":"x"}]`},
		{name: "truncated JSON", body: `{"errors":[{"code":"x","mess`},
		{name: "binary", body: "\x00\xff\xfe{"},
		{name: "numeric code", body: `{"errors":[{"code":42,"message":"n"}]}`, wantCodes: []string{"42"}},
		{name: "empty entries skipped", body: `{"errors":[{},{"code":"x","message":"y"}]}`, wantCodes: []string{"x"}},
		{name: "long body cut on a character boundary", body: long, wantBody: strings.Repeat("é", maxErrorBody/2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := scripted(t, Config{}, step{status: 400, body: tt.body, header: map[string]string{"Content-Type": "text/html"}})
			resp, err := c.UpdateContacts(context.Background(), 1, []Contact{{ContactType: TechnicalContact}})
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if got := codesOf(ae); strings.Join(got, ",") != strings.Join(tt.wantCodes, ",") {
				t.Errorf("codes = %v, want %v", got, tt.wantCodes)
			}
			want := tt.body
			if tt.wantBody != "" || tt.body == "" {
				want = tt.wantBody
			}
			if ae.Body != want {
				t.Errorf("APIError.Body has %d bytes (%.40q), want %d (%.40q)", len(ae.Body), ae.Body, len(want), want)
			}
			if resp == nil || len(resp.Body) > maxErrorBody {
				t.Errorf("response = %v, want one with at most %d bytes of body", resp != nil, maxErrorBody)
			}
		})
	}
}

func TestHTML502IsRetriedAndKeptAsText(t *testing.T) {
	html := "<html><head><title>502</title></head><body>Bad Gateway</body></html>"
	bad := step{status: 502, body: html, header: map[string]string{"Content-Type": "text/html"}}
	c, _, _ := scripted(t, Config{}, bad, bad, bad, bad)
	_, err := c.GetOrganization(context.Background(), 3)
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *APIError", err, err)
	}
	if ae.Status != 502 || len(ae.Errors) != 0 || ae.Body != html {
		t.Errorf("APIError = %+v, want status 502, no codes, body %q", ae, html)
	}
	if got, want := ae.Error(), "digicert: HTTP 502"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var hit bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer other.Close()
	c, _, _ := scripted(t, Config{}, step{status: 302, header: map[string]string{"Location": other.URL + "/steal"}})
	_, err := c.GetOrganization(context.Background(), 1)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 302 {
		t.Errorf("err = %v, want an APIError with status 302", err)
	}
	if hit {
		t.Error("the redirect was followed, carrying the key to another host")
	}
}

func TestLimiterBudgetIsThrottled(t *testing.T) {
	c, s, _ := scripted(t, Config{Windows: []RateWindow{{Limit: 1, Per: time.Hour}}})
	if _, err := c.GetOrganization(context.Background(), 1); err == nil {
		t.Fatal("the script answers 204 with no JSON: want a decoding error")
	}
	_, err := c.GetOrganization(context.Background(), 1)
	if !errors.Is(err, ErrThrottled) {
		t.Errorf("err = %v, want ErrThrottled", err)
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

func TestLimiterWaitIsReported(t *testing.T) {
	var waits []time.Duration
	c, _, _ := scripted(t, Config{
		Windows:       []RateWindow{{Limit: 1, Per: time.Second}},
		OnLimiterWait: func(d time.Duration) { waits = append(waits, d) },
	})
	clock := newFakeClock()
	c.limiter.now, c.limiter.sleep = clock.now, clock.sleep
	for range 3 {
		if _, err := c.UpdateContacts(context.Background(), 1, []Contact{{ContactType: TechnicalContact}}); err != nil {
			t.Fatal(err)
		}
	}
	if !equalDurations(waits, []time.Duration{time.Second, time.Second}) {
		t.Errorf("limiter waits = %v, want [1s 1s]", waits)
	}
}

func TestLogsNeitherKeyNorMessages(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, _, _ := scripted(t, Config{Logger: logger},
		step{status: 503, body: `{"errors":[{"code":"unavailable","message":"Secret message text"}]}`},
		step{drop: true},
		step{status: 400, body: `{"errors":[{"code":"invalid_email","message":"Secret message text"}]}`})
	_, err := c.UpdateContacts(context.Background(), 77, []Contact{{FirstName: "Privatename", LastName: "X", Email: "x@example.com", ContactType: OrganizationContact}})
	if err == nil {
		t.Fatal("want an error")
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, secret := range []string{testKey, "Secret message text", "Privatename"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"method=PUT", "path=/organization/77/contact", "attempt=1", "attempt=3", "status=503", "status=400", "codes=[invalid_email]", "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "digicert request"); n != 3 {
		t.Errorf("log has %d attempt lines, want 3:\n%s", n, out)
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
