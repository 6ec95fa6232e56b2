package contacts

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// Actor is who acts and from where, for the audit log.
type Actor struct {
	UserID     int
	Email      string
	ClientAddr string
	RequestID  string
}

// Outcome is how a send ended.
type Outcome string

// The outcomes of Send.
const (
	// OutcomeSent: DigiCert answered 2xx.
	OutcomeSent Outcome = "sent"
	// OutcomeDigiCertError: DigiCert refused the change: it answered with
	// a status other than 2xx, 429 or 5xx.
	OutcomeDigiCertError Outcome = "digicert_error"
	// OutcomeUnavailable: DigiCert was not available (a 5xx or 429 answer,
	// a timeout, a reset) and the change was not made: nothing was sent,
	// or a read right after showed the contacts as they were.
	OutcomeUnavailable Outcome = "unavailable"
	// OutcomeNoAnswer: DigiCert was not available and whether the change
	// was made is not known: no read could tell.
	OutcomeNoAnswer Outcome = "no_answer"
	// OutcomeAlreadyMade: a retry found that the earlier send it follows
	// had made the change after all; nothing more was sent.
	OutcomeAlreadyMade Outcome = "already_made"
	// OutcomeStale: the contacts changed since the review; nothing was
	// sent.
	OutcomeStale Outcome = "stale"
	// OutcomeRejected: local validation failed; nothing was sent.
	OutcomeRejected Outcome = "rejected"
)

// CodeStaleReview is the error code the audit log records for a send
// refused because the contacts changed since the review.
const CodeStaleReview = "stale_review"

// auditTimeout bounds each audit append made once the request's own
// context no longer counts. It is well above the store's busy timeout, so
// a slow disk delays the record rather than losing it.
const auditTimeout = 15 * time.Second

// SendResult is how a send ended and what the user should be shown.
type SendResult struct {
	Outcome      Outcome
	SubmissionID string
	// Review is the change planned against the organization as read at
	// send time; for OutcomeStale, the fresh review to show again.
	Review Review
	// Changes says in words how the contacts changed since the review
	// (OutcomeStale).
	Changes []string
	// Errors are the local errors (OutcomeRejected) or DigiCert's, each
	// placed on the form field it concerns, or on FieldRequestJSON in JSON
	// mode (OutcomeDigiCertError).
	Errors *ValidationErrors
	// Status is DigiCert's HTTP status (OutcomeSent, OutcomeDigiCertError).
	Status int
	// Duration is how long the PUT took, retries included.
	Duration time.Duration
	// Problem says why DigiCert was not available (OutcomeUnavailable,
	// OutcomeNoAnswer, and OutcomeSent after an outage).
	Problem string
	// Cause is the error the PUT ended with, nil after a success: an
	// *digicert.APIError for an answer, for handlers to tell a key without
	// permission or a wrong base URL from other refusals.
	Cause error
	// AfterOutage is set for OutcomeSent when DigiCert's answer did not
	// confirm the change but a read right after showed it made.
	AfterOutage bool
	// After is the organization read again after a success or an outage;
	// nil when that read failed, which does not make the send fail.
	After *digicert.Organization
}

// Send carries out a reviewed change, recording it in the audit log before
// anything leaves the process, so that a crash at any moment leaves a
// record of what is known.
//
// Sends to one organization are serialized inside the process. Under that
// lock, Send reads the organization fresh and compares its fingerprint
// with the one the review showed: if the contacts changed (for instance
// because another send to the same organization just finished), nothing
// is sent, a rejected event with the code stale_review is recorded and the
// result carries the fresh review and the changes in words. The stale
// check comes before validation: input prefilled from contacts that have
// since changed can fail validation for that reason alone, and the change
// is the news. Input that fails validation is recorded as rejected and not
// sent.
//
// Otherwise a requested event is committed first; if that fails, nothing
// is sent and the error is returned. Then the PUT is sent and its outcome
// recorded: responded for any HTTP answer, failed when none came. From the
// requested event on, the request's context is no longer followed: a
// browser that disconnects cannot abandon the PUT half-way or keep its
// outcome out of the log; the client's own time budget bounds the PUT. If
// the outcome cannot be recorded, Send logs it, returns the result along
// with the error, and the submission is reconciled at the next start.
//
// The error is ErrOrganizationNotFound or a failure to reach DigiCert for
// the fresh read (nothing recorded, nothing sent), a failure to record, or
// the context ending before anything was recorded.
//
// Every read Send makes is cached for the organization's page, and once
// the PUT has gone out the cache is invalidated, so the page after a send
// shows what DigiCert holds now.
func (s *Service) Send(ctx context.Context, orgID int, in Input, fingerprint string, actor Actor) (SendResult, error) {
	return s.send(ctx, orgID, in, fingerprint, actor, SendOptions{})
}

