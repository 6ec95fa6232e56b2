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

// teamHandlers serve the admins' teams pages.
type teamHandlers struct {
	*server
}

// routes are mounted on /teams, for admins only.
func (h teamHandlers) routes(g *echo.Group) {
	g.GET("", h.listTeams)
	g.POST("", h.createTeam)
	g.GET("/:id", h.showTeam)
	g.POST("/:id/members", h.addMember)
	g.POST("/:id/members/remove", h.removeMember)
	g.POST("/:id/organizations", h.addOrganization)
	g.POST("/:id/organizations/remove", h.removeOrganization)
	g.GET("/:id/delete", h.confirmDeleteTeam)
	g.POST("/:id/delete", h.deleteTeam)
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
	p := views.TeamPage{
		Page: h.page(c, t.Name, "teams"), Name: t.Name, URL: base,
		AddMemberURL: base + "/members", RemoveMemberURL: base + "/members/remove",
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
