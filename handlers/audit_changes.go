package handlers

import (
	"context"
	"encoding/json"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
	"github.com/contactdesk/contactdesk/views"
)

// addSubmissionDetails names the user of each row and says, per contact,
// who replaced whom, from what the submissions' first events recorded.
func (h auditHandlers) addSubmissionDetails(ctx context.Context, rows []views.AuditRow, subs []store.AuditSubmission) error {
	ids := make([]int64, len(subs))
	for i, s := range subs {
		ids[i] = s.ID
	}
	details, err := h.Store.AuditSubmissionDetails(ctx, ids)
	if err != nil {
		return err
	}
	for i, s := range subs {
		d, ok := details[s.ID]
		if !ok {
			continue
		}
		rows[i].UserName = d.ActorName
		rows[i].Effects = submissionChanges(s.Outcome == store.OutcomeChangedOutside, d.ContactsBefore, d.RequestBody)
	}
	return nil
}

// submissionChanges says what a submission did, or tried to do, to each
// contact, naming the people, as the review said it: its request planned
// against the contacts before it. It returns nil when that cannot be told
// (nothing recorded, a request that did not parse), and for a change made
// outside Contact Desk, whose summary alone says which contacts changed.
func submissionChanges(outside bool, before json.RawMessage, body string) []views.ContactEffect {
	if outside || len(before) == 0 || body == "" {
		return nil
	}
	current, err := contacts.DecodeCurrent(before)
	if err != nil {
		return nil
	}
	var req struct {
		Contacts []digicert.Contact `json:"contacts"`
	}
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		return nil
	}
	plan, err := contacts.NewPlan(current, req.Contacts)
	if err != nil {
		return nil
	}
	var out []views.ContactEffect
	for _, p := range plan.Contacts {
		if ch, ok := contactChange(p); ok {
			out = append(out, ch)
		}
	}
	return out
}

// contactChange describes one contact's plan, or reports false when the
// contact was left as it was.
func contactChange(p contacts.ContactPlan) (views.ContactEffect, bool) {
	ch := views.ContactEffect{Contact: contactHeading(p.ContactType), Before: auditPersonName(p.Before), After: auditPersonName(p.After)}
	switch p.Effect {
	case contacts.EffectReplaced:
		ch.Effect = views.EffectReplaced
		if ch.Before == ch.After && p.Before != nil && p.After != nil {
			// Only the email differs: the addresses tell the two apart.
			ch.Before += " (" + p.Before.Email + ")"
			ch.After += " (" + p.After.Email + ")"
		}
	case contacts.EffectUpdated:
		ch.Effect = views.EffectUpdated
		labels := make([]string, len(p.ChangedFields))
		for i, f := range p.ChangedFields {
			labels[i] = f.Label
		}
		ch.Fields = joinAnd(labels)
	case contacts.EffectRemoved:
		ch.Effect = views.EffectRemoved
	case contacts.EffectCreated:
		ch.Effect = views.EffectAdded
	case contacts.EffectSet:
		ch.Effect = views.EffectSet
	case contacts.EffectNothing:
		ch.Effect = views.EffectRemovalSent
	default:
		return views.ContactEffect{}, false
	}
	return ch, true
}

// auditPersonName names a contact in the audit log: by first and last name,
// by email when it has none; "" when there is no contact.
func auditPersonName(c *digicert.Contact) string {
	if c == nil {
		return ""
	}
	if name := joinNonEmpty(" ", c.FirstName, c.LastName); name == "" && c.Email != "" {
		return c.Email
	}
	return personLabel(c)
}
