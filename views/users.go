package views

import (
	"strconv"

	"github.com/contactdesk/contactdesk/views/components"
)

// UsersPage lists every user, for admins.
type UsersPage struct {
	Page
	Users []UserRow
}

// UserRow is one user in the list.
type UserRow struct {
	URL    string
	Name   string
	Email  string
	Role   string
	Status string
	Teams  string
}

// NewUserPage is the form that adds a user.
type NewUserPage struct {
	Page
	Errors []components.ErrorLink
	Name   components.Input
	Email  components.Input
	Role   components.RadioGroup
	// Team is offered when teams exist: an editor can join one at once.
	Team components.Select
}

// UserPage shows one user with the forms that change them.
type UserPage struct {
	Page
	Name     string
	Email    string
	Role     string
	Status   string
	Teams    []string
	Created  string
	Disabled bool
	// IsSelf is set when admins look at their own account: they cannot
	// change their own role or disable themselves here.
	IsSelf bool
	// RoleForm is the change role radio group.
	RoleForm components.RadioGroup
	// The forms' actions; DisableURL and ResetURL lead to the pages that
	// say what those changes will do and ask first.
	RoleURL    string
	DisableURL string
	EnableURL  string
	ResetURL   string
	SignOutURL string
	UsersURL   string
	AccountURL string
	// Activity is the user's latest sign-ins, failed sign-ins and the
	// changes they made to users and teams.
	Activity []ActivityRow
	Sessions SessionList
	// SSO says how the user signs in with the identity provider: "" when
	// sign-in with SSO is off, else a sentence; LinkURL, when set, is the
	// form that allows linking a local user to the provider's sign-in.
	SSO     string
	LinkURL string
}

// ActivityRow is one security event in a user's recent activity.
type ActivityRow struct {
	When    string
	What    string
	Address string
}

// countNoun writes a count with its noun: "1 user", "3 users".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
