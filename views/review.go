package views

// ReviewPage shows what a change will send and what DigiCert will do with
// it, before anything is sent: the decision first, contact by contact in
// plain words, then the buttons, then every field, then the exact request.
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
	// Outage, when set, says that DigiCert was not available for the last
	// attempt to send this change, and what became of it; the button then
	// reads Try again.
	Outage *Problem
	// Contacts is the change contact by contact, organization first.
	Contacts []ReviewContact
	// SendLabel is the send button's text, "Send to DigiCert" followed,
	// for a change that removes a contact, by what it does; SendWarning
	// styles it as a warning.
	SendLabel   string
	SendWarning bool
	// RetryOf, when set, is the submission whose outcome the outage left
	// unknown or unsent: the button reads Try again and settles it first.
	RetryOf string
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
	// Effect is "unchanged", "updated", "replaced", "removed", "created",
	// "set" or "nothing"; EffectText says it in words.
	Effect     string
	EffectText string
	// Sentence says what happens, naming the people: "Raj Patel will be
	// replaced by Priya Raman."
	Sentence string
	// Notes are further sentences about it: why DigiCert replaces rather
	// than updates, what is carried over, what is deleted.
	Notes []string
	// Warnings are notes that need attention before sending: fields that
	// will be deleted.
	Warnings []string
	// Fields lists every field of the contact, now and after the change;
	// empty when neither is known.
	Fields []ReviewField
	// NowHeading and AfterHeading are the table's column headings.
	NowHeading   string
	AfterHeading string
}

// ReviewField is one field of a contact, now and after the change.
type ReviewField struct {
	Label string
	// Now is the value now; After the value after the change; either is
	// "" when the field is empty.
	Now   string
	After string
	// Changed is set when After differs from Now.
	Changed bool
	// Email marks an email address, which may break at its @ and dots.
	Email bool
	// Mark says where the value after the change comes from, or what
	// happens to it: "carried over from Raj Patel", "deleted".
	Mark string
}
