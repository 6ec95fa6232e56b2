package views

import "github.com/contactdesk/contactdesk/views/components"

// GroupMappingsPage lists the group mappings, with the form that adds
// one.
type GroupMappingsPage struct {
	Page
	// SSOConfigured is false when no identity provider is configured:
	// the mappings then do nothing yet.
	SSOConfigured bool
	GroupsClaim   string
	Mappings      []GroupMappingRow
	Errors        []components.ErrorLink
	Group         components.Input
	Role          components.Select
	Team          components.Select
}

// GroupMappingRow is one mapping.
type GroupMappingRow struct {
	Group string
	Role  string
	// Team is "" for a mapping that gives a role only.
	Team      string
	TeamURL   string
	RemoveURL string
}

// SignInRefusedPage says why a sign-in with the identity provider was
// refused, and what to do.
type SignInRefusedPage struct {
	Page
	Heading  string
	Messages []string
	// Groups are the groups the provider listed, when they matter.
	Groups []string
	// Admins are whom to ask, by name and email.
	Admins []string
}
