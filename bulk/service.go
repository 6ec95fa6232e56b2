// Package bulk changes the contacts of many organizations at once: replace
// or remove a person everywhere, change the contacts of organizations
// selected in the list, restore what an earlier job changed, or review
// again what a job could not do.
//
// A bulk change is planned against the directory's copy of each
// organization's contacts and shown for review; once started it is a
// durable job (store.BulkJob) whose items a single runner sends one after
// the other, each through the same path as a change made on the
// organization's page (contacts.Service.SendWith): read DigiCert, refuse
// when the contacts changed since the review, record the request before
// it leaves, send, record the outcome. The runner sends in the DigiCert
// budget's bulk class, holds the job's lease, and picks up where it
// stopped after a restart.
package bulk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// DefaultAdminOver is how many organizations a bulk change may send to
// before it needs an admin to start it.
const DefaultAdminOver = 50

// Errors of the service.
var (
	// ErrNeedsAdmin: the job changes more organizations than an editor
	// may change at once.
	ErrNeedsAdmin = errors.New("bulk: a change of this many organizations needs an admin")
	// ErrNothingToSend: the job has no organization to send to.
	ErrNothingToSend = errors.New("bulk: nothing to send")
	// ErrNothingToRetry: the job has no failed or skipped organization.
	ErrNothingToRetry = errors.New("bulk: nothing to review again")
	// ErrNothingToRestore: the job changed no organization.
	ErrNothingToRestore = errors.New("bulk: nothing to restore")
)

// Config is what New needs.
type Config struct {
	Store    *store.Store
	Contacts *contacts.Service
	// AdminOver is the most organizations a job started by someone other
	// than an admin may send to; DefaultAdminOver when zero.
	AdminOver int
	Logger    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MinBackoff and MaxBackoff bound the runner's wait after DigiCert
	// could not be reached; DefaultMinBackoff and DefaultMaxBackoff when
	// zero.
	MinBackoff, MaxBackoff time.Duration
	// Budget, when set, is the DigiCert client's budget: the runner paces
	// its requests at the bulk class's rate (see pacer). Nil paces
	// nothing: the limiter alone keeps the job within its share.
	Budget func() digicert.Budget
}

// Service plans, starts and runs bulk jobs. It is safe for concurrent
// use; one goroutine calls Run.
type Service struct {
	store     *store.Store
	contacts  *contacts.Service
	adminOver int
	log       *slog.Logger
	now       func() time.Time
	backoff   backoffRange
	budget    func() digicert.Budget
	// owner names this process in the leases it takes.
	owner string
	// wake tells the runner to look for work at once.
	wake chan struct{}

	mu sync.Mutex
	// interrupt stops the item the runner is sending, if it belongs to
	// the job, before its request is recorded.
	interrupt struct {
		job    int64
		cancel context.CancelFunc
	}
}

