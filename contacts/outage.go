package contacts

import (
	"context"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// isOutage reports an answer that says DigiCert could not handle the
// request now (429, 5xx), as opposed to one that refuses it.
func isOutage(e *digicert.APIError) bool {
	return e.Status == 429 || e.Status >= 500
}

// outageReadTimeout bounds the read made right after an outage, which
// DigiCert, being unavailable, may not answer either: the person waiting
// has waited through the PUT's retries already.
const outageReadTimeout = 10 * time.Second

// checkAfterOutage reads the organization right after a send that
// DigiCert did not answer usably, to tell the person what happened rather
// than leave it unknown, and records what the read found (reconciled).
// Contacts as they were reviewed: the change was not made
// (OutcomeUnavailable). The contacts the request asked for: it was made
// (OutcomeSent, AfterOutage). Anything else, or no read, leaves it unknown
// (OutcomeNoAnswer): the next attempt settles it (see Retry).
func (s *Service) checkAfterOutage(ctx context.Context, sub *submission, result *SendResult) {
	readCtx, cancel := context.WithTimeout(ctx, outageReadTimeout)
	defer cancel()
	v, err := s.readLive(readCtx, sub.orgID)
	if err != nil {
		s.logger.WarnContext(ctx, "contacts: read the organization after an outage", "submission_id", sub.id,
			"organization_id", sub.orgID, "error", err)
		return
	}
	result.After = v.Organization
	after := CurrentFrom(*v.Organization)
	verdict := compareWithRequest(sub.review.Current, after, sub.review.Request)
	requested := sub.event(store.AuditRequested, time.Time{})
	requested.ContactsBefore = sub.before
	if err := s.recordReconciled(ctx, requested, v.Organization, verdict, sub.record); err != nil {
		s.logger.ErrorContext(ctx, "contacts: record what a read after an outage found", "submission_id", sub.id,
			"organization_id", sub.orgID, "error", err)
		return
	}
	switch verdict {
	case verdictNotMade:
		result.Outcome = OutcomeUnavailable
	case verdictMade:
		result.Outcome, result.AfterOutage = OutcomeSent, true
	}
}
