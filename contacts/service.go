package contacts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// ErrOrganizationNotFound reports that DigiCert knows no organization with
// the requested id.
var ErrOrganizationNotFound = errors.New("contacts: organization not found")

// ErrWrongBaseURL reports that DigiCert has no such path (404
// not_found|route): the base URL Contact Desk is configured with is wrong.
// It is a configuration error, not a missing organization.
var ErrWrongBaseURL = errors.New("contacts: DigiCert has no such path: the DigiCert base URL is wrong")

// Service reads organizations from DigiCert and carries out contact
// changes, recording each in the audit log.
type Service struct {
	client  *digicert.Client
	store   *store.Store
	logger  *slog.Logger
	locales LocaleSet
	now     func() time.Time
	// locks orders the sends to each organization.
	locks *orgLocks
	// fingerprints caches the contacts recent pages and reviews were
	// shown, to describe what changed since.
	fingerprints *fingerprintCache
	// onAudit, when set, is told the kind of each event recorded.
	onAudit func(store.AuditKind)
	// views caches each organization's last read, for its page.
	views *viewCache
	// reads is the single-flight group of reads for display.
	reads singleflight.Group
	// observer, when set, is told of each read from DigiCert.
	observer ReadObserver
}

// OnAuditEvent makes the service call fn with the kind of each audit event
// it records, once the event is committed: for metrics. Call it before the
// service is used.
func (s *Service) OnAuditEvent(fn func(store.AuditKind)) { s.onAudit = fn }

// NewService wires the service to its DigiCert client and store.
func NewService(client *digicert.Client, st *store.Store, locales LocaleSet, logger *slog.Logger) *Service {
	return &Service{client: client, store: st, logger: logger, locales: locales, now: time.Now,
		locks: newOrgLocks(), fingerprints: newFingerprintCache(), views: newViewCache(viewTTL, viewCacheCapacity)}
}

// Locales is the set of language ids the portal offers.
func (s *Service) Locales() LocaleSet { return s.locales }

// Organization reads one organization fresh from DigiCert. The read is
// cached for its page, unless the cache was invalidated while it was under
// way or holds a read that began later, and DigiCert no longer knowing the
// organization invalidates the cache: a page never shows contacts older
// than those a review or a send has just read.
func (s *Service) Organization(ctx context.Context, id int) (*digicert.Organization, error) {
	v, err := s.readLive(ctx, id)
	return v.Organization, err
}

// readLive reads one organization from DigiCert and caches the answer for
// its page.
func (s *Service) readLive(ctx context.Context, id int) (View, error) {
	ver, err := s.viewVersion(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.readAt(ctx, id, ver)
}

// viewVersion is the version of organization id's cached read that a
// read beginning now starts from.
func (s *Service) viewVersion(ctx context.Context, id int) (version, error) {
	event, err := s.store.LatestOrganizationChange(ctx, id)
	if err != nil {
		return version{}, fmt.Errorf("contacts: read organization %d: %w", id, err)
	}
	return s.views.version(id, event, s.now()), nil
}

// readAt reads one organization from DigiCert and caches the answer for
// its page when the organization's cache entry is still at ver's
// generation, the one taken before the read. Only a successful read is
// cached.
func (s *Service) readAt(ctx context.Context, id int, ver version) (View, error) {
	readAt := s.now()
	org, err := s.client.GetOrganization(ctx, id)
	var apiErr *digicert.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.RouteNotFound():
		return View{}, fmt.Errorf("contacts: read organization %d: %w: %w", id, ErrWrongBaseURL, err)
	case errors.As(err, &apiErr) && apiErr.Status == 404:
		s.invalidateView(id)
		s.observeRead(id, nil, true, readAt)
		return View{}, ErrOrganizationNotFound
	}
	if err != nil {
		return View{}, fmt.Errorf("contacts: read organization %d: %w", id, err)
	}
	s.observeRead(id, org, false, readAt)
	v := View{Organization: org, ReadAt: readAt}
	s.views.put(id, ver, v, s.now())
	return v, nil
}

// invalidateView drops the cached read of an organization, so that the
// next view reads DigiCert, and no read under way now is cached.
func (s *Service) invalidateView(id int) {
	s.views.invalidate(id, s.now())
}

// SyncOrganizations refreshes the organization cache from DigiCert's list
// and returns how many organizations it now holds.
func (s *Service) SyncOrganizations(ctx context.Context) (int, error) {
	list, err := s.client.ListOrganizations(ctx)
	if err != nil {
		return 0, fmt.Errorf("contacts: list organizations: %w", err)
	}
	orgs := make([]store.Organization, len(list))
	for i, o := range list {
		orgs[i] = store.Organization{
			ID:          o.ID,
			Name:        o.Name,
			AssumedName: o.AssumedName,
			DisplayName: o.DisplayName,
			Status:      o.Status,
			IsActive:    o.IsActive,
		}
	}
	if err := s.store.ReplaceOrganizations(ctx, orgs, s.now().UTC()); err != nil {
		return 0, fmt.Errorf("contacts: cache organizations: %w", err)
	}
	return len(orgs), nil
}
