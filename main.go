// Command contactdesk is Contact Desk: a web portal for changing the
// organization and technical contacts of DigiCert CertCentral organizations,
// with review before send and a tamper-evident audit log.
//
// Run without arguments it serves the portal; see `contactdesk --help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is the release version, set at build time with
// -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// usageError is a command line the program does not understand; it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errHelp reports that help was asked for and printed: exit 0.
var errHelp = flag.ErrHelp

// exitCode prints err (if any) and maps it to the process exit status:
// 0 success or help, 2 usage or configuration, 1 anything else.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	var ce *configError
	var ee *exitError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "contactdesk:", ue.msg)
		fmt.Fprintln(stderr, "Run 'contactdesk --help' for usage.")
		return 2
	case errors.As(err, &ce):
		fmt.Fprintln(stderr, "contactdesk:", ce.Error())
		return 2
	default:
		fmt.Fprintln(stderr, "contactdesk:", err)
		return 1
	}
}

// exitError ends the program with a given status after its command has
// already said why (audit verify finding a bad event, for instance).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// command is one sub-command of the CLI.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error
}

// runGroup runs one of cmds, the sub-commands of `contactdesk group`,
// named by args[0], or prints the group's usage.
func runGroup(ctx context.Context, group string, cmds []command, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		names := make([]string, len(cmds))
		for i, c := range cmds {
			names[i] = c.name
		}
		return &usageError{fmt.Sprintf("%s: missing command: %s", group, strings.Join(names, ", "))}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(stdout, "Usage: contactdesk %s COMMAND [flags]\n\nCommands:\n", group)
		width := 0
		for _, c := range cmds {
			width = max(width, len(c.name))
		}
		for _, c := range cmds {
			fmt.Fprintf(stdout, "  %-*s %s\n", width+2, c.name, c.summary)
		}
		return nil
	}
	for _, c := range cmds {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env, stdin, stdout, stderr)
		}
	}
	return &usageError{fmt.Sprintf("%s: unknown command %q", group, args[0])}
}

func commands() []command {
	return []command{
		{"serve", "run the portal (the default)", runServe},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"sandbox", "run the DigiCert API emulator alone", runSandbox},
		{"healthcheck", "exit 0 when the configured server answers /healthz", runHealthcheck},
		{"user", "add, list or disable users", runUser},
		{"sessions", "end users' sessions", runSessions},
		{"sso", "map identity provider groups to roles and teams", runSSO},
		{"audit", "verify the audit log's hash chain, or export it", runAudit},
	}
}

// run is the whole program: it parses args, picks the command and runs it.
// Everything it needs comes in as arguments, so tests can call it directly.
func run(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runServe(ctx, nil, env, stdin, stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printUsage(stdout)
		return nil
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, "contactdesk", version)
		return nil
	}
	if len(args[0]) > 0 && args[0][0] == '-' {
		// Flags without a command belong to serve.
		return runServe(ctx, args, env, stdin, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], env, stdin, stdout, stderr)
		}
	}
	return &usageError{fmt.Sprintf("unknown command %q", args[0])}
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Contact Desk: change DigiCert organization contacts, with review and an audit log.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: contactdesk [command] [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'contactdesk COMMAND --help' for the flags of a command.")
}

// newFlagSet makes a flag set that reports errors instead of exiting, and
// prints its usage to stdout when help is asked for.
func newFlagSet(name, summary string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: contactdesk %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseCommand parses a command's own flags (registered on fs beforehand)
// together with the configuration flags, and returns the configuration.
func parseCommand(fs *flag.FlagSet, args []string, env func(string) string) (config, error) {
	resolve := bindConfig(fs, env)
	if err := parseFlags(fs, args); err != nil {
		return config{}, err
	}
	return resolve()
}

// parseFlags parses args, turning flag errors into usage errors and help
// into errHelp after printing the usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return errHelp
	case err != nil:
		return &usageError{fs.Name() + ": " + err.Error()}
	case fs.NArg() > 0:
		return &usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}
