package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/store"
)

// runSessions handles `contactdesk sessions end --email E | --all`.
//
// Sessions are rows of the database, checked on every request, so ending
// one takes effect at once in a running portal: the next request of its
// browser goes to the sign-in page. Ending sessions is recorded in the
// audit log as a sign-out.
func runSessions(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	if len(args) == 0 {
		return &usageError{"sessions: missing command: end"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, "Usage: contactdesk sessions end --email E | --all [flags]")
		return nil
	case "end":
	default:
		return &usageError{fmt.Sprintf("sessions: unknown command %q", args[0])}
	}
	fs := newFlagSet("sessions end", "End the sessions of one user, or of everyone: they sign in again.", stdout)
	email := fs.String("email", "", "the user whose sessions end")
	all := fs.Bool("all", false, "end every user's sessions")
	cfg, err := parseCommand(fs, args[1:], env)
	if err != nil {
		return err
	}
	if (strings.TrimSpace(*email) == "") == !*all {
		return &usageError{"sessions end: give either --email or --all"}
	}
	return withAccounts(ctx, cfg, func(st *store.Store, users *accounts.Service) error {
		if *all {
			n, err := users.EndEverySession(ctx, accounts.CommandLine())
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Ended %s.\n", accounts.CountSessions(n))
			return nil
		}
		u, err := st.UserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user has the email %s", store.NormalizeEmail(*email))
		}
		if err != nil {
			return err
		}
		_, n, err := users.EndUserSessions(ctx, accounts.CommandLine(), u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Ended %s of %s.\n", accounts.CountSessions(n), u.Email)
		return nil
	})
}
