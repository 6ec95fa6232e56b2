package handlers

import (
	"errors"
	"net/http"
	"net/url"
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
	user, err := h.Store.GetUser(c.Request().Context(), userID)
	if errors.Is(err, store.ErrNotFound) {
		// Only existing users are offered.
		h.requestLogger(c).Warn("team member refused: no such user", "team_id", t.ID, "user_id", userID)
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	if _, err := h.Accounts.AddMember(c.Request().Context(), h.accountActor(c), t.ID, user.ID); err != nil {
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
	ctx := c.Request().Context()
	user, err := h.Store.GetUser(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	removed, err := h.Accounts.RemoveMember(ctx, h.accountActor(c), t.ID, userID)
	if err != nil {
		return err
	}
	if !removed {
		return h.done(c, t.ID, "That user was not a member of the team; nothing changed.")
	}
	return h.done(c, t.ID, "Removed "+user.Name+" from the team.")
}

func (h teamHandlers) addMaintainer(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	userID, err := formID(c, "maintainer_id")
	if err != nil {
		return err
	}
	user, err := h.Store.GetUser(c.Request().Context(), userID)
	if errors.Is(err, store.ErrNotFound) {
		h.requestLogger(c).Warn("team maintainer refused: no such user", "team_id", t.ID, "user_id", userID)
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	added, err := h.Accounts.AddMaintainer(c.Request().Context(), h.accountActor(c), t.ID, user.ID)
	if err != nil {
		return err
	}
	if !added {
		return h.done(c, t.ID, user.Name+" already maintains the team; nothing changed.")
	}
	return h.done(c, t.ID, user.Name+" now maintains the team.")
}

func (h teamHandlers) removeMaintainer(c echo.Context) error {
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
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	removed, err := h.Accounts.RemoveMaintainer(ctx, h.accountActor(c), t.ID, userID)
	if err != nil {
		return err
	}
	if !removed {
		return h.done(c, t.ID, "That user did not maintain the team; nothing changed.")
	}
	return h.done(c, t.ID, user.Name+" no longer maintains the team.")
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
	res, err := h.Accounts.AddOrganization(c.Request().Context(), h.accountActor(c), t.ID, orgID)
	if errors.Is(err, store.ErrNotFound) {
		// Only organizations in the cache are offered.
		h.requestLogger(c).Warn("team organization refused: not in the cache", "team_id", t.ID, "organization_id", orgID)
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	if !res.Changed {
		return h.doneSearching(c, t.ID, "The team already owns "+res.Label+".")
	}
	return h.doneSearching(c, t.ID, "The team now owns "+res.Label+".")
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
	res, err := h.Accounts.RemoveOrganization(c.Request().Context(), h.accountActor(c), t.ID, orgID)
	if err != nil {
		return err
	}
	if !res.Changed {
		return h.doneSearching(c, t.ID, "The team did not own "+res.Label+"; nothing changed.")
	}
	return h.doneSearching(c, t.ID, "The team no longer owns "+res.Label+".")
}

func (h teamHandlers) deleteTeam(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	if err := h.Accounts.DeleteTeam(c.Request().Context(), h.accountActor(c), t.ID); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "Deleted the team "+t.Name+"."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/teams")
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
