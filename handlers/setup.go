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

// setupHandlers serves the one-time setup link that creates the first
// admin.
type setupHandlers struct {
	*server
}

func (h setupHandlers) routes(g *echo.Group) {
	g.GET(accounts.SetupPath, h.showSetup)
	g.POST(accounts.SetupPath, h.createFirstAdmin)
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

// fieldErrors is the messages of an *accounts.ValidationError by field,
// or nil when err is not one.
func fieldErrors(err error) map[string]string {
	var invalid *accounts.ValidationError
	if !errors.As(err, &invalid) {
		return nil
	}
	errs := make(map[string]string, len(invalid.Errors))
	for _, fe := range invalid.Errors {
		errs[fe.Field] = fe.Message
	}
	return errs
}

// checkNewPassword checks a new password for u and its confirmation by the
// accounts service's rules, adding messages to errs under "password" and
// "confirm".
func (s *server) checkNewPassword(errs map[string]string, u store.User, password, confirm string) {
	for field, msg := range fieldErrors(s.Accounts.CheckNewPassword(u, password, confirm)) {
		errs[field] = msg
	}
}

// showSetup shows the form when the token opens it.
func (h setupHandlers) showSetup(c echo.Context) error {
	token := c.QueryParam("token")
	if err := h.Accounts.CheckSetupLink(c.Request().Context(), token); err != nil {
		return h.setupClosed(c, err)
	}
	return h.renderSetup(c, http.StatusOK, token, accountForm{}, nil)
}

// createFirstAdmin creates the first admin and signs them in.
func (h setupHandlers) createFirstAdmin(c echo.Context) error {
	token := c.FormValue("token")
	form := readAccountForm(c)
	user, err := h.Accounts.CreateFirstAdmin(c.Request().Context(), h.accountActor(c), token, accounts.FirstAdmin{
		Name: form.Name, Email: form.Email, Password: form.Password, Confirm: form.Confirm,
	})
	if errs := fieldErrors(err); errs != nil {
		return h.renderSetup(c, http.StatusUnprocessableEntity, token, form, errs)
	}
	if err != nil {
		return h.setupClosed(c, err)
	}
	if err := h.Sessions.signIn(c, user); err != nil {
		return err
	}
	if err := h.Sessions.addFlash(c, "success", "Your administrator account is ready. Add users and teams from Users and Teams."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/users")
}

// setupClosed explains accounts.ErrLinkNotValid; any other error is
// returned.
func (h setupHandlers) setupClosed(c echo.Context, err error) error {
	if !errors.Is(err, accounts.ErrLinkNotValid) {
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
		Hint: "At least 12 characters, not your name or email address, and not a common password. Several unrelated words make a strong password that is easy to remember.",
	}
}
