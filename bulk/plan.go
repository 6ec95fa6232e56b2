package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// known is an organization as the directory last read it.
type known struct {
	entry   store.DirectoryEntry
	name    string
	current contacts.Current
}

// look returns what the directory knows of organization id, or a reason
// it cannot be planned (not read, gone).
func (s *Service) look(ctx context.Context, id int) (known, string, error) {
	entry, err := s.store.DirectoryEntry(ctx, id)
	name := ""
	if cached, cerr := s.store.GetOrganization(ctx, id); cerr == nil {
		name = cached.Name
	} else if !errors.Is(cerr, store.ErrNotFound) {
		return known{}, "", fmt.Errorf("bulk: organization %d: %w", id, cerr)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return known{name: orID(name, id)}, "Not read from DigiCert yet: the directory does not know its contacts", nil
	case err != nil:
		return known{}, "", fmt.Errorf("bulk: organization %d: %w", id, err)
	}
	if name == "" {
		name = entry.Name
	}
	k := known{entry: entry, name: orID(name, id), current: currentOf(entry)}
	switch {
	case !entry.GoneAt.IsZero():
		return k, "DigiCert no longer knows this organization", nil
	case entry.ReadAt.IsZero():
		return k, "Not read from DigiCert yet: the directory does not know its contacts", nil
	}
	return k, "", nil
}

// orID is name, or the organization's id when it has none.
func orID(name string, id int) string {
	if name == "" {
		return fmt.Sprintf("Organization %d", id)
	}
	return name
}

// currentOf returns a directory entry's contacts as a read reports them.
func currentOf(e store.DirectoryEntry) contacts.Current {
	var c contacts.Current
	for _, dc := range e.Contacts {
		ec := &digicert.ExistingContact{
			ID: dc.ContactID, FirstName: dc.FirstName, LastName: dc.LastName, Email: dc.Email,
			JobTitle: dc.JobTitle, Telephone: dc.Telephone, TelephoneExtension: dc.TelephoneExtension,
			LanguageID: dc.LanguageID,
		}
		if dc.Type == store.TechnicalContactType {
			c.Technical = ec
		} else {
			c.Organization = ec
		}
	}
	return c
}

