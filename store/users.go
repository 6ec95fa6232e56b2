package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is what a user may do in the portal.
type Role string

// The roles. An admin does everything, users and teams included; an editor
// changes the contacts of their teams' organizations; an auditor reads all
// history and changes nothing.
const (
	RoleAdmin   Role = "admin"
	RoleEditor  Role = "editor"
	RoleAuditor Role = "auditor"
)

// Roles returns every role, in the order forms offer them.
func Roles() []Role { return []Role{RoleEditor, RoleAuditor, RoleAdmin} }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleEditor, RoleAuditor:
		return true
	}
	return false
}

// Label is the role's name as pages show it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Admin"
	case RoleEditor:
		return "Editor"
	case RoleAuditor:
		return "Auditor"
	}
	return string(r)
}

// User is a person who signs in to the portal.
type User struct {
	ID    int
	Email string
	Name  string
	Role  Role
	// PasswordHash is an argon2id hash (see PasswordHasher), or "" while
	// the user has not chosen a password.
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// Issuer and Subject name the user at the identity provider they
	// sign in with; both are "" for a local user.
	Issuer  string
	Subject string
	// LinkAllowed is set by an administrator: the next sign-in through
	// the identity provider with this user's email, verified, links the
	// two (see LinkProviderUser).
	LinkAllowed bool
}

// FromProvider reports whether the user signs in with the identity
// provider.
func (u User) FromProvider() bool { return u.Subject != "" }

// HasPassword reports whether the user has chosen a password.
func (u User) HasPassword() bool { return u.PasswordHash != "" }

// NewUser is what CreateUser needs.
type NewUser struct {
	Email string
	Name  string
	Role  Role
	// PasswordHash may be empty: the user then sets a password through a
	// one-time link (InviteUser, ResetPassword).
	PasswordHash string
	// TeamID, when not zero, is a team the user joins as they are created.
	TeamID int
}

var (
	// ErrEmailTaken reports that another user already has the email.
	ErrEmailTaken = errors.New("store: a user with this email already exists")
	// ErrLastAdmin reports a change that would leave no enabled admin.
	ErrLastAdmin = errors.New("store: the last enabled admin cannot be disabled or given another role")
	// ErrRoleChanged is returned when a user's role is not the one the
	// change was asked from: it changed meanwhile.
	ErrRoleChanged = errors.New("store: the user's role changed meanwhile")
)

// NormalizeEmail is the form in which emails are stored and looked up:
// without surrounding white space and in lower case, so that one person
// cannot hold two accounts by changing the case of their address.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// checkNewUser normalizes what CreateUser is given. The rules for names,
// emails and passwords are the accounts service's; the store refuses only
// what it cannot keep.
func checkNewUser(nu NewUser) (NewUser, error) {
	nu.Email = NormalizeEmail(nu.Email)
	nu.Name = strings.TrimSpace(nu.Name)
	switch {
	case nu.Email == "" || nu.Name == "":
		return NewUser{}, errors.New("store: a user needs an email and a name")
	case !nu.Role.Valid():
		return NewUser{}, fmt.Errorf("store: unknown role %q", nu.Role)
	}
	return nu, nil
}

const userColumns = `id, email, name, role, password_hash, disabled, created_at, updated_at,
	oidc_issuer, oidc_subject, sso_link_allowed`

// CreateUser adds a user, in the team nu.TeamID names if any, and records
// the change with event (see EventFor). It returns ErrEmailTaken when the
// email is in use and ErrNotFound when the team does not exist.
func (s *Store) CreateUser(ctx context.Context, nu NewUser, event EventFor[User]) (User, error) {
	nu, err := checkNewUser(nu)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.writeAudited(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = insertUser(ctx, tx, nu, time.Now()); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, fmt.Errorf("store: create user: %w", err)
	}
	return u, nil
}

