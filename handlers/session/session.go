// Package session keeps Contact Desk's sessions on the server, behind
// gorilla/sessions: Store is a sessions.Store over the store's sessions
// table.
//
// The cookie holds only a random 256-bit token; the table keeps its
// SHA-256, the user, the times, the client's address and user agent, the
// session's CSRF token, its flash messages and, for sign-in with the
// identity provider, the sign-in under way (in a pre-session) or the
// tokens that read the user's groups again and when they were read. A session ends when it is
// deleted (sign-out, or a change to the user), after IdleTimeout unused,
// or Lifetime after sign-in, all checked against the row on every
// request. Before sign-in a browser gets a pre-session, with no user,
// only when a page needs a CSRF token; it lasts PreSessionLifetime.
package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/sessions"

	"github.com/contactdesk/contactdesk/handlers/sso"
	"github.com/contactdesk/contactdesk/store"
)

const (
	// IdleTimeout ends a signed-in session nobody used for this long.
	IdleTimeout = 30 * time.Minute
	// Lifetime ends every session this long after sign-in, however
	// active.
	Lifetime = 12 * time.Hour
	// PreSessionLifetime ends a session that never signed in: long
	// enough to fill in a form, short enough that the rows of anonymous
	// visitors go soon.
	PreSessionLifetime = time.Hour
	// TouchInterval is how stale a session's last-seen time may get
	// before a request records it again: recording it on every request
	// would write to the database with every page for no gain.
	TouchInterval = time.Minute
)

// Reason says why a session ended.
type Reason string

// The reasons a session ends by itself, and Unknown: the cookie names no
// session (it was signed out, ended by its user or an admin, or never
// was one).
const (
	Idle    Reason = "idle"
	Expired Reason = "expired"
	Unknown Reason = "unknown"
)

// EndedError is what Get and New return, with a new, empty session, when
// the request's cookie names a signed-in session that has ended or names
// no session at all. It is not a failure: the request goes on without the
// session, and the page may say why.
type EndedError struct {
	Reason Reason
}

// Error implements error.
func (e *EndedError) Error() string { return "session: ended: " + string(e.Reason) }

// Ended returns why sess is no longer a session at now, or "" while it
// is one.
func Ended(sess store.Session, now time.Time) Reason {
	switch {
	// A session that seems to start in the future (the clock went back)
	// is not trusted either.
	case !now.Before(sess.ExpiresAt) || now.Before(sess.CreatedAt.Add(-time.Minute)):
		return Expired
	case sess.UserID != 0 && now.Sub(sess.LastSeenAt) >= IdleTimeout:
		return Idle
	}
	return ""
}

// Options configure a Store.
type Options struct {
	// Secure is set when users reach the portal over https: the cookie
	// is then Secure and its name carries the __Host- prefix.
	Secure bool
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// ClientAddr returns the client's address for a request; nil takes
	// the host of the request's RemoteAddr.
	ClientAddr func(*http.Request) string
}

// Store is a gorilla/sessions Store that keeps sessions in the database.
type Store struct {
	db   *store.Store
	opts Options
}

var _ sessions.Store = (*Store)(nil)

// NewStore returns a Store keeping its sessions in db.
func NewStore(db *store.Store, opts Options) *Store {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.ClientAddr == nil {
		opts.ClientAddr = remoteHost
	}
	return &Store{db: db, opts: opts}
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// CookieName is the name of the cookie of the sessions called name. Behind
// https it carries the __Host- prefix: browsers then accept the cookie only
// from this host, Secure, for Path=/ and without Domain, so a sibling
// subdomain or a plain-http answer cannot set it.
func (s *Store) CookieName(name string) string {
	if s.opts.Secure {
		return "__Host-" + name
	}
	return name
}

// state is what a session loaded from or saved to the database carries in
// its Values, under stateKey.
type state struct {
	row store.Session
}

type stateKey struct{}

func stateOf(sess *sessions.Session) *state {
	st, _ := sess.Values[stateKey{}].(*state) // absent while the session has no row
	return st
}

// UserID returns the signed-in user of sess, or 0 before sign-in.
func UserID(sess *sessions.Session) int {
	if st := stateOf(sess); st != nil {
		return st.row.UserID
	}
	return 0
}

// CSRFToken returns the token the forms of sess carry, or "" while sess
// is not stored (see Store.Save).
func CSRFToken(sess *sessions.Session) string {
	if st := stateOf(sess); st != nil {
		return st.row.CSRFToken
	}
	return ""
}

// ID returns the id of the stored session, or 0 while sess is not stored.
func ID(sess *sessions.Session) int64 {
	if st := stateOf(sess); st != nil {
		return st.row.ID
	}
	return 0
}

// Flash is a message kept in a session for the next page.
type Flash struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	// Link, when set, is a one-time link the message is about, shown in a
	// field of its own.
	Link string `json:"link,omitempty"`
}

