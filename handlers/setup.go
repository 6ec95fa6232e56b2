package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// SetupPath is the address of the one-time setup link for token: main
// prints it at start while no user exists.
func SetupPath(token string) string {
	return "/setup?" + url.Values{"token": {token}}.Encode()
}

// setupHandlers serves the one-time setup link that creates the first
// admin.
type setupHandlers struct {
	*server
}

func (h setupHandlers) routes(g *echo.Group) {
	g.GET("/setup", h.showSetup)
	g.POST("/setup", h.createFirstAdmin)
}

// accountForm is what the setup and password forms post.
type accountForm struct {
	Name     string
	Email    string
	Password string
	Confirm  string
}

func readAccountForm(c echo.Context) accountForm {
	return accountForm{
		Name:     c.FormValue("name"),
		Email:    c.FormValue("email"),
		Password: c.FormValue("password"),
		Confirm:  c.FormValue("confirm"),
	}
}

// checkNewPassword validates a new password and its confirmation, adding
// messages to errs under "password" and "confirm".
func checkNewPassword(errs map[string]string, password, confirm string) {
	var fe *store.FieldError
	if err := store.CheckPassword(password); errors.As(err, &fe) {
		errs["password"] = fe.Message
		return
	}
	if confirm != password {
		errs["confirm"] = "Enter the same password twice"
	}
}

// setFieldError files err under its field when it is a *store.FieldError,
// and reports whether it was one.
func setFieldError(errs map[string]string, err error) bool {
	var fe *store.FieldError
	if !errors.As(err, &fe) {
		return false
	}
	if _, taken := errs[fe.Field]; !taken {
		errs[fe.Field] = fe.Message
	}
	return true
}

// showSetup shows the form when the token opens it.
func (h setupHandlers) showSetup(c echo.Context) error {
	token := c.QueryParam("token")
	if err := h.Store.CheckSetupToken(c.Request().Context(), token); err != nil {
		return h.setupClosed(c, err)
	}
	return h.renderSetup(c, http.StatusOK, token, accountForm{}, nil)
}

// createFirstAdmin creates the first admin and signs them in.
func (h setupHandlers) createFirstAdmin(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.FormValue("token")
	if err := h.Store.CheckSetupToken(ctx, token); err != nil {
		return h.setupClosed(c, err)
	}
	form := readAccountForm(c)
	errs := map[string]string{}
	setFieldError(errs, store.CheckName(strings.TrimSpace(form.Name)))
	setFieldError(errs, store.CheckEmail(store.NormalizeEmail(form.Email)))
	checkNewPassword(errs, form.Password, form.Confirm)
	if len(errs) > 0 {
		return h.renderSetup(c, http.StatusUnprocessableEntity, token, form, errs)
	}
	hash, err := h.Passwords.Hash(ctx, form.Password)
	if err != nil {
		return err
	}
	change := newSecurityChange(h.server, c, func(created store.User) securityEvent {
		return securityEvent{kind: store.AuditUserCreated, actor: &created,
			summary: "Created the first admin " + describeUser(created) + " through the setup link"}
	})
	user, err := h.Store.CreateFirstAdmin(ctx, token, store.NewUser{Name: form.Name, Email: form.Email, PasswordHash: hash}, change.event)
	change.finish(err)
	switch {
	case errors.Is(err, store.ErrSetupClosed):
		return h.setupClosed(c, err)
	case setFieldError(errs, err):
		return h.renderSetup(c, http.StatusUnprocessableEntity, token, form, errs)
	case err != nil:
		return err
	}
	if err := h.Sessions.signIn(c, user); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "Your administrator account is ready. Add users and teams from Users and Teams."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/users")
}

func (h setupHandlers) setupClosed(c echo.Context, err error) error {
	if !errors.Is(err, store.ErrSetupClosed) {
		return err
	}
	h.requestLogger(c).Warn("setup link refused")
	p := views.LinkProblemPage{
		Page:    h.page(c, "Setup link not valid", ""),
		Heading: "This setup link is not valid",
		Message: "Contact Desk is already set up, or the link was mistyped or replaced by a newer one (each start of Contact Desk without users prints a new link). Sign in, or ask an administrator for an account.",
	}
	return render(c, http.StatusNotFound, views.LinkProblem(p))
}

func (h setupHandlers) renderSetup(c echo.Context, status int, token string, form accountForm, errs map[string]string) error {
	p := views.SetupPage{
		Page:     h.page(c, "Set up Contact Desk", ""),
		Token:    token,
		Name:     components.Input{ID: "name", Label: "Name", Type: "text", Value: form.Name, Autocomplete: "name", Error: errs["name"]},
		Email:    components.Input{ID: "email", Label: "Email", Type: "email", Value: form.Email, Autocomplete: "username", Error: errs["email"]},
		Password: newPasswordInput("password", "Password", errs["password"]),
		Confirm:  components.Input{ID: "confirm", Label: "Confirm password", Type: "password", Autocomplete: "new-password", Error: errs["confirm"]},
		Errors:   fieldErrorLinks(errs, "name", "email", "password", "confirm"),
	}
	p.HasErrors = len(p.Errors) > 0
	return render(c, status, views.Setup(p))
}

// newPasswordInput is the field where a new password is chosen.
func newPasswordInput(id, label, errMsg string) components.Input {
	return components.Input{
		ID: id, Label: label, Type: "password", Autocomplete: "new-password", Error: errMsg,
		Hint: "At least 12 characters. Several unrelated words make a strong password that is easy to remember.",
	}
}
