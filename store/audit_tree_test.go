package store

import (
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestTreeBuilderMatchesTlog: the hashes TreeBuilder computes are those
// tlog stores and its roots are tlog's, leaf after leaf.
func TestTreeBuilderMatchesTlog(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	stored := hashMap{}
	b := NewTreeBuilder()
	for n := range int64(300) {
		var event [sha256.Size]byte
		for i := range event {
			event[i] = byte(rng.Uint32())
		}
		leaf := leafOf(&event)
		if want := tlog.RecordHash(event[:]); leaf != want {
			t.Fatalf("leafOf(%x) = %x, tlog.RecordHash = %x", event, leaf, want)
		}
		want, err := tlog.StoredHashesForRecordHash(n, leaf, stored)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Add(leaf)
		if err != nil {
			t.Fatalf("Add leaf %d: %v", n, err)
		}
		if len(got) != len(want) {
			t.Fatalf("Add leaf %d gave %d hashes, tlog stores %d", n, len(got), len(want))
		}
		for i, h := range want {
			if got[i] != h {
				t.Fatalf("Add leaf %d: hash %d is %x, tlog's %x", n, i, got[i], h)
			}
			stored[tlog.StoredHashIndex(0, n)+int64(i)] = h
		}
		root, err := b.Root(n + 1)
		if err != nil {
			t.Fatalf("Root(%d): %v", n+1, err)
		}
		if want, err := tlog.TreeHash(n+1, stored); err != nil || root != want {
			t.Fatalf("Root(%d) = %x; tlog.TreeHash = %x, %v", n+1, root, want, err)
		}
	}
}

// hashMap is a tlog.HashReader over stored hashes in memory.
type hashMap map[int64]tlog.Hash

func (m hashMap) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		h, ok := m[x]
		if !ok {
			return nil, errors.New("no stored hash")
		}
		out[i] = h
	}
	return out, nil
}
