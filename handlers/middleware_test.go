package handlers

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWarnForwardedForWithoutTrustedProxies: behind a proxy nobody told
// the portal about, the first request carrying X-Forwarded-For logs one
// warning naming the variable to set; later ones log nothing more.
func TestWarnForwardedForWithoutTrustedProxies(t *testing.T) {
	_, proxy, err := net.ParseCIDR("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies []*net.IPNet
		want    int
	}{
		{"no trusted proxies", nil, 1},
		{"trusted proxies", []*net.IPNet{proxy}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
			e := New(Config{Logger: logger, TrustedProxies: tt.proxies})
			send := func(forwardedFor string) {
				req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
				if forwardedFor != "" {
					req.Header.Set("X-Forwarded-For", forwardedFor)
				}
				rec := httptest.NewRecorder()
				e.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					t.Fatalf("GET /healthz: status %d", rec.Code)
				}
			}

			send("")
			if buf.Len() != 0 {
				t.Errorf("without X-Forwarded-For: logged %q, want nothing", buf.String())
			}
			for _, addr := range []string{"203.0.113.7", "203.0.113.8", "198.51.100.1"} {
				send(addr)
			}
			lines := strings.Count(buf.String(), "\n")
			if lines != tt.want {
				t.Fatalf("after 3 requests with X-Forwarded-For: %d lines logged, want %d:\n%s", lines, tt.want, buf.String())
			}
			if tt.want > 0 && (!strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "CONTACTDESK_TRUSTED_PROXIES")) {
				t.Errorf("logged %q, want a warning naming CONTACTDESK_TRUSTED_PROXIES", buf.String())
			}
		})
	}
}
