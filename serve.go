package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/contactdesk/contactdesk/accounts"
	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/bulk"
	"github.com/contactdesk/contactdesk/contacts"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/directory"
	"github.com/contactdesk/contactdesk/handlers"
	"github.com/contactdesk/contactdesk/handlers/sso"
	"github.com/contactdesk/contactdesk/metrics"
	"github.com/contactdesk/contactdesk/static"
	"github.com/contactdesk/contactdesk/store"
)

// shutdownGrace is how long in-flight requests (a send waiting on DigiCert
// included) may take to finish after a stop signal.
const shutdownGrace = 30 * time.Second

// startupSyncTimeout bounds the organization list refresh at start-up; the
// portal serves meanwhile and works without it.
const startupSyncTimeout = 2 * time.Minute

// setMemoryLimit sets the Go runtime's soft memory limit from
// CONTACTDESK_MEMORY_LIMIT. GOMEMLIMIT, read by the runtime itself, wins
// over the default.
func setMemoryLimit(cfg config, env func(string) string, logger *slog.Logger) error {
	if env("GOMEMLIMIT") != "" && cfg.MemoryLimit == defaultMemoryLimit {
		return nil
	}
	limit, err := cfg.memoryLimit()
	if err != nil {
		return &configError{"CONTACTDESK_MEMORY_LIMIT", err.Error()}
	}
	debug.SetMemoryLimit(limit)
	logger.Debug("memory limit set", "bytes", limit)
	return nil
}