// planItems plans spec against the directory's copy of each organization,
// in the order given: one item each, sent or not. scope, when not nil,
// holds the organizations the requester may change.
func (s *Service) planItems(ctx context.Context, spec Spec, scope []int) ([]store.BulkItem, error) {
	var targets map[int][]string
	if spec.Person != nil {
		var err error
		if targets, err = s.personTargets(ctx, spec.Person.ID); err != nil {
			return nil, err
		}
	}
	seen := map[int]bool{}
	var items []store.BulkItem
	for _, id := range spec.Organizations {
		if seen[id] {
			continue
		}
		seen[id] = true
		item, err := s.planOne(ctx, spec, id, scope, targets)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

// personTargets returns, per organization, the contact types the person
// is now, as the directory knows; an empty map when the directory knows
// them nowhere any more.
func (s *Service) personTargets(ctx context.Context, personID int) (map[int][]string, error) {
	targets := map[int][]string{}
	p, err := s.store.GetPerson(ctx, personID, nil)
	if errors.Is(err, store.ErrNotFound) {
		return targets, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bulk: person %d: %w", personID, err)
	}
	for _, c := range p.Contacts {
		if !c.Gone {
			targets[c.OrganizationID] = append(targets[c.OrganizationID], c.Type)
		}
	}
	return targets, nil
}

// planOne plans one organization.
func (s *Service) planOne(ctx context.Context, spec Spec, id int, scope []int, targets map[int][]string) (store.BulkItem, error) {
	k, reason, err := s.look(ctx, id)
	if err != nil {
		return store.BulkItem{}, err
	}
	item := store.BulkItem{OrganizationID: id, OrganizationName: k.name, Effect: store.BulkNotAllowed,
		Reviewed: []byte("null"), Input: []byte("null")}
	if scope != nil && !slices.Contains(scope, id) {
		item.Plan = "Not allowed: not one of your teams' organizations"
		return item, nil
	}
	if reason != "" {
		item.Plan = "Not allowed: " + reason
		return item, nil
	}
	in, nothing := s.inputFor(spec, k, targets)
	if nothing != "" {
		item.Effect, item.Plan = store.BulkNothing, "Nothing to do: "+nothing
		return s.withReviewed(item, k)
	}
	return s.planInput(item, k, in)
}

// planInput validates and plans in against what the directory knows of an
// organization, and fills the item with the result.
func (s *Service) planInput(item store.BulkItem, k known, in contacts.Input) (store.BulkItem, error) {
	org := digicert.Organization{ID: item.OrganizationID, Name: k.name, OrganizationContact: k.current.Organization,
		TechnicalContact: k.current.Technical}
	rev, err := s.contacts.PlanAgainst(org, k.entry.ReadAt, in)
	if err != nil {
		return store.BulkItem{}, fmt.Errorf("bulk: plan organization %d: %w", item.OrganizationID, err)
	}
	if rev.Errors != nil && !rev.Errors.Empty() {
		var msgs []string
		for _, e := range rev.Errors.Errors {
			msgs = append(msgs, e.Message)
		}
		item.Plan = "Not allowed: " + strings.Join(msgs, "; ")
		return s.withReviewed(item, k)
	}
	effect, words := describePlan(rev.Plan)
	if effect == store.BulkNothing {
		item.Effect, item.Plan = effect, "Nothing to do: the contacts already are as asked"
		return s.withReviewed(item, k)
	}
	input, err := json.Marshal(rev.Input)
	if err != nil {
		return store.BulkItem{}, fmt.Errorf("bulk: plan organization %d: %w", item.OrganizationID, err)
	}
	item.Effect, item.Plan, item.Input, item.RequestBody = effect, words, input, string(rev.Plan.Body)
	return s.withReviewed(item, k)
}

// withReviewed records on the item the contacts it was planned against.
func (s *Service) withReviewed(item store.BulkItem, k known) (store.BulkItem, error) {
	reviewed, err := contacts.EncodeCurrent(k.current)
	if err != nil {
		return store.BulkItem{}, err
	}
	item.Reviewed = reviewed
	return item, nil
}

// inputFor turns spec into the change form of one organization, planned
// from the contacts the directory knows there. It returns why there is
// nothing to do instead, when there is nothing.
func (s *Service) inputFor(spec Spec, k known, targets map[int][]string) (contacts.Input, string) {
	loaded := k.current
	in := contacts.Input{Mode: contacts.ModeForm, Change: contacts.ChangeFrom(loaded), Loaded: &loaded}
	var reasons []string
	changes := false
	for _, t := range []string{digicert.OrganizationContact, digicert.TechnicalContact} {
		cs := spec.of(t)
		if cs.Action == ActionKeep || cs.Action == "" {
			continue
		}
		cur := of(loaded, t)
		if spec.Person != nil && !slices.Contains(targets[k.entry.OrganizationID], t) {
			reasons = append(reasons, fmt.Sprintf("%s is not the %s", spec.Person.Name, word(t)))
			continue
		}
		ci := contacts.InputFrom(cur)
		switch {
		case cs.Action == ActionReplace && cur == nil:
			ci.Action, ci.Fields = contacts.ActionAdd, cs.Replacement
		case cs.Action == ActionReplace:
			ci.Action, ci.Replacement = ActionReplace, cs.Replacement
		case cur == nil:
			reasons = append(reasons, fmt.Sprintf("there is no %s", word(t)))
			continue
		case cs.Action == ActionUpdate:
			ci.Action, ci.Fields = ActionUpdate, withDetails(ci.Fields, cs.Details)
		case cs.Action == ActionRemove:
			ci.Action = ActionRemove
		}
		if t == digicert.TechnicalContact {
			in.Change.Technical = ci
		} else {
			in.Change.Organization = ci
		}
		changes = true
	}
	if !changes {
		return contacts.Input{}, strings.Join(reasons, "; ")
	}
	return in, ""
}

// of returns the contact of a type.
func of(c contacts.Current, contactType string) *digicert.ExistingContact {
	if contactType == digicert.TechnicalContact {
		return c.Technical
	}
	return c.Organization
}

// describePlan says what a plan does to an organization, in a verdict for
// the counts and in words: "Technical contact: Grace Hopper replaced by
// Alan Turing". A replacement or an addition makes the organization
// replaced, else a removal removed, else an update updated.
func describePlan(p contacts.Plan) (store.BulkEffect, string) {
	effect := store.BulkNothing
	rank := map[store.BulkEffect]int{store.BulkNothing: 0, store.BulkUpdated: 1, store.BulkRemoved: 2, store.BulkReplaced: 3}
	var parts []string
	for _, c := range p.Contacts {
		e, words := describeContact(c)
		if words == "" {
			continue
		}
		parts = append(parts, words)
		if rank[e] > rank[effect] {
			effect = e
		}
	}
	return effect, strings.Join(parts, "; ")
}

// describeContact says what a plan does to one contact type.
func describeContact(c contacts.ContactPlan) (store.BulkEffect, string) {
	heading := strings.ToUpper(word(c.ContactType)[:1]) + word(c.ContactType)[1:] + ": "
	switch c.Effect {
	case contacts.EffectReplaced:
		return store.BulkReplaced, heading + personName(c.Before) + " replaced by " + personName(c.After)
	case contacts.EffectCreated, contacts.EffectSet:
		return store.BulkReplaced, heading + personName(c.After) + " added"
	case contacts.EffectRemoved:
		return store.BulkRemoved, heading + personName(c.Before) + " removed"
	case contacts.EffectNothing:
		return store.BulkRemoved, heading + "removal sent, though none is known"
	case contacts.EffectUpdated:
		var fields []string
		for _, f := range c.ChangedFields {
			fields = append(fields, f.Label)
		}
		return store.BulkUpdated, heading + personName(c.Before) + " updated in place (" + strings.Join(fields, ", ") + ")"
	}
	return store.BulkNothing, ""
}

// personName names a contact by name and email.
func personName(c *digicert.Contact) string {
	if c == nil {
		return "nobody"
	}
	name := strings.TrimSpace(c.FirstName + " " + c.LastName)
	if c.Email == "" {
		return name
	}
	return name + " (" + c.Email + ")"
}

// planRestore plans putting back, in each organization of restore, the
// contacts as they were before the submission named there. An
// organization whose contacts changed again since that submission is
// listed, not restored.
func (s *Service) planRestore(ctx context.Context, restore map[int]string, order []int, scope []int) ([]store.BulkItem, error) {
	var items []store.BulkItem
	for _, id := range order {
		subID, ok := restore[id]
		if !ok {
			continue
		}
		item, err := s.planRestoreOne(ctx, id, subID, scope)
		if err != nil {
			return nil, err
		}
		items = append(items, item)
	}
	return items, nil
}

func (s *Service) planRestoreOne(ctx context.Context, id int, subID string, scope []int) (store.BulkItem, error) {
	k, reason, err := s.look(ctx, id)
	if err != nil {
		return store.BulkItem{}, err
	}
	item := store.BulkItem{OrganizationID: id, OrganizationName: k.name, Effect: store.BulkNotAllowed,
		Reviewed: []byte("null"), Input: []byte("null"), SourceSubmissionID: subID}
	switch {
	case scope != nil && !slices.Contains(scope, id):
		item.Plan = "Not allowed: not one of your teams' organizations"
		return item, nil
	case reason != "":
		item.Plan = "Not allowed: " + reason
		return item, nil
	}
	events, err := s.store.SubmissionEvents(ctx, subID)
	if err != nil {
		return store.BulkItem{}, fmt.Errorf("bulk: restore organization %d: %w", id, err)
	}
	var requested *store.AuditEvent
	for i, e := range events {
		if e.Kind == store.AuditRequested && e.OrganizationID == id {
			requested = &events[i]
		}
	}
	if requested == nil {
		item.Plan = "Not allowed: the submission sent nothing to restore"
		return s.withReviewed(item, k)
	}
	before, err := contacts.DecodeCurrent(requested.ContactsBefore)
	if err != nil {
		item.Plan = "Not allowed: the contacts before the submission cannot be read back"
		return s.withReviewed(item, k)
	}
	same, err := contacts.MatchesRequest(k.current, requested.RequestBody)
	if err != nil || !same {
		item.Plan = "Not restored: the contacts changed again since the submission. Open the organization to see them"
		return s.withReviewed(item, k)
	}
	in, changed := contacts.RestoreInput(before, k.current)
	if !changed {
		item.Effect, item.Plan = store.BulkNothing, "Nothing to do: the contacts already are as they were before"
		return s.withReviewed(item, k)
	}
	in.Basis = ""
	return s.planInput(item, k, in)
}