// Retry sends a reviewed change again after the send of it recorded as
// submission previous met an outage, through the same stale check. It
// first settles the earlier submission: when DigiCert shows the contacts
// as they were reviewed, the earlier send did not make the change, and
// that is recorded (reconciled) before this one is sent; when DigiCert
// already shows what the earlier send asked for, it made the change
// after all: that is recorded and nothing is sent (OutcomeAlreadyMade).
// A previous id that is not a submission to this organization with a
// request and no reconciled outcome settles nothing.
func (s *Service) Retry(ctx context.Context, orgID int, in Input, fingerprint, previous string, actor Actor) (SendResult, error) {
	return s.send(ctx, orgID, in, fingerprint, actor, SendOptions{Previous: previous})
}

// SendOptions change how SendWith checks and records a change. The zero
// value is Send.
type SendOptions struct {
	// Previous names the submission this send follows, as Retry's
	// previous does: it is settled first.
	Previous string
	// Reviewed, when set, is the contacts the change was reviewed
	// against, as the directory knew them rather than as a page read
	// them: the stale check compares them, not fingerprint, with the
	// contacts read now. The directory holds no technical contact for an
	// organization whose technical contact DigiCert does not report, so
	// none there matches one not reported.
	Reviewed *Current
	// Record, when set, commits each event of the submission in place of
	// the audit log's own append, for a caller that records its own
	// state in the same transaction. An error from it for the requested
	// event means nothing is sent.
	Record func(ctx context.Context, e store.AuditEvent) error
}

// SendWith is Send with options: a bulk job sends each organization
// through it, the same path as a change made on its page.
func (s *Service) SendWith(ctx context.Context, orgID int, in Input, fingerprint string, actor Actor, opts SendOptions) (SendResult, error) {
	return s.send(ctx, orgID, in, fingerprint, actor, opts)
}

// AsReviewed returns reviewed, the contacts a change was reviewed against
// as the directory knew them, in the terms of current, a read of
// DigiCert: a technical contact the directory holds none of is one
// DigiCert did not report, when current does not report it either.
func AsReviewed(reviewed, current Current) Current {
	out := cloneCurrent(reviewed)
	if current.TechnicalOmitted && out.Technical == nil {
		out.TechnicalOmitted = true
	}
	return out
}

func (s *Service) send(ctx context.Context, orgID int, in Input, fingerprint string, actor Actor, opts SendOptions) (SendResult, error) {
	unlock, err := s.lockOrganization(ctx, orgID)
	if err != nil {
		return SendResult{}, fmt.Errorf("contacts: send to organization %d: wait for the send before it: %w", orgID, err)
	}
	defer unlock()
	v, err := s.readLive(ctx, orgID)
	if err != nil {
		return SendResult{}, err
	}
	current := CurrentFrom(*v.Organization)
	if opts.Reviewed != nil {
		reviewed := AsReviewed(*opts.Reviewed, current)
		fingerprint, in.Loaded = Fingerprint(reviewed), &reviewed
	}
	if opts.Previous != "" {
		made, err := s.settle(ctx, orgID, opts.Previous, fingerprint, v.Organization)
		if err != nil {
			return SendResult{}, err
		}
		if made {
			return SendResult{Outcome: OutcomeAlreadyMade, SubmissionID: opts.Previous, After: v.Organization}, nil
		}
	}
	// When the contacts changed since the review, nothing is sent and the
	// review is shown again: planned, like any review, from DigiCert's
	// current values for the fields the user did not change.
	planned, conflicts := in, []Conflict(nil)
	if Fingerprint(current) != fingerprint && IsFingerprint(in.Basis) && in.Basis != Fingerprint(current) {
		if loaded, ok := s.loadedFor(orgID, in); ok {
			planned, conflicts = rebase(in, loaded, current)
		}
	}
	rev, err := s.reviewAgainst(v, planned)
	if err != nil {
		return SendResult{}, err
	}
	rev.Rebased, rev.Conflicts = planned.Change != in.Change, conflicts
	sub, err := s.newSubmission(orgID, planned, rev, actor)
	if err != nil {
		return SendResult{}, err
	}
	sub.record = opts.Record
	switch {
	case rev.Fingerprint != fingerprint:
		return s.refuseStale(ctx, sub, fingerprint, in)
	case rev.Errors != nil:
		return s.reject(ctx, sub)
	}
	if err := ctx.Err(); err != nil {
		return SendResult{}, fmt.Errorf("contacts: send to organization %d: nothing sent: %w", orgID, err)
	}
	return s.deliver(context.WithoutCancel(ctx), sub)
}

