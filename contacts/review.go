package contacts

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

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
	// Basis is the fingerprint of the contacts the form was prefilled
	// with, as the form carries it back; a missing or malformed one only
	// means the review cannot tell whether they changed since.
	Basis string
	// Loaded is what the form was loaded with, as the form carries it
	// back: the contacts as DigiCert reported them, and for a technical
	// contact it did not report, the values the fields started with. It
	// tells a field the user changed from one someone changed at
	// DigiCert. Nil for a form that does not carry it: then the contacts
	// remembered for Basis stand in, when they still are.
	Loaded *Current
}

// Review is a change planned against the organization as DigiCert reports
// it now.
type Review struct {
	Organization *digicert.Organization
	// ReadAt is when the read of Organization began.
	ReadAt  time.Time
	Current Current
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
	// ChangedSinceLoad, when set, says in words how the contacts changed
	// at DigiCert since the form was prefilled (Input.Basis): the input
	// may have been written against contacts that are no longer there.
	ChangedSinceLoad []string
	// Input is the input as validated and planned: the one given or, when
	// its form was prefilled from contacts that changed at DigiCert since
	// and those are still cached, the form rebased onto the current
	// contacts with Basis set to Fingerprint (see rebase). A draft kept
	// for the review, to send or to edit again, holds this one.
	Input Input
	// Rebased is set when fields of the form that the user did not change
	// were given DigiCert's current values.
	Rebased bool
	// Conflicts lists what the rebase left as the user entered it although
	// it changed at DigiCert too: fields both changed, and contacts added,
	// removed or replaced there.
	Conflicts []Conflict
}

// Review reads the organization fresh from DigiCert, validates the input
// against its current contacts and plans the change. A failed validation
// is not an error: it comes back in Review.Errors. When the input carries
// the fingerprint of the contacts its form was prefilled with and they
// have changed since, Review.ChangedSinceLoad says how, and a form is
// rebased onto the current contacts when those it was prefilled with are
// still cached: the fields the user did not change take DigiCert's
// current values rather than put back the old ones. The error is
// ErrOrganizationNotFound, a failure to reach DigiCert, or an input mode
// that is neither ModeForm nor ModeJSON.
func (s *Service) Review(ctx context.Context, orgID int, in Input) (Review, error) {
	v, err := s.readLive(ctx, orgID)
	if err != nil {
		return Review{}, err
	}
	current := CurrentFrom(*v.Organization)
	loaded, known := s.loadedFor(orgID, in)
	changed := IsFingerprint(in.Basis) && in.Basis != Fingerprint(current)
	reviewed, conflicts := in, []Conflict(nil)
	if changed && known {
		reviewed, conflicts = rebase(in, loaded, current)
	}
	rev, err := s.reviewAgainst(v, reviewed)
	if err != nil {
		return Review{}, err
	}
	rev.Rebased, rev.Conflicts = reviewed.Change != in.Change, conflicts
	if changed {
		rev.ChangedSinceLoad = s.describeSince(orgID, in, current,
			"The contacts at DigiCert are no longer those the form was prefilled with")
	}
	s.fingerprints.put(orgID, rev.Fingerprint, rev.Current)
	return rev, nil
}

// loadedFor returns what the form of in was loaded with: what it carries,
// or the contacts remembered for its basis. It reports false when neither
// is known, and always for the request JSON.
func (s *Service) loadedFor(orgID int, in Input) (Current, bool) {
	switch {
	case in.Mode != ModeForm:
		return Current{}, false
	case in.Loaded != nil:
		return *in.Loaded, true
	}
	return s.fingerprints.get(orgID, in.Basis)
}

// describeSince says how the contacts changed at DigiCert from those in
// was loaded with to current, or unknown when that cannot be told.
func (s *Service) describeSince(orgID int, in Input, current Current, unknown string) []string {
	if in.Loaded != nil && Fingerprint(*in.Loaded) == in.Basis {
		if described := DescribeDifference(*in.Loaded, current); len(described) > 0 {
			return described
		}
	}
	return s.changesSince(orgID, in.Basis, current, unknown)
}

// reviewAgainst validates and plans in against the organization as it was
// just read.
func (s *Service) reviewAgainst(v View, in Input) (Review, error) {
	org := v.Organization
	current := CurrentFrom(*org)
	rev := Review{Organization: org, ReadAt: v.ReadAt, Current: current, Fingerprint: Fingerprint(current), Input: in}
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
	if in.Mode == ModeForm {
		plan.typedAnew(in.Change)
	}
	rev.Request, rev.Plan = req, plan
	return rev, nil
}

// IsFingerprint reports whether s has the form of a Fingerprint: 64
// lower-case hexadecimal digits.
func IsFingerprint(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// validateInput checks the input in its mode and returns the contacts
// array to send, or its errors.
func (s *Service) validateInput(in Input, current Current) ([]digicert.Contact, *ValidationErrors, error) {
	switch in.Mode {
	case ModeForm:
		loaded := current
		if in.Loaded != nil {
			loaded = *in.Loaded
		}
		req, errs := validateForm(in.Change, current, loaded, s.locales)
		return req, errs, nil
	case ModeJSON:
		req, errs := ValidateRequestJSON([]byte(in.RequestJSON), current, s.locales)
		return req, errs, nil
	}
	return nil, nil, fmt.Errorf("contacts: unknown input mode %q", in.Mode)
}

// cloneCurrent copies the contacts, so that no caller can change what
// another one holds.
func cloneCurrent(c Current) Current {
	return Current{Organization: cloneContact(c.Organization), Technical: cloneContact(c.Technical),
		TechnicalOmitted: c.TechnicalOmitted}
}

func cloneContact(c *digicert.ExistingContact) *digicert.ExistingContact {
	if c == nil {
		return nil
	}
	copied := *c
	return &copied
}
