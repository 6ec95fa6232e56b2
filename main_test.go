package main

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// envMap turns a map into the env function run takes.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o500); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(dir, "file")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "db", "cd.db")
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		variable string
	}{
		{"address without port", map[string]string{"CONTACTDESK_ADDR": "localhost"}, nil, "CONTACTDESK_ADDR"},
		{"address with bad port", map[string]string{"CONTACTDESK_ADDR": "127.0.0.1:99999"}, nil, "CONTACTDESK_ADDR"},
		{"address with host name", map[string]string{"CONTACTDESK_ADDR": "example.com:80"}, nil, "CONTACTDESK_ADDR"},
		{"flag address", nil, []string{"serve", "--addr", "nonsense"}, "CONTACTDESK_ADDR"},
		{"database folder is a file", map[string]string{"CONTACTDESK_DB": filepath.Join(aFile, "x.db")}, nil, "CONTACTDESK_DB"},
		{"database is a folder", map[string]string{"CONTACTDESK_DB": dir}, nil, "CONTACTDESK_DB"},
		{"base URL not absolute", map[string]string{"DIGICERT_BASE_URL": "www.digicert.com/services/v2"}, nil, "DIGICERT_BASE_URL"},
		{"base URL wrong scheme", map[string]string{"DIGICERT_BASE_URL": "ftp://example.com/"}, nil, "DIGICERT_BASE_URL"},
		{"base URL with credentials", map[string]string{"DIGICERT_BASE_URL": "https://u:p@example.com/"}, nil, "DIGICERT_BASE_URL"},
		{"public URL malformed", map[string]string{"CONTACTDESK_PUBLIC_URL": "://"}, nil, "CONTACTDESK_PUBLIC_URL"},
		{"log format", map[string]string{"CONTACTDESK_LOG_FORMAT": "xml"}, nil, "CONTACTDESK_LOG_FORMAT"},
		{"api key with space", map[string]string{"DIGICERT_API_KEY": "a b"}, nil, "DIGICERT_API_KEY"},
		{"directory TTL", map[string]string{"CONTACTDESK_DIRECTORY_TTL": "1s"}, nil, "CONTACTDESK_DIRECTORY_TTL"},
		{"own domains", map[string]string{"CONTACTDESK_OWN_DOMAINS": "example.com,@x"}, nil, "CONTACTDESK_OWN_DOMAINS"},
		{"sandbox rate", map[string]string{"CONTACTDESK_SANDBOX_RATE": "100 per 5s"}, nil, "CONTACTDESK_SANDBOX_RATE"},
		{"sandbox organizations", map[string]string{"CONTACTDESK_SANDBOX_ORGANIZATIONS": "-1"}, nil, "CONTACTDESK_SANDBOX_ORGANIZATIONS"},
		{"sandbox rate with a key", map[string]string{"DIGICERT_API_KEY": "k", "CONTACTDESK_SANDBOX_RATE": "10/1s"}, nil, "CONTACTDESK_SANDBOX_RATE"},
		{"sandbox command rate", nil, []string{"sandbox", "--rate", "10"}, "--rate"},
		{"bulk admin over zero", map[string]string{"CONTACTDESK_BULK_ADMIN_OVER": "0"}, nil, "CONTACTDESK_BULK_ADMIN_OVER"},
		{"bulk admin over not a number", map[string]string{"CONTACTDESK_BULK_ADMIN_OVER": "fifty"}, nil, "CONTACTDESK_BULK_ADMIN_OVER"},
		{"memory limit without a unit", map[string]string{"CONTACTDESK_MEMORY_LIMIT": "48"}, nil, "CONTACTDESK_MEMORY_LIMIT"},
		{"memory limit too small", map[string]string{"CONTACTDESK_MEMORY_LIMIT": "8MiB"}, nil, "CONTACTDESK_MEMORY_LIMIT"},
		{"DigiCert rate malformed", map[string]string{"DIGICERT_API_KEY": "k", "CONTACTDESK_DIGICERT_RATE": "100 per 5s"}, nil, "CONTACTDESK_DIGICERT_RATE"},
		{"DigiCert rate in sandbox mode", map[string]string{"CONTACTDESK_DIGICERT_RATE": "10/1s"}, nil, "CONTACTDESK_DIGICERT_RATE"},
		{"OIDC issuer over plain http", map[string]string{"CONTACTDESK_OIDC_ISSUER": "http://id.example.com", "CONTACTDESK_OIDC_CLIENT_ID": "c", "CONTACTDESK_OIDC_CLIENT_SECRET_FILE": secretFile}, nil, "CONTACTDESK_OIDC_ISSUER"},
		{"OIDC without client id", map[string]string{"CONTACTDESK_OIDC_ISSUER": "https://id.example.com", "CONTACTDESK_OIDC_CLIENT_SECRET_FILE": secretFile}, nil, "CONTACTDESK_OIDC_CLIENT_ID"},
		{"OIDC secret file missing", map[string]string{"CONTACTDESK_OIDC_ISSUER": "https://id.example.com", "CONTACTDESK_OIDC_CLIENT_ID": "c", "CONTACTDESK_OIDC_CLIENT_SECRET_FILE": filepath.Join(dir, "none")}, nil, "CONTACTDESK_OIDC_CLIENT_SECRET_FILE"},
		{"OIDC secret file empty", map[string]string{"CONTACTDESK_OIDC_ISSUER": "https://id.example.com", "CONTACTDESK_OIDC_CLIENT_ID": "c", "CONTACTDESK_OIDC_CLIENT_SECRET_FILE": aFile}, nil, "CONTACTDESK_OIDC_CLIENT_SECRET_FILE"},
		{"OIDC scopes without openid", map[string]string{"CONTACTDESK_OIDC_ISSUER": "https://id.example.com", "CONTACTDESK_OIDC_CLIENT_ID": "c", "CONTACTDESK_OIDC_CLIENT_SECRET_FILE": secretFile, "CONTACTDESK_OIDC_SCOPES": "email groups"}, nil, "CONTACTDESK_OIDC_SCOPES"},
		{"OIDC setting without issuer", map[string]string{"CONTACTDESK_OIDC_CLIENT_ID": "c"}, nil, "CONTACTDESK_OIDC_CLIENT_ID"},
		{"password sign-in unknown", map[string]string{"CONTACTDESK_PASSWORD_SIGNIN": "some"}, nil, "CONTACTDESK_PASSWORD_SIGNIN"},
		{"password sign-in limited without SSO", map[string]string{"CONTACTDESK_PASSWORD_SIGNIN": "admins"}, nil, "CONTACTDESK_PASSWORD_SIGNIN"},
		{"PostgreSQL without a key file", map[string]string{"CONTACTDESK_DB": "postgres://contactdesk@db.invalid/contactdesk"}, nil, "CONTACTDESK_AUDIT_KEY_FILE"},
		{"instance name with a space", map[string]string{"CONTACTDESK_INSTANCE": "web 1"}, nil, "CONTACTDESK_INSTANCE"},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		tests = append(tests, struct {
			name     string
			env      map[string]string
			args     []string
			variable string
		}{"database folder not writable", map[string]string{"CONTACTDESK_DB": filepath.Join(readOnly, "x.db")}, nil, "CONTACTDESK_DB"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"CONTACTDESK_DB": good, "CONTACTDESK_ADDR": "127.0.0.1:0"}
			for k, v := range tt.env {
				env[k] = v
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, envMap(env), strings.NewReader(""), &stdout, &stderr)
			code := exitCode(err, &stderr)
			if code != 2 {
				t.Fatalf("exit code = %d, want 2 (err %v)", code, err)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 {
				t.Fatalf("stderr has %d lines, want 1:\n%s", len(lines), stderr.String())
			}
			if !strings.Contains(lines[0], tt.variable) {
				t.Errorf("stderr = %q, want it to name %s", lines[0], tt.variable)
			}
		})
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string // expected in stdout
		err  string // expected in stderr
	}{
		{[]string{"--help"}, 0, "Commands:", ""},
		{[]string{"serve", "--help"}, 0, "CONTACTDESK_DB", ""},
		{[]string{"migrate", "--help"}, 0, "Usage: contactdesk migrate", ""},
		{[]string{"sandbox", "--help"}, 0, "-api-key", ""},
		{[]string{"healthcheck", "--help"}, 0, "Usage: contactdesk healthcheck", ""},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, 2, "", "flag provided but not defined"},
		{[]string{"migrate", "extra"}, 2, "", `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, envMap(nil), strings.NewReader(""), &stdout, &stderr)
			if code := exitCode(err, &stderr); code != tt.code {
				t.Fatalf("exit code = %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.out) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.out)
			}
			if !strings.Contains(stderr.String(), tt.err) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.err)
			}
		})
	}
}

func TestMigrate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sub", "cd.db")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"migrate"}, envMap(map[string]string{"CONTACTDESK_DB": db}), nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("migrate: %v (stderr %s)", err, stderr.String())
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("database file not created: %v", err)
	}
}

// lockedBuffer is a bytes.Buffer safe for the server goroutine to write
// while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs `contactdesk serve` in sandbox mode on a free port and
// returns its URL and the one-time setup link it printed; the server stops
// when the test ends.
func startServe(t *testing.T) (base, setupLink string) {
	t.Helper()
	base, setupLink, _ = startServeWith(t, nil)
	return base, setupLink
}

// startServeOn is startServe with the database at db.
func startServeOn(t *testing.T, db string) (base, setupLink string) {
	t.Helper()
	base, setupLink, _ = startServeWith(t, map[string]string{"CONTACTDESK_DB": db})
	return base, setupLink
}

// startServeWith is startServe with more variables set, which also returns
// the log the server writes. When serve stops before it says where it
// runs, the test fails at once with its error.
func startServeWith(t *testing.T, vars map[string]string) (base, setupLink string, log *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr lockedBuffer
	all := map[string]string{
		"CONTACTDESK_ADDR": "127.0.0.1:0",
		"CONTACTDESK_DB":   filepath.Join(t.TempDir(), "cd.db"),
	}
	maps.Copy(all, vars)
	env := envMap(all)
	// stopped is closed once run has returned runErr: both the wait for
	// the start and the cleanup read it, however often.
	var runErr error
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		runErr = run(ctx, nil, env, nil, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
		if runErr != nil && !t.Failed() {
			t.Errorf("serve returned %v; log:\n%s", runErr, stderr.String())
		}
	})
	re := regexp.MustCompile(`running at (http://\S+)\n(?:.*\n)*?\s+(http://\S+/setup\?token=\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], m[2], &stderr
		}
		select {
		case <-stopped:
			t.Fatalf("serve stopped early: %v; log:\n%s", runErr, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no URL and setup link; stdout %q, log:\n%s", stdout.String(), stderr.String())
	return "", "", nil
}

// TestStartServeFailsWhenServeStopsEarly checks the helper above: a serve
// that stops before it runs (here, its port is taken) must fail the test
// with serve's error, not hang it. The helper runs in a test binary of
// its own, since it fails the test it runs in.
func TestStartServeFailsWhenServeStopsEarly(t *testing.T) {
	if os.Getenv("CONTACTDESK_TEST_SERVE_STOPS_EARLY") == "1" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		startServeWith(t, map[string]string{"CONTACTDESK_ADDR": ln.Addr().String()})
		return
	}
	// A bound, not a timing: the helper fails within a second or two,
	// and hung forever before it was fixed.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestStartServeFailsWhenServeStopsEarly$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "CONTACTDESK_TEST_SERVE_STOPS_EARLY=1")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("startServeWith hung after serve stopped early; output:\n%s", out)
	}
	if err == nil {
		t.Fatalf("the test of a serve that stopped early passed; output:\n%s", out)
	}
	if !strings.Contains(string(out), "serve stopped early") || !strings.Contains(string(out), "CONTACTDESK_ADDR") {
		t.Errorf("output does not say that serve stopped early and why:\n%s", out)
	}
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// TestServeSandbox starts the real program with no API key and checks that
// the sandbox's organizations reach the list, and an organization page
// shows its contacts read through the real client.
func TestServeSandbox(t *testing.T) {
	base, setupLink := startServe(t)
	client := setUpFirstAdmin(t, setupLink)
	if code, body := get(t, client, base+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, body := get(t, client, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var code int
		code, body = get(t, client, base+"/organizations")
		if code != http.StatusOK {
			t.Fatalf("/organizations = %d", code)
		}
		if strings.Contains(body, "List last refreshed") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(body, "Sandbox mode") {
		t.Error("organizations page has no sandbox banner")
	}
	link := regexp.MustCompile(`href="(/organizations/\d+)"`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("organizations page lists no organization:\n%s", body)
	}
	code, page := get(t, client, base+link[1])
	if code != http.StatusOK {
		t.Fatalf("GET %s = %d:\n%s", link[1], code, page)
	}
	for _, want := range []string{"Organization contact", "Technical contact", "Email"} {
		if !strings.Contains(page, want) {
			t.Errorf("organization page lacks %q", want)
		}
	}
}
