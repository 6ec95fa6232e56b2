package handlers_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// BenchmarkAuditPage measures what the portal spends on one view of the
// audit log's first page: middleware, session, access checks, the queries,
// rendering and writing the page, without the network.
//
//	go test ./handlers -run '^$' -bench AuditPage -benchmem
func BenchmarkAuditPage(b *testing.B) {
	app := newTestApp(b)
	seedSubmissions(b, app.Store, 120)
	req := httptest.NewRequest(http.MethodGet, "/audit", nil)
	req.Header.Set("Accept", "text/html")
	base, err := url.Parse(app.URL)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range app.client.Jar.Cookies(base) {
		req.AddCookie(c)
	}
	w := &countingWriter{header: http.Header{}}
	view := func() {
		clear(w.header)
		w.status, w.written = 0, 0
		app.Handler.ServeHTTP(w, req)
		if w.status != http.StatusOK {
			b.Fatalf("GET /audit: status %d", w.status)
		}
	}
	view()
	b.SetBytes(int64(w.written))
	for b.Loop() {
		view()
	}
}

// countingWriter is a ResponseWriter that keeps only the status and the
// number of bytes written, so that a benchmark measures the portal, not
// the recording of its answers.
type countingWriter struct {
	header  http.Header
	status  int
	written int
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.written += len(p)
	return len(p), nil
}
