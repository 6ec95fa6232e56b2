package handlers

import (
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"
)

const (
	// decodedCookieMaxAge is how long a decoded session cookie is
	// remembered. The cookie's own age limit is checked when it is first
	// decoded; the session's idle and absolute limits are checked on every
	// request from its values (sessionIdentity.check), so remembering a
	// decoding for a minute lets no session live longer.
	decodedCookieMaxAge = time.Minute
	// maxDecodedCookies bounds the memory; past it, it starts over.
	maxDecodedCookies = 4096
)

// cookieStore is gorilla's cookie store with a memory of the cookies it
// decoded lately: a browser sends the same cookie with every request until
// the session changes, and checking its signature and decrypting it again
// each time was the costliest part of the session code. A cookie is only
// remembered once it decoded, keyed by its exact text, so nothing that was
// not signed with the store's keys is ever accepted.
type cookieStore struct {
	*sessions.CookieStore
	now func() time.Time

	mu      sync.Mutex
	decoded map[string]decodedCookie
}

type decodedCookie struct {
	values map[any]any
	at     time.Time
}

func newCookieStore(st *sessions.CookieStore, now func() time.Time) *cookieStore {
	return &cookieStore{CookieStore: st, now: now, decoded: make(map[string]decodedCookie)}
}

// Get returns the request's session, made once per request.
func (s *cookieStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New reads the session from the request's cookie, as gorilla's cookie
// store does, from memory when the same cookie decoded lately.
func (s *cookieStore) New(r *http.Request, name string) (*sessions.Session, error) {
	session := sessions.NewSession(s, name)
	opts := *s.Options
	session.Options = &opts
	session.IsNew = true
	c, err := r.Cookie(name)
	if err != nil {
		return session, nil
	}
	if values, ok := s.recall(c.Value); ok {
		session.Values = values
		session.IsNew = false
		return session, nil
	}
	if err := securecookie.DecodeMulti(name, c.Value, &session.Values, s.Codecs...); err != nil {
		return session, err
	}
	session.IsNew = false
	s.remember(c.Value, session.Values)
	return session, nil
}

func (s *cookieStore) recall(cookie string) (map[any]any, bool) {
	s.mu.Lock()
	d, ok := s.decoded[cookie]
	s.mu.Unlock()
	if !ok {
		return nil, false
	}
	if age := s.now().Sub(d.at); age < 0 || age >= decodedCookieMaxAge {
		return nil, false
	}
	return copyValues(d.values), true
}

func (s *cookieStore) remember(cookie string, values map[any]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.decoded) >= maxDecodedCookies {
		clear(s.decoded)
	}
	s.decoded[cookie] = decodedCookie{values: copyValues(values), at: s.now()}
}

// copyValues copies a session's values, the lists of flash messages
// included, so that a request changing its session never changes what is
// remembered.
func copyValues(values map[any]any) map[any]any {
	out := make(map[any]any, len(values))
	for k, v := range values {
		if list, ok := v.([]any); ok {
			v = append([]any(nil), list...)
		}
		out[k] = v
	}
	return out
}
