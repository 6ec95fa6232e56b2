package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
)

// formID reads a positive id from a form field. A missing or malformed id
// is a request the page never makes: 400.
func formID(c echo.Context, field string) (int, error) {
	id, ok := parseID(c.FormValue(field))
	if !ok {
		return 0, echo.NewHTTPError(http.StatusBadRequest)
	}
	return id, nil
}

func (h teamHandlers) addMember(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	userID, err := formID(c, "user_id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	user, err := h.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		h.requestLogger(c).Warn("team member refused: no such user", "team_id", t.ID, "user_id", userID)
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	change := newSecurityChange(h.server, c, func(changed store.Team) securityEvent {
		return securityEvent{kind: store.AuditTeamChanged, summary: "Added " + describeUser(user) + " to team " + strconv.Quote(changed.Name)}
	})
	_, err = h.Store.AddTeamMember(ctx, t.ID, user.ID, change.event)
	change.finish(err)
	if err != nil {
		return err
	}
	return h.done(c, t.ID, "Added "+user.Name+" to the team.")
}

func (h teamHandlers) removeMember(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	userID, err := formID(c, "user_id")
	if err != nil {
		return err
	}
	const notMember = "That user was not a member of the team; nothing changed."
	ctx := c.Request().Context()
	// An unknown user is a member of no team: memberships go with their
	// user.
	user, err := h.Store.GetUser(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return h.done(c, t.ID, notMember)
	}
	if err != nil {
		return err
	}
	change := newSecurityChange(h.server, c, func(changed store.Team) securityEvent {
		return securityEvent{kind: store.AuditTeamChanged, summary: "Removed " + describeUser(user) + " from team " + strconv.Quote(changed.Name)}
	})
	removed, err := h.Store.RemoveTeamMember(ctx, t.ID, user.ID, change.event)
	change.finish(err)
	if err != nil {
		return err
	}
	if !removed {
		return h.done(c, t.ID, notMember)
	}
	return h.done(c, t.ID, "Removed "+user.Name+" from the team.")
}

func (h teamHandlers) addOrganization(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	orgID, err := formID(c, "organization_id")
	if err != nil {
		return err
	}
	name := organizationLabel(c, h.server, orgID)
	change := newSecurityChange(h.server, c, func(changed store.Team) securityEvent {
		return securityEvent{kind: store.AuditTeamChanged, organizationID: orgID,
			summary: "Gave team " + strconv.Quote(changed.Name) + " the organization " + name}
	})
	_, err = h.Store.AddTeamOrganization(c.Request().Context(), t.ID, orgID, change.event)
	change.finish(err)
	if errors.Is(err, store.ErrNotFound) {
		// Only organizations in the cache are offered.
		h.requestLogger(c).Warn("team organization refused: not in the cache", "team_id", t.ID, "organization_id", orgID)
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	return h.doneSearching(c, t.ID, "The team now owns "+name+".")
}

func (h teamHandlers) removeOrganization(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	orgID, err := formID(c, "organization_id")
	if err != nil {
		return err
	}
	name := organizationLabel(c, h.server, orgID)
	change := newSecurityChange(h.server, c, func(changed store.Team) securityEvent {
		return securityEvent{kind: store.AuditTeamChanged, organizationID: orgID,
			summary: "Took the organization " + name + " from team " + strconv.Quote(changed.Name)}
	})
	removed, err := h.Store.RemoveTeamOrganization(c.Request().Context(), t.ID, orgID, change.event)
	change.finish(err)
	if err != nil {
		return err
	}
	if !removed {
		return h.doneSearching(c, t.ID, "The team did not own "+name+"; nothing changed.")
	}
	return h.doneSearching(c, t.ID, "The team no longer owns "+name+".")
}

func (h teamHandlers) deleteTeam(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	change := newSecurityChange(h.server, c, func(deleted store.Team) securityEvent {
		return securityEvent{kind: store.AuditTeamChanged, summary: "Deleted team " + strconv.Quote(deleted.Name)}
	})
	err = h.Store.DeleteTeam(c.Request().Context(), t.ID, change.event)
	change.finish(err)
	if err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "Deleted the team "+t.Name+"."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/teams")
}

// organizationLabel names an organization by its cached name and id.
func organizationLabel(c echo.Context, s *server, id int) string {
	label := "organization " + strconv.Itoa(id)
	if o, err := s.Store.GetOrganization(c.Request().Context(), id); err == nil {
		label = o.Name + " (" + strconv.Itoa(id) + ")"
	}
	return label
}

// doneSearching goes back to the team's page, keeping the search the form
// was posted from.
func (h teamHandlers) doneSearching(c echo.Context, teamID int, message string) error {
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	target := teamURL(teamID)
	if q := strings.TrimSpace(c.FormValue("q")); q != "" {
		target += "?" + url.Values{"q": {q}}.Encode()
	}
	return c.Redirect(http.StatusSeeOther, target)
}
