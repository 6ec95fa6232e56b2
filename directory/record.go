package directory

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// SummaryPrefix begins the summary of every change found made outside
// Contact Desk; what changed follows it.
const SummaryPrefix = "Changed outside Contact Desk: "

// maxSummary bounds the one-line summary of a change found outside, in
// characters; the event holds every field before and after.
const maxSummary = 300

// record stores a successful read of org that began at readAt and ended
// at doneAt, and reports how it ended.
func (d *Directory) record(ctx context.Context, org digicert.Organization, readAt, doneAt time.Time) (Result, error) {
	read := store.DirectoryRead{
		OrganizationID: org.ID,
		Name:           org.Name,
		ReadAt:         readAt,
		DoneAt:         doneAt,
		DueAt:          readAt.Add(d.opts.TTL),
		Contacts:       storedContacts(org),
	}
	result := ResultUnchanged
	compare := func(prev store.DirectoryEntry, found bool, subs []store.DirectorySubmission) (*store.AuditEvent, error) {
		if !found {
			result = ResultFirst
			return nil, nil
		}
		ev, changed, err := outsideChange(org, prev, subs, doneAt)
		switch {
		case err != nil:
			return nil, err
		case ev != nil:
			result = ResultChangedOutside
		case changed:
			result = ResultChanged
		}
		return ev, nil
	}
	rec, err := d.store.RecordDirectoryRead(ctx, read, compare)
	if err != nil {
		return ResultFailed, fmt.Errorf("directory: %w", err)
	}
	if rec.Stale {
		return ResultStale, nil
	}
	if rec.Event != nil {
		d.log.InfoContext(ctx, "contacts changed outside Contact Desk", "organization_id", org.ID,
			"event_id", rec.Event.ID, "summary", rec.Event.Summary)
		if d.opts.OnAuditEvent != nil {
			d.opts.OnAuditEvent(rec.Event.Kind)
		}
	}
	return result, nil
}

// outsideChange compares what a read found with what the directory knew
// before. It returns the changed_outside event for the contact types that
// differ and that no submission in between sent (nil when there are
// none), and whether anything differs at all.
func outsideChange(org digicert.Organization, prev store.DirectoryEntry, subs []store.DirectorySubmission, at time.Time) (*store.AuditEvent, bool, error) {
	before := CurrentOf(prev)
	after := contacts.CurrentFrom(org)
	sent := typesSent(subs)
	var outside []string
	changed := false
	for _, t := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		if sameContact(of(before, t), of(after, t)) {
			continue
		}
		changed = true
		if !sent[t] {
			outside = append(outside, t)
		}
	}
	if len(outside) == 0 {
		return nil, changed, nil
	}
	// Describe only what changed outside: the types a submission
	// explains are shown as they are now on both sides.
	described := before
	for _, t := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		if !contains(outside, t) {
			described = with(described, t, of(after, t))
		}
	}
	beforeJSON, err := contacts.EncodeCurrent(before)
	if err != nil {
		return nil, true, err
	}
	afterJSON, err := contacts.EncodeCurrent(after)
	if err != nil {
		return nil, true, err
	}
	return &store.AuditEvent{
		SubmissionID:     "outside-" + rand.Text(),
		Kind:             store.AuditChangedOutside,
		OccurredAt:       at,
		OrganizationID:   org.ID,
		OrganizationName: org.Name,
		ContactsBefore:   beforeJSON,
		ContactsAfter:    afterJSON,
		Summary:          summary(contacts.DescribeDifference(described, after)),
	}, true, nil
}

// summary joins the sentences describing a change into one line.
func summary(lines []string) string {
	s := SummaryPrefix + strings.Join(lines, "; ")
	if r := []rune(s); len(r) > maxSummary {
		s = string(r[:maxSummary-1]) + "…"
	}
	return s
}

// typesSent returns the contact types the submissions sent, by the
// contact_type of each contact in their request bodies. A body that
// cannot be read counts as sending both: better to miss a change made
// outside than to blame one on someone else.
func typesSent(subs []store.DirectorySubmission) map[string]bool {
	sent := map[string]bool{}
	for _, s := range subs {
		var body struct {
			Contacts []struct {
				ContactType string `json:"contact_type"`
			} `json:"contacts"`
		}
		if err := json.Unmarshal([]byte(s.RequestBody), &body); err != nil {
			sent[digicert.OrganizationContact], sent[digicert.TechnicalContact] = true, true
			continue
		}
		for _, c := range body.Contacts {
			sent[c.ContactType] = true
		}
	}
	return sent
}

// sameContact reports whether two contacts (nil for none) are the same
// contact with the same values.
func sameContact(a, b *digicert.ExistingContact) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func of(c contacts.Current, contactType string) *digicert.ExistingContact {
	if contactType == digicert.TechnicalContact {
		return c.Technical
	}
	return c.Organization
}

func with(c contacts.Current, contactType string, e *digicert.ExistingContact) contacts.Current {
	if contactType == digicert.TechnicalContact {
		c.Technical = e
	} else {
		c.Organization = e
	}
	return c
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CurrentOf returns the contacts of a directory entry as a read of
// DigiCert reports them, so that a change can be planned from the
// directory's copy as from a read.
func CurrentOf(e store.DirectoryEntry) contacts.Current {
	var c contacts.Current
	for _, dc := range e.Contacts {
		ec := &digicert.ExistingContact{
			ID: dc.ContactID, FirstName: dc.FirstName, LastName: dc.LastName, Email: dc.Email,
			JobTitle: dc.JobTitle, Telephone: dc.Telephone, TelephoneExtension: dc.TelephoneExtension,
			LanguageID: dc.LanguageID,
		}
		c = with(c, dc.Type, ec)
	}
	return c
}

// storedContacts returns an organization's contacts as the directory
// stores them, the organization contact first.
func storedContacts(org digicert.Organization) []store.DirectoryContact {
	var out []store.DirectoryContact
	for _, pair := range []struct {
		t string
		c *digicert.ExistingContact
	}{{store.OrganizationContactType, org.OrganizationContact}, {store.TechnicalContactType, org.TechnicalContact}} {
		if pair.c == nil {
			continue
		}
		out = append(out, store.DirectoryContact{
			OrganizationID: org.ID, Type: pair.t, ContactID: pair.c.ID,
			FirstName: pair.c.FirstName, LastName: pair.c.LastName, Email: pair.c.Email,
			JobTitle: pair.c.JobTitle, Telephone: pair.c.Telephone,
			TelephoneExtension: pair.c.TelephoneExtension, LanguageID: pair.c.LanguageID,
		})
	}
	return out
}
