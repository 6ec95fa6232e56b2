package contacts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/store"
)

// ErrOrganizationNotFound reports that DigiCert knows no organization with
// the requested id.
var ErrOrganizationNotFound = errors.New("contacts: organization not found")

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
	// seen remembers the contacts recent pages and reviews were shown, to
	// describe what changed since.
	seen *contactsMemory
	// onAudit, when set, is told the kind of each event recorded.
	onAudit func(store.AuditKind)
	// observer, when set, is told of each read from DigiCert.
	observer ReadObserver
	// views coalesces concurrent reads for display.
	views viewReads
	// kept holds each organization's last read, for its page.
	kept *keptViews

	// ViewMaxAge is how long an organization's page is shown from the
	// last read of it instead of reading DigiCert again; zero or less
	// keeps nothing. NewService sets DefaultViewMaxAge; change it before
	// the service is used.
	ViewMaxAge time.Duration
}

// OnAuditEvent makes the service call fn with the kind of each audit event
// it records, once the event is committed: for metrics. Call it before the
// service is used.
func (s *Service) OnAuditEvent(fn func(store.AuditKind)) { s.onAudit = fn }

// NewService wires the service to its DigiCert client and store.
func NewService(client *digicert.Client, st *store.Store, locales LocaleSet, logger *slog.Logger) *Service {
	return &Service{client: client, store: st, logger: logger, locales: locales, now: time.Now,
		locks: newOrgLocks(), seen: newContactsMemory(), kept: newKeptViews(viewCapacity),
		ViewMaxAge: DefaultViewMaxAge}
}

// Locales is the set of language ids the portal offers.
func (s *Service) Locales() LocaleSet { return s.locales }

// Organization reads one organization fresh from DigiCert. The read also
// replaces the copy its page is shown from, unless a read or a send that
// began later got there first, and DigiCert no longer knowing the
// organization drops that copy: a page never shows contacts older than
// those a review or a send has just read.
func (s *Service) Organization(ctx context.Context, id int) (*digicert.Organization, error) {
	v, err := s.readLive(ctx, id)
	return v.Organization, err
}

// readLive reads one organization from DigiCert and updates the copy its
// page is shown from. Only a successful read is kept.
func (s *Service) readLive(ctx context.Context, id int) (View, error) {
	ticket := s.kept.ticket()
	readAt := s.now()
	org, err := s.client.GetOrganization(ctx, id)
	var apiErr *digicert.APIError
	if errors.As(err, &apiErr) && apiErr.Status == 404 {
		s.dropView(id)
		s.observeRead(id, nil, !apiErr.Has("not_found|route"), readAt)
		return View{}, ErrOrganizationNotFound
	}
	if err != nil {
		return View{}, fmt.Errorf("contacts: read organization %d: %w", id, err)
	}
	s.observeRead(id, org, false, readAt)
	v := View{Organization: org, ReadAt: readAt, Read: ticket}
	s.kept.keep(id, v, ticket, s.now(), s.ViewMaxAge)
	return v, nil
}

// dropView drops the copy an organization's page is shown from, so that
// the next view reads DigiCert, and no read under way now is kept.
func (s *Service) dropView(id int) {
	s.kept.drop(id, s.now(), s.ViewMaxAge)
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
