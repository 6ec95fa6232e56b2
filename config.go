package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/digicert"
	"github.com/contactdesk/contactdesk/sandbox"
)

// defaultBaseURL is DigiCert's US endpoint; EU accounts set DIGICERT_BASE_URL.
const defaultBaseURL = "https://www.digicert.com/services/v2"

// config is everything serve needs from the environment and its flags.
type config struct {
	Addr      string
	DB        string
	PublicURL string
	APIKey    string
	BaseURL   string
	LogFormat string
	// TrustedProxies lists, comma-separated, the networks (CIDRs or single
	// addresses) of reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies string
	// MetricsAddr, when set, is a second listen address serving /metrics
	// for a Prometheus scraper and Go's profiles, without sign-in.
	MetricsAddr string
	// Sandbox lists, comma-separated, options of the built-in emulator in
	// sandbox mode (see sandboxOptions).
	Sandbox string
	// DirectoryTTL is how old the directory's read of an organization may
	// grow before it is read again, in Go's duration syntax.
	DirectoryTTL string
	// OwnDomains lists, comma-separated, the email domains of the
	// company: contacts elsewhere can be listed apart.
	OwnDomains string
	// SandboxRate and SandboxOrganizations shape the built-in sandbox:
	// its rate windows (which the client then keeps to) and how many
	// organizations it holds. Sandbox mode only; for tests.
	SandboxRate          string
	SandboxOrganizations string
	// DigiCertRate is the rate windows the client keeps to with a real
	// key: DigiCert's documented limits unless lowered (or raised for an
	// account whose limits DigiCert raised).
	DigiCertRate string
	// BulkAdminOver is how many organizations a bulk change may send to
	// before an admin must start it.
	BulkAdminOver string

	// OIDCIssuer, when set, turns on sign-in with the company's identity
	// provider through OpenID Connect; the other OIDC fields configure
	// it. The client secret is read from the file OIDCClientSecretFile
	// names, never given as a value.
	OIDCIssuer           string
	OIDCClientID         string
	OIDCClientSecretFile string
	OIDCScopes           string
	OIDCGroupsClaim      string
	OIDCButton           string
	// PasswordSignIn says who may sign in with a password: all, admins
	// or none.
	PasswordSignIn string

	// AuditKeyFile is the file holding the key that signs the audit
	// log's checkpoints; empty: audit-checkpoint.key next to the database.
	AuditKeyFile string
	// AuditCheckpointInterval is how often a checkpoint is signed while
	// the log grows, in Go's duration syntax.
	AuditCheckpointInterval string
	// MemoryLimit is the soft limit of the Go runtime's memory, as a
	// number of MiB or GiB ("48MiB"), or "off"; see memoryLimit.
	MemoryLimit string
	// Instance names this portal process among those sharing a
	// PostgreSQL database: in /readyz and the database's list of
	// sessions (empty: the host's name), and, when set, as a label of
	// every metric.
	Instance string
}

// sandboxMode reports whether the portal runs against the built-in emulator.
func (c config) sandboxMode() bool { return c.APIKey == "" }

// secure reports whether users reach the portal over https, which turns on
// Secure cookies and HSTS.
func (c config) secure() bool { return strings.HasPrefix(c.PublicURL, "https://") }

// configError is a bad configuration value: one line naming the variable and
// the problem. It makes the process exit with status 2.
// defaultDB is CONTACTDESK_DB when it is not set.
const defaultDB = "data/contactdesk.db"

type configError struct {
	Variable string
	Problem  string
}

func (e *configError) Error() string { return e.Variable + ": " + e.Problem }

// setting ties one configuration field to its variable and flag.
type setting struct {
	variable string
	flag     string
	def      string
	usage    string
	field    func(*config) *string
}

