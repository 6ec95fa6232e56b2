package store

import (
	"context"
	"path/filepath"
	"testing"
)

// openTestStore opens a fresh database in a temporary folder and closes it
// when the test ends.
func openTestStore(tb testing.TB) *Store {
	tb.Helper()
	s, err := Open(context.Background(), filepath.Join(tb.TempDir(), "contactdesk.db"))
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
