package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

func TestSettings(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	if _, err := s.GetSetting(ctx, "setup_token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetSetting before any set: error = %v, want ErrNotFound", err)
	}
	steps := []struct {
		value []byte
		want  []byte
	}{
		{[]byte("first"), []byte("first")},
		{[]byte{0, 1, 2, 255}, []byte{0, 1, 2, 255}},
		{nil, []byte{}},
	}
	for _, step := range steps {
		if err := s.SetSetting(ctx, "setup_token", step.value); err != nil {
			t.Fatalf("SetSetting(%q): %v", step.value, err)
		}
		got, err := s.GetSetting(ctx, "setup_token")
		if err != nil {
			t.Fatalf("GetSetting: %v", err)
		}
		if !bytes.Equal(got, step.want) {
			t.Errorf("GetSetting after SetSetting(%q) = %q, want %q", step.value, got, step.want)
		}
	}
}

func TestEnsureSecret(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "contactdesk.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	first, err := s.EnsureSecret(ctx, "session_key", 32)
	if err != nil {
		t.Fatalf("EnsureSecret: %v", err)
	}
	if len(first) != 32 || bytes.Equal(first, make([]byte, 32)) {
		t.Fatalf("EnsureSecret = %x, want 32 random bytes", first)
	}
	other, err := s.EnsureSecret(ctx, "csrf_key", 32)
	if err != nil {
		t.Fatalf("EnsureSecret(other key): %v", err)
	}
	if bytes.Equal(first, other) {
		t.Error("two keys got the same secret")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("Open again: %v", err)
	}
	defer s.Close()
	again, err := s.EnsureSecret(ctx, "session_key", 64)
	if err != nil {
		t.Fatalf("EnsureSecret after reopening: %v", err)
	}
	if !bytes.Equal(again, first) {
		t.Errorf("EnsureSecret after reopening = %x, want the stored %x", again, first)
	}
	for _, size := range []int{0, -1} {
		if _, err := s.EnsureSecret(ctx, "bad", size); err == nil {
			t.Errorf("EnsureSecret(size %d) succeeded, want an error", size)
		}
	}
}

func TestEnsureSecretConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openTestStore(t)
	const callers = 16
	secrets := make([][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { secrets[i], errs[i] = s.EnsureSecret(ctx, "session_key", 32) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(secrets[i], secrets[0]) {
			t.Errorf("caller %d got %x, caller 0 got %x, want the same secret", i, secrets[i], secrets[0])
		}
	}
}
