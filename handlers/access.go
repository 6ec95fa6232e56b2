package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/store"
)

// Who may do what with organizations:
//
//   - admins see and change every organization;
//   - editors see and change only the organizations their teams own; any
//     other organization is 403, whether reached by link, typed URL or
//     form post;
//   - auditors see every organization, read-only: they review what was
//     changed, and the current state is part of that. They change nothing.
//
// Handlers check every organization id they act on with these functions;
// the list uses organizationScope.

// actor is who is acting in this request, for the audit log. The client
// address comes from the socket unless a trusted proxy is configured (see
// New).
func (s *server) actor(c echo.Context) contacts.Actor {
	a := contacts.Actor{ClientAddr: c.RealIP(), RequestID: requestID(c)}
	if u := currentUser(c); u != nil {
		a.UserID, a.Email = u.ID, u.Email
	}
	return a
}

// authorizeOrganization returns nil when the current user may change
// organization id, and a 403 error otherwise.
func (s *server) authorizeOrganization(c echo.Context, id int) error {
	ok, err := s.mayChangeOrganization(c, id)
	if err != nil {
		return err
	}
	if !ok {
		return s.refuseOrganization(c, id)
	}
	return nil
}

// canViewOrganization returns nil when the current user may see
// organization id, and a 403 error otherwise.
func (s *server) canViewOrganization(c echo.Context, id int) error {
	if u := currentUser(c); u != nil && u.Role == store.RoleAuditor {
		return nil
	}
	return s.authorizeOrganization(c, id)
}

// mayChangeOrganization reports whether the current user may change
// organization id: pages use it to offer the change form or not.
func (s *server) mayChangeOrganization(c echo.Context, id int) (bool, error) {
	u := currentUser(c)
	switch {
	case u == nil:
		return false, nil
	case u.Role == store.RoleAdmin:
		return true, nil
	case u.Role == store.RoleEditor:
		return s.Store.UserOwnsOrganization(c.Request().Context(), u.ID, id)
	}
	return false, nil
}

// organizationScope returns the organizations the current user may see:
// nil for all of them (admins and auditors), else the ids their teams own
// (never nil, so that an editor without teams sees none). It is meant for
// store.OrganizationQuery.IDs.
func (s *server) organizationScope(c echo.Context) ([]int, error) {
	u := currentUser(c)
	switch {
	case u == nil:
		return []int{}, nil
	case u.Role == store.RoleAdmin, u.Role == store.RoleAuditor:
		return nil, nil
	}
	return s.Store.UserOrganizationIDs(c.Request().Context(), u.ID)
}

func (s *server) refuseOrganization(c echo.Context, id int) error {
	attrs := []any{"organization_id", id, "method", c.Request().Method, "path", c.Request().URL.Path}
	if u := currentUser(c); u != nil {
		attrs = append(attrs, "user_id", u.ID, "role", string(u.Role))
	}
	s.requestLogger(c).Warn("organization access refused", attrs...)
	return echo.NewHTTPError(http.StatusForbidden)
}
