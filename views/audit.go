package views

import "github.com/contactdesk/contactdesk/views/components"

// AuditLogPage is the audit log: filters, one page of submissions, the
// export links and the chart of the last 30 days.
type AuditLogPage struct {
	Page
	Errors       []components.ErrorLink
	Organization components.Input
	// UserInput is the User filter (Page.User is who is signed in).
	UserInput components.Input
	Outcome   components.Select
	From      components.Input
	To        components.Input
	// Job is the filter by bulk change.
	Job components.Input
	// ShowResults is false when the filters could not be read.
	ShowResults bool
	// Filtered is set when any filter is set.
	Filtered bool
	ClearURL string
	Rows     []AuditRow
	// NewerURL and OlderURL are "" on the first and last pages.
	NewerURL      string
	OlderURL      string
	ExportCSVURL  string
	ExportJSONURL string
	Chart         AuditChart
	// Checkpoint is the latest signed checkpoint, shown to admins and
	// auditors; nil for others. Its Number is "" before the first.
	Checkpoint *AuditCheckpoint
	// SecurityURL links to the security events, for those who may read
	// them; "" for others.
	SecurityURL string
}

// AuditCheckpoint is a signed checkpoint of the audit log.
type AuditCheckpoint struct {
	// Number is the checkpoint's number; "" when none was signed yet.
	Number string
	// Events is how many events it covers, formatted.
	Events string
	// RootPrefix is the start of its root hash, in hex.
	RootPrefix string
	// Time is when it was signed, formatted; DateTime the same in RFC
	// 3339.
	Time     string
	DateTime string
	// Verified is set when the signing key verifies its signature;
	// MatchesLog when the log's tree has its root at its size.
	Verified   bool
	MatchesLog bool
	// URL serves the signed note.
	URL string
}

// AuditInclusion says which checkpoint includes a submission's events.
type AuditInclusion struct {
	// Checkpoint is its number; "" when no checkpoint covers the
	// submission yet.
	Checkpoint string
	Events     string
	// ProofURL downloads the inclusion proof.
	ProofURL string
}

// AuditRow is one submission in the audit log.
type AuditRow struct {
	URL string
	// Time is the submission's time in UTC, formatted; DateTime is the same
	// in RFC 3339 for the time element, from which the script shows the
	// viewer's local time beside it.
	Time     string
	DateTime string
	// User is the actor's email, or who else made the change; UserName is
	// the user's name, shown first when known.
	User            string
	UserName        string
	Organization    string
	OrganizationID  string
	OrganizationURL string
	// Effects say, per contact, who replaced whom; empty when that is not
	// known, and then Summary alone says what happened.
	Effects []ContactEffect
	Summary string
	// Outcome is the outcome in words; OutcomeKey is the store's name for
	// it, which picks the badge's style.
	Outcome          string
	OutcomeKey       string
	Duration         string
	SubmissionNumber string
	// Job names the bulk change the submission was part of, JobURL links
	// it; "" for none.
	Job    string
	JobURL string
}

// ShowSummary reports whether the summary adds to the changes listed: it
// does when there are none, and when nothing was sent, to say why.
func (r AuditRow) ShowSummary() bool {
	return len(r.Effects) == 0 || r.OutcomeKey == "rejected"
}

// The effects a ContactEffect names.
const (
	EffectReplaced    = "replaced"
	EffectUpdated     = "updated"
	EffectRemoved     = "removed"
	EffectAdded       = "added"
	EffectSet         = "set"
	EffectRemovalSent = "removal sent"
)

// ContactEffect is what a submission did, or tried to do, to one contact.
type ContactEffect struct {
	// Contact is "Organization contact" or "Technical contact".
	Contact string
	// Effect is one of the Effect constants.
	Effect string
	// Before and After name the person before and after: "Raj Patel".
	Before string
	After  string
	// Fields lists, for an update, the fields changed: "job title and
	// telephone".
	Fields string
}

// AuditSubmissionPage is one submission: its events, what was sent, what
// DigiCert answered, and the contacts before and after.
type AuditSubmissionPage struct {
	Page
	SubmissionID    string
	ListURL         string
	Organization    string
	OrganizationID  string
	OrganizationURL string
	OrganizationLog string
	// Actor is the actor's email, or who else made the change; ActorName
	// is the user's name, shown first when known.
	Actor            string
	ActorName        string
	ClientAddr       string
	RequestID        string
	Outcome          string
	OutcomeKey       string
	Summary          string
	Effects          []ContactEffect
	Events           []AuditEventView
	RequestBody      string
	ResponseStatus   string
	ResponseBody     string
	ErrorCodes       string
	ErrorMessage     string
	HasContactsAfter bool
	// Sent is set when the request left for DigiCert.
	Sent    bool
	Changes []AuditContactChange
	// RestoreURL opens the organization's form prefilled with the contacts
	// as they were before the submission; "" when it cannot be restored
	// or the viewer may not change the organization.
	RestoreURL string
	// Job names the bulk change the submission was part of, JobURL links
	// it; "" for none.
	Job    string
	JobURL string
	// Inclusion is shown to admins and auditors; nil for others.
	Inclusion *AuditInclusion
}

// AuditEventView is one event on a submission's timeline.
type AuditEventView struct {
	ID       string
	Kind     string
	Time     string
	DateTime string
	Detail   string
	Hash     string
}

// AuditContactChange is one contact type, before and after, field by field.
type AuditContactChange struct {
	Heading string
	Fields  []AuditFieldChange
	// Changed counts the fields whose value changed.
	Changed int
}

// AuditFieldChange is one field of a contact before and after.
type AuditFieldChange struct {
	Label string
	// Email is set for the email field, whose values break only at their
	// @ and dots.
	Email   bool
	Before  string
	After   string
	Changed bool
}

// AuditChart is the number of submissions per day for the last 30 days,
// by outcome, drawn as an SVG bar chart with the same figures in a table.
type AuditChart struct {
	// Caption says what the chart shows and over which days.
	Caption string
	Width   int
	Height  int
	// Bottom is the height of the horizontal axis.
	Bottom int
	// Bars are the stacked segments to draw.
	Bars []ChartBar
	// Ticks label the horizontal axis.
	Ticks  []ChartTick
	YTicks []ChartTick
	Legend []ChartLegend
	// Outcomes head the columns of the text alternative, in the order of
	// each day's Counts.
	Outcomes []string
	// Days are the rows of the text alternative, one per day.
	Days  []ChartDay
	Total int
}

// ChartBar is one rectangle of the chart.
type ChartBar struct {
	X, Y, W, H int
	Fill       string
	// Title is read by pointer hover: "3 Mar: 4 succeeded".
	Title string
}

// ChartTick is a label on an axis.
type ChartTick struct {
	X, Y  int
	Label string
}

// ChartLegend names the colour of one outcome; X and Y place its swatch.
type ChartLegend struct {
	X, Y  int
	Fill  string
	Label string
}

// ChartDay is one day of the text alternative.
type ChartDay struct {
	Day    string
	Counts []int
	Total  int
}

// outcomeMark is the mark shown before an outcome's name.
func outcomeMark(key string) string {
	switch key {
	case "succeeded":
		return "✓"
	case "digicert_error":
		return "✕"
	case "rejected":
		return "–"
	case "no_answer", "pending":
		return "?"
	case "reconciled":
		return "↻"
	case "changed_outside":
		return "!"
	}
	return "•"
}
