package store

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestWriteOrganizationCacheFile writes a database whose organization cache
// holds 100,000 organizations, for measuring the portal's memory and speed
// with a large account:
//
//	CONTACTDESK_SEED_DB=/tmp/100k.db go test ./store -run WriteOrganizationCacheFile
func TestWriteOrganizationCacheFile(t *testing.T) {
	path := os.Getenv("CONTACTDESK_SEED_DB")
	if path == "" {
		t.Skip("set CONTACTDESK_SEED_DB to the database file to write")
	}
	ctx := context.Background()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.ReplaceOrganizations(ctx, benchmarkOrganizations(100_000), time.Now()); err != nil {
		t.Fatal(err)
	}
}
