package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
)

// securityEvent is a sign-in, sign-out or change to users and teams, for
// the audit log.
type securityEvent struct {
	kind store.AuditKind
	// actor is who acted; nil takes the signed-in user. For sign-ins it
	// is the user signing in, or nil with actorEmail set to what was
	// typed.
	actor          *store.User
	actorEmail     string
	organizationID int
	summary        string
}

// recordSecurityEvent appends e to the audit log with the request's client
// address and id: for sign-ins and sign-outs, which change no stored row.
// A change to users or teams records its event in its own transaction
// instead (securityChange). A failure to record is returned: a security
// event that cannot be recorded is an error the user must see.
func (s *server) recordSecurityEvent(c echo.Context, e securityEvent) error {
	ev, err := s.auditEvent(c, e)
	if err != nil {
		return err
	}
	if _, err := s.Store.AppendAuditEvent(c.Request().Context(), ev); err != nil {
		return fmt.Errorf("handlers: record %s: %w", e.kind, err)
	}
	s.logSecurityEvent(c, ev)
	return nil
}

// securityChange is the audit event of one change to users or teams, made
// from the changed row T. The store appends it in the change's own
// transaction (event, a store.EventFor), so that the change and its record
// commit together or not at all; finish, given the store's answer, counts
// and logs it once it is committed.
type securityChange[T any] struct {
	s        *server
	c        echo.Context
	describe func(changed T) securityEvent
	// made is the event given to the store, nil while none was made. It is
	// stored only if the change commits.
	made *store.AuditEvent
}

// newSecurityChange returns the record of a change whose event describe
// makes from the changed row.
func newSecurityChange[T any](s *server, c echo.Context, describe func(changed T) securityEvent) *securityChange[T] {
	return &securityChange[T]{s: s, c: c, describe: describe}
}

// event makes the change's audit event for the store.
func (r *securityChange[T]) event(changed T) (store.AuditEvent, error) {
	ev, err := r.s.auditEvent(r.c, r.describe(changed))
	if err != nil {
		return store.AuditEvent{}, err
	}
	r.made = &ev
	return ev, nil
}

// finish counts and logs the event when the store's call that took it
// returned err nil: the change and its event committed. A change that
// failed, was refused or changed nothing is neither counted nor logged.
func (r *securityChange[T]) finish(err error) {
	if err == nil && r.made != nil {
		r.s.logSecurityEvent(r.c, *r.made)
	}
	r.made = nil
}

// auditEvent is e as the audit log stores it, with the request's client
// address and id and a submission id of its own.
func (s *server) auditEvent(c echo.Context, e securityEvent) (store.AuditEvent, error) {
	id, err := newEventID()
	if err != nil {
		return store.AuditEvent{}, err
	}
	ev := store.AuditEvent{
		SubmissionID:   id,
		Kind:           e.kind,
		OccurredAt:     s.now(),
		OrganizationID: e.organizationID,
		ClientAddr:     c.RealIP(),
		RequestID:      requestID(c),
		Summary:        e.summary,
		ActorEmail:     truncateRunes(e.actorEmail, store.MaxEmailLength),
	}
	actor := e.actor
	if actor == nil {
		actor = currentUser(c)
	}
	if actor != nil {
		ev.ActorID, ev.ActorEmail = actor.ID, actor.Email
	}
	return ev, nil
}

// logSecurityEvent counts a recorded event and writes it to the log.
func (s *server) logSecurityEvent(c echo.Context, ev store.AuditEvent) {
	s.Metrics.AuditEvent(string(ev.Kind))
	s.requestLogger(c).Info("security event", "kind", string(ev.Kind), "actor_id", ev.ActorID, "summary", ev.Summary)
}

// newEventID is a random submission id for a security event.
func newEventID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("handlers: event id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// truncateRunes cuts s to at most n characters: typed values recorded in
// the log are bounded.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// describeUser names a user in event summaries.
func describeUser(u store.User) string {
	return fmt.Sprintf("%s <%s> (user %d)", u.Name, u.Email, u.ID)
}
