package views

import "github.com/contactdesk/contactdesk/views/components"

// SignInPage is the sign-in form.
type SignInPage struct {
	Page
	Errors   []components.ErrorLink
	Email    components.Input
	Password components.Input
	// Next is the local address to return to after signing in.
	Next string
	// SSOButton, when set, offers sign-in with the identity provider
	// under that name.
	SSOButton string
	// PasswordForm shows the email and password form; PasswordNote, when
	// set, says who may use it.
	PasswordForm bool
	PasswordNote string
}

// SetupPage is the form, reached through the one-time setup link, that
// creates the first admin.
type SetupPage struct {
	Page
	Token    string
	Errors   []components.ErrorLink
	Name     components.Input
	Email    components.Input
	Password components.Input
	Confirm  components.Input
}

// ChoosePasswordPage is the form, reached through a one-time link, where a
// user chooses their password.
type ChoosePasswordPage struct {
	Page
	Token     string
	UserName  string
	UserEmail string
	Errors    []components.ErrorLink
	Password  components.Input
	Confirm   components.Input
}

// AccountPage shows the signed-in user's account, with the forms to change
// their password, to end their sessions and to sign out everywhere.
type AccountPage struct {
	Page
	Name   string
	Email  string
	Role   string
	Teams  []string
	Errors []components.ErrorLink
	// Current, Password and Confirm are the change password form.
	Current  components.Input
	Password components.Input
	Confirm  components.Input
	// Sessions are the user's sessions, this one marked.
	Sessions SessionList
	// Maintains are the teams whose members the user adds and removes.
	Maintains []TeamRow
}

// LinkProblemPage explains that a one-time link cannot be used.
type LinkProblemPage struct {
	Page
	Heading string
	Message string
}
