package loadtest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// csrfField is the form field that carries the session's CSRF token, and
// csrfMarker what precedes the token in every form of a page.
const (
	csrfField  = "_csrf"
	csrfMarker = `name="` + csrfField + `" value="`
)

// requestTimeout bounds one request, so a stuck server cannot hold a run
// past its duration by much. A send may wait on DigiCert through every
// retry, hence the margin.
const requestTimeout = 90 * time.Second

// Account is a user the portal knows, with the password to sign in.
type Account struct {
	Email    string
	Password string
}

// User is one virtual user: a browser-like client with its own cookies.
type User struct {
	base   *url.URL
	client *http.Client
	// csrf is the session's CSRF token, as the last page with a form
	// carried it.
	csrf string
	// rec is swapped while the user runs, when a warm-up ends.
	rec atomic.Pointer[Recorder]
}

// NewUser returns a user of the portal at baseURL, which must be on
// loopback, recording into rec.
func NewUser(baseURL string, rec *Recorder) (*User, error) {
	base, err := loopbackURL(baseURL)
	if err != nil {
		return nil, err
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("loadtest: cookie jar: %w", err)
	}
	u := &User{
		base: base,
		client: &http.Client{
			Jar:     jar,
			Timeout: requestTimeout,
			Transport: &http.Transport{
				MaxIdleConnsPerHost: 4,
				IdleConnTimeout:     30 * time.Second,
			},
			// Redirects are part of what is measured: the caller sees
			// the 303 and its Location.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	u.rec.Store(rec)
	return u, nil
}

// SetRecorder makes the user record into rec from its next request on.
func (u *User) SetRecorder(rec *Recorder) {
	u.rec.Store(rec)
}

// loopbackURL parses raw and refuses any host that is not a loopback
// address: the load is for this machine only.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("loadtest: portal URL: %w", err)
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	if u.Scheme != "http" || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return nil, fmt.Errorf("loadtest: portal URL %q: want http:// on a loopback address", raw)
	}
	return u, nil
}

// Close drops the user's idle connections.
func (u *User) Close() {
	u.client.CloseIdleConnections()
}

// Response is what a request got: status, body and where it redirects.
type Response struct {
	Status   int
	Body     string
	Location string
}

// Get fetches path, recording it under flow. A status not in want is an
// error.
func (u *User) Get(ctx context.Context, flow, path string, want ...int) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.base.String()+path, nil)
	if err != nil {
		return Response{}, fmt.Errorf("loadtest: %s: %w", flow, err)
	}
	return u.do(req, flow, want)
}

// Post submits form to path, setting its _csrf field to the session's
// token as the last page gave it, and records it under flow. A status not
// in want is an error.
func (u *User) Post(ctx context.Context, flow, path string, form url.Values, want ...int) (Response, error) {
	form.Set(csrfField, u.csrf)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.base.String()+path, strings.NewReader(form.Encode()))
	if err != nil {
		return Response{}, fmt.Errorf("loadtest: %s: %w", flow, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return u.do(req, flow, want)
}

func (u *User) do(req *http.Request, flow string, want []int) (Response, error) {
	start := time.Now()
	resp, err := u.client.Do(req)
	if err != nil {
		if req.Context().Err() == nil {
			// A request cut short by the end of the run is not recorded.
			u.rec.Load().Record(flow, time.Since(start), 0, err)
		}
		return Response{}, fmt.Errorf("loadtest: %s %s: %w", req.Method, req.URL.Path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	r := Response{Status: resp.StatusCode, Body: string(body), Location: resp.Header.Get("Location")}
	if token, ok := pageToken(r.Body); ok {
		u.csrf = token
	}
	if err == nil && !slices.Contains(want, resp.StatusCode) {
		err = fmt.Errorf("status %d, want %v", resp.StatusCode, want)
	}
	if err != nil {
		err = fmt.Errorf("loadtest: %s %s: %w", req.Method, req.URL.Path, err)
	}
	if req.Context().Err() != nil {
		return r, err
	}
	u.rec.Load().Record(flow, d, resp.StatusCode, err)
	return r, err
}

// pageToken finds the session's CSRF token in a page's forms. A plain
// search rather than an HTML parse: the load tool reads every page.
func pageToken(body string) (string, bool) {
	_, rest, found := strings.Cut(body, csrfMarker)
	if !found {
		return "", false
	}
	token, _, found := strings.Cut(rest, `"`)
	if !found {
		return "", false
	}
	return token, true
}

// SignIn opens the sign-in page, which starts a session and carries its
// CSRF token, and signs in. Signing in starts a new session: the next page
// carries its token.
func (u *User) SignIn(ctx context.Context, a Account) error {
	if _, err := u.Get(ctx, "sign-in", "/login", http.StatusOK); err != nil {
		return err
	}
	r, err := u.Post(ctx, "sign-in", "/login", url.Values{"email": {a.Email}, "password": {a.Password}}, http.StatusSeeOther)
	if err != nil {
		return err
	}
	if strings.HasPrefix(r.Location, "/login") {
		return fmt.Errorf("loadtest: sign in as %s: sent back to %s", a.Email, r.Location)
	}
	return nil
}

// instanceLabel matches the label set of a series labelled only with the
// portal instance's name (CONTACTDESK_INSTANCE).
var instanceLabel = regexp.MustCompile(`^instance_name="[^"]*"}$`)

// Metrics reads the portal's Prometheus metrics (as an admin) and returns
// the unlabelled samples by name: go_goroutines, process_open_fds,
// go_memstats_heap_inuse_bytes and the like, and contactdesk_leader.
func (u *User) Metrics(ctx context.Context) (map[string]float64, error) {
	all, err := u.LabelledMetrics(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for name, v := range all {
		// A series whose only label names the instance counts as
		// unlabelled; others are left out.
		if base, labels, found := strings.Cut(name, "{"); found {
			if !instanceLabel.MatchString(labels) {
				continue
			}
			name = base
		}
		out[name] = v
	}
	return out, nil
}

// LabelledMetrics reads the portal's Prometheus metrics (as an admin) and
// returns every sample by its name with its labels as written:
// contactdesk_digicert_admitted_total{class="bulk"}.
func (u *User) LabelledMetrics(ctx context.Context) (map[string]float64, error) {
	r, err := u.Get(ctx, "metrics", "/metrics", http.StatusOK)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(r.Body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// The value is the last field: a label's value may hold spaces.
		cut := strings.LastIndexByte(line, ' ')
		if cut <= 0 {
			continue
		}
		var f float64
		if _, err := fmt.Sscan(line[cut+1:], &f); err == nil {
			out[line[:cut]] = f
		}
	}
	return out, nil
}

// Retarget points the user at the portal's new address after a restart on
// another port. Cookies are kept per host, not port, so the session goes
// on.
func (u *User) Retarget(baseURL string) error {
	base, err := loopbackURL(baseURL)
	if err != nil {
		return err
	}
	u.base = base
	return nil
}
