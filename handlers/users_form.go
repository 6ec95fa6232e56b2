package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
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
	form := readNewUserForm(c)
	user, link, err := h.Accounts.Invite(c.Request().Context(), h.accountActor(c), accounts.Invitation{
		Name: form.Name, Email: form.Email, Role: form.Role, TeamID: form.TeamID,
	})
	if errs := fieldErrors(err); errs != nil {
		return h.renderNewUser(c, http.StatusUnprocessableEntity, form, errs)
	}
	if err != nil {
		return err
	}
	return h.doneWithLink(c, user, "Added "+user.Name+". Send them the one-time link below to choose their password; it works once, within 24 hours.", link)
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