var settings = []setting{
	{"CONTACTDESK_ADDR", "addr", "127.0.0.1:8080", "listen address", func(c *config) *string { return &c.Addr }},
	{"CONTACTDESK_DB", "db", defaultDB, "SQLite database file (its folder is created), or a postgres:// URL", func(c *config) *string { return &c.DB }},
	{"CONTACTDESK_PUBLIC_URL", "public-url", "", "the URL users reach; https:// turns on Secure cookies and HSTS", func(c *config) *string { return &c.PublicURL }},
	{"DIGICERT_API_KEY", "api-key", "", "DigiCert API key; empty runs against the built-in sandbox", func(c *config) *string { return &c.APIKey }},
	{"DIGICERT_BASE_URL", "base-url", defaultBaseURL, "DigiCert Services API base URL", func(c *config) *string { return &c.BaseURL }},
	{"CONTACTDESK_LOG_FORMAT", "log-format", "text", "log format: text or json", func(c *config) *string { return &c.LogFormat }},
	{"CONTACTDESK_TRUSTED_PROXIES", "trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For gives the client address; empty: the socket's address", func(c *config) *string { return &c.TrustedProxies }},
	{"CONTACTDESK_SANDBOX", "sandbox", "", "sandbox mode only: comma-separated options of the built-in DigiCert emulator: read-only-key (Contact Desk's key may read but not change contacts), omit-technical-contact (reads leave technical_contact out, as DigiCert's documented answer does)", func(c *config) *string { return &c.Sandbox }},
	{"CONTACTDESK_METRICS_ADDR", "metrics-addr", "", "listen address of a separate /metrics endpoint for Prometheus, and /debug/pprof/ for clients on this host, without sign-in; empty: /metrics only for signed-in admins, no profiles", func(c *config) *string { return &c.MetricsAddr }},
	{"CONTACTDESK_DIRECTORY_TTL", "directory-ttl", "24h", "how old the directory's read of an organization may grow before it is read again", func(c *config) *string { return &c.DirectoryTTL }},
	{"CONTACTDESK_OWN_DOMAINS", "own-domains", "", "comma-separated email domains of the company (subdomains included); the People page can list contacts outside them", func(c *config) *string { return &c.OwnDomains }},
	{"CONTACTDESK_SANDBOX_RATE", "sandbox-rate", "100/5s,1000/5m", "sandbox mode only, for tests: the built-in sandbox's rate windows, which the client keeps to", func(c *config) *string { return &c.SandboxRate }},
	{"CONTACTDESK_AUDIT_KEY_FILE", "audit-key-file", "", "file holding the Ed25519 key that signs the audit log's checkpoints; empty: audit-checkpoint.key next to the database, created on first start", func(c *config) *string { return &c.AuditKeyFile }},
	{"CONTACTDESK_AUDIT_CHECKPOINT_INTERVAL", "audit-checkpoint-interval", "5m", "how often a checkpoint of the audit log is signed while the log grows (and always at shutdown)", func(c *config) *string { return &c.AuditCheckpointInterval }},
	{"CONTACTDESK_SANDBOX_ORGANIZATIONS", "sandbox-organizations", "0", "sandbox mode only, for tests: how many organizations the built-in sandbox holds; 0: its sixty-odd", func(c *config) *string { return &c.SandboxOrganizations }},
	{"CONTACTDESK_DIGICERT_RATE", "digicert-rate", defaultDigiCertRate, "with DIGICERT_API_KEY: the rate windows the client keeps to, limit/period pairs; DigiCert's documented limits by default: lower them to leave room for other clients of the same key", func(c *config) *string { return &c.DigiCertRate }},
	{"CONTACTDESK_MEMORY_LIMIT", "memory-limit", defaultMemoryLimit, "soft limit of the Go runtime's memory (heap, stacks), like 48MiB or 1GiB, or off; the garbage collector works harder near it. GOMEMLIMIT in the environment wins over the default", func(c *config) *string { return &c.MemoryLimit }},
	{"CONTACTDESK_BULK_ADMIN_OVER", "bulk-admin-over", "50", "a bulk change of more organizations than this needs an admin to start it", func(c *config) *string { return &c.BulkAdminOver }},
	{"CONTACTDESK_OIDC_ISSUER", "oidc-issuer", "", "issuer URL of the company's OpenID Connect identity provider; empty: no sign-in with SSO", func(c *config) *string { return &c.OIDCIssuer }},
	{"CONTACTDESK_OIDC_CLIENT_ID", "oidc-client-id", "", "Contact Desk's client id at the identity provider", func(c *config) *string { return &c.OIDCClientID }},
	{"CONTACTDESK_OIDC_CLIENT_SECRET_FILE", "oidc-client-secret-file", "", "file holding Contact Desk's client secret at the identity provider", func(c *config) *string { return &c.OIDCClientSecretFile }},
	{"CONTACTDESK_OIDC_SCOPES", "oidc-scopes", "openid email profile", "space-separated scopes asked for at sign-in with SSO (Okta: add groups; add offline_access for sessions longer than the access token)", func(c *config) *string { return &c.OIDCScopes }},
	{"CONTACTDESK_OIDC_GROUPS_CLAIM", "oidc-groups-claim", "groups", "the claim that lists a person's groups", func(c *config) *string { return &c.OIDCGroupsClaim }},
	{"CONTACTDESK_OIDC_BUTTON", "oidc-button", "Sign in with SSO", "the name of the sign-in button of the identity provider", func(c *config) *string { return &c.OIDCButton }},
	{"CONTACTDESK_PASSWORD_SIGNIN", "password-signin", "all", "who may sign in with a password: all, admins (a break-glass administrator beside SSO) or none", func(c *config) *string { return &c.PasswordSignIn }},
	{"CONTACTDESK_INSTANCE", "instance", "", "the name of this portal process among several sharing a PostgreSQL database, in /readyz and, when set, as the label instance_name of every metric; empty: the host's name, and no label", func(c *config) *string { return &c.Instance }},
}

