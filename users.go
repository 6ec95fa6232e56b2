package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// withAccounts opens the database and runs fn with it and the accounts
// service over it. One-time links are made from
// CONTACTDESK_PUBLIC_URL, else from the listen address the portal is
// configured with.
func withAccounts(ctx context.Context, cfg config, fn func(*store.Store, *accounts.Service) error) error {
	hasher, err := store.NewPasswordHasher(store.DefaultPasswordParams(), 1)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		users, err := accounts.NewService(accounts.Config{Store: st, Passwords: hasher, BaseURL: cfg.linkBase()})
		if err != nil {
			return err
		}
		return fn(st, users)
	})
}

// linkBase is where one-time links point: the public URL, else the listen
// address, as a browser on this host would open it.
func (c config) linkBase() string {
	if c.PublicURL != "" {
		return c.PublicURL
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		// validate accepted the address, so this does not happen.
		return "http://" + c.Addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// addUser creates the user with a hashed password, puts them in the team
// (created when missing) and says what it did.
func addUser(ctx context.Context, users *accounts.Service, nu accounts.NewUser, stdout io.Writer) error {
	added, err := users.AddUser(ctx, accounts.CommandLine(), nu)
	if added.User.ID != 0 {
		u := added.User
		fmt.Fprintf(stdout, "Added %s (%s) as %s.\n", u.Email, u.Name, u.Role)
	}
	if err != nil {
		return cliError(err)
	}
	if added.Team == nil {
		return nil
	}
	if added.TeamCreated {
		fmt.Fprintf(stdout, "Created the team %s.\n", added.Team.Name)
	}
	fmt.Fprintf(stdout, "Added %s to the team %s.\n", added.User.Email, added.Team.Name)
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
	line, err := bufio.NewReader(io.LimitReader(stdin, accounts.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", &usageError{"user add: no password: set CONTACTDESK_PASSWORD or pipe it to standard input"}
	}
	return line, nil
}

// cliError turns the accounts service's refusals into the plain
// sentences the command prints.
func cliError(err error) error {
	var invalid *accounts.ValidationError
	if errors.As(err, &invalid) {
		msgs := make([]string, len(invalid.Errors))
		for i, fe := range invalid.Errors {
			msgs[i] = fe.Message
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return err
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
