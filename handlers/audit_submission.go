package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// maxSubmissionIDLength bounds the id in the URL; ids are far shorter.
const maxSubmissionIDLength = 100

// showSubmission shows every event of one submission.
func (h auditHandlers) showSubmission(c echo.Context) error {
	id := c.Param("id")
	if id == "" || len(id) > maxSubmissionIDLength {
		return notFound()
	}
	events, err := h.Store.SubmissionEvents(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if len(events) == 0 {
		return notFound()
	}
	allowed, err := h.allowedOrganizations(c)
	if err != nil {
		return err
	}
	if allowed != nil && !containsInt(allowed, events[0].OrganizationID) {
		return notFound()
	}
	details, err := h.Store.AuditSubmissionDetails(c.Request().Context(), []int64{events[0].ID})
	if err != nil {
		return err
	}
	p := h.submissionPage(c, events, details[events[0].ID].ActorName)
	if p.Inclusion, err = h.submissionInclusion(c, events); err != nil {
		return err
	}
	if err := h.offerRestore(c, events, &p); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.AuditSubmission(p))
}

// submissionHeading is a submission page's title: it says first whether
// the change was made, failed or is not known.
func submissionHeading(o store.AuditOutcome, organization string) string {
	switch o {
	case store.OutcomeSucceeded:
		return "Submission to " + organization + " succeeded"
	case store.OutcomeDigiCertError, store.OutcomeRejected:
		return "Submission to " + organization + " failed"
	case store.OutcomeNoAnswer:
		return "Submission to " + organization + ": outcome unknown"
	case store.OutcomeReconciled:
		return "Submission to " + organization + ": reconciled"
	case store.OutcomeChangedOutside:
		return "Change to " + organization + " made outside Contact Desk"
	}
	return "Submission to " + organization + ": waiting for DigiCert's answer"
}

func containsInt(ids []int, id int) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// submissionPage describes a submission from its events, oldest first.
func (h auditHandlers) submissionPage(c echo.Context, events []store.AuditEvent, actorName string) views.AuditSubmissionPage {
	open := events[0]
	outside := open.Kind == store.AuditChangedOutside
	p := views.AuditSubmissionPage{
		SubmissionID: open.SubmissionID,
		ListURL:      "/audit",
		Organization: open.OrganizationName,
		Actor:        actorLabel(open.ActorEmail, outside),
		ActorName:    actorName,
		ClientAddr:   open.ClientAddr,
		RequestID:    open.RequestID,
		Summary:      open.Summary,
		Effects:      submissionChanges(outside, open.ContactsBefore, open.RequestBody),
	}
	if open.OrganizationID != 0 {
		p.OrganizationID = strconv.Itoa(open.OrganizationID)
		p.OrganizationURL = organizationURL(open.OrganizationID)
		p.OrganizationLog = auditURL("/audit", store.AuditFilterInput{Organization: p.OrganizationID})
	}
	outcome := store.OutcomePending
	var before, after json.RawMessage
	for _, e := range events {
		p.Events = append(p.Events, views.AuditEventView{
			ID:       strconv.FormatInt(e.ID, 10),
			Kind:     kindLabel(e.Kind),
			Time:     formatTime(e.OccurredAt),
			DateTime: e.OccurredAt.UTC().Format(time.RFC3339Nano),
			Detail:   eventDetail(e),
			Hash:     e.Hash,
		})
		if e.RequestBody != "" {
			p.RequestBody = prettyJSON(e.RequestBody)
		}
		if len(e.ContactsBefore) > 0 && before == nil {
			before = e.ContactsBefore
		}
		if len(e.ContactsAfter) > 0 {
			after = e.ContactsAfter
		}
		if e.Status != 0 {
			p.ResponseStatus = strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
			p.ResponseBody = prettyJSON(e.ResponseBody)
		}
		if len(e.ErrorCodes) > 0 {
			p.ErrorCodes = strings.Join(e.ErrorCodes, ", ")
		}
		if e.ErrorMessage != "" {
			p.ErrorMessage = e.ErrorMessage
		}
		if o, ok := eventOutcome(e); ok {
			outcome = o
		}
	}
	p.Outcome, p.OutcomeKey = outcomeLabel(outcome), string(outcome)
	p.Page = h.page(c, submissionHeading(outcome, orDash(open.OrganizationName)), "audit")
	p.HasContactsAfter = len(after) > 0
	for _, e := range events {
		p.Sent = p.Sent || e.Kind == store.AuditRequested
	}
	p.Changes = h.contactChanges(before, after, p.RequestBody != "", events)
	return p
}

