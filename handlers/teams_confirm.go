package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/views"
)

// confirmDeleteTeam says what deleting the team will do, member by member,
// and asks first; the form it shows posts to deleteTeam.
func (h teamHandlers) confirmDeleteTeam(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	_, effects, err := h.Accounts.DeleteTeamConsequences(c.Request().Context(), h.accountActor(c), t.ID)
	if err != nil {
		return err
	}
	question := "Delete the team " + t.Name + "?"
	return render(c, http.StatusOK, views.Confirm(views.ConfirmPage{
		Page:      h.page(c, question, "teams"),
		Heading:   question,
		Effects:   effects,
		ActionURL: teamURL(t.ID) + "/delete",
		Button:    "Delete the team " + t.Name,
		CancelURL: teamURL(t.ID),
	}))
}
