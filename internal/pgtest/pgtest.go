// Package pgtest runs a real PostgreSQL server for tests: one server per
// test binary, started on first use in a temporary folder, and a fresh
// database for each test that asks for one.
//
// A package that uses it runs its tests through Main, which stops the
// server when they end:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and each test calls Database for the URL of a database of its own,
// dropped when the test ends. The server needs PostgreSQL's initdb and
// postgres programs (Debian's postgresql package); without them Database
// skips the test with a message, unless CONTACTDESK_POSTGRES=1 is set (as
// in CI), where a missing server fails it.
//
// The server listens only on a Unix socket inside its folder, so that test
// binaries running side by side never compete for a port. It keeps fsync
// on, because durability is what the store's tests check, with small
// shared buffers. PostgreSQL refuses to run as root: when the tests run as
// root, initdb and the server run as the user nobody.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// RequiredVariable names the environment variable that, set to 1, makes a
// missing PostgreSQL a failure rather than a reason to skip.
const RequiredVariable = "CONTACTDESK_POSTGRES"

// startTimeout bounds how long the server may take to accept connections.
const startTimeout = 60 * time.Second

// state is the one server of the test binary. It is package state because
// a test binary has one TestMain; Main is what sets it up and tears it
// down.
var state struct {
	mu      sync.Mutex
	inMain  bool
	started bool
	server  *server
	err     error
	next    int
}

// Main runs the tests of m and then stops the server, if any test started
// one, and exits with the tests' code. Call it from TestMain.
func Main(m *testing.M) {
	state.mu.Lock()
	state.inMain = true
	state.mu.Unlock()
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Run is Main for a TestMain that has more to do: it runs fn, which runs
// the tests (m.Run) and returns their code, then stops the server, and
// returns the code.
func Run(fn func() int) int {
	state.mu.Lock()
	state.inMain = true
	state.mu.Unlock()
	code := fn()
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Available returns nil when PostgreSQL's programs are installed, and
// otherwise an error that says what is missing, without starting a
// server. A TestMain that runs its tests once more on PostgreSQL asks it
// first.
func Available() error {
	_, err := binDir()
	return err
}

// Required reports whether CONTACTDESK_POSTGRES=1 makes a missing server a
// failure.
func Required() bool { return os.Getenv(RequiredVariable) == "1" }

// Database creates an empty database on the test binary's server, starting
// the server on first use, and returns its URL (postgres://…). The
// database is dropped when tb ends. Without PostgreSQL it skips tb, or
// fails it when CONTACTDESK_POSTGRES=1.
func Database(tb testing.TB) string {
	tb.Helper()
	if _, err := running(); err != nil {
		if errors.Is(err, errNoPostgres) && !Required() {
			tb.Skipf("pgtest: %v (install Debian's postgresql package to run the PostgreSQL tests; %s=1 makes this a failure)",
				err, RequiredVariable)
		}
		tb.Fatalf("pgtest: %v", err)
	}
	return create(tb, "template0")
}

// create creates a database from template and returns its URL.
func create(tb testing.TB, template string) string {
	tb.Helper()
	srv, err := running()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	state.mu.Lock()
	state.next++
	name := fmt.Sprintf("test_%d", state.next)
	state.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("pgtest: drop database: %v", err)
		}
	})
	return srv.url(name)
}

// CopyDatabase creates a new database holding what the database at url
// holds (CREATE DATABASE … TEMPLATE, a file copy on the server) and
// returns its URL; it is dropped when tb ends. Nothing may be connected to
// the database at url meanwhile.
func CopyDatabase(tb testing.TB, url string) string {
	tb.Helper()
	config, err := pgx.ParseConfig(url)
	if err != nil {
		tb.Fatalf("pgtest: copy database: %v", err)
	}
	return create(tb, pgx.Identifier{config.Database}.Sanitize())
}

// errNoPostgres is returned when the server's programs are not installed.
var errNoPostgres = errors.New("PostgreSQL's initdb and postgres programs were not found")

