package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// passwordLinkHandlers serve the one-time links through which a user
// chooses a password: after an admin creates their account or resets
// their password. The accounts service makes the links.
type passwordLinkHandlers struct {
	*server
}

func (h passwordLinkHandlers) routes(g *echo.Group) {
	g.GET(accounts.PasswordPath, h.showChoosePassword)
	g.POST(accounts.PasswordPath, h.choosePassword)
}

func (h passwordLinkHandlers) showChoosePassword(c echo.Context) error {
	token := c.QueryParam("token")
	user, err := h.Accounts.PasswordLinkUser(c.Request().Context(), token)
	if err != nil {
		return h.linkNotValid(c, err)
	}
	return h.renderChoosePassword(c, http.StatusOK, token, user, nil)
}

func (h passwordLinkHandlers) choosePassword(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.FormValue("token")
	form := readAccountForm(c)
	_, err := h.Accounts.ChoosePassword(ctx, h.accountActor(c), token, form.Password, form.Confirm)
	if errs := fieldErrors(err); errs != nil {
		user, err := h.Accounts.PasswordLinkUser(ctx, token)
		if err != nil {
			return h.linkNotValid(c, err)
		}
		return h.renderChoosePassword(c, http.StatusUnprocessableEntity, token, user, errs)
	}
	if err != nil {
		return h.linkNotValid(c, err)
	}
	// Whoever was signed in in this browser is not necessarily the user.
	if err := h.Sessions.signOut(c); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "Your password is saved. Sign in with it."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, signInPath)
}

// linkNotValid explains accounts.ErrLinkNotValid; any other error is
// returned.
func (h passwordLinkHandlers) linkNotValid(c echo.Context, err error) error {
	if !errors.Is(err, accounts.ErrLinkNotValid) {
		return err
	}
	h.requestLogger(c).Warn("password link refused")
	p := views.LinkProblemPage{
		Page:    h.page(c, "Link not valid", ""),
		Heading: "This link is not valid",
		Message: "Links to choose a password work once, for 24 hours, and only the newest one for an account. Ask an administrator for a new link.",
	}
	return render(c, http.StatusNotFound, views.LinkProblem(p))
}

func (h passwordLinkHandlers) renderChoosePassword(c echo.Context, status int, token string, user store.User, errs map[string]string) error {
	p := views.ChoosePasswordPage{
		Page:      h.page(c, "Choose your password", ""),
		Token:     token,
		UserName:  user.Name,
		UserEmail: user.Email,
		Password:  newPasswordInput("password", "New password", errs["password"]),
		Confirm:   components.Input{ID: "confirm", Label: "Confirm new password", Type: "password", Autocomplete: "new-password", Error: errs["confirm"]},
		Errors:    fieldErrorLinks(errs, "password", "confirm"),
	}
	p.HasErrors = len(p.Errors) > 0
	return render(c, status, views.ChoosePassword(p))
}
