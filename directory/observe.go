package directory

import (
	"context"
	"time"

	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
)

// recordTimeout bounds the recording of one read a page made.
const recordTimeout = 30 * time.Second

// observation is a read a page made: an organization, or the news that
// DigiCert knows it no more.
type observation struct {
	org    digicert.Organization
	gone   bool
	readAt time.Time
	doneAt time.Time
}

// The Directory records the reads the contacts service makes for pages,
// reviews and sends.
var _ contacts.ReadObserver = (*Directory)(nil)

// OrganizationRead queues a read of org begun at readAt for recording, as
// if the worker had made it. It never blocks the page: when the queue is
// full, the read is dropped and the worker reads the organization in its
// turn.
func (d *Directory) OrganizationRead(org digicert.Organization, readAt time.Time) {
	org.OrganizationContact = copyContact(org.OrganizationContact)
	org.TechnicalContact = copyContact(org.TechnicalContact)
	d.queue(observation{org: org, readAt: readAt, doneAt: d.now()})
}

// OrganizationGone queues the news that DigiCert answered 404 to a read of
// organization id begun at readAt.
func (d *Directory) OrganizationGone(id int, readAt time.Time) {
	d.queue(observation{org: digicert.Organization{ID: id}, gone: true, readAt: readAt, doneAt: d.now()})
}

func (d *Directory) queue(o observation) {
	select {
	case d.observed <- o:
	default:
		d.log.Debug("directory: queue of page reads full; read dropped", "organization_id", o.org.ID)
	}
}

// recordObservations records queued page reads until ctx ends.
func (d *Directory) recordObservations(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case o := <-d.observed:
			d.recordObservation(ctx, o)
		}
	}
}

func (d *Directory) recordObservation(ctx context.Context, o observation) {
	ctx, cancel := context.WithTimeout(ctx, recordTimeout)
	defer cancel()
	var (
		result Result
		err    error
	)
	if o.gone {
		result, err = ResultGone, d.markGone(ctx, o.org.ID, o.readAt)
	} else {
		result, err = d.record(ctx, o.org, o.readAt, o.doneAt)
	}
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("directory: record a page's read", "organization_id", o.org.ID, "error", err.Error())
		}
		return
	}
	d.report(Read{OrganizationID: o.org.ID, Result: result, ByPage: true})
}

func copyContact(c *digicert.ExistingContact) *digicert.ExistingContact {
	if c == nil {
		return nil
	}
	copied := *c
	return &copied
}
