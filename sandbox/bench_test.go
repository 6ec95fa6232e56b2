package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serve runs one request through s without a network, for benchmarks.
func serve(s *Server, method, path, body string) int {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("X-DC-DEVKEY", testKey)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code
}

func BenchmarkUpdateContacts(b *testing.B) {
	s := New(Options{APIKey: testKey, Windows: []RateWindow{}, RequestLog: 1})
	for i := 0; b.Loop(); i++ {
		body := fmt.Sprintf(`{"contacts":[{"first_name":"Jane","last_name":"Doe %d","email":"jane@example.com","job_title":"SRE","contact_type":"organization_contact"},{"contact_type":"technical_contact"}]}`, i%2)
		if code := serve(s, http.MethodPut, "/services/v2/organization/1001/contact", body); code != http.StatusNoContent {
			b.Fatalf("status: got %d, want 204", code)
		}
	}
}

func BenchmarkListOrganizations(b *testing.B) {
	s := New(Options{APIKey: testKey, Windows: []RateWindow{}, RequestLog: 1})
	for b.Loop() {
		if code := serve(s, http.MethodGet, "/services/v2/organization?filters[search]=gmbh&sort=-name", ""); code != http.StatusOK {
			b.Fatalf("status: got %d, want 200", code)
		}
	}
}

func BenchmarkShowOrganization(b *testing.B) {
	s := New(Options{APIKey: testKey, Windows: []RateWindow{}, RequestLog: 1})
	for b.Loop() {
		if code := serve(s, http.MethodGet, "/services/v2/organization/1001", ""); code != http.StatusOK {
			b.Fatalf("status: got %d, want 200", code)
		}
	}
}
