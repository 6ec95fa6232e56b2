package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// startTimeout bounds how long the portal may take to say where it
// listens; on loopback it takes well under a second.
const startTimeout = 30 * time.Second

// stopTimeout is more than the portal's own 30 s shutdown grace.
const stopTimeout = 40 * time.Second

// upstream is a DigiCert sandbox run by the test itself, so that the test
// can inject faults and read what DigiCert now holds.
type upstream struct {
	*sandbox.Server
	baseURL string
	apiKey  string
}

// newUpstream serves a fresh sandbox on a loopback port.
func newUpstream(t *testing.T) *upstream {
	t.Helper()
	const key = "e2e-api-key"
	sb := sandbox.New(sandbox.Options{APIKey: key})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &upstream{Server: sb, baseURL: srv.URL + "/services/v2", apiKey: key}
}

// app is one running portal process with a database of its own.
type app struct {
	t     *testing.T
	url   string
	env   []string
	cmd   *exec.Cmd
	setup chan string
	logs  *lockedBuffer
	// exited is closed when the process has ended, with exitErr set.
	exited  chan struct{}
	exitErr error
	// waited is set once waitExit has checked the exit.
	waited bool
}

var (
	runningLine = regexp.MustCompile(`Contact Desk is running at (http://\S+)`)
	setupLine   = regexp.MustCompile(`(http://\S+/setup\?token=\S+)`)
)

// startApp starts the built binary on a free loopback port with a new
// database. With up nil it runs in sandbox mode (no API key); otherwise it
// talks to up as it would to DigiCert. It stops with SIGTERM when the test
// ends, and must then exit cleanly.
func startApp(t *testing.T, up *upstream) *app {
	t.Helper()
	return startAppWith(t, up)
}

// startAppWith is startApp with more variables ("NAME=value") set.
func startAppWith(t *testing.T, up *upstream, vars ...string) *app {
	t.Helper()
	dir := t.TempDir()
	a := &app{
		t:      t,
		setup:  make(chan string, 1),
		logs:   &lockedBuffer{},
		exited: make(chan struct{}),
		env: append(cleanEnv(),
			"CONTACTDESK_ADDR=127.0.0.1:0",
			"CONTACTDESK_DB="+filepath.Join(dir, "contactdesk.db"),
			// Checkpoints every second, so that pages show them soon.
			"CONTACTDESK_AUDIT_CHECKPOINT_INTERVAL=1s",
		),
	}
	if up != nil {
		a.env = append(a.env, "DIGICERT_API_KEY="+up.apiKey, "DIGICERT_BASE_URL="+up.baseURL)
	}
	a.env = append(a.env, vars...)
	a.cmd = exec.Command(suite.binary)
	a.cmd.Env = a.env
	a.cmd.Stderr = a.logs
	// A pipe of our own rather than StdoutPipe: Wait then returns only
	// once everything printed has been read.
	stdout, stdoutW := io.Pipe()
	a.cmd.Stdout = stdoutW
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", suite.binary, err)
	}
	urls := make(chan string, 1)
	go a.readStdout(stdout, urls)
	go func() {
		a.exitErr = a.cmd.Wait()
		stdoutW.Close()
		close(a.exited)
	}()
	t.Cleanup(a.stop)

	select {
	case a.url = <-urls:
	case <-a.exited:
		t.Fatalf("the portal exited before listening: %v\n%s", a.exitErr, a.logs)
	case <-time.After(startTimeout):
		t.Fatalf("the portal did not say where it listens within %s\n%s", startTimeout, a.logs)
	}
	return a
}

// cleanEnv is this process's environment without any setting of the
// portal, so that a developer's own DIGICERT_API_KEY never reaches a test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CONTACTDESK_") || strings.HasPrefix(kv, "DIGICERT_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// readStdout picks the listening URL and the setup link out of what the
// portal prints.
func (a *app) readStdout(r io.Reader, urls chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		a.logs.WriteString("stdout: " + line + "\n")
		if m := runningLine.FindStringSubmatch(line); m != nil {
			offer(urls, m[1])
		}
		if m := setupLine.FindStringSubmatch(line); m != nil {
			offer(a.setup, m[1])
		}
	}
}

// offer sends v unless ch is full: only the first value counts.
func offer(ch chan<- string, v string) {
	select {
	case ch <- v:
	default:
	}
}

// setupLink waits for the one-time setup link printed at the first start.
func (a *app) setupLink() string {
	a.t.Helper()
	select {
	case link := <-a.setup:
		return link
	case <-time.After(startTimeout):
		a.t.Fatalf("no setup link printed within %s\n%s", startTimeout, a.logs)
		return ""
	}
}

// terminate asks the portal to stop, as a container runtime would.
func (a *app) terminate() {
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		a.t.Errorf("signal the portal: %v", err)
	}
}

// waitExit waits for the portal to end and checks that it ended cleanly.
func (a *app) waitExit() {
	t := a.t
	a.waited = true
	select {
	case <-a.exited:
		if a.exitErr != nil {
			t.Errorf("the portal did not exit cleanly on SIGTERM: %v", a.exitErr)
		}
	case <-time.After(stopTimeout):
		if err := a.cmd.Process.Kill(); err != nil {
			t.Errorf("kill the portal: %v", err)
		}
		<-a.exited
		t.Errorf("the portal did not stop within %s of SIGTERM", stopTimeout)
	}
}

// stop ends the portal with SIGTERM, unless it has ended already, and
// checks that it shuts down cleanly. On failure the portal's log is shown.
func (a *app) stop() {
	select {
	case <-a.exited:
		if !a.waited {
			a.t.Errorf("the portal ended by itself during the test: %v", a.exitErr)
		}
	default:
		a.terminate()
		a.waitExit()
	}
	if a.t.Failed() {
		a.t.Logf("portal output:\n%s", a.logs)
	}
}

// run runs a command of the binary against the portal's database and
// returns what it printed.
func (a *app) run(stdin string, env []string, args ...string) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, suite.binary, args...)
	cmd.Env = append(append([]string{}, a.env...), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		a.t.Fatalf("contactdesk %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	}
	return out.String()
}

// addUser creates a user with a password through the command line, which
// is quicker than the pages when the test is about something else.
func (a *app) addUser(u user, team string) {
	a.t.Helper()
	args := []string{"user", "add", "--email", u.email, "--name", u.name, "--role", u.role}
	if team != "" {
		args = append(args, "--team", team)
	}
	a.run("", []string{"CONTACTDESK_PASSWORD=" + u.password}, args...)
}

// user is someone who signs in.
type user struct {
	name, email, password, role string
}

// lockedBuffer collects the portal's output from several goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.WriteString(s)
}

// take returns what was written since the last take.
func (b *lockedBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
