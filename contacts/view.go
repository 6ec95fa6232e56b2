package contacts

import (
	"context"
	"strconv"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
)

// viewTTL is how long an organization's page is shown from its last read
// from DigiCert before the page reads it again. DigiCert allows 100
// requests per 5 seconds for the whole account: without the cache, a team
// looking at the same organizations would spend it.
const viewTTL = 30 * time.Second

// viewReadTimeout bounds a read shared by several page views; it does not
// follow any one viewer's request, so one who leaves does not fail the
// others.
const viewReadTimeout = 30 * time.Second

// View is an organization as its page shows it: the answer of a read from
// DigiCert that began at ReadAt, perhaps made for an earlier view.
type View struct {
	Organization *digicert.Organization
	ReadAt       time.Time
}

// clone copies the view, so that no viewer can change what another one,
// or the cache, holds.
func (v View) clone() View {
	v.Organization = cloneOrganization(v.Organization)
	return v
}

// OrganizationView returns an organization for showing it: the cached
// read of it while that is younger than the TTL, otherwise a new read.
// Concurrent views that miss the cache share one read (single-flight)
// instead of each spending a request of DigiCert's rate limit, unless a
// send invalidated the cache since that read began.
//
// Review and Send never use it: each reads DigiCert on its own, after the
// sends before it have finished, so a cached copy can never make a stale
// change look current. Their reads are cached too, and every send
// invalidates the cache, so a page never shows contacts older than the
// latest read of them.
//
// A send made by another portal process sharing the database appends
// events of its change to the audit log: a cached read that began before
// the newest of them is not served.
func (s *Service) OrganizationView(ctx context.Context, id int) (View, error) {
	ver, err := s.viewVersion(ctx, id)
	if err != nil {
		return View{}, err
	}
	if v, ok := s.views.get(id, ver.event, s.now()); ok {
		return v, nil
	}
	return s.sharedViewRead(ctx, id, "", ver)
}

// RefreshOrganizationView reads an organization from DigiCert again, for
// a viewer who asks for it, and caches the answer for the views after it.
// Such requests that arrive while one of them is under way share its read.
func (s *Service) RefreshOrganizationView(ctx context.Context, id int) (View, error) {
	ver, err := s.viewVersion(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.sharedViewRead(ctx, id, "fresh:", ver)
}

// sharedViewRead reads the organization for display, sharing the read with
// the views of the same kind (prefix) that wait for it. The single-flight
// key holds the version the read starts from, so that nobody joins a
// read that began before a send, here or in another process.
func (s *Service) sharedViewRead(ctx context.Context, id int, prefix string, ver version) (View, error) {
	key := prefix + strconv.Itoa(id) + "@" + strconv.FormatUint(ver.generation, 10) + "." + strconv.FormatInt(ver.event, 10)
	ch := s.reads.DoChan(key, func() (any, error) {
		readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), viewReadTimeout)
		defer cancel()
		v, err := s.readAt(readCtx, id, ver)
		if err != nil {
			return nil, err
		}
		// Cache the contacts the page's form is prefilled with, so that a
		// review of it can say what changed since.
		current := CurrentFrom(*v.Organization)
		s.fingerprints.put(id, Fingerprint(current), current)
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return View{}, res.Err
		}
		return res.Val.(View).clone(), nil
	case <-ctx.Done():
		return View{}, ctx.Err()
	}
}

// cloneOrganization copies an organization and its contacts, so that no
// viewer can change what another one, or the cache, holds.
func cloneOrganization(org *digicert.Organization) *digicert.Organization {
	copied := *org
	copied.OrganizationContact = cloneContact(org.OrganizationContact)
	copied.TechnicalContact = cloneContact(org.TechnicalContact)
	return &copied
}
