package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// Reconcile records what became of every submission whose request was
// recorded but whose outcome was not, because the process that sent it
// stopped (or the outcome could not be written) while it was in flight.
// A send still in flight, in this process or another sharing the
// database, is waited for and then left alone. For each, it reads
// the organization again and appends a reconciled event holding the
// contacts now at DigiCert (contacts_after) and a summary comparing them
// with the contacts before and with the request. Nothing is ever sent
// again: only a person can decide that.
//
// A submission whose organization cannot be read stays pending, so that a
// later start records the real state rather than a guess; the reason is
// logged, and the returned error says how many were left. That error is
// no reason to stop the portal. An organization DigiCert no longer knows
// is a real state, and is recorded as such. Reconcile returns how many
// submissions it reconciled.
func (s *Service) Reconcile(ctx context.Context) (int, error) {
	pending, err := s.store.PendingSubmissions(ctx)
	if err != nil {
		return 0, fmt.Errorf("contacts: reconcile: %w", err)
	}
	reconciled, left := 0, 0
	for _, requested := range pending {
		if err := ctx.Err(); err != nil {
			return reconciled, fmt.Errorf("contacts: reconcile: stopped with %d of %d submissions pending: %w", len(pending)-reconciled, len(pending), err)
		}
		done, err := s.reconcileOne(ctx, requested)
		if err != nil {
			s.logger.Warn("contacts: submission left pending, to be reconciled later",
				"submission_id", requested.SubmissionID, "organization_id", requested.OrganizationID, "error", err)
			left++
			continue
		}
		if done {
			reconciled++
		}
	}
	if left > 0 {
		return reconciled, fmt.Errorf("contacts: reconcile: %d of %d submissions left pending", left, len(pending))
	}
	return reconciled, nil
}

// reconcileOne reads the organization of a pending submission and records
// what is there now, and reports whether it did. A send still in flight,
// in this process or another, holds the organization's lock: once the
// lock is had, a submission whose outcome was recorded meanwhile is left
// as it is.
func (s *Service) reconcileOne(ctx context.Context, requested store.AuditEvent) (bool, error) {
	unlock, err := s.lockOrganization(ctx, requested.OrganizationID)
	if err != nil {
		return false, err
	}
	defer unlock()
	events, err := s.store.SubmissionEvents(ctx, requested.SubmissionID)
	if err != nil {
		return false, err
	}
	for _, e := range events {
		switch e.Kind {
		case store.AuditResponded, store.AuditFailed, store.AuditReconciled:
			return false, nil
		}
	}
	org, err := s.Organization(ctx, requested.OrganizationID)
	if err != nil && !errors.Is(err, ErrOrganizationNotFound) {
		return false, err
	}
	return true, s.recordReconciled(ctx, requested, org, verdictOf(requested, org), nil)
}

// verdict is what a read of the organization says about a request whose
// outcome was not known.
type verdict int

const (
	// verdictMade: DigiCert shows the contacts the request asked for.
	verdictMade verdict = iota
	// verdictNotMade: DigiCert shows the contacts as they were before.
	verdictNotMade
	// verdictNeither: DigiCert shows other contacts.
	verdictNeither
	// verdictUncomparable: the recorded request or contacts could not be
	// read back.
	verdictUncomparable
	// verdictNotReported: the request concerns a contact DigiCert does not
	// report, so a read cannot tell.
	verdictNotReported
	// verdictGone: DigiCert no longer knows the organization.
	verdictGone
)

// summary is the reconciled event's summary for the verdict.
func (v verdict) summary() string {
	switch v {
	case verdictMade:
		return "Reconciled: DigiCert shows the requested contacts: the change was made"
	case verdictNotMade:
		return "Reconciled: DigiCert shows the contacts as they were before: the change was not made"
	case verdictNeither:
		return "Reconciled: DigiCert shows contacts that match neither those before nor the request"
	case verdictNotReported:
		return "Reconciled: DigiCert does not report the technical contact, so its read cannot tell whether the change was made"
	case verdictGone:
		return "Reconciled: DigiCert no longer knows this organization"
	}
	return "Reconciled: DigiCert's contacts recorded; the request could not be compared with them"
}

