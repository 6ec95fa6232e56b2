// Package views renders Contact Desk's pages with templ. Components take
// plain view models that handlers fill; nothing here reads data or knows
// about HTTP.
package views

// Page is what the layout needs on every page.
type Page struct {
	// Title is the page's own title; the layout adds the product name and,
	// when HasErrors is set, the "Error: " prefix.
	Title     string
	HasErrors bool
	// Nav names the active navigation entry: "organizations", "audit", "users".
	Nav    string
	CSSURL string
	// JSURL is the progressive-enhancement script; the pages work
	// without it.
	JSURL      string
	CSRFToken  string
	Sandbox    bool
	Flash      *Flash
	User       *User
	RequestID  string
	AppVersion string
	// Scripts are the page's own scripts, after JSURL.
	Scripts []string
	// Jobs are the viewer's bulk jobs under way, noticed on every page.
	Jobs []JobNotice
}

// User is the signed-in user as the layout shows it.
type User struct {
	Name    string
	Email   string
	IsAdmin bool
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	// Kind is "success", "warning" or "error".
	Kind    string
	Message string
	// Link, when set, is a one-time link the message is about, shown in a
	// read-only field with a copy button.
	Link string
}

// FullTitle is the document title: the page title, the product name, and
// "Error: " first when the page reports a problem.
func (p Page) FullTitle() string {
	t := p.Title + " – Contact Desk"
	if p.HasErrors {
		return "Error: " + t
	}
	return t
}

// ErrorPage is a whole-page error: not found, forbidden, DigiCert unreachable.
type ErrorPage struct {
	Page
	Status  int
	Heading string
	Message string
}

func orNone(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

func joinList(items []string) string {
	out := ""
	for i, s := range items {
		switch {
		case i == 0:
		case i == len(items)-1:
			out += " and "
		default:
			out += ", "
		}
		out += s
	}
	return out
}
