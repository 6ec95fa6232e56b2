package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// userCommands are the sub-commands of `contactdesk user`.
func userCommands() []command {
	return []command{
		{"add", "add a user (password from CONTACTDESK_PASSWORD, else standard input)", runUserAdd},
		{"list", "list the users", runUserList},
		{"disable", "disable a user and end their sessions", runUserDisable},
	}
}

func runUser(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runGroup(ctx, "user", userCommands(), args, env, stdin, stdout, stderr)
}

func runUserAdd(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("user add", "Add a user. The password comes from CONTACTDESK_PASSWORD, else from the first line of standard input.", stdout)
	email := fs.String("email", "", "the user's email address, used to sign in (required)")
	name := fs.String("name", "", "the user's name, as pages show it (required)")
	role := fs.String("role", "", "admin, editor or auditor (required)")
	team := fs.String("team", "", "a team to add the user to; created if it does not exist")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	for flag, v := range map[string]string{"--email": *email, "--name": *name, "--role": *role} {
		if strings.TrimSpace(v) == "" {
			return &usageError{"user add: " + flag + " is required"}
		}
	}
	if !store.Role(*role).Valid() {
		return &usageError{fmt.Sprintf("user add: --role %q is not admin, editor or auditor", *role)}
	}
	password, err := readPassword(env, stdin)
	if err != nil {
		return err
	}
	return withAccounts(ctx, cfg, func(_ *store.Store, users *accounts.Service) error {
		return addUser(ctx, users, accounts.NewUser{Email: *email, Name: *name, Role: *role, Team: *team, Password: password}, stdout)
	})
}

func runUserList(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("user list", "List the users.", stdout)
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		users, err := st.ListUsers(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tTEAMS")
		for _, u := range users {
			teams, err := st.UserTeams(ctx, u.ID)
			if err != nil {
				return err
			}
			names := make([]string, len(teams))
			for i, t := range teams {
				names[i] = t.Name
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, oneLine(u.Name), u.Role, userState(u), strings.Join(names, ", "))
		}
		return w.Flush()
	})
}

func runUserDisable(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("user disable", "Disable a user: they cannot sign in, and a running portal ends their sessions within a second.", stdout)
	email := fs.String("email", "", "the user's email address (required)")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return &usageError{"user disable: --email is required"}
	}
	return withAccounts(ctx, cfg, func(st *store.Store, users *accounts.Service) error {
		u, err := st.UserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user has the email %s", store.NormalizeEmail(*email))
		}
		if err != nil {
			return err
		}
		_, err = users.Disable(ctx, accounts.CommandLine(), u.ID)
		if errors.Is(err, store.ErrLastAdmin) {
			return fmt.Errorf("%s is the last enabled admin; Contact Desk needs one, so nothing was changed", u.Email)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Disabled %s. Their sessions have ended.\n", u.Email)
		return nil
	})
}
