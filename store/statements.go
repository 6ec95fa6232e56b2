package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// statements runs fixed queries on a pool as prepared statements, each
// prepared once and reused: for the short lookups made on
// every request (the signed-in user, the audit log's head) SQLite spends
// about as long preparing a statement as running it.
//
// Only queries whose text is a constant belong here; every distinct text
// stays prepared until the store closes.
//
// Never use it inside a transaction: preparing on first use takes a
// connection of the pool, and with every connection held by a
// transaction waiting for that statement, the portal stops.
type statements struct {
	db *sql.DB

	mu      sync.Mutex
	byQuery map[string]*sql.Stmt
}

func newStatements(db *sql.DB) *statements {
	return &statements{db: db, byQuery: make(map[string]*sql.Stmt)}
}

// prepared returns query's statement, preparing it on first use.
func (s *statements) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if stmt, ok := s.byQuery[query]; ok {
		return stmt, nil
	}
	stmt, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.byQuery[query] = stmt
	return stmt, nil
}

// QueryContext runs query's statement with args.
func (s *statements) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryContext(ctx, args...)
}

// QueryRowContext runs query's statement with args for one row.
func (s *statements) QueryRowContext(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	stmt, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return stmt.QueryRowContext(ctx, args...), nil
}

// Close closes every statement.
func (s *statements) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for query, stmt := range s.byQuery {
		errs = append(errs, stmt.Close())
		delete(s.byQuery, query)
	}
	return errors.Join(errs...)
}
