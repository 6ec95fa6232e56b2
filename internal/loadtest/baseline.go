package loadtest

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Comparison sets a page of the portal against a bare net/http handler
// serving the same bytes, under the same number of users for the same
// time.
type Comparison struct {
	Flow   string
	Bytes  int
	Portal Summary
	Bare   Summary
}

// Ratio is the portal's throughput as a share of the bare handler's.
func (c Comparison) Ratio() float64 {
	if c.Bare.Throughput == 0 {
		return 0
	}
	return c.Portal.Throughput / c.Bare.Throughput
}

// comparablePages maps the flows that can be compared to the page each
// shows; the organization page is always the first organization's.
var comparablePages = map[string]func(Target) string{
	FlowOrganization: func(t Target) string { return organizationPath(t.Organizations[0]) },
	FlowAudit:        func(Target) string { return "/audit" },
	FlowList:         func(Target) string { return "/organizations" },
}

// Compare loads flow's page alone on the portal, always the same address
// back to back, then the bare handler serving that page's bytes.
func Compare(ctx context.Context, cfg Config, flow string) (Comparison, error) {
	pathOf, ok := comparablePages[flow]
	if !ok {
		return Comparison{}, fmt.Errorf("loadtest: no page to compare for flow %q", flow)
	}
	probe, err := NewUser(cfg.BaseURL, NewRecorder())
	if err != nil {
		return Comparison{}, err
	}
	defer probe.Close()
	if err := probe.SignIn(ctx, cfg.Accounts[0]); err != nil {
		return Comparison{}, err
	}
	target := cfg.Target
	if len(target.Organizations) == 0 && flow == FlowOrganization {
		if target, err = probe.Discover(ctx); err != nil {
			return Comparison{}, err
		}
	}
	if len(target.Organizations) > 1 {
		target.Organizations = target.Organizations[:1]
	}
	path := pathOf(target)
	page, err := probe.Get(ctx, flow, path, http.StatusOK)
	if err != nil {
		return Comparison{}, err
	}

	users, err := signIn(ctx, cfg)
	if err != nil {
		return Comparison{}, err
	}
	defer closeAll(users)
	cmp := Comparison{Flow: flow, Bytes: len(page.Body)}
	if cmp.Portal, err = loadPage(ctx, users, path, flow, cfg); err != nil {
		return Comparison{}, err
	}
	if cmp.Bare, err = bare(ctx, []byte(page.Body), flow, cfg); err != nil {
		return Comparison{}, err
	}
	return cmp, nil
}

// bare serves body from a plain net/http handler in a process of its own
// on loopback and loads it as cfg would load a page: cfg.Users clients,
// each with its own connections, back to back, for cfg.Duration after
// cfg.Warmup.
func bare(ctx context.Context, body []byte, flow string, cfg Config) (Summary, error) {
	base, stop, err := startBare(body)
	if err != nil {
		return Summary{}, fmt.Errorf("loadtest: bare handler: %w", err)
	}
	users := make([]*User, cfg.Users)
	for i := range users {
		if users[i], err = NewUser(base, NewRecorder()); err != nil {
			closeAll(users[:i])
			return Summary{}, errors.Join(err, stop())
		}
	}
	cfg.Measuring = nil // the portal is not what is loaded
	s, err := loadPage(ctx, users, "/", "bare "+flow, cfg)
	closeAll(users)
	if stopErr := stop(); stopErr != nil {
		err = errors.Join(err, fmt.Errorf("loadtest: bare handler: %w", stopErr))
	}
	return s, err
}

// bareEnv, set to 1, makes the load tool a bare handler's process (see
// ServeBareIfAsked). The load tool starts itself that way so that the bare
// handler runs in a process of its own, as the portal does: in the load
// tool's process it would share the client's scheduler and be spared the
// switches between processes that every request to the portal costs.
const bareEnv = "CONTACTDESK_LOADTEST_BARE"

// bareAddrPrefix starts the line on which a bare handler's process says
// where it listens.
const bareAddrPrefix = "bare handler listening on "

// bareStartTimeout bounds the wait for a bare handler's process to listen.
const bareStartTimeout = 10 * time.Second

