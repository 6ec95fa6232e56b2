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
	// reviewed remembers what recent reviews saw, to describe a stale one.
	reviewed *reviewMemory
	// onAudit, when set, is told the kind of each event recorded.
	onAudit func(store.AuditKind)
	// views coalesces concurrent reads for display.
	views viewReads
}

// OnAuditEvent makes the service call fn with the kind of each audit event
// it records, once the event is committed: for metrics. Call it before the
// service is used.
func (s *Service) OnAuditEvent(fn func(store.AuditKind)) { s.onAudit = fn }

// NewService wires the service to its DigiCert client and store.
func NewService(client *digicert.Client, st *store.Store, locales LocaleSet, logger *slog.Logger) *Service {
	return &Service{client: client, store: st, logger: logger, locales: locales, now: time.Now,
		locks: newOrgLocks(), reviewed: newReviewMemory()}
}

// Locales is the set of language ids the portal offers.
func (s *Service) Locales() LocaleSet { return s.locales }

// Organization reads one organization fresh from DigiCert. The contacts are
// never taken from the cache: a form prefilled from stale data would delete
// fields DigiCert has since gained.
func (s *Service) Organization(ctx context.Context, id int) (*digicert.Organization, error) {
	org, err := s.client.GetOrganization(ctx, id)
	var apiErr *digicert.APIError
	if errors.As(err, &apiErr) && apiErr.Status == 404 {
		return nil, ErrOrganizationNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("contacts: read organization %d: %w", id, err)
	}
	return org, nil
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
