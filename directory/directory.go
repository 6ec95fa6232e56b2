// Package directory keeps Contact Desk's directory of who is contact where:
// every organization's contacts as last read from DigiCert. A background
// worker reads each organization of the list within the background share
// of DigiCert's rate limit (new ones first, each again once its read is
// older than a TTL, those with a recent submission at once), and the
// reads pages make are recorded too. A read that finds contacts different
// from what the directory knew, with no Contact Desk submission to
// explain it, appends a changed_outside event to the audit log.
package directory

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// Defaults for the zero values of Options.
const (
	DefaultTTL        = 24 * time.Hour
	DefaultMinBackoff = 5 * time.Second
	DefaultMaxBackoff = 5 * time.Minute
)

// observationQueue is how many reads made for pages may wait to be
// recorded. When it is full, further ones are dropped: the worker reads
// those organizations in their turn anyway.
const observationQueue = 1024

// Options configure a Directory. The zero value is usable.
type Options struct {
	// TTL is how old the read of an organization may grow before it is
	// read again; DefaultTTL when zero.
	TTL time.Duration
	// MinBackoff and MaxBackoff bound the wait after DigiCert could not
	// be reached: it starts at MinBackoff and doubles up to MaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Now is the clock; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// OnAuditEvent, when set, is told the kind of each audit event the
	// directory appends, once committed: for metrics.
	OnAuditEvent func(store.AuditKind)
	// OnRead, when set, is told how each read of an organization ended,
	// once recorded: for metrics and tests.
	OnRead func(Read)
	// Leader, when set, decides whether this process runs the worker:
	// of several portal processes sharing a database, only the leader
	// does (store.LeaderLease). Every process records the reads its
	// pages make. Nil: this process always runs the worker.
	Leader Leader
}

// Leader runs work while this process leads the portal processes sharing
// the database, with a context that ends when it stops leading, until
// ctx ends (store.LeaderLease.Lead).
type Leader interface {
	Lead(ctx context.Context, work func(context.Context))
}

// Read is how one read of an organization ended.
type Read struct {
	OrganizationID int
	Result         Result
	// ByPage is set for a read a page made, rather than the worker.
	ByPage bool
}

// Result names how a read ended.
type Result string

// The results of a read.
const (
	// ResultFirst: the directory had not read the organization before.
	ResultFirst Result = "first"
	// ResultUnchanged: the contacts were as the directory knew them.
	ResultUnchanged Result = "unchanged"
	// ResultChanged: the contacts changed, as a Contact Desk submission
	// explains.
	ResultChanged Result = "changed"
	// ResultChangedOutside: the contacts changed outside Contact Desk; a
	// changed_outside event was appended.
	ResultChangedOutside Result = "changed_outside"
	// ResultStale: a read begun later was recorded first; this one was
	// dropped.
	ResultStale Result = "stale"
	// ResultGone: DigiCert knows no such organization any more.
	ResultGone Result = "gone"
	// ResultFailed: DigiCert gave no usable answer.
	ResultFailed Result = "failed"
)

// Results lists every result, for metrics.
func Results() []Result {
	return []Result{ResultFirst, ResultUnchanged, ResultChanged, ResultChangedOutside, ResultStale, ResultGone, ResultFailed}
}

// Directory reads organizations into the directory and records the reads
// pages make. It is safe for concurrent use.
type Directory struct {
	client *digicert.Client
	store  *store.Store
	opts   Options
	log    *slog.Logger

	// wake tells the worker to look again at once: resumed, paused, new
	// organizations listed.
	wake chan struct{}
	// recheck bounds a wait until woken (see the constant recheck).
	recheck time.Duration
	// observed queues the reads pages made, for recording.
	observed chan observation
	// lookForUnread is set while the organization list may hold
	// organizations never read: at start, and after Wake.
	lookForUnread atomic.Bool

	mu sync.Mutex
	// stopped says why the worker stopped and waits for an admin; ""
	// while it runs.
	stopped string
	// retryAt is when the worker tries DigiCert again after an outage,
	// backoff the wait that led there, lastError what went wrong.
	retryAt   time.Time
	backoff   time.Duration
	lastError string
	// heldSince is when the worker stopped or began to back off; zero
	// while it reads.
	heldSince time.Time
	// cancelRead cancels the worker's read under way, if any.
	cancelRead context.CancelFunc
	// fresh is the last Status taken for Freshness, at freshAt;
	// refreshing is set while a request takes a new one.
	fresh      Status
	freshAt    time.Time
	refreshing bool
}

// New builds a Directory over client and st. Nothing runs until Run.
func New(client *digicert.Client, st *store.Store, opts Options) *Directory {
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(DefaultMaxBackoff, opts.MinBackoff)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Directory{
		client: client, store: st, opts: opts, log: log,
		wake:     make(chan struct{}, 1),
		recheck:  recheck,
		observed: make(chan observation, observationQueue),
	}
	d.lookForUnread.Store(true)
	return d
}

// TTL is how old a read may grow before the organization is read again.
func (d *Directory) TTL() time.Duration { return d.opts.TTL }

// Wake makes the worker look for work at once, for instance after the
// organization list was refreshed.
func (d *Directory) Wake() {
	d.lookForUnread.Store(true)
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Pause stops the worker's reads until Resume, across restarts. The read
// under way, if any, is dropped. Reads pages make are still recorded.
func (d *Directory) Pause(ctx context.Context) error {
	if err := d.store.SetDirectoryPaused(ctx, true); err != nil {
		return err
	}
	d.mu.Lock()
	if d.cancelRead != nil {
		d.cancelRead()
	}
	d.mu.Unlock()
	d.Wake()
	return nil
}

// resumedSetting is the setting Resume records its time under, for the
// worker of whichever instance sharing the database leads.
const resumedSetting = "directory_resumed_at"

// Resume lets the worker read again: after a pause, after DigiCert
// refused the key (it tries again), and without waiting out an outage's
// backoff. The worker of another instance sharing the database learns of
// it within a recheck.
func (d *Directory) Resume(ctx context.Context) error {
	if err := d.store.SetDirectoryPaused(ctx, false); err != nil {
		return err
	}
	if err := d.store.SetSetting(ctx, resumedSetting, []byte(d.now().UTC().Format(time.RFC3339Nano))); err != nil {
		return err
	}
	d.mu.Lock()
	d.stopped, d.retryAt, d.backoff, d.heldSince = "", time.Time{}, 0, time.Time{}
	d.mu.Unlock()
	d.Wake()
	return nil
}

func (d *Directory) now() time.Time { return d.opts.Now() }

func (d *Directory) report(r Read) {
	if d.opts.OnRead != nil {
		d.opts.OnRead(r)
	}
}
