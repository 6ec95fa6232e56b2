package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// passwordLinkLifetime is how long a one-time password link works.
const passwordLinkLifetime = 24 * time.Hour

const choosePasswordPath = "/password"

// passwordLinkHandlers serve the one-time links through which a user
// chooses a password: after an admin creates their account or resets
// their password.
type passwordLinkHandlers struct {
	*server
}

func (h passwordLinkHandlers) routes(g *echo.Group) {
	g.GET(choosePasswordPath, h.showChoosePassword)
	g.POST(choosePasswordPath, h.choosePassword)
}

// passwordLink is the absolute address of the link for token. It uses the
// configured public URL; without one, the address this request came to,
// which is only ever shown to the admin who made that request.
func (s *server) passwordLink(c echo.Context, token string) string {
	base := strings.TrimSuffix(s.PublicURL, "/")
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return base + choosePasswordPath + "?" + url.Values{"token": {token}}.Encode()
}

func (h passwordLinkHandlers) showChoosePassword(c echo.Context) error {
	token := c.QueryParam("token")
	user, err := h.Store.PasswordTokenUser(c.Request().Context(), token, h.now())
	if err != nil {
		return h.linkNotValid(c, err)
	}
	return h.renderChoosePassword(c, http.StatusOK, token, user, nil)
}

func (h passwordLinkHandlers) choosePassword(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.FormValue("token")
	user, err := h.Store.PasswordTokenUser(ctx, token, h.now())
	if err != nil {
		return h.linkNotValid(c, err)
	}
	form := readAccountForm(c)
	errs := map[string]string{}
	checkNewPassword(errs, form.Password, form.Confirm)
	if len(errs) > 0 {
		return h.renderChoosePassword(c, http.StatusUnprocessableEntity, token, user, errs)
	}
	hash, err := h.Passwords.Hash(ctx, form.Password)
	if err != nil {
		return err
	}
	change := newSecurityChange(h.server, c, func(changed store.User) securityEvent {
		return securityEvent{kind: store.AuditPasswordChanged, actor: &changed, summary: "Chose a password through a one-time link"}
	})
	_, err = h.Store.UsePasswordToken(ctx, token, h.now(), hash, change.event)
	change.finish(err)
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

func (h passwordLinkHandlers) linkNotValid(c echo.Context, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
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
