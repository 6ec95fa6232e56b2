// Package store keeps Contact Desk's data: users and teams, sessions, the
// organizations cache, the directory and the hash-chained audit log, in
// SQLite (one file, the default) or in PostgreSQL (for several portal
// processes sharing one database). Nothing outside this package knows which.
//
// On SQLite every write goes through one connection, so writes are
// serialised inside the process and each transaction starts with BEGIN
// IMMEDIATE; reads use a small pool of read-only connections that WAL mode
// lets run beside the writer.
//
// On PostgreSQL, reads and writes share a pool, through database/sql and
// pgx's stdlib driver, so that both engines run the same code; audit
// appends are serialised across connections and processes by an advisory
// lock (see postgres.go). Queries are written once with ? placeholders,
// rewritten for PostgreSQL where statements reach the driver (rebind); the
// few fragments that differ between the engines are asked of the engine
// next to their query (engine.go). Migrations are kept per engine:
// migrations/ for SQLite, migrations/postgres/ for PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// ErrNotFound is returned when the requested row does not exist.
var ErrNotFound = errors.New("store: not found")

// readerConns is the size of the read pool. The portal's reads are short, and
// the machine it targets has few cores.
const readerConns = 4

// readerLifetime is how long a reader connection is used before the pool
// replaces it. SQLite loads the query planner's statistics when a
// connection reads the schema, so a new connection is how readers pick up
// what Optimize refreshed on the writer.
const readerLifetime = 15 * time.Minute

// pragmas are set through the DSN so that every pooled connection gets them,
// including connections the pool opens later. synchronous(FULL) because an
// acknowledged audit event must survive power loss. The page cache of each
// connection is 1 MB, half SQLite's default: with a million audit events,
// or a directory of 100,000 contacts, 8 MB per connection (five of them)
// made the portal's memory under load 118-121 MiB instead of 91-93 MiB
// and the pages no faster, the operating system's cache serving the rest;
// 1 MB takes the portal's memory under load from about 78 MiB to about
// 71 MiB (BENCHMARKS.md). Each cached page costs about twice its size:
// the driver's allocator rounds a page and its header up to 8 KiB.
const pragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=cache_size(-1000)"

// rowScanner is a *sql.Row or *sql.Rows: what a scan function of one row
// reads from.
type rowScanner interface {
	Scan(dest ...any) error
}

// Store is the Contact Desk database. It is safe for concurrent use.
type Store struct {
	engine engine
	// writer and reader are one pool on PostgreSQL.
	writer *sql.DB
	reader *sql.DB
	// statements runs the reads made on every request on reader.
	statements *statements
	// audit commits concurrent audit appends together.
	audit auditBatcher
	// organizationLocks holds the connections of the organizations'
	// locks on PostgreSQL (see LockOrganization); nil on SQLite.
	organizationLocks *sql.DB
}

// Open opens the database dsn names and applies pending migrations: a
// postgres:// or postgresql:// URL names a PostgreSQL database, anything
// else the path of a SQLite file, created with its folder when they do not
// exist.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if isPostgresURL(dsn) {
		return openPostgresStore(ctx, dsn)
	}
	return openSQLite(ctx, dsn)
}

// openSQLite opens the SQLite database at path.
func openSQLite(ctx context.Context, path string) (*Store, error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create folder for the database: %w", err)
	}
	// SQLite needs to create the -wal and -shm files next to the database,
	// so a read-only folder fails even when the file itself is writable.
	if err := checkWritable(dir); err != nil {
		return nil, err
	}

	writer, err := openDB(ctx, path, pragmas+"&_txlock=immediate", 1)
	if err != nil {
		return nil, err
	}
	s := &Store{engine: sqlite, writer: writer}
	if err := s.Migrate(ctx); err != nil {
		return nil, errors.Join(err, writer.Close())
	}
	if err := s.completeAuditTree(ctx); err != nil {
		return nil, errors.Join(err, writer.Close())
	}
	// Before the readers open, so that they start with the statistics.
	if err := s.Optimize(ctx); err != nil {
		return nil, errors.Join(err, writer.Close())
	}
	// Readers keep the default deferred BEGIN: an immediate one would take
	// the write lock. query_only makes a misrouted write fail loudly.
	s.reader, err = openDB(ctx, path, pragmas+"&_pragma=query_only(1)", readerConns)
	if err != nil {
		return nil, errors.Join(err, writer.Close())
	}
	s.reader.SetConnMaxLifetime(readerLifetime)
	s.statements = newStatements(s.reader)
	return s, nil
}

// openPostgresStore opens the PostgreSQL database at url.
func openPostgresStore(ctx context.Context, url string) (*Store, error) {
	db, err := openPostgres(ctx, url)
	if err != nil {
		return nil, err
	}
	locks, err := openPostgres(ctx, url)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	locks.SetMaxOpenConns(organizationLockConns)
	locks.SetMaxIdleConns(organizationLockConns)
	s := &Store{engine: postgres, writer: db, reader: db, statements: newStatements(db), organizationLocks: locks}
	if err := s.Migrate(ctx); err != nil {
		return nil, errors.Join(err, locks.Close(), db.Close())
	}
	if err := s.completeAuditTree(ctx); err != nil {
		return nil, errors.Join(err, locks.Close(), db.Close())
	}
	return s, nil
}