// defaultDigiCertRate is DigiCert's documented limits per API key.
const defaultDigiCertRate = "100/5s,1000/5m"

// bindConfig registers one flag per setting on fs. The returned function,
// called after fs.Parse, resolves each value (flag, else variable, else
// default) and validates the whole.
func bindConfig(fs *flag.FlagSet, env func(string) string) func() (config, error) {
	values := make([]*string, len(settings))
	for i, s := range settings {
		values[i] = fs.String(s.flag, "", s.usage+" (env "+s.variable+", default "+strconv.Quote(s.def)+")")
	}
	return func() (config, error) {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		var c config
		for i, s := range settings {
			v := s.def
			if e := env(s.variable); e != "" {
				v = e
			}
			if set[s.flag] {
				v = *values[i]
			}
			*s.field(&c) = strings.TrimSpace(v)
		}
		return c, c.validate()
	}
}

// validate checks every value, returning a *configError for the first bad one.
func (c config) validate() error {
	if err := checkListenAddr(c.Addr); err != nil {
		return &configError{"CONTACTDESK_ADDR", err.Error()}
	}
	if err := checkDBLocation(c.DB); err != nil {
		return &configError{"CONTACTDESK_DB", err.Error()}
	}
	if isDatabaseURL(c.DB) && c.AuditKeyFile == "" {
		// The key file has no database folder to live in: its default
		// folder is made here instead.
		if err := checkDBPath(c.auditKeyFile()); err != nil {
			return &configError{"CONTACTDESK_AUDIT_KEY_FILE", err.Error()}
		}
	}
	if c.PublicURL != "" {
		if err := checkHTTPURL(c.PublicURL); err != nil {
			return &configError{"CONTACTDESK_PUBLIC_URL", err.Error()}
		}
	}
	if strings.ContainsAny(c.APIKey, " \t\r\n") {
		return &configError{"DIGICERT_API_KEY", "must not contain white space"}
	}
	if err := checkHTTPURL(c.BaseURL); err != nil {
		return &configError{"DIGICERT_BASE_URL", err.Error()}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return &configError{"CONTACTDESK_LOG_FORMAT", fmt.Sprintf("%q is not text or json", c.LogFormat)}
	}
	if _, err := c.trustedProxies(); err != nil {
		return &configError{"CONTACTDESK_TRUSTED_PROXIES", err.Error()}
	}
	if c.MetricsAddr != "" {
		if err := checkListenAddr(c.MetricsAddr); err != nil {
			return &configError{"CONTACTDESK_METRICS_ADDR", err.Error()}
		}
	}
	if _, err := c.directoryTTL(); err != nil {
		return &configError{"CONTACTDESK_DIRECTORY_TTL", err.Error()}
	}
	if _, err := c.auditCheckpointInterval(); err != nil {
		return &configError{"CONTACTDESK_AUDIT_CHECKPOINT_INTERVAL", err.Error()}
	}
	if _, err := c.ownDomains(); err != nil {
		return &configError{"CONTACTDESK_OWN_DOMAINS", err.Error()}
	}
	if _, err := c.bulkAdminOver(); err != nil {
		return &configError{"CONTACTDESK_BULK_ADMIN_OVER", err.Error()}
	}
	if _, err := c.memoryLimit(); err != nil {
		return &configError{"CONTACTDESK_MEMORY_LIMIT", err.Error()}
	}
	if _, err := c.digicertRate(); err != nil {
		return err
	}
	if _, err := c.instance(); err != nil {
		return &configError{"CONTACTDESK_INSTANCE", err.Error()}
	}
	if err := c.validateOIDC(); err != nil {
		return err
	}
	return c.validateSandbox()
}

