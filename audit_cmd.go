package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/contactdesk/contactdesk/store"
)

// runAudit runs `contactdesk audit verify` or `contactdesk audit export`.
func runAudit(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub := map[string]func(context.Context, []string, func(string) string, io.Reader, io.Writer, io.Writer) error{
		"verify": runAuditVerify,
		"export": runAuditExport,
	}
	if len(args) > 0 {
		if run, ok := sub[args[0]]; ok {
			return run(ctx, args[1:], env, stdin, stdout, stderr)
		}
		switch args[0] {
		case "-h", "-help", "--help", "help":
			printAuditUsage(stdout)
			return errHelp
		}
		return &usageError{fmt.Sprintf("audit: unknown command %q (want verify or export)", args[0])}
	}
	return &usageError{"audit: missing command (want verify or export)"}
}

func printAuditUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: contactdesk audit verify|export [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  verify   check the audit log's hash chain: exit 0 when intact, 1 at the first bad event")
	fmt.Fprintln(w, "  export   write audit events to standard output, as CSV or JSON Lines")
}

// runAuditVerify walks the hash chain and prints its head, which can be
// recorded elsewhere and compared with a later run.
func runAuditVerify(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit verify", "Check the audit log's hash chain. Exit 0 when it is intact, 1 naming the first bad event.", stdout)
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		return verifyAudit(ctx, st, stdout, stderr)
	})
}

func verifyAudit(ctx context.Context, st *store.Store, stdout, stderr io.Writer) error {
	head, err := st.VerifyAuditChain(ctx)
	var broken *store.ChainError
	switch {
	case errors.As(err, &broken):
		fmt.Fprintf(stderr, "Audit log is NOT intact: event %d: %s.\n", broken.EventID, broken.Reason)
		if stored, herr := st.AuditChainHead(ctx); herr == nil {
			fmt.Fprintf(stderr, "The log holds %d events; the newest is event %d with hash %s.\n",
				stored.Count, stored.LastID, stored.LastHash)
		}
		return &exitError{code: 1}
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "Audit log intact: %d events.\n", head.Count)
	fmt.Fprintf(stdout, "Head: event %d, hash %s\n", head.LastID, head.LastHash)
	return nil
}

// runAuditExport streams the events of the submissions the filters select
// to standard output.
func runAuditExport(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit export", "Write the events of the audit log's submissions to standard output, oldest first.", stdout)
	format := fs.String("format", "csv", "csv or json (JSON Lines)")
	var in store.AuditFilterInput
	fs.StringVar(&in.Organization, "organization", "", "an organization id, or part of its name")
	fs.StringVar(&in.User, "user", "", "part of the email of the user who made the change")
	fs.StringVar(&in.Outcome, "outcome", "", "one of "+outcomeList())
	fs.StringVar(&in.From, "from", "", "first day, YYYY-MM-DD (UTC)")
	fs.StringVar(&in.To, "to", "", "last day, YYYY-MM-DD (UTC)")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	f, err := store.ParseAuditExportFormat(*format)
	if err != nil {
		return &usageError{"audit export: --format must be csv or json"}
	}
	filter, errs := in.Parse()
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = "--" + e.Field + ": " + e.Message
		}
		return &usageError{"audit export: " + strings.Join(msgs, "; ")}
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		enc := store.NewAuditEncoder(stdout, f)
		n, err := st.ExportAuditEvents(ctx, filter, enc.Encode)
		if err != nil {
			return err
		}
		if err := enc.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Exported %d events.\n", n)
		return nil
	})
}

// withStore opens the database, runs fn and closes it, reporting a failed
// close too.
func withStore(ctx context.Context, path string, fn func(*store.Store) error) error {
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	return errors.Join(fn(st), st.Close())
}

func outcomeList() string {
	names := make([]string, len(store.AuditOutcomes()))
	for i, o := range store.AuditOutcomes() {
		names[i] = string(o)
	}
	return strings.Join(names, ", ")
}

// logAuditHead writes the audit chain's head to the log at start-up, so
// that the log outside the database keeps a record to compare later
// heads with.
func logAuditHead(ctx context.Context, st *store.Store, logger *slog.Logger) error {
	head, err := st.AuditChainHead(ctx)
	if err != nil {
		return err
	}
	logger.Info("audit log head", "events", head.Count, "last_id", head.LastID, "last_hash", head.LastHash)
	return nil
}
