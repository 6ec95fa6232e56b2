package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/contactdesk/contactdesk/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect to %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestDatabaseIsFreshAndDurable(t *testing.T) {
	ctx := context.Background()
	first := pgtest.Database(t)
	second := pgtest.Database(t)
	if first == second {
		t.Fatalf("two databases share the URL %s", first)
	}
	a := connect(t, first)
	if _, err := a.Exec(ctx, `CREATE TABLE t (n integer)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	b := connect(t, second)
	var n int
	if err := b.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 't'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the second database sees the first one's table")
	}
	for setting, want := range map[string]string{"fsync": "on", "synchronous_commit": "on", "server_encoding": "UTF8"} {
		var got string
		if err := a.QueryRow(ctx, `SELECT current_setting($1)`, setting).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", setting, got, want)
		}
	}
}
