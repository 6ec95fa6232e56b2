package store

import (
	"context"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/contactdesk/contactdesk/migrations"
)

// Migrate applies the migrations the database has not seen yet, each in its
// own transaction, and records them so that none runs twice. Open calls it;
// calling it again is harmless.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.migrationProvider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// SchemaVersion returns the version of the newest migration applied.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := s.migrationProvider()
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: schema version: %w", err)
	}
	return v, nil
}

// migrationProvider runs the embedded migrations of the store's engine on
// the writer. Go migrations registered globally with goose are ignored:
// the schema is the .sql files and nothing else.
//
// On PostgreSQL, goose takes a session-level advisory lock around the
// migrations, so that portal processes starting together apply each once.
func (s *Store) migrationProvider() (*goose.Provider, error) {
	dialect, files := goose.DialectSQLite3, migrations.SQLite()
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if s.engine == postgres {
		dialect, files = goose.DialectPostgres, migrations.Postgres()
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, fmt.Errorf("store: migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.writer, files, opts...)
	if err != nil {
		return nil, fmt.Errorf("store: load migrations: %w", err)
	}
	return p, nil
}
