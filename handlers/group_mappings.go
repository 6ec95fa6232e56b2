package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

const groupMappingsPath = "/group-mappings"

// groupMappingHandlers serve the administrators' Group mappings page:
// which identity provider groups give which role and teams.
type groupMappingHandlers struct {
	*server
}

// routes are mounted on /group-mappings, for admins only.
func (h groupMappingHandlers) routes(g *echo.Group) {
	g.GET("", h.listGroupMappings)
	g.POST("", h.setGroupMapping)
	g.POST("/:id/remove", h.removeGroupMapping)
}

// groupMappingForm is what the mapping form posts.
type groupMappingForm struct {
	Group  string
	Role   string
	TeamID string
}

func (h groupMappingHandlers) listGroupMappings(c echo.Context) error {
	return h.renderGroupMappings(c, http.StatusOK, groupMappingForm{Role: string(store.RoleEditor)}, nil)
}

func (h groupMappingHandlers) setGroupMapping(c echo.Context) error {
	form := groupMappingForm{Group: c.FormValue("group"), Role: c.FormValue("role"), TeamID: c.FormValue("team")}
	m, changed, err := h.Accounts.SetGroupMapping(c.Request().Context(), h.accountActor(c), accounts.Mapping{
		Group: form.Group, Role: form.Role, TeamID: form.TeamID,
	})
	if errs := fieldErrors(err); errs != nil {
		return h.renderGroupMappings(c, http.StatusUnprocessableEntity, form, errs)
	}
	if err != nil {
		return err
	}
	message := "The group " + strconv.Quote(m.Group) + " now gives " + mappingEffect(m) + "."
	if !changed {
		message = "The group " + strconv.Quote(m.Group) + " already gave " + mappingEffect(m) + "; nothing changed."
	}
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, groupMappingsPath)
}

func (h groupMappingHandlers) removeGroupMapping(c echo.Context) error {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return notFound()
	}
	m, err := h.Accounts.RemoveGroupMapping(c.Request().Context(), h.accountActor(c), id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	message := "The group " + strconv.Quote(m.Group) + " no longer gives " + mappingEffect(m) +
		". Its members keep what they have until their groups are next read (within 5 minutes of their next request)."
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, groupMappingsPath)
}

// mappingEffect says what a mapping gives, for messages.
func mappingEffect(m store.GroupMapping) string {
	out := "the role " + m.Role.Label()
	if m.TeamID != 0 {
		out += " and membership of the team " + m.TeamName
	}
	return out
}

func (h groupMappingHandlers) renderGroupMappings(c echo.Context, status int, form groupMappingForm, errs map[string]string) error {
	ctx := c.Request().Context()
	mappings, err := h.Store.ListGroupMappings(ctx)
	if err != nil {
		return err
	}
	teams, err := h.Store.ListTeams(ctx)
	if err != nil {
		return err
	}
	p := views.GroupMappingsPage{
		Page:          h.page(c, "Group mappings", "group-mappings"),
		SSOConfigured: h.SSO != nil,
		GroupsClaim:   h.GroupsClaim,
		Group: components.Input{ID: "group", Label: "Group", Type: "text", Value: form.Group, Error: errs["group"],
			MaxLength: accounts.MaxGroupLength, Hint: "The group's name or id exactly as the identity provider sends it"},
		Role: mappingRoleSelect(store.Role(form.Role), errs["role"]),
		Team: components.Select{ID: "team", Label: "Team (optional)", Error: errs["team"],
			Hint:    "Members of the group join this team; a group may be mapped to several teams, one at a time",
			Options: []components.Option{{Value: "", Label: "No team"}}},
		Errors: fieldErrorLinks(errs, "group", "role", "team"),
	}
	for _, t := range teams {
		id := strconv.Itoa(t.ID)
		p.Team.Options = append(p.Team.Options, components.Option{Value: id, Label: t.Name, Selected: id == form.TeamID})
	}
	for _, m := range mappings {
		row := views.GroupMappingRow{Group: m.Group, Role: m.Role.Label(), RemoveURL: groupMappingsPath + "/" + strconv.Itoa(m.ID) + "/remove"}
		if m.TeamID != 0 {
			row.Team, row.TeamURL = m.TeamName, teamURL(m.TeamID)
		}
		p.Mappings = append(p.Mappings, row)
	}
	p.HasErrors = len(p.Errors) > 0
	return render(c, status, views.GroupMappings(p))
}

// mappingRoleSelect offers the roles a mapping gives.
func mappingRoleSelect(selected store.Role, errMsg string) components.Select {
	s := components.Select{ID: "role", Label: "Role", Error: errMsg, Hint: "A person in several mapped groups gets the highest of their roles"}
	for _, r := range store.Roles() {
		s.Options = append(s.Options, components.Option{Value: string(r), Label: r.Label(), Selected: r == selected})
	}
	return s
}
