package store

import (
	"bytes"
	"context"
	"errors"
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
