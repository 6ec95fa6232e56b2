package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/store"
)

// runAudit runs the audit subcommands.
func runAudit(ctx context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	sub := map[string]func(context.Context, []string, func(string) string, io.Reader, io.Writer, io.Writer) error{
		"verify":       runAuditVerify,
		"export":       runAuditExport,
		"prove":        runAuditProve,
		"verify-proof": runAuditVerifyProof,
		"public-key":   runAuditPublicKey,
		"new-key":      runAuditNewKey,
	}
	const want = "want verify, export, prove, verify-proof, public-key or new-key"
	if len(args) > 0 {
		if run, ok := sub[args[0]]; ok {
			return run(ctx, args[1:], env, stdin, stdout, stderr)
		}
		switch args[0] {
		case "-h", "-help", "--help", "help":
			printAuditUsage(stdout)
			return errHelp
		}
		return &usageError{fmt.Sprintf("audit: unknown command %q (%s)", args[0], want)}
	}
	return &usageError{"audit: missing command (" + want + ")"}
}

func printAuditUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: contactdesk audit verify|export|prove|verify-proof|public-key|new-key [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  verify        check the whole audit log, its tree, its derived tables and its checkpoints;")
	fmt.Fprintln(w, "                --checkpoint FILE: prove the log consistent with a checkpoint kept elsewhere;")
	fmt.Fprintln(w, "                --export FILE: check a JSON export without the database")
	fmt.Fprintln(w, "  export        write audit events to standard output, as CSV or JSON Lines, ending with a checkpoint")
	fmt.Fprintln(w, "  prove         print the inclusion proof of a submission's events in the latest checkpoint")
	fmt.Fprintln(w, "  verify-proof  check an inclusion proof offline with the public key")
	fmt.Fprintln(w, "  public-key    print the public key that verifies the checkpoints")
	fmt.Fprintln(w, "  new-key       create the key that signs the checkpoints in the file CONTACTDESK_AUDIT_KEY_FILE names")
}

// auditVerifier resolves the public key for the audit commands: the one
// given, else the key file's, else none (needed reports it missing).
func auditVerifier(cfg config, given string, needed bool) (note.Verifier, error) {
	if given != "" {
		v, err := auditlog.ParseVerifier(given)
		if err != nil {
			return nil, &usageError{"--public-key: " + err.Error()}
		}
		return v, nil
	}
	key, err := auditlog.LoadKey(cfg.auditKeyFile())
	switch {
	case err == nil:
		return key.Verifier(), nil
	case needed:
		return nil, &usageError{fmt.Sprintf("no public key: give --public-key, or make the key file readable (%v)", err)}
	}
	return nil, nil
}

// runAuditVerify checks the whole log and the checkpoints, or an export.
func runAuditVerify(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit verify", "Check the audit log: its hash chain, its Merkle tree, the tables derived from it and its checkpoints. Exit 0 when intact, 1 naming the first problem.", stdout)
	checkpoint := fs.String("checkpoint", "", "a signed checkpoint kept outside Contact Desk: the log must still hold every event it covers, unchanged")
	publicKey := fs.String("public-key", "", "the public key that verifies checkpoints (the key, or a file holding it); default: the key file's")
	export := fs.String("export", "", "check this JSON export, without the database, instead of the log")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	if *export != "" {
		if *checkpoint != "" {
			return &usageError{"audit verify: --export checks the checkpoint the export ends with; leave out --checkpoint"}
		}
		v, err := auditVerifier(cfg, *publicKey, true)
		if err != nil {
			return err
		}
		return verifyExportFile(*export, v, stdout, stderr)
	}
	opts := auditlog.VerifyOptions{}
	if opts.Verifier, err = auditVerifier(cfg, *publicKey, *checkpoint != ""); err != nil {
		return err
	}
	if *checkpoint != "" {
		if opts.External, err = os.ReadFile(*checkpoint); err != nil {
			return &usageError{"--checkpoint: " + err.Error()}
		}
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		return verifyAudit(ctx, st, opts, stdout, stderr)
	})
}

