package instancetest

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/internal/loadtest"
)

// TestBehindCaddy runs the reverse proxy of compose.yaml, with its own
// Caddyfile, in front of two instances: a person signed in through it
// works on both, and goes on working when one is killed. It needs Caddy
// (Debian's caddy package, which CI installs); without it the test is
// skipped.
func TestBehindCaddy(t *testing.T) {
	caddy, err := exec.LookPath("caddy")
	if err != nil {
		t.Skip("caddy is not installed (Debian's caddy package): the test of deploy/Caddyfile is skipped")
	}
	c := newCluster(t, 0, "CONTACTDESK_TRUSTED_PROXIES=127.0.0.1/32")
	a, b := c.start("a"), c.start("b")
	proxy := startCaddy(t, caddy, a, b)

	ctx := context.Background()
	accounts, err := a.AddAccounts(ctx, "proxy", 1)
	if err != nil {
		t.Fatal(err)
	}
	u, err := loadtest.NewUser(proxy, loadtest.NewRecorder())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(u.Close)
	if err := u.SignIn(ctx, accounts[0]); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		if _, err := u.Get(ctx, "list", "/organizations", http.StatusOK); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []*loadtest.Portal{a, b} {
		if n := pageViews(t, p, "/organizations"); n == 0 {
			t.Errorf("the instance at %s answered no page through the proxy", p.URL)
		}
	}

	b.Kill()
	org := c.up.Organizations()[0].ID
	for i := range 10 {
		if _, err := u.Get(ctx, "list", "/organizations", http.StatusOK); err != nil {
			t.Fatalf("page %d after an instance was killed: %v", i, err)
		}
	}
	if _, err := u.SendChange(ctx, org, "Sent through the proxy"); err != nil {
		t.Errorf("a change sent after an instance was killed: %v", err)
	}
}

// startCaddy runs Caddy with deploy/Caddyfile in front of the portals on
// a free loopback port and returns the proxy's URL once it answers.
func startCaddy(t *testing.T, caddy string, portals ...*loadtest.Portal) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	caddyfile := filepath.Join(filepath.Dir(filepath.Dir(file)), "deploy", "Caddyfile")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	var upstreams []string
	for _, p := range portals {
		upstreams = append(upstreams, strings.TrimPrefix(p.URL, "http://"))
	}
	home := t.TempDir()
	cmd := exec.Command(caddy, "run", "--config", caddyfile, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(), "LISTEN=:"+port, "CONTACTDESK_UPSTREAMS="+strings.Join(upstreams, " "),
		"HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home)
	log := &lockedLog{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cmd.Process.Kill(); err != nil {
			t.Error(err)
		}
		if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("caddy ended with %v", err)
		}
		if t.Failed() {
			t.Logf("caddy's output:\n%s", log)
		}
	})
	url := "http://127.0.0.1:" + port
	eventually(t, 30*time.Second, "caddy answering", func() bool {
		resp, err := http.Get(url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return url
}

// pageViews counts the GET requests of route the instance answered, from
// its metrics.
func pageViews(t *testing.T, p *loadtest.Portal, route string) int {
	t.Helper()
	n := 0
	sc := bufio.NewScanner(strings.NewReader(getText(t, p.MetricsURL+"/metrics")))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "contactdesk_http_requests_total{") && strings.Contains(line, `route="`+route+`"`) &&
			strings.Contains(line, `method="GET"`) {
			v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			if err != nil {
				t.Fatal(err)
			}
			n += int(v)
		}
	}
	return n
}
