package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// NewSetupLink makes the one-time link where the first administrator is
// created, while no user exists, and returns "" once one does. Each call
// replaces the previous link.
func (s *Service) NewSetupLink(ctx context.Context) (string, error) {
	token, err := s.store.NewSetupToken(ctx)
	if err != nil {
		return "", fmt.Errorf("accounts: setup link: %w", err)
	}
	if token == "" {
		return "", nil
	}
	return s.link(SetupPath, token), nil
}

// CheckSetupLink returns nil when token opens the setup page, else
// ErrLinkNotValid.
func (s *Service) CheckSetupLink(ctx context.Context, token string) error {
	err := s.store.CheckSetupToken(ctx, token)
	if errors.Is(err, store.ErrSetupClosed) {
		return ErrLinkNotValid
	}
	return err
}

// FirstAdmin is what the setup form posts.
type FirstAdmin struct {
	Name     string
	Email    string
	Password string
	Confirm  string
}

// CreateFirstAdmin creates the first user, an administrator, through the
// setup link token, which works once. The new administrator is the
// actor of its security event. It returns ErrLinkNotValid for a bad token
// or once a user exists, and a *ValidationError for bad values.
func (s *Service) CreateFirstAdmin(ctx context.Context, a Actor, token string, in FirstAdmin) (store.User, error) {
	if err := s.CheckSetupLink(ctx, token); err != nil {
		return store.User{}, err
	}
	nu := store.NewUser{Name: strings.TrimSpace(in.Name), Email: store.NormalizeEmail(in.Email), Role: store.RoleAdmin}
	errs := &ValidationError{}
	errs.add("name", nameMessage(nu.Name))
	errs.add("email", emailMessage(in.Email))
	if err := errs.merge(s.CheckNewPassword(store.User{Name: nu.Name, Email: nu.Email}, in.Password, in.Confirm)); err != nil {
		return store.User{}, err
	}
	if err := errs.err(); err != nil {
		return store.User{}, err
	}
	hash, err := s.passwords.Hash(ctx, in.Password)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: create first admin: %w", err)
	}
	nu.PasswordHash = hash
	ch := newChange(s, a, store.AuditUserCreated, func(created store.User) string {
		return "Created the first admin " + describeUser(created) + " through the setup link"
	})
	ch.actsAs = func(created store.User) store.User { return created }
	u, err := s.store.CreateFirstAdmin(ctx, token, nu, ch.event)
	ch.done(ctx, err)
	switch {
	case errors.Is(err, store.ErrSetupClosed):
		return store.User{}, ErrLinkNotValid
	case err != nil:
		return store.User{}, fmt.Errorf("accounts: create first admin: %w", err)
	}
	return u, nil
}

// PasswordLinkUser returns the user whose one-time password link token
// is, or ErrLinkNotValid when it is unknown, used, replaced, expired or
// its user disabled.
func (s *Service) PasswordLinkUser(ctx context.Context, token string) (store.User, error) {
	u, err := s.store.PasswordTokenUser(ctx, token, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrLinkNotValid
	}
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: password link: %w", err)
	}
	return u, nil
}

// ChoosePassword sets the password of the user whose one-time link token
// is, ends their sessions and closes the link; the user is the actor of
// the security event. It returns ErrLinkNotValid for a link that does not
// work and a *ValidationError for a password the rules refuse.
func (s *Service) ChoosePassword(ctx context.Context, a Actor, token, password, confirm string) (store.User, error) {
	owner, err := s.PasswordLinkUser(ctx, token)
	if err != nil {
		return store.User{}, err
	}
	if err := s.CheckNewPassword(owner, password, confirm); err != nil {
		return store.User{}, err
	}
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return store.User{}, fmt.Errorf("accounts: choose password: %w", err)
	}
	ch := newChange(s, a, store.AuditPasswordChanged, func(store.User) string {
		return "Chose a password through a one-time link"
	})
	ch.actsAs = func(changed store.User) store.User { return changed }
	u, err := s.store.UsePasswordToken(ctx, token, s.now(), hash, ch.event)
	ch.done(ctx, err)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.User{}, ErrLinkNotValid
	case err != nil:
		return store.User{}, fmt.Errorf("accounts: choose password: %w", err)
	}
	return u, nil
}
