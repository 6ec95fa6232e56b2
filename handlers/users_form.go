package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// newUserForm is what the add user form posts.
type newUserForm struct {
	Name   string
	Email  string
	Role   string
	TeamID string
}

func readNewUserForm(c echo.Context) newUserForm {
	return newUserForm{
		Name:   c.FormValue("name"),
		Email:  c.FormValue("email"),
		Role:   c.FormValue("role"),
		TeamID: c.FormValue("team"),
	}
}

// roleRadios is the role choice, with a sentence on what each role may do.
func roleRadios(checked store.Role, errMsg string) components.RadioGroup {
	g := components.RadioGroup{ID: "role", Legend: "Role", Error: errMsg}
	for _, r := range store.Roles() {
		label := r.Label()
		switch r {
		case store.RoleEditor:
			label += ": changes the contacts of their teams' organizations"
		case store.RoleAuditor:
			label += ": reads all history, changes nothing"
		case store.RoleAdmin:
			label += ": does everything, manages users and teams"
		}
		g.Radios = append(g.Radios, components.Radio{Value: string(r), Label: label, Checked: r == checked})
	}
	return g
}

func (h userHandlers) newUser(c echo.Context) error {
	return h.renderNewUser(c, http.StatusOK, newUserForm{Role: string(store.RoleEditor)}, nil)
}

// createUser adds a user without a password and shows the admin the
// one-time link through which the user chooses one.
func (h userHandlers) createUser(c echo.Context) error {
	ctx := c.Request().Context()
	form := readNewUserForm(c)
	errs := map[string]string{}
	setFieldError(errs, store.CheckName(strings.TrimSpace(form.Name)))
	setFieldError(errs, store.CheckEmail(store.NormalizeEmail(form.Email)))
	setFieldError(errs, store.CheckRole(store.Role(form.Role)))
	team, err := h.teamChoice(c, form.TeamID, errs)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return h.renderNewUser(c, http.StatusUnprocessableEntity, form, errs)
	}
	nu := store.NewUser{Name: form.Name, Email: form.Email, Role: store.Role(form.Role)}
	if team != nil {
		nu.TeamID = team.ID
	}
	change := newSecurityChange(h.server, c, func(created store.User) securityEvent {
		summary := "Created " + describeUser(created) + " as " + string(created.Role)
		if team != nil {
			summary += " in team " + strconv.Quote(team.Name)
		}
		return securityEvent{kind: store.AuditUserCreated, summary: summary + "; issued a one-time password link"}
	})
	user, token, err := h.Store.InviteUser(ctx, nu, h.now().Add(passwordLinkLifetime), change.event)
	change.finish(err)
	switch {
	case errors.Is(err, store.ErrEmailTaken):
		errs["email"] = "A user with this email address already exists"
		return h.renderNewUser(c, http.StatusUnprocessableEntity, form, errs)
	case errors.Is(err, store.ErrNotFound):
		// The team was deleted since the form was checked.
		errs["team"] = "Select a team from the list"
		return h.renderNewUser(c, http.StatusUnprocessableEntity, form, errs)
	case setFieldError(errs, err):
		return h.renderNewUser(c, http.StatusUnprocessableEntity, form, errs)
	case err != nil:
		return err
	}
	return h.done(c, user, "Added "+user.Name+". Send them this one-time link to choose their password; it works once, within 24 hours: "+h.passwordLink(c, token))
}

// teamChoice reads the optional team of a new user. A team id that does
// not exist is refused as a form error: the list offered only real ones.
func (h userHandlers) teamChoice(c echo.Context, raw string, errs map[string]string) (*store.Team, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	id, ok := parseID(raw)
	if !ok {
		errs["team"] = "Select a team from the list"
		return nil, nil
	}
	t, err := h.Store.GetTeam(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		errs["team"] = "Select a team from the list"
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func (h userHandlers) renderNewUser(c echo.Context, status int, form newUserForm, errs map[string]string) error {
	teams, err := h.Store.ListTeams(c.Request().Context())
	if err != nil {
		return err
	}
	p := views.NewUserPage{
		Page:  h.page(c, "Add a user", "users"),
		Name:  components.Input{ID: "name", Label: "Name", Type: "text", Value: form.Name, Autocomplete: "off", Error: errs["name"]},
		Email: components.Input{ID: "email", Label: "Email", Type: "email", Value: form.Email, Autocomplete: "off", Error: errs["email"]},
		Role:  roleRadios(store.Role(form.Role), errs["role"]),
		Team: components.Select{ID: "team", Label: "Team (optional)", Hint: "Editors change the organizations of their teams. You can change teams later.", Error: errs["team"],
			Options: []components.Option{{Value: "", Label: "No team"}}},
		Errors: fieldErrorLinks(errs, "name", "email", "role", "team"),
	}
	// The summary links the role error to the first radio of the group.
	for i := range p.Errors {
		if p.Errors[i].FieldID == "role" {
			p.Errors[i].FieldID = p.Role.FirstRadioID()
		}
	}
	for _, t := range teams {
		id := strconv.Itoa(t.ID)
		p.Team.Options = append(p.Team.Options, components.Option{Value: id, Label: t.Name, Selected: id == form.TeamID})
	}
	p.HasErrors = len(p.Errors) > 0
	return render(c, status, views.NewUser(p))
}
