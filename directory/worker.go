package directory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

const (
	// batchSize is how many organizations the worker takes from the
	// store at a time.
	batchSize = 50
	// idleCheck is the longest the worker sleeps with nothing due: it
	// then looks for organizations newly listed.
	idleCheck = time.Minute
	// storeRetry is the wait after the database failed the worker.
	storeRetry = 10 * time.Second
)

// untilWoken is a wait that Wake, or the end of Run, ends, or else
// recheck: a pause or a resume may come from another portal process,
// whose Wake does not reach this one.
const untilWoken = time.Duration(-1)

// recheck bounds a wait until woken: how long a resume pressed in
// another portal process may take to reach the worker.
const recheck = 10 * time.Second

// Run reads organizations into the directory while this process leads
// (see Options.Leader), and records the reads pages make, until ctx ends;
// it then returns once both have stopped. It picks up where the last run
// stopped, in this process or another: the store keeps what was read
// when, and whether an admin paused the worker.
func (d *Directory) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { d.recordObservations(ctx) })
	defer wg.Wait()
	if d.opts.Leader == nil {
		d.work(ctx)
		return
	}
	d.opts.Leader.Lead(ctx, d.work)
}

// work reads organizations into the directory until ctx ends.
func (d *Directory) work(ctx context.Context) {
	// Another process may have found new organizations meanwhile.
	d.lookForUnread.Store(true)
	for ctx.Err() == nil {
		wait := d.step(ctx)
		if wait == 0 {
			continue
		}
		d.sleep(ctx, wait)
	}
}

// sleep waits for d (untilWoken: no limit), Wake, or the end of ctx.
func (d *Directory) sleep(ctx context.Context, wait time.Duration) {
	if wait == untilWoken {
		wait = d.recheck
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	expired := t.C
	select {
	case <-ctx.Done():
	case <-d.wake:
	case <-expired:
	}
}

// step reads the organizations due now, up to a batch, and returns how
// long to wait before the next step: zero for at once.
func (d *Directory) step(ctx context.Context) time.Duration {
	if wait := d.held(); wait != 0 && !d.resumedElsewhere(ctx) {
		return wait
	}
	state, err := d.store.DirectoryState(ctx)
	if err != nil {
		return d.storeFailed(ctx, err)
	}
	if state.Paused {
		return untilWoken
	}
	now := d.now()
	ids, err := d.nextBatch(ctx, now)
	if err != nil {
		return d.storeFailed(ctx, err)
	}
	if len(ids) == 0 {
		return d.idle(ctx, state, now)
	}
	if !state.PassUnderWay() {
		if err := d.store.StartDirectoryPass(ctx, now); err != nil {
			return d.storeFailed(ctx, err)
		}
		d.log.InfoContext(ctx, "directory: pass started")
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return 0
		}
		if err := d.readOne(ctx, id); err != nil {
			return d.failed(ctx, id, err)
		}
		if d.pausedNow(ctx) {
			return 0
		}
	}
	return 0
}

// nextBatch returns the organizations to read now: those never read
// first, while there may be some, then those due.
func (d *Directory) nextBatch(ctx context.Context, now time.Time) ([]int, error) {
	var ids []int
	if d.lookForUnread.Load() {
		var err error
		if ids, err = d.store.DirectoryUnread(ctx, batchSize); err != nil {
			return nil, err
		}
		if len(ids) < batchSize {
			d.lookForUnread.Store(false)
		}
	}
	if len(ids) == batchSize {
		return ids, nil
	}
	due, err := d.store.DirectoryDue(ctx, now, batchSize-len(ids))
	return append(ids, due...), err
}

// held returns how long the worker must wait before reading, when it was
// stopped (until woken) or backs off after an outage; zero when it may
// read now.
func (d *Directory) held() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped != "" {
		return untilWoken
	}
	if wait := d.retryAt.Sub(d.now()); wait > 0 {
		return wait
	}
	return 0
}

