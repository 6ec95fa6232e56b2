package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/views"
)

// startEdit returns the form an organization's page shows: prefilled from
// the contacts as read, and, for a technical contact DigiCert did not
// report, from what Contact Desk last sent for it (the second result, nil
// when that does not apply); or the draft of a review being edited again.
func (s *server) startEdit(c echo.Context, orgID int, view contacts.View, draftID string) (contacts.Input, *contacts.SentContact, error) {
	start, sent, err := s.Contacts.StartingValues(c.Request().Context(), *view.Organization)
	if err != nil {
		return contacts.Input{}, nil, err
	}
	current := contacts.CurrentFrom(*view.Organization)
	in := contacts.Input{Mode: contacts.ModeForm, Change: contacts.ChangeFrom(start), Basis: contacts.Fingerprint(current), Loaded: &start}
	if draftID != "" {
		draft, ok, err := s.loadDraft(c, orgID, draftID)
		if err != nil {
			return contacts.Input{}, nil, err
		}
		if ok {
			in = draft
		}
	}
	return in, sent, nil
}

// lastSentFor returns what Contact Desk last sent for the technical
// contact of an organization whose read did not report one; nil when the
// read reported it or nothing was sent.
func (s *server) lastSentFor(c echo.Context, org *digicert.Organization) (*contacts.SentContact, error) {
	if !org.TechnicalContactOmitted {
		return nil, nil
	}
	sent, ok, err := s.Contacts.LastSent(c.Request().Context(), org.ID, digicert.TechnicalContact)
	if err != nil || !ok {
		return nil, err
	}
	return &sent, nil
}

// noteLastSent tells, on the technical contact's card, what Contact Desk
// last sent for a technical contact DigiCert did not report.
func noteLastSent(p *views.OrganizationPage, sent *contacts.SentContact) {
	for i := range p.Contacts {
		if p.Contacts[i].Type == digicert.TechnicalContact && p.Contacts[i].NotReported {
			p.Contacts[i].LastSent = cardNote(sent)
		}
	}
}

// cardNote is what the card says of the values last sent for a contact.
func cardNote(sent *contacts.SentContact) *views.LastSentNote {
	if sent == nil {
		return nil
	}
	note := &views.LastSentNote{LinkText: "submission " + sent.SubmissionID, URL: submissionURL(sent.SubmissionID)}
	if sent.Removed {
		note.Text = "Contact Desk last removed it, on " + formatTime(sent.SentAt) + ", in"
		return note
	}
	f := sent.Fields
	note.Text = "Contact Desk last set it to " + joinNonEmpty(" ", f.FirstName, f.LastName) + " (" + f.Email + "), on " +
		formatTime(sent.SentAt) + ", in"
	return note
}
