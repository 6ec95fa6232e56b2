// Package digicert is a client for the parts of DigiCert's CertCentral
// Services API that Contact Desk uses: listing and reading organizations and
// updating their contacts. Every request carries the API key in the
// X-DC-DEVKEY header, passes a client-side rate limiter that mirrors
// DigiCert's per-key windows and shares them between classes of requests
// (see Class), and is retried on 429, 5xx (but 501) and transport failures
// within a bounded number of attempts and time.
package digicert

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout     = 15 * time.Second
	DefaultMaxAttempts = 4
	DefaultMaxElapsed  = 30 * time.Second
	DefaultBaseBackoff = 500 * time.Millisecond
	DefaultMaxBackoff  = 8 * time.Second
)

// maxSuccessBody caps the body of a 2xx answer. A page of 1000
// organizations is well under a megabyte; anything this large is not an
// answer the client can use.
const maxSuccessBody = 32 << 20

// Config is what New needs. Only BaseURL and APIKey are required.
type Config struct {
	// BaseURL is the Services API root, with or without a trailing slash,
	// e.g. https://www.digicert.com/services/v2.
	BaseURL string
	// APIKey is sent in the X-DC-DEVKEY header and nowhere else.
	APIKey string
	// Version is the product version in the default User-Agent; default "dev".
	Version string
	// UserAgent overrides the default "ContactDesk/<Version> (+https://github.com/contactdesk/contactdesk)".
	UserAgent string
	// HTTPClient sends the requests; nil means a client with dial and TLS
	// handshake timeouts. Redirects are never followed, with either: the
	// key travels in a header that Go would forward to any host.
	HTTPClient *http.Client
	// Timeout bounds one attempt, body included; default 15s.
	Timeout time.Duration
	// MaxAttempts bounds the attempts of one call; default 4.
	MaxAttempts int
	// MaxElapsed bounds one call in total, waits included; default 30s.
	// For bulk and background calls it starts once the limiter lets the
	// first attempt through: a job waits its turn as long as it takes.
	MaxElapsed time.Duration
	// BaseBackoff is the first retry's backoff ceiling, doubled on each
	// retry up to MaxBackoff, with full jitter; default 500ms.
	BaseBackoff time.Duration
	// MaxBackoff caps the backoff ceiling; default 8s.
	MaxBackoff time.Duration
	// Windows are the client-side rate limits shared by every request of
	// the Client. nil means DefaultWindows; an empty non-nil slice turns
	// the limiter off.
	Windows []RateWindow
	// Shares are the parts of each window bulk and background requests
	// may hold; the zero value means DefaultShares.
	Shares Shares
	// SharedBudget, when set, counts the requests of every process that
	// uses it in the windows, so that several processes using one API
	// key keep to its limits together; nil: the windows count this
	// client's requests alone.
	SharedBudget SharedBudget
	// Logger receives one debug line per attempt; nil discards.
	Logger *slog.Logger
	// OnRetry, when set, is called before each retry with the number of
	// the attempt that failed and its error.
	OnRetry func(attempt int, err error)
	// OnLimiterWait, when set, is called for each request the rate
	// limiter made wait, once it is let through, with the whole wait.
	OnLimiterWait func(time.Duration)
	// OnCall, when set, is called when a call ends, retries included, with
	// its outcome.
	OnCall func(CallResult)
}

// CallResult is how one call ended, for metrics.
type CallResult struct {
	// Method is the HTTP method: GET for reads, PUT for changes.
	Method string
	// Status is the final HTTP status, 0 when no answer came.
	Status int
	// Attempts is how many attempts were made, 0 when none could be.
	Attempts int
	// Duration is the whole call's time, waits included.
	Duration time.Duration
	// Err is what the call returned: nil for a usable 2xx answer.
	Err error
}

// Response is DigiCert's final answer to a call, for the audit log.
type Response struct {
	// Status is the HTTP status code.
	Status int
	// Body is the response body; for a non-2xx answer it is cut to 64 KiB.
	Body []byte
	// Attempts is how many attempts the call took, this one included.
	Attempts int
	// Duration is the time from the call's start to this answer, waits
	// between attempts included.
	Duration time.Duration
}

