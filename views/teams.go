package views

import "github.com/contactdesk/contactdesk/views/components"

// TeamsPage lists the teams, with the form that creates one.
type TeamsPage struct {
	Page
	Teams  []TeamRow
	Errors []components.ErrorLink
	Name   components.Input
}

// TeamRow is one team in the list.
type TeamRow struct {
	URL           string
	Name          string
	Members       int
	Organizations int
}

// TeamPage shows one team: its members and organizations, the forms that
// change them, and the organization search.
type TeamPage struct {
	Page
	Name          string
	URL           string
	Members       []TeamMemberRow
	Organizations []TeamOrganizationRow
	// AddMember offers the users who are not members yet.
	AddMember components.Select
	// Search is the organization search typed; Results its matches, each
	// with an Add button unless the team owns it already.
	Search      string
	SearchDone  bool
	Results     []TeamOrganizationRow
	MoreResults int
	// The forms' actions.
	AddMemberURL          string
	RemoveMemberURL       string
	AddOrganizationURL    string
	RemoveOrganizationURL string
	// DeleteURL leads to the page that says what deleting the team will
	// do and asks first.
	DeleteURL string
	// IsAdmin is set for administrators, who also change the team's
	// organizations and maintainers and delete it; a maintainer changes
	// its members only.
	IsAdmin bool
	// GroupManaged is set when a group mapping names the team: members
	// who sign in with the identity provider follow their groups.
	GroupManaged bool
	// Maintainers add and remove the team's members.
	Maintainers         []TeamMemberRow
	AddMaintainer       components.Select
	AddMaintainerURL    string
	RemoveMaintainerURL string
}

// TeamMemberRow is one member of a team.
type TeamMemberRow struct {
	UserID string
	URL    string
	Name   string
	Email  string
	Role   string
}

// TeamOrganizationRow is an organization a team owns, or a search result.
type TeamOrganizationRow struct {
	ID    string
	URL   string
	Name  string
	Owned bool
}