// running returns the server, starting it on first use.
func running() (*server, error) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if !state.inMain {
		return nil, errors.New("pgtest.Database needs pgtest.Main (or Run) in the package's TestMain, which stops the server")
	}
	if !state.started {
		state.started = true
		state.server, state.err = start()
	}
	return state.server, state.err
}

// stop stops the server if one was started.
func stop() error {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.server == nil {
		return nil
	}
	err := state.server.stop()
	state.server = nil
	return err
}

// server is a PostgreSQL server in a folder of its own.
type server struct {
	dir  string // holds data/, the socket and the log
	cmd  *exec.Cmd
	done chan error // receives the server's exit
}

const port = 5432

// url returns the URL of database name on the server.
func (s *server) url(name string) string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + name, RawQuery: q.Encode()}).String()
}

// exec runs one statement on the postgres database.
func (s *server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, sql)
	return errors.Join(err, conn.Close(ctx))
}

// binDir finds the folder of initdb and postgres: the one initdb is found
// in on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, err := filepath.Glob("/usr/lib/postgresql/*/bin")
	if err != nil {
		return "", err
	}
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errNoPostgres
}

// version reads the major version from /usr/lib/postgresql/N/bin.
func version(binDir string) int {
	n, err := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	if err != nil {
		return 0
	}
	return n
}

// start initialises a cluster in a new temporary folder and starts its
// server.
func start() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("temporary folder: %w", err)
	}
	s := &server{dir: dir}
	cred, err := serverCredential(dir)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	data := filepath.Join(dir, "data")
	// --no-sync: a cluster made for one test run need not survive a power
	// loss before it is used; the server itself runs with fsync on.
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, errors.Join(fmt.Errorf("initdb: %w\n%s", err, out), os.RemoveAll(dir))
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	// The server runs as a child of the test binary rather than through
	// pg_ctl, so that Pdeathsig ends it should the test binary be killed
	// before Main stops it.
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-c", "listen_addresses=", "-c", "unix_socket_directories="+dir, "-p", strconv.Itoa(port),
		"-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "shared_buffers=16MB",
		"-c", "max_connections=200", "-c", "logging_collector=off")
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, errors.Join(fmt.Errorf("start postgres: %w", err), logFile.Close(), os.RemoveAll(dir))
	}
	s.done = make(chan error, 1)
	go func() { s.done <- errors.Join(s.cmd.Wait(), logFile.Close()) }()
	if err := s.waitReady(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log")) // best effort, for the message
		return nil, errors.Join(fmt.Errorf("%w\nserver log:\n%s", err, log), s.stop())
	}
	return s, nil
}

// serverCredential returns the user the server runs as: nil (the test's
// own) unless the test runs as root, which PostgreSQL refuses; then nobody,
// given dir.
func serverCredential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("tests run as root and PostgreSQL refuses root, but there is no user nobody: %w", err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user nobody: uid %q: %w", u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("user nobody: gid %q: %w", u.Gid, err)
	}
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return nil, fmt.Errorf("give %s to nobody: %w", dir, err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

// waitReady waits until the server accepts connections, or exits.
func (s *server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		err := s.exec(ctx, "SELECT 1")
		if err == nil {
			return nil
		}
		select {
		case exitErr := <-s.done:
			s.done <- exitErr // for stop
			return fmt.Errorf("postgres exited before accepting connections: %v", exitErr)
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections within %v: %w", startTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop shuts the server down (fast shutdown: sessions are ended) and
// removes its folder.
func (s *server) stop() error {
	var errs []error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.done:
			// Exited already.
		default:
			if err := s.cmd.Process.Signal(syscall.SIGINT); err != nil {
				errs = append(errs, fmt.Errorf("stop postgres: %w", err))
			}
			select {
			case <-s.done:
			case <-time.After(30 * time.Second):
				errs = append(errs, errors.New("postgres did not stop within 30s: killed"),
					syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL))
				<-s.done
			}
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", s.dir, err))
	}
	return errors.Join(errs...)
}