// New builds the service. Nothing runs until Run.
func New(cfg Config) *Service {
	s := &Service{
		store: cfg.Store, contacts: cfg.Contacts, adminOver: cfg.AdminOver, log: cfg.Logger, now: cfg.Now,
		backoff: backoffRange{min: cfg.MinBackoff, max: cfg.MaxBackoff}, budget: cfg.Budget,
		owner: newOwner(), wake: make(chan struct{}, 1),
	}
	if s.adminOver <= 0 {
		s.adminOver = DefaultAdminOver
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.backoff.min <= 0 {
		s.backoff.min = DefaultMinBackoff
	}
	if s.backoff.max < s.backoff.min {
		s.backoff.max = max(DefaultMaxBackoff, s.backoff.min)
	}
	return s
}

// AdminOver is the most organizations a job may send to without an admin.
func (s *Service) AdminOver() int { return s.adminOver }

// Requester is who asks for a bulk change, with what they may change.
type Requester struct {
	UserID     int
	Email      string
	ClientAddr string
	// Admin may start a job of any size, and anyone's.
	Admin bool
	// Scope holds the organizations the requester may change; nil for
	// all of them.
	Scope []int
}

// NeedsAdmin reports whether a job sends to more organizations than
// someone other than an admin may start.
func (s *Service) NeedsAdmin(job store.BulkJob) bool { return job.ToSend() > s.adminOver }

// Review plans spec against the directory's copy of each organization and
// stores it as a job in review. Organizations outside the requester's
// scope are listed as not allowed; nothing is sent until Start.
func (s *Service) Review(ctx context.Context, spec Spec, by Requester) (store.BulkJob, error) {
	items, err := s.planItems(ctx, spec, by.Scope)
	if err != nil {
		return store.BulkJob{}, err
	}
	return s.create(ctx, store.BulkChange, spec.Title(), spec, 0, items, by)
}

// create stores a job in review.
func (s *Service) create(ctx context.Context, kind store.BulkJobKind, title string, spec Spec, source int64, items []store.BulkItem, by Requester) (store.BulkJob, error) {
	b, err := encodeSpec(spec)
	if err != nil {
		return store.BulkJob{}, err
	}
	job, err := s.store.CreateBulkJob(ctx, store.NewBulkJob{
		Kind: kind, Title: title, Spec: b, SourceJobID: source,
		CreatedBy: by.UserID, CreatedByEmail: by.Email, CreatedAt: s.now(), Items: items,
	})
	if err != nil {
		return store.BulkJob{}, fmt.Errorf("bulk: %w", err)
	}
	return job, nil
}

// ReviewRestore plans a job that puts back, in every organization job id
// changed, the contacts as they were before its submission there. Those
// whose contacts changed again since are listed, not restored.
func (s *Service) ReviewRestore(ctx context.Context, id int64, by Requester) (store.BulkJob, error) {
	job, err := s.store.BulkJob(ctx, id)
	if err != nil {
		return store.BulkJob{}, err
	}
	done, err := s.store.BulkItems(ctx, id, store.BulkItemQuery{States: []store.BulkItemState{store.ItemSucceeded}})
	if err != nil {
		return store.BulkJob{}, err
	}
	if len(done) == 0 {
		return store.BulkJob{}, ErrNothingToRestore
	}
	spec := Spec{Restore: map[int]string{}}
	for _, it := range done {
		spec.Organizations = append(spec.Organizations, it.OrganizationID)
		spec.Restore[it.OrganizationID] = it.SubmissionID
	}
	items, err := s.planRestore(ctx, spec.Restore, spec.Organizations, by.Scope)
	if err != nil {
		return store.BulkJob{}, err
	}
	title := fmt.Sprintf("Restore the contacts before job %d (%s)", job.ID, job.Title)
	return s.create(ctx, store.BulkRestore, title, spec, job.ID, items, by)
}

// ReviewAgain plans the same change as job id again, for the organizations
// it could not change (failed), skipped as changed since the review, or
// did not start (cancelled), against what the directory knows now.
func (s *Service) ReviewAgain(ctx context.Context, id int64, by Requester) (store.BulkJob, error) {
	job, err := s.store.BulkJob(ctx, id)
	if err != nil {
		return store.BulkJob{}, err
	}
	spec, err := SpecOf(job)
	if err != nil {
		return store.BulkJob{}, err
	}
	left, err := s.store.BulkItems(ctx, id, store.BulkItemQuery{States: RetryStates()})
	if err != nil {
		return store.BulkJob{}, err
	}
	if len(left) == 0 {
		return store.BulkJob{}, ErrNothingToRetry
	}
	var orgs []int
	for _, it := range left {
		orgs = append(orgs, it.OrganizationID)
	}
	title := fmt.Sprintf("Again: %s (from job %d)", job.Title, job.ID)
	if spec.Restore != nil {
		restore := map[int]string{}
		for _, id := range orgs {
			restore[id] = spec.Restore[id]
		}
		spec.Organizations, spec.Restore = orgs, restore
		items, err := s.planRestore(ctx, restore, orgs, by.Scope)
		if err != nil {
			return store.BulkJob{}, err
		}
		return s.create(ctx, store.BulkRestore, title, spec, job.ID, items, by)
	}
	spec.Organizations = orgs
	items, err := s.planItems(ctx, spec, by.Scope)
	if err != nil {
		return store.BulkJob{}, err
	}
	return s.create(ctx, store.BulkChange, title, spec, job.ID, items, by)
}

// RetryStates are the states of the items Review again takes.
func RetryStates() []store.BulkItemState {
	return []store.BulkItemState{store.ItemFailed, store.ItemStale, store.ItemCancelled}
}

// MayStart reports whether by may start job: its maker, or an admin; and
// someone other than an admin only a job within AdminOver organizations.
func (s *Service) MayStart(job store.BulkJob, by Requester) error {
	switch {
	case !by.Admin && job.CreatedBy != by.UserID:
		return ErrNotYours
	case !by.Admin && s.NeedsAdmin(job):
		return ErrNeedsAdmin
	}
	return nil
}

// ErrNotYours: the job is someone else's, and only an admin may act on
// it.
var ErrNotYours = errors.New("bulk: the job is someone else's")

// Start starts job id, reviewed, on behalf of by; the runner sends it.
func (s *Service) Start(ctx context.Context, id int64, by Requester) error {
	job, err := s.store.BulkJob(ctx, id)
	if err != nil {
		return err
	}
	if err := s.MayStart(job, by); err != nil {
		return err
	}
	if job.ToSend() == 0 {
		return ErrNothingToSend
	}
	if err := s.store.StartBulkJob(ctx, id, store.BulkActor{UserID: by.UserID, Email: by.Email, ClientAddr: by.ClientAddr}, s.now()); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "bulk job started", "job_id", id, "organizations", job.ToSend(), "by", by.Email)
	s.Wake()
	return nil
}

