package sandbox

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is a misbehaviour the server plays instead of, or before, answering
// normally: the failures a client of CertCentral meets in practice (slow
// answers, errors from the CDN in front of the API, rate limiting, dropped
// connections). A fault is played before the API key is checked, as the
// CDN would, and does not count against the rate limit.
type Fault struct {
	// Count is how many requests in a row the fault applies to; 0 or less
	// means 1.
	Count int
	// Latency is waited before anything else; if the request's context
	// ends first, nothing is answered.
	Latency time.Duration
	// Status, when non-zero, is answered instead of handling the request,
	// which then changes nothing.
	Status int
	// Body is sent with Status; "" means a fitting default: DigiCert's JSON
	// error for 4xx, an HTML page such as a CDN serves for 5xx.
	Body string
	// RetryAfter, when set, is sent as the Retry-After header with Status.
	RetryAfter string
	// DropConnection closes the connection without any answer. Count
	// counts requests received, not client calls: Go's http.Transport
	// silently resends a GET once when a reused keep-alive connection
	// closes unanswered, so one such call can take two of these.
	DropConnection bool
	// Method, when set, limits the fault to requests of that method (for
	// instance "PUT", to fail a change but not the reads around it); other
	// requests pass it by without using it up.
	Method string
}

// InjectFault queues f for the next f.Count requests. Faults are played in
// the order they were queued; requests beyond them are handled normally.
func (s *Server) InjectFault(f Fault) {
	s.faults.push(f)
}

// faultQueue holds the faults still to be played.
type faultQueue struct {
	mu     sync.Mutex
	queued []Fault
}

func (q *faultQueue) push(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queued = append(q.queued, f)
}

// next takes one request's worth of the first queued fault, if it applies
// to a request of method.
func (q *faultQueue) next(method string) (Fault, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queued) == 0 || (q.queued[0].Method != "" && q.queued[0].Method != method) {
		return Fault{}, false
	}
	f := q.queued[0]
	q.queued[0].Count--
	if q.queued[0].Count == 0 {
		q.queued = q.queued[1:]
	}
	return f, true
}

// playFault acts out f and reports whether it answered the request (or
// deliberately left it unanswered); false means the request goes on to be
// handled normally.
func (s *Server) playFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Latency > 0 && !wait(r, f.Latency) {
		return true
	}
	switch {
	case f.DropConnection:
		dropConnection(w)
		return true
	case f.Status != 0:
		writeFault(w, f)
		return true
	}
	return false
}

// wait sleeps for d, returning false if the request was abandoned first.
func wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// dropConnection closes the client's connection without writing anything.
// Where the connection cannot be taken over (HTTP/2, a recorder), aborting
// the handler is the closest equivalent the net/http server offers.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	// The connection is being thrown away on purpose; a failure to close
	// it cleanly changes nothing for the client.
	_ = conn.Close()
}

// writeFault answers with the fault's status, body and Retry-After.
func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body, contentType := f.Body, contentTypeOf(f.Body)
	if body == "" {
		body, contentType = defaultFaultBody(f.Status)
	}
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(f.Status)
	w.Write([]byte(body))
}

// contentTypeOf guesses the type of a body given with a fault.
func contentTypeOf(body string) string {
	switch t := strings.TrimSpace(body); {
	case t == "":
		return ""
	case strings.HasPrefix(t, "{"), strings.HasPrefix(t, "["):
		return "application/json"
	case strings.HasPrefix(t, "<"):
		return "text/html; charset=utf-8"
	default:
		return "text/plain; charset=utf-8"
	}
}

// defaultFaultBody is what DigiCert, or the CDN in front of it, sends with
// status: a JSON error for 4xx, an HTML page for 5xx, nothing otherwise.
func defaultFaultBody(status int) (body, contentType string) {
	switch {
	case status == http.StatusTooManyRequests:
		return `{"errors":[{"code":"request_limit_exceeded","message":"Service unavailable, please limit request volume"}]}`, "application/json"
	case status >= 400 && status < 500:
		return fmt.Sprintf(`{"errors":[{"code":%q,"message":%q}]}`, faultCode(status), http.StatusText(status)+"."), "application/json"
	case status >= 500:
		text := html.EscapeString(fmt.Sprintf("%d %s", status, http.StatusText(status)))
		return "<!DOCTYPE html>\n<html><head><title>" + text + "</title></head>\n<body><h1>" + text +
			"</h1>\n<p>The server is temporarily unable to service your request. Please try again later.</p>\n" +
			"<hr><p>Reference #97.3c1b2e17.1700000000.5a8f</p></body></html>\n", "text/html; charset=utf-8"
	}
	return "", ""
}

// faultCode is the DigiCert error code closest to a 4xx status.
func faultCode(status int) string {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return "access_denied"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	default:
		return "bad_request"
	}
}
