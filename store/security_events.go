package store

import (
	"context"
	"fmt"
	"strings"
)

// SecurityKinds are the kinds of security events, in the order a filter
// lists them.
func SecurityKinds() []AuditKind {
	return []AuditKind{AuditSignedIn, AuditSignInFailed, AuditSignInThrottled, AuditSignedOut,
		AuditUserCreated, AuditUserChanged, AuditUserDisabled, AuditPasswordChanged, AuditTeamChanged,
		AuditGroupMappingChanged}
}

// SecurityEventQuery asks for one page of security events, newest first.
type SecurityEventQuery struct {
	// Kind selects one kind of security event; "" means all of them.
	Kind AuditKind
	// User matches part of the actor's email, ignoring ASCII case.
	User string
	// Before, when not zero, asks for events older than that event id.
	Before int64
	Limit  int
}

// SecurityEventPage is one page of security events and whether older ones
// follow.
type SecurityEventPage struct {
	Events   []AuditEvent
	HasOlder bool
}

// ListSecurityEvents returns a page of security events (sign-ins, failed
// and throttled sign-ins, sign-outs, changes to users and teams), newest
// first, paged by event id.
func (s *Store) ListSecurityEvents(ctx context.Context, q SecurityEventQuery) (SecurityEventPage, error) {
	if q.Kind != "" && !q.Kind.Security() {
		return SecurityEventPage{}, fmt.Errorf("store: list security events: %q is not a security event kind", q.Kind)
	}
	limit := q.Limit
	if limit < 1 || limit > maxAuditPage {
		limit = maxAuditPage
	}
	var conds []string
	var args []any
	if q.Kind != "" {
		conds = append(conds, "kind = ?")
		args = append(args, string(q.Kind))
	} else {
		kinds := securityKinds()
		conds = append(conds, "kind IN (?"+strings.Repeat(", ?", len(kinds)-1)+")")
		args = append(args, kinds...)
	}
	if q.User != "" {
		conds = append(conds, `lower(actor_email) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(strings.ToLower(q.User))+"%")
	}
	if q.Before > 0 {
		conds = append(conds, "id < ?")
		args = append(args, q.Before)
	}
	events, err := s.queryAuditEvents(ctx,
		`SELECT `+auditColumns+` FROM audit_events WHERE `+strings.Join(conds, " AND ")+
			` ORDER BY id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return SecurityEventPage{}, fmt.Errorf("store: list security events: %w", err)
	}
	page := SecurityEventPage{Events: events}
	if len(events) > limit {
		page.Events, page.HasOlder = events[:limit], true
	}
	return page, nil
}