func runServe(ctx context.Context, args []string, env func(string) string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "Run the Contact Desk portal.", stdout)
	cfg, err := parseCommand(fs, args, env)
	if err != nil {
		return err
	}
	logger := newLogger(cfg.LogFormat, stderr)
	// A test may serve in its own process: give the runtime back the limit
	// it had.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	if err := setMemoryLimit(cfg, env, logger); err != nil {
		return err
	}
	if isDatabaseURL(cfg.DB) && cfg.AuditKeyFile == "" {
		// A key made on first start would be made by each instance, each
		// signing the one log with its own.
		return &configError{"CONTACTDESK_AUDIT_KEY_FILE", "must be set with a PostgreSQL database: every instance sharing it must sign the audit log with the same key, kept outside the database"}
	}
	instance, err := cfg.instance()
	if err != nil {
		return &configError{"CONTACTDESK_INSTANCE", err.Error()}
	}

	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer closeLogged(logger, "store", st.Close)
	if err := logAuditHead(ctx, st, logger); err != nil {
		return err
	}
	checkpoints, err := newCheckpointer(cfg, st, logger)
	if err != nil {
		return err
	}
	checkpointInterval, err := cfg.auditCheckpointInterval()
	if err != nil {
		return &configError{"CONTACTDESK_AUDIT_CHECKPOINT_INTERVAL", err.Error()}
	}

	baseURL, apiKey := cfg.BaseURL, cfg.APIKey
	windows, err := cfg.digicertRate()
	if err != nil {
		return err
	}
	if cfg.sandboxMode() {
		opts, err := cfg.sandboxOptions()
		if err != nil {
			return err
		}
		url, key, stop, err := startSandbox(logger, opts)
		if err != nil {
			return err
		}
		defer stop()
		baseURL, apiKey = url, key
		// The client keeps to the sandbox's windows, so that shrunk ones
		// run the real rate limiting in seconds.
		windows = nil
		for _, w := range opts.Windows {
			windows = append(windows, digicert.RateWindow{Limit: w.Limit, Per: w.Per})
		}
		logger.Warn("sandbox mode: no DIGICERT_API_KEY set; using the built-in DigiCert emulator",
			"base_url", baseURL, "rate", cfg.SandboxRate, "organizations", opts.Organizations)
	}
	// Of several instances sharing a PostgreSQL database, the leader runs
	// the work only one may do: the directory's worker, the checkpoint
	// signer, the reconciliation of what a stopped instance left open.
	lease := st.NewLeaderLease(store.LeaseOptions{Instance: instance, OnChange: logLeadership(logger)})
	// Series carry the instance's name only when it was given: a single
	// instance's series stay as they were.
	meters := metrics.New(metrics.Options{
		Version: version, Sandbox: cfg.sandboxMode(), Instance: cfg.Instance, Leading: lease.Leading,
	})
	// Instances sharing a PostgreSQL database count their DigiCert
	// requests together: DigiCert limits the API key, not each instance.
	var budget digicert.SharedBudget
	if b := st.DigiCertBudget(); b != nil {
		budget = sharedBudget{b}
	}
	client, err := digicert.New(digicert.Config{
		BaseURL:      baseURL,
		APIKey:       apiKey,
		UserAgent:    "ContactDesk/" + version,
		Logger:       logger,
		Windows:      windows,
		SharedBudget: budget,

		OnCall:        meters.DigiCertCall,
		OnRetry:       meters.DigiCertRetry,
		OnLimiterWait: meters.LimiterWait,
	})
	if err != nil {
		return &configError{"DIGICERT_BASE_URL", err.Error()}
	}
	locales, err := contacts.DefaultLocales()
	if err != nil {
		return err
	}
	service := contacts.NewService(client, st, locales, logger)
	service.OnAuditEvent(func(k store.AuditKind) { meters.AuditEvent(string(k)) })
	ttl, err := cfg.directoryTTL()
	if err != nil {
		return &configError{"CONTACTDESK_DIRECTORY_TTL", err.Error()}
	}
	ownDomains, err := cfg.ownDomains()
	if err != nil {
		return &configError{"CONTACTDESK_OWN_DOMAINS", err.Error()}
	}
	dir := directory.New(client, st, directory.Options{
		TTL:          ttl,
		Logger:       logger,
		OnAuditEvent: func(k store.AuditKind) { meters.AuditEvent(string(k)) },
		OnRead:       meters.DirectoryRead,
		Leader:       lease,
	})
	service.ObserveReads(dir)
	meters.WatchDirectory(dir.Status)
	adminOver, err := cfg.bulkAdminOver()
	if err != nil {
		return &configError{"CONTACTDESK_BULK_ADMIN_OVER", err.Error()}
	}
	jobs := bulk.New(bulk.Config{Store: st, Contacts: service, AdminOver: adminOver, Logger: logger, Budget: client.Budget})

	passwords, err := store.NewPasswordHasher(store.DefaultPasswordParams(), passwordHashConcurrency)
	if err != nil {
		return err
	}
	proxies, err := cfg.trustedProxies()
	if err != nil {
		return &configError{"CONTACTDESK_TRUSTED_PROXIES", err.Error()}
	}
	assets, err := static.New()
	if err != nil {
		return err
	}
	// The portal listens before the accounts service is made: one-time
	// links are made from the address users reach, which is the listen
	// address when CONTACTDESK_PUBLIC_URL is not set.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return &configError{"CONTACTDESK_ADDR", fmt.Sprintf("cannot listen on %s: %v", cfg.Addr, err)}
	}
	url := "http://" + displayAddr(ln.Addr())
	linkBase := cfg.PublicURL
	if linkBase == "" {
		linkBase = url
	}
	users, err := accounts.NewService(accounts.Config{
		Store: st, Passwords: passwords, BaseURL: linkBase, Logger: logger,
		OnAuditEvent: func(k store.AuditKind) { meters.AuditEvent(string(k)) },
	})
	if err != nil {
		return errors.Join(err, ln.Close())
	}
	ssoClient, err := cfg.ssoClient(linkBase)
	if err != nil {
		return errors.Join(err, ln.Close())
	}
	if ssoClient != nil {
		logger.Info("sign-in with SSO", "issuer", cfg.OIDCIssuer, "redirect_url", linkBase+handlers.SSOCallbackPath,
			"password_signin", cfg.PasswordSignIn)
		discoverIdentityProvider(ctx, ssoClient, logger)
	}
	app := handlers.New(handlers.Config{
		Store:    st,
		Contacts: service,
		Accounts: users,
		Assets:   assets,

		Directory:  dir,
		Bulk:       jobs,
		OwnDomains: ownDomains,
		Logger:     logger,
		Sandbox:    cfg.sandboxMode(),
		Secure:     cfg.secure(),
		Version:    version,

		DigiCertBaseURL: baseURL,
		Passwords:       passwords,
		PublicURL:       cfg.PublicURL,
		TrustedProxies:  proxies,
		Metrics:         meters,

		SSO:            ssoClient,
		SSOButton:      cfg.OIDCButton,
		GroupsClaim:    cfg.OIDCGroupsClaim,
		PasswordSignIn: handlers.PasswordSignIn(cfg.PasswordSignIn),
		Checkpoints:    checkpoints,

		Instance: instance,
		Leading:  lease.Leading,
	})

	srv := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A send may wait for DigiCert through every retry (30 s in all).
		WriteTimeout:   75 * time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	// The setup link is made before anything else runs and before the
	// portal answers or says it is running, so that it works from the
	// moment it is printed and a shutdown requested once the portal runs
	// never finds it half made. A stop asked for while it is made ends
	// the start quietly.
	setupLink, err := users.NewSetupLink(ctx)
	if err != nil {
		err = errors.Join(err, ln.Close())
		if ctx.Err() != nil {
			logger.Info("stopped while starting", "reason", err.Error())
			return nil
		}
		return err
	}

	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, meters, logger)
		if err != nil {
			return errors.Join(err, ln.Close())
		}
		defer stopMetrics()
	}

	// The lease is given up last, once the work run under it stopped.
	defer runUntilStopped(context.WithoutCancel(ctx), lease.Run)()

	go func() {
		syncOrganizations(ctx, service, logger)
		dir.Wake()
	}()
	// Every instance reconciles what was left open at its start (a send
	// in flight elsewhere holds its organization's lock, and is not
	// touched). Then the leader runs the bulk jobs, each term taking over
	// where the last leader stopped, and reconciles again from time to
	// time, for what an instance that stopped for good left open. Both
	// stop before the store closes.
	defer runUntilStopped(ctx, func(ctx context.Context) {
		reconcileSubmissions(ctx, service, logger)
		stopReconciling := runUntilStopped(ctx, func(ctx context.Context) {
			lease.Lead(ctx, func(ctx context.Context) { reconcileEvery(ctx, service, reconcileInterval, logger) })
		})
		defer stopReconciling()
		lease.Lead(ctx, jobs.Run)
	})()
	// The directory stops before the store closes.
	defer runUntilStopped(ctx, dir.Run)()
	// Checkpoints are signed beside the portal, never while a request
	// waits, by the leader; and by every instance at its shutdown, before
	// the store closes, for what it appended (a size signed already is
	// not signed again).
	defer runUntilStopped(context.WithoutCancel(ctx), func(ctx context.Context) {
		lease.Lead(ctx, func(ctx context.Context) { checkpoints.Run(ctx, checkpointInterval) })
		signFinalCheckpoint(checkpoints, logger)
	})()
	go optimizeStore(ctx, st, logger)
	go purgeSessions(ctx, st, sessionPurgeInterval, logger)

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "url", url, "sandbox", cfg.sandboxMode())
	fmt.Fprintf(stdout, "Contact Desk is running at %s\n", url)
	if setupLink != "" {
		logger.Warn("no users yet: open the one-time setup link to create the first admin", "url", setupLink)
		fmt.Fprintf(stdout, "No users yet. Create the first admin at this one-time link:\n  %s\n", setupLink)
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// runUntilStopped runs fn in a goroutine with a context of its own, made
// from ctx, and returns a function that cancels that context and waits
// for fn to return: deferred, it stops work that must end before what it
// uses is closed.
func runUntilStopped(ctx context.Context, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// newCheckpointer loads the key that signs the audit log's checkpoints.
// Without CONTACTDESK_AUDIT_KEY_FILE, a key next to the database is used,
// made on first start; a configured file must exist.
func newCheckpointer(cfg config, st *store.Store, logger *slog.Logger) (*auditlog.Checkpointer, error) {
	path := cfg.auditKeyFile()
	var (
		key     auditlog.Key
		created bool
		err     error
	)
	if cfg.AuditKeyFile != "" {
		key, err = auditlog.LoadKey(path)
	} else {
		key, created, err = auditlog.LoadOrCreateKey(path, checkpointOrigin(cfg))
	}
	if err != nil {
		return nil, &configError{"CONTACTDESK_AUDIT_KEY_FILE", err.Error()}
	}
	if created {
		logger.Warn("created the key that signs the audit log's checkpoints next to the database: "+
			"move it to your secret store and set CONTACTDESK_AUDIT_KEY_FILE; a copy of the database must not hold it",
			"file", path, "public_key", key.PublicKey())
	}
	logger.Info("audit checkpoints signed", "origin", key.Origin(), "public_key", key.PublicKey())
	return auditlog.NewCheckpointer(st, key, logger), nil
}

// checkpointOrigin names the log in the checkpoints of a new key: the
// host users reach, else this machine's name.
func checkpointOrigin(cfg config) string {
	host := "localhost"
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Host != "" {
		host = u.Host
	} else if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, "+ \t") {
		host = h
	}
	return host + "/contactdesk-audit"
}

// startSandbox runs the DigiCert emulator on a loopback port of its own, so
// that sandbox mode goes through the same HTTP client, headers, retries and
// limiter as production. Its key is random: nothing else can use it. With
// the read-only-key option, the key returned is one that may only read.
func startSandbox(logger *slog.Logger, settings sandboxSettings) (baseURL, apiKey string, stop func(), err error) {
	opts := settings.Options
	opts.APIKey = rand.Text()
	apiKey = opts.APIKey
	if settings.readOnlyKey {
		apiKey = rand.Text()
		opts.ReadOnlyKeys = []string{apiKey}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", nil, fmt.Errorf("sandbox: listen: %w", err)
	}
	srv := newSandboxServer(opts, logger)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("sandbox stopped", "error", err.Error())
		}
	}()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			logger.Warn("sandbox shutdown", "error", err.Error())
		}
	}
	return "http://" + ln.Addr().String() + "/services/v2", apiKey, stop, nil
}