// checkPath refuses paths the driver would misread: it takes everything
// after a '?' as connection parameters.
func checkPath(path string) error {
	if path == "" {
		return errors.New("store: database path is empty")
	}
	if strings.ContainsRune(path, '?') {
		return fmt.Errorf("store: database path %q must not contain '?'", path)
	}
	return nil
}

// checkWritable reports, with the folder's name, when files cannot be created
// in dir.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".contactdesk-write-check-*")
	if err != nil {
		return fmt.Errorf("store: folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	if err := f.Close(); err != nil {
		return errors.Join(fmt.Errorf("store: folder %s is not writable: %w", dir, err), os.Remove(name))
	}
	if err := os.Remove(name); err != nil {
		return fmt.Errorf("store: folder %s: remove write check: %w", dir, err)
	}
	return nil
}

// openDB opens a pool of at most conns connections and checks that the file
// is a usable SQLite database.
func openDB(ctx context.Context, path, params string, conns int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?"+params)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	// Reading the schema touches the file: a plain Ping would accept a file
	// that is not a database.
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		return nil, errors.Join(fmt.Errorf("store: open %s: %w", path, err), db.Close())
	}
	return db, nil
}

// Close closes both connection pools.
func (s *Store) Close() error {
	var errs []error
	if err := s.statements.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close statements: %w", err))
	}
	if s.reader != s.writer {
		if err := s.reader.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close readers: %w", err))
		}
	}
	if s.organizationLocks != nil {
		if err := s.organizationLocks.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close the organizations' locks: %w", err))
		}
	}
	if err := s.writer.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close writer: %w", err))
	}
	return errors.Join(errs...)
}

// Engine names the database the store runs on, for operators: "SQLite"
// or "PostgreSQL".
func (s *Store) Engine() string { return s.engine.String() }

// Ping checks that the database answers a real query through the read pool.
// It does not wait for the writer, which a long write may hold.
func (s *Store) Ping(ctx context.Context) error {
	query := "SELECT count(*) FROM sqlite_schema"
	if s.engine == postgres {
		query = "SELECT 1"
	}
	var n int
	if err := s.reader.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Optimize has SQLite refresh the statistics its query planner chooses
// indexes by, on the tables that need it: PRAGMA optimize analyzes a table
// whose indexes have no statistics yet or whose size changed tenfold
// since it was last analyzed, reading a bounded sample of each index, so
// it stays quick on a large database. Open calls it; a long-running
// portal calls it from time to time, as the audit log grows.
//
// On PostgreSQL it does nothing: the server's autovacuum analyzes tables
// as they change.
func (s *Store) Optimize(ctx context.Context) error {
	if s.engine == postgres {
		return nil
	}
	// 0x10000: check every table, not only those this connection queried;
	// 0x10: with SQLite's analysis limit; 0x2: run ANALYZE where needed.
	if _, err := s.writer.ExecContext(ctx, `PRAGMA optimize=0x10012`); err != nil {
		return fmt.Errorf("store: optimize: %w", err)
	}
	return nil
}

// write runs fn in a transaction on the writer and commits when fn
// succeeds. On SQLite the transaction starts with BEGIN IMMEDIATE, so it
// holds the write lock from the start and never fails to upgrade a read
// lock; on PostgreSQL it is a READ COMMITTED transaction of the pool.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return inTx(ctx, s.writer, nil, fn)
}

// writeAudited is write for a transaction that appends to the audit log
// (insertAuditRows): on PostgreSQL it first takes the advisory lock that
// serialises audit appends across connections and processes, and holds it
// to the commit, so that what fn reads before appending (the chain's head,
// the row a change starts from) no other append changes meanwhile. On
// SQLite the one writer already serialises every write.
func (s *Store) writeAudited(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.engine != postgres {
		return s.write(ctx, fn)
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(auditLockKey)); err != nil {
			return fmt.Errorf("lock the audit log: %w", err)
		}
		return fn(tx)
	})
}

// read runs fn in a read transaction on the pool, so that all its queries
// see one snapshot of the database (on PostgreSQL, a REPEATABLE READ
// transaction: READ COMMITTED gives each statement a snapshot of its own).
func (s *Store) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var opts *sql.TxOptions
	if s.engine == postgres {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return inTx(ctx, s.reader, opts, fn)
}

func inTx(ctx context.Context, db *sql.DB, opts *sql.TxOptions, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// timeFormat is how every timestamp is stored: UTC with a fixed number of
// fraction digits, so that ordering the text orders the times.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// formatTime returns t in the stored form.
func formatTime(t time.Time) string {
	return t.UTC().Format(timeFormat)
}

// parseTime reads a stored timestamp back as a UTC time.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}
