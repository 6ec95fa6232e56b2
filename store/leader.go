package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/contactdesk/contactdesk/internal/sleep"
)

// LeaderLease decides which of the portal processes sharing a database
// does the work only one may do at a time: the directory's worker, the
// signing of audit checkpoints, the runner of bulk jobs. A process takes
// part by running Run; each piece of such work runs under Lead, which
// starts it when the process becomes the leader and stops it (by ending
// its context) when the process stops being the leader.
//
// On PostgreSQL the lease is a session-level advisory lock, taken on a
// connection kept for it alone: the process that holds the lock leads,
// the others try again every few seconds. The lock lives as long as the
// session, so a leader that exits, is killed, or whose connection breaks
// loses it without doing anything: when the process dies, the server sees
// its connection close and releases the lock at once; when its machine
// dies, the server's TCP keepalives (set short on the lease's connection)
// find the dead peer within about 25 seconds. The leader checks its
// connection every few seconds and stops its work as soon as a check
// fails. Between the server releasing a lock and the old leader finding
// out, two processes may lead for a few seconds: the work run under the
// lease tolerates that (a directory read made twice is recorded once;
// a checkpoint of a size already signed is not signed again; a bulk job
// is claimed item by item in the database).
//
// On SQLite one process uses the database, and it always leads.
type LeaderLease struct {
	store *Store
	opts  LeaseOptions

	mu sync.Mutex
	// term is the current term of leadership; nil while following.
	term *leaderTerm
	// changed is closed, and replaced, when a term begins.
	changed chan struct{}
}

// leaderTerm is one spell of leadership. Its context ends when it ends;
// work counts the pieces of work running in it, which end before the
// lease is given up.
type leaderTerm struct {
	ctx    context.Context
	cancel context.CancelFunc
	work   sync.WaitGroup
}

// LeaseOptions configure a LeaderLease. The zero value is usable.
type LeaseOptions struct {
	// Instance names this process to the others, where the database can
	// show it (PostgreSQL's application_name of the lease's connection).
	Instance string
	// Retry is how often a process that does not lead tries to take the
	// lease, and waits after its connection failed; DefaultLeaseRetry
	// when zero.
	Retry time.Duration
	// Check is how often the leader checks that its connection, and so
	// the lease, is still there; DefaultLeaseCheck when zero.
	Check time.Duration
	// OnChange, when set, is told each time this process starts or
	// stops leading, and err says why a term ended when it ended for
	// another reason than Run's context ending: for the log.
	OnChange func(leading bool, err error)
}

// Defaults of LeaseOptions: a dead leader's lease is taken over within
// DefaultLeaseRetry of the server releasing it. The leader checks more
// often than the others try, so that when the server ends its session it
// usually stops before another process starts.
const (
	DefaultLeaseRetry = 2 * time.Second
	DefaultLeaseCheck = time.Second
)

// leaderLockKey identifies the advisory lock of the lease: any fixed
// number, the same in every process, other than auditLockKey ("CDleade"
// in ASCII).
const leaderLockKey = 0x43446c65616465

// NewLeaderLease returns this process's part in the leader lease of the
// database. Nothing happens until Run.
func (s *Store) NewLeaderLease(opts LeaseOptions) *LeaderLease {
	if opts.Retry <= 0 {
		opts.Retry = DefaultLeaseRetry
	}
	if opts.Check <= 0 {
		opts.Check = DefaultLeaseCheck
	}
	return &LeaderLease{store: s, opts: opts, changed: make(chan struct{})}
}

// Leading reports whether this process leads now.
func (l *LeaderLease) Leading() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.term != nil
}

// Lead runs work each time this process becomes the leader, with a
// context that ends when the term of leadership ends or ctx ends, and
// returns once ctx has ended and work has returned. Work should return
// soon after its context ends: the lease is given up only then.
func (l *LeaderLease) Lead(ctx context.Context, work func(context.Context)) {
	for {
		term := l.await(ctx)
		if term == nil {
			return
		}
		workCtx, cancel := context.WithCancel(term.ctx)
		stop := context.AfterFunc(ctx, cancel)
		work(workCtx)
		stop()
		cancel()
		term.work.Done()
		// Work that returned before its term ended (it finished, or
		// failed) is not started again within the same term.
		select {
		case <-ctx.Done():
			return
		case <-term.ctx.Done():
		}
	}
}

