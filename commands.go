package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
	"github.com/contactdesk/contactdesk/store"
)

func runMigrate(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, _ io.Writer) error {
	fs := newFlagSet("migrate", "Apply database migrations and exit; with --from and --to, copy one database into another.", stdout)
	from := fs.String("from", "", "with --to: the database to copy (a SQLite file), left as it is")
	to := fs.String("to", "", "with --from: the empty database to copy into (a postgres:// URL)")
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	if *from != "" || *to != "" {
		return copyDatabase(ctx, *from, *to, stdout)
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Database %s is up to date.\n", cfg.DB)
	return nil
}

func runSandbox(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("sandbox", "Run the DigiCert CertCentral emulator alone, for scripts and other clients.", stdout)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address")
	key := fs.String("api-key", "sandbox", "the API key clients must send in X-DC-DEVKEY")
	readOnly := fs.String("read-only-key", "", "a further API key that may read organizations but gets 403 access_denied|missing_permission on the contact PUT")
	omitTechnical := fs.Bool("omit-technical-contact", false, "leave technical_contact out of organization reads, as DigiCert's documented answer does")
	rate := fs.String("rate", "100/5s,1000/5m", "rate windows per API key, as limit/period pairs; shrink them to run rate-limited tests in seconds")
	orgs := fs.Int("organizations", 0, "how many organizations the sandbox holds; 0: its sixty-odd seed organizations")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *readOnly != "" && *readOnly == *key {
		return &configError{"--read-only-key", "must differ from --api-key"}
	}
	windows, err := sandbox.ParseWindows(*rate)
	if err != nil {
		return &configError{"--rate", err.Error()}
	}
	if *orgs < 0 || *orgs > 1_000_000 {
		return &configError{"--organizations", "must be from 0 to 1000000"}
	}
	if err := checkListenAddr(*addr); err != nil {
		return &configError{"--addr", err.Error()}
	}
	if *key == "" {
		return &configError{"--api-key", "must not be empty"}
	}
	logger := newLogger(env("CONTACTDESK_LOG_FORMAT"), stderr)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return &configError{"--addr", fmt.Sprintf("cannot listen on %s: %v", *addr, err)}
	}
	opts := sandbox.Options{APIKey: *key, OmitTechnicalContact: *omitTechnical, Windows: windows, Organizations: *orgs}
	if *readOnly != "" {
		opts.ReadOnlyKeys = []string{*readOnly}
	}
	srv := newSandboxServer(opts, logger)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "DigiCert sandbox listening at http://%s/services/v2\n", ln.Addr())
	select {
	case err := <-serveErr:
		return fmt.Errorf("sandbox: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

func runHealthcheck(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("healthcheck", "Exit 0 when the configured server answers /healthz.", stdout)
	addrFlag := fs.String("addr", "", "server address (env CONTACTDESK_ADDR, default 127.0.0.1:8080)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	addr := *addrFlag
	if addr == "" {
		addr = env("CONTACTDESK_ADDR")
	}
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	if err := checkListenAddr(addr); err != nil {
		return &configError{"CONTACTDESK_ADDR", err.Error()}
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &configError{"CONTACTDESK_ADDR", err.Error()}
	}
	if host == "" || net.ParseIP(host).IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("healthcheck: /healthz answered " + resp.Status)
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// newSandboxServer serves the DigiCert emulator with opts, for the
// in-process upstream of sandbox mode and for the sandbox command alike.
func newSandboxServer(opts sandbox.Options, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           sandbox.New(opts),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
