package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/contactdesk/contactdesk/sandbox"
)

// startTimeout bounds how long the portal may take to say where it
// listens; a database with a million audit events takes a few seconds.
const startTimeout = time.Minute

var runningLine = regexp.MustCompile(`Contact Desk is running at (http://\S+)`)

// Upstream is a DigiCert sandbox served on loopback from this process,
// which the portal talks to as it would to DigiCert.
type Upstream struct {
	*sandbox.Server
	srv    *httptest.Server
	APIKey string
	// delay, when set, is waited before every request is handled.
	delay func() time.Duration
}

// UpstreamOptions shape the sandbox StartUpstream serves.
type UpstreamOptions struct {
	// Delay, when not nil, gives the time each request waits before it is
	// handled, as a slow network would.
	Delay func() time.Duration
	// Organizations is how many organizations the sandbox holds; 0 means
	// its seed table's sixty-odd.
	Organizations int
	// Windows are the sandbox's rate limits, which answer 429 beyond
	// them; nil means none (the portal keeps to DigiCert's limits
	// itself).
	Windows []sandbox.RateWindow
}

// StartUpstream serves a fresh sandbox, without rate limits unless
// opts.Windows sets some.
func StartUpstream(opts UpstreamOptions) *Upstream {
	windows := opts.Windows
	if windows == nil {
		windows = []sandbox.RateWindow{}
	}
	up := &Upstream{
		Server: sandbox.New(sandbox.Options{
			APIKey: "loadtest-key", Windows: windows, Organizations: opts.Organizations,
		}),
		APIKey: "loadtest-key",
		delay:  opts.Delay,
	}
	up.srv = httptest.NewServer(http.HandlerFunc(up.serve))
	return up
}

func (up *Upstream) serve(w http.ResponseWriter, r *http.Request) {
	if up.delay != nil {
		t := time.NewTimer(up.delay())
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	up.Server.ServeHTTP(w, r)
}

// BaseURL is where the portal reaches the sandbox's API.
func (up *Upstream) BaseURL() string { return up.srv.URL + "/services/v2" }

// Close stops serving.
func (up *Upstream) Close() { up.srv.Close() }

// Portal is a Contact Desk process started from its binary.
type Portal struct {
	Binary string
	// DB is the database file; it is created when missing.
	DB string
	// Env is added to the process's environment (DIGICERT_API_KEY and
	// DIGICERT_BASE_URL for an upstream of one's own).
	Env []string
	// Log receives the process's output; nil discards it.
	Log io.Writer
	// Metrics serves the portal's metrics and profiles on a loopback
	// address of their own, MetricsURL.
	Metrics bool

	URL        string
	MetricsURL string
	cmd        *exec.Cmd
	done       chan struct{}
	err        error
}

// Start runs the portal on a free loopback port and waits until it
// listens.
func (p *Portal) Start(ctx context.Context) error {
	out := p.Log
	if out == nil {
		out = io.Discard
	}
	p.cmd = exec.Command(p.Binary)
	p.cmd.Env = append(portalEnv(), "CONTACTDESK_ADDR=127.0.0.1:0", "CONTACTDESK_DB="+p.DB)
	p.cmd.Env = append(p.cmd.Env, p.Env...)
	if p.Metrics {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return err
		}
		p.cmd.Env = append(p.cmd.Env, "CONTACTDESK_METRICS_ADDR="+addr)
		p.MetricsURL = "http://" + addr
	}
	p.cmd.Stderr = out
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("loadtest: portal stdout: %w", err)
	}
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("loadtest: start %s: %w", p.Binary, err)
	}
	urls := make(chan string, 1)
	// read ends when the process's stdout closes, that is when it exits.
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
			if m := runningLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urls <- m[1]:
				default:
				}
			}
		}
	}()
	p.done = make(chan struct{})
	go func() {
		<-read
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case p.URL = <-urls:
		return nil
	case <-p.done:
		return fmt.Errorf("loadtest: the portal exited before listening: %v", p.err)
	case <-timer.C:
		p.Kill()
		return fmt.Errorf("loadtest: the portal did not listen within %s", startTimeout)
	case <-ctx.Done():
		p.Kill()
		return ctx.Err()
	}
}

// freeLoopbackAddr returns a loopback address with a port that was free a
// moment ago.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("loadtest: find a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// portalEnv is this process's environment without any of the portal's
// settings, so that a developer's DIGICERT_API_KEY never reaches a run.
func portalEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CONTACTDESK_") && !strings.HasPrefix(kv, "DIGICERT_") {
			env = append(env, kv)
		}
	}
	return env
}

// Kill ends the portal with SIGKILL, as a power cut or the OOM killer
// would, and waits for it to be gone.
func (p *Portal) Kill() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return
	}
	<-p.done
}

// Stop asks the portal to shut down with SIGTERM and waits up to grace;
// it reports an unclean exit.
func (p *Portal) Stop(grace time.Duration) error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("loadtest: signal the portal: %w", err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("loadtest: the portal exited uncleanly: %w", p.err)
		}
		return nil
	case <-timer.C:
		p.Kill()
		return fmt.Errorf("loadtest: the portal did not stop within %s of SIGTERM", grace)
	}
}

// PID is the running portal's process id.
func (p *Portal) PID() int { return p.cmd.Process.Pid }

// Command runs `contactdesk args…` against the portal's database with
// extra environment and returns its output.
func (p *Portal) Command(ctx context.Context, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.Binary, args...)
	cmd.Env = append(append(portalEnv(), "CONTACTDESK_DB="+p.DB), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("loadtest: contactdesk %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// AddAccounts creates n admins through the command line and returns them;
// their addresses start with prefix, which must be new to the database.
// Admins see every organization, so each virtual user can change one of
// its own.
func (p *Portal) AddAccounts(ctx context.Context, prefix string, n int) ([]Account, error) {
	accounts := make([]Account, n)
	errs := make([]error, n)
	add := func(i int) {
		accounts[i] = Account{Email: fmt.Sprintf("%s%03d@example.com", prefix, i), Password: "load test passphrase " + fmt.Sprint(i)}
		_, errs[i] = p.Command(ctx, []string{"CONTACTDESK_PASSWORD=" + accounts[i].Password},
			"user", "add", "--email", accounts[i].Email, "--name", fmt.Sprintf("Load User %d", i), "--role", "admin")
	}
	if n == 0 {
		return nil, nil
	}
	// The first alone, as it may create and migrate the database; then a
	// few at a time, as each hashes a password with Argon2.
	add(0)
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			add(i)
		}()
	}
	wg.Wait()
	return accounts, errors.Join(errs...)
}