// serveMetrics serves /metrics, without sign-in, for a Prometheus scraper
// on a network of its own, and Go's profiles under /debug/pprof/ to
// clients on the same host. The returned func stops it.
func serveMetrics(addr string, meters *metrics.Metrics, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, &configError{"CONTACTDESK_METRICS_ADDR", fmt.Sprintf("cannot listen on %s: %v", addr, err)}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", meters.Handler())
	// Profiles answer only on loopback: a CPU profile or trace keeps a
	// core busy for as long as asked. The command line, which may hold
	// --api-key, is not served.
	mux.Handle("GET /debug/pprof/", loopbackOnly(http.HandlerFunc(pprof.Index)))
	mux.Handle("GET /debug/pprof/profile", loopbackOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("GET /debug/pprof/symbol", loopbackOnly(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("GET /debug/pprof/trace", loopbackOnly(http.HandlerFunc(pprof.Trace)))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// A CPU profile or trace answers after the seconds it was asked
		// for (30 by default).
		WriteTimeout: 2 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics listener stopped", "error", err.Error())
		}
	}()
	logger.Info("metrics listening", "url", "http://"+displayAddr(ln.Addr())+"/metrics")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			logger.Warn("metrics listener shutdown", "error", err.Error())
		}
	}, nil
}

