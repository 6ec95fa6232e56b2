package bulk

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"

	"github.com/contactdesk/contactdesk/internal/sleep"
)

// Defaults of the runner's backoff after DigiCert could not be reached.
const (
	DefaultMinBackoff = 5 * time.Second
	DefaultMaxBackoff = 5 * time.Minute
)

const (
	// leaseTTL is how long a lease holds without renewal; the runner
	// renews it well before. Where several instances share the database,
	// a job whose instance stopped goes on elsewhere within leaseTTL and
	// idleCheck.
	leaseTTL = 15 * time.Second
	// idleCheck is the longest the runner sleeps with no job to run.
	idleCheck = 10 * time.Second
	// storeRetry is the wait after the database failed the runner.
	storeRetry = 10 * time.Second
	// maxPaceWait is the longest the runner waits for its pace before it
	// looks at the job again.
	maxPaceWait = time.Second
)

// backoffRange bounds the runner's waits after outages.
type backoffRange struct{ min, max time.Duration }

// newOwner names a runner in the leases it takes: random, new at each
// start of the process.
func newOwner() string { return "runner-" + rand.Text() }

// Run sends the items of running jobs, one job at a time (the oldest
// first) and one organization at a time, until ctx ends. Jobs run on one
// process of those sharing the database: call Run only while this process
// leads them, under store.LeaderLease.Lead, once the submissions its
// start found open are reconciled (contacts.Service.Reconcile). Each call
// first takes over the leases an earlier leader left, this process's last
// start or another instance that stopped, so that a job under way then
// goes on at once: its organization in flight is settled (reconciled, as
// single sends are, when its outcome was not recorded) and never sent
// twice.
func (s *Service) Run(ctx context.Context) {
	if err := s.store.TakeOverBulkLeases(ctx, s.owner, s.now().Add(leaseTTL)); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "bulk: take over the leases of the last leader", "error", err.Error())
	}
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		now := s.now()
		job, err := s.store.LeaseBulkJob(ctx, s.owner, now, now.Add(leaseTTL))
		var wait time.Duration
		switch {
		case errors.Is(err, store.ErrNotFound):
			wait = idleCheck
		case err != nil:
			if ctx.Err() == nil {
				s.log.ErrorContext(ctx, "bulk: lease a job", "error", err.Error())
			}
			wait = storeRetry
		default:
			wait, backoff = s.runJob(ctx, job, backoff)
		}
		if wait > 0 {
			s.sleep(ctx, wait)
		}
	}
}

// sleep waits for d, Wake, or the end of ctx.
func (s *Service) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-s.wake:
	case <-t.C:
	}
}

// runJob sends the items of job until it is over, paused or cancelled, or
// DigiCert cannot be reached; it returns how long to wait before looking
// again (zero for at once) and the backoff to use at the next outage.
func (s *Service) runJob(ctx context.Context, job store.BulkJob, backoff time.Duration) (time.Duration, time.Duration) {
	defer func() {
		// A later lease, here or elsewhere, takes the job again.
		releaseCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := s.store.ReleaseBulkLease(releaseCtx, job.ID, s.owner); err != nil {
			s.log.Warn("bulk: release a lease", "job_id", job.ID, "error", err.Error())
		}
	}()
	renewed := s.now()
	pace := newPacer(s.budget, time.Now())
	for ctx.Err() == nil {
		if s.now().Sub(renewed) > leaseTTL/3 {
			renewed = s.now()
			if err := s.store.RenewBulkLease(ctx, job.ID, s.owner, renewed.Add(leaseTTL)); err != nil {
				s.log.WarnContext(ctx, "bulk: lost the lease of a job", "job_id", job.ID, "error", err.Error())
				return storeRetry, backoff
			}
		}
		current, err := s.store.BulkJob(ctx, job.ID)
		if err != nil {
			return s.storeFailed(ctx, job.ID, err), backoff
		}
		if current.State != store.BulkRunning {
			return 0, backoff
		}
		item, err := s.store.NextBulkItem(ctx, job.ID)
		if errors.Is(err, store.ErrNotFound) {
			if _, err := s.store.FinishBulkJob(ctx, job.ID, s.now()); err != nil {
				return s.storeFailed(ctx, job.ID, err), backoff
			}
			s.log.InfoContext(ctx, "bulk job finished", "job_id", job.ID)
			return 0, 0
		}
		if err != nil {
			return s.storeFailed(ctx, job.ID, err), backoff
		}
		if !keepPace(ctx, pace, current.Items[store.ItemPending]+current.Items[store.ItemSending]) {
			continue
		}
		switch outcome := s.sendItem(ctx, current, item); outcome {
		case itemDone:
			if backoff > 0 {
				backoff = 0
				if err := s.store.SetBulkJobNote(ctx, job.ID, ""); err != nil {
					return s.storeFailed(ctx, job.ID, err), backoff
				}
			}
		case itemStopped:
			// Paused, cancelled or shutting down: the loop looks again.
		case itemStoreFailed:
			return storeRetry, backoff
		case itemOutage:
			backoff = min(max(2*backoff, s.backoff.min), s.backoff.max)
			return backoff, backoff
		}
	}
	return 0, backoff
}

