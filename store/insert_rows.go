package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// maxStatementParams bounds the parameters of one statement of insertRows:
// below SQLite's limit (32,766) and PostgreSQL's (65,535).
const maxStatementParams = 30_000

// insertRows inserts rows, each a list of values for the columns of
// prefix, with as few statements as the parameter limit allows: one
// "prefix VALUES (…), (…) suffix" per chunk of rows. An audit append
// writes a batch's events, tree hashes and derived rows this way, so
// that a batch costs a few round trips to PostgreSQL, not a few per
// event, while it holds the audit log's lock. suffix may be an ON
// CONFLICT clause; a chunk must then not name one key twice, which
// PostgreSQL refuses.
func insertRows(ctx context.Context, tx *sql.Tx, prefix, suffix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	chunk := max(1, maxStatementParams/width)
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		var b strings.Builder
		b.WriteString(prefix)
		b.WriteString(" VALUES ")
		args := make([]any, 0, len(part)*width)
		for i, r := range part {
			if len(r) != width {
				return fmt.Errorf("insert rows: row %d has %d values, want %d", start+i, len(r), width)
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?")
			b.WriteString(strings.Repeat(", ?", width-1))
			b.WriteString(")")
			args = append(args, r...)
		}
		if suffix != "" {
			b.WriteString(" ")
			b.WriteString(suffix)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns n question marks separated by commas, for an IN
// list.
func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return "?" + strings.Repeat(", ?", n-1)
}
