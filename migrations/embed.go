// Package migrations holds the numbered SQL files that build the Contact Desk
// database, one set per engine: SQLite's in this folder, PostgreSQL's in
// postgres/. They are embedded into the binary and applied in version order
// by the store at start-up; each version is recorded so that none runs
// twice.
package migrations

import (
	"embed"
	"io/fs"
)

// files holds the migration files, named NNNNN_description.sql, in the
// layout pressly/goose expects.
//
//go:embed *.sql postgres/*.sql
var files embed.FS

// SQLite returns the migrations of a SQLite database.
func SQLite() fs.FS {
	return files
}

// Postgres returns the migrations of a PostgreSQL database.
func Postgres() fs.FS {
	sub, err := fs.Sub(files, "postgres")
	if err != nil {
		// fs.Sub fails only for an invalid path, and "postgres" is valid.
		panic(err)
	}
	return sub
}