// resumedElsewhere reports whether an admin resumed the worker, in any
// instance sharing the database, since it stopped or began to back off,
// and if so lets it read again: Resume reaches a worker in another
// process through the store only.
func (d *Directory) resumedElsewhere(ctx context.Context) bool {
	d.mu.Lock()
	since := d.heldSince
	d.mu.Unlock()
	if since.IsZero() {
		return false
	}
	raw, err := d.store.GetSetting(ctx, resumedSetting)
	if err != nil {
		return false // not resumed, or not known now: the next step asks again
	}
	resumed, err := time.Parse(time.RFC3339Nano, string(raw))
	if err != nil || !resumed.After(since) {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped, d.retryAt, d.backoff, d.heldSince = "", time.Time{}, 0, time.Time{}
	d.log.InfoContext(ctx, "directory: resumed by an admin")
	return true
}

// pausedNow reports whether an admin paused the worker since the step
// began.
func (d *Directory) pausedNow(ctx context.Context) bool {
	state, err := d.store.DirectoryState(ctx)
	return err == nil && state.Paused
}

// idle ends the pass under way, if any, and returns how long to wait for
// the next organization to fall due.
func (d *Directory) idle(ctx context.Context, state store.DirectoryState, now time.Time) time.Duration {
	if state.PassUnderWay() {
		if err := d.store.FinishDirectoryPass(ctx, now); err != nil {
			return d.storeFailed(ctx, err)
		}
		d.log.InfoContext(ctx, "directory: pass finished", "began", state.PassStartedAt)
	}
	// Organizations added to the list without a Wake are found at the
	// next idle check.
	d.lookForUnread.Store(true)
	next, err := d.store.NextDirectoryDue(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return idleCheck
	case err != nil:
		return d.storeFailed(ctx, err)
	}
	return min(max(next.Sub(now), time.Millisecond), idleCheck)
}

// readOne reads organization id and records the answer. It returns an
// error only when the worker must stop or back off.
func (d *Directory) readOne(ctx context.Context, id int) error {
	readCtx, cancel := context.WithCancel(ctx)
	d.mu.Lock()
	d.cancelRead = cancel
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.cancelRead = nil
		d.mu.Unlock()
		cancel()
	}()
	result, err := d.ReadOrganization(readCtx, id)
	switch {
	case err == nil:
		d.recovered()
		d.report(Read{OrganizationID: id, Result: result})
		return nil
	case readCtx.Err() != nil:
		return nil // paused or stopped while reading: the read is dropped
	}
	d.report(Read{OrganizationID: id, Result: ResultFailed})
	return err
}

// ReadOrganization reads organization id now, at the background class,
// and records it as the worker would, without waiting for its turn. It
// returns how the read ended, and DigiCert's error when it gave no usable
// answer.
func (d *Directory) ReadOrganization(ctx context.Context, id int) (Result, error) {
	readAt := d.now()
	org, err := d.client.GetOrganization(digicert.WithClass(ctx, digicert.Background), id)
	var apiErr *digicert.APIError
	switch {
	case err == nil:
		return d.record(ctx, *org, readAt, d.now())
	case errors.As(err, &apiErr) && apiErr.Status == 404 && !apiErr.Has("not_found|route"):
		if err := d.markGone(ctx, id, readAt); err != nil {
			return ResultFailed, err
		}
		return ResultGone, nil
	}
	return ResultFailed, fmt.Errorf("directory: read organization %d: %w", id, err)
}

// markGone records that DigiCert knows organization id no more.
func (d *Directory) markGone(ctx context.Context, id int, readAt time.Time) error {
	name := ""
	cached, err := d.store.GetOrganization(ctx, id)
	switch {
	case err == nil:
		name = cached.Name
	case !errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("directory: %w", err)
	}
	if err := d.store.MarkDirectoryGone(ctx, id, name, readAt, readAt.Add(d.opts.TTL)); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	d.log.InfoContext(ctx, "directory: organization gone from DigiCert", "organization_id", id)
	return nil
}

// failed decides what a failed read means: DigiCert refusing the key stops
// the worker until an admin resumes it; anything else is an outage, after
// which the worker backs off, longer each time, and tries again.
func (d *Directory) failed(ctx context.Context, id int, err error) time.Duration {
	if ctx.Err() != nil {
		return 0
	}
	var apiErr *digicert.APIError
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.heldSince.IsZero() {
		d.heldSince = d.now()
	}
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == 403:
		d.stopped = "DigiCert refused to let the API key read organizations (HTTP 403): " + firstMessage(apiErr) +
			" The directory stopped. Check DIGICERT_API_KEY and the key's role, then resume it."
		d.log.ErrorContext(ctx, "directory: stopped: DigiCert refused the API key", "organization_id", id, "error", err.Error())
		return untilWoken
	case errors.As(err, &apiErr) && apiErr.Status == 404:
		d.stopped = "DigiCert does not know the API's address (HTTP 404 not_found|route). The directory stopped. Check DIGICERT_BASE_URL, then resume it."
		d.log.ErrorContext(ctx, "directory: stopped: wrong DigiCert base URL", "error", err.Error())
		return untilWoken
	}
	d.backoff = min(max(2*d.backoff, d.opts.MinBackoff), d.opts.MaxBackoff)
	d.retryAt = d.now().Add(d.backoff)
	d.lastError = contacts.DescribeUpstreamError(err)
	d.log.WarnContext(ctx, "directory: DigiCert could not be read; trying again later", "organization_id", id,
		"retry_in", d.backoff, "reason", d.lastError, "error", err.Error())
	return d.backoff
}

// firstMessage is DigiCert's first error message, or "".
func firstMessage(e *digicert.APIError) string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Message
}

// recovered forgets an outage once DigiCert answers again.
func (d *Directory) recovered() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.retryAt, d.backoff, d.lastError, d.heldSince = time.Time{}, 0, "", time.Time{}
}

// storeFailed logs a failure of the database and returns the wait before
// trying again.
func (d *Directory) storeFailed(ctx context.Context, err error) time.Duration {
	if ctx.Err() != nil {
		return 0
	}
	d.log.ErrorContext(ctx, "directory: database", "error", err.Error())
	return storeRetry
}
