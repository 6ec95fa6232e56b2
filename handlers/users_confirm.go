package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/views"
)

// confirmDisable says what disabling the user will do and asks first; the
// form it shows posts to disableUser.
func (h userHandlers) confirmDisable(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	_, effects, err := h.Accounts.DisableConsequences(c.Request().Context(), h.accountActor(c), u.ID)
	if errors.Is(err, accounts.ErrAlreadyDisabled) {
		return h.done(c, u, u.Name+" is disabled already.")
	}
	if ok, err := h.refused(c, u, err, "disable"); ok {
		return err
	}
	if err != nil {
		return err
	}
	question := "Disable " + u.Name + "?"
	return render(c, http.StatusOK, views.Confirm(views.ConfirmPage{
		Page:      h.page(c, question, "users"),
		Heading:   question,
		Effects:   effects,
		ActionURL: userURL(u.ID) + "/disable",
		Button:    "Disable " + u.Name,
		CancelURL: userURL(u.ID),
	}))
}

// confirmResetPassword says what resetting the user's password will do
// and asks first; the form it shows posts to resetPassword.
func (h userHandlers) confirmResetPassword(c echo.Context) error {
	u, err := h.userParam(c)
	if err != nil {
		return err
	}
	_, effects, err := h.Accounts.ResetPasswordConsequences(c.Request().Context(), h.accountActor(c), u.ID)
	if ok, err := h.refused(c, u, err, "reset the password of"); ok {
		return err
	}
	if err != nil {
		return err
	}
	question := "Reset the password of " + u.Name + "?"
	return render(c, http.StatusOK, views.Confirm(views.ConfirmPage{
		Page:      h.page(c, question, "users"),
		Heading:   question,
		Effects:   effects,
		ActionURL: userURL(u.ID) + "/reset-password",
		Button:    "Reset the password of " + u.Name,
		CancelURL: userURL(u.ID),
	}))
}
