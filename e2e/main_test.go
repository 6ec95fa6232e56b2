package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// environment is what every test shares: the built binary, the browser and
// the folder of screenshots. It is filled once by TestMain and only read
// afterwards.
type environment struct {
	// skip, when set, is why the tests cannot run here.
	skip      string
	binary    string
	axeSource string
	// shotsDir is where screenshots go (CONTACTDESK_SCREENSHOTS); ""
	// keeps none.
	shotsDir string
	// browser is a context whose browser has started; each session opens
	// a browser context (its own cookies) of its own in it.
	browser context.Context
}

var suite environment

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

// runSuite prepares the environment, runs the tests and cleans up. With
// CONTACTDESK_E2E=1 anything missing is a failure; otherwise the tests skip
// and say why.
func runSuite(m *testing.M) int {
	flag.Parse()
	required := os.Getenv("CONTACTDESK_E2E") == "1"
	tmp, err := os.MkdirTemp("", "contactdesk-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	stop, err := prepare(tmp)
	if stop != nil {
		defer stop()
	}
	switch {
	case err == nil:
	case required || !errors.Is(err, errMissing):
		fmt.Fprintln(os.Stderr, "e2e: the end-to-end tests cannot run:", err)
		return 1
	default:
		suite.skip = err.Error()
		fmt.Fprintln(os.Stderr, "e2e: skipping the end-to-end tests:", err)
	}
	return m.Run()
}

// errMissing marks what this machine lacks, as opposed to a failure of
// what it has.
var errMissing = errors.New("missing")

// prepare finds the browser and axe-core, builds the binary and starts the
// browser. The returned func stops the browser.
func prepare(tmp string) (stop func(), err error) {
	if testing.Short() {
		return nil, fmt.Errorf("%w: -short given", errMissing)
	}
	chromium, err := findChromium()
	if err != nil {
		return nil, err
	}
	axePath, err := findAxe()
	if err != nil {
		return nil, err
	}
	src, err := os.ReadFile(axePath)
	if err != nil {
		return nil, fmt.Errorf("read axe-core: %w", err)
	}
	suite.axeSource = string(src)

	// Screenshots are kept only when asked for, in the folder named.
	if dir := os.Getenv("CONTACTDESK_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("CONTACTDESK_SCREENSHOTS: %w", err)
		}
		suite.shotsDir = dir
		fmt.Fprintln(os.Stderr, "e2e: screenshots of every page, light and dark, 1366 and 390 px wide, go to", dir)
	}

	suite.binary = filepath.Join(tmp, "contactdesk")
	if err := buildBinary(suite.binary); err != nil {
		return nil, err
	}
	ctx, stop, err := startBrowser(chromium, filepath.Join(tmp, "chromium-profile"))
	if err != nil {
		return stop, err
	}
	suite.browser = ctx
	return stop, nil
}

// findChromium returns CONTACTDESK_CHROMIUM or the first Chromium or
// Chrome on PATH.
func findChromium() (string, error) {
	if p := os.Getenv("CONTACTDESK_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: CONTACTDESK_CHROMIUM: %v", errMissing, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: no Chromium found (apt-get install chromium, or set CONTACTDESK_CHROMIUM)", errMissing)
}

// findAxe returns CONTACTDESK_AXE or the copy e2e/install-axe.sh installs.
func findAxe() (string, error) {
	p := os.Getenv("CONTACTDESK_AXE")
	if p == "" {
		p = filepath.Join(repoRoot(), ".tools", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: axe-core not found at %s (run e2e/install-axe.sh, or set CONTACTDESK_AXE)", errMissing, p)
	}
	return p, nil
}

// repoRoot is the module root: the folder above this package's.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ".."
	}
	return filepath.Dir(filepath.Dir(file))
}

// buildBinary builds the portal as users get it.
func buildBinary(out string) error {
	start := time.Now()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = repoRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, strings.TrimSpace(string(msg)))
	}
	fmt.Fprintf(os.Stderr, "e2e: built the binary in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// startBrowser starts one headless Chromium for the whole run with a fresh
// profile. The flags keep it off the network: it only ever talks to the
// portal on loopback.
func startBrowser(path, profile string) (context.Context, func(), error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	stop := func() {
		cancelBrowser()
		cancelAlloc()
	}
	if err := chromedp.Do(ctx); err != nil {
		return nil, stop, fmt.Errorf("start %s: %w", path, err)
	}
	return ctx, stop, nil
}

// requireSuite skips the test when the environment is not there.
func requireSuite(t *testing.T) {
	t.Helper()
	if suite.skip != "" {
		t.Skip("end-to-end tests need a browser and axe-core: " + suite.skip)
	}
}