// keepPace waits until pace lets the next of left items go, and reports
// whether it may go now. It waits at most maxPaceWait and reports false
// then, or when ctx ends, so that the runner looks at the job again: a
// pause or a cancel is seen within that time, and the job's state is not
// read again at each of the pacer's short waits. (An item sent after a
// pause nobody saw yet sends nothing: its request is not recorded for a
// job that no longer runs.)
func keepPace(ctx context.Context, pace *pacer, left int) bool {
	deadline := time.Now().Add(maxPaceWait)
	for {
		now := time.Now()
		wait := pace.wait(now, left)
		switch {
		case wait <= 0:
			return true
		case !now.Before(deadline):
			return false
		}
		if !sleep.For(ctx, min(wait, deadline.Sub(now))) {
			return false
		}
	}
}

// storeFailed logs a failure of the database and returns the wait before
// trying again.
func (s *Service) storeFailed(ctx context.Context, jobID int64, err error) time.Duration {
	if ctx.Err() == nil {
		s.log.ErrorContext(ctx, "bulk: database", "job_id", jobID, "error", err.Error())
	}
	return storeRetry
}

// itemOutcome is what sending one item came to, for the runner.
type itemOutcome int

const (
	// itemDone: the item has its outcome, or is failed; go on.
	itemDone itemOutcome = iota
	// itemStopped: the job was paused or cancelled, or the runner is
	// stopping; nothing was sent.
	itemStopped
	// itemOutage: DigiCert could not be reached; the item is sent again
	// after a wait.
	itemOutage
	// itemStoreFailed: the database failed.
	itemStoreFailed
)

// sendItem sends one organization of job through the single-change path,
// at the bulk class of the DigiCert budget.
func (s *Service) sendItem(ctx context.Context, job store.BulkJob, item store.BulkItem) itemOutcome {
	var in contacts.Input
	reviewed, err := contacts.DecodeCurrent(item.Reviewed)
	if err == nil {
		err = json.Unmarshal(item.Input, &in)
	}
	if err != nil {
		return s.finish(ctx, job, item, store.ItemFailed, "", "The reviewed change cannot be read back: "+err.Error())
	}
	itemCtx, cancel := context.WithCancel(digicert.WithClass(ctx, digicert.Bulk))
	defer cancel()
	s.mu.Lock()
	s.interrupt.job, s.interrupt.cancel = job.ID, cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.interrupt.job, s.interrupt.cancel = 0, nil
		s.mu.Unlock()
	}()
	actor := contacts.Actor{UserID: job.StartedBy, Email: job.StartedByEmail, ClientAddr: job.ClientAddr,
		RequestID: store.BulkJobRequestID(job.ID)}
	res, err := s.contacts.SendWith(itemCtx, item.OrganizationID, in, "", actor, contacts.SendOptions{
		Previous: item.SubmissionID,
		Reviewed: &reviewed,
		Record:   s.recorder(job.ID, item.ID),
	})
	if err != nil && res.Outcome == "" {
		return s.notSent(ctx, itemCtx, job, item, err)
	}
	if err != nil {
		// The outcome is known but not recorded: the item stays sending,
		// and its submission is settled when it is taken again.
		s.log.ErrorContext(ctx, "bulk: outcome not recorded", "job_id", job.ID, "organization_id", item.OrganizationID,
			"submission_id", res.SubmissionID, "error", err.Error())
		return itemStoreFailed
	}
	switch res.Outcome {
	case contacts.OutcomeAlreadyMade:
		return s.finish(ctx, job, item, store.ItemSucceeded, res.SubmissionID, "An earlier attempt made the change; nothing more was sent")
	case contacts.OutcomeSent:
		if res.AfterOutage {
			return s.finish(ctx, job, item, store.ItemSucceeded, res.SubmissionID, "DigiCert did not confirm, but a read right after showed the change made")
		}
	case contacts.OutcomeDigiCertError:
		if stopsTheJob(res) {
			s.pauseOnItsOwn(ctx, job.ID, contacts.DescribeUpstreamError(res.Cause)+" The job paused: resume it once this is put right.")
		}
	case contacts.OutcomeUnavailable:
		// Not made, and recorded so: the item is sent again after a wait,
		// through the same checks, as a new submission.
		if out := s.finish(ctx, job, item, store.ItemPending, res.SubmissionID, res.Problem); out != itemDone {
			return out
		}
		s.waitNote(ctx, job.ID, res.Problem)
		return itemOutage
	case contacts.OutcomeNoAnswer:
		// Whether it was made is not known: the item stays sending, and
		// the next attempt settles it before anything is sent again.
		s.waitNote(ctx, job.ID, res.Problem)
		return itemOutage
	}
	return itemDone
}