// loopbackOnly answers 403 to clients not on this host.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "profiles are served to this host only", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// syncOrganizations fills the organization cache at start-up. A failure is
// logged, not fatal: the cache keeps its previous content and the Refresh
// button tries again.
func syncOrganizations(ctx context.Context, service *contacts.Service, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, startupSyncTimeout)
	defer cancel()
	n, err := service.SyncOrganizations(ctx)
	if err != nil {
		logger.Warn("organization list not refreshed at start-up", "reason", contacts.DescribeUpstreamError(err), "error", err.Error())
		return
	}
	logger.Info("organization list refreshed", "organizations", n)
}

// reconcileInterval is how often the leader reconciles the submissions an
// instance that stopped left open.
const reconcileInterval = time.Minute

// reconcileEvery reconciles the open submissions every interval until ctx
// ends.
func reconcileEvery(ctx context.Context, service *contacts.Service, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			reconcileSubmissions(ctx, service, logger)
		}
	}
}

// signFinalCheckpoint signs what the log holds at shutdown, within a bound
// of its own.
func signFinalCheckpoint(checkpoints *auditlog.Checkpointer, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := checkpoints.Sign(ctx); err != nil && !errors.Is(err, store.ErrNotFound) {
		logger.Warn("audit checkpoint not signed at shutdown", "error", err.Error())
	}
}

// logLeadership logs each change of leadership among the instances
// sharing the database.
func logLeadership(logger *slog.Logger) func(leading bool, err error) {
	return func(leading bool, err error) {
		switch {
		case leading:
			logger.Info("leading: this instance runs the directory's worker, checkpoint signing and reconciliation")
		case err != nil:
			logger.Warn("no longer leading: another instance takes over the background work", "error", err.Error())
		default:
			logger.Info("no longer leading")
		}
	}
}

// reconcileSubmissions records what DigiCert now holds for every submission
// whose outcome was never recorded (the process died while it was in
// flight). Nothing is re-sent. A submission DigiCert cannot be asked about
// now stays pending for the next start.
func reconcileSubmissions(ctx context.Context, service *contacts.Service, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, startupSyncTimeout)
	defer cancel()
	n, err := service.Reconcile(ctx)
	if err != nil {
		logger.Error("reconcile pending submissions", "reconciled", n, "error", err.Error())
		return
	}
	if n > 0 {
		logger.Warn("reconciled submissions whose outcome was unknown", "reconciled", n)
	}
}