// defaultMemoryLimit keeps the portal's resident memory under 64 MiB
// under load: the Go runtime's share, below this, beside SQLite's page
// caches and the program itself (BENCHMARKS.md).
const defaultMemoryLimit = "40MiB"

// memoryLimit parses MemoryLimit into bytes: a whole number of MiB or GiB,
// at least 16MiB, or "off" for no limit (math.MaxInt64, the runtime's own
// default).
func (c config) memoryLimit() (int64, error) {
	if c.MemoryLimit == "off" {
		return math.MaxInt64, nil
	}
	unit := int64(1 << 20)
	number, ok := strings.CutSuffix(c.MemoryLimit, "MiB")
	if !ok {
		if number, ok = strings.CutSuffix(c.MemoryLimit, "GiB"); ok {
			unit = 1 << 30
		}
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if !ok || err != nil || n < 1 || n > 1<<20 || n*unit < 16<<20 {
		return 0, fmt.Errorf("%q is not off or a whole number of MiB or GiB from 16MiB, like 48MiB", c.MemoryLimit)
	}
	return n * unit, nil
}

// bulkAdminOver parses BulkAdminOver: a whole number of at least 1.
func (c config) bulkAdminOver() (int, error) {
	n, err := strconv.Atoi(c.BulkAdminOver)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, fmt.Errorf("%q is not a whole number from 1 to 1000000", c.BulkAdminOver)
	}
	return n, nil
}

// digicertRate parses DigiCertRate into the client's windows. In sandbox
// mode the sandbox's windows govern, and the setting must be left alone.
func (c config) digicertRate() ([]digicert.RateWindow, error) {
	windows, err := sandbox.ParseWindows(c.DigiCertRate)
	if err != nil {
		return nil, &configError{"CONTACTDESK_DIGICERT_RATE", err.Error()}
	}
	if c.sandboxMode() && c.DigiCertRate != defaultDigiCertRate {
		return nil, &configError{"CONTACTDESK_DIGICERT_RATE", "applies only with DIGICERT_API_KEY; in sandbox mode set CONTACTDESK_SANDBOX_RATE"}
	}
	out := make([]digicert.RateWindow, len(windows))
	for i, w := range windows {
		out[i] = digicert.RateWindow{Limit: w.Limit, Per: w.Per}
	}
	return out, nil
}

// instance returns the name of this portal process: Instance, else the
// host's name (in a container, the container's). It is a label value
// and part of a PostgreSQL session's name, so it is kept to at most 63
// letters, digits and . _ -.
func (c config) instance() (string, error) {
	name := c.Instance
	if name == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			return "contactdesk", nil
		}
		name = host
		if len(name) > 63 {
			name = name[:63]
		}
	}
	if len(name) > 63 {
		return "", fmt.Errorf("%q is longer than 63 characters", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return "", fmt.Errorf("%q may hold only letters, digits and . _ -", name)
		}
	}
	return name, nil
}

// validateSandbox checks the sandbox's options, which only sandbox mode
// may change.
func (c config) validateSandbox() error {
	if _, err := c.sandboxOptions(); err != nil {
		return err
	}
	if c.sandboxMode() {
		return nil
	}
	for _, s := range settings {
		if s.variable == "CONTACTDESK_SANDBOX_RATE" || s.variable == "CONTACTDESK_SANDBOX_ORGANIZATIONS" {
			if v := *s.field(&c); v != s.def {
				return &configError{s.variable, "applies only in sandbox mode, and DIGICERT_API_KEY is set"}
			}
		}
	}
	return nil
}

// sandboxSettings are the options of the built-in emulator in sandbox
// mode.
type sandboxSettings struct {
	// Options holds the rate windows, the number of organizations and
	// whether reads leave the technical contact out.
	sandbox.Options
	// readOnlyKey gives Contact Desk a key that may read organizations but
	// gets 403 access_denied|missing_permission on the contact PUT.
	readOnlyKey bool
}

