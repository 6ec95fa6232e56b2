package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// offerRestore links a submission's page to the form that restores the
// contacts before it, for a submission that changed them (or a change
// found made outside) and a viewer who may change the organization, and
// names the bulk change it was part of.
func (h auditHandlers) offerRestore(c echo.Context, events []store.AuditEvent, p *views.AuditSubmissionPage) error {
	open := events[0]
	if job, ok := strings.CutPrefix(open.RequestID, "job-"); ok {
		if id, err := strconv.ParseInt(job, 10, 64); err == nil && id > 0 {
			p.Job, p.JobURL = "Bulk change "+job, bulkJobURL(id)
		}
	}
	switch store.AuditOutcome(p.OutcomeKey) {
	case store.OutcomeSucceeded, store.OutcomeReconciled, store.OutcomeChangedOutside:
	default:
		return nil
	}
	if open.OrganizationID == 0 || len(open.ContactsBefore) == 0 {
		return nil
	}
	may, err := h.mayChangeOrganization(c, open.OrganizationID)
	if err != nil || !may {
		return err
	}
	p.RestoreURL = organizationURL(open.OrganizationID) + "?restore=" + url.QueryEscape(open.SubmissionID)
	return nil
}

// restoreEdit returns the organization's form holding the contacts as
// they were before submission id, over the contacts as read now, and the
// notice saying so; the form as it first appears, and a notice, when the
// submission has nothing to restore.
func (s *server) restoreEdit(c echo.Context, orgID int, current contacts.Current, id string) (contacts.Input, *views.Flash, error) {
	if len(id) > maxSubmissionIDLength {
		return contacts.Input{}, nil, notFound()
	}
	events, err := s.Store.SubmissionEvents(c.Request().Context(), id)
	if err != nil {
		return contacts.Input{}, nil, err
	}
	for _, e := range events {
		if e.OrganizationID != orgID || len(e.ContactsBefore) == 0 {
			continue
		}
		before, err := contacts.DecodeCurrent(e.ContactsBefore)
		if err != nil {
			break
		}
		in, changed := contacts.RestoreInput(before, current)
		when := formatTime(e.OccurredAt)
		if !changed {
			return in, &views.Flash{Kind: "success", Message: "The contacts already are as they were before the submission of " + when + ": there is nothing to restore."}, nil
		}
		return in, &views.Flash{Kind: "warning", Message: "The form below holds the contacts as they were before the submission of " + when +
			". Review them: nothing is sent until you review and send the change."}, nil
	}
	return contacts.Input{}, nil, notFound()
}