// submission is one send under way: what the audit events of one
// submission id share.
type submission struct {
	id     string
	orgID  int
	input  Input
	review Review
	actor  Actor
	// before is the current contacts as the audit log records them.
	before []byte
	// record, when set, commits the submission's events in place of the
	// audit log's own append (SendOptions.Record).
	record func(ctx context.Context, e store.AuditEvent) error
}

func (s *Service) newSubmission(orgID int, in Input, rev Review, actor Actor) (*submission, error) {
	before, err := EncodeCurrent(rev.Current)
	if err != nil {
		return nil, err
	}
	return &submission{id: newSubmissionID(), orgID: orgID, input: in, review: rev, actor: actor, before: before}, nil
}

// newSubmissionID returns 128 random bits as text, safe in URLs.
func newSubmissionID() string {
	return rand.Text()
}

// event returns an audit event of the submission with the fields every
// event of it carries. The request body and the contacts before are
// recorded once, in the requested or rejected event.
func (sub *submission) event(kind store.AuditKind, at time.Time) store.AuditEvent {
	return store.AuditEvent{
		SubmissionID:     sub.id,
		Kind:             kind,
		OccurredAt:       at,
		ActorID:          sub.actor.UserID,
		ActorEmail:       sub.actor.Email,
		OrganizationID:   sub.orgID,
		OrganizationName: sub.review.Organization.Name,
		ClientAddr:       sub.actor.ClientAddr,
		RequestID:        sub.actor.RequestID,
	}
}

// body is the request body the submission sends, or would have sent: the
// planned body, or for input that failed validation the contacts as far as
// the form gives them, or the request JSON as written (cut at
// MaxRequestJSONBytes, the most the panel accepts).
func (sub *submission) body() (string, error) {
	if sub.review.Plan.Body != nil {
		return string(sub.review.Plan.Body), nil
	}
	if sub.input.Mode == ModeJSON {
		raw := sub.input.RequestJSON
		return raw[:min(len(raw), MaxRequestJSONBytes)], nil
	}
	b, err := digicert.EncodeContacts(Normalize(sub.input.Change.Contacts()))
	if err != nil {
		return "", fmt.Errorf("contacts: submission %s: %w", sub.id, err)
	}
	return string(b), nil
}

// refuseStale records that the review no longer matches the contacts and
// returns the fresh review with what changed.
func (s *Service) refuseStale(ctx context.Context, sub *submission, fingerprint string, in Input) (SendResult, error) {
	s.fingerprints.put(sub.orgID, sub.review.Fingerprint, sub.review.Current)
	const unknown = "The contacts at DigiCert are no longer those the review was made against"
	var changes []string
	if in.Loaded != nil && Fingerprint(*in.Loaded) == fingerprint {
		changes = DescribeDifference(*in.Loaded, sub.review.Current)
	}
	if len(changes) == 0 {
		changes = s.changesSince(sub.orgID, fingerprint, sub.review.Current, unknown)
	}
	e := sub.event(store.AuditRejected, s.now())
	body, err := sub.body()
	if err != nil {
		return SendResult{}, err
	}
	e.RequestBody, e.ContactsBefore = body, sub.before
	e.ErrorCodes = []string{CodeStaleReview}
	e.ErrorMessage = "The contacts changed since the review: " + strings.Join(changes, "; ")
	e.Summary = "Not sent: the contacts changed since the review"
	if err := s.recordEvent(ctx, sub.record, e); err != nil {
		return SendResult{}, fmt.Errorf("contacts: send to organization %d: record stale review: %w", sub.orgID, err)
	}
	return SendResult{Outcome: OutcomeStale, SubmissionID: sub.id, Review: sub.review, Changes: changes}, nil
}