// insertUser adds the user, and their membership of nu.TeamID if any.
func insertUser(ctx context.Context, tx *sql.Tx, nu NewUser, now time.Time) (User, error) {
	var taken bool
	if err := tx.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM users WHERE email = ?)`, nu.Email).Scan(&taken); err != nil {
		return User{}, err
	}
	if taken {
		return User{}, ErrEmailTaken
	}
	if nu.TeamID != 0 {
		if _, err := queryTeam(ctx, tx, nu.TeamID); err != nil {
			return User{}, err
		}
	}
	at := formatTime(now)
	var id int64
	err := tx.QueryRowContext(ctx,
		`INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
		 VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		nu.Email, nu.Name, string(nu.Role), nu.PasswordHash, at, at).Scan(&id)
	if err != nil {
		return User{}, err
	}
	if nu.TeamID != 0 {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO team_members (team_id, user_id) VALUES (?, ?)`, nu.TeamID, id); err != nil {
			return User{}, err
		}
	}
	return queryUser(ctx, tx, `WHERE id = ?`, id)
}

// GetUser returns the user with id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int) (User, error) {
	u, err := queryUser(ctx, s.statements, `WHERE id = ?`, id)
	if err != nil {
		return User{}, fmt.Errorf("store: get user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with email (compared as NormalizeEmail
// forms), or ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	u, err := queryUser(ctx, s.reader, `WHERE email = ?`, NormalizeEmail(email))
	if err != nil {
		return User{}, fmt.Errorf("store: user by email: %w", err)
	}
	return u, nil
}

// ListUsers returns every user, ordered by name then email.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	users, err := queryUsers(ctx, s.reader,
		`SELECT `+userColumns+` FROM users ORDER BY lower(name), email`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// CountUsers returns how many users exist, disabled ones included.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.reader.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// SetUserRole gives the user the role to in place of from, ends their
// sessions, so the new role applies at once, and records the change with
// event (see EventFor). It returns ErrRoleChanged when the user's role is
// no longer from, so that the event never names a role the user did not
// have, and ErrLastAdmin rather than leave no enabled admin.
func (s *Store) SetUserRole(ctx context.Context, id int, from, to Role, event EventFor[User]) (User, error) {
	if !to.Valid() {
		return User{}, fmt.Errorf("store: set role of user %d: unknown role %q", id, to)
	}
	var u User
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		current, err := queryUser(ctx, tx, `WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if current.Role != from {
			return ErrRoleChanged
		}
		if u, err = updateUserTx(ctx, tx, id, true, `role = ?`, string(to)); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	if err != nil {
		return User{}, fmt.Errorf("store: set role of user %d: %w", id, err)
	}
	return u, nil
}

// DisableUser stops the user from signing in and ends their sessions, and
// records the change with event (see EventFor). It returns ErrLastAdmin
// rather than leave no enabled admin.
func (s *Store) DisableUser(ctx context.Context, id int, event EventFor[User]) (User, error) {
	u, err := s.updateUser(ctx, id, true, event, `disabled = TRUE`)
	if err != nil {
		return User{}, fmt.Errorf("store: disable user %d: %w", id, err)
	}
	return u, nil
}

// EnableUser lets a disabled user sign in again, and records the change
// with event (see EventFor).
func (s *Store) EnableUser(ctx context.Context, id int, event EventFor[User]) (User, error) {
	u, err := s.updateUser(ctx, id, false, event, `disabled = FALSE`)
	if err != nil {
		return User{}, fmt.Errorf("store: enable user %d: %w", id, err)
	}
	return u, nil
}

// SetUserPassword stores a new password hash and ends the user's
// sessions, so that whoever knew the old password is signed out, and
// records the change with event (see EventFor).
func (s *Store) SetUserPassword(ctx context.Context, id int, passwordHash string, event EventFor[User]) (User, error) {
	if passwordHash == "" {
		return User{}, fmt.Errorf("store: set password of user %d: empty hash", id)
	}
	u, err := s.updateUser(ctx, id, false, event, `password_hash = ?`, passwordHash)
	if err != nil {
		return User{}, fmt.Errorf("store: set password of user %d: %w", id, err)
	}
	return u, nil
}

