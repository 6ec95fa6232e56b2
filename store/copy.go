package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrTargetNotEmpty is returned by CopyTo when the target database holds
// data already: a copy never merges into, or overwrites, a database in use.
var ErrTargetNotEmpty = errors.New("store: the target database is not empty")

// copiedTables lists every table a copy carries, in an order that inserts
// rows before the rows that refer to them. The audit events come before
// the directory's organizations, so that the trigger that makes an
// organization due after a submission finds none to change: the copy
// keeps due_at as it was. Full-text indexes are not tables here: each
// engine keeps its own, from the rows.
var copiedTables = []string{
	"settings", "organizations", "sync_state", "organization_characters",
	"users", "password_tokens", "teams", "team_members", "team_organizations", "team_maintainers",
	"group_mappings", "drafts", "sessions",
	"audit_events", "audit_tree", "audit_checkpoints",
	"audit_submissions", "audit_organizations", "audit_actors", "audit_daily",
	"directory_organizations", "directory_contacts", "directory_people", "directory_state",
	"bulk_jobs", "bulk_items",
}

// uncopiedTables are the tables a copy leaves behind: they hold what
// running processes count for a few minutes, not data.
var uncopiedTables = []string{"digicert_requests"}

// booleanColumns are the flags SQLite keeps as 0 or 1 and PostgreSQL as
// booleans; a copy converts them for its target.
var booleanColumns = map[string]bool{
	"organizations.is_active": true, "users.disabled": true, "users.sso_link_allowed": true,
	"directory_state.paused": true,
}

// derivedColumns sets the columns the target computes from others rather
// than copies: sort keys (whose separator older SQLite rows hold as
// U+0000, which PostgreSQL's text cannot), and, on PostgreSQL, the words
// of the people search, which SQLite keeps in its FTS5 index instead.
func (s *Store) derivedColumns(table string, values map[string]any) {
	name, _ := values["name"].(string)
	switch table {
	case "organizations":
		values["sort_key"] = sortKey(name)
	case "directory_people":
		values["sort_key"] = sortKey(name)
		if s.engine == postgres {
			email, _ := values["email"].(string)
			values["search_words"] = searchWords(name, email)
		} else {
			delete(values, "search_words")
		}
	}
}

// copiedColumns lists the columns of table the target s writes, given
// those the source has.
func (s *Store) copiedColumns(table string, source []string) []string {
	var out []string
	for _, c := range source {
		if table == "directory_people" && c == "search_words" && s.engine != postgres {
			continue
		}
		out = append(out, c)
	}
	if table == "directory_people" && s.engine == postgres && !containsString(out, "search_words") {
		out = append(out, "search_words")
	}
	return out
}

// CopyReport says what CopyTo copied and found.
type CopyReport struct {
	// Rows counts the rows copied, by table.
	Rows map[string]int
	// Audit is the verified audit log, the same on both sides.
	Audit AuditLogCheck
}

// CopyTo copies every row of s into dst, which must hold no data
// (ErrTargetNotEmpty otherwise): from a SQLite file into PostgreSQL, say.
// It verifies the audit log of s before (chain, tree and derived tables)
// and of dst after, and fails unless both are intact and end at the same
// event with the same tree root. The rows are written in one transaction,
// holding dst's audit lock: a failed copy leaves dst empty.
func (s *Store) CopyTo(ctx context.Context, dst *Store) (CopyReport, error) {
	report := CopyReport{Rows: map[string]int{}}
	source, err := s.VerifyAuditLog(ctx, VerifyAuditOptions{})
	if err != nil {
		return report, fmt.Errorf("store: copy: the source's audit log: %w", err)
	}
	err = dst.writeAudited(ctx, func(tx *sql.Tx) error {
		if err := checkEmpty(ctx, tx); err != nil {
			return err
		}
		return s.read(ctx, func(from *sql.Tx) error {
			for _, table := range copiedTables {
				n, err := dst.copyTable(ctx, from, tx, table)
				if err != nil {
					return fmt.Errorf("%s: %w", table, err)
				}
				report.Rows[table] = n
			}
			return nil
		})
	})
	if err != nil {
		return report, fmt.Errorf("store: copy: %w", err)
	}
	if err := dst.restartIdentities(ctx); err != nil {
		return report, fmt.Errorf("store: copy: %w", err)
	}
	if report.Audit, err = dst.VerifyAuditLog(ctx, VerifyAuditOptions{}); err != nil {
		return report, fmt.Errorf("store: copy: the target's audit log: %w", err)
	}
	if report.Audit.Head != source.Head || report.Audit.Tree != source.Tree {
		return report, fmt.Errorf("store: copy: the target's audit log ends at event %d (%s), the source's at %d (%s)",
			report.Audit.Head.LastID, report.Audit.Head.LastHash, source.Head.LastID, source.Head.LastHash)
	}
	return report, nil
}