// reject records input that failed validation; nothing is sent.
func (s *Service) reject(ctx context.Context, sub *submission) (SendResult, error) {
	errs := sub.review.Errors
	e := sub.event(store.AuditRejected, s.now())
	body, err := sub.body()
	if err != nil {
		return SendResult{}, err
	}
	e.RequestBody, e.ContactsBefore = body, sub.before
	e.ErrorCodes = errorCodes(errs.Errors)
	e.ErrorMessage = joinMessages(errs.Errors)
	e.Summary = "Not sent: " + plural(len(errs.Errors), "problem") + " found before sending"
	if err := s.recordEvent(ctx, sub.record, e); err != nil {
		return SendResult{}, fmt.Errorf("contacts: send to organization %d: record rejected change: %w", sub.orgID, err)
	}
	return SendResult{Outcome: OutcomeRejected, SubmissionID: sub.id, Review: sub.review, Errors: errs}, nil
}

// deliver records the request, sends it and records the outcome. ctx must
// not end with the user's request.
func (s *Service) deliver(ctx context.Context, sub *submission) (SendResult, error) {
	requested := sub.event(store.AuditRequested, s.now())
	requested.RequestBody, requested.ContactsBefore = string(sub.review.Plan.Body), sub.before
	requested.Summary = sub.review.Plan.Summary()
	if err := s.recordEvent(ctx, sub.record, requested); err != nil {
		return SendResult{}, fmt.Errorf("contacts: send to organization %d: record the request, nothing sent: %w", sub.orgID, err)
	}

	start := time.Now()
	resp, sendErr := s.client.UpdateContacts(ctx, sub.orgID, sub.review.Request)
	took := time.Since(start)
	// Whatever the answer, the request may have reached DigiCert: the
	// page must not show the contacts from before it.
	s.invalidateView(sub.orgID)
	result, outcome := sub.outcome(resp, sendErr, took)
	outcome.OccurredAt = s.now()
	// The audit log takes only valid UTF-8, so that an export carries
	// exactly what was hashed; DigiCert answers JSON, which is UTF-8, so
	// only a broken answer loses its stray bytes here.
	outcome.ResponseBody = strings.ToValidUTF8(outcome.ResponseBody, "\uFFFD")
	outcome.ErrorMessage = strings.ToValidUTF8(outcome.ErrorMessage, "\uFFFD")
	recordErr := s.recordEvent(ctx, sub.record, outcome)
	if recordErr != nil {
		s.logger.ErrorContext(ctx, "contacts: the outcome of a submission was not recorded; it stays pending until reconciled at the next start",
			"submission_id", sub.id, "organization_id", sub.orgID, "outcome", result.Outcome, "error", recordErr)
		recordErr = fmt.Errorf("contacts: send to organization %d: record the outcome %s of submission %s: %w",
			sub.orgID, result.Outcome, sub.id, recordErr)
	}
	switch {
	case result.Outcome == OutcomeSent:
		result.After = s.readAfter(ctx, sub)
	case result.Outcome == OutcomeNoAnswer && recordErr == nil:
		s.checkAfterOutage(ctx, sub, &result)
	}
	return result, recordErr
}

