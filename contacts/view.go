package contacts

import (
	"context"
	"strconv"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/contactdesk/contactdesk/digicert"
)

// viewReadTimeout bounds a read shared by several page views; it does not
// follow any one viewer's request, so one who leaves does not fail the
// others.
const viewReadTimeout = 30 * time.Second

// viewReads coalesces concurrent reads of one organization for display.
type viewReads struct {
	group singleflight.Group
}

// OrganizationView reads an organization from DigiCert for showing it:
// views of one organization that arrive while a read of it is under way
// share that read instead of each spending a request of DigiCert's rate
// limit. Nothing is kept once the read is answered: every viewer gets the
// answer to a read that was under way while they waited, never an older
// copy. Review and Send do not use it: each of them reads on its own,
// after the sends before it have finished, so a shared read can never make
// a stale change look current.
func (s *Service) OrganizationView(ctx context.Context, id int) (*digicert.Organization, error) {
	ch := s.views.group.DoChan(strconv.Itoa(id), func() (any, error) {
		readCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), viewReadTimeout)
		defer cancel()
		return s.Organization(readCtx, id)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*digicert.Organization), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
