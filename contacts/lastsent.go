package contacts

import (
	"context"
	"fmt"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// lastSentLookback is how many of an organization's latest successful
// submissions LastSent looks through for one that sent the contact.
const lastSentLookback = 50

// SentContact is a contact as Contact Desk last sent it to DigiCert and
// DigiCert accepted it, from the audit log.
type SentContact struct {
	// Fields are the values sent; empty for a removal.
	Fields Fields
	// Removed is set when the contact was last sent as a removal.
	Removed      bool
	SubmissionID string
	// SentAt is when the submission was requested.
	SentAt time.Time
}

// LastSent returns how Contact Desk last sent the contact of a type to
// organization orgID, in a submission DigiCert accepted, and false when
// none of its latest submissions did. It serves where DigiCert does not
// report the contact: the values it was last given are the best starting
// point there is, labelled as such.
func (s *Service) LastSent(ctx context.Context, orgID int, contactType string) (SentContact, bool, error) {
	page, err := s.store.AuditSubmissions(ctx, store.AuditPageQuery{
		Filter: store.AuditFilter{OrganizationID: orgID, Outcome: store.OutcomeSucceeded},
		Limit:  lastSentLookback,
	})
	if err != nil {
		return SentContact{}, false, fmt.Errorf("contacts: last sent %s of organization %d: %w", contactType, orgID, err)
	}
	for _, sub := range page.Submissions {
		events, err := s.store.SubmissionEvents(ctx, sub.SubmissionID)
		if err != nil {
			return SentContact{}, false, fmt.Errorf("contacts: last sent %s of organization %d: %w", contactType, orgID, err)
		}
		if sent, ok := sentIn(events, contactType); ok {
			return sent, true, nil
		}
	}
	return SentContact{}, false, nil
}

// sentIn finds the contact of a type in the request of a submission's
// events.
func sentIn(events []store.AuditEvent, contactType string) (SentContact, bool) {
	for _, e := range events {
		if e.Kind != store.AuditRequested {
			continue
		}
		req, err := decodeRequestBody(e.RequestBody)
		if err != nil {
			return SentContact{}, false
		}
		for _, c := range req {
			if c.ContactType != contactType {
				continue
			}
			sent := SentContact{SubmissionID: e.SubmissionID, SentAt: e.OccurredAt, Removed: c.IsRemoval()}
			if !sent.Removed {
				sent.Fields = fieldsOf(c)
			}
			return sent, true
		}
	}
	return SentContact{}, false
}

// StartingValues returns the contacts an organization's form starts from:
// those DigiCert reported and, for a technical contact it did not report,
// the values Contact Desk last sent for it, if any (the second result, nil
// when there are none). Those values are never DigiCert's: the form says
// where they come from.
func (s *Service) StartingValues(ctx context.Context, org digicert.Organization) (Current, *SentContact, error) {
	current := CurrentFrom(org)
	if !current.TechnicalOmitted {
		return current, nil, nil
	}
	sent, ok, err := s.LastSent(ctx, org.ID, digicert.TechnicalContact)
	if err != nil || !ok {
		return current, nil, err
	}
	if !sent.Removed {
		f := sent.Fields
		current.Technical = &digicert.ExistingContact{FirstName: f.FirstName, LastName: f.LastName, Email: f.Email,
			JobTitle: f.JobTitle, Telephone: f.Telephone, TelephoneExtension: f.TelephoneExtension, LanguageID: f.LanguageID}
	}
	return current, &sent, nil
}
