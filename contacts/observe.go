package contacts

import (
	"time"

	"github.com/contactdesk/contactdesk/digicert"
)

// ReadObserver is told of every read of an organization the service makes
// from DigiCert (for pages, reviews, sends and reconciling): the directory
// keeps its contacts from them too. Its methods are called on the
// reading goroutine and must not block.
type ReadObserver interface {
	// OrganizationRead is told of a successful read begun at readAt.
	OrganizationRead(org digicert.Organization, readAt time.Time)
	// OrganizationGone is told that DigiCert answered, to a read begun at
	// readAt, that it knows no organization id.
	OrganizationGone(id int, readAt time.Time)
}

// ObserveReads makes the service tell o of each read. Call it before the
// service is used.
func (s *Service) ObserveReads(o ReadObserver) { s.observer = o }

// observeRead tells the observer, if any, how a read begun at readAt
// ended.
func (s *Service) observeRead(id int, org *digicert.Organization, gone bool, readAt time.Time) {
	switch {
	case s.observer == nil:
	case gone:
		s.observer.OrganizationGone(id, readAt)
	case org != nil:
		s.observer.OrganizationRead(*org, readAt)
	}
}