// outcome turns what UpdateContacts returned into the result and the event
// that records it. An answer other than 2xx is a refusal, except 429 and
// 5xx, which say DigiCert was not available: those, like no answer at
// all, come back as OutcomeNoAnswer until a read tells more (see
// checkAfterOutage), or as OutcomeUnavailable when nothing was sent.
func (sub *submission) outcome(resp *digicert.Response, err error, took time.Duration) (SendResult, store.AuditEvent) {
	result := SendResult{SubmissionID: sub.id, Review: sub.review, Duration: took, Cause: err}
	var apiErr *digicert.APIError
	var transport *digicert.TransportError
	switch {
	case resp != nil && resp.Status >= 200 && resp.Status < 300:
		result.Outcome, result.Status, result.Cause = OutcomeSent, resp.Status, nil
		e := sub.answered(resp, took)
		if err != nil {
			// A success whose body could not be read whole: the change
			// was made all the same.
			e.ErrorMessage = err.Error()
		}
		e.Summary = fmt.Sprintf("Sent: DigiCert accepted the change (HTTP %d)", resp.Status)
		return result, e
	case errors.As(err, &apiErr) && isOutage(apiErr):
		result.Outcome, result.Status = OutcomeNoAnswer, apiErr.Status
		result.Problem = DescribeUpstreamError(err)
		e := sub.answered(resp, took)
		e.Status = apiErr.Status
		if resp == nil {
			e.ResponseBody = apiErr.Body
		}
		e.ErrorCodes = apiErrorCodes(apiErr)
		e.ErrorMessage = apiErrorMessage(apiErr)
		e.Summary = fmt.Sprintf("DigiCert not available (HTTP %d): the change may or may not have been made", apiErr.Status)
		return result, e
	case errors.As(err, &apiErr):
		result.Outcome, result.Status = OutcomeDigiCertError, apiErr.Status
		result.Errors = sub.placeErrors(apiErr)
		e := sub.answered(resp, took)
		e.Status = apiErr.Status
		if resp == nil {
			e.ResponseBody = apiErr.Body
		}
		e.ErrorCodes = apiErrorCodes(apiErr)
		e.ErrorMessage = apiErrorMessage(apiErr)
		e.Summary = fmt.Sprintf("Refused by DigiCert (HTTP %d)", apiErr.Status)
		return result, e
	case !errors.As(err, &transport):
		// Nothing left the process: the rate limiter had no room, or the
		// call stopped before its first attempt.
		result.Outcome, result.Problem = OutcomeUnavailable, DescribeUpstreamError(err)
		e := sub.event(store.AuditFailed, time.Time{})
		e.Duration = took
		e.ErrorMessage = result.Problem
		e.Summary = "Not sent: DigiCert could not be asked in time"
		return result, e
	}
	result.Outcome, result.Problem = OutcomeNoAnswer, DescribeUpstreamError(err)
	e := sub.event(store.AuditFailed, time.Time{})
	e.Duration = took
	e.ErrorMessage = result.Problem
	e.Summary = "No answer from DigiCert: the change may or may not have been made"
	return result, e
}

// answered is the responded event for an HTTP answer.
func (sub *submission) answered(resp *digicert.Response, took time.Duration) store.AuditEvent {
	e := sub.event(store.AuditResponded, time.Time{})
	e.Duration = took
	if resp != nil {
		e.Status = resp.Status
		e.ResponseBody = string(resp.Body)
	}
	return e
}

// placeErrors puts DigiCert's errors on the fields they concern: form
// fields in form mode, the request JSON in JSON mode.
func (sub *submission) placeErrors(apiErr *digicert.APIError) *ValidationErrors {
	errs := &ValidationErrors{Errors: MapAPIErrors(apiErr, sub.review.Request)}
	if sub.input.Mode == ModeJSON {
		return errs.WithField(FieldRequestJSON)
	}
	for i, e := range errs.Errors {
		errs.Errors[i].Field = sub.input.Change.FormField(e.Path, sub.review.Request)
	}
	return errs
}

// readAfter reads the organization once more after a success, so the user
// sees what DigiCert now holds. A failure is logged, not returned: the
// change was made and recorded.
func (s *Service) readAfter(ctx context.Context, sub *submission) *digicert.Organization {
	org, err := s.Organization(ctx, sub.orgID)
	if err != nil {
		s.logger.WarnContext(ctx, "contacts: read the organization after a change", "submission_id", sub.id,
			"organization_id", sub.orgID, "error", err)
		return nil
	}
	return org
}

// recordEvent commits e through record, or to the audit log when record
// is nil, as appendEvent does.
func (s *Service) recordEvent(ctx context.Context, record func(context.Context, store.AuditEvent) error, e store.AuditEvent) error {
	if record == nil {
		return s.appendEvent(ctx, e)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if err := record(ctx, e); err != nil {
		return err
	}
	if s.onAudit != nil {
		s.onAudit(e.Kind)
	}
	return nil
}

// appendEvent commits e to the audit log. It does not follow ctx's
// cancellation, only its values: once the service decides to record, a
// client that disconnects must not stop the record.
func (s *Service) appendEvent(ctx context.Context, e store.AuditEvent) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if _, err := s.store.AppendAuditEvent(ctx, e); err != nil {
		return err
	}
	if s.onAudit != nil {
		s.onAudit(e.Kind)
	}
	return nil
}
