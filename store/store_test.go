package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenCreatesFolderAndMigrates(t *testing.T) {
	sqliteOnly(t) // a file and its folder
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data", "nested")
	path := filepath.Join(dir, "contactdesk.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("stat folder: %v", err)
	}
	if got, want := info.Mode().Perm(), os.FileMode(0o750); got != want {
		t.Errorf("folder mode = %v, want %v", got, want)
	}
	version, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if version < 2 {
		t.Errorf("SchemaVersion = %d, want at least 2", version)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// Opening again finds every migration applied and changes nothing.
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	again, err := s.SchemaVersion(ctx)
	if err != nil {
		t.Fatalf("SchemaVersion: %v", err)
	}
	if again != version {
		t.Errorf("SchemaVersion after reopening = %d, want %d", again, version)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Errorf("Migrate on an up-to-date database: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	sqliteOnly(t) // paths
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want string
	}{
		{"empty path", "", "database path is empty"},
		{"question mark", filepath.Join(dir, "a?b.db"), "must not contain '?'"},
		{"parent is a file", filepath.Join(notDir, "contactdesk.db"), "create folder"},
		{"not a database", notDB, "garbage.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error containing %q", tt.path, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q) error = %q, want it to contain %q", tt.path, err, tt.want)
			}
		})
	}
}

func TestOpenUnwritableFolder(t *testing.T) {
	sqliteOnly(t) // a folder
	if os.Geteuid() == 0 {
		t.Skip("root can write to any folder")
	}
	dir := filepath.Join(t.TempDir(), "readonly")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), filepath.Join(dir, "contactdesk.db"))
	if err == nil || !strings.Contains(err.Error(), "is not writable") {
		t.Fatalf("Open in a read-only folder: error = %v, want one saying the folder is not writable", err)
	}
}

func TestConnectionSettings(t *testing.T) {
	sqliteOnly(t) // SQLite's pragmas and pools
	ctx := context.Background()
	s := openTestStore(t)
	tests := []struct {
		pragma       string
		writer, read string
	}{
		{"journal_mode", "wal", "wal"},
		{"synchronous", "2", "2"},
		{"foreign_keys", "1", "1"},
		{"busy_timeout", "5000", "5000"},
		{"query_only", "0", "1"},
	}
	for _, tt := range tests {
		var got string
		if err := s.writer.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("writer PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.writer {
			t.Errorf("writer PRAGMA %s = %s, want %s", tt.pragma, got, tt.writer)
		}
		if err := s.reader.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
			t.Fatalf("reader PRAGMA %s: %v", tt.pragma, err)
		}
		if got != tt.read {
			t.Errorf("reader PRAGMA %s = %s, want %s", tt.pragma, got, tt.read)
		}
	}
	if got := s.writer.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer allows %d connections, want 1", got)
	}
	if _, err := s.reader.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('k', x'00', '')`); err == nil {
		t.Error("a write through the read pool succeeded, want it refused")
	}
}

func TestPing(t *testing.T) {
	s := openTestStore(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping with a cancelled context succeeded, want an error")
	}
}

func TestTimeFormat(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	times := []time.Time{
		time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC),
		time.Date(2025, 3, 1, 9, 0, 0, 5, time.UTC),
		time.Date(2025, 3, 1, 10, 0, 0, 100, paris), // 09:00 UTC
		time.Date(2025, 3, 1, 9, 0, 0, 999_999_999, time.UTC),
		time.Date(2025, 3, 1, 9, 0, 1, 0, time.UTC),
	}
	for i, tm := range times {
		text := formatTime(tm)
		back, err := parseTime(text)
		if err != nil {
			t.Fatalf("parseTime(%q): %v", text, err)
		}
		if !back.Equal(tm) || back.Location() != time.UTC {
			t.Errorf("parseTime(formatTime(%v)) = %v, want the same instant in UTC", tm, back)
		}
		if i > 0 {
			prev := formatTime(times[i-1])
			if (prev < text) != times[i-1].Before(tm) {
				t.Errorf("text order of %q and %q differs from time order", prev, text)
			}
		}
	}
	if _, err := parseTime("2025-03-01 09:00:00"); err == nil {
		t.Error("parseTime accepted a time in another format")
	}
}

func TestErrNotFoundIsWrappable(t *testing.T) {
	s := openTestStore(t)
	_, err := s.GetSetting(context.Background(), "missing")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("GetSetting(missing) error = %v, want ErrNotFound", err)
	}
}