// EndUserSessions signs the user out everywhere: every session of the
// user ends. It records the change with event (see EventFor).
func (s *Store) EndUserSessions(ctx context.Context, id int, event EventFor[User]) (User, error) {
	u, err := s.updateUser(ctx, id, false, event, "")
	if err != nil {
		return User{}, fmt.Errorf("store: end sessions of user %d: %w", id, err)
	}
	return u, nil
}

// updateUser applies set (SQL assignments, or "") to one user, ends their
// sessions and appends the event of the change, in one transaction: every
// change to a user ends their sessions. With guardAdmins, a change that
// leaves no enabled admin is undone and ErrLastAdmin returned.
func (s *Store) updateUser(ctx context.Context, id int, guardAdmins bool, event EventFor[User], set string, args ...any) (User, error) {
	var u User
	err := s.writeAudited(ctx, func(tx *sql.Tx) error {
		var err error
		if u, err = updateUserTx(ctx, tx, id, guardAdmins, set, args...); err != nil {
			return err
		}
		return recordChange(ctx, tx, event, u)
	})
	return u, err
}

func updateUserTx(ctx context.Context, tx *sql.Tx, id int, guardAdmins bool, set string, args ...any) (User, error) {
	// With no enabled admin to begin with (users added from the command
	// line as editors only), there is none to protect.
	adminsBefore := 0
	if guardAdmins {
		var err error
		if adminsBefore, err = countEnabledAdmins(ctx, tx); err != nil {
			return User{}, err
		}
	}
	if set != "" {
		res, err := tx.ExecContext(ctx, `UPDATE users SET `+set+`, updated_at = ? WHERE id = ?`,
			append(args, formatTime(time.Now()), id)...)
		if err != nil {
			return User{}, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return User{}, err
		} else if n == 0 {
			return User{}, ErrNotFound
		}
	}
	if err := deleteUserSessions(ctx, tx, id); err != nil {
		return User{}, err
	}
	if adminsBefore > 0 {
		if after, err := countEnabledAdmins(ctx, tx); err != nil {
			return User{}, err
		} else if after == 0 {
			return User{}, ErrLastAdmin
		}
	}
	return queryUser(ctx, tx, `WHERE id = ?`, id)
}

func countEnabledAdmins(ctx context.Context, tx *sql.Tx) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx,
		`SELECT count(*) FROM users WHERE role = ? AND disabled = FALSE`, string(RoleAdmin)).Scan(&n)
	return n, err
}

// queryer is what both *sql.DB and *sql.Tx offer for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryUser returns the one user matching where, or ErrNotFound.
func queryUser(ctx context.Context, q queryer, where string, args ...any) (User, error) {
	users, err := queryUsers(ctx, q, `SELECT `+userColumns+` FROM users `+where, args...)
	if err != nil {
		return User{}, err
	}
	if len(users) == 0 {
		return User{}, ErrNotFound
	}
	return users[0], nil
}

func queryUsers(ctx context.Context, q queryer, query string, args ...any) ([]User, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

func scanUser(rows *sql.Rows) (User, error) {
	var (
		u                User
		role             string
		created, updated string
	)
	if err := rows.Scan(&u.ID, &u.Email, &u.Name, &role, &u.PasswordHash, &u.Disabled,
		&created, &updated, &u.Issuer, &u.Subject, &u.LinkAllowed); err != nil {
		return User{}, err
	}
	u.Role = Role(role)
	var err error
	if u.CreatedAt, err = parseTime(created); err != nil {
		return User{}, err
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return User{}, err
	}
	return u, nil
}

// UpgradePasswordHash replaces the user's password hash with newHash, a
// hash of the same password made with stronger parameters, provided it is
// still oldHash. The user's sessions stay: the password did not change.
func (s *Store) UpgradePasswordHash(ctx context.Context, id int, oldHash, newHash string) error {
	if newHash == "" {
		return fmt.Errorf("store: upgrade password hash of user %d: empty hash", id)
	}
	_, err := s.writer.ExecContext(ctx,
		`UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`, newHash, id, oldHash)
	if err != nil {
		return fmt.Errorf("store: upgrade password hash of user %d: %w", id, err)
	}
	return nil
}
