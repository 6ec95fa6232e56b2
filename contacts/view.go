package contacts

import (
	"context"
	"strconv"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/contactdesk/contactdesk/digicert"
)

// DefaultViewMaxAge is how long an organization's page is shown from its
// last read from DigiCert before the page reads it again.
const DefaultViewMaxAge = 30 * time.Second

// viewReadTimeout bounds a read shared by several page views; it does not
// follow any one viewer's request, so one who leaves does not fail the
// others.
const viewReadTimeout = 30 * time.Second

// View is an organization as its page shows it: the answer of a read from
// DigiCert that began at ReadAt, perhaps made for an earlier view.
type View struct {
	Organization *digicert.Organization
	ReadAt       time.Time
	// Read names the read from DigiCert: views with the same Read show
	// the same answer, so whatever is made from one of them can be shown
	// for the others. Zero for a view that did not come from
	// OrganizationView.
	Read uint64
}

// clone copies the view, so that no viewer can change what another one,
// or the kept copy, holds.
func (v View) clone() View {
	v.Organization = cloneOrganization(v.Organization)
	return v
}

// OrganizationView returns an organization for showing it: the last read
// of it from DigiCert while that is younger than ViewMaxAge, otherwise a
// new read. Views that miss while a read of the organization is under way
// share that read instead of each spending a request of DigiCert's rate
// limit, unless a send may have changed the contacts since it began.
//
// Review and Send never use it: each reads DigiCert on its own, after the
// sends before it have finished, so a kept copy can never make a stale
// change look current. Their reads replace the copy, and every send drops
// it, so a page never shows contacts older than the latest read of them.
func (s *Service) OrganizationView(ctx context.Context, id int) (View, error) {
	if v, ok := s.kept.recent(id, s.now(), s.ViewMaxAge); ok {
		return v, nil
	}
	return s.sharedViewRead(ctx, id, "")
}

// RefreshOrganizationView reads an organization from DigiCert again, for
// a viewer who asks for it, and keeps the answer for the views after it.
// Such requests that arrive while one of them is under way share its read.
func (s *Service) RefreshOrganizationView(ctx context.Context, id int) (View, error) {
	return s.sharedViewRead(ctx, id, "fresh:")
}

// sharedViewRead reads the organization for display, sharing the read with
// the views of the same kind (prefix) that wait for it. The key holds the
// organization's mark, so that nobody joins a read that began before a
// send dropped the copy.
func (s *Service) sharedViewRead(ctx context.Context, id int, prefix string) (View, error) {
	key := prefix + strconv.Itoa(id) + "@" + strconv.FormatUint(s.kept.markOf(id), 10)
	ch := s.views.group.DoChan(key, func() (any, error) {
		readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), viewReadTimeout)
		defer cancel()
		v, err := s.readLive(readCtx, id)
		if err != nil {
			return nil, err
		}
		// Keep the contacts the page's form is prefilled with, so that a
		// review of it can say what changed since.
		current := CurrentFrom(*v.Organization)
		s.seen.remember(id, Fingerprint(current), current)
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
// viewer can change what another one, or the kept copy, holds.
func cloneOrganization(org *digicert.Organization) *digicert.Organization {
	copied := *org
	copied.OrganizationContact = cloneContact(org.OrganizationContact)
	copied.TechnicalContact = cloneContact(org.TechnicalContact)
	return &copied
}

// viewReads coalesces concurrent reads of one organization for display.
type viewReads struct {
	group singleflight.Group
}
