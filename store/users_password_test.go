package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// cheapPasswordParams keep tests fast; TestDefaultPasswordParams covers the
// real ones.
func cheapPasswordParams() PasswordParams {
	return PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

func newTestHasher(t *testing.T, concurrency int) *PasswordHasher {
	t.Helper()
	h, err := NewPasswordHasher(cheapPasswordParams(), concurrency)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestPasswordHashRoundTrip(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, 2)
	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("encoded = %q, want the PHC argon2id form with the parameters", encoded)
	}
	again, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil || again == encoded {
		t.Errorf("second hash of the same password = %q, %v; want a different salt", again, err)
	}
	tests := []struct {
		name     string
		encoded  string
		password string
		want     bool
	}{
		{"right password", encoded, "correct horse battery staple", true},
		{"wrong password", encoded, "correct horse battery stapler", false},
		{"no hash (unknown user)", "", "correct horse battery staple", false},
	}
	for _, tt := range tests {
		ok, err := h.Verify(ctx, tt.encoded, tt.password)
		if err != nil || ok != tt.want {
			t.Errorf("%s: Verify = %v, %v; want %v", tt.name, ok, err, tt.want)
		}
	}
}

func TestVerifyRefusesMalformedHashes(t *testing.T) {
	h := newTestHasher(t, 1)
	for _, encoded := range []string{
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$c2hvcnQ",
	} {
		if ok, err := h.Verify(context.Background(), encoded, "whatever password"); ok || err == nil {
			t.Errorf("Verify(%q) = %v, %v; want false and an error", encoded, ok, err)
		}
	}
}

func TestPasswordHasherCapsConcurrency(t *testing.T) {
	h := newTestHasher(t, 1)
	// Hold the only slot: a hash must wait, and give up with its context.
	if err := h.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "abcdefghijkl"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with every slot taken: error = %v, want the context's deadline", err)
	}
	h.release()

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := h.Hash(context.Background(), "abcdefghijkl"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if len(h.slots) != 0 {
		t.Errorf("%d slots still taken after every hash returned", len(h.slots))
	}
}

func TestDefaultPasswordParams(t *testing.T) {
	p := DefaultPasswordParams()
	if p.Memory < 19*1024 || p.Time < 2 || p.Threads < 1 || p.SaltLen < 16 || p.KeyLen < 32 {
		t.Fatalf("DefaultPasswordParams = %+v, want at least m=19 MiB, t=2, p=1", p)
	}
	h, err := NewPasswordHasher(p, 2)
	if err != nil {
		t.Fatal(err)
	}
	encoded, err := h.Hash(context.Background(), "abcdefghijkl")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("encoded = %q", encoded)
	}
	if ok, err := h.Verify(context.Background(), encoded, "abcdefghijkl"); !ok || err != nil {
		t.Errorf("Verify = %v, %v; want true", ok, err)
	}
	if h.NeedsRehash(encoded) {
		t.Error("a hash with the current parameters needs a rehash")
	}
	if cheap := newTestHasher(t, 1); !h.NeedsRehash(cheap.dummy) {
		t.Error("a hash with weaker parameters does not need a rehash")
	}
}

func TestNewPasswordHasherRefusesWeakSettings(t *testing.T) {
	weak := cheapPasswordParams()
	weak.SaltLen = 4
	if _, err := NewPasswordHasher(weak, 1); err == nil {
		t.Error("a 4-byte salt was accepted")
	}
	if _, err := NewPasswordHasher(cheapPasswordParams(), 0); err == nil {
		t.Error("concurrency 0 was accepted")
	}
}