// checkEmpty returns ErrTargetNotEmpty when any copied table holds a row,
// but for directory_state, whose one row every new database has.
func checkEmpty(ctx context.Context, tx *sql.Tx) error {
	for _, table := range copiedTables {
		if table == "directory_state" {
			continue
		}
		var any bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&any); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if any {
			return fmt.Errorf("%w: %s has rows", ErrTargetNotEmpty, table)
		}
	}
	return nil
}

// copyTable copies every row of table from one transaction into another,
// column by column as the source names them, and returns how many.
func (s *Store) copyTable(ctx context.Context, from, to *sql.Tx, table string) (int, error) {
	rows, err := from.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	names := s.copiedColumns(table, columns)
	values := make(map[string]any, len(names))
	if table == "directory_state" {
		// Every database has its one row: the copy replaces it.
		if _, err := to.ExecContext(ctx, `DELETE FROM directory_state`); err != nil {
			return 0, err
		}
	}
	insert, err := to.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(names, ", ")+`)
		VALUES (?`+strings.Repeat(", ?", len(names)-1)+`)`)
	if err != nil {
		return 0, err
	}
	defer insert.Close()
	raw := make([]any, len(columns))
	dest := make([]any, len(columns))
	for i := range raw {
		dest[i] = &raw[i]
	}
	args := make([]any, len(names))
	n := 0
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return n, err
		}
		clear(values)
		for i, c := range columns {
			values[c] = s.convert(table+"."+c, raw[i])
		}
		s.derivedColumns(table, values)
		for i, name := range names {
			args[i] = values[name]
		}
		if _, err := insert.ExecContext(ctx, args...); err != nil {
			return n, fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
	}
	return n, rows.Err()
}

// convert turns a value read from any engine into what s stores in
// column (table.name).
func (s *Store) convert(column string, v any) any {
	if !booleanColumns[column] {
		return v
	}
	switch b := v.(type) {
	case int64:
		if s.engine == postgres {
			return b != 0
		}
	case bool:
		if s.engine == sqlite {
			if b {
				return int64(1)
			}
			return int64(0)
		}
	}
	return v
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// restartIdentities moves the id sequences of PostgreSQL's identity
// columns past the ids a copy inserted, so that new rows do not collide
// with copied ones. SQLite takes the next id from the rows themselves.
func (s *Store) restartIdentities(ctx context.Context) error {
	if s.engine != postgres {
		return nil
	}
	var tables []string
	rows, err := s.writer.QueryContext(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("list the identity columns: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			return fmt.Errorf("list the identity columns: %w", err)
		}
		tables = append(tables, table)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list the identity columns: %w", err)
	}
	for _, table := range tables {
		if _, err := s.writer.ExecContext(ctx,
			`SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), coalesce(max(id), 0) + 1, false) FROM `+table); err != nil {
			return fmt.Errorf("restart the ids of %s: %w", table, err)
		}
	}
	return nil
}