// verifyAudit runs the check and reports it: the head and root when
// intact, else the first problem, exit 1.
func verifyAudit(ctx context.Context, st *store.Store, opts auditlog.VerifyOptions, stdout, stderr io.Writer) error {
	check, err := auditlog.VerifyLog(ctx, st, opts)
	if msg := describeAuditProblem(err); msg != "" {
		fmt.Fprintf(stderr, "Audit log is NOT intact: %s.\n", msg)
		if stored, herr := st.AuditChainHead(ctx); herr == nil {
			fmt.Fprintf(stderr, "The log holds %d events; the newest is event %d with hash %s.\n",
				stored.Count, stored.LastID, stored.LastHash)
		}
		return &exitError{code: 1}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Audit log intact: %d events, %d submissions.\n", check.Head.Count, check.Submissions)
	fmt.Fprintf(stdout, "Head: event %d, hash %s\n", check.Head.LastID, check.Head.LastHash)
	fmt.Fprintf(stdout, "Tree: %d events, root %s\n", check.Tree.Size, hex.EncodeToString(check.Tree.Root[:]))
	switch {
	case check.Checkpoints == 0:
		fmt.Fprintln(stdout, "No checkpoint signed yet.")
	case check.SignaturesChecked:
		fmt.Fprintf(stdout, "Checkpoints: %d, every signature verified and every root matched; the latest, %d, covers %d events.\n",
			check.Checkpoints, check.Latest.ID, check.Latest.TreeSize)
	default:
		fmt.Fprintf(stdout, "Checkpoints: %d, every root matched; signatures not checked (no public key: give --public-key).\n", check.Checkpoints)
	}
	if check.External != nil {
		fmt.Fprintf(stdout, "Consistent with the checkpoint given: %d events, signed %s.\n",
			check.External.Size, check.External.Time.Format(time.RFC3339))
	}
	return nil
}

// describeAuditProblem words a problem VerifyLog found, or returns "" for
// no problem or an error that is not one.
func describeAuditProblem(err error) string {
	var (
		chainErr    *store.ChainError
		treeErr     *store.TreeError
		derivedErr  *store.DerivedError
		mismatchErr *auditlog.MismatchError
		sigErr      *auditlog.SignatureError
	)
	switch {
	case errors.As(err, &chainErr):
		return fmt.Sprintf("event %d: %s", chainErr.EventID, chainErr.Reason)
	case errors.As(err, &treeErr):
		return fmt.Sprintf("event %d: %s", treeErr.EventID, treeErr.Reason)
	case errors.As(err, &derivedErr):
		if derivedErr.Column == "" {
			return fmt.Sprintf("%s, %s: %s", derivedErr.Table, derivedErr.Row, derivedErr.Reason)
		}
		return fmt.Sprintf("%s, %s: %s is %s but the events make it %s",
			derivedErr.Table, derivedErr.Row, derivedErr.Column, derivedErr.Stored, derivedErr.Rebuilt)
	case errors.As(err, &mismatchErr):
		return fmt.Sprintf("%s (%d events): %s", mismatchErr.Checkpoint, mismatchErr.Size, mismatchErr.Reason)
	case errors.As(err, &sigErr):
		return sigErr.Error()
	}
	return ""
}

// verifyExportFile checks a JSON export without the database.
func verifyExportFile(path string, v note.Verifier, stdout, stderr io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return &usageError{"--export: " + err.Error()}
	}
	defer f.Close()
	check, err := auditlog.VerifyExport(f, v)
	var (
		exportErr *auditlog.ExportError
		sigErr    *auditlog.SignatureError
	)
	switch {
	case errors.As(err, &exportErr):
		fmt.Fprintf(stderr, "Export is NOT intact: line %d", exportErr.Line)
		if exportErr.EventID != 0 {
			fmt.Fprintf(stderr, ", event %d", exportErr.EventID)
		}
		fmt.Fprintf(stderr, ": %s.\n", exportErr.Reason)
		return &exitError{code: 1}
	case errors.As(err, &sigErr):
		fmt.Fprintf(stderr, "Export is NOT intact: %s.\n", sigErr.Error())
		return &exitError{code: 1}
	case err != nil:
		return err
	}
	if check.WholeLog {
		fmt.Fprintf(stdout, "Export intact: the whole log, %d events, makes the tree of its checkpoint (%d events, signed %s).\n",
			check.Events, check.Checkpoint.Size, check.Checkpoint.Time.Format(time.RFC3339))
	} else {
		fmt.Fprintf(stdout, "Export intact: %d events, each proven in the tree of its checkpoint (%d events, signed %s).\n",
			check.Events, check.Checkpoint.Size, check.Checkpoint.Time.Format(time.RFC3339))
	}
	return nil
}

// runAuditExport streams the events of the submissions the filters select
// to standard output, ending with the checkpoint they were read against.
func runAuditExport(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit export", "Write the events of the audit log's submissions to standard output, oldest first, ending with the signed checkpoint they were read against.", stdout)
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
		cp, err := exportCheckpoint(ctx, cfg, st, stderr)
		if err != nil {
			return err
		}
		n, err := auditlog.Export(ctx, st, filter, f, cp, stdout)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Exported %d events, read against checkpoint %d (%d events).\n", n, cp.ID, cp.TreeSize)
		return nil
	})
}