// verdictOf compares what DigiCert holds now (org, nil when it no longer
// knows the organization) with the contacts before the request and with
// what the request asked for, as the requested event recorded them.
func verdictOf(requested store.AuditEvent, org *digicert.Organization) verdict {
	if org == nil {
		return verdictGone
	}
	req, reqErr := decodeRequestBody(requested.RequestBody)
	before, beforeErr := DecodeCurrent(requested.ContactsBefore)
	if reqErr != nil || beforeErr != nil {
		if reqErr == nil && matchesRequest(CurrentFrom(*org), req) {
			return verdictMade
		}
		return verdictUncomparable
	}
	return compareWithRequest(before, CurrentFrom(*org), req)
}

// compareWithRequest says whether after, the contacts DigiCert holds now,
// are those req asked for, those before it, or neither.
func compareWithRequest(before, after Current, req []digicert.Contact) verdict {
	for _, c := range req {
		if !after.reported(c.ContactType) {
			return verdictNotReported
		}
	}
	switch {
	case matchesRequest(after, req):
		return verdictMade
	case Fingerprint(before) == Fingerprint(after):
		return verdictNotMade
	}
	return verdictNeither
}

// recordReconciled appends the reconciled event of the submission whose
// requested event is given: what DigiCert holds now (org; nil when it no
// longer knows the organization) and the verdict; through record when it
// is not nil (see SendOptions.Record).
func (s *Service) recordReconciled(ctx context.Context, requested store.AuditEvent, org *digicert.Organization, v verdict,
	record func(context.Context, store.AuditEvent) error) error {
	e := store.AuditEvent{
		SubmissionID:     requested.SubmissionID,
		Kind:             store.AuditReconciled,
		OccurredAt:       s.now(),
		OrganizationID:   requested.OrganizationID,
		OrganizationName: requested.OrganizationName,
		ContactsBefore:   requested.ContactsBefore,
		Summary:          v.summary(),
	}
	if org == nil {
		e.ContactsAfter = json.RawMessage("null")
		return s.recordEvent(ctx, record, e)
	}
	after, err := EncodeCurrent(CurrentFrom(*org))
	if err != nil {
		return err
	}
	e.ContactsAfter, e.OrganizationName = after, org.Name
	return s.recordEvent(ctx, record, e)
}

// settle records what became of an earlier submission to organization
// orgID, now that DigiCert's contacts have been read again (org), and
// reports whether that submission made its change. It settles only a
// submission of this organization that sent a request; the contacts as
// reviewed (fingerprint) mean the change was not made. A submission
// already reconciled (at start, or by the read after an outage) is not
// recorded again, but the read still tells whether its change is there
// now: a request that reached DigiCert after that read is not sent twice.
func (s *Service) settle(ctx context.Context, orgID int, previous string, fingerprint string, org *digicert.Organization) (bool, error) {
	events, err := s.store.SubmissionEvents(ctx, previous)
	if err != nil {
		return false, fmt.Errorf("contacts: settle submission %s: %w", previous, err)
	}
	var requested *store.AuditEvent
	reconciled := false
	for i, e := range events {
		switch {
		case e.OrganizationID != orgID:
			return false, nil
		case e.Kind == store.AuditReconciled:
			reconciled = true
		case e.Kind == store.AuditRequested:
			requested = &events[i]
		}
	}
	if requested == nil {
		return false, nil
	}
	v := verdictOf(*requested, org)
	if Fingerprint(CurrentFrom(*org)) == fingerprint && v != verdictNotReported {
		v = verdictNotMade
	}
	if reconciled {
		return v == verdictMade, nil
	}
	if err := s.recordReconciled(ctx, *requested, org, v, nil); err != nil {
		return false, fmt.Errorf("contacts: settle submission %s: %w", previous, err)
	}
	return v == verdictMade, nil
}

// decodeRequestBody reads the contacts array of a recorded PUT body.
func decodeRequestBody(body string) ([]digicert.Contact, error) {
	var doc struct {
		Contacts []digicert.Contact `json:"contacts"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		return nil, fmt.Errorf("contacts: decode recorded request: %w", err)
	}
	return doc.Contacts, nil
}

// matchesRequest reports whether the contacts now hold exactly what req
// sent: no technical contact for a removal, every value of each contact
// sent, and the other fields of that contact empty, since DigiCert deletes
// what a contact leaves out.
func matchesRequest(now Current, req []digicert.Contact) bool {
	for _, sent := range req {
		cur := now.of(sent.ContactType)
		switch {
		case sent.IsRemoval():
			if cur != nil {
				return false
			}
		case cur == nil:
			return false
		case existingAsContact(*cur, sent.ContactType) != sent:
			return false
		}
	}
	return true
}