// sandboxOptions parses Sandbox, SandboxRate and SandboxOrganizations.
// Options are refused outside sandbox mode, where they would silently do
// nothing. The sandbox's key is chosen at start.
func (c config) sandboxOptions() (sandboxSettings, error) {
	var s sandboxSettings
	windows, err := sandbox.ParseWindows(c.SandboxRate)
	if err != nil {
		return s, &configError{"CONTACTDESK_SANDBOX_RATE", err.Error()}
	}
	n, err := c.sandboxOrganizations()
	if err != nil {
		return s, &configError{"CONTACTDESK_SANDBOX_ORGANIZATIONS", err.Error()}
	}
	s.Windows, s.Organizations = windows, n
	for _, part := range strings.Split(c.Sandbox, ",") {
		switch strings.TrimSpace(part) {
		case "":
		case "read-only-key":
			s.readOnlyKey = true
		case "omit-technical-contact":
			s.OmitTechnicalContact = true
		default:
			return s, &configError{"CONTACTDESK_SANDBOX", fmt.Sprintf("%q is not an option: use read-only-key or omit-technical-contact", strings.TrimSpace(part))}
		}
	}
	if (s.readOnlyKey || s.OmitTechnicalContact) && !c.sandboxMode() {
		return s, &configError{"CONTACTDESK_SANDBOX", "applies only in sandbox mode, without DIGICERT_API_KEY"}
	}
	return s, nil
}

// sandboxOrganizations returns how many organizations the built-in
// sandbox starts with.
func (c config) sandboxOrganizations() (int, error) {
	n, err := strconv.Atoi(c.SandboxOrganizations)
	if err != nil || n < 0 || n > 1_000_000 {
		return 0, fmt.Errorf("%q is not a whole number from 0 to 1000000", c.SandboxOrganizations)
	}
	return n, nil
}

// auditCheckpointInterval parses AuditCheckpointInterval: at least a
// second.
func (c config) auditCheckpointInterval() (time.Duration, error) {
	d, err := time.ParseDuration(c.AuditCheckpointInterval)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 5m", c.AuditCheckpointInterval)
	}
	if d < time.Second {
		return 0, fmt.Errorf("%s is shorter than 1s", d)
	}
	return d, nil
}

// auditKeyFile is the checkpoint key's file: AuditKeyFile, or the file
// next to the database file; with a database URL, in the default
// database's folder, data/.
func (c config) auditKeyFile() string {
	if c.AuditKeyFile != "" {
		return c.AuditKeyFile
	}
	if isDatabaseURL(c.DB) {
		return auditlog.DefaultKeyFile(defaultDB)
	}
	return auditlog.DefaultKeyFile(c.DB)
}

// directoryTTL parses DirectoryTTL: at least a minute.
func (c config) directoryTTL() (time.Duration, error) {
	d, err := time.ParseDuration(c.DirectoryTTL)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("%q is not a duration of a minute or more, like 24h", c.DirectoryTTL)
	}
	return d, nil
}

// ownDomains parses OwnDomains into lower-case domain names.
func (c config) ownDomains() ([]string, error) {
	var domains []string
	for part := range strings.SplitSeq(c.OwnDomains, ",") {
		d := strings.ToLower(strings.TrimSpace(part))
		if d == "" {
			continue
		}
		if strings.ContainsAny(d, "@/ ") || !strings.Contains(d, ".") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
			return nil, fmt.Errorf("%q is not a domain name like example.com", part)
		}
		domains = append(domains, d)
	}
	return domains, nil
}

// trustedProxies parses TrustedProxies: CIDRs, or single addresses taken
// as /32 or /128, separated by commas.
func (c config) trustedProxies() ([]*net.IPNet, error) {
	var nets []*net.IPNet
	for _, part := range strings.Split(c.TrustedProxies, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if ip := net.ParseIP(part); ip != nil {
			bits := 8 * net.IPv6len
			if ip.To4() != nil {
				ip, bits = ip.To4(), 8*net.IPv4len
			}
			nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR network", part)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

func checkListenAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not a host:port address", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has no valid port (0 to 65535)", addr)
	}
	if host != "" && host != "localhost" && net.ParseIP(host) == nil {
		return fmt.Errorf("%q: host must be an IP address, localhost or empty", addr)
	}
	return nil
}

