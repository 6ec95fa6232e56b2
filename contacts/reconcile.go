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
// recorded but whose outcome was not, because the process stopped (or the
// outcome could not be written) while it was in flight. For each, it reads
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
		if err := s.reconcileOne(ctx, requested); err != nil {
			s.logger.Warn("contacts: submission left pending, to be reconciled at the next start",
				"submission_id", requested.SubmissionID, "organization_id", requested.OrganizationID, "error", err)
			left++
			continue
		}
		reconciled++
	}
	if left > 0 {
		return reconciled, fmt.Errorf("contacts: reconcile: %d of %d submissions left pending", left, len(pending))
	}
	return reconciled, nil
}

// reconcileOne reads the organization of a pending submission and records
// what is there now.
func (s *Service) reconcileOne(ctx context.Context, requested store.AuditEvent) error {
	unlock, err := s.locks.lock(ctx, requested.OrganizationID)
	if err != nil {
		return err
	}
	defer unlock()
	org, err := s.Organization(ctx, requested.OrganizationID)
	if err != nil && !errors.Is(err, ErrOrganizationNotFound) {
		return err
	}
	e := store.AuditEvent{
		SubmissionID:     requested.SubmissionID,
		Kind:             store.AuditReconciled,
		OccurredAt:       s.now(),
		OrganizationID:   requested.OrganizationID,
		OrganizationName: requested.OrganizationName,
		ContactsBefore:   requested.ContactsBefore,
	}
	if org == nil {
		e.ContactsAfter = json.RawMessage("null")
		e.Summary = "Reconciled: DigiCert no longer knows this organization"
		return s.appendEvent(ctx, e)
	}
	after := CurrentFrom(*org)
	if e.ContactsAfter, err = EncodeCurrent(after); err != nil {
		return err
	}
	e.OrganizationName = org.Name
	e.Summary = "Reconciled: " + reconcileVerdict(requested, after)
	return s.appendEvent(ctx, e)
}

// reconcileVerdict compares what DigiCert holds now with the contacts
// before the request and with what the request asked for.
func reconcileVerdict(requested store.AuditEvent, after Current) string {
	req, reqErr := decodeRequestBody(requested.RequestBody)
	if reqErr == nil && matchesRequest(after, req) {
		return "DigiCert shows the requested contacts: the change was made"
	}
	before, beforeErr := DecodeCurrent(requested.ContactsBefore)
	if beforeErr == nil && Fingerprint(before) == Fingerprint(after) {
		return "DigiCert shows the contacts as they were before: the change was not made"
	}
	if reqErr != nil || beforeErr != nil {
		return "DigiCert's contacts recorded; the request could not be compared with them"
	}
	return "DigiCert shows contacts that match neither those before nor the request"
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
