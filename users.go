package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// newUserRequest is what `user add` was asked for.
type newUserRequest struct {
	email, name string
	role        store.Role
	team        string
	password    string
}

// addUser creates the user with a hashed password, puts them in the team
// (created when missing) and records both in the audit log.
func addUser(ctx context.Context, st *store.Store, req newUserRequest, stdout io.Writer) error {
	if err := store.CheckPassword(req.password); err != nil {
		return cliFieldError(err)
	}
	if req.team != "" {
		if err := store.CheckTeamName(strings.TrimSpace(req.team)); err != nil {
			return cliFieldError(err)
		}
	}
	hasher, err := store.NewPasswordHasher(store.DefaultPasswordParams(), 1)
	if err != nil {
		return err
	}
	hash, err := hasher.Hash(ctx, req.password)
	if err != nil {
		return err
	}
	u, err := st.CreateUser(ctx, store.NewUser{Email: req.email, Name: req.name, Role: req.role, PasswordHash: hash},
		cliEvent(store.AuditUserCreated, func(created store.User) string {
			return "Created " + describe(created) + " as " + string(created.Role) + " from the command line"
		}))
	if errors.Is(err, store.ErrEmailTaken) {
		return fmt.Errorf("a user with the email %s already exists", store.NormalizeEmail(req.email))
	}
	if err != nil {
		return cliFieldError(err)
	}
	fmt.Fprintf(stdout, "Added %s (%s) as %s.\n", u.Email, u.Name, u.Role)
	if req.team == "" {
		return nil
	}
	return joinTeam(ctx, st, u, req.team, stdout)
}

// joinTeam adds u to the team named name, creating the team first when no
// team has that name.
func joinTeam(ctx context.Context, st *store.Store, u store.User, name string, stdout io.Writer) error {
	team, err := st.TeamByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		team, err = st.CreateTeam(ctx, name, cliEvent(store.AuditTeamChanged, func(created store.Team) string {
			return fmt.Sprintf("Created team %q from the command line", created.Name)
		}))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created the team %s.\n", team.Name)
	}
	if err != nil {
		return err
	}
	_, err = st.AddTeamMember(ctx, team.ID, u.ID, cliEvent(store.AuditTeamChanged, func(changed store.Team) string {
		return fmt.Sprintf("Added %s to team %q from the command line", describe(u), changed.Name)
	}))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Added %s to the team %s.\n", u.Email, team.Name)
	return nil
}

// readPassword takes the password from CONTACTDESK_PASSWORD, else from the
// first line of stdin. At most one byte more than any password may have
// is read, so a huge input is refused without being held in memory.
func readPassword(env func(string) string, stdin io.Reader) (string, error) {
	if p := env("CONTACTDESK_PASSWORD"); p != "" {
		return p, nil
	}
	if stdin == nil {
		return "", &usageError{"user add: no password: set CONTACTDESK_PASSWORD or pipe it to standard input"}
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, store.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", &usageError{"user add: no password: set CONTACTDESK_PASSWORD or pipe it to standard input"}
	}
	return line, nil
}

// cliFieldError turns a store.FieldError into its plain message.
func cliFieldError(err error) error {
	var fe *store.FieldError
	if errors.As(err, &fe) {
		return errors.New(fe.Message)
	}
	return err
}

// cliEvent returns the audit event of a change made from the command line,
// which the store appends in the change's own transaction (see
// store.EventFor); summary describes the changed row. It has no actor or
// client address: whoever ran the command had the database file itself.
func cliEvent[T any](kind store.AuditKind, summary func(changed T) string) store.EventFor[T] {
	return func(changed T) (store.AuditEvent, error) {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return store.AuditEvent{}, fmt.Errorf("audit event id: %w", err)
		}
		return store.AuditEvent{
			SubmissionID: hex.EncodeToString(b[:]),
			Kind:         kind,
			ActorEmail:   "command line",
			RequestID:    "cli",
			Summary:      summary(changed),
		}, nil
	}
}

func describe(u store.User) string {
	return fmt.Sprintf("%s <%s> (user %d)", u.Name, u.Email, u.ID)
}

func userState(u store.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case !u.HasPassword():
		return "waiting for password"
	}
	return "active"
}

// oneLine keeps a name on one line of the table.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