// eventOutcome is the outcome an event settles, as the audit log lists it.
func eventOutcome(e store.AuditEvent) (store.AuditOutcome, bool) {
	switch e.Kind {
	case store.AuditRejected:
		return store.OutcomeRejected, true
	case store.AuditFailed:
		return store.OutcomeNoAnswer, true
	case store.AuditReconciled:
		return store.OutcomeReconciled, true
	case store.AuditChangedOutside:
		return store.OutcomeChangedOutside, true
	case store.AuditResponded:
		if e.Status >= 200 && e.Status < 300 {
			return store.OutcomeSucceeded, true
		}
		return store.OutcomeDigiCertError, true
	}
	return "", false
}

func kindLabel(k store.AuditKind) string {
	switch k {
	case store.AuditRejected:
		return "Rejected before sending"
	case store.AuditRequested:
		return "Sent to DigiCert"
	case store.AuditResponded:
		return "DigiCert answered"
	case store.AuditFailed:
		return "No answer from DigiCert"
	case store.AuditReconciled:
		return "Reconciled at start-up"
	case store.AuditChangedOutside:
		return "Found changed outside Contact Desk"
	}
	return string(k)
}

// eventDetail says in a few words what an event recorded.
func eventDetail(e store.AuditEvent) string {
	var parts []string
	if e.Status != 0 {
		parts = append(parts, "status "+strconv.Itoa(e.Status))
	}
	if e.Duration > 0 {
		parts = append(parts, "after "+formatDuration(e.Duration))
	}
	if e.ErrorMessage != "" {
		parts = append(parts, e.ErrorMessage)
	}
	if e.Kind == store.AuditReconciled && e.Summary != "" {
		// What the read found: whether the change was made.
		parts = append(parts, e.Summary)
	}
	return strings.Join(parts, "; ")
}

// prettyJSON indents a JSON body for reading; anything else is shown as
// it is.
func prettyJSON(s string) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(s), "", "  "); err != nil {
		return s
	}
	return buf.String()
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// contactChanges compares the contacts before with those after: as read
// back from DigiCert when the log has them, otherwise as requested.
func (h auditHandlers) contactChanges(before, after json.RawMessage, sent bool, events []store.AuditEvent) []views.AuditContactChange {
	if len(before) == 0 {
		return nil
	}
	old, err := contacts.DecodeCurrent(before)
	if err != nil {
		return nil
	}
	var next contacts.Current
	switch {
	case len(after) > 0 && string(after) != "null":
		if next, err = contacts.DecodeCurrent(after); err != nil {
			return nil
		}
	case sent:
		next = requestedContacts(old, requestBody(events))
	default:
		return nil
	}
	locales := h.Contacts.Locales()
	return []views.AuditContactChange{
		fieldChanges("Organization contact", old.Organization, next.Organization, locales),
		fieldChanges("Technical contact", old.Technical, next.Technical, locales),
	}
}

func requestBody(events []store.AuditEvent) string {
	for _, e := range events {
		if e.RequestBody != "" {
			return e.RequestBody
		}
	}
	return ""
}

// requestedContacts applies a request body to the contacts before it, as
// DigiCert does: a contact type sent replaces the values (fields left out
// lose theirs), a bare contact type removes the contact, and a type not
// sent is kept.
func requestedContacts(old contacts.Current, body string) contacts.Current {
	var req struct {
		Contacts []digicert.Contact `json:"contacts"`
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		return old
	}
	next := old
	for _, sent := range req.Contacts {
		var c *digicert.ExistingContact
		if !sent.IsRemoval() {
			c = &digicert.ExistingContact{
				FirstName: sent.FirstName, LastName: sent.LastName, Email: sent.Email, JobTitle: sent.JobTitle,
				Telephone: sent.Telephone, TelephoneExtension: sent.TelephoneExtension, LanguageID: sent.LanguageID,
			}
		}
		switch sent.ContactType {
		case digicert.OrganizationContact:
			next.Organization = c
		case digicert.TechnicalContact:
			next.Technical = c
		}
	}
	return next
}

// fieldChanges lists a contact's fields before and after.
func fieldChanges(heading string, before, after *digicert.ExistingContact, locales contacts.LocaleSet) views.AuditContactChange {
	values := func(c *digicert.ExistingContact) []string {
		if c == nil {
			return make([]string, 7)
		}
		return []string{c.FirstName, c.LastName, c.Email, c.JobTitle, c.Telephone, c.TelephoneExtension,
			languageName(c.LanguageID, locales)}
	}
	labels := []string{"First name", "Last name", "Email", "Job title", "Telephone", "Telephone extension", "Language"}
	b, a := values(before), values(after)
	out := views.AuditContactChange{Heading: heading}
	for i, label := range labels {
		f := views.AuditFieldChange{Label: label, Email: label == "Email", Before: b[i], After: a[i], Changed: b[i] != a[i]}
		if f.Changed {
			out.Changed++
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}
