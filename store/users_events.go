package store

import (
	"context"
	"fmt"
	"strings"
)

// securityKinds are the kinds AuditKind.Security accepts, for queries.
func securityKinds() []any {
	kinds := SecurityKinds()
	out := make([]any, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

// SecurityEvents returns the newest security events (sign-ins, sign-outs,
// changes to users and teams) whose actor email is email (compared as
// NormalizeEmail forms), at most limit of them, newest first. For a failed
// sign-in the actor email is the email that was typed.
func (s *Store) SecurityEvents(ctx context.Context, email string, limit int) ([]AuditEvent, error) {
	kinds := securityKinds()
	args := append([]any{NormalizeEmail(email)}, kinds...)
	args = append(args, max(limit, 1))
	events, err := s.queryAuditEvents(ctx,
		`SELECT `+auditColumns+` FROM audit_events
		 WHERE actor_email = ? AND kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
		 ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: security events of %s: %w", email, err)
	}
	return events, nil
}
