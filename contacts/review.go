package contacts

import (
	"context"
	"fmt"
	"sync"

	"github.com/contactdesk/contactdesk/digicert"
)

// The ways a change can be submitted: the edit form or the request JSON
// panel.
const (
	ModeForm = "form"
	ModeJSON = "json"
)

// Input is what the user submitted: the form, or the raw request JSON.
type Input struct {
	// Mode is ModeForm or ModeJSON.
	Mode string
	// Change is the form, read when Mode is ModeForm.
	Change Change
	// RequestJSON is the panel's text, read when Mode is ModeJSON.
	RequestJSON string
}

// Review is a change planned against the organization as DigiCert reports
// it now.
type Review struct {
	Organization *digicert.Organization
	Current      Current
	// Fingerprint is Fingerprint(Current). The review page carries it to
	// the send, which refuses to go on when the contacts have changed.
	Fingerprint string
	// Request is the normalized, validated contacts array; nil when the
	// input fails validation.
	Request []digicert.Contact
	// Plan is what Request does to Current; zero when the input fails
	// validation.
	Plan Plan
	// Errors is non-nil, and not empty, when the input fails validation.
	// In form mode each error's Field is a form field id; in JSON mode it
	// is FieldRequestJSON.
	Errors *ValidationErrors
}

// Review reads the organization fresh from DigiCert, validates the input
// against its current contacts and plans the change. A failed validation
// is not an error: it comes back in Review.Errors. The error is
// ErrOrganizationNotFound, a failure to reach DigiCert, or an input mode
// that is neither ModeForm nor ModeJSON.
func (s *Service) Review(ctx context.Context, orgID int, in Input) (Review, error) {
	org, err := s.Organization(ctx, orgID)
	if err != nil {
		return Review{}, err
	}
	rev, err := s.reviewAgainst(org, in)
	if err != nil {
		return Review{}, err
	}
	s.reviewed.remember(orgID, rev.Fingerprint, rev.Current)
	return rev, nil
}

// reviewAgainst validates and plans in against org as it was just read.
func (s *Service) reviewAgainst(org *digicert.Organization, in Input) (Review, error) {
	current := CurrentFrom(*org)
	rev := Review{Organization: org, Current: current, Fingerprint: Fingerprint(current)}
	req, errs, err := s.validateInput(in, current)
	if err != nil {
		return Review{}, err
	}
	if errs != nil {
		rev.Errors = errs
		return rev, nil
	}
	plan, err := NewPlan(current, req)
	if err != nil {
		return Review{}, fmt.Errorf("contacts: review organization %d: %w", org.ID, err)
	}
	rev.Request, rev.Plan = req, plan
	return rev, nil
}

// validateInput checks the input in its mode and returns the contacts
// array to send, or its errors.
func (s *Service) validateInput(in Input, current Current) ([]digicert.Contact, *ValidationErrors, error) {
	switch in.Mode {
	case ModeForm:
		req, errs := ValidateChange(in.Change, current, s.locales)
		return req, errs, nil
	case ModeJSON:
		req, errs := ValidateRequestJSON([]byte(in.RequestJSON), current, s.locales)
		return req, errs, nil
	}
	return nil, nil, fmt.Errorf("contacts: unknown input mode %q", in.Mode)
}

// reviewMemorySize is how many reviews reviewMemory keeps. A send that
// comes after this many other reviews (or after a restart) still gets its
// stale check; only the description of what changed is lost.
const reviewMemorySize = 1024

// reviewMemory keeps the contacts that recent reviews were planned
// against, by organization and fingerprint. The review page carries only
// the fingerprint, a hash; this is what lets a send refused as stale say
// what changed since the review.
type reviewMemory struct {
	mu    sync.Mutex
	byKey map[reviewKey]Current
	// order holds the keys oldest first, for eviction.
	order []reviewKey
}

type reviewKey struct {
	orgID       int
	fingerprint string
}

func newReviewMemory() *reviewMemory {
	return &reviewMemory{byKey: make(map[reviewKey]Current)}
}

// remember keeps a copy of the contacts a review saw, forgetting the
// oldest review when full.
func (m *reviewMemory) remember(orgID int, fingerprint string, current Current) {
	key := reviewKey{orgID: orgID, fingerprint: fingerprint}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.byKey[key]; ok {
		return
	}
	m.byKey[key] = cloneCurrent(current)
	m.order = append(m.order, key)
	if len(m.order) > reviewMemorySize {
		delete(m.byKey, m.order[0])
		m.order = m.order[1:]
	}
}

// recall returns the contacts a review of organization orgID with this
// fingerprint saw, if it is still remembered.
func (m *reviewMemory) recall(orgID int, fingerprint string) (Current, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.byKey[reviewKey{orgID: orgID, fingerprint: fingerprint}]
	return cloneCurrent(c), ok
}

// cloneCurrent copies the contacts, so that no caller can change what
// another one holds.
func cloneCurrent(c Current) Current {
	return Current{Organization: cloneContact(c.Organization), Technical: cloneContact(c.Technical)}
}

func cloneContact(c *digicert.ExistingContact) *digicert.ExistingContact {
	if c == nil {
		return nil
	}
	copied := *c
	return &copied
}