// flashesKey is where gorilla's AddFlash and Flashes keep messages.
const flashesKey = "_flash"

// data is what the row's data column holds.
type data struct {
	Flashes []Flash `json:"flashes,omitempty"`
	// Flow is a sign-in with the identity provider under way, in a
	// pre-session.
	Flow *sso.Flow `json:"sso_flow,omitempty"`
	// Provider is how a session signed in with the identity provider
	// reads the user's groups again.
	Provider *Provider `json:"provider,omitempty"`
}

// Provider is what a session signed in with the identity provider keeps:
// the tokens that read the user's groups again, and when they were last
// read.
type Provider struct {
	Subject         string    `json:"subject"`
	Grant           sso.Grant `json:"grant"`
	GroupsCheckedAt time.Time `json:"groups_checked_at"`
}

type flowKey struct{}

type providerKey struct{}

// SetFlow keeps f in sess, a pre-session, until TakeFlow; Save stores it.
func SetFlow(sess *sessions.Session, f sso.Flow) { sess.Values[flowKey{}] = f }

// TakeFlow removes the sign-in under way from sess and returns it: a
// flow is used once, whatever its outcome. Save stores its removal.
func TakeFlow(sess *sessions.Session) (sso.Flow, bool) {
	f, ok := sess.Values[flowKey{}].(sso.Flow)
	delete(sess.Values, flowKey{})
	return f, ok
}

// SetProvider keeps p in sess, signed in with the identity provider; Save
// stores it.
func SetProvider(sess *sessions.Session, p Provider) { sess.Values[providerKey{}] = p }

// ProviderOf returns what sess keeps of its sign-in with the identity
// provider, and false for a session signed in with a password.
func ProviderOf(sess *sessions.Session) (Provider, bool) {
	p, ok := sess.Values[providerKey{}].(Provider)
	return p, ok
}

// encodeData returns what sess's row should hold in its data column: its
// flash messages, which must be Flash values, and what it keeps of the
// identity provider.
func encodeData(sess *sessions.Session) (string, error) {
	var d data
	if f, ok := sess.Values[flowKey{}].(sso.Flow); ok {
		d.Flow = &f
	}
	if p, ok := sess.Values[providerKey{}].(Provider); ok {
		d.Provider = &p
	}
	list, _ := sess.Values[flashesKey].([]any) // absent when there is none
	for _, v := range list {
		f, ok := v.(Flash)
		if !ok {
			return "", fmt.Errorf("session: a flash message of type %T, want session.Flash", v)
		}
		d.Flashes = append(d.Flashes, f)
	}
	if len(d.Flashes) == 0 && d.Flow == nil && d.Provider == nil {
		return "", nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("session: encode data: %w", err)
	}
	return string(b), nil
}

// load fills sess from its row.
func load(sess *sessions.Session, row store.Session) error {
	var d data
	if row.Data != "" {
		if err := json.Unmarshal([]byte(row.Data), &d); err != nil {
			return fmt.Errorf("session: decode data of session %d: %w", row.ID, err)
		}
	}
	sess.Values[stateKey{}] = &state{row: row}
	sess.ID = strconv.FormatInt(row.ID, 10)
	for _, f := range d.Flashes {
		sess.AddFlash(f)
	}
	if d.Flow != nil {
		sess.Values[flowKey{}] = *d.Flow
	}
	if d.Provider != nil {
		sess.Values[providerKey{}] = *d.Provider
	}
	return nil
}

