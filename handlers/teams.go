package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
	"github.com/contactdesk/contactdesk/views/components"
)

// teamSearchLimit is how many organizations a team page's search shows.
const teamSearchLimit = 20

// teamHandlers serve the teams pages: administrators do everything there;
// a team's maintainers see its page and change its members.
type teamHandlers struct {
	*server
}

// routes are mounted on /teams, for signed-in users.
func (h teamHandlers) routes(g *echo.Group) {
	admin := h.requireRole(store.RoleAdmin)
	members := h.requireTeamMembersManager
	g.GET("", h.listTeams, admin)
	g.POST("", h.createTeam, admin)
	g.GET("/:id", h.showTeam, members)
	g.POST("/:id/members", h.addMember, members)
	g.POST("/:id/members/remove", h.removeMember, members)
	g.POST("/:id/maintainers", h.addMaintainer, admin)
	g.POST("/:id/maintainers/remove", h.removeMaintainer, admin)
	g.POST("/:id/organizations", h.addOrganization, admin)
	g.POST("/:id/organizations/remove", h.removeOrganization, admin)
	g.GET("/:id/delete", h.confirmDeleteTeam, admin)
	g.POST("/:id/delete", h.deleteTeam, admin)
}

// requireTeamMembersManager lets through administrators and the
// maintainers of the team named by the :id parameter; others get 403, and
// an unknown team 404 (for administrators) or 403.
func (h teamHandlers) requireTeamMembersManager(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, ok := parseID(c.Param("id"))
		if !ok {
			return notFound()
		}
		may, err := h.Accounts.MayManageMembers(c.Request().Context(), h.accountActor(c), id)
		if err != nil {
			return err
		}
		if !may {
			u := currentUser(c)
			h.requestLogger(c).Warn("access refused", "user_id", u.ID, "role", string(u.Role), "path", c.Request().URL.Path)
			return echo.NewHTTPError(http.StatusForbidden)
		}
		return next(c)
	}
}

func teamURL(id int) string { return "/teams/" + strconv.Itoa(id) }

func (h teamHandlers) listTeams(c echo.Context) error {
	return h.renderTeams(c, http.StatusOK, "", nil)
}

func (h teamHandlers) createTeam(c echo.Context) error {
	name := c.FormValue("team_name")
	t, err := h.Accounts.CreateTeam(c.Request().Context(), h.accountActor(c), name)
	if errs := fieldErrors(err); errs != nil {
		return h.renderTeams(c, http.StatusUnprocessableEntity, name, errs)
	}
	if err != nil {
		return err
	}
	return h.done(c, t.ID, "Created the team "+t.Name+". Add its members and organizations below.")
}

func (h teamHandlers) renderTeams(c echo.Context, status int, name string, errs map[string]string) error {
	teams, err := h.Store.ListTeams(c.Request().Context())
	if err != nil {
		return err
	}
	p := views.TeamsPage{
		Page:   h.page(c, "Teams", "teams"),
		Name:   components.Input{ID: "team_name", Label: "Team name", Type: "text", Value: name, Error: errs["team_name"], MaxLength: accounts.MaxTeamNameLength},
		Errors: fieldErrorLinks(errs, "team_name"),
	}
	for _, t := range teams {
		p.Teams = append(p.Teams, views.TeamRow{URL: teamURL(t.ID), Name: t.Name, Members: t.Members, Organizations: t.Organizations})
	}
	p.HasErrors = len(p.Errors) > 0
	return render(c, status, views.Teams(p))
}

// teamParam finds the team named by the :id parameter, or answers 404.
func (h teamHandlers) teamParam(c echo.Context) (store.Team, error) {
	return recordParam(c, h.Store.GetTeam)
}

func (h teamHandlers) showTeam(c echo.Context) error {
	t, err := h.teamParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	base := teamURL(t.ID)
	isAdmin := currentUser(c).Role == store.RoleAdmin
	nav := "teams"
	if !isAdmin {
		nav = "account"
	}
	p := views.TeamPage{
		Page: h.page(c, t.Name, nav), Name: t.Name, URL: base, IsAdmin: isAdmin,
		AddMemberURL: base + "/members", RemoveMemberURL: base + "/members/remove",
		AddMaintainerURL: base + "/maintainers", RemoveMaintainerURL: base + "/maintainers/remove",
		AddOrganizationURL: base + "/organizations", RemoveOrganizationURL: base + "/organizations/remove",
		DeleteURL: base + "/delete",
	}
	members, err := h.Store.TeamMembers(ctx, t.ID)
	if err != nil {
		return err
	}
	if err := h.fillMembers(c, &p, members); err != nil {
		return err
	}
	if err := h.fillMaintainers(c, &p, t.ID); err != nil {
		return err
	}
	if p.GroupManaged, err = h.teamMapped(c, t.ID); err != nil {
		return err
	}
	if !isAdmin {
		owned, err := h.Store.TeamOrganizations(ctx, t.ID)
		if err != nil {
			return err
		}
		for _, o := range owned {
			p.Organizations = append(p.Organizations, teamOrganizationRow(o.ID, o.Name, true))
		}
		return render(c, http.StatusOK, views.Team(p))
	}
	owned, err := h.Store.TeamOrganizations(ctx, t.ID)
	if err != nil {
		return err
	}
	ownedIDs := map[int]bool{}
	for _, o := range owned {
		ownedIDs[o.ID] = true
		p.Organizations = append(p.Organizations, teamOrganizationRow(o.ID, o.Name, true))
	}
	if err := h.searchOrganizations(c, &p, ownedIDs); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.Team(p))
}

