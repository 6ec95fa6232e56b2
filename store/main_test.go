package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/contactdesk/contactdesk/internal/pgtest"
)

// testEngine is the engine the running pass of the tests opens: TestMain
// runs every test of the package on SQLite, then again on PostgreSQL.
var testEngine = sqlite

// TestMain runs the store's tests once per engine, so that one test suite
// holds both to the same behaviour. Without PostgreSQL the second pass is
// left out with a message (or fails, with CONTACTDESK_POSTGRES=1).
func TestMain(m *testing.M) {
	os.Exit(pgtest.Run(func() int {
		code := m.Run()
		if err := pgtest.Available(); err != nil {
			if pgtest.Required() {
				fmt.Fprintf(os.Stderr, "store: PostgreSQL pass: %v (%s=1)\n", err, pgtest.RequiredVariable)
				return 1
			}
			fmt.Printf("store: the PostgreSQL pass is skipped: %v\n", err)
			return code
		}
		testEngine = postgres
		fmt.Println("store: the same tests on PostgreSQL")
		return max(code, m.Run())
	}))
}

// openTestStore opens a fresh database of the engine under test, in a
// temporary folder or on the test binary's PostgreSQL server, and closes
// it when the test ends.
func openTestStore(tb testing.TB) *Store {
	tb.Helper()
	return openTestStoreAt(tb, testDSN(tb))
}

// openTestStoreAt opens the database dsn names, as one more portal
// process would, and closes it when the test ends.
func openTestStoreAt(tb testing.TB, dsn string) *Store {
	tb.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// testDSN names a fresh, empty database of the engine under test.
func testDSN(tb testing.TB) string {
	tb.Helper()
	if testEngine == postgres {
		return pgtest.Database(tb)
	}
	return filepath.Join(tb.TempDir(), "contactdesk.db")
}

// sqliteOnly skips the test on PostgreSQL: it checks something only a
// SQLite file has (its path, its folder, the file's contents).
func sqliteOnly(tb testing.TB) {
	tb.Helper()
	if testEngine != sqlite {
		tb.Skip("SQLite only: the test is about the database file")
	}
}

// copyTestDatabase copies the closed database dsn names and returns the
// copy's name.
func copyTestDatabase(tb testing.TB, dsn string) string {
	tb.Helper()
	if testEngine == postgres {
		return pgtest.CopyDatabase(tb, dsn)
	}
	data, err := os.ReadFile(dsn)
	if err != nil {
		tb.Fatalf("read database: %v", err)
	}
	copied := filepath.Join(tb.TempDir(), "copy.db")
	if err := os.WriteFile(copied, data, 0o600); err != nil {
		tb.Fatalf("copy database: %v", err)
	}
	return copied
}

// dropTriggers removes the named triggers of table, as someone editing
// the database directly could: on PostgreSQL it disables them.
func dropTriggers(tb testing.TB, s *Store, table string, names ...string) {
	tb.Helper()
	for _, n := range names {
		stmt := "DROP TRIGGER " + n
		if testEngine == postgres {
			stmt = "ALTER TABLE " + table + " DISABLE TRIGGER " + n
		}
		if _, err := s.writer.ExecContext(context.Background(), stmt); err != nil {
			tb.Fatalf("drop trigger %s: %v", n, err)
		}
	}
}

// tableColumns lists the columns of table in order, with SQLite's names
// of their types (INTEGER, TEXT, BLOB).
func tableColumns(t *testing.T, table string) []tableColumn {
	t.Helper()
	s := openTestStore(t)
	query := `SELECT name, type FROM pragma_table_info(?) ORDER BY cid`
	if testEngine == postgres {
		query = `SELECT column_name, CASE data_type WHEN 'bigint' THEN 'INTEGER' WHEN 'bytea' THEN 'BLOB'
			WHEN 'boolean' THEN 'INTEGER' ELSE 'TEXT' END
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?
			ORDER BY ordinal_position`
	}
	rows, err := s.reader.QueryContext(context.Background(), query, table)
	if err != nil {
		t.Fatalf("table_info: %v", err)
	}
	defer rows.Close()
	var cols []tableColumn
	for rows.Next() {
		var c tableColumn
		if err := rows.Scan(&c.name, &c.kind); err != nil {
			t.Fatalf("table_info: %v", err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("table_info: %v", err)
	}
	return cols
}
