package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// accountActor is who makes this request's changes to users and teams, as
// the accounts service and the audit log know them: the signed-in user,
// the client address and the request id.
func (s *server) accountActor(c echo.Context) accounts.Actor {
	return accounts.Actor{User: currentUser(c), ClientAddr: c.RealIP(), RequestID: requestID(c)}
}

// securityEvent is a sign-in, a sign-out or a change to the signed-in
// user's own account, for the audit log. Changes to users and teams are
// the accounts service's, which records their events itself.
type securityEvent struct {
	kind store.AuditKind
	// actor is who acted; nil takes the signed-in user. For sign-ins it
	// is the user signing in, or nil with actorEmail set to what was
	// typed.
	actor      *store.User
	actorEmail string
	summary    string
}

// eventActor is the actor e names, from this request.
func (s *server) eventActor(c echo.Context, e securityEvent) accounts.Actor {
	a := s.accountActor(c)
	if e.actor != nil {
		a.User = e.actor
	}
	if a.User == nil {
		a.Email = e.actorEmail
	}
	return a
}

// recordSecurityEvent appends e to the audit log with the request's client
// address and id: for sign-ins and sign-outs, which change no stored row.
// A failure to record is returned: a security event that cannot be
// recorded is an error the user must see.
func (s *server) recordSecurityEvent(c echo.Context, e securityEvent) error {
	return s.Accounts.Record(c.Request().Context(), s.eventActor(c, e), e.kind, e.summary)
}

// securityChange is the audit event of one change to the signed-in user's
// account, made from the changed row T. The store appends it in the
// change's own transaction (event, a store.EventFor), so that the change
// and its record commit together or not at all; finish, given the store's
// answer, counts and logs it once it is committed.
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
	e := r.describe(changed)
	ev := r.s.Accounts.Event(r.s.eventActor(r.c, e), e.kind, e.summary)
	r.made = &ev
	return ev, nil
}

// finish counts and logs the event when the store's call that took it
// returned err nil: the change and its event committed. A change that
// failed, was refused or changed nothing is neither counted nor logged.
func (r *securityChange[T]) finish(err error) {
	if err == nil && r.made != nil {
		r.s.Accounts.EventCommitted(r.c.Request().Context(), *r.made)
	}
	r.made = nil
}
