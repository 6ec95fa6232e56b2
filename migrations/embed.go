// Package migrations holds the numbered SQL files that build the Contact Desk
// database. They are embedded into the binary and applied in version order by
// the store at start-up; each version is recorded so that none runs twice.
package migrations

import "embed"

// FS holds the migration files, named NNNNN_description.sql, in the layout
// pressly/goose expects.
//
//go:embed *.sql
var FS embed.FS
