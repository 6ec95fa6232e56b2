package store

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditFilterInput is an audit filter as typed, in the audit log's form or
// on the command line.
type AuditFilterInput struct {
	// Organization is a DigiCert organization id, or part of a name.
	Organization string
	// User is part of an email address.
	User string
	// Outcome is one of AuditOutcomes, or "" for any.
	Outcome string
	// From and To are days, YYYY-MM-DD, in UTC; both are included.
	From, To string
	// Job is the number of a bulk job.
	Job string
}

// AuditFilterError is a problem with one field of an AuditFilterInput.
type AuditFilterError struct {
	// Field is "organization", "user", "outcome", "from", "to" or "job".
	Field   string
	Message string
}

// maxFilterText bounds the text filters.
const maxFilterText = 200

// dayFormat is how From and To are typed.
const dayFormat = "2006-01-02"

// Parse checks the input and returns the filter it asks for, or one error
// per wrong field.
func (in AuditFilterInput) Parse() (AuditFilter, []AuditFilterError) {
	var (
		f    AuditFilter
		errs []AuditFilterError
	)
	bad := func(field, msg string) { errs = append(errs, AuditFilterError{Field: field, Message: msg}) }

	org := strings.TrimSpace(in.Organization)
	switch {
	case utf8.RuneCountInString(org) > maxFilterText:
		bad("organization", "Organization must be 200 characters or fewer")
	case org != "" && isDigits(org):
		id, err := strconv.Atoi(org)
		if err != nil || id < 1 || id > 1<<31-1 {
			bad("organization", "Organization ID must be a number from 1 to 2147483647")
		}
		f.OrganizationID = id
	default:
		f.OrganizationName = org
	}

	f.User = strings.TrimSpace(in.User)
	if utf8.RuneCountInString(f.User) > maxFilterText {
		bad("user", "User must be 200 characters or fewer")
	}

	f.Outcome = AuditOutcome(strings.TrimSpace(in.Outcome))
	if f.Outcome != "" && !f.Outcome.Valid() {
		bad("outcome", "Outcome must be one of the outcomes listed")
	}

	if job := strings.TrimSpace(in.Job); job != "" {
		id, err := strconv.ParseInt(job, 10, 64)
		if err != nil || id < 1 || !isDigits(job) {
			bad("job", "Job must be the number of a bulk job, like 12")
		}
		f.JobID = id
	}

	var fromOK, toOK bool
	f.From, fromOK = parseDay(in.From)
	if !fromOK {
		bad("from", "From must be a date like 2026-03-31")
	}
	to, ok := parseDay(in.To)
	toOK = ok
	if !toOK {
		bad("to", "To must be a date like 2026-03-31")
	}
	if !to.IsZero() {
		// The whole day To names is included.
		f.To = to.AddDate(0, 0, 1)
	}
	if fromOK && toOK && !f.From.IsZero() && !to.IsZero() && f.From.After(to) {
		bad("to", "To must be the same as or after From")
	}
	if len(errs) > 0 {
		return AuditFilter{}, errs
	}
	return f, nil
}

// parseDay reads YYYY-MM-DD as the start of that day in UTC; "" is the
// zero time.
func parseDay(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(dayFormat, s)
	if err != nil || t.Year() < 1970 || t.Year() > 9998 {
		return time.Time{}, false
	}
	return t, true
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
