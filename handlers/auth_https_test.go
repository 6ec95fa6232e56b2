package handlers_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/handlers"
	"github.com/contactdesk/contactdesk/static"
	"github.com/contactdesk/contactdesk/store"
)

// newBareHandler builds the portal's handler without DigiCert, for
// requests that never reach it.
func newBareHandler(t *testing.T, secure bool, proxies []*net.IPNet) (*echo.Echo, *store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "cd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	assets, err := static.New()
	if err != nil {
		t.Fatal(err)
	}
	passwords, err := store.NewPasswordHasher(store.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1)
	if err != nil {
		t.Fatal(err)
	}
	users, err := accounts.NewService(accounts.Config{Store: st, Passwords: passwords, BaseURL: "https://contactdesk.example"})
	if err != nil {
		t.Fatal(err)
	}
	e := handlers.New(handlers.Config{
		Store:          st,
		Accounts:       users,
		Assets:         assets,
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		Secure:         secure,
		Passwords:      passwords,
		TrustedProxies: proxies,
	})
	return e, st
}

func TestHTTPSHeadersAndCookies(t *testing.T) {
	e, _ := newBareHandler(t, true, nil)
	for _, path := range []string{"/login", "/healthz", "/organizations", "/nope"} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("GET %s behind https: HSTS = %q, want max-age", path, got)
		}
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	cookies := (&http.Response{Header: rec.Header()}).Cookies()
	if len(cookies) != 1 {
		t.Fatalf("sign-in page behind https: cookies %v, want the session's alone", cookies)
	}
	// What browsers require of a __Host- cookie.
	c := cookies[0]
	if c.Name != "__Host-contactdesk_session" || c.Path != "/" || c.Domain != "" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie behind https: %+v; want __Host-contactdesk_session, Path=/, no Domain, Secure, HttpOnly, SameSite=Lax", c)
	}
	if len(c.Value) != 43 {
		t.Errorf("session cookie value %q: want a 256-bit token", c.Value)
	}
}

func TestClientAddress(t *testing.T) {
	_, proxy, err := net.ParseCIDR("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies []*net.IPNet
		remote  string
		xff     string
		want    string
	}{
		{"no proxy: the header is ignored", nil, "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"loopback is not trusted by default", nil, "127.0.0.1:5000", "198.51.100.1", "127.0.0.1"},
		{"trusted proxy", []*net.IPNet{proxy}, "10.1.2.3:5000", "198.51.100.1", "198.51.100.1"},
		{"trusted proxy, spoofed first hop", []*net.IPNet{proxy}, "10.1.2.3:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"untrusted peer claiming a header", []*net.IPNet{proxy}, "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"private peer outside the configured network", []*net.IPNet{proxy}, "192.168.1.1:5000", "198.51.100.1", "192.168.1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, st := newBareHandler(t, false, tt.proxies)
			// A failed sign-in records the client address in the log.
			req := httptest.NewRequest(http.MethodGet, "/login", nil)
			req.RemoteAddr = tt.remote
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			var cookie *http.Cookie
			for _, c := range (&http.Response{Header: rec.Header()}).Cookies() {
				if c.Name == "contactdesk_session" {
					cookie = c
				}
			}
			token := csrfInput.FindStringSubmatch(rec.Body.String())
			if cookie == nil || token == nil {
				t.Fatal("no session cookie, or no form token")
			}
			form := url.Values{"_csrf": {token[1]}, "email": {"who@example.com"}, "password": {"wrong password"}}
			req = httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Forwarded-For", tt.xff)
			req.RemoteAddr = tt.remote
			req.AddCookie(cookie)
			rec = httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("sign-in: status %d, want 422", rec.Code)
			}
			events, err := st.SecurityEvents(context.Background(), "who@example.com", 1)
			if err != nil || len(events) != 1 {
				t.Fatalf("events = %v, %v", events, err)
			}
			if events[0].ClientAddr != tt.want {
				t.Errorf("recorded client address %q, want %q", events[0].ClientAddr, tt.want)
			}
		})
	}
}