// ssoClient returns the client of the identity provider, or nil when
// sign-in with SSO is off. Browsers come back to the callback under base,
// the address users reach.
func (c config) ssoClient(base string) (*sso.Client, error) {
	if c.OIDCIssuer == "" {
		return nil, nil
	}
	secret, err := c.oidcClientSecret()
	if err != nil {
		return nil, &configError{"CONTACTDESK_OIDC_CLIENT_SECRET_FILE", err.Error()}
	}
	client, err := sso.New(sso.Config{
		Issuer:       c.OIDCIssuer,
		ClientID:     c.OIDCClientID,
		ClientSecret: secret,
		Scopes:       sso.ParseScopes(c.OIDCScopes),
		GroupsClaim:  c.OIDCGroupsClaim,
		RedirectURL:  strings.TrimSuffix(base, "/") + handlers.SSOCallbackPath,
	})
	if err != nil {
		return nil, &configError{"CONTACTDESK_OIDC_ISSUER", err.Error()}
	}
	return client, nil
}

// discoveryRetryInterval is how often discovery of an identity provider
// that could not be reached at start is tried again.
const discoveryRetryInterval = 30 * time.Second

// discoverIdentityProvider reads the identity provider's discovery
// document at start. When the provider cannot be reached or is
// misconfigured, the portal starts all the same, so that password
// sign-in (the break-glass administrator) keeps working: one clear error
// line says so, and discovery is tried again in the background (and at
// every press of the SSO button) until it succeeds.
func discoverIdentityProvider(ctx context.Context, client *sso.Client, logger *slog.Logger) {
	try := func() error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return client.Discover(ctx)
	}
	err := try()
	if err == nil {
		return
	}
	logger.Error("identity provider not reachable or misconfigured: sign-in with SSO fails until it answers; password sign-in works as CONTACTDESK_PASSWORD_SIGNIN says; retrying every 30s",
		"variable", "CONTACTDESK_OIDC_ISSUER", "issuer", client.Issuer(), "error", err.Error())
	go func() {
		ticker := time.NewTicker(discoveryRetryInterval)
		defer ticker.Stop()
		for !client.Ready() {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			if err := try(); err == nil {
				logger.Info("identity provider reached: sign-in with SSO works", "issuer", client.Issuer())
				return
			}
		}
	}()
}

// optimizeInterval is how often a running portal has SQLite refresh the
// statistics its query planner chooses indexes by (see store.Optimize,
// which Open runs too). It is cheap when little has changed, and the
// audit log grows slowly.
const optimizeInterval = time.Hour

// optimizeStore refreshes the planner's statistics every optimizeInterval
// until ctx ends.
func optimizeStore(ctx context.Context, st *store.Store, logger *slog.Logger) {
	ticker := time.NewTicker(optimizeInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := st.Optimize(ctx); err != nil && ctx.Err() == nil {
				logger.Warn("query planner statistics not refreshed", "error", err.Error())
			}
		}
	}
}

// sessionPurgeInterval is how often sessions past their end are deleted.
// An ended session opens nothing meanwhile: it is checked on every request.
const sessionPurgeInterval = 10 * time.Minute

// purgeSessions deletes the sessions past their end at start and then
// every interval, until ctx ends. A failure is logged; the next round
// tries again.
func purgeSessions(ctx context.Context, st *store.Store, interval time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		n, err := st.PurgeSessions(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			logger.Warn("ended sessions not purged", "error", err.Error())
		case n > 0:
			logger.Info("purged ended sessions", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// passwordHashConcurrency caps the argon2id hashes running at once: each
// takes 19 MiB and tens of milliseconds of a core, so a burst of sign-ins
// queues instead of exhausting memory.
const passwordHashConcurrency = 2

// displayAddr turns a listen address into one a browser can open.
func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return fmt.Sprintf("localhost:%d", port)
	}
	return tcp.String()
}

// newLogger writes text or JSON lines; a line logged with a request's
// context carries its request_id.
func newLogger(format string, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(handlers.LogHandler(h))
}

func closeLogged(logger *slog.Logger, what string, close func() error) {
	if err := close(); err != nil {
		logger.Error("close "+what, "error", err.Error())
	}
}
