package store

import (
	"context"
	"fmt"

	"github.com/pressly/goose/v3"

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

// migrationProvider runs the embedded migrations on the writer. Go
// migrations registered globally with goose are ignored: the schema is the
// .sql files and nothing else.
func (s *Store) migrationProvider() (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectSQLite3, s.writer, migrations.FS,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("store: load migrations: %w", err)
	}
	return p, nil
}