// notSent handles a send that ended before anything was recorded: the job
// paused or was cancelled (nothing was sent), DigiCert no longer knows the
// organization, or DigiCert could not be read.
func (s *Service) notSent(ctx, itemCtx context.Context, job store.BulkJob, item store.BulkItem, err error) itemOutcome {
	switch {
	case errors.Is(err, store.ErrBulkItemNotSendable), itemCtx.Err() != nil, ctx.Err() != nil:
		return itemStopped
	case errors.Is(err, contacts.ErrOrganizationNotFound):
		return s.finish(ctx, job, item, store.ItemFailed, "", "DigiCert no longer knows this organization; nothing was sent")
	case errors.Is(err, contacts.ErrWrongBaseURL):
		s.pauseOnItsOwn(ctx, job.ID, contacts.DescribeUpstreamError(err)+" The job paused: resume it once this is put right.")
		return itemStopped
	}
	var apiErr *digicert.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusForbidden {
		s.pauseOnItsOwn(ctx, job.ID, contacts.DescribeUpstreamError(err)+" The job paused: resume it once this is put right.")
		return itemStopped
	}
	problem := contacts.DescribeUpstreamError(err)
	s.log.WarnContext(ctx, "bulk: DigiCert could not be read; trying again later", "job_id", job.ID,
		"organization_id", item.OrganizationID, "reason", problem, "error", err.Error())
	s.waitNote(ctx, job.ID, problem)
	return itemOutage
}

// stopsTheJob reports a refusal that every other organization would meet
// too: the key may not change contacts, or the base URL is wrong.
func stopsTheJob(res contacts.SendResult) bool {
	var apiErr *digicert.APIError
	return errors.As(res.Cause, &apiErr) && (apiErr.Status == http.StatusForbidden || apiErr.RouteNotFound())
}

// pauseOnItsOwn pauses a job with a note saying why.
func (s *Service) pauseOnItsOwn(ctx context.Context, id int64, note string) {
	s.log.WarnContext(ctx, "bulk job paused", "job_id", id, "reason", note)
	if err := s.store.PauseBulkJob(ctx, id, note, s.now()); err != nil && !errors.Is(err, store.ErrBulkJobState) {
		s.log.ErrorContext(ctx, "bulk: pause a job", "job_id", id, "error", err.Error())
	}
}

// waitNote tells the job's page why it waits.
func (s *Service) waitNote(ctx context.Context, id int64, problem string) {
	note := "Waiting for DigiCert: " + problem + " The job goes on by itself once DigiCert answers again."
	if err := s.store.SetBulkJobNote(ctx, id, note); err != nil {
		s.log.ErrorContext(ctx, "bulk: note a wait", "job_id", id, "error", err.Error())
	}
}

// finish sets the item's state once SendWith's own records could not.
func (s *Service) finish(ctx context.Context, job store.BulkJob, item store.BulkItem, state store.BulkItemState, submission, note string) itemOutcome {
	if err := s.store.UpdateBulkItem(ctx, job.ID, item.ID, store.BulkItemUpdate{State: state, SubmissionID: submission, Note: note}, s.now()); err != nil {
		s.log.ErrorContext(ctx, "bulk: update an item", "job_id", job.ID, "organization_id", item.OrganizationID, "error", err.Error())
		return itemStoreFailed
	}
	return itemDone
}

// recorder records the events of an item's submissions with the item's
// state in the same transaction (see store.RecordBulkItemEvent).
func (s *Service) recorder(jobID, itemID int64) func(context.Context, store.AuditEvent) error {
	return func(ctx context.Context, e store.AuditEvent) error {
		if _, err := s.store.RecordBulkItemEvent(ctx, jobID, itemID, updateFor(e), e); err != nil {
			return fmt.Errorf("bulk: %w", err)
		}
		return nil
	}
}

// updateFor is the item's state an event of its submission settles: sending
// once its request is recorded; stale or failed for a change refused
// before sending; succeeded or failed once DigiCert accepted or refused
// it. An answer saying DigiCert was not available, or none, leaves the
// state as it is: the send goes on to find out.
func updateFor(e store.AuditEvent) store.BulkItemUpdate {
	switch e.Kind {
	case store.AuditRequested:
		return store.BulkItemUpdate{State: store.ItemSending, SubmissionID: e.SubmissionID, Attempt: true}
	case store.AuditRejected:
		state := store.ItemFailed
		for _, code := range e.ErrorCodes {
			if code == contacts.CodeStaleReview {
				state = store.ItemStale
			}
		}
		return store.BulkItemUpdate{State: state, SubmissionID: e.SubmissionID, Note: e.ErrorMessage}
	case store.AuditResponded:
		switch {
		case e.Status >= 200 && e.Status < 300:
			return store.BulkItemUpdate{State: store.ItemSucceeded, SubmissionID: e.SubmissionID}
		case e.Status != http.StatusTooManyRequests && e.Status < 500:
			return store.BulkItemUpdate{State: store.ItemFailed, SubmissionID: e.SubmissionID, Note: e.ErrorMessage}
		}
	}
	return store.BulkItemUpdate{}
}