// Client talks to the CertCentral Services API. It is safe for concurrent
// use; all its requests share one rate limiter. A request's class comes
// from its context (see WithClass).
type Client struct {
	baseURL     string
	apiKey      string
	userAgent   string
	http        *http.Client
	timeout     time.Duration
	maxAttempts int
	maxElapsed  time.Duration
	backoff     backoff
	limiter     *limiter
	log         *slog.Logger
	onRetry     func(attempt int, err error)
	onCall      func(CallResult)
	// sleep waits between attempts; tests replace it to record waits
	// without spending them.
	sleep func(context.Context, time.Duration) error
	// pageSize is the limit asked for per page of the organization list.
	pageSize int
}

// New checks cfg and builds a Client. Its errors never contain the API key.
func New(cfg Config) (*Client, error) {
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if err := checkAPIKey(cfg.APIKey); err != nil {
		return nil, err
	}
	if cfg.Timeout < 0 || cfg.MaxAttempts < 0 || cfg.MaxElapsed < 0 || cfg.BaseBackoff < 0 || cfg.MaxBackoff < 0 {
		return nil, fmt.Errorf("digicert: timeouts, attempts and backoffs must not be negative")
	}
	windows := cfg.Windows
	if windows == nil {
		windows = DefaultWindows()
	}
	if err := validateWindows(windows); err != nil {
		return nil, fmt.Errorf("digicert: %w", err)
	}
	shares := cfg.Shares
	if shares == (Shares{}) {
		shares = DefaultShares()
	}
	if err := shares.validate(); err != nil {
		return nil, fmt.Errorf("digicert: %w", err)
	}
	c := &Client{
		baseURL:     base,
		apiKey:      cfg.APIKey,
		userAgent:   userAgent(cfg),
		http:        noRedirects(cfg.HTTPClient),
		timeout:     orDefault(cfg.Timeout, DefaultTimeout),
		maxAttempts: orDefault(cfg.MaxAttempts, DefaultMaxAttempts),
		maxElapsed:  orDefault(cfg.MaxElapsed, DefaultMaxElapsed),
		backoff: backoff{
			base:  orDefault(cfg.BaseBackoff, DefaultBaseBackoff),
			max:   orDefault(cfg.MaxBackoff, DefaultMaxBackoff),
			randN: rand.Int64N,
		},
		limiter:  newLimiter(windows, shares),
		log:      cfg.Logger,
		onRetry:  cfg.OnRetry,
		onCall:   cfg.OnCall,
		sleep:    sleepContext,
		pageSize: 1000,
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.limiter != nil {
		c.limiter.onWait = cfg.OnLimiterWait
		if cfg.SharedBudget != nil {
			c.limiter.share(cfg.SharedBudget, c.timeout, func(err error) {
				c.log.Warn("digicert: rate budget", "error", err.Error())
			})
		}
	}
	return c, nil
}

// checkBaseURL returns the base URL without its trailing slash. The URL is
// not repeated in errors: a key pasted into the wrong setting must not end
// up in a log.
func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("digicert: base URL must be an absolute http or https URL")
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("digicert: base URL must not carry credentials, a query or a fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkAPIKey refuses a key that cannot travel in a header.
func checkAPIKey(key string) error {
	if key == "" {
		return fmt.Errorf("digicert: API key is empty")
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("digicert: API key contains control characters")
		}
	}
	return nil
}

// userAgent is the User-Agent DigiCert asks clients to send.
func userAgent(cfg Config) string {
	if cfg.UserAgent != "" {
		return cfg.UserAgent
	}
	v := cfg.Version
	if v == "" {
		v = "dev"
	}
	return "ContactDesk/" + v + " (+https://github.com/contactdesk/contactdesk)"
}

// noRedirects returns a copy of hc (or a default client) that hands back
// redirects as answers instead of following them.
func noRedirects(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Transport = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          20,
			MaxIdleConnsPerHost:   10,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// call is one logical API request, sent again unchanged on each attempt.
type call struct {
	method string
	// path is below the base URL, escaped, e.g. "/organization/12".
	path  string
	query url.Values
	// body is sent as is on every attempt; nil means no body.
	body []byte
}

// op names the call in errors and logs.
func (r call) op() string { return r.method + " " + r.path }

// answer is the HTTP answer to one attempt.
type answer struct {
	status int
	header http.Header
	body   []byte
	// truncated reports that the body was longer than what was kept.
	truncated bool
}

// ok reports a 2xx status.
func (a *answer) ok() bool { return a.status >= 200 && a.status < 300 }

// newRequest builds the request every attempt clones.
func (c *Client) newRequest(r call) (*http.Request, error) {
	target := c.baseURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	req, err := http.NewRequest(r.method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("digicert: %s: %w", r.op(), err)
	}
	req.Header.Set("X-DC-DEVKEY", c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// send makes one attempt. A nil error means an HTTP answer, whatever its
// status; an error means none came.
func (c *Client) send(ctx context.Context, tmpl *http.Request, body []byte) (*answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req := tmpl.Clone(ctx)
	if body != nil {
		// A fresh reader over the same bytes: every attempt sends exactly
		// the same body.
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	limit := int64(maxErrorBody)
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		limit = maxSuccessBody
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading body of HTTP %d: %w", resp.StatusCode, err)
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, body: data}
	if int64(len(data)) > limit {
		a.body, a.truncated = data[:limit], true
	}
	return a, nil
}

// do runs r with retries and returns DigiCert's final answer. The error is
// nil for a 2xx answer, an *APIError for any other answer (returned along
// with the Response), a *TransportError when the last attempt got no
// answer, and a wrapped ErrThrottled or context error when waiting stopped
// the call.
func (c *Client) do(ctx context.Context, r call) (*Response, error) {
	if c.onCall == nil {
		return c.retrying(ctx, r)
	}
	start := time.Now()
	resp, err := c.retrying(ctx, r)
	res := CallResult{Method: r.method, Duration: time.Since(start), Err: err}
	if resp != nil {
		res.Status, res.Attempts = resp.Status, resp.Attempts
	}
	var te *TransportError
	if errors.As(err, &te) {
		res.Attempts = te.Attempts
	}
	c.onCall(res)
	return resp, err
}

// retrying is do without the OnCall report.
func (c *Client) retrying(ctx context.Context, r call) (*Response, error) {
	tmpl, err := c.newRequest(r)
	if err != nil {
		return nil, err
	}
	class := ClassOf(ctx)
	// admitted is the limiter's admission of the next attempt, once it
	// has one.
	var admitted *admission
	admittedNext := false
	if class != Interactive {
		// Nobody waits for a job's request: it waits its turn as long as
		// it takes, and its time budget starts once it is let through.
		if admitted, err = c.limiter.acquire(ctx, class); err != nil {
			return nil, fmt.Errorf("digicert: %s not sent: %w", r.op(), err)
		}
		admittedNext = true
	}
	start := time.Now()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.maxElapsed)
	defer cancel()

	var last *Response
	var lastErr error
	for attempt := 1; ; attempt++ {
		if !admittedNext {
			if admitted, err = c.limiter.acquire(ctx, class); err != nil {
				return stopped(parent, r, last, lastErr, err)
			}
		}
		admittedNext = false
		began := time.Now()
		a, err := c.send(ctx, tmpl, r.body)
		c.limiter.release(admitted)
		last, lastErr = c.outcome(parent, ctx, r, attempt, a, err, start)
		c.logAttempt(parent, r, attempt, last, lastErr, time.Since(began))
		if lastErr == nil || attempt >= c.maxAttempts || !retryable(parent, ctx, a, err) {
			return last, lastErr
		}
		wait := c.retryWait(attempt, a)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			// The wait alone would spend the budget: the last answer is
			// the best the call will get.
			return last, lastErr
		}
		if c.onRetry != nil {
			c.onRetry(attempt, lastErr)
		}
		if err := c.sleep(ctx, wait); err != nil {
			return stopped(parent, r, last, lastErr, err)
		}
	}
}

// outcome turns one attempt's result into the call's Response and error.
func (c *Client) outcome(parent, ctx context.Context, r call, attempt int, a *answer, err error, start time.Time) (*Response, error) {
	if err != nil {
		return nil, &TransportError{Op: r.op(), Attempts: attempt, Err: c.explain(parent, ctx, err)}
	}
	resp := &Response{Status: a.status, Body: a.body, Attempts: attempt, Duration: time.Since(start)}
	switch {
	case !a.ok():
		return resp, newAPIError(a.status, a.body)
	case a.truncated:
		return resp, fmt.Errorf("digicert: %s: response body larger than %d bytes", r.op(), maxSuccessBody)
	}
	return resp, nil
}

// explain adds to a transport failure which deadline, if any, caused it,
// so that "context deadline exceeded" does not have to be guessed at.
func (c *Client) explain(parent, ctx context.Context, err error) error {
	switch {
	case parent.Err() != nil:
		if errors.Is(err, parent.Err()) {
			return err
		}
		return fmt.Errorf("%w: %w", parent.Err(), err)
	case ctx.Err() != nil:
		return fmt.Errorf("time budget of %s spent: %w", c.maxElapsed, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("no answer within %s: %w", c.timeout, err)
	}
	return err
}

// retryable reports whether another attempt may help: 429 and 5xx but 501
// (not implemented will not become implemented), and transport failures
// other than the call's own end or a certificate DigiCert cannot fix by
// retrying.
func retryable(parent, ctx context.Context, a *answer, err error) bool {
	if parent.Err() != nil || ctx.Err() != nil {
		return false
	}
	if err != nil {
		var cert *tls.CertificateVerificationError
		return !errors.As(err, &cert)
	}
	return a.status == http.StatusTooManyRequests ||
		(a.status >= 500 && a.status <= 599 && a.status != http.StatusNotImplemented)
}

// retryWait is how long to wait before the retry after attempt: what
// Retry-After says when present, otherwise jittered backoff.
func (c *Client) retryWait(attempt int, a *answer) time.Duration {
	if a != nil {
		if d, ok := parseRetryAfter(a.header.Get("Retry-After"), time.Now()); ok {
			return d
		}
	}
	return c.backoff.delay(attempt)
}

// stopped ends a call whose wait (for the rate limiter or between attempts)
// was cut short by err. With no attempt made yet, nothing was sent and err
// is the whole story. A context that ended keeps the last answer
// in the error chain; a budget too short to wait in returns the last
// answer as it was.
func stopped(parent context.Context, r call, last *Response, lastErr, err error) (*Response, error) {
	switch {
	case lastErr == nil:
		return nil, fmt.Errorf("digicert: %s not sent: %w", r.op(), err)
	case parent.Err() != nil:
		return last, fmt.Errorf("digicert: %s: stopped retrying: %w; last attempt: %w", r.op(), parent.Err(), lastErr)
	}
	return last, lastErr
}

// logAttempt writes the debug line of one attempt: what was asked and how
// it went, with error codes but never the key, a body or an error message
// from DigiCert.
func (c *Client) logAttempt(ctx context.Context, r call, attempt int, resp *Response, err error, d time.Duration) {
	if !c.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.method),
		slog.String("path", r.path),
		slog.Int("attempt", attempt),
		slog.Duration("duration", d),
	}
	if len(r.query) > 0 {
		attrs = append(attrs, slog.String("query", r.query.Encode()))
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.Status))
	}
	var te *TransportError
	if errors.As(err, &te) {
		attrs = append(attrs, slog.String("error", te.Err.Error()))
	}
	if codes := errorCodes(err); len(codes) > 0 {
		attrs = append(attrs, slog.Any("codes", codes))
	}
	c.log.LogAttrs(ctx, slog.LevelDebug, "digicert request", attrs...)
}
