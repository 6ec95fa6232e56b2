package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// Status is the directory as an admin sees it.
type Status struct {
	// Now is when the status was taken.
	Now time.Time
	// TTL is how old a read may grow before the organization is read
	// again.
	TTL    time.Duration
	Counts store.DirectoryCounts
	Pass   Pass
	// Paused is set while an admin paused the worker.
	Paused bool
	// Stopped says why the worker stopped until an admin resumes it; ""
	// while it runs.
	Stopped string
	// RetryAt is when the worker tries DigiCert again after an outage,
	// LastError what went wrong; zero and "" when there is none.
	RetryAt   time.Time
	LastError string
	// Budget is how DigiCert's rate windows are used now.
	Budget digicert.Budget
}

// Pass is the current or last pass over the organizations: reading every
// one that was new or due when it began, and those that fell due since.
type Pass struct {
	StartedAt  time.Time
	FinishedAt time.Time
	UnderWay   bool
	// Done is how many organizations were read since the pass began,
	// Remaining how many are still new or due.
	Done      int
	Remaining int
	// Estimate is how long the rest should take at the pace so far, or
	// at the background share of the budget before any read; zero when
	// there is nothing left or no way to tell.
	Estimate time.Duration
}

// Progress is the share of the pass done, from 0 to 1.
func (p Pass) Progress() float64 {
	if p.Done+p.Remaining == 0 {
		return 1
	}
	return float64(p.Done) / float64(p.Done+p.Remaining)
}

// OldestAge is how old the oldest read of a known organization is; zero
// when none is known.
func (s Status) OldestAge() time.Duration {
	if s.Counts.OldestRead.IsZero() {
		return 0
	}
	return s.Now.Sub(s.Counts.OldestRead)
}

// Stale reports whether some organization's read is older than the TTL:
// the directory then is not current, and pages say how old it is.
func (s Status) Stale() bool { return s.OldestAge() > s.TTL }

// Status reports the directory's coverage, the pass under way and how
// DigiCert's budget is used.
func (d *Directory) Status(ctx context.Context) (Status, error) {
	now := d.now()
	state, err := d.store.DirectoryState(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("directory: status: %w", err)
	}
	counts, err := d.store.DirectoryCounts(ctx, now, state.PassStartedAt)
	if err != nil {
		return Status{}, fmt.Errorf("directory: status: %w", err)
	}
	s := Status{Now: now, TTL: d.opts.TTL, Counts: counts, Paused: state.Paused, Budget: d.client.Budget()}
	d.mu.Lock()
	s.Stopped, s.LastError = d.stopped, d.lastError
	if d.retryAt.After(now) {
		s.RetryAt = d.retryAt
	}
	d.mu.Unlock()
	s.Pass = Pass{
		StartedAt:  state.PassStartedAt,
		FinishedAt: state.PassFinishedAt,
		UnderWay:   state.PassUnderWay(),
		Remaining:  counts.Unread + counts.Due,
	}
	if !state.PassStartedAt.IsZero() {
		s.Pass.Done = counts.ReadSince
	}
	s.Pass.Estimate = estimate(s.Pass, now, s.Budget)
	return s, nil
}

// estimate is how long the rest of the pass should take: at the pace so
// far once a minute of it has passed, otherwise at the background share
// of the budget's longest window.
func estimate(p Pass, now time.Time, b digicert.Budget) time.Duration {
	if p.Remaining == 0 {
		return 0
	}
	if elapsed := now.Sub(p.StartedAt); p.UnderWay && p.Done > 0 && elapsed >= time.Minute {
		return time.Duration(float64(elapsed) * float64(p.Remaining) / float64(p.Done))
	}
	var longest digicert.WindowBudget
	for _, w := range b.Windows {
		if w.Per > longest.Per {
			longest = w
		}
	}
	if longest.Per == 0 || longest.Caps[digicert.Background] == 0 {
		return 0
	}
	return time.Duration(float64(longest.Per) * float64(p.Remaining) / float64(longest.Caps[digicert.Background]))
}

// freshnessTTL is how long Freshness serves counts already taken: counting
// the directory reads every organization's row (about 20 ms for 60,000),
// too much to repeat for every page a person opens.
const freshnessTTL = 10 * time.Second

// Freshness is Status as the People and organization pages use it: the
// counts may be up to ten seconds old. One request at a time takes new
// ones; the others meanwhile are given the last.
func (d *Directory) Freshness(ctx context.Context) (Status, error) {
	d.mu.Lock()
	cached, at := d.fresh, d.freshAt
	refresh := at.IsZero() || (d.now().Sub(at) >= freshnessTTL && !d.refreshing)
	if refresh {
		d.refreshing = true
	}
	d.mu.Unlock()
	if !refresh {
		cached.Now = d.now()
		return cached, nil
	}
	s, err := d.Status(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.refreshing = false
	if err != nil {
		return Status{}, err
	}
	d.fresh, d.freshAt = s, s.Now
	return s, nil
}
