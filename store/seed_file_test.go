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
	sqliteOnly(t) // written once, in the first pass: the variable names the database, a file or a postgres:// URL
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

// TestWriteDirectoryFile writes a database whose directory holds 100,000
// contacts of 60,000 organizations (ids from 1001, as the sandbox's made-up
// organizations have them), for measuring the portal's memory with a full
// directory:
//
//	CONTACTDESK_SEED_DIRECTORY_DB=/tmp/dir-100k.db go test ./store -run WriteDirectoryFile
func TestWriteDirectoryFile(t *testing.T) {
	sqliteOnly(t) // written once, in the first pass: the variable names the database, a file or a postgres:// URL
	path := os.Getenv("CONTACTDESK_SEED_DIRECTORY_DB")
	if path == "" {
		t.Skip("set CONTACTDESK_SEED_DIRECTORY_DB to the database file to write")
	}
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	benchmarkDirectory(t, st, 1001, 60_000)
}
