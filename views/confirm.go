package views

// ConfirmPage asks before a change that cannot be taken back with the same
// click: it names what will happen, then offers the change, as a form
// posted with the CSRF token, and a way back.
type ConfirmPage struct {
	Page
	// Heading asks the question: "Disable Raj Patel?".
	Heading string
	// Effects are what will happen, one sentence each.
	Effects []string
	// ActionURL is where the form posts; Button names the change on its
	// button: "Disable Raj Patel".
	ActionURL string
	Button    string
	// CancelURL goes back without changing anything.
	CancelURL string
}
