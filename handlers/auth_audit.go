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
// address and id. Each event has a submission id of its own. A failure to
// record is returned: a security change that cannot be recorded is an
// error the user must see.
func (s *server) recordSecurityEvent(c echo.Context, e securityEvent) error {
	id, err := newEventID()
	if err != nil {
		return err
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
	if _, err := s.Store.AppendAuditEvent(c.Request().Context(), ev); err != nil {
		return fmt.Errorf("handlers: record %s: %w", e.kind, err)
	}
	s.Metrics.AuditEvent(string(e.kind))
	s.requestLogger(c).Info("security event", "kind", string(e.kind), "actor_id", ev.ActorID, "summary", e.summary)
	return nil
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
