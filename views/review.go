package views

// ReviewPage shows what a change will send and what DigiCert will do with
// it, before anything is sent.
type ReviewPage struct {
	Page
	OrganizationName string
	// Stale, when set, lists what changed at DigiCert since the change was
	// last reviewed; the review below is against the new state.
	Stale []string
	// ChangedSinceLoad, when set, lists what changed at DigiCert since the
	// form was prefilled; the review below is against the new state.
	ChangedSinceLoad []string
	// Rebased is set when fields the user did not change were given
	// DigiCert's current values; Conflicts says, in sentences, what was
	// sent as the user entered it although it changed at DigiCert too.
	Rebased   bool
	Conflicts []string
	Contacts  []ReviewContact
	// PrettyBody is the request body indented for reading; Curl carries
	// it exactly as sent.
	PrettyBody  string
	Curl        string
	SendURL     string
	BackURL     string
	DraftID     string
	Fingerprint string
}

// ReviewContact is the effect of the change on one contact type.
type ReviewContact struct {
	Heading string
	// Effect is "unchanged", "updated", "replaced", "removed", "created" or
	// "nothing"; EffectText says it in words.
	Effect     string
	EffectText string
	Reason     string
	Cleared    []string
	Changes    []FieldChangeView
}

// FieldChangeView is one field whose value changes.
type FieldChangeView struct {
	Label  string
	Before string
	After  string
}
