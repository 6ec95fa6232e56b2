package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/handlers"
	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/static"
	"github.com/contactdesk/contactdesk/store"
)

// testApp is the whole portal on loopback: a real store in a temp file, the
// sandbox as DigiCert, the real client between them.
type testApp struct {
	t       *testing.T
	URL     string
	Sandbox *sandbox.Server
	Store   *store.Store
	Service *contacts.Service
	client  *http.Client
}

type appOption func(*digicert.Config)

func newTestApp(t *testing.T, opts ...appOption) *testApp {
	t.Helper()
	ctx := context.Background()
	sb := sandbox.New(sandbox.Options{APIKey: "test-key"})
	upstream := httptest.NewServer(sb)
	t.Cleanup(upstream.Close)

	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "cd.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := digicert.Config{
		BaseURL:     upstream.URL + "/services/v2",
		APIKey:      "test-key",
		Timeout:     2 * time.Second,
		MaxElapsed:  3 * time.Second,
		BaseBackoff: time.Millisecond,
		Windows:     []digicert.RateWindow{},
		Logger:      logger,
	}
	for _, o := range opts {
		o(&cfg)
	}
	client, err := digicert.New(cfg)
	if err != nil {
		t.Fatalf("digicert client: %v", err)
	}
	locales, err := contacts.DefaultLocales()
	if err != nil {
		t.Fatal(err)
	}
	service := contacts.NewService(client, st, locales, logger)
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	e := handlers.New(handlers.Config{
		Store:    st,
		Contacts: service,
		Assets:   assets,
		Sessions: handlers.NewSessions(false, []byte(strings.Repeat("a", 64)), []byte(strings.Repeat("b", 32))),
		Logger:   logger,
		Sandbox:  true,
		Version:  "test",
	})
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{
		t: t, URL: srv.URL, Sandbox: sb, Store: st, Service: service,
		client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// sync fills the organization cache from the sandbox.
func (a *testApp) sync() {
	a.t.Helper()
	if _, err := a.Service.SyncOrganizations(context.Background()); err != nil {
		a.t.Fatalf("sync: %v", err)
	}
}

type response struct {
	Status int
	Header http.Header
	Body   string
}

func (a *testApp) do(req *http.Request) response {
	a.t.Helper()
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("read body: %v", err)
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func (a *testApp) get(path string) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	return a.do(req)
}

func (a *testApp) post(path string, form url.Values) response {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	return a.do(req)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf fetches path and returns the CSRF token of its forms, as a browser
// would have it before posting.
func (a *testApp) csrf(path string) string {
	a.t.Helper()
	r := a.get(path)
	m := csrfInput.FindStringSubmatch(r.Body)
	if m == nil {
		a.t.Fatalf("no CSRF token on %s (status %d)", path, r.Status)
	}
	return m[1]
}
