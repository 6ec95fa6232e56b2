package store

import (
	"bytes"
	"context"
	"testing"
)

func TestSessionKeys(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)

	keys, err := s.SessionKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(keys[0]) != 64 || len(keys[1]) != 32 {
		t.Fatalf("first SessionKeys = %d keys, want a 64-byte and a 32-byte key", len(keys))
	}
	again, err := s.SessionKeys(ctx)
	if err != nil || !bytes.Equal(again[0], keys[0]) || !bytes.Equal(again[1], keys[1]) {
		t.Fatalf("second SessionKeys differs (%v): keys must persist", err)
	}

	if err := s.RotateSessionKeys(ctx, true); err != nil {
		t.Fatal(err)
	}
	rotated, err := s.SessionKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rotated) != 4 || bytes.Equal(rotated[0], keys[0]) || !bytes.Equal(rotated[2], keys[0]) || !bytes.Equal(rotated[3], keys[1]) {
		t.Fatalf("after a rotation keeping the old pair: want a new pair then the old one")
	}

	if err := s.RotateSessionKeys(ctx, true); err != nil {
		t.Fatal(err)
	}
	twice, err := s.SessionKeys(ctx)
	if err != nil || len(twice) != 4 || !bytes.Equal(twice[2], rotated[0]) {
		t.Fatalf("after a second rotation: want only the last pair kept as previous (%v)", err)
	}

	if err := s.RotateSessionKeys(ctx, false); err != nil {
		t.Fatal(err)
	}
	fresh, err := s.SessionKeys(ctx)
	if err != nil || len(fresh) != 2 || bytes.Equal(fresh[0], twice[0]) {
		t.Fatalf("after a rotation dropping the old pair: %d keys (%v), want only a new pair", len(fresh), err)
	}
}
