package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Users who sign in with the company's identity provider are known by the
// provider's issuer and subject. The rules for creating, linking and
// updating them are the accounts service's; the store keeps the rows.

// ErrLinkNotAllowed is a link of a local user to the identity provider
// that no administrator allowed, or that was used meanwhile.
var ErrLinkNotAllowed = errors.New("store: linking this user to the identity provider is not allowed")

// NewProviderUser is what CreateProviderUser needs.
type NewProviderUser struct {
	Issuer  string
	Subject string
	Email   string
	Name    string
	Role    Role
}

// UserBySubject returns the user the identity provider issuer knows as
// subject, or ErrNotFound.
func (s *Store) UserBySubject(ctx context.Context, issuer, subject string) (User, error) {
	if subject == "" {
		return User{}, fmt.Errorf("store: user by subject: %w", ErrNotFound)
	}
	u, err := queryUser(ctx, s.reader, `WHERE oidc_issuer = ? AND oidc_subject = ?`, issuer, subject)
	if err != nil {
		return User{}, fmt.Errorf("store: user by subject: %w", err)
	}
	return u, nil
}

// CreateProviderUser adds a user who signs in with the identity provider,
// without a password, and records the change with event (see EventFor).
// It returns ErrEmailTaken when the email is in use.
func (s *Store) CreateProviderUser(ctx context.Context, nu NewProviderUser, event EventFor[User]) (User, error) {
	if nu.Issuer == "" || nu.Subject == "" {
		return User{}, errors.New("store: create provider user: an issuer and a subject are required")
	}
	checked, err := checkNewUser(NewUser{Email: nu.Email, Name: nu.Name, Role: nu.Role})
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.writeAudited(ctx, func(tx *sql.Tx) error {
		created, err := insertUser(ctx, tx, checked, time.Now())
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET oidc_issuer = ?, oidc_subject = ? WHERE id = ?`,
			nu.Issuer, nu.Subject, created.ID); err != nil {
			return err
		}
		if u, err = queryUser(ctx, tx, `WHERE id = ?`, created.ID); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, fmt.Errorf("store: create provider user: %w", err)
	}
	return u, nil
}

// UpdateProviderUser sets the email and name the identity provider gave
// the user id at sign-in. Their sessions stay: what they may do did not
// change. Nothing is recorded when both were already so; otherwise the
// change is recorded with event (see EventFor). It returns ErrEmailTaken
// when another user has the email.
func (s *Store) UpdateProviderUser(ctx context.Context, id int, email, name string, event EventFor[User]) (User, bool, error) {
	email = NormalizeEmail(email)
	var (
		u       User
		changed bool
	)
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		current, err := queryUser(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if current.Email == email && current.Name == name {
			u = current
			return nil
		}
		var taken bool
		if err := tx.QueryRowContext(ctx,
			`SELECT EXISTS (SELECT 1 FROM users WHERE email = ? AND id != ?)`, email, id).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return ErrEmailTaken
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = ?, name = ?, updated_at = ? WHERE id = ?`,
			email, name, formatTime(time.Now()), id); err != nil {
			return err
		}
		if u, err = queryUser(ctx, tx, `WHERE id = ?`, id); err != nil {
			return err
		}
		changed = true
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, false, fmt.Errorf("store: update provider user %d: %w", id, err)
	}
	return u, changed, nil
}

// SetLinkAllowed allows (or no longer allows) the next sign-in through
// the identity provider with the local user's email to link the two, and
// records the change with event (see EventFor). A user who already signs
// in with the provider cannot be linked again: ErrLinkNotAllowed.
func (s *Store) SetLinkAllowed(ctx context.Context, id int, allowed bool, event EventFor[User]) (User, error) {
	var u User
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		current, err := queryUser(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if current.FromProvider() {
			return ErrLinkNotAllowed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET sso_link_allowed = ?, updated_at = ? WHERE id = ?`,
			allowed, formatTime(time.Now()), id); err != nil {
			return err
		}
		if u, err = queryUser(ctx, tx, `WHERE id = ?`, id); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, fmt.Errorf("store: allow linking user %d: %w", id, err)
	}
	return u, nil
}

// LinkProviderUser makes the local user id, whom an administrator allowed
// to be linked, the user the identity provider issuer knows as subject,
// and records it with event (see EventFor). The allowance is used up. It
// returns ErrLinkNotAllowed when no administrator allowed it (any more).
func (s *Store) LinkProviderUser(ctx context.Context, id int, issuer, subject string, event EventFor[User]) (User, error) {
	if issuer == "" || subject == "" {
		return User{}, errors.New("store: link provider user: an issuer and a subject are required")
	}
	var u User
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		changed, err := execChanged(ctx, tx,
			`UPDATE users SET oidc_issuer = ?, oidc_subject = ?, sso_link_allowed = FALSE, updated_at = ?
			 WHERE id = ? AND sso_link_allowed = TRUE AND oidc_subject = ''`,
			issuer, subject, formatTime(time.Now()), id)
		if err != nil {
			return err
		}
		if !changed {
			return ErrLinkNotAllowed
		}
		if u, err = queryUser(ctx, tx, `WHERE id = ?`, id); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, fmt.Errorf("store: link user %d to the identity provider: %w", id, err)
	}
	return u, nil
}
