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
	// Head is the newest event of the hash chain, shown to admins so that
	// they can record it outside Contact Desk; nil for others.
	Head *AuditHead
	// SecurityURL links to the security events, for those who may read
	// them; "" for others.
	SecurityURL string
}

// AuditHead is the newest event of the audit hash chain.
type AuditHead struct {
	EventID string
	Hash    string
}

// AuditRow is one submission in the audit log.
type AuditRow struct {
	URL string
	// Time is the submission's time in UTC, formatted; DateTime is the same
	// in RFC 3339 for the time element.
	Time             string
	DateTime         string
	User             string
	Organization     string
	OrganizationID   string
	OrganizationURL  string
	Summary          string
	Outcome          string
	OutcomeKey       string
	Duration         string
	SubmissionNumber string
}

// AuditSubmissionPage is one submission: its events, what was sent, what
// DigiCert answered, and the contacts before and after.
type AuditSubmissionPage struct {
	Page
	SubmissionID     string
	ListURL          string
	Organization     string
	OrganizationID   string
	OrganizationURL  string
	OrganizationLog  string
	Actor            string
	ClientAddr       string
	RequestID        string
	Outcome          string
	OutcomeKey       string
	Summary          string
	Events           []AuditEventView
	RequestBody      string
	ResponseStatus   string
	ResponseBody     string
	ErrorCodes       string
	ErrorMessage     string
	HasContactsAfter bool
	Changes          []AuditContactChange
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
	Label   string
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

// ChartLegend names the colour of one outcome.
type ChartLegend struct {
	X     int
	Fill  string
	Label string
}

// ChartDay is one day of the text alternative.
type ChartDay struct {
	Day    string
	Counts []int
	Total  int
}
