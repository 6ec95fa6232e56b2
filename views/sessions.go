package views

// SessionList is one user's sessions, each with a button to end it: the
// viewer's own on the account page, any user's on the user's page (for
// admins).
type SessionList struct {
	// Heading titles the list.
	Heading string
	// Empty is said when there is no session.
	Empty     string
	CSRFToken string
	Sessions  []SessionRow
	// EndOthersURL, when set and another session exists, is where the
	// button that ends every session but the current one posts.
	EndOthersURL string
}

// SessionRow is one session.
type SessionRow struct {
	// Device is what the browser says it is, summarised ("Firefox on
	// Linux").
	Device   string
	Address  string
	Started  string
	LastSeen string
	// Current marks the session of this very browser.
	Current bool
	// EndURL is where the button that ends the session posts; "" offers
	// none (the current session ends with Sign out).
	EndURL string
}

// hasOthers reports whether the list holds a session other than the
// current one.
func (l SessionList) hasOthers() bool {
	for _, s := range l.Sessions {
		if !s.Current {
			return true
		}
	}
	return false
}
