package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// TestAuditCheckpointKeptOncePerSize signs the log at one size from two
// stores on one database, many times at once, as the portal processes
// sharing it do: one checkpoint is kept for the size, and every signer is
// given that one.
func TestAuditCheckpointKeptOncePerSize(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	stores := []*Store{openTestStoreAt(t, dsn), openTestStoreAt(t, dsn)}
	root := tlog.Hash{1, 2, 3}
	at := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

	const signers = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		kept  = map[int64]int{}
		added int
	)
	for i := range signers {
		s := stores[i%len(stores)]
		wg.Go(func() {
			cp, isNew, err := s.AddAuditCheckpoint(ctx, AuditCheckpoint{
				TreeSize: 7, Root: root, SignedAt: at.Add(time.Duration(i) * time.Second), Note: fmt.Sprintf("note %d", i),
			})
			if err != nil {
				t.Errorf("AddAuditCheckpoint %d: %v", i, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			kept[cp.ID]++
			if isNew {
				added++
			}
		})
	}
	wg.Wait()
	if len(kept) != 1 || added != 1 {
		t.Errorf("%d signers were given checkpoints %v, %d added; want one checkpoint, added once", signers, kept, added)
	}
	var n int
	if err := stores[0].EachAuditCheckpoint(ctx, func(AuditCheckpoint) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d checkpoints kept, want 1", n)
	}

	_, isNew, err := stores[1].AddAuditCheckpoint(ctx, AuditCheckpoint{TreeSize: 7, Root: tlog.Hash{9}, SignedAt: at, Note: "other"})
	if !errors.Is(err, ErrCheckpointConflict) || isNew {
		t.Errorf("a checkpoint of the same size with another root: added %v, error %v; want ErrCheckpointConflict", isNew, err)
	}
	next, isNew, err := stores[1].AddAuditCheckpoint(ctx, AuditCheckpoint{TreeSize: 8, Root: tlog.Hash{4}, SignedAt: at, Note: "next"})
	if err != nil || !isNew || next.TreeSize != 8 || next.Note != "next" {
		t.Errorf("a checkpoint of a new size = %+v, added %v, %v; want it added", next, isNew, err)
	}
}