// ServeBareIfAsked serves the bare handler and exits when this process
// was started to be one; otherwise it returns at once. Every program that
// compares pages, tests included, calls it first in main or TestMain.
func ServeBareIfAsked() {
	if os.Getenv(bareEnv) != "1" {
		return
	}
	// Ctrl-C in the terminal reaches the whole process group; the load
	// tool stops this process when it is done, by closing its input.
	signal.Ignore(os.Interrupt)
	if err := serveBare(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: bare handler:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveBare reads the page from in (its length as 8 bytes, big-endian,
// then its bytes), serves it on a loopback port, writes the port's
// address on one line to out, and serves until in ends: the load tool
// closed it, or died.
func serveBare(in io.Reader, out io.Writer) error {
	var size [8]byte
	if _, err := io.ReadFull(in, size[:]); err != nil {
		return fmt.Errorf("read the page's length: %w", err)
	}
	n := binary.BigEndian.Uint64(size[:])
	if n > maxBareBody {
		return fmt.Errorf("a page of %d bytes is over the %d a bare handler serves", n, maxBareBody)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(in, body); err != nil {
		return fmt.Errorf("read the page: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           bareHandler(body),
		ReadHeaderTimeout: 10 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if _, err := fmt.Fprintln(out, bareAddrPrefix+ln.Addr().String()); err != nil {
		return errors.Join(err, srv.Close())
	}
	if _, err := io.Copy(io.Discard, in); err != nil {
		return errors.Join(err, srv.Close())
	}
	if err := srv.Close(); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// maxBareBody bounds the page a bare handler serves; the portal's pages
// are tens of kilobytes.
const maxBareBody = 64 << 20

// startBare starts this program again as a bare handler serving body and
// returns its base URL, and stop, which ends the process and waits for it.
func startBare(body []byte) (base string, stop func() error, err error) {
	if os.Getenv(bareEnv) != "" {
		// This program did not call ServeBareIfAsked first: starting it
		// again would start it again, without end.
		return "", nil, errors.New("already a bare handler's process: call ServeBareIfAsked first in main or TestMain")
	}
	if len(body) > maxBareBody {
		return "", nil, fmt.Errorf("a page of %d bytes is over the %d a bare handler serves", len(body), maxBareBody)
	}
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), bareEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() error {
		return errors.Join(stdin.Close(), cmd.Wait())
	}
	addr, err := bareAddress(stdin, stdout, body)
	if err != nil {
		// The process may be waiting for its input or blocked writing;
		// it is of no use now.
		return "", nil, errors.Join(fmt.Errorf("start %s as a bare handler: %w", self, err), cmd.Process.Kill(), stop())
	}
	return "http://" + addr, stop, nil
}

// bareAddress sends the page to a starting bare handler's process and
// reads where it listens, within bareStartTimeout.
func bareAddress(stdin io.Writer, stdout io.Reader, body []byte) (string, error) {
	type answer struct {
		addr string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		var size [8]byte
		binary.BigEndian.PutUint64(size[:], uint64(len(body)))
		if _, err := stdin.Write(append(size[:], body...)); err != nil {
			answered <- answer{err: fmt.Errorf("send the page: %w", err)}
			return
		}
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			answered <- answer{err: fmt.Errorf("no address (its errors are above): %w", err)}
			return
		}
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), bareAddrPrefix)
		if _, _, err := net.SplitHostPort(addr); !ok || err != nil {
			answered <- answer{err: fmt.Errorf("answered %q, not an address", line)}
			return
		}
		answered <- answer{addr: addr}
	}()
	select {
	case a := <-answered:
		return a.addr, a.err
	case <-time.After(bareStartTimeout):
		return "", fmt.Errorf("no address within %s", bareStartTimeout)
	}
}

// bareHandler answers every request with body as an HTML page, and
// nothing else. Its length spares the client decoding chunks, as the
// portal's pages do.
func bareHandler(body []byte) http.Handler {
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", length)
		w.Write(body)
	})
}

// loadPage has every user ask for path back to back, each on connections
// of its own, for cfg.Duration after cfg.Warmup, and measures the answers
// under the name flow. The portal's page and the bare handler are loaded
// by this same code, so that the client's share of the work is the same
// on both sides.
func loadPage(ctx context.Context, users []*User, path, flow string, cfg Config) (Summary, error) {
	loop := func(rec *Recorder, d time.Duration) time.Duration {
		ctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		start := time.Now()
		var wg sync.WaitGroup
		for _, u := range users {
			u.SetRecorder(rec)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; (cfg.MaxRequests <= 0 || n < cfg.MaxRequests) && ctx.Err() == nil; n++ {
					_, _ = u.Get(ctx, flow, path, http.StatusOK)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	if cfg.Warmup > 0 {
		loop(NewRecorder(), cfg.Warmup)
	}
	rec := NewRecorder()
	d := cfg.Duration
	if d <= 0 {
		d = time.Hour
	}
	cfg.measuring(d)
	elapsed := loop(rec, d)
	s := rec.Summaries(elapsed)
	if len(s) == 0 {
		return Summary{}, fmt.Errorf("loadtest: %s answered nothing", flow)
	}
	return s[0], nil
}
