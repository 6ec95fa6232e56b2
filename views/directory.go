package views

// DirectoryAdminPage is the admins' view of the directory and of
// DigiCert's rate budget.
type DirectoryAdminPage struct {
	Page
	Known, Total, Gone int
	// OldestRead is when the oldest read was made and OldestAge how long
	// ago, in words; Stale is set when that is more than TTL.
	OldestRead string
	OldestAge  string
	Stale      bool
	TTL        string
	// Pass describes the current or last pass in a sentence; PassDone of
	// PassTotal organizations are read, Estimate says how long the rest
	// should take ("" when unknown).
	Pass      string
	PassDone  int
	PassTotal int
	Estimate  string
	Paused    bool
	// Stopped says why the worker stopped; RetryAt and LastError describe
	// an outage it waits out.
	Stopped   string
	RetryAt   string
	LastError string
	// Budget lists each rate window's use by class over its span.
	Budget    []BudgetRow
	PauseURL  string
	ResumeURL string
}

// BudgetRow is one class's use of one rate window.
type BudgetRow struct {
	Window string
	Class  string
	Used   int
	Cap    int
}

// OutsideChangeNotice is the latest change found made outside Contact Desk
// to an organization's contacts.
type OutsideChangeNotice struct {
	When    string
	WhenISO string
	// Summary says what changed, in a sentence or a few.
	Summary string
	// URL is the change's page in the audit log.
	URL string
}