// fillMembers lists the members and offers every other enabled user.
func (h teamHandlers) fillMembers(c echo.Context, p *views.TeamPage, members []store.User) error {
	isMember := map[int]bool{}
	for _, m := range members {
		isMember[m.ID] = true
		p.Members = append(p.Members, views.TeamMemberRow{
			UserID: strconv.Itoa(m.ID), URL: userURL(m.ID), Name: m.Name, Email: m.Email, Role: m.Role.Label(),
		})
	}
	users, err := h.Store.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	p.AddMember = components.Select{ID: "user_id", Label: "User", Hint: "Editors in the team may change its organizations."}
	for _, u := range users {
		if !isMember[u.ID] && !u.Disabled {
			p.AddMember.Options = append(p.AddMember.Options, components.Option{
				Value: strconv.Itoa(u.ID), Label: u.Name + " (" + u.Email + ", " + u.Role.Label() + ")",
			})
		}
	}
	return nil
}

// searchOrganizations fills the search results from the organization
// cache.
func (h teamHandlers) searchOrganizations(c echo.Context, p *views.TeamPage, owned map[int]bool) error {
	p.Search = strings.TrimSpace(c.QueryParam("q"))
	if len([]rune(p.Search)) > maxSearchLength {
		p.Search = string([]rune(p.Search)[:maxSearchLength])
	}
	if p.Search == "" {
		return nil
	}
	res, err := h.Store.SearchOrganizations(c.Request().Context(), store.OrganizationQuery{Search: p.Search, Limit: teamSearchLimit})
	if err != nil {
		return err
	}
	p.SearchDone = true
	for _, o := range res.Organizations {
		p.Results = append(p.Results, teamOrganizationRow(o.ID, o.Name, owned[o.ID]))
	}
	p.MoreResults = res.Total - len(res.Organizations)
	return nil
}

// fillMaintainers lists the maintainers and offers every other enabled
// user.
func (h teamHandlers) fillMaintainers(c echo.Context, p *views.TeamPage, teamID int) error {
	ctx := c.Request().Context()
	maintainers, err := h.Store.TeamMaintainers(ctx, teamID)
	if err != nil {
		return err
	}
	is := map[int]bool{}
	for _, m := range maintainers {
		is[m.ID] = true
		p.Maintainers = append(p.Maintainers, views.TeamMemberRow{
			UserID: strconv.Itoa(m.ID), URL: userURL(m.ID), Name: m.Name, Email: m.Email, Role: m.Role.Label(),
		})
	}
	if !p.IsAdmin {
		return nil
	}
	users, err := h.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	p.AddMaintainer = components.Select{ID: "maintainer_id", Label: "Maintainer", Hint: "They may add and remove the team's members."}
	for _, u := range users {
		if !is[u.ID] && !u.Disabled {
			p.AddMaintainer.Options = append(p.AddMaintainer.Options, components.Option{
				Value: strconv.Itoa(u.ID), Label: u.Name + " (" + u.Email + ", " + u.Role.Label() + ")",
			})
		}
	}
	return nil
}

// teamMapped reports whether a group mapping names the team.
func (h teamHandlers) teamMapped(c echo.Context, teamID int) (bool, error) {
	mappings, err := h.Store.ListGroupMappings(c.Request().Context())
	if err != nil {
		return false, err
	}
	for _, m := range mappings {
		if m.TeamID == teamID {
			return true, nil
		}
	}
	return false, nil
}

func teamOrganizationRow(id int, name string, owned bool) views.TeamOrganizationRow {
	return views.TeamOrganizationRow{ID: strconv.Itoa(id), URL: organizationURL(id), Name: name, Owned: owned}
}

// done goes back to the team's page with a success message.
func (h teamHandlers) done(c echo.Context, teamID int, message string) error {
	if err := h.Sessions.addFlash(c, "success", message); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, teamURL(teamID))
}