// MayControl reports whether by may pause, resume or cancel job: who made
// or started it, or an admin.
func MayControl(job store.BulkJob, by Requester) error {
	if by.Admin || job.CreatedBy == by.UserID || job.StartedBy == by.UserID {
		return nil
	}
	return ErrNotYours
}

// Pause stops job id after the organization in flight, if any; the
// organization about to be sent is not.
func (s *Service) Pause(ctx context.Context, id int64) error {
	if err := s.store.PauseBulkJob(ctx, id, "", s.now()); err != nil {
		return err
	}
	s.stopItem(id)
	return nil
}

// Resume lets paused job id run again.
func (s *Service) Resume(ctx context.Context, id int64) error {
	if err := s.store.ResumeBulkJob(ctx, id, s.now()); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Cancel stops job id for good: what was sent stays sent, the rest is not
// started.
func (s *Service) Cancel(ctx context.Context, id int64) error {
	if err := s.store.CancelBulkJob(ctx, id, s.now()); err != nil {
		return err
	}
	s.stopItem(id)
	return nil
}

// Wake makes the runner look for work at once.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// stopItem interrupts the item the runner is sending when it belongs to
// job id. An item whose request is recorded goes on to its outcome: the
// send no longer follows the interruption.
func (s *Service) stopItem(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.interrupt.job == id && s.interrupt.cancel != nil {
		s.interrupt.cancel()
	}
}

// Progress is what a job's page shows of it while it runs.
type Progress struct {
	Job store.BulkJob
	// Current is the organization being sent, or next; "" when none.
	Current string
	// Elapsed is the running time, pauses left out; Remaining the
	// estimate to completion at the pace so far, zero when unknown.
	Elapsed   time.Duration
	Remaining time.Duration
}

// Progress returns job id as it stands.
func (s *Service) Progress(ctx context.Context, id int64) (Progress, error) {
	job, err := s.store.BulkJob(ctx, id)
	if err != nil {
		return Progress{}, err
	}
	p := Progress{Job: job, Elapsed: job.RunningTime(s.now())}
	if job.State.Active() {
		next, err := s.store.NextBulkItem(ctx, id)
		switch {
		case err == nil:
			p.Current = next.OrganizationName
		case !errors.Is(err, store.ErrNotFound):
			return Progress{}, err
		}
	}
	processed, left := job.Processed(), job.Items[store.ItemPending]+job.Items[store.ItemSending]
	if job.State == store.BulkRunning && processed > 0 && left > 0 {
		p.Remaining = time.Duration(float64(p.Elapsed) / float64(processed) * float64(left))
	}
	return p, nil
}

// Visible reports whether a user may see job: admins and auditors see
// every job (see), others the jobs they made or started.
func Visible(job store.BulkJob, userID int, seeAll bool) bool {
	return seeAll || job.CreatedBy == userID || job.StartedBy == userID
}
