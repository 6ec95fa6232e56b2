package views

import "github.com/contactdesk/contactdesk/views/components"

// SecurityEventsPage lists sign-ins, failed and throttled sign-ins,
// sign-outs and changes to users and teams, newest first.
type SecurityEventsPage struct {
	Page
	Errors    []components.ErrorLink
	UserInput components.Input
	Kind      components.Select
	Rows      []SecurityEventRow
	// NewestURL and OlderURL are "" on the first and last pages.
	NewestURL string
	OlderURL  string
}

// SecurityEventRow is one security event.
type SecurityEventRow struct {
	Time       string
	DateTime   string
	Event      string
	User       string
	ClientAddr string
	Details    string
}
