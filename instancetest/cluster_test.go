package instancetest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactdesk/contactdesk/auditlog"
	"github.com/contactdesk/contactdesk/internal/loadtest"
	"github.com/contactdesk/contactdesk/internal/pgtest"
)

// build is the portal binary, built once for the tests of the package.
var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	os.Exit(pgtest.Run(func() int {
		code := m.Run()
		if build.dir != "" {
			if err := os.RemoveAll(build.dir); err != nil {
				fmt.Fprintln(os.Stderr, err)
			}
		}
		return code
	}))
}

// portalBinary builds the portal once and returns its path.
func portalBinary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		start := time.Now()
		if build.dir, build.err = os.MkdirTemp("", "instancetest-"); build.err != nil {
			return
		}
		build.bin, build.err = loadtest.BuildPortal(build.dir)
		t.Logf("built the portal in %s", time.Since(start).Round(time.Millisecond))
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

// cluster is several portal instances on one PostgreSQL database, one
// DigiCert sandbox and one checkpoint key, as behind a load balancer.
type cluster struct {
	t       *testing.T
	dsn     string
	up      *loadtest.Upstream
	keyFile string
	bin     string
	env     []string
	// instances are the portals by name; logs keep their output.
	instances map[string]*loadtest.Portal
	logs      map[string]*lockedLog
}

// newCluster prepares a database, a sandbox with organizations and a key;
// env is added to every instance's environment.
func newCluster(t *testing.T, organizations int, env ...string) *cluster {
	t.Helper()
	dsn := pgtest.Database(t)
	bin := portalBinary(t)
	keyFile := filepath.Join(t.TempDir(), "audit.key")
	if _, _, err := auditlog.LoadOrCreateKey(keyFile, "contactdesk.test/contactdesk-audit"); err != nil {
		t.Fatal(err)
	}
	up := loadtest.StartUpstream(loadtest.UpstreamOptions{Organizations: organizations})
	t.Cleanup(up.Close)
	c := &cluster{t: t, dsn: dsn, up: up, keyFile: keyFile, bin: bin, env: env,
		instances: map[string]*loadtest.Portal{}, logs: map[string]*lockedLog{}}
	t.Cleanup(func() {
		for name, p := range c.instances {
			p.Kill()
			if t.Failed() {
				t.Logf("instance %s, output of its last start:\n%s", name, c.logs[name])
			}
		}
	})
	return c
}

// start starts (or starts again) the instance called name and waits
// until it listens.
func (c *cluster) start(name string) *loadtest.Portal {
	c.t.Helper()
	p := c.instances[name]
	if p == nil {
		c.logs[name] = &lockedLog{}
		p = &loadtest.Portal{
			Binary: c.bin, DB: c.dsn, Log: c.logs[name], Metrics: true,
			Env: append([]string{
				"DIGICERT_API_KEY=" + c.up.APIKey, "DIGICERT_BASE_URL=" + c.up.BaseURL(),
				"CONTACTDESK_AUDIT_KEY_FILE=" + c.keyFile, "CONTACTDESK_INSTANCE=" + name,
			}, c.env...),
		}
		c.instances[name] = p
	}
	c.logs[name].Reset()
	if err := p.Start(context.Background()); err != nil {
		c.t.Fatalf("start instance %s: %v\n%s", name, err, c.logs[name])
	}
	return p
}

// command runs `contactdesk args…` on the cluster's database and key.
func (c *cluster) command(env []string, args ...string) string {
	c.t.Helper()
	p := &loadtest.Portal{Binary: c.bin, DB: c.dsn}
	out, err := p.Command(context.Background(), append([]string{"CONTACTDESK_AUDIT_KEY_FILE=" + c.keyFile}, env...), args...)
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// leader reports whether the instance says, on /readyz, that it leads.
func leader(t *testing.T, p *loadtest.Portal) bool {
	t.Helper()
	body := getText(t, p.URL+"/readyz")
	if !strings.Contains(body, "database: PostgreSQL, reachable\n") {
		t.Fatalf("/readyz = %q, want the PostgreSQL database reachable", body)
	}
	return strings.Contains(body, "\nleader: yes\n")
}

// workerReads sums the reads the instance's directory worker recorded,
// from its metrics.
func workerReads(t *testing.T, p *loadtest.Portal) int {
	t.Helper()
	n := 0
	sc := bufio.NewScanner(strings.NewReader(getText(t, p.MetricsURL+"/metrics")))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "contactdesk_directory_reads_total{") || !strings.Contains(line, `by="worker"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		n += int(v)
	}
	return n
}

func getText(t *testing.T, url string) string {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return string(body)
}

// eventually waits for cond, failing the test with what after within.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lockedLog keeps what an instance writes.
type lockedLog struct {
	mu  sync.Mutex
	buf []byte
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	return len(p), nil
}

// Reset forgets what was written.
func (l *lockedLog) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = l.buf[:0]
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
