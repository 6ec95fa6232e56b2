package bulk

import (
	"time"

	"github.com/contactdesk/contactdesk/digicert"
)

// requestsPerItem is how many requests one organization of a job takes:
// the read before the change, the change, the read after.
const requestsPerItem = 3

// paceBurst is how many items the runner may send back to back to catch
// up with its pace after it fell behind it (a slow answer, a busy
// database, the limiter holding it back). Behind by more, the pace
// forgets the rest rather than make up for it in a burst.
const paceBurst = 8

// pacer spreads a job's requests evenly over time at the bulk class's
// rate. Left to itself the runner would take its whole share of a window
// at once and then wait for it to age out, so the window would fill in
// bursts, and a person's request that found it full would wait for a
// whole burst to leave. Paced, the job's requests leave the window one by
// one, and such a wait is one request's.
//
// The rate is the smallest, over the client's rate windows that the rest
// of the job cannot fit in, of the window's bulk cap over its length: a
// window with room for all that is left (DigiCert's 5-minute one, near
// the end of a job) does not slow the job down.
//
// People come first: the job takes only its share of what people leave
// of each window. The limiter lets bulk requests hold their share of a
// whole window, so that people busier than the rest of it would wait
// behind the job; the pacer holds the job back instead, while the bulk
// requests in a window reach the bulk share of the room people do not
// use.
//
// The pacer follows the wall clock, as the limiter does: its times are
// the caller's readings of time.Now.
type pacer struct {
	budget func() digicert.Budget
	// next is when the job's next request is due; admitted is how many
	// bulk requests the budget had admitted when next was last moved.
	next     time.Time
	admitted uint64
}

// newPacer starts pacing at now from the client's budget; a nil budget
// paces nothing.
func newPacer(budget func() digicert.Budget, now time.Time) *pacer {
	p := &pacer{budget: budget, next: now}
	if budget != nil {
		p.admitted = budget().Admitted[digicert.Bulk]
	}
	return p
}

// wait is how long to wait at now before the next item, when items are
// left to send (counting the next): zero to send it now. Each bulk
// request admitted since the last call moves the next request's time on
// by one request's share of the rate.
func (p *pacer) wait(now time.Time, items int) time.Duration {
	if p.budget == nil {
		return 0
	}
	b := p.budget()
	sent := b.Admitted[digicert.Bulk] - p.admitted
	p.admitted = b.Admitted[digicert.Bulk]
	rate := paceRate(b, requestsPerItem*items)
	if rate > 0 {
		p.next = p.next.Add(seconds(float64(sent) / rate))
		// Behind by more than paceBurst items: the rest is forgiven.
		if earliest := now.Add(-seconds(paceBurst * requestsPerItem / rate)); p.next.Before(earliest) {
			p.next = earliest
		}
	}
	if wait := yieldToPeople(b); wait > 0 {
		return wait
	}
	if rate == 0 {
		return 0
	}
	return max(p.next.Sub(now), 0)
}

// yieldToPeople returns how long to wait for room when an item's requests
// would take the bulk requests of a window past the bulk share of what
// interactive requests leave of it; zero when there is room. The wait is
// the time one request of the window takes to leave it, on average: the
// pacer then looks again.
func yieldToPeople(b digicert.Budget) time.Duration {
	var wait time.Duration
	for _, w := range b.Windows {
		if w.Limit <= 0 || w.Per <= 0 {
			continue
		}
		share := float64(w.Caps[digicert.Bulk]) / float64(w.Limit)
		allowed := int(share*float64(w.Limit-w.Used[digicert.Interactive]) + 1e-9)
		// At the cap itself the limiter holds the job back.
		if allowed < w.Caps[digicert.Bulk] && w.Used[digicert.Bulk]+requestsPerItem > allowed {
			wait = max(wait, w.Per/time.Duration(w.Limit))
		}
	}
	return wait
}

// paceRate is the bulk class's rate, in requests per second, for a job
// with left requests to make; 0 when no window limits it.
func paceRate(b digicert.Budget, left int) float64 {
	rate := 0.0
	for _, w := range b.Windows {
		c := w.Caps[digicert.Bulk]
		if c <= 0 || w.Per <= 0 || left <= c-w.Used[digicert.Bulk] {
			continue
		}
		if r := float64(c) / w.Per.Seconds(); rate == 0 || r < rate {
			rate = r
		}
	}
	return rate
}

// seconds converts s seconds to a Duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
