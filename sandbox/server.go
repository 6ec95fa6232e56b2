// Package sandbox emulates the three DigiCert CertCentral Services API
// endpoints Contact Desk relies on: listing organizations, reading one
// organization, and updating its organization and technical contacts.
//
// It is written from DigiCert's documentation alone and shares no code with
// the client in package digicert, so that testing one against the other
// checks two independent readings of the same rules. It serves as the
// upstream in sandbox mode (no API key configured), as a stand-alone server
// for scripts, and as the far end of client and end-to-end tests, which can
// inject faults and inspect every request received.
package sandbox

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net/http"
	"time"
)

const (
	// apiPrefix is where CertCentral's Services API v2 lives on every host.
	apiPrefix = "/services/v2"
	// defaultAPIKey is the key accepted when Options.APIKey is empty.
	defaultAPIKey = "sandbox"
	// maxBodyBytes bounds a request body; larger bodies are refused with 413.
	maxBodyBytes = 1 << 20
	// defaultRequestLog is how many recent requests Requests keeps by default.
	defaultRequestLog = 1000
)

// Options configures a Server. The zero value is usable.
type Options struct {
	// APIKey is the only X-DC-DEVKEY value accepted; "" means "sandbox".
	APIKey string
	// Windows are the rate limits applied per API key. nil means DigiCert's
	// documented limits (100 requests per 5 seconds and 1000 per 5 minutes);
	// an empty, non-nil slice turns rate limiting off.
	Windows []RateWindow
	// Quirks makes responses carry the type quirks seen in real DigiCert
	// answers: ids as strings ("12"), is_active as "1"/"0", and language_id
	// as a number.
	Quirks bool
	// Now is the clock of the rate limiter; nil means time.Now.
	Now func() time.Time
	// RequestLog is how many of the most recent requests Requests keeps, so
	// a long-running sandbox does not grow without bound; 0 means 1000.
	RequestLog int
	// Organizations is how many organizations the sandbox starts with: 0
	// means the seed table's sixty-odd; more adds made-up ones after them
	// (ids follow on), as many as a large account holds.
	Organizations int
	// ReadOnlyKeys are further X-DC-DEVKEY values accepted, for keys whose
	// role may only read (DigiCert's View Only role): they list and read
	// organizations, and get 403 access_denied|missing_permission on the
	// contact PUT.
	ReadOnlyKeys []string
	// OmitTechnicalContact leaves the technical_contact field out of
	// organization reads altogether, as DigiCert's documented answer does.
	// Otherwise a read carries the technical contact, or null for none.
	OmitTechnicalContact bool
}

// Server is an in-memory CertCentral emulator. It is an http.Handler for
// paths under /services/v2/ and is safe for concurrent use.
type Server struct {
	apiKey       string
	readOnlyKeys []string
	quirks       bool
	// omitTechnical leaves technical_contact out of organization reads.
	omitTechnical bool
	now           func() time.Time
	orgs          *registry
	limiter       *limiter
	faults        *faultQueue
	log           *requestLog
	mux           *http.ServeMux
	// updates counts the contact PUTs handled per organization.
	updates *updateCounter
}

// New returns a Server holding the deterministic seed organizations, and
// made-up ones up to opts.Organizations.
func New(opts Options) *Server {
	s := &Server{
		apiKey:        opts.APIKey,
		readOnlyKeys:  append([]string(nil), opts.ReadOnlyKeys...),
		quirks:        opts.Quirks,
		omitTechnical: opts.OmitTechnicalContact,
		now:           opts.Now,
		orgs:          newRegistry(),
		limiter:       newLimiter(opts.Windows),
		faults:        &faultQueue{},
		log:           newRequestLog(opts.RequestLog),
		updates:       &updateCounter{byOrganization: map[int]int{}},
	}
	if s.apiKey == "" {
		s.apiKey = defaultAPIKey
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.orgs.seed(opts.Organizations)
	s.mux = s.routes()
	return s
}

// routes lists every endpoint the emulator answers. Any other path is
// DigiCert's 404 not_found|route, the answer a wrong base URL gets; a
// known path with the wrong method is a 405.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc(apiPrefix+"/organization", s.only(http.MethodGet, s.listOrganizations))
	mux.HandleFunc(apiPrefix+"/organization/{id}", s.only(http.MethodGet, s.showOrganization))
	mux.HandleFunc(apiPrefix+"/organization/{id}/contact", s.only(http.MethodPut, s.writable(s.updateContacts)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeErrors(w, http.StatusNotFound, apiError{"not_found|route", "The requested route was not found."})
	})
	return mux
}

// ServeHTTP answers one request the way CertCentral would: it records the
// request, plays any queued fault, then checks the API key, the rate limit
// and the body size before routing under /services/v2/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, tooLarge, err := readBody(r)
	s.log.add(r, body)
	if err != nil {
		writeErrors(w, http.StatusBadRequest, apiError{"bad_request_format", "The request body could not be read."})
		return
	}
	if f, ok := s.faults.next(r.Method); ok && s.playFault(w, r, f) {
		return
	}
	key := r.Header.Get("X-DC-DEVKEY")
	if !s.validKey(key) && !s.readOnlyKey(key) {
		// DigiCert answers a bad key with 403, not 401, and such requests
		// do not count against any key's rate limit. The message is the
		// one recorded from DigiCert's answer.
		writeErrors(w, http.StatusForbidden, apiError{"access_denied|access_denied_invalid_key", "Access denied due to access_denied_invalid_key."})
		return
	}
	if !s.limiter.allow(key, s.now()) {
		writeErrors(w, http.StatusTooManyRequests, apiError{"request_limit_exceeded", "Service unavailable, please limit request volume"})
		return
	}
	if tooLarge {
		writeErrors(w, http.StatusRequestEntityTooLarge, apiError{"request_too_large", "The request body is larger than 1 MiB."})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.mux.ServeHTTP(w, r)
}

// validKey compares in constant time so response timing does not reveal
// how much of a guessed key was right.
func (s *Server) validKey(key string) bool {
	return subtle.ConstantTimeCompare([]byte(key), []byte(s.apiKey)) == 1
}

// readOnlyKey reports whether key is one of the keys that may only read.
func (s *Server) readOnlyKey(key string) bool {
	found := false
	for _, k := range s.readOnlyKeys {
		// Every key is compared, so the time taken does not say which.
		found = subtle.ConstantTimeCompare([]byte(key), []byte(k)) == 1 || found
	}
	return found
}

// writable wraps a handler that changes data: a key that may only read
// gets DigiCert's 403 access_denied|missing_permission and nothing
// changes. The message is the sandbox's own: DigiCert's wording for it is
// not recorded.
func (s *Server) writable(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.validKey(r.Header.Get("X-DC-DEVKEY")) {
			writeErrors(w, http.StatusForbidden, apiError{"access_denied|missing_permission", "The API key does not have permission to perform this action."})
			return
		}
		h(w, r)
	}
}

// only wraps h so that any other method gets a JSON 405 naming the one
// allowed.
func (s *Server) only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeErrors(w, http.StatusMethodNotAllowed, apiError{"method_not_allowed", "This endpoint accepts only " + method + " requests."})
			return
		}
		h(w, r)
	}
}

// readBody reads at most maxBodyBytes of the body, reporting whether there
// was more.
func readBody(r *http.Request) (body []byte, tooLarge bool, err error) {
	if r.Body == nil {
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if len(body) > maxBodyBytes {
		return body[:maxBodyBytes], true, err
	}
	return body, false, err
}