// exportCheckpoint is the checkpoint an export is read against: one signed
// now when the key file is readable, else the latest kept, the events
// after which are left out.
func exportCheckpoint(ctx context.Context, cfg config, st *store.Store, stderr io.Writer) (store.AuditCheckpoint, error) {
	if key, err := auditlog.LoadKey(cfg.auditKeyFile()); err == nil {
		logger := slog.New(slog.NewTextHandler(io.Discard, nil))
		cp, err := auditlog.NewCheckpointer(st, key, logger).Sign(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return store.AuditCheckpoint{}, nil
		}
		return cp, err
	}
	cp, err := st.LatestAuditCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return store.AuditCheckpoint{}, &usageError{"audit export: no checkpoint has been signed yet, and the key file to sign one cannot be read"}
	}
	if err != nil {
		return store.AuditCheckpoint{}, err
	}
	if head, err := st.AuditLogHead(ctx); err == nil && head.LastID > cp.TreeSize {
		fmt.Fprintf(stderr, "The key file cannot be read: the export stops at the latest checkpoint, leaving out the %d newer events.\n",
			head.LastID-cp.TreeSize)
	}
	return cp, nil
}

// runAuditProve prints the inclusion proof of a submission's events.
func runAuditProve(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("audit prove", "Print a proof that a submission's events are in the latest signed checkpoint, for audit verify-proof.", stdout)
	id := fs.String("submission", "", "the submission id")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	if *id == "" {
		return &usageError{"audit prove: --submission is required"}
	}
	return withStore(ctx, cfg.DB, func(st *store.Store) error {
		cp, err := st.LatestAuditCheckpoint(ctx)
		if errors.Is(err, store.ErrNotFound) {
			return &usageError{"audit prove: no checkpoint has been signed yet"}
		}
		if err != nil {
			return err
		}
		bundle, err := auditlog.Prove(ctx, st, *id, cp)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return &usageError{fmt.Sprintf("audit prove: no submission %q", *id)}
		case errors.Is(err, auditlog.ErrNotCovered):
			return &usageError{fmt.Sprintf("audit prove: the latest checkpoint, %d, does not cover every event of %q yet; the next one will", cp.ID, *id)}
		case err != nil:
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(bundle)
	})
}

// runAuditVerifyProof checks a proof offline.
func runAuditVerifyProof(_ context.Context, args []string, env func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("audit verify-proof", "Check a proof printed by audit prove with the public key, without the database. Exit 0 when it holds, 1 when not.", stdout)
	publicKey := fs.String("public-key", "", "the public key that verifies checkpoints (the key, or a file holding it); default: the key file's")
	proofFile := fs.String("proof", "", "the proof file; default: standard input")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	v, err := auditVerifier(cfg, *publicKey, true)
	if err != nil {
		return err
	}
	var data []byte
	if *proofFile == "" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(*proofFile)
	}
	if err != nil {
		return fmt.Errorf("audit verify-proof: %w", err)
	}
	check, err := auditlog.VerifyProof(data, v)
	if err != nil {
		fmt.Fprintf(stderr, "Proof does NOT hold: %s.\n", strings.TrimPrefix(err.Error(), "auditlog: "))
		return &exitError{code: 1}
	}
	cp := check.Checkpoints[len(check.Checkpoints)-1]
	fmt.Fprintf(stdout, "Proof holds: the %d events of submission %s (%s) are in the log %s, checkpoint of %d events signed %s.\n",
		len(check.EventIDs), check.SubmissionID, eventList(check.EventIDs), cp.Origin, cp.Size, cp.Time.Format(time.RFC3339))
	return nil
}

func eventList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("event %d", id)
	}
	return strings.Join(parts, ", ")
}

// runAuditPublicKey prints the verifier key of the checkpoint key file.
func runAuditPublicKey(_ context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("audit public-key", "Print the public key that verifies the audit log's checkpoints, to give auditors.", stdout)
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	key, err := auditlog.LoadKey(cfg.auditKeyFile())
	if err != nil {
		return &usageError{fmt.Sprintf("audit public-key: %v (the portal creates the key at its first start)", err)}
	}
	fmt.Fprintln(stdout, key.PublicKey())
	return nil
}

// runAuditNewKey creates the checkpoint key file, for installations that
// set CONTACTDESK_AUDIT_KEY_FILE before the first start (several
// instances sharing a PostgreSQL database must, and share the one key),
// and prints its public key. It never replaces a key: checkpoints signed
// with it could no longer be checked.
func runAuditNewKey(_ context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("audit new-key", "Create the key that signs the audit log's checkpoints, in the file CONTACTDESK_AUDIT_KEY_FILE (or --audit-key-file) names, and print its public key. An existing file is left as it is.", stdout)
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	path := cfg.auditKeyFile()
	key, created, err := auditlog.LoadOrCreateKey(path, checkpointOrigin(cfg))
	switch {
	case err != nil:
		return &usageError{fmt.Sprintf("audit new-key: %v", err)}
	case !created:
		return &usageError{fmt.Sprintf("audit new-key: %s holds a key already; it is left as it is (its public key: %s)", path, key.PublicKey())}
	}
	fmt.Fprintf(stdout, "Created %s, readable by its owner only. Its public key, for auditors:\n%s\n", path, key.PublicKey())
	return nil
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