// isDatabaseURL reports whether CONTACTDESK_DB is a URL (postgres://…)
// rather than the path of a database file.
func isDatabaseURL(db string) bool { return strings.Contains(db, "://") }

// checkDBLocation checks a database file's path (checkDBPath); a URL is
// checked when the store connects.
func checkDBLocation(db string) error {
	if isDatabaseURL(db) {
		return nil
	}
	return checkDBPath(db)
}

// checkDBPath creates the database folder and proves it writable, so that a
// bad path fails at start-up with its name rather than at the first write.
func checkDBPath(path string) error {
	if path == "" {
		return errors.New("must not be empty")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create folder %s: %v", dir, unwrapPathError(err))
	}
	f, err := os.CreateTemp(dir, ".contactdesk-write-check-*")
	if err != nil {
		return fmt.Errorf("folder %s is not writable: %v", dir, unwrapPathError(err))
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		return fmt.Errorf("folder %s is not writable: %v", dir, err)
	}
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("folder %s: %v", dir, err)
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return fmt.Errorf("%s is a folder, not a file", path)
	}
	return nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q is not an absolute http or https URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not carry credentials, a query or a fragment", raw)
	}
	return nil
}

// validateOIDC checks the settings of sign-in with SSO. They mean
// something only with an issuer; passwords may be limited only when
// people can sign in with SSO instead.
func (c config) validateOIDC() error {
	switch c.PasswordSignIn {
	case "all", "admins", "none":
	default:
		return &configError{"CONTACTDESK_PASSWORD_SIGNIN", fmt.Sprintf("%q is not all, admins or none", c.PasswordSignIn)}
	}
	if c.OIDCIssuer == "" {
		for _, s := range settings {
			if strings.HasPrefix(s.variable, "CONTACTDESK_OIDC_") && *s.field(&c) != s.def {
				return &configError{s.variable, "applies only with CONTACTDESK_OIDC_ISSUER set"}
			}
		}
		if c.PasswordSignIn != "all" {
			return &configError{"CONTACTDESK_PASSWORD_SIGNIN", "only all is possible without CONTACTDESK_OIDC_ISSUER: nobody could sign in otherwise"}
		}
		return nil
	}
	if err := checkIssuerURL(c.OIDCIssuer); err != nil {
		return &configError{"CONTACTDESK_OIDC_ISSUER", err.Error()}
	}
	if c.OIDCClientID == "" {
		return &configError{"CONTACTDESK_OIDC_CLIENT_ID", "must be set with CONTACTDESK_OIDC_ISSUER"}
	}
	if _, err := c.oidcClientSecret(); err != nil {
		return &configError{"CONTACTDESK_OIDC_CLIENT_SECRET_FILE", err.Error()}
	}
	if !slices.Contains(strings.Fields(c.OIDCScopes), "openid") {
		return &configError{"CONTACTDESK_OIDC_SCOPES", fmt.Sprintf("%q must include openid", c.OIDCScopes)}
	}
	if c.OIDCGroupsClaim == "" || strings.ContainsFunc(c.OIDCGroupsClaim, unicode.IsSpace) {
		return &configError{"CONTACTDESK_OIDC_GROUPS_CLAIM", fmt.Sprintf("%q is not a claim name", c.OIDCGroupsClaim)}
	}
	if c.OIDCButton == "" || utf8.RuneCountInString(c.OIDCButton) > 60 {
		return &configError{"CONTACTDESK_OIDC_BUTTON", "must be 1 to 60 characters"}
	}
	return nil
}

// oidcClientSecret reads the client secret from its file: the file's
// content without surrounding white space, which must not be empty.
func (c config) oidcClientSecret() (string, error) {
	if c.OIDCClientSecretFile == "" {
		return "", errors.New("must name the file holding the client secret")
	}
	b, err := os.ReadFile(c.OIDCClientSecretFile)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %v", c.OIDCClientSecretFile, unwrapPathError(err))
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", fmt.Errorf("%s is empty", c.OIDCClientSecretFile)
	}
	return secret, nil
}

// checkIssuerURL accepts an https URL, or http to this host only (a
// provider run for tests or development): tokens must not cross a
// network in the clear.
func checkIssuerURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an absolute https URL without credentials, query or fragment", raw)
	}
	if u.Scheme == "http" {
		host := u.Hostname()
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("%q must use https (http is accepted only for localhost)", raw)
		}
	}
	return nil
}
