package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/internal/plaintext"
	"github.com/contactdesk/contactdesk/store"
)

// LinkLifetime is how long a one-time password link works.
const LinkLifetime = 24 * time.Hour

// The paths of the one-time links, which the web handlers serve.
const (
	SetupPath    = "/setup"
	PasswordPath = "/password"
)

// Config is what the service depends on.
type Config struct {
	// Store keeps users, teams and the audit log; required.
	Store *store.Store
	// Passwords hashes new passwords; required.
	Passwords *store.PasswordHasher
	// BaseURL is the address users reach, from which one-time links are
	// made: CONTACTDESK_PUBLIC_URL, else the address the portal listens
	// on. Never a request's Host: a link built from it could send a token
	// to whoever forged the header. Required: an absolute http or https
	// URL, which may have a path.
	BaseURL string
	// Logger writes a line for every security event recorded; nil
	// discards them.
	Logger *slog.Logger
	// Clock returns the current time; nil means time.Now. Tests move it
	// past a link's lifetime.
	Clock func() time.Time
	// OnAuditEvent, when set, is told the kind of every event recorded,
	// for metrics.
	OnAuditEvent func(kind store.AuditKind)
}

// Service holds the rules for users and teams. It is safe for concurrent
// use.
type Service struct {
	store     *store.Store
	passwords *store.PasswordHasher
	baseURL   string
	logger    *slog.Logger
	now       func() time.Time
	onEvent   func(store.AuditKind)
	common    commonPasswords
}

// NewService returns the service cfg describes.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Passwords == nil {
		return nil, errors.New("accounts: a store and a password hasher are required")
	}
	base, err := checkBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	s := &Service{
		store:     cfg.Store,
		passwords: cfg.Passwords,
		baseURL:   base,
		logger:    cfg.Logger,
		now:       cfg.Clock,
		onEvent:   cfg.OnAuditEvent,
		common:    loadCommonPasswords(),
	}
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// checkBaseURL returns raw without a trailing slash when it is an absolute
// http or https URL with a host and nothing after its path.
func checkBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("accounts: base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("accounts: base URL %q is not an http or https address without query or fragment", raw)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

// link is the absolute address of the one-time link at path for token.
func (s *Service) link(path, token string) string {
	return s.baseURL + path + "?" + url.Values{"token": {token}}.Encode()
}

// Actor is who makes a change and from where, as the audit log records it.
type Actor struct {
	// User is the signed-in user who acts; nil when nobody is.
	User *store.User
	// Email names the actor when User is nil: for a sign-in attempt, the
	// email that was typed.
	Email string
	// ClientAddr and RequestID say where a web request came from.
	ClientAddr string
	RequestID  string
	// commandLine is set by CommandLine only.
	commandLine bool
}

// CommandLine is the actor of changes made with the contactdesk command.
// Whoever runs it holds the database file itself, so it may do what an
// administrator may; it has no client address.
func CommandLine() Actor {
	return Actor{Email: "command line", RequestID: "cli", commandLine: true}
}

// mayManage reports whether a may change users and teams: the command line
// or an enabled administrator.
func (a Actor) mayManage() bool {
	return a.commandLine || (a.User != nil && a.User.Role == store.RoleAdmin && !a.User.Disabled)
}

// is reports whether a is the signed-in user id.
func (a Actor) is(id int) bool { return a.User != nil && a.User.ID == id }

// Event is the security event of kind by a, summary saying what happened,
// ready for the audit log. Nothing recorded carries a NUL, invalid UTF-8
// or a text direction override: a typed email and the summary are escaped
// (plaintext.Escape), and the typed email is bounded.
func (s *Service) Event(a Actor, kind store.AuditKind, summary string) store.AuditEvent {
	ev := store.AuditEvent{
		SubmissionID: newEventID(),
		Kind:         kind,
		OccurredAt:   s.now(),
		ActorEmail:   truncateRunes(plaintext.Escape(a.Email), MaxEmailLength),
		ClientAddr:   a.ClientAddr,
		RequestID:    a.RequestID,
		Summary:      plaintext.Escape(summary),
	}
	if a.User != nil {
		ev.ActorID, ev.ActorEmail = a.User.ID, a.User.Email
	}
	return ev
}

// Record appends the security event of kind by a to the audit log: for
// sign-ins and sign-outs, which change no stored row. A failure to record
// is returned: a security event that cannot be recorded is an error the
// user must see.
func (s *Service) Record(ctx context.Context, a Actor, kind store.AuditKind, summary string) error {
	ev := s.Event(a, kind, summary)
	if _, err := s.store.AppendAuditEvent(ctx, ev); err != nil {
		return fmt.Errorf("accounts: record %s: %w", kind, err)
	}
	s.EventCommitted(ctx, ev)
	return nil
}

// EventCommitted counts and logs an event once it is in the audit log.
func (s *Service) EventCommitted(ctx context.Context, ev store.AuditEvent) {
	if s.onEvent != nil {
		s.onEvent(ev.Kind)
	}
	s.logger.InfoContext(ctx, "security event", "kind", string(ev.Kind), "actor_id", ev.ActorID, "summary", ev.Summary)
}

// change is the security event of one change to users or teams, made from
// the changed row T. The store appends it in the change's own transaction
// (event is a store.EventFor), so that the change and its record commit
// together or not at all; done, given the store's answer, counts and logs
// it once it is committed.
type change[T any] struct {
	s       *Service
	actor   Actor
	kind    store.AuditKind
	summary func(changed T) string
	// organizationID is the organization the change concerns, if any.
	organizationID int
	// actsAs, when set, makes the changed row the actor: a user who
	// creates or completes their own account through a one-time link.
	actsAs func(changed T) store.User
	// made is the event given to the store, nil while none was made. It is
	// stored only if the change commits.
	made *store.AuditEvent
}

func newChange[T any](s *Service, a Actor, kind store.AuditKind, summary func(changed T) string) *change[T] {
	return &change[T]{s: s, actor: a, kind: kind, summary: summary}
}

// event makes the change's audit event for the store.
func (c *change[T]) event(changed T) (store.AuditEvent, error) {
	a := c.actor
	if c.actsAs != nil {
		u := c.actsAs(changed)
		a.User = &u
	}
	ev := c.s.Event(a, c.kind, c.summary(changed))
	ev.OrganizationID = c.organizationID
	c.made = &ev
	return ev, nil
}

// done counts and logs the event when the store's call that took it
// returned err nil: the change and its event committed. A change that
// failed, was refused or changed nothing is neither counted nor logged.
func (c *change[T]) done(ctx context.Context, err error) {
	if err == nil && c.made != nil {
		c.s.EventCommitted(ctx, *c.made)
	}
	c.made = nil
}

// describeUser names a user in event summaries.
func describeUser(u store.User) string {
	return fmt.Sprintf("%s <%s> (user %d)", u.Name, u.Email, u.ID)
}

// newEventID is a random submission id for a security event.
func newEventID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (Go 1.24 and later)
	return hex.EncodeToString(b[:])
}

// truncateRunes cuts s to at most n characters: typed values recorded in
// the log are bounded.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
