package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On PostgreSQL the store goes through database/sql too, with pgx's
// stdlib driver: every query, transaction and scan is the code SQLite
// runs, so that the two engines cannot drift apart behind one method.
// pgx's native interface would be a little faster, but would have split
// the store in two.
//
// Several portal processes may share one database. Writes use a pool of
// connections, not one writer, and PostgreSQL's row locks and constraints
// keep them apart, except where order matters across processes: the audit
// log. Its appends read the chain's head and write the next event, so two
// processes appending at once would fork the chain (the primary key on
// audit_events.id would refuse the second, but refusing an audit event is
// no better). So every transaction that appends to the audit log takes a
// transaction-level advisory lock first (see writeAudited): appends from
// every connection of every process are serialised, the tree and the
// chain stay one, and the lock goes with the commit or rollback, so a
// process that dies holds nothing.

// postgresConns is the size of the connection pool on PostgreSQL: reads
// and writes share it.
const postgresConns = 16

// auditLockKey identifies the advisory lock that serialises audit
// appends: any fixed number, the same in every process ("CDaudit" in
// ASCII).
const auditLockKey = 0x43446175646974

// openPostgres opens a pool on the PostgreSQL database at url, a
// postgres:// URL in the form libpq accepts.
func openPostgres(ctx context.Context, url string) (*sql.DB, error) {
	config, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: PostgreSQL URL: %w", err)
	}
	db := sql.OpenDB(rebindConnector{stdlib.GetConnector(*config)})
	db.SetMaxOpenConns(postgresConns)
	db.SetMaxIdleConns(postgresConns)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("store: open PostgreSQL database %s: %w", redactURL(config), err), db.Close())
	}
	return db, nil
}

// redactURL names the database for messages, without its password.
func redactURL(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s on %s:%d", c.Database, c.Host, c.Port)
}

// rebindConnector hands out connections that rewrite the store's ?
// placeholders into PostgreSQL's $N before pgx sees a statement.
type rebindConnector struct{ driver.Connector }

// Connect implements driver.Connector.
func (c rebindConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &rebindConn{conn.(*stdlib.Conn)}, nil
}

// rebindConn is a pgx connection whose statements pass through rebind.
// It offers database/sql what pgx's connection offers.
type rebindConn struct{ *stdlib.Conn }

// Prepare implements driver.Conn; see PrepareContext.
func (c *rebindConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

// PrepareContext implements driver.ConnPrepareContext without asking the
// server: pgx keeps the prepared form of every statement a connection
// runs (its statement cache), so the statement is parsed by the server at
// its first run on the connection and never again. The store prepares
// its statements per transaction, which on SQLite costs nothing and here
// would cost a round trip for each, and as many to close them, inside the
// audit log's lock.
func (c *rebindConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return &cachedStmt{conn: c.Conn, query: rebind(query)}, nil
}

// cachedStmt is a statement pgx prepares on its first run (see
// rebindConn.PrepareContext).
type cachedStmt struct {
	conn  *stdlib.Conn
	query string
}

// Close implements driver.Stmt: the prepared form stays in the
// connection's cache.
func (s *cachedStmt) Close() error { return nil }

// NumInput implements driver.Stmt: -1, the server counts the parameters.
func (s *cachedStmt) NumInput() int { return -1 }

// Exec implements driver.Stmt.
func (s *cachedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

// Query implements driver.Stmt.
func (s *cachedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

// ExecContext implements driver.StmtExecContext.
func (s *cachedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.conn.ExecContext(ctx, s.query, args)
}

// QueryContext implements driver.StmtQueryContext.
func (s *cachedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.QueryContext(ctx, s.query, args)
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

func (c *rebindConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c *rebindConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

var (
	_ driver.StmtExecContext    = (*cachedStmt)(nil)
	_ driver.StmtQueryContext   = (*cachedStmt)(nil)
	_ driver.ConnPrepareContext = (*rebindConn)(nil)
	_ driver.ConnBeginTx        = (*rebindConn)(nil)
	_ driver.ExecerContext      = (*rebindConn)(nil)
	_ driver.QueryerContext     = (*rebindConn)(nil)
	_ driver.Pinger             = (*rebindConn)(nil)
	_ driver.SessionResetter    = (*rebindConn)(nil)
	_ driver.NamedValueChecker  = (*rebindConn)(nil)
)