// Get returns the request's session, read once per request: every later
// call returns the same session, and the same error.
func (s *Store) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New reads the session the request's cookie names. Without a cookie it
// returns a new session, not stored until Save. When the cookie names a
// signed-in session that has ended, the row is deleted and New returns a
// new session with an *EndedError; so it does when the cookie names no
// session. It records that a session was used when its last-seen time is
// TouchInterval old.
func (s *Store) New(r *http.Request, name string) (*sessions.Session, error) {
	ctx := r.Context()
	sess := sessions.NewSession(s, name)
	sess.IsNew = true
	sess.Options = s.options(0)
	ck, err := r.Cookie(s.CookieName(name))
	if err != nil {
		return sess, nil
	}
	row, err := s.db.SessionByToken(ctx, ck.Value)
	if errors.Is(err, store.ErrNotFound) {
		return sess, &EndedError{Reason: Unknown}
	}
	if err != nil {
		return sess, fmt.Errorf("session: %w", err)
	}
	now := s.opts.Clock()
	if reason := Ended(row, now); reason != "" {
		if err := s.db.DeleteSession(ctx, row.ID); err != nil {
			return sess, fmt.Errorf("session: %w", err)
		}
		if row.UserID == 0 {
			return sess, nil
		}
		return sess, &EndedError{Reason: reason}
	}
	if now.Sub(row.LastSeenAt) >= TouchInterval {
		row.LastSeenAt, row.ClientAddr = now.UTC(), s.opts.ClientAddr(r)
		if err := s.db.TouchSession(ctx, row.ID, row.LastSeenAt, row.ClientAddr); err != nil {
			return sess, fmt.Errorf("session: %w", err)
		}
	}
	if err := load(sess, row); err != nil {
		return sess, err
	}
	sess.IsNew = false
	sess.Options = s.options(row.ExpiresAt.Sub(now))
	return sess, nil
}

// Save stores sess: a session not stored yet becomes a pre-session, with
// a cookie of its own; a stored one keeps its flash messages. A session
// whose Options.MaxAge is negative is deleted and its cookie cleared.
func (s *Store) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	st := stateOf(sess)
	if sess.Options != nil && sess.Options.MaxAge < 0 {
		if st != nil {
			if err := s.db.DeleteSession(ctx, st.row.ID); err != nil {
				return fmt.Errorf("session: %w", err)
			}
		}
		delete(sess.Values, stateKey{})
		sess.ID = ""
		http.SetCookie(w, sessions.NewCookie(s.CookieName(sess.Name()), "", s.options(-1)))
		return nil
	}
	d, err := encodeData(sess)
	if err != nil {
		return err
	}
	if st == nil {
		return s.create(r, w, sess, 0, d, 0)
	}
	if d != st.row.Data {
		if err := s.db.SetSessionData(ctx, st.row.ID, d); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		st.row.Data = d
	}
	return nil
}

// Renew replaces sess with a new session of the user (0: a pre-session):
// a new token, a new CSRF token, no earlier value. Signing in and out
// renew the session, so that no token seen before (by someone who planted
// it, or looked over a shoulder) is worth anything after.
func (s *Store) Renew(r *http.Request, w http.ResponseWriter, sess *sessions.Session, userID int) error {
	var replaces int64
	if st := stateOf(sess); st != nil {
		replaces = st.row.ID
	}
	clear(sess.Values)
	sess.ID = ""
	return s.create(r, w, sess, userID, "", replaces)
}

// create stores sess as a new session of the user, replacing the session
// replaces, and sets its cookie.
func (s *Store) create(r *http.Request, w http.ResponseWriter, sess *sessions.Session, userID int, d string, replaces int64) error {
	now := s.opts.Clock()
	lifetime := PreSessionLifetime
	if userID != 0 {
		lifetime = Lifetime
	}
	token, row, err := s.db.CreateSession(r.Context(), store.NewSession{
		UserID:     userID,
		ClientAddr: s.opts.ClientAddr(r),
		UserAgent:  r.UserAgent(),
		Data:       d,
		Now:        now,
		ExpiresAt:  now.Add(lifetime),
		Replaces:   replaces,
	})
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	sess.Values[stateKey{}] = &state{row: row}
	sess.ID = strconv.FormatInt(row.ID, 10)
	sess.IsNew = false
	sess.Options = s.options(lifetime)
	http.SetCookie(w, sessions.NewCookie(s.CookieName(sess.Name()), token, sess.Options))
	return nil
}

// options are the cookie's attributes for a session that lasts d more
// (a negative d deletes the cookie; 0 makes a cookie for the browser's
// session).
func (s *Store) options(d time.Duration) *sessions.Options {
	maxAge := int(d / time.Second)
	if d < 0 {
		maxAge = -1
	}
	return &sessions.Options{
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   s.opts.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}
