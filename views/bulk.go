package views

import "github.com/contactdesk/contactdesk/views/components"

// BulkFormPage is the form of a bulk change: from a person's page
// (Replace or remove everywhere) or from organizations selected in the
// list (Change selected).
type BulkFormPage struct {
	Page
	Heading string
	// PersonID is the person the change concerns, "" for selected
	// organizations; PersonName names them in sentences.
	PersonID   string
	PersonName string
	// Organizations are the organizations to choose from, each with a
	// checkbox; OrganizationsError is the problem with the choice.
	Organizations      []BulkFormOrganization
	OrganizationsError string
	Fieldsets          []BulkFieldset
	Errors             []components.ErrorLink
	// AdminOver is how many organizations an editor may change at once;
	// IsAdmin is set for admins, who may change more.
	AdminOver int
	IsAdmin   bool
	// Pick is the search of the directory for a replacement.
	Pick BulkPick
}

// BulkFormOrganization is one organization the form offers.
type BulkFormOrganization struct {
	ID      string
	Name    string
	Role    string
	Checked bool
}

// BulkFieldset is one contact type's choice and fields.
type BulkFieldset struct {
	ID     string
	Legend string
	Hint   string
	Action components.RadioGroup
	// Replacement is who replaces the contact; Details are the details an
	// Update sets.
	Replacement BulkFieldGroup
	Details     BulkFieldGroup
}

// BulkFieldGroup is a group of fields shown for one choice.
type BulkFieldGroup struct {
	ID       string
	Legend   string
	Hint     string
	Actions  string
	Fields   []components.Input
	Language components.Select
}

// BulkPick searches the directory for someone to take a contact's place.
type BulkPick struct {
	// Hidden are the form's other values, carried through the search.
	Hidden  []HiddenValue
	Search  string
	Results []BulkPickResult
	// Searched is set once a search was made.
	Searched bool
	// Picked names who filled the replacement's fields, "" for nobody.
	Picked string
}

// HiddenValue is one hidden input.
type HiddenValue struct {
	Name  string
	Value string
}

// BulkPickResult is one person the search found.
type BulkPickResult struct {
	Name   string
	Email  string
	UseURL string
}

// BulkJobPage is one bulk job: its review before it starts, its progress
// while it runs, its outcome once over.
type BulkJobPage struct {
	Page
	ID    string
	Title string
	// State names the job's state in words; StateKey is its name.
	State    string
	StateKey string
	// InReview is set before the job starts, Active while it runs or is
	// paused.
	InReview bool
	Active   bool
	Note     string
	// Facts are who made and started the job, and when.
	Facts []BulkFact
	// Effects counts the organizations by the review's verdict.
	Effects []BulkCount
	// Items counts the organizations sent by state.
	Items []BulkCount
	// Done of Total organizations have their outcome.
	Done, Total int
	Current     string
	Elapsed     string
	Remaining   string
	// ProgressURL is where the script reads the progress from.
	ProgressURL string
	Rows        []BulkRow
	// First and Last are the positions of the rows shown, of RowCount.
	First, Last, RowCount int
	PrevURL, NextURL      string
	// Actions offered, each a form posting to its URL.
	StartURL, PauseURL, ResumeURL, CancelURL, RestoreURL, RetryURL string
	// StartProblem says why Start is not offered in review.
	StartProblem string
	ExportURL    string
	AuditURL     string
	// SourceURL links the job this one restores or reviews again.
	SourceURL   string
	SourceTitle string
}

// BulkFact is one line of what is known of a job.
type BulkFact struct {
	Label string
	Value string
}

// BulkCount is a count with its label; Key names it for the script.
type BulkCount struct {
	Key   string
	Label string
	N     int
}

// BulkRow is one organization of a job.
type BulkRow struct {
	Organization    string
	OrganizationURL string
	Plan            string
	// Effect is the review's verdict in words.
	Effect string
	// State is where the organization is, in words, with the key of its
	// mark; Note says why.
	State    string
	StateKey string
	Note     string
	// RequestURL is the exact request body, "" when nothing is sent.
	RequestURL    string
	SubmissionURL string
}

// BulkJobsPage lists the bulk jobs a user may see.
type BulkJobsPage struct {
	Page
	Jobs []BulkJobRow
}

// BulkJobRow is one job in the list.
type BulkJobRow struct {
	URL      string
	ID       string
	Title    string
	State    string
	StateKey string
	// By is who started the job, or made it when not started yet.
	By       string
	When     string
	WhenISO  string
	Progress string
}

// JobNotice tells, on every page, of a job of the viewer's that runs.
type JobNotice struct {
	Title  string
	URL    string
	Done   int
	Total  int
	Paused bool
}