// await waits until this process leads and returns the term, with the
// work it is about to run counted, or nil when ctx ends first.
func (l *LeaderLease) await(ctx context.Context) *leaderTerm {
	for {
		l.mu.Lock()
		term, changed := l.term, l.changed
		if term != nil && term.ctx.Err() == nil {
			term.work.Add(1)
			l.mu.Unlock()
			return term
		}
		l.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// Run takes part in the lease until ctx ends: it takes the lease when no
// other process holds it, keeps it while it can, and gives it up when ctx
// ends, once the work run under Lead has returned.
func (l *LeaderLease) Run(ctx context.Context) {
	if l.store.engine != postgres {
		// One process: it leads until it stops.
		l.serve(ctx, func(term context.Context) error {
			<-term.Done()
			return nil
		})
		return
	}
	for ctx.Err() == nil {
		if err := l.campaign(ctx); err != nil && ctx.Err() == nil && l.opts.OnChange != nil {
			l.opts.OnChange(false, err)
		}
		sleep.For(ctx, l.opts.Retry)
	}
}

// campaign takes a connection for the lease and tries to take the lock on
// it every Retry, leading while it holds it, until ctx ends or the
// connection fails.
func (l *LeaderLease) campaign(ctx context.Context) (err error) {
	conn, err := l.store.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: leader lease: connect: %w", err)
	}
	// The connection never goes back to the pool: closing it ends the
	// session, and with it the lock, whatever state it is in.
	defer func() { err = errors.Join(err, discardConn(conn)) }()
	if err := l.prepareConn(ctx, conn); err != nil {
		return err
	}
	for {
		var got bool
		err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(?)`, int64(leaderLockKey)).Scan(&got)
		if err != nil {
			return fmt.Errorf("store: leader lease: take the lock: %w", err)
		}
		if got {
			return l.serve(ctx, func(term context.Context) error { return l.hold(term, conn) })
		}
		if !sleep.For(ctx, l.opts.Retry) {
			return nil
		}
	}
}

// prepareConn names the lease's connection after the instance, and has
// the server probe it often, so that the lock of a leader whose machine
// died is released within about 25 seconds rather than TCP's hours. The
// keepalive settings do nothing on a Unix socket, where no peer can die
// without the kernel closing the connection.
func (l *LeaderLease) prepareConn(ctx context.Context, conn *sql.Conn) error {
	settings := [][2]string{
		{"application_name", truncate("contactdesk leader lease: "+l.opts.Instance, 63)},
		{"tcp_keepalives_idle", "10"},
		{"tcp_keepalives_interval", "5"},
		{"tcp_keepalives_count", "3"},
	}
	for _, kv := range settings {
		var set string
		if err := conn.QueryRowContext(ctx, `SELECT set_config(?, ?, false)`, kv[0], kv[1]).Scan(&set); err != nil {
			return fmt.Errorf("store: leader lease: set %s: %w", kv[0], err)
		}
	}
	return nil
}

// hold checks the lease's connection every Check until term ends, and
// returns the error of the first check that fails: the session, and with
// it the lock, may be gone.
func (l *LeaderLease) hold(term context.Context, conn *sql.Conn) error {
	ticker := time.NewTicker(l.opts.Check)
	defer ticker.Stop()
	for {
		select {
		case <-term.Done():
			return nil
		case <-ticker.C:
		}
		ctx, cancel := context.WithTimeout(term, l.opts.Check+5*time.Second)
		var one int
		err := conn.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
		cancel()
		if err != nil && term.Err() == nil {
			return fmt.Errorf("store: leader lease: the connection holding the lease failed: %w", err)
		}
	}
}

// serve opens a term of leadership, runs hold until ctx ends or hold
// returns, then closes the term and waits for the work in it to return.
func (l *LeaderLease) serve(ctx context.Context, hold func(term context.Context) error) error {
	termCtx, cancel := context.WithCancel(ctx)
	term := &leaderTerm{ctx: termCtx, cancel: cancel}
	l.mu.Lock()
	l.term = term
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	if l.opts.OnChange != nil {
		l.opts.OnChange(true, nil)
	}

	err := hold(termCtx)

	l.mu.Lock()
	l.term = nil
	l.mu.Unlock()
	cancel()
	term.work.Wait()
	if l.opts.OnChange != nil {
		l.opts.OnChange(false, err)
	}
	return err
}

// discardConn closes conn without giving it back to the pool, so that its
// session ends.
func discardConn(conn *sql.Conn) error {
	// Raw returning ErrBadConn has database/sql close the connection
	// rather than keep it; Close then finds it done.
	err := conn.Raw(func(any) error { return driver.ErrBadConn })
	if !errors.Is(err, driver.ErrBadConn) && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("store: leader lease: discard the connection: %w", err)
	}
	if err := conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("store: leader lease: close the connection: %w", err)
	}
	return nil
}

// truncate cuts s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
