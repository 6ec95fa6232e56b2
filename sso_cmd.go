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

// ssoCommands are the sub-commands of `contactdesk sso`: the group
// mappings of sign-in with the identity provider, and linking local
// users to it. Each change is a security event in the audit log.
func ssoCommands() []command {
	return []command{
		{"map", "map a provider group to a role and optionally a team: --group G --role R [--team T]", runSSOMap},
		{"unmap", "remove the mapping of a group: --group G [--team T]", runSSOUnmap},
		{"mappings", "list the group mappings", runSSOMappings},
		{"allow-link", "let the next sign-in with SSO as a local user's email link it: --email E", runSSOAllowLink},
	}
}

func runSSO(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runGroup(ctx, "sso", ssoCommands(), args, env, stdin, stdout, stderr)
}

func runSSOMap(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("sso map", "Map an identity provider group to a role and optionally a team. Mapping a group again for the same team changes its role.", stdout)
	group := fs.String("group", "", "the group's name or id exactly as the identity provider sends it (required)")
	role := fs.String("role", "", "admin, editor or auditor (required)")
	team := fs.String("team", "", "the name of a team the group's members join")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*group) == "" || strings.TrimSpace(*role) == "" {
		return &usageError{"sso map: --group and --role are required"}
	}
	return withAccounts(ctx, cfg, func(_ *store.Store, users *accounts.Service) error {
		m, changed, err := users.SetGroupMapping(ctx, accounts.CommandLine(), accounts.Mapping{Group: *group, Role: *role, TeamName: *team})
		if err != nil {
			return cliError(err)
		}
		if !changed {
			fmt.Fprintf(stdout, "The group %s was already mapped so; nothing changed.\n", describeMappingCLI(m))
			return nil
		}
		fmt.Fprintf(stdout, "Mapped the group %s.\n", describeMappingCLI(m))
		return nil
	})
}

func runSSOUnmap(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("sso unmap", "Remove the mapping of an identity provider group (for one team, or the role-only mapping).", stdout)
	group := fs.String("group", "", "the group (required)")
	team := fs.String("team", "", "the team of the mapping to remove; empty: the mapping without a team")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*group) == "" {
		return &usageError{"sso unmap: --group is required"}
	}
	return withAccounts(ctx, cfg, func(st *store.Store, users *accounts.Service) error {
		mappings, err := st.ListGroupMappings(ctx)
		if err != nil {
			return err
		}
		for _, m := range mappings {
			if m.Group == strings.TrimSpace(*group) && strings.EqualFold(m.TeamName, strings.TrimSpace(*team)) {
				if _, err := users.RemoveGroupMapping(ctx, accounts.CommandLine(), m.ID); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "Removed the mapping of the group %s.\n", describeMappingCLI(m))
				return nil
			}
		}
		return errors.New("no such mapping: see contactdesk sso mappings")
	})
}

func runSSOMappings(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("sso mappings", "List the group mappings.", stdout)
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		mappings, err := st.ListGroupMappings(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "GROUP\tROLE\tTEAM")
		for _, m := range mappings {
			team := m.TeamName
			if team == "" {
				team = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", oneLine(m.Group), m.Role, oneLine(team))
		}
		return w.Flush()
	})
}

func runSSOAllowLink(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("sso allow-link", "Let the next sign-in with SSO whose verified email is the local user's link it to that user.", stdout)
	email := fs.String("email", "", "the local user's email (required)")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return &usageError{"sso allow-link: --email is required"}
	}
	return withAccounts(ctx, cfg, func(st *store.Store, users *accounts.Service) error {
		u, err := st.UserByEmail(ctx, *email)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user has the email %s", store.NormalizeEmail(*email))
		}
		if err != nil {
			return err
		}
		if _, err := users.AllowLink(ctx, accounts.CommandLine(), u.ID); errors.Is(err, store.ErrLinkNotAllowed) {
			return fmt.Errorf("%s signs in with SSO already", u.Email)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "The next sign-in with SSO as %s will link it to this account.\n", u.Email)
		return nil
	})
}

// describeMappingCLI names a mapping in the command's answers.
func describeMappingCLI(m store.GroupMapping) string {
	out := fmt.Sprintf("%q to the role %s", m.Group, m.Role)
	if m.TeamID != 0 {
		out += fmt.Sprintf(" and the team %q", m.TeamName)
	}
	return out
}
