package sandbox

import (
	"bytes"
	"net/http"
	"slices"
	"sync"
)

// Request is one request as the server received it, for tests that check
// exactly what a client sent.
type Request struct {
	Method string
	// Path is the request target: path and query, as sent.
	Path   string
	Header http.Header
	// Body is the body as received, cut at the 1 MiB body limit.
	Body []byte
}

// clone returns a copy of q that shares no memory with it.
func (q Request) clone() Request {
	q.Header = q.Header.Clone()
	q.Body = bytes.Clone(q.Body)
	return q
}

// Requests returns every request received so far (up to Options.RequestLog
// of the most recent), oldest first, including those refused or faulted.
func (s *Server) Requests() []Request {
	return s.log.all()
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.log.reset()
}

// requestLog keeps the most recent requests, up to capacity.
type requestLog struct {
	mu       sync.Mutex
	capacity int
	requests []Request
}

func newRequestLog(capacity int) *requestLog {
	if capacity <= 0 {
		capacity = defaultRequestLog
	}
	return &requestLog{capacity: capacity}
}

func (l *requestLog) add(r *http.Request, body []byte) {
	q := Request{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: bytes.Clone(body)}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.requests) == l.capacity {
		l.requests = slices.Delete(l.requests, 0, 1)
	}
	l.requests = append(l.requests, q)
}

func (l *requestLog) all() []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, len(l.requests))
	for i, q := range l.requests {
		out[i] = q.clone()
	}
	return out
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = nil
}

// updateCounter counts the contact PUTs each organization received.
type updateCounter struct {
	mu             sync.Mutex
	byOrganization map[int]int
}

func (u *updateCounter) add(id int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.byOrganization[id]++
}

// ContactUpdates returns, per organization, how many contact PUTs the
// server handled for it since it started, accepted or refused (a PUT
// refused before it reached the organization, for a bad key or the rate
// limit, is not counted). Unlike Requests it forgets nothing: tests that
// must prove no organization was sent a change twice read it.
func (s *Server) ContactUpdates() map[int]int {
	s.updates.mu.Lock()
	defer s.updates.mu.Unlock()
	out := make(map[int]int, len(s.updates.byOrganization))
	for id, n := range s.updates.byOrganization {
		out[id] = n
	}
	return out
}
