package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// No container engine runs where the tests do, so these tests check the
// image's recipe instead: the Dockerfile's build command, run here with
// the same flags, makes a static binary that serves and answers its own
// HEALTHCHECK; and the image is set up as the documentation says.

// dockerfile is what the tests read from the Dockerfile.
type dockerfile struct {
	args   map[string]string // ARG defaults
	froms  []string
	runs   []string
	env    map[string]string
	lines  map[string][]string // instruction → its arguments, one entry per line
	health string
}

// instruction matches the start of a Dockerfile instruction.
var instruction = regexp.MustCompile(`^([A-Z]+)\s+(.*)$`)

func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(data), "\\\n", " ")
	d := dockerfile{args: map[string]string{}, env: map[string]string{}, lines: map[string][]string{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		m := instruction.FindStringSubmatch(line)
		if line == "" || strings.HasPrefix(line, "#") || m == nil {
			continue
		}
		name, rest := m[1], strings.Join(strings.Fields(m[2]), " ")
		d.lines[name] = append(d.lines[name], rest)
		switch name {
		case "ARG":
			if k, v, ok := strings.Cut(rest, "="); ok {
				d.args[k] = v
			}
		case "FROM":
			d.froms = append(d.froms, rest)
		case "RUN":
			d.runs = append(d.runs, rest)
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					d.env[k] = v
				}
			}
		case "HEALTHCHECK":
			d.health = rest
		}
	}
	return d
}

// expand replaces ${NAME} and $NAME with the ARG defaults.
func (d dockerfile) expand(s string) string {
	return os.Expand(s, func(name string) string { return d.args[name] })
}

// buildCommand returns the environment and the arguments of the go build
// the Dockerfile runs, as the shell would split them.
func (d dockerfile) buildCommand(t *testing.T) (env, args []string) {
	t.Helper()
	var found []string
	for _, r := range d.runs {
		if strings.Contains(r, "go build") {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("Dockerfile: %d RUN lines with go build, want 1", len(found))
	}
	words, err := shellWords(d.expand(found[0]))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env, words = append(env, words[0]), words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("Dockerfile: the build command %q does not start with go build", found[0])
	}
	return env, words[2:]
}

// shellWords splits a simple shell command line: words separated by
// spaces, with single or double quotes. Anything fancier is refused.
func shellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case strings.ContainsRune("&|;<>`\\", r):
			return nil, fmt.Errorf("the build command %q is more than one simple command", line)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced quote in %q", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

func TestDockerfileImage(t *testing.T) {
	d := readDockerfile(t)
	if len(d.froms) != 2 {
		t.Errorf("FROM lines: %d, want 2 (a build stage and the runtime image)", len(d.froms))
	}
	if len(d.froms) > 0 {
		last := d.froms[len(d.froms)-1]
		if !strings.Contains(last, "distroless/static") || !strings.Contains(last, "nonroot") {
			t.Errorf("runtime image %q, want a distroless static nonroot image", last)
		}
	}
	for k, want := range map[string]string{"CONTACTDESK_ADDR": ":8080", "CONTACTDESK_DB": "/data/contactdesk.db"} {
		if got := d.env[k]; got != want {
			t.Errorf("ENV %s=%q, want %q", k, got, want)
		}
	}
	for name, want := range map[string]string{"VOLUME": "/data", "EXPOSE": "8080", "USER": "nonroot:nonroot"} {
		if got := d.lines[name]; len(got) != 1 || got[0] != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	if !strings.Contains(d.health, `"healthcheck"]`) || !strings.Contains(d.health, "contactdesk") {
		t.Errorf("HEALTHCHECK %q does not run contactdesk healthcheck", d.health)
	}
	env, args := d.buildCommand(t)
	if !slices.Contains(env, "CGO_ENABLED=0") || !slices.Contains(args, "-trimpath") {
		t.Errorf("build command: env %q args %q, want CGO_ENABLED=0 and -trimpath", env, args)
	}
}

func TestDockerfileGoVersionMatchesGoMod(t *testing.T) {
	d := readDockerfile(t)
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	want := string(m[1])
	if tc := regexp.MustCompile(`(?m)^toolchain go(\S+)$`).FindSubmatch(mod); tc != nil {
		want = string(tc[1])
	}
	if got := d.args["GO_VERSION"]; got != want {
		t.Errorf("Dockerfile GO_VERSION=%q, want %q as go.mod says", got, want)
	}
	if len(d.froms) == 0 || !strings.HasPrefix(d.expand(d.froms[0]), "golang:"+want+"-") {
		t.Errorf("build stage %q does not use golang:%s", d.froms, want)
	}
}

// TestDockerfileBinary builds the binary with the Dockerfile's own command
// and checks that it is static (nothing to load in a distroless image) and
// that its healthcheck answers for a running portal, and fails without one.
func TestDockerfileBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	d := readDockerfile(t)
	env, args := d.buildCommand(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "contactdesk")
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			args[i+1] = bin
		}
	}
	build := exec.Command("go", append([]string{"build"}, args...)...)
	build.Env = append(os.Environ(), env...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %q: %v\n%s", args, err, out)
	}

	assertStatic(t, bin)

	port := freePort(t)
	portal := exec.Command(bin, "serve")
	portal.Env = []string{
		"CONTACTDESK_ADDR=127.0.0.1:" + port,
		"CONTACTDESK_DB=" + filepath.Join(dir, "data", "contactdesk.db"),
	}
	var out bytes.Buffer
	portal.Stdout, portal.Stderr = &out, &out
	if err := portal.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = portal.Process.Kill() // it may have stopped already
		_ = portal.Wait()
	})

	// The image sets CONTACTDESK_ADDR=:8080; the healthcheck takes an empty
	// host as loopback.
	check := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hc := exec.CommandContext(ctx, bin, "healthcheck")
		hc.Env = []string{"CONTACTDESK_ADDR=:" + port}
		msg, err := hc.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return nil
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := check()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck never passed: %v\nportal output:\n%s", err, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	if err := portal.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = portal.Wait() // killed: its status says so
	var exitErr *exec.ExitError
	if err := check(); !errors.As(err, &exitErr) {
		t.Errorf("healthcheck with no portal running: got %v, want a non-zero exit", err)
	}
}

// assertStatic fails unless the ELF file needs no dynamic loader.
func assertStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %s program header: it is dynamically linked", path, p.Type)
		}
	}
	if s := f.Section(".dynamic"); s != nil {
		t.Errorf("%s has a .dynamic section: it is dynamically linked", path)
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s imports libraries %v (%v), want none", path, libs, err)
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return port
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		line string
		want []string
		err  bool
	}{
		{line: `CGO_ENABLED=0 go build -trimpath -o /out/x .`, want: []string{"CGO_ENABLED=0", "go", "build", "-trimpath", "-o", "/out/x", "."}},
		{line: `go build -ldflags "-s -w -X main.version=dev" .`, want: []string{"go", "build", "-ldflags", "-s -w -X main.version=dev", "."}},
		{line: `go build -ldflags '-s' .`, want: []string{"go", "build", "-ldflags", "-s", "."}},
		{line: `go build . && strip x`, err: true},
		{line: `go build "-o x`, err: true},
	}
	for _, tt := range tests {
		got, err := shellWords(tt.line)
		if (err != nil) != tt.err || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("shellWords(%q) = %q, %v; want %q, error %v", tt.line, got, err, tt.want, tt.err)
		}
	}
}
